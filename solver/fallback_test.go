package solver_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// flaky fails every call from the n-th on, like a device that disappears.
type flaky struct {
	solver.Evaluator
	n, calls int
	closed   bool
}

var errLost = errors.New("device lost")

func (f *flaky) Evaluate(ctx context.Context, k *solver.Knobs, g [][]float64) (solver.Loss, error) {
	f.calls++
	if f.calls >= f.n {
		return solver.Loss{}, errLost
	}
	return f.Evaluator.Evaluate(ctx, k, g)
}

func (f *flaky) Close() error { f.closed = true; return nil }

func TestFallbackLosesNoWork(t *testing.T) {
	p, ev := tuneProblem(t, "dps", 1)
	fl := &flaky{Evaluator: ev, n: 4}
	var why error
	fb := &solver.Fallback{Problem: p, Primary: fl,
		Secondary: func(ctx context.Context) (solver.Evaluator, error) { return cpu.New().Prepare(ctx, p) },
		OnSwitch:  func(err error) { why = err }}
	res, err := solver.Tune(context.Background(), fb, p, p.Heuristic(), solver.TuneSettings{MaxIterations: 20})
	if err != nil {
		t.Fatalf("tune through a failing device: %v", err)
	}
	if !fb.Switched() || !errors.Is(why, errLost) || !fl.closed {
		t.Errorf("switched %v, reason %v, primary closed %v", fb.Switched(), why, fl.closed)
	}
	// The result equals a run that never failed.
	ref, _ := cpu.New().Prepare(context.Background(), p)
	want, err := solver.Tune(context.Background(), ref, p, p.Heuristic(), solver.TuneSettings{MaxIterations: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loss != want.Loss || res.Evaluations != want.Evaluations {
		t.Errorf("with a fallback %+v (%d evals), without %+v (%d evals)", res.Loss, res.Evaluations, want.Loss, want.Evaluations)
	}
}

func TestFallbackBadKnobsDoNotSwitch(t *testing.T) {
	p, ev := tuneProblem(t, "dps", 1)
	fb := &solver.Fallback{Problem: p, Primary: ev, Secondary: func(context.Context) (solver.Evaluator, error) {
		t.Error("bad knobs made the fallback switch")
		return nil, errors.New("no")
	}}
	k := p.Heuristic()
	k.Values[0][2] = math.NaN()
	if _, err := fb.Evaluate(context.Background(), k, nil); err == nil {
		t.Error("NaN knob: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fb.Evaluate(ctx, p.Heuristic(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if fb.Switched() {
		t.Error("switched")
	}
}
