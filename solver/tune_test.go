package solver_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

func tuneProblem(t testing.TB, method string, bands int) (*solver.Problem, solver.Evaluator) {
	lam := solver.PowerLaw(16, 16, 2, 0.01, 0.25)
	op, _ := solver.NewOperator("gaussian:1", 16, 16)
	g, _ := solver.NewGrid("vp-linear", 20)
	p, err := solver.NewProblem(solver.Config{Height: 16, Width: 16, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: method, Bands: bands})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := cpu.New().Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return p, ev
}

func TestTuneImproves(t *testing.T) {
	for _, m := range solver.Methods() {
		if len(m.Knobs) == 0 {
			continue
		}
		for _, bands := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/B=%d", m.Name, bands), func(t *testing.T) {
				t.Parallel()
				p, ev := tuneProblem(t, m.Name, bands)
				h := p.Heuristic()
				lh, err := ev.Evaluate(context.Background(), h, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := solver.Tune(context.Background(), ev, p, p.Project(h), solver.TuneSettings{MaxIterations: 60})
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case !(res.Loss.Total < res.Start.Total):
					t.Errorf("tuned %.6g not below the start %.6g (status %s)", res.Loss.Total, res.Start.Total, res.Status)
				case h.Rule != solver.RuleTable:
					// DDNM+'s heuristic is per frequency; a T×B table cannot
					// express it, so only the start is a fair comparison.
					t.Logf("tuned %.6g, per-frequency heuristic %.6g", res.Loss.Total, lh.Total)
				case m.Name == "ddim" && res.Loss.Total > lh.Total*(1+1e-6):
					// η = 1 is on the boundary, where ddim's optimum lies;
					// the clipped start is 0.999.
					t.Errorf("tuned %.9g above the heuristic %.9g", res.Loss.Total, lh.Total)
				case m.Name != "ddim" && !(res.Loss.Total < lh.Total):
					t.Errorf("tuned %.6g not below the heuristic %.6g (status %s)", res.Loss.Total, lh.Total, res.Status)
				}
				// The reported loss is the loss of the returned knobs.
				l, _ := ev.Evaluate(context.Background(), res.Knobs, nil)
				if l != res.Loss {
					t.Errorf("reported %+v, knobs evaluate to %+v", res.Loss, l)
				}
				if err := p.Check(res.Knobs); err != nil {
					t.Errorf("tuned knobs out of domain: %v", err)
				}
			})
		}
	}
}

// stopAfter cancels its context after n major iterations.
type stopAfter struct {
	n      int
	cancel context.CancelFunc
	seen   int
	done   int
}

func (s *stopAfter) Record(p solver.Progress) {
	s.seen++
	if s.seen == s.n {
		s.cancel()
	}
}
func (s *stopAfter) Done(solver.Progress) { s.done++ }

