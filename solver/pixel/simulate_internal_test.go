package pixel

import (
	"context"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// fixedKnobs is an evaluator that computes the closed form of its own knobs
// whatever it is asked for: a closed form that disagrees with the runs.
type fixedKnobs struct {
	solver.Evaluator
	k *solver.Knobs
}

func (f fixedKnobs) Transfer(ctx context.Context, _ *solver.Knobs, b, v []float64) error {
	return f.Evaluator.Transfer(ctx, f.k, b, v)
}

func (f fixedKnobs) Evaluate(ctx context.Context, _ *solver.Knobs, g [][]float64) (solver.Loss, error) {
	return f.Evaluator.Evaluate(ctx, f.k, g)
}

// TestSimulateDetects shows that the agreement tests can fail: runs whose
// operator has the wrong phase (H used where Hᵀ belongs, i.e. the kernel
// mirrored), DPS with a step 25 % off the closed form's, and DDIM with the
// wrong noise level must all be rejected at the sizes of TestSimulateAgrees.
func TestSimulateDetects(t *testing.T) {
	if testing.Short() {
		t.Skip("pixel-domain Monte Carlo takes seconds; skipped in -short mode")
	}
	const H, W, T = 16, 20, 12
	kern := make([]float64, H*W)
	for _, tp := range []struct {
		y, x int
		v    float64
	}{{2, 3, 0.35}, {2, 4, 0.25}, {3, 3, 0.15}, {3, 4, 0.1}, {4, 4, 0.1}, {1, 2, 0.05}} {
		kern[tp.y*W+tp.x] = tp.v
	}
	op, err := solver.KernelOperator("asymmetric", kern, H, W)
	if err != nil {
		t.Fatal(err)
	}
	lam := solver.PowerLaw(H, W, 1, 0.02, 0.25)
	g, _ := solver.NewGrid("vp-linear", T)
	build := func(method string) (*solver.Problem, *Sampler, solver.Evaluator) {
		p, err := solver.NewProblem(solver.Config{Height: H, Width: W, Prior: lam, Response: op.Rho, SigmaY: 0.1, Grid: g, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{Problem: p, Lambda: lam, Response: op.H})
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := cpu.New().Prepare(context.Background(), p)
		return p, s, ev
	}
	set := SimulateSettings{Samples: 300, Ys: 4, Seed: 1, Workers: 1, Knobs: Knobs{DPSNorm: NormExpected}}
	expectFail := func(t *testing.T, res *SimulateResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if res.Pass {
			t.Fatalf("a broken run passed: pooled %+v", res.Pooled)
		}
		t.Logf("rejected: %s", strings.Join(res.Failures, "; "))
	}
	for _, m := range solver.Methods() {
		if m.Name == "ddim" {
			continue // no measurement, no phase to get wrong
		}
		t.Run("wrong-phase/"+m.Name, func(t *testing.T) {
			t.Parallel()
			_, s, ev := build(m.Name)
			bad := *s
			bad.resp = make([]complex128, len(s.resp))
			for j, h := range s.resp {
				bad.resp[j] = cmplx.Conj(h)
			}
			res, err := simulate(context.Background(), &bad, s, ev, set)
			expectFail(t, res, err)
		})
	}
	t.Run("dps-step-25%-off", func(t *testing.T) {
		t.Parallel()
		p, s, ev := build("dps")
		k := p.Heuristic()
		big := k.Clone()
		for j := range big.Values[0] {
			big.Values[0][j] *= 1.25
		}
		res, err := simulate(context.Background(), s, s, fixedKnobs{ev, k}, SimulateSettings{Samples: 300, Ys: 4, Seed: 1, Workers: 1, Knobs: Knobs{Table: big}})
		expectFail(t, res, err)
	})
	t.Run("ddim-eta-0.9-vs-1", func(t *testing.T) {
		t.Parallel()
		p, s, ev := build("ddim")
		res, err := simulate(context.Background(), s, s, fixedKnobs{ev, p.NewKnobs(1)}, SimulateSettings{Samples: 300, Ys: 4, Seed: 1, Workers: 1, Knobs: Knobs{Table: p.NewKnobs(0.9)}})
		expectFail(t, res, err)
	})
}
