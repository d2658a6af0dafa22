package backendtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/solver"
)

// testGradient checks the exact gradient against central finite differences
// (SPEC §8: 1e-6 relative) for every knob of every method, B = 1 and B = 3,
// at random asymmetric points, on a 6×5 grid with ρ = 0 and λ = 0 entries.
func testGradient(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	for _, m := range solver.Methods() {
		if len(m.Knobs) == 0 {
			continue
		}
		for _, bands := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/B=%d", m.Name, bands), func(t *testing.T) {
				p := mustProblem(t, ProblemConfig(t, m.Name, 6, 5, 7, bands))
				ev := prepare(t, newBackend(t), p)
				for seed := uint64(1); seed <= 2; seed++ {
					k := randomKnobs(p, seed)
					res, err := solver.CheckGradient(context.Background(), ev, p, k, 0)
					if err != nil {
						t.Fatal(err)
					}
					if res.MaxRelErr > 1e-6 {
						t.Errorf("seed %d: %v", seed, res)
					}
				}
			})
		}
	}
}

// testParity compares loss and gradient with the reference backend for every
// method, knob shape, merge setting and knob rule: loss to 1e-12 relative
// (SPEC §10), gradient entries to 1e-10 of the largest.
func testParity(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	for _, m := range solver.Methods() {
		for _, bands := range []int{1, 4} {
			for _, merge := range []bool{true, false} {
				name := fmt.Sprintf("%s/B=%d/merge=%v", m.Name, bands, merge)
				t.Run(name, func(t *testing.T) {
					c := ProblemConfig(t, m.Name, 9, 8, 12, bands)
					c.NoMerge = !merge
					p := mustProblem(t, c)
					ev := prepare(t, newBackend(t), p)
					ref := prepare(t, Reference(), p)
					knobs := []*solver.Knobs{randomKnobs(p, 3), p.Heuristic()}
					if m.HasReference {
						r, _ := p.Reference()
						knobs = append(knobs, r)
					}
					for _, k := range knobs {
						var g, gr [][]float64
						if k.Rule == solver.RuleTable {
							g, gr = newGrad(k), newGrad(k)
						}
						got := evaluate(t, ev, k, g)
						want := evaluate(t, ref, k, gr)
						if e := relErr(got.Total, want.Total); e > 1e-12 {
							t.Errorf("%s knobs: loss %.17g, reference %.17g (rel err %.2g)", k.Rule, got.Total, want.Total, e)
						}
						if e := relErr(got.Mean, want.Mean); e > 1e-12 && math.Abs(got.Mean-want.Mean) > 1e-14*want.Total {
							t.Errorf("%s knobs: mean part %.17g, reference %.17g", k.Rule, got.Mean, want.Mean)
						}
						compareGrads(t, g, gr, 1e-10)
					}
				})
			}
		}
	}
}

// compareGrads fails on the worst entry of got against want, relative to
// the largest |want|.
func compareGrads(t *testing.T, got, want [][]float64, tol float64) {
	t.Helper()
	scale := 0.0
	for _, g := range want {
		for _, v := range g {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	worst, wq, wj := 0.0, 0, 0
	for q := range want {
		for j := range want[q] {
			if d := math.Abs(got[q][j] - want[q][j]); d > worst {
				worst, wq, wj = d, q, j
			}
		}
	}
	if worst > tol*scale {
		t.Errorf("gradient knob %d entry %d: %.17g, want %.17g (diff %.3g > %.1g·max|g| = %.3g)",
			wq, wj, got[wq][wj], want[wq][wj], worst, tol, tol*scale)
	}
}

// testMerge checks that merging identical (λ, ρ, band) frequencies changes
// neither loss nor gradient (SPEC §2, §10), and that it merges.
func testMerge(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	for _, m := range []string{"dps", "ddrm", "diffpir"} {
		for _, bands := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/B=%d", m, bands), func(t *testing.T) {
				c := ProblemConfig(t, m, 16, 16, 9, bands)
				pm := mustProblem(t, c)
				c.NoMerge = true
				pu := mustProblem(t, c)
				if pm.Freqs.Len() >= pu.Freqs.Len()/4 {
					t.Errorf("merged %d of %d frequencies; an isotropic 16×16 problem should merge at least 4:1", pm.Freqs.Len(), pu.Freqs.Len())
				}
				b := newBackend(t)
				em, eu := prepare(t, b, pm), prepare(t, b, pu)
				k := randomKnobs(pm, 5)
				gm, gu := newGrad(k), newGrad(k)
				lm, lu := evaluate(t, em, k, gm), evaluate(t, eu, k, gu)
				if e := relErr(lm.Total, lu.Total); e > 1e-12 {
					t.Errorf("merged loss %.17g, unmerged %.17g (rel err %.2g > 1e-12)", lm.Total, lu.Total, e)
				}
				compareGrads(t, gm, gu, 1e-12)
			})
		}
	}
}

