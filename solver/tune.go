package solver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/optimize"
)

// TuneSettings configures [Tune]. The zero value is usable; every default is
// stated on its field.
type TuneSettings struct {
	// Free lists the knob names to optimise, and [GridKnob] to design the
	// grid ᾱ_1 … ᾱ_{T-1} too (ᾱ_T stays; see the parametrisation of
	// gridMap); the others keep their start values. Nil means every knob of
	// the method, on the start grid.
	Free []string
	// MaxIterations bounds the L-BFGS major iterations. Zero means 300.
	MaxIterations int
	// RelTol stops when the loss has not improved by more than RelTol
	// relative over Patience iterations. Zero means 1e-9.
	RelTol float64
	// Patience is the window of RelTol. Zero means 10.
	Patience int
	// Memory is the number of L-BFGS correction pairs. Zero means 15.
	Memory int
	// Recorder receives progress; nil means none.
	Recorder Recorder
}

// Progress is what a [Recorder] sees at each major iteration.
type Progress struct {
	Iteration, MaxIterations int
	Evaluations              int
	// Loss is the best loss so far.
	Loss Loss
	// GradInf is |∂L/∂θ|∞ at the current iterate.
	GradInf float64
	// Elapsed is the wall time since the start, EvalTime the part spent in
	// evaluations.
	Elapsed, EvalTime time.Duration
	// FreqSteps is the number of frequency-steps (merged frequencies × T) of
	// one evaluation.
	FreqSteps float64
	// Status is empty while running and the stop reason at the end.
	Status string
}

// Recorder receives progress from [Tune]: Record at every major iteration,
// Done exactly once at the end, also after an interruption.
type Recorder interface {
	Record(Progress)
	Done(Progress)
}

// TuneResult is the outcome of [Tune].
type TuneResult struct {
	// Knobs are the best knobs found.
	Knobs *Knobs
	// Loss is their loss; Start is the loss of the start point after clipping.
	Loss, Start Loss
	// Status says why the optimiser stopped (gonum's status names, or
	// "Interrupted").
	Status      string
	Interrupted bool
	Iterations  int
	Evaluations int
	// Clipped counts start entries on a domain bound (0 or 1) that were
	// moved inside by ClipEps, so that θ is finite and has a gradient
	// (SPEC §7).
	Clipped int
	// ClipEps is the distance from the bound used: SPEC §7's 0.001 when
	// that changes the start loss by less than 0.1%, else the first of
	// 1e-6, 1e-9, … that does (DDNM's λ = 0 at ρ ≈ 1e-17 needs ≈ 1e-18).
	ClipEps float64
	// GridMoved counts start grid entries that had to move to be
	// representable by the free-grid parametrisation (a log-SNR step below
	// its floor); zero unless the grid is free.
	GridMoved int
	Elapsed   time.Duration
}

var statusInterrupted = optimize.NewStatus("Interrupted", true, ErrInterrupted)

// minUpperClip keeps 1 - eps representable as a number below 1.
const minUpperClip = 1e-12

// clipTol is the relative change of the start loss that clipping may
// cause.
const clipTol = 1e-3

// param maps one free knob entry to an unconstrained θ (SPEC §7).
type param struct {
	q, j int
	dom  Domain
}

func (pr param) knob(theta float64) float64 {
	if pr.dom == Unit {
		return 1 / (1 + math.Exp(-theta))
	}
	// Cap θ so that the knob stays finite: a line search may try huge
	// steps, which the loss then rejects as +Inf.
	return math.Exp(math.Min(theta, maxTheta))
}

const maxTheta = 700

// dknob returns ∂knob/∂θ at knob value k.
func (pr param) dknob(k float64) float64 {
	if pr.dom == Unit {
		return k * (1 - k)
	}
	return k
}

// theta returns θ for knob value k, with k moved eps inside its domain
// when it lies on a bound (0, or 1 for unit knobs), where θ would be
// infinite and the gradient zero, and whether it was moved. Values strictly
// inside the domain, however close to a bound, are kept.
func (pr param) theta(k, eps float64) (float64, bool) {
	c := k
	switch {
	case k <= 0:
		c = eps
	case pr.dom == Unit && k >= 1:
		// 1 - eps must stay below 1 in float64 (θ = +Inf otherwise).
		c = 1 - math.Max(eps, minUpperClip)
	}
	if pr.dom == Unit {
		return math.Log(c / (1 - c)), c != k
	}
	return math.Log(c), c != k
}

