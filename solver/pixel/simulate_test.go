package pixel_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// simCase is one row of the closed-form-vs-pixel contract: a problem, the
// knobs, the Monte Carlo sizes and the provenance of the expectation.
type simCase struct {
	name    string
	problem problemSpec
	knobs   func(p *solver.Problem) pixel.Knobs
	samples int
	source  string
}

// randomTable returns the heuristic projected onto the T×B table with every
// entry scaled by a random factor in [0.5, 1.5) (clipped into [0.02, 0.98]
// for knobs in [0, 1]), so that steps and bands all differ.
func randomTable(p *solver.Problem) pixel.Knobs {
	k := p.Project(p.Heuristic())
	r := rand.New(rand.NewPCG(17, uint64(len(k.Values))))
	for q, spec := range p.Method.Knobs {
		for j, v := range k.Values[q] {
			v *= 0.5 + r.Float64()
			if spec.Domain == solver.Unit {
				v = math.Max(0.02, math.Min(0.98, v))
			}
			k.Values[q][j] = v
		}
	}
	return pixel.Knobs{Table: k}
}

func heuristic(norm pixel.DPSNorm) func(*solver.Problem) pixel.Knobs {
	return func(*solver.Problem) pixel.Knobs { return pixel.Knobs{DPSNorm: norm} }
}

// simCases walks solver.Methods(), so a new method needs no new test; each
// method gets the heuristic at B = 1 on a rectangular even grid, a random
// banded table on an odd grid, and the σ_y = 0 lowpass edge (ρ = 0 at most
// frequencies, λ_0 = 0 so that some frequencies are deterministic).
func simCases() []simCase {
	const closed = "closed form N(B·Ỹ, V) of SPEC §8 from package cpu"
	var cases []simCase
	lamZeroDC := solver.PowerLaw(16, 16, 2, 0.05, 0.25)
	lamZeroDC[0] = 0
	lowpass, _ := solver.NewOperator("lowpass:0.2", 16, 16)
	for _, m := range solver.Methods() {
		cases = append(cases,
			simCase{name: m.Name + "/heuristic/B=1/16x20", problem: problemSpec{h: 16, w: 20, steps: 12, method: m.Name, sigmaY: 0.1},
				knobs: heuristic(pixel.NormExpected), samples: 300, source: closed},
			simCase{name: m.Name + "/lowpass/sigma_y=0/16x16", problem: problemSpec{h: 16, w: 16, steps: 10, method: m.Name, op: lowpass, lam: lamZeroDC},
				knobs: heuristic(pixel.NormExpected), samples: 200, source: closed + "; V = 0 frequencies checked to rounding"})
		if len(m.Knobs) > 0 {
			cases = append(cases, simCase{name: m.Name + "/random-table/B=3/15x17", problem: problemSpec{h: 15, w: 17, steps: 10, method: m.Name, sigmaY: 0.05, bands: 3},
				knobs: randomTable, samples: 300, source: closed})
		}
	}
	eta := 0.5
	cases = append(cases,
		simCase{name: "dps/real-norm/24x24", problem: problemSpec{h: 24, w: 24, steps: 12, method: "dps", sigmaY: 0.1},
			knobs: heuristic(pixel.NormReal), samples: 300, source: "closed form of the expected-norm table; the real residual norm concentrates (SPEC §6)"},
		simCase{name: "pigdm/spectral/eta=0.5", problem: problemSpec{h: 16, w: 16, steps: 12, method: "pigdm", sigmaY: 0.05, options: solver.Options{Eta: &eta, R2: "spectral"}},
			knobs: heuristic(pixel.NormExpected), samples: 300, source: closed},
		simCase{name: "dps/cosine/1x64", problem: problemSpec{h: 1, w: 64, steps: 16, method: "dps", sigmaY: 0.1, grid: "cosine"},
			knobs: heuristic(pixel.NormExpected), samples: 400, source: closed + ", a 1-D signal"},
	)
	return cases
}

// TestSimulateAgrees checks, for every method, that pixel-domain runs of the
// algorithm have the per-frequency means and variances of the closed form,
// by the tests of [pixel.Sampler.Simulate] at familywise α = 0.001, with
// fixed seeds. TestSimulateDetects (simulate_internal_test.go) shows that
// the same tests fail on a wrong phase, a 10 % knob error and a wrong noise
// level.
func TestSimulateAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("pixel-domain Monte Carlo takes seconds; skipped in -short mode")
	}
	for _, tc := range simCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, s := tc.problem.build(t)
			ev, err := cpu.New().Prepare(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Simulate(context.Background(), ev, pixel.SimulateSettings{Knobs: tc.knobs(p), Samples: tc.samples, Ys: 4, Seed: 1, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, pt := range res.Pooled {
				t.Logf("%-15s %.5f ± %.2g (z %+.2f, p %.3g)", pt.Name, pt.Value, pt.SE, pt.Z, pt.P)
			}
			t.Logf("loss: closed form %.5g, Monte Carlo %.5g ± %.2g (z %+.2f); %d frequencies tested, %d deterministic (error %.2g)",
				res.ClosedForm.Total, res.MonteCarlo.Total, res.LossSE, res.LossZ, res.Tested, res.Deterministic, res.DeterministicError)
			if !res.Pass {
				t.Errorf("pixel-domain %s disagrees with the %s:\n%v", tc.name, tc.source, res.Failures)
			}
			if res.Tested == 0 {
				t.Errorf("no frequency was tested")
			}
		})
	}
}

// TestSimulateDeterministic: the same seed gives the same result, whatever
// the number of workers.
func TestSimulateDeterministic(t *testing.T) {
	p, s := problemSpec{h: 8, w: 10, steps: 6, method: "dps", sigmaY: 0.1}.build(t)
	ev, _ := cpu.New().Prepare(context.Background(), p)
	var first *pixel.SimulateResult
	for _, workers := range []int{1, 3} {
		res, err := s.Simulate(context.Background(), ev, pixel.SimulateSettings{Samples: 20, Ys: 2, Seed: 9, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		if res.MonteCarlo != first.MonteCarlo || res.Freqs[3] != first.Freqs[3] {
			t.Errorf("workers = %d changed the result: %+v vs %+v", workers, res.MonteCarlo, first.MonteCarlo)
		}
	}
}

func TestSimulateCancelled(t *testing.T) {
	p, s := problemSpec{h: 8, w: 8, steps: 6, method: "ddim", sigmaY: 0.1}.build(t)
	ev, _ := cpu.New().Prepare(context.Background(), p)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Simulate(ctx, ev, pixel.SimulateSettings{Samples: 10}); err == nil {
		t.Error("cancelled simulate returned no error")
	}
}
