package cpu

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/spectune/spectune/solver"
)

// Backend is the pure-Go backend. The zero value is ready to use.
type Backend struct {
	// Workers is the number of goroutines. Zero means runtime.GOMAXPROCS(0).
	Workers int
	// ChunkSize is the number of merged frequencies per chunk. Zero means 512.
	ChunkSize int
}

// New returns a backend with default settings.
func New() *Backend { return &Backend{} }

// Name reports the backend and its worker count.
func (b *Backend) Name() string { return fmt.Sprintf("cpu (%d workers)", b.workers()) }

func (b *Backend) workers() int {
	if b.Workers > 0 {
		return b.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Prepare returns an evaluator for p with scratch for every worker.
func (b *Backend) Prepare(_ context.Context, p *solver.Problem) (solver.Evaluator, error) {
	if p == nil {
		return nil, errors.New("cpu: nil problem")
	}
	chunk := b.ChunkSize
	if chunk <= 0 {
		chunk = 512
	}
	nw := b.workers()
	nchunks := (p.Freqs.Len() + chunk - 1) / chunk
	nw = max(1, min(nw, nchunks))
	e := &evaluator{p: p, chunk: chunk, nchunks: nchunks, workers: make([]*worker, nw)}
	for w := range e.workers {
		e.workers[w] = newWorker(p)
	}
	e.partial = make([][2]solver.Sum, nchunks)
	return e, nil
}

type evaluator struct {
	p       *solver.Problem
	chunk   int
	nchunks int
	workers []*worker
	partial [][2]solver.Sum // per chunk: mean, variance
	closed  bool
}

// Evaluate implements [solver.Evaluator].
func (e *evaluator) Evaluate(ctx context.Context, k *solver.Knobs, grad [][]float64) (solver.Loss, error) {
	if e.closed {
		return solver.Loss{}, errors.New("cpu: evaluator is closed")
	}
	if err := e.p.Check(k); err != nil {
		return solver.Loss{}, err
	}
	if grad != nil {
		if k.Rule != solver.RuleTable {
			return solver.Loss{}, fmt.Errorf("cpu: no gradient for %s knobs (only for tables)", k.Rule)
		}
		if len(grad) != len(k.Values) && (k.Abar == nil || len(grad) != len(k.Values)+1) {
			panic("cpu: gradient has the wrong number of knobs")
		}
		for q := range k.Values {
			if len(grad[q]) != len(k.Values[q]) {
				panic("cpu: gradient table has the wrong length")
			}
		}
	}
	gg, err := solver.GridGradient(k, grad)
	if err != nil {
		panic("cpu: " + err.Error())
	}
	err = e.run(ctx, e.p.ForKnobs(k), gg != nil, func(w *worker, lo, hi int, part *[2]solver.Sum) {
		w.lossChunk(k, lo, hi, part, grad != nil)
	})
	if err != nil {
		return solver.Loss{}, err
	}
	var mean, vari solver.Sum
	for c := range e.partial {
		mean.Add(e.partial[c][0].Value())
		vari.Add(e.partial[c][1].Value())
	}
	n := float64(e.p.N())
	l := solver.Loss{Mean: mean.Value() / n, Variance: vari.Value() / n}
	l.Total = l.Mean + l.Variance
	if gg != nil {
		for j := range gg {
			s := 0.0
			for _, w := range e.workers {
				s += w.gridGrad[j]
			}
			gg[j] = s / n
		}
	}
	if grad != nil {
		for q := range k.Values {
			g := grad[q]
			for j := range g {
				s := 0.0
				for _, w := range e.workers {
					s += w.grad[q][j]
				}
				g[j] = s / n
			}
		}
	}
	return l, nil
}

// Transfer implements [solver.Evaluator].
func (e *evaluator) Transfer(ctx context.Context, k *solver.Knobs, dstB, dstV []float64) error {
	if e.closed {
		return errors.New("cpu: evaluator is closed")
	}
	if err := e.p.Check(k); err != nil {
		return err
	}
	if len(dstB) != e.p.Freqs.Len() || len(dstV) != e.p.Freqs.Len() {
		panic("cpu: transfer destination has the wrong length")
	}
	return e.run(ctx, e.p.ForKnobs(k), false, func(w *worker, lo, hi int, _ *[2]solver.Sum) {
		for f := lo; f < hi; f++ {
			dstB[f], dstV[f] = w.forward(k, f, solver.NoPartials)
		}
	})
}

// run calls fn on every chunk of problem p (e.p, or e.p on the knobs' own
// grid), chunk c on worker c mod len(workers), with worker grid gradients
// when grid is set, and stops early when ctx is cancelled.
func (e *evaluator) run(ctx context.Context, p *solver.Problem, grid bool, fn func(w *worker, lo, hi int, part *[2]solver.Sum)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := e.p.Freqs.Len()
	var wg sync.WaitGroup
	for wi, w := range e.workers {
		w.reset(p, grid)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := wi; c < e.nchunks; c += len(e.workers) {
				if ctx.Err() != nil {
					return
				}
				e.partial[c] = [2]solver.Sum{}
				lo := c * e.chunk
				fn(w, lo, min(lo+e.chunk, n), &e.partial[c])
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// Close implements [solver.Evaluator].
func (e *evaluator) Close() error {
	e.closed = true
	e.workers = nil
	return nil
}