// Tune minimises the loss over the free knobs with L-BFGS on the
// unconstrained parametrisation of SPEC §7, starting from start (a table;
// project rules first with [Problem.Project]). When ctx is cancelled it stops
// and returns the best knobs found with Interrupted set and a nil error.
func Tune(ctx context.Context, ev Evaluator, p *Problem, start *Knobs, s TuneSettings) (*TuneResult, error) {
	t0 := time.Now()
	if start.Rule != RuleTable {
		return nil, fmt.Errorf("solver: tune needs a knob table to start from, got %s knobs (use Problem.Project)", start.Rule)
	}
	if err := p.Check(start); err != nil {
		return nil, err
	}
	free := s.Free
	if free == nil {
		free = p.Method.KnobNames()
	}
	freeGrid := false
	for _, name := range free {
		if name == GridKnob {
			freeGrid = true
			continue
		}
		if !slices.Contains(p.Method.KnobNames(), name) {
			return nil, fmt.Errorf("solver: method %s has no knob %q (want %v, or %q for the grid)", p.Method.Name, name, p.Method.KnobNames(), GridKnob)
		}
	}
	var (
		gm        *gridMap
		gridStart []float64
		gridTheta []float64
	)
	res := &TuneResult{}
	if freeGrid {
		from := start.Abar
		if from == nil {
			from = p.Grid.Abar
		}
		gm = newGridMap(from)
		if gm.Len() == 0 {
			return nil, fmt.Errorf("solver: T = %d: the grid has no free value (ᾱ_T is fixed and ᾱ_0 = 1); free the knobs instead, or use more steps", p.T())
		}
		gridTheta, res.GridMoved = gm.Theta(from)
		gridStart = make([]float64, len(from))
		gm.Abar(gridTheta, gridStart)
	}
	var params []param
	for q, spec := range p.Method.Knobs {
		if !slices.Contains(free, spec.Name) {
			continue
		}
		for j := range start.Values[q] {
			params = append(params, param{q: q, j: j, dom: spec.Domain})
		}
	}
	evals := 0
	stopped := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%w before the first evaluation finished", ErrInterrupted)
		}
		return err
	}
	lExact, err := ev.Evaluate(ctx, start, nil)
	evals++
	if err != nil {
		return nil, stopped(err)
	}
	if math.IsNaN(lExact.Total) || math.IsInf(lExact.Total, 0) {
		return nil, fmt.Errorf("solver: the start knobs give a loss of %v; start from other knobs (--init)", lExact.Total)
	}
	// Move boundary entries inside by eps, shrinking eps until the start
	// loss is that of the given knobs to within clipTol.
	var (
		cur *Knobs
		x0  []float64
		l0  Loss
	)
	for eps := 1e-3; ; eps *= 1e-3 {
		cur, x0 = start.Clone(), x0[:0]
		if freeGrid {
			cur.Abar = append([]float64(nil), gridStart...)
		}
		clipped := 0
		for _, pr := range params {
			th, c := pr.theta(start.Values[pr.q][pr.j], eps)
			if c {
				clipped++
			}
			cur.Values[pr.q][pr.j] = pr.knob(th)
			x0 = append(x0, th)
		}
		x0 = append(x0, gridTheta...)
		res.Clipped, res.ClipEps = clipped, eps
		if clipped == 0 && !freeGrid {
			l0 = lExact
			break
		}
		l0, err = ev.Evaluate(ctx, cur, nil)
		evals++
		if err != nil {
			return nil, stopped(err)
		}
		if clipped == 0 || l0.Total <= lExact.Total*(1+clipTol) || eps < 1e-290 {
			break
		}
	}
	if res.Clipped == 0 {
		res.ClipEps = 0
	}
	res.Start = l0
	best, bestL := cur.Clone(), l0
	nk := len(params)
	nx := len(x0)
	if nx == 0 {
		res.Knobs, res.Loss, res.Status = best, bestL, "NoKnobs"
		res.Elapsed = time.Since(t0)
		return res, nil
	}

	grad := make([][]float64, len(cur.Values), len(cur.Values)+1)
	for q := range grad {
		grad[q] = make([]float64, len(cur.Values[q]))
	}
	if freeGrid {
		grad = append(grad, make([]float64, len(cur.Abar)))
	}
	var (
		evalErr  error
		evalTime time.Duration
		cacheX   []float64
		cacheF   float64
		cacheG   = make([]float64, nx)
	)
	evaluate := func(x []float64) {
		if cacheX != nil && slices.Equal(x, cacheX) {
			return
		}
		if slices.ContainsFunc(x, math.IsNaN) {
			// A NaN step (an overflowed curvature pair) is a step too far,
			// like a non-finite loss.
			cacheX, cacheF = append(cacheX[:0], x...), math.Inf(1)
			clear(cacheG)
			return
		}
		for n, pr := range params {
			cur.Values[pr.q][pr.j] = pr.knob(x[n])
		}
		if freeGrid {
			gm.Abar(x[nk:], cur.Abar)
		}
		te := time.Now()
		l, err := ev.Evaluate(ctx, cur, grad)
		evalTime += time.Since(te)
		evals++
		if err != nil {
			evalErr = err
			cacheX, cacheF = append(cacheX[:0], x...), math.Inf(1)
			clear(cacheG)
			return
		}
		finite := !math.IsNaN(l.Total) && !math.IsInf(l.Total, 0)
		for n, pr := range params {
			cacheG[n] = grad[pr.q][pr.j] * pr.dknob(cur.Values[pr.q][pr.j])
		}
		if freeGrid {
			gm.Pullback(x[nk:], cur.Abar, grad[len(cur.Values)], cacheG[nk:])
		}
		for _, g := range cacheG {
			finite = finite && !math.IsNaN(g) && !math.IsInf(g, 0)
		}
		cacheX, cacheF = append(cacheX[:0], x...), l.Total
		if !finite {
			// Knobs far out (a huge ζ, say) overflow the recursion. +Inf
			// tells the line search the step went too far, so it backtracks.
			cacheF = math.Inf(1)
			clear(cacheG)
			return
		}
		if l.Total < bestL.Total {
			bestL = l
			for q := range cur.Values {
				copy(best.Values[q], cur.Values[q])
			}
			copy(best.Abar, cur.Abar)
		}
	}
	maxIter := s.MaxIterations
	if maxIter == 0 {
		maxIter = 300
	}
	prog := func(iter int, g []float64, status string) Progress {
		gi := 0.0
		for _, v := range g {
			gi = math.Max(gi, math.Abs(v))
		}
		return Progress{Iteration: iter, MaxIterations: maxIter, Evaluations: evals, Loss: bestL, GradInf: gi,
			Elapsed: time.Since(t0), EvalTime: evalTime, FreqSteps: float64(p.Freqs.Len() * p.T()), Status: status}
	}
	problem := optimize.Problem{
		Func: func(x []float64) float64 { evaluate(x); return cacheF },
		Grad: func(g, x []float64) { evaluate(x); copy(g, cacheG) },
		Status: func() (optimize.Status, error) {
			if ctx.Err() != nil {
				return statusInterrupted, ErrInterrupted
			}
			if evalErr != nil {
				return optimize.Failure, evalErr
			}
			return optimize.NotTerminated, nil
		},
	}
	relTol, patience, mem := s.RelTol, s.Patience, s.Memory
	if relTol == 0 {
		relTol = 1e-9
	}
	if patience == 0 {
		patience = 10
	}
	if mem == 0 {
		mem = 15
	}
	rec := &recorder{r: s.Recorder, prog: prog}
	settings := &optimize.Settings{
		MajorIterations: maxIter,
		Converger:       &optimize.FunctionConverge{Relative: relTol, Iterations: patience},
		Recorder:        rec,
	}
	r, err := optimize.Minimize(problem, x0, settings, &optimize.LBFGS{Store: mem})
	res.Knobs, res.Loss, res.Evaluations = best, bestL, evals
	res.Elapsed = time.Since(t0)
	if r != nil {
		res.Status = r.Status.String()
		res.Iterations = r.Stats.MajorIterations
	}
	switch {
	case ctx.Err() != nil || errors.Is(err, ErrInterrupted):
		res.Status, res.Interrupted = "Interrupted", true
	case evalErr != nil:
		return nil, evalErr
	case err != nil && r == nil:
		return nil, fmt.Errorf("solver: optimiser: %w", err)
	}
	// A line search that fails after progress is a normal stop for L-BFGS
	// at the limits of float64; the best point is kept either way.
	if s.Recorder != nil {
		s.Recorder.Done(prog(res.Iterations, cacheG, res.Status))
	}
	return res, nil
}

// recorder adapts [Recorder] to gonum's optimize.Recorder.
type recorder struct {
	r    Recorder
	prog func(int, []float64, string) Progress
}

func (r *recorder) Init() error { return nil }

func (r *recorder) Record(loc *optimize.Location, op optimize.Operation, st *optimize.Stats) error {
	if r.r != nil && op == optimize.MajorIteration {
		r.r.Record(r.prog(st.MajorIterations, loc.Gradient, ""))
	}
	return nil
}
