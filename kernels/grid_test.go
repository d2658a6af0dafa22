package kernels

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/backendtest"
)

// gridProblem is the contract suite's parity problem (9×8, vp-linear with T
// steps; backendtest.ProblemConfig) with the given options, bands and
// merging.
func gridProblem(t *testing.T, method string, opts solver.Options, T, bands int, merge bool) *solver.Problem {
	t.Helper()
	c := backendtest.ProblemConfig(t, method, 9, 8, T, bands)
	c.Options, c.NoMerge = opts, !merge
	p, err := solver.NewProblem(c)
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
					k.Abar = backendtest.RandomGrid(t, p, 5)
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
	k.Abar = backendtest.RandomGrid(t, p, 2)
	tq := len(plain.Values[0])
	for _, tc := range []struct {
		name string
		k    *solver.Knobs
		grad [][]float64
		want string
	}{
		{"grid table without a knob grid", plain, [][]float64{make([]float64, tq), make([]float64, tq), make([]float64, 6)}, "gradient has 3 tables, the knobs 2"},
		{"grid table of the wrong length", k, [][]float64{make([]float64, tq), make([]float64, tq), make([]float64, 5)}, "solver: grid gradient table has 5 entries (want T+1 = 6)"},
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

// TestGridParams runs the grid gradient with other device parameters than
// the device's own, on this device: the GPU table's (WGS 128, VW 1, tree
// sums, global record; more work-items than levels), and small groups of
// 4-wide vectors with tree sums and a local record, each compared with the
// CPU reference on a knob grid.
func TestGridParams(t *testing.T) {
	for _, par := range []params{
		{WGS: 128, VW: 1},
		{WGS: 4, VW: 4, LocalScratch: true},
		{WGS: 8, VW: 2, StepBarrier: true, ReduceSerial: true},
	} {
		for _, method := range []string{"dps", "ddrm", "oracle"} {
			t.Run(fmt.Sprintf("WGS=%d/VW=%d/%s", par.WGS, par.VW, method), func(t *testing.T) {
				b := openTest(t)
				if lim := b.dev.MaxWorkGroupSize(); lim < par.WGS {
					t.Skipf("device allows work-groups of %d", lim)
				}
				b.par = par
				p := gridProblem(t, method, solver.Options{}, 12, 4, false)
				ev, err := b.Prepare(context.Background(), p)
				if err != nil {
					t.Fatal(err)
				}
				defer ev.Close()
				k := randKnobs(p, 8)
				k.Abar = backendtest.RandomGrid(t, p, 9)
				compareWithCPU(t, p, ev, k)
			})
		}
	}
}

// TestGridOneFrequencyExact checks that a one-frequency problem's loss and
// knob and grid gradients equal the CPU reference's bit for bit (no sum
// over frequencies then differs in order: per frequency every operation is
// the reference's), for every method and option variant, at random
// (λ, ρ) and at λ = 0, ρ = 0 and both.
func TestGridOneFrequencyExact(t *testing.T) {
	b := openTest(t)
	ctx := context.Background()
	ref := backendtest.Reference()
	eta := 0.4
	type variant struct {
		method string
		opts   solver.Options
	}
	var variants []variant
	for _, m := range solver.MethodNames() {
		variants = append(variants, variant{m, solver.Options{}})
	}
	variants = append(variants, variant{"pigdm", solver.Options{R2: "spectral", Eta: &eta}}, variant{"dps", solver.Options{Eta: &eta}})
	g, err := solver.NewGrid("vp-linear", 9)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		for _, f := range [][2]float64{{0.7, 0.45}, {3.1, 0.02}, {0.05, 0.9}, {0, 0.6}, {1.3, 0}, {0, 0}} {
			p, err := solver.NewProblem(solver.Config{Height: 1, Width: 1, Prior: []float64{f[0]}, Response: []float64{f[1]},
				SigmaY: 0.07, Grid: g, Method: v.method, Options: v.opts})
			if err != nil {
				t.Fatal(err)
			}
			for seed := uint64(1); seed <= 3; seed++ {
				k := randKnobs(p, seed)
				k.Abar = backendtest.RandomGrid(t, p, seed)
				var got, want [2]solver.Loss
				var gg, gw [][]float64
				for i, be := range []solver.Backend{b, ref} {
					ev, err := be.Prepare(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					gr := newGrad(k)
					l, err := ev.Evaluate(ctx, k, gr)
					ev.Close()
					if err != nil {
						t.Fatal(err)
					}
					if i == 0 {
						got[0], gg = l, gr
					} else {
						want[0], gw = l, gr
					}
				}
				if got[0] != want[0] {
					t.Errorf("%s %+v λ=%g ρ=%g seed %d: loss %+v, cpu %+v", v.method, v.opts, f[0], f[1], seed, got[0], want[0])
				}
				for q := range gw {
					for j := range gw[q] {
						if gg[q][j] != gw[q][j] {
							t.Errorf("%s %+v λ=%g ρ=%g seed %d: gradient table %d entry %d is %.17g, cpu %.17g", v.method, v.opts, f[0], f[1], seed, q, j, gg[q][j], gw[q][j])
						}
					}
				}
			}
		}
	}
}
