package solver

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Fallback is an [Evaluator] that runs on Primary until Primary fails for a
// reason other than bad knobs or a cancelled context (a lost device, a kernel
// that fails to build, device memory exhausted), then switches for good to the
// evaluator that Secondary prepares and repeats the failed call there, so the
// caller loses no work. OnSwitch, when set, is told once why.
type Fallback struct {
	// Problem is what both evaluators evaluate; knobs are checked against it
	// first, so that bad knobs are reported as such and never cause a switch.
	Problem   *Problem
	Primary   Evaluator
	Secondary func(ctx context.Context) (Evaluator, error)
	OnSwitch  func(err error)

	mu       sync.Mutex
	switched Evaluator
}

// Active returns the evaluator in use.
func (f *Fallback) Active() Evaluator {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.switched != nil {
		return f.switched
	}
	return f.Primary
}

// Switched reports whether the fallback has happened.
func (f *Fallback) Switched() bool { return f.Active() != f.Primary }

// Evaluate implements [Evaluator].
func (f *Fallback) Evaluate(ctx context.Context, k *Knobs, grad [][]float64) (Loss, error) {
	if err := f.Problem.Check(k); err != nil {
		return Loss{}, err
	}
	if grad != nil && k.Rule != RuleTable {
		return Loss{}, fmt.Errorf("solver: no gradient for %s knobs (only for tables)", k.Rule)
	}
	ev := f.Active()
	l, err := ev.Evaluate(ctx, k, grad)
	if err == nil || ev != f.Primary || !deviceFailure(ctx, err) {
		return l, err
	}
	sec, serr := f.fallBack(ctx, err)
	if serr != nil {
		return Loss{}, serr
	}
	return sec.Evaluate(ctx, k, grad)
}

// Transfer implements [Evaluator].
func (f *Fallback) Transfer(ctx context.Context, k *Knobs, dstB, dstV []float64) error {
	if err := f.Problem.Check(k); err != nil {
		return err
	}
	ev := f.Active()
	err := ev.Transfer(ctx, k, dstB, dstV)
	if err == nil || ev != f.Primary || !deviceFailure(ctx, err) {
		return err
	}
	sec, serr := f.fallBack(ctx, err)
	if serr != nil {
		return serr
	}
	return sec.Transfer(ctx, k, dstB, dstV)
}

// Close closes both evaluators.
func (f *Fallback) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.Primary.Close()
	if f.switched != nil {
		err = errors.Join(err, f.switched.Close())
	}
	return err
}

func (f *Fallback) fallBack(ctx context.Context, cause error) (Evaluator, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.switched != nil {
		return f.switched, nil
	}
	if f.Secondary == nil {
		return nil, cause
	}
	sec, err := f.Secondary(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w; and the fallback failed too: %v", cause, err)
	}
	f.switched = sec
	f.Primary.Close()
	if f.OnSwitch != nil {
		f.OnSwitch(cause)
	}
	return sec, nil
}

// deviceFailure reports whether err is the evaluator's own failure rather
// than a cancellation.
func deviceFailure(ctx context.Context, err error) bool {
	return ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
