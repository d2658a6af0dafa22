package kernels

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/backendtest"
)

// gridProblem is the contract suite's parity problem (9×8, vp-linear with T
// steps, a power-law prior with λ = 0 at DC, a Gaussian blur cut to ρ = 0
// in the outer band, σ_y = 0.1), so that merging merges and every method
// meets ρ = 0 and λ = 0.
func gridProblem(t *testing.T, method string, opts solver.Options, T, bands int, merge bool) *solver.Problem {
	t.Helper()
	const h, w = 9, 8
	lam, err := solver.NewPrior("powerlaw:alpha=1.5,f0=0.05,var=0.5", h, w, false)
	if err != nil {
		t.Fatal(err)
	}
	op, err := solver.NewOperator("gaussian:0.8", h, w)
	if err != nil {
		t.Fatal(err)
	}
	rho := op.Rho
	// The outer frequencies (radius above 0.9 of the largest) get ρ = 0.
	radius := func(k int) float64 {
		f := func(i, n int) float64 {
			if 2*i < n {
				return float64(i) / float64(n)
			}
			return float64(i-n) / float64(n)
		}
		fy, fx := f(k/w, h), f(k%w, w)
		return math.Hypot(fx, fy)
	}
	fmax := 0.0
	for k := range rho {
		fmax = math.Max(fmax, radius(k))
	}
	for k := range rho {
		if radius(k) > 0.9*fmax {
			rho[k] = 0
		}
	}
	lam[0] = 0
	g, err := solver.NewGrid("vp-linear", T)
	if err != nil {
		t.Fatal(err)
	}
	p, err := solver.NewProblem(solver.Config{Height: h, Width: w, Prior: lam, Response: rho, SigmaY: 0.1, Grid: g,
		Method: method, Options: opts, Bands: bands, NoMerge: !merge})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGridParity compares evaluations on a grid of the knobs' own (k.Abar)
// with the CPU reference for every method, some options that change the
// step, B = 1 and 4, merge on and off: loss to 1e-12 relative, the knob and
// grid gradient tables to 1e-10 of their largest entries, transfers and the
// method's rules bit for bit (compareWithCPU), and the knob gradient alone
// on the knobs' grid. It then checks that an evaluation without a grid of
// its own, after one with, is the problem-grid evaluation again, bit for
// bit: the step records were restored.
func TestGridParity(t *testing.T) {
	b := openTest(t)
	eta := func(v float64) solver.Options { return solver.Options{Eta: &v} }
	type variant struct {
		method string
		opts   solver.Options
		suffix string
	}
	var variants []variant
	for _, m := range solver.Methods() {
		variants = append(variants, variant{m.Name, solver.Options{}, ""})
	}
	variants = append(variants, variant{"dps", eta(0.5), "/eta=0.5"}, variant{"pigdm", solver.Options{R2: "spectral"}, "/r2=spectral"},
		variant{"oracle", eta(0.3), "/eta=0.3"})
	ctx := context.Background()
	for _, v := range variants {
		for _, tc := range []struct{ T, bands int }{{12, 1}, {12, 4}, {1, 1}} {
			for _, merge := range []bool{true, false} {
				name := fmt.Sprintf("%s%s/T=%d/B=%d/merge=%v", v.method, v.suffix, tc.T, tc.bands, merge)
				t.Run(name, func(t *testing.T) {
					p := gridProblem(t, v.method, v.opts, tc.T, tc.bands, merge)
					ev, err := b.Prepare(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					defer ev.Close()
					plain := randKnobs(p, 3)
					// The problem's grid first, to compare with after.
					g0 := newGrad(plain)
					l0, err := ev.Evaluate(ctx, plain, g0)
					if err != nil {
						t.Fatal(err)
					}
					k := plain.Clone()
					k.Abar = randomAbar(t, p, 5)
					compareWithCPU(t, p, ev, k)
					// The knob gradient alone, on the knobs' grid.
					if len(k.Values) > 0 {
						ref, err := backendtest.Reference().Prepare(ctx, p)
						if err != nil {
							t.Fatal(err)
						}
						defer ref.Close()
						g, gr := newGrad(k)[:len(k.Values)], newGrad(k)[:len(k.Values)]
						if _, err := ev.Evaluate(ctx, k, g); err != nil {
							t.Fatal(err)
						}
						if _, err := ref.Evaluate(ctx, k, gr); err != nil {
							t.Fatal(err)
						}
						compareTables(t, "knob-only gradient on the knobs' grid", g, gr, k.Names, 1e-10)
					}
					// Back on the problem's grid: the same numbers as before.
					g1 := newGrad(plain)
					l1, err := ev.Evaluate(ctx, plain, g1)
					if err != nil {
						t.Fatal(err)
					}
					if l1 != l0 {
						t.Errorf("without a knob grid after one: loss %+v, before %+v", l1, l0)
					}
					for q := range g0 {
						for j := range g0[q] {
							if g1[q][j] != g0[q][j] {
								t.Fatalf("without a knob grid after one: gradient %s entry %d is %v, before %v", plain.Names[q], j, g1[q][j], g0[q][j])
							}
						}
					}
					compareWithCPU(t, p, ev, plain)
				})
			}
		}
	}
}

// TestGridGradientShape checks the errors for gradient slices that do not
// fit: a grid table without a knob grid, a grid table of the wrong length,
// one table too many or too few.
func TestGridGradientShape(t *testing.T) {
	b := openTest(t)
	ctx := context.Background()
	p := lineProblem(t, "ddrm", 40, 5, 2, 1)
	ev, err := b.Prepare(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	plain := randKnobs(p, 1)
	k := plain.Clone()
	k.Abar = randomAbar(t, p, 2)
	tq := len(plain.Values[0])
	for _, tc := range []struct {
		name string
		k    *solver.Knobs
		grad [][]float64
		want string
	}{
		{"grid table without a knob grid", plain, [][]float64{make([]float64, tq), make([]float64, tq), make([]float64, 6)}, "gradient has 3 tables, the knobs 2"},
		{"grid table of the wrong length", k, [][]float64{make([]float64, tq), make([]float64, tq), make([]float64, 5)}, "grid gradient table has 5 entries (want T+1 = 6)"},
		{"too many tables", k, [][]float64{make([]float64, tq), make([]float64, tq), make([]float64, 6), make([]float64, 6)}, "gradient has 4 tables, the knobs 2 (3 with the grid table)"},
		{"too few tables", k, [][]float64{make([]float64, tq)}, "gradient has 1 tables"},
		{"short knob table", k, [][]float64{make([]float64, tq), make([]float64, tq-1), make([]float64, 6)}, "gradient table 1 has 9 entries, the knob table 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ev.Evaluate(ctx, tc.k, tc.grad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A knob grid that Check rejects is reported as Check reports it.
	bad := plain.Clone()
	bad.Abar = []float64{1, 0.5}
	if _, err := ev.Evaluate(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), "knob grid has 2 values") {
		t.Errorf("short knob grid: %v", err)
	}
	// After the errors, the evaluator still works.
	compareWithCPU(t, p, ev, k)
}