func TestTuneInterrupted(t *testing.T) {
	p, ev := tuneProblem(t, "dps", 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &stopAfter{n: 3, cancel: cancel}
	res, err := solver.Tune(ctx, ev, p, p.Heuristic(), solver.TuneSettings{Recorder: rec})
	if err != nil {
		t.Fatalf("interrupted tune returned an error: %v", err)
	}
	if !res.Interrupted || res.Status != "Interrupted" {
		t.Errorf("status %q, interrupted %v", res.Status, res.Interrupted)
	}
	if rec.done != 1 {
		t.Errorf("Recorder.Done called %d times, want 1", rec.done)
	}
	if !(res.Loss.Total < res.Start.Total) {
		t.Errorf("best-so-far %.6g not below start %.6g after 3 iterations", res.Loss.Total, res.Start.Total)
	}
	l, err := ev.Evaluate(context.Background(), res.Knobs, nil)
	if err != nil || l != res.Loss {
		t.Errorf("best knobs evaluate to %+v (%v), reported %+v", l, err, res.Loss)
	}
}

func TestTuneFreeSubsetAndClipping(t *testing.T) {
	p, ev := tuneProblem(t, "ddrm", 1)
	h := p.Heuristic()
	res, err := solver.Tune(context.Background(), ev, p, h, solver.TuneSettings{Free: []string{"eta"}, MaxIterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range res.Knobs.Values[1] {
		if v != h.Values[1][j] {
			t.Fatalf("fixed knob eta_b changed at %d: %v → %v", j, h.Values[1][j], v)
		}
	}
	if res.Clipped != 0 {
		t.Errorf("eta = 0.85 needs no clipping, got %d clipped", res.Clipped)
	}
	res, err = solver.Tune(context.Background(), ev, p, h, solver.TuneSettings{MaxIterations: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Clipped != p.T() {
		t.Errorf("ηb = 1 on %d steps sits on the bound: %d clipped, want %d", p.T(), res.Clipped, p.T())
	}
	if _, err := solver.Tune(context.Background(), ev, p, h, solver.TuneSettings{Free: []string{"zeta"}}); err == nil {
		t.Error("freeing a knob ddrm does not have: no error")
	}
}

func TestTuneDeterministic(t *testing.T) {
	run := func() *solver.TuneResult {
		p, ev := tuneProblem(t, "pigdm", 2)
		res, err := solver.Tune(context.Background(), ev, p, p.Heuristic(), solver.TuneSettings{MaxIterations: 15})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	if a.Loss != b.Loss || a.Evaluations != b.Evaluations || a.Iterations != b.Iterations {
		t.Errorf("two runs: %+v (%d evals) and %+v (%d evals)", a.Loss, a.Evaluations, b.Loss, b.Evaluations)
	}
}

// countingEvaluator counts Evaluate calls, to check the evaluation count
// Tune reports.
type countingEvaluator struct {
	solver.Evaluator
	n int
}

func (c *countingEvaluator) Evaluate(ctx context.Context, k *solver.Knobs, g [][]float64) (solver.Loss, error) {
	c.n++
	return c.Evaluator.Evaluate(ctx, k, g)
}

func TestTuneCountsEvaluations(t *testing.T) {
	p, ev := tuneProblem(t, "dps", 1)
	c := &countingEvaluator{Evaluator: ev}
	res, err := solver.Tune(context.Background(), c, p, p.Heuristic(), solver.TuneSettings{MaxIterations: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Evaluations != c.n {
		t.Errorf("reported %d evaluations, the evaluator saw %d", res.Evaluations, c.n)
	}
}

// TestTuneTinyClipBothBounds starts DDNM from its projected rule, which has
// λ = 0 entries (needing a clip of about 1e-18, since ρ reaches 1e-17) next
// to λ = 1 entries: 1 - 1e-18 rounds to 1, which must not give θ = +Inf.
func TestTuneTinyClipBothBounds(t *testing.T) {
	lam := solver.PowerLaw(64, 64, 2, 0.01, 0.25)
	op, _ := solver.NewOperator("gaussian:2", 64, 64)
	g, _ := solver.NewGrid("vp-linear", 32)
	p, err := solver.NewProblem(solver.Config{Height: 64, Width: 64, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "ddnm", Bands: 8})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := cpu.New().Prepare(context.Background(), p)
	res, err := solver.Tune(context.Background(), ev, p, p.Project(p.Heuristic()), solver.TuneSettings{MaxIterations: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.ClipEps >= 1e-3 || res.Status == "Failure" || !(res.Loss.Total < res.Start.Total) {
		t.Errorf("clip %g, status %s, loss %.4g from %.4g", res.ClipEps, res.Status, res.Loss.Total, res.Start.Total)
	}
}

// TestDPSHeuristicCores checks that the DPS heuristic, summed over fixed
// chunks on all cores, gives the same ζ bit for bit on 1 and 3 cores.
func TestDPSHeuristicCores(t *testing.T) {
	lam := solver.PowerLaw(100, 90, 2, 0.01, 0.25)
	op, _ := solver.NewOperator("gaussian:2", 100, 90)
	g, _ := solver.NewGrid("vp-linear", 12)
	p, err := solver.NewProblem(solver.Config{Height: 100, Width: 90, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "dps", NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	one := p.Heuristic()
	runtime.GOMAXPROCS(3)
	three := p.Heuristic()
	runtime.GOMAXPROCS(prev)
	for j, v := range one.Values[0] {
		if three.Values[0][j] != v {
			t.Fatalf("ζ entry %d: %v on 1 core, %v on 3", j, v, three.Values[0][j])
		}
	}
}

// gridWatcher fails the test if any evaluation sees an invalid grid.
type gridWatcher struct {
	solver.Evaluator
	t     *testing.T
	grids int
}

func (g *gridWatcher) Evaluate(ctx context.Context, k *solver.Knobs, grad [][]float64) (solver.Loss, error) {
	if k.Abar != nil {
		g.grids++
		if err := (solver.Grid{Name: "evaluated", Abar: k.Abar}).Validate(); err != nil {
			g.t.Fatalf("evaluation %d: %v", g.grids, err)
		}
	}
	return g.Evaluator.Evaluate(ctx, k, grad)
}

// TestTuneGrid designs the grid alone and jointly with the knobs: the loss
// falls below the knob-only design's start, ᾱ_T stays, every grid the
// optimiser tries is valid, and the returned loss is that of the returned
// knobs and grid.
func TestTuneGrid(t *testing.T) {
	for _, tc := range []struct {
		method string
		free   []string
	}{
		{"ddim", []string{solver.GridKnob}},
		{"dps", []string{solver.GridKnob}},
		{"dps", []string{"zeta", solver.GridKnob}},
		{"ddrm", []string{solver.GridKnob, "eta", "eta_b"}},
		{"oracle", []string{solver.GridKnob}},
	} {
		t.Run(fmt.Sprint(tc.method, tc.free), func(t *testing.T) {
			p, ev := tuneProblem(t, tc.method, 1)
			w := &gridWatcher{Evaluator: ev, t: t}
			start := p.Project(p.Heuristic())
			res, err := solver.Tune(context.Background(), w, p, start, solver.TuneSettings{Free: tc.free, MaxIterations: 40})
			if err != nil {
				t.Fatal(err)
			}
			if w.grids < 5 {
				t.Fatalf("only %d evaluations carried a grid", w.grids)
			}
			ab := res.Knobs.Abar
			if ab == nil || ab[p.T()] != p.Grid.Abar[p.T()] {
				t.Fatalf("designed grid %v does not keep ᾱ_T = %v", ab, p.Grid.Abar[p.T()])
			}
			if !(res.Loss.Total < 0.9*res.Start.Total) {
				t.Errorf("grid design: %.6g from %.6g (status %s)", res.Loss.Total, res.Start.Total, res.Status)
			}
			if !slices.Contains(tc.free, "zeta") && !slices.Contains(tc.free, "eta") {
				for q := range start.Values {
					if !slices.Equal(res.Knobs.Values[q], start.Values[q]) {
						t.Errorf("knob %s changed although only the grid is free", start.Names[q])
					}
				}
			}
			l, err := ev.Evaluate(context.Background(), res.Knobs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if l != res.Loss {
				t.Errorf("reported loss %v, the returned knobs give %v", res.Loss, l)
			}
		})
	}
}

// TestTuneGridHostileStart starts from grids the parametrisation finds
// hard: steps crowded at one end, and a grid whose ᾱ_1 lies above the
// log-SNR bound. The designed grid must be valid and no worse.
func TestTuneGridHostileStart(t *testing.T) {
	p, ev := tuneProblem(t, "ddim", 1)
	T := p.T()
	crowded := make([]float64, T+1)
	crowded[0] = 1
	for i := 1; i <= T; i++ {
		// All but the last step within 1e-6 of ᾱ = 1 (in log-SNR, tiny
		// decrements), then one jump to the start's ᾱ_T.
		crowded[i] = 1 - 1e-12*float64(i)
	}
	crowded[T] = p.Grid.Abar[T]
	high := append([]float64(nil), p.Grid.Abar...)
	high[1] = 1 - 1e-14
	// One decrement holds the whole log-SNR span, the others 1e-9: below
	// the parametrisation's floor, so the start grid moves just above it.
	floor := make([]float64, T+1)
	floor[0], floor[T] = 1, p.Grid.Abar[T]
	gT := math.Log(floor[T]) - math.Log1p(-floor[T])
	for i := T - 1; i >= 1; i-- {
		g := gT + 25 + 1e-9*float64(T-1-i)
		floor[i] = 1 / (1 + math.Exp(-g))
	}
	for n, ab := range [][]float64{crowded, high, floor} {
		w := &gridWatcher{Evaluator: ev, t: t}
		start := p.Project(p.Heuristic())
		start.Abar = ab
		res, err := solver.Tune(context.Background(), w, p, start, solver.TuneSettings{Free: []string{solver.GridKnob}, MaxIterations: 30})
		if err != nil {
			t.Fatal(err)
		}
		if err := (solver.Grid{Name: "designed", Abar: res.Knobs.Abar}).Validate(); err != nil {
			t.Fatal(err)
		}
		if !(res.Loss.Total <= res.Start.Total) {
			t.Errorf("designed %.6g above the start %.6g", res.Loss.Total, res.Start.Total)
		}
		if n == 2 && res.GridMoved == 0 {
			t.Errorf("the floor grid's decrements were representable (want them moved onto the floor)")
		}
		t.Logf("start %.4g → %.4g (%s), %d start entries moved", res.Start.Total, res.Loss.Total, res.Status, res.GridMoved)
	}
}

func TestTuneGridT1(t *testing.T) {
	lam := solver.PowerLaw(4, 4, 2, 0.01, 0.25)
	op, _ := solver.NewOperator("identity", 4, 4)
	g, _ := solver.NewGrid("vp-linear", 1)
	p, err := solver.NewProblem(solver.Config{Height: 4, Width: 4, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "dps"})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := cpu.New().Prepare(context.Background(), p)
	_, err = solver.Tune(context.Background(), ev, p, p.Heuristic(), solver.TuneSettings{Free: []string{solver.GridKnob}})
	if err == nil || !strings.Contains(err.Error(), "no free value") {
		t.Fatalf("T = 1 grid design: err = %v, want the no-free-value error", err)
	}
}

// TestNoneOperatorIsUnconditional: with ρ ≡ 0 (--op none) the posterior is
// the prior, and dps, pigdm, ddnm and oracle at their heuristics reduce to
// the DDPM sampler, ddim at η = 1: the same loss to rounding.
func TestNoneOperatorIsUnconditional(t *testing.T) {
	lam := solver.PowerLaw(8, 8, 2, 0.02, 0.25)
	op, err := solver.NewOperator("none", 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := solver.NewGrid("cosine", 12)
	loss := func(method string) float64 {
		p, err := solver.NewProblem(solver.Config{Height: 8, Width: 8, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := cpu.New().Prepare(context.Background(), p)
		l, err := ev.Evaluate(context.Background(), p.Heuristic(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	want := loss("ddim")
	if !(want > 0) {
		t.Fatalf("ddim loss %v", want)
	}
	for _, m := range []string{"dps", "pigdm", "ddnm", "oracle"} {
		if got := loss(m); math.Abs(got-want) > 1e-12*want {
			t.Errorf("%s with ρ ≡ 0: loss %.17g, ddim(η = 1) %.17g", m, got, want)
		}
	}
}
