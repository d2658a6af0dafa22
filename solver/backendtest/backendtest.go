// Package backendtest is the contract suite that every [solver.Backend] must
// pass, in the style of testing/slogtest: the cpu and kernels packages call
// [Run] with a constructor for their backend. Adding a method to the solver
// registry adds it to every check here; no new test file is needed.
package backendtest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// Run runs the contract suite against the backends newBackend returns.
func Run(t *testing.T, newBackend func(t *testing.T) solver.Backend) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, func(*testing.T) solver.Backend)
	}{
		{"WorkedValues", testWorkedValues},
		{"DPSHeuristic", testDPSHeuristic},
		{"Gradient", testGradient},
		{"GridGradient", testGridGradient},
		{"Parity", testParity},
		{"Merge", testMerge},
		{"Edges", testEdges},
		{"Determinism", testDeterminism},
		{"MonteCarlo", testMonteCarlo},
		{"Transfer", testTransfer},
		{"Floors", testFloors},
		{"BadInput", testBadInput},
		{"Cancel", testCancel},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBackend) })
	}
}

// Reference returns the backend other backends are compared with: the pure-Go
// backend on one worker, one chunk.
func Reference() solver.Backend { return &cpu.Backend{Workers: 1, ChunkSize: 1 << 30} }

func prepare(t *testing.T, b solver.Backend, p *solver.Problem) solver.Evaluator {
	t.Helper()
	ev, err := b.Prepare(context.Background(), p)
	if err != nil {
		t.Fatalf("%s: Prepare: %v", b.Name(), err)
	}
	t.Cleanup(func() { ev.Close() })
	return ev
}

func evaluate(t *testing.T, ev solver.Evaluator, k *solver.Knobs, grad [][]float64) solver.Loss {
	t.Helper()
	l, err := ev.Evaluate(context.Background(), k, grad)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return l
}

func newGrad(k *solver.Knobs) [][]float64 {
	g := make([][]float64, len(k.Values))
	for q := range g {
		g[q] = make([]float64, len(k.Values[q]))
	}
	return g
}

func mustProblem(t *testing.T, c solver.Config) *solver.Problem {
	t.Helper()
	p, err := solver.NewProblem(c)
	if err != nil {
		t.Fatalf("NewProblem: %v", err)
	}
	return p
}

func mustGrid(t testing.TB, name string, steps int) solver.Grid {
	t.Helper()
	g, err := solver.NewGrid(name, steps)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

// ProblemConfig is the suite's small problem on an h×w grid with T
// vp-linear steps: repeated (λ, ρ) pairs, so that merging does something,
// exact zeros of ρ in the outer band (as lowpass gives) and λ = 0 at DC (as
// image priors give), σ_y = 0.1.
func ProblemConfig(t testing.TB, method string, h, w, T, bands int) solver.Config {
	t.Helper()
	lam, err := solver.NewPrior("powerlaw:alpha=1.5,f0=0.05,var=0.5", h, w, false)
	if err != nil {
		t.Fatal(err)
	}
	op, err := solver.NewOperator("gaussian:0.8", h, w)
	if err != nil {
		t.Fatal(err)
	}
	rho := op.Rho
	// Cut the highest band to ρ = 0 and zero the prior at DC.
	fmax := 0.0
	for k := range rho {
		fmax = math.Max(fmax, radius(k, h, w))
	}
	for k := range rho {
		if radius(k, h, w) > 0.9*fmax {
			rho[k] = 0
		}
	}
	lam[0] = 0
	return solver.Config{Height: h, Width: w, Prior: lam, Response: rho, SigmaY: 0.1,
		Grid: mustGrid(t, "vp-linear", T), Method: method, Bands: bands}
}

func radius(k, h, w int) float64 {
	f := func(i, n int) float64 {
		if 2*i < n {
			return float64(i) / float64(n)
		}
		return float64(i-n) / float64(n)
	}
	fy, fx := f(k/w, h), f(k%w, w)
	return math.Sqrt(fx*fx + fy*fy)
}

// randomKnobs returns a random, asymmetric point inside every knob's domain
// near the method's heuristic, away from the kinks of ddnm's c² =
// max(0, β̃ - (κx λ σ_y/ρ)²), where the loss is not differentiable.
func randomKnobs(p *solver.Problem, seed uint64) *solver.Knobs {
	r := rand.New(rand.NewPCG(seed, 7))
	k := p.Project(p.Heuristic())
	kinks := ddnmKinks(p)
	for q, spec := range p.Method.Knobs {
		for j := range k.Values[q] {
			for try := 0; ; try++ {
				v := math.Max(k.Values[q][j], 1e-3) * math.Exp(0.5*r.NormFloat64())
				if spec.Domain == solver.Unit {
					v = 0.05 + 0.9*r.Float64()
				}
				if try == 100 || !nearKink(kinks, j, v) {
					k.Values[q][j] = v
					break
				}
			}
		}
	}
	return k
}

// ddnmKinks returns, per table entry, the knob values where some frequency
// of that band has its c² kink: DDNM+'s heuristic λ where it is below 1.
func ddnmKinks(p *solver.Problem) map[int][]float64 {
	if p.Method.Name != "ddnm" {
		return nil
	}
	h := p.Heuristic()
	T := p.T()
	kv := [][]float64{make([]float64, T)}
	out := map[int][]float64{}
	for f := 0; f < p.Freqs.Len(); f++ {
		p.KnobValues(kv, h, f)
		for j := 0; j < T; j++ {
			if kv[0][j] < 1 && p.Freqs.Rho[f] > 0 {
				e := j*p.Bands + int(p.Freqs.Band[f])
				out[e] = append(out[e], kv[0][j])
			}
		}
	}
	return out
}

func nearKink(kinks map[int][]float64, entry int, v float64) bool {
	for _, c := range kinks[entry] {
		if math.Abs(v-c) < 0.02*v {
			return true
		}
	}
	return false
}