// testDeterminism checks that a rerun gives bit-identical results.
func testDeterminism(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	p := mustProblem(t, ProblemConfig(t, "diffpir", 12, 10, 10, 2))
	ev := prepare(t, newBackend(t), p)
	k := randomKnobs(p, 9)
	g1, g2 := newGrad(k), newGrad(k)
	l1, l2 := evaluate(t, ev, k, g1), evaluate(t, ev, k, g2)
	if l1 != l2 {
		t.Errorf("rerun gave %+v, then %+v", l1, l2)
	}
	for q := range g1 {
		for j := range g1[q] {
			if g1[q][j] != g2[q][j] {
				t.Fatalf("rerun gradient knob %d entry %d: %v then %v", q, j, g1[q][j], g2[q][j])
			}
		}
	}
}

// testGridGradient checks the gradient with respect to the grid, ∂L/∂ᾱ_i,
// against finite differences for every method (including those without
// knobs) and option that changes the step (base η < 1, pigdm's spectral r²),
// at random knobs on a random grid, for T = 1 (ᾱ_T alone, which moves
// ddrm's init), 2 and 7, B = 1 and 3.
func testGridGradient(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	type variant struct {
		name string
		opts solver.Options
	}
	eta := func(v float64) solver.Options { return solver.Options{Eta: &v} }
	var variants []variant
	for _, m := range solver.Methods() {
		variants = append(variants, variant{m.Name, solver.Options{}})
	}
	variants = append(variants, variant{"dps", eta(0.5)}, variant{"pigdm", solver.Options{R2: "spectral"}},
		variant{"pigdm", eta(0)}, variant{"oracle", eta(0.3)})
	for _, v := range variants {
		for _, tc := range []struct{ T, bands int }{{1, 1}, {2, 1}, {7, 1}, {7, 3}} {
			name := fmt.Sprintf("%s/T=%d/B=%d", v.name, tc.T, tc.bands)
			if v.opts.Eta != nil {
				name += fmt.Sprintf("/eta=%g", *v.opts.Eta)
			}
			if v.opts.R2 != "" {
				name += "/r2=" + v.opts.R2
			}
			t.Run(name, func(t *testing.T) {
				c := ProblemConfig(t, v.name, 6, 5, tc.T, tc.bands)
				c.Options = v.opts
				p := mustProblem(t, c)
				ev := prepare(t, newBackend(t), p)
				for seed := uint64(1); seed <= 2; seed++ {
					k := randomKnobs(p, seed)
					k.Abar = RandomGrid(t, p, seed)
					res, err := solver.CheckGradient(context.Background(), ev, p, k, 0)
					if err != nil {
						t.Fatal(err)
					}
					if res.MaxRelErr > 1e-6 {
						t.Errorf("seed %d: %v", seed, res)
					}
				}
			})
		}
	}
}

// RandomGrid returns the problem's grid with every log ᾱ_i (i ≥ 1) scaled
// by a random factor in [0.75, 1.25], kept strictly decreasing: a grid for
// k.Abar in gradient and parity tests.
func RandomGrid(t testing.TB, p *solver.Problem, seed uint64) []float64 {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	for range 100 {
		ab := append([]float64(nil), p.Grid.Abar...)
		for i := 1; i < len(ab); i++ {
			ab[i] = math.Exp(math.Log(ab[i]) * (0.75 + 0.5*r.Float64()))
		}
		if (solver.Grid{Name: "random", Abar: ab}).Validate() == nil {
			return ab
		}
	}
	t.Fatal("no random grid")
	return nil
}
