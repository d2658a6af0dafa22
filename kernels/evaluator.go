package kernels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spectune/spectune/cl"
	"github.com/spectune/spectune/solver"
)

// Evaluator evaluates one problem on the device. Prepare uploads the
// problem once (step scalars, frequencies in band order, the launch
// tables) and allocates every buffer an evaluation needs, except the grid
// gradient's, which the first evaluation that asks for one allocates;
// Evaluate then only uploads the knob tables (and, for knobs with a grid of
// their own, that grid's step records, O(T)) and reads back the per-group
// loss partials and the gradient. It is not safe for concurrent use.
//
// Evaluate with a gradient runs, per chunk of frequencies, the grad kernel
// (forward pass recording states, loss partials, adjoint pass with per-step
// work-group reductions), or grad_grid when the grid gradient is asked for,
// and grad_reduce (sum over the chunk's groups, accumulated over chunks on
// the device); without one it runs the loss kernel, which needs no scratch.
type Evaluator struct {
	b   *Backend
	p   *solver.Problem
	lay *layout

	n, T, nb, nq int
	spectral     int32
	// localScratch: the gradient record lives in __local memory.
	localScratch bool

	kTransfer, kLoss, kGrad, kGradGrid, kReduce *cl.Kernel

	steps, knobs, lambda, rho, mult, band *cl.MemObject
	groups, bandSlots                     *cl.MemObject
	scratch, out, part, gpart, gacc       *cl.MemObject
	// ggpart (T+1 levels per group of a chunk) and ggacc (T+1) hold the
	// grid gradient; nil until an evaluation asks for it.
	ggpart, ggacc *cl.MemObject
	bufs          []*cl.MemObject

	knobHost, partHost, gaccHost, outHost []float64
	stepHost, ggaccHost                   []float64
	// knobGrid reports that the step buffer holds the records of a knob
	// grid (or an upload that may have failed half-way) rather than the
	// problem's own, so that the next evaluation without one restores them.
	knobGrid bool

	pending []pendingEvent
	stats   Stats
	closed  bool
}

type pendingEvent struct {
	name     string
	ev       *cl.Event
	transfer bool
	bytes    int64
	toDevice bool
}

// Stats are an evaluator's cumulative counters, for benchmarks.
type Stats struct {
	// Evaluations counts completed Evaluate calls, Gradients those of them
	// that computed a gradient, Transfers completed Transfer calls.
	Evaluations, Gradients, Transfers int
	// Launches counts kernel launches.
	Launches int
	// KernelTime is the device time of all kernels (OpenCL profiling
	// events, end - start).
	KernelTime time.Duration
	// TransferTime is the device time of host↔device copies, and
	// BytesToDevice, BytesFromDevice their volume.
	TransferTime                   time.Duration
	BytesToDevice, BytesFromDevice int64
	// DeviceBytes is the device memory the evaluator holds.
	DeviceBytes int64
	// Kernels breaks KernelTime down by kernel name.
	Kernels map[string]KernelStats
}

// KernelStats is the time spent in one kernel.
type KernelStats struct {
	// Launches counts the kernel's profiled launches.
	Launches int
	// Device is the profiled device time.
	Device time.Duration
	// Wall is the host time from enqueue to the end of clFinish; it is only
	// measured when SPECTUNE_CL_SYNC=1 (see [SyncEnv]).
	Wall time.Duration
}

// FreqSteps returns the number of frequency-steps the problem has, N_merged·T,
// the unit of the throughput that benchmarks report.
func (e *Evaluator) FreqSteps() int64 { return int64(e.n) * int64(e.T) }

// Stats returns the cumulative counters. The map is a copy.
func (e *Evaluator) Stats() Stats {
	s := e.stats
	s.Kernels = make(map[string]KernelStats, len(e.stats.Kernels))
	for k, v := range e.stats.Kernels {
		s.Kernels[k] = v
	}
	return s
}

// chunkBytes returns the device memory one work-group of gsize frequencies
// needs per chunk: its gradient record (unless local), one gradient slot per
// knob and step, one grid-gradient slot per level (T+1), its transfer
// outputs and loss partials. The grid slots count even before any
// evaluation asks for them, so that the chunks never change (nor their
// memory exceed the budget) when one does.
func chunkBytes(T, nq, gsize int, localScratch bool) int64 {
	b := int64(8*nq*T) + int64(8*(T+1)) + int64(16*gsize) + 16
	if !localScratch {
		b += scratchPerFreq(T) * int64(gsize)
	}
	return b
}

// useLocalScratch reports whether the gradient record of one group fits in
// local memory, next to the reduction arrays, on a device whose table entry
// allows it.
func (b *Backend) useLocalScratch(T int) bool {
	need := scratchPerFreq(T)*int64(b.par.WGS*b.par.VW) + 16*int64(b.par.WGS) + 1024
	return b.par.LocalScratch && !b.globalScratch && need <= b.dev.LocalMemSize()
}

func newEvaluator(b *Backend, p *solver.Problem) (e *Evaluator, err error) {
	budget := b.chunkBudget
	if budget <= 0 {
		budget = min(int64(defaultChunkBudget), b.dev.MaxMemAllocSize()/4)
	}
	gsize := b.par.WGS * b.par.VW
	local := b.useLocalScratch(p.T())
	nq := len(p.Method.Knobs)
	lay, err := newLayout(p, gsize, chunkBytes(p.T(), nq, gsize, local), budget)
	if err != nil {
		return nil, err
	}
	if !local {
		scratchBytes := int64(lay.chunkCap) * scratchPerFreq(p.T())
		if lim := b.dev.MaxMemAllocSize(); lim > 0 && scratchBytes > lim {
			return nil, fmt.Errorf("kernels: %d steps need %d bytes of scratch per work-group of %d frequencies, over the device's %d-byte allocation limit (use fewer steps or the cpu backend)",
				p.T(), scratchBytes, lay.gsize, lim)
		}
	}
	prog, err := b.program(p.Method.Name, local)
	if err != nil {
		return nil, err
	}
	e = &Evaluator{b: b, p: p, lay: lay, n: p.Freqs.Len(), T: p.T(), nb: p.Bands, nq: nq, localScratch: local,
		stats: Stats{Kernels: map[string]KernelStats{}}}
	if p.Options.R2Value() == "spectral" {
		e.spectral = 1
	}
	defer func() {
		if err != nil {
			e.release()
			e = nil
		}
	}()
	for _, k := range []struct {
		dst  **cl.Kernel
		name string
	}{{&e.kTransfer, "transfer"}, {&e.kLoss, "loss"}, {&e.kGrad, "grad"}, {&e.kGradGrid, "grad_grid"}, {&e.kReduce, "grad_reduce"}} {
		if e.nq == 0 && k.name == "grad" {
			continue // compiled out for methods without knobs
		}
		if *k.dst, err = prog.CreateKernel(k.name); err != nil {
			return e, fmt.Errorf("kernels: %w", err)
		}
	}

	e.stepHost = stepRecords(e.stepHost, p.Steps)
	fr := &p.Freqs
	G := len(lay.groups) / 3
	bufs := []bufSpec{
		{dst: &e.steps, f64: e.stepHost},
		{dst: &e.knobs, n: max(1, e.nq*e.T*e.nb)},
		{dst: &e.lambda, f64: paddedCopy(lay, fr.Lambda, 0)},
		{dst: &e.rho, f64: paddedCopy(lay, fr.Rho, 0)},
		{dst: &e.mult, f64: paddedCopy(lay, fr.Mult, 0)},
		{dst: &e.band, i32: paddedCopy(lay, fr.Band, -1)},
		{dst: &e.groups, i32: lay.groups},
		{dst: &e.bandSlots, i32: lay.bandSlots},
		{dst: &e.out, n: 2 * lay.chunkCap},
		{dst: &e.part, n: 2 * G},
	}
	// Methods without knobs still need scratch for the grid gradient, and
	// pass their (minimal) gpart and gacc to grad_grid and grad_reduce.
	bufs = append(bufs, bufSpec{dst: &e.gpart, n: e.nq * lay.maxSlots * e.T}, bufSpec{dst: &e.gacc, n: e.nq * e.T * e.nb})
	if !local {
		bufs = append(bufs, bufSpec{dst: &e.scratch, n: 2 * e.T * lay.chunkCap})
	}
	for _, s := range bufs {
		if err := e.alloc(s); err != nil {
			return e, err
		}
	}
	e.knobHost = make([]float64, e.nq*e.T*e.nb)
	e.partHost = make([]float64, 2*G)
	e.gaccHost = make([]float64, e.nq*e.T*e.nb)
	if err := e.collect(); err != nil {
		return e, err
	}
	return e, nil
}

// nsStep is NS in common.cl: doubles per step record.
const nsStep = 29

// stepRecords writes the step records of common.cl (ST_*) for steps into
// dst, reusing its storage, and returns it.
func stepRecords(dst []float64, steps []solver.Step) []float64 {
	dst = dst[:0]
	for i := range steps {
		s := &steps[i]
		d := &s.Deriv
		dst = append(dst, s.Abar, s.AbarPrev, s.A, s.S, s.Ap, s.Sp, s.Beta, s.Sigma, s.D, s.KappaX, s.KappaT, s.SNR, s.InvS,
			d.AX, d.SX, d.InvSX, d.ApP, d.SpP, d.BetaX, d.BetaP, d.DX, d.DP, d.Sigma2X, d.Sigma2P,
			d.KappaXX, d.KappaXP, d.KappaTX, d.KappaTP, d.SNRX)
	}
	return dst
}

// bufSpec describes one device buffer: its contents (f64 or i32), or its
// length in doubles when the kernels fill it.
type bufSpec struct {
	dst *(*cl.MemObject)
	f64 []float64
	i32 []int32
	n   int
}

// alloc creates the buffer s describes and uploads its contents.
func (e *Evaluator) alloc(s bufSpec) error {
	size := 8 * s.n
	switch {
	case s.f64 != nil:
		size = 8 * len(s.f64)
	case s.i32 != nil:
		size = 4 * len(s.i32)
	}
	buf, err := e.b.ctx.CreateBuffer(cl.MemReadWrite, max(size, 8))
	if err != nil {
		return fmt.Errorf("kernels: allocating %d bytes on %s: %w", size, e.b.dev.Name(), err)
	}
	*s.dst = buf
	e.bufs = append(e.bufs, buf)
	e.stats.DeviceBytes += int64(buf.Size())
	var ev *cl.Event
	switch {
	case s.f64 != nil:
		ev, err = e.b.queue.EnqueueWriteBufferFloat64(buf, true, 0, s.f64, nil)
	case s.i32 != nil:
		ev, err = e.b.queue.EnqueueWriteBufferInt32(buf, true, 0, s.i32, nil)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("kernels: uploading the problem: %w", err)
	}
	e.track("upload", ev, true, int64(size), true)
	return nil
}

// track records an enqueued command, to be profiled and released by
// collect.
func (e *Evaluator) track(name string, ev *cl.Event, transfer bool, bytes int64, toDevice bool) {
	e.pending = append(e.pending, pendingEvent{name: name, ev: ev, transfer: transfer, bytes: bytes, toDevice: toDevice})
}

// launch enqueues k over n work-items (rounded up to whole groups).
func (e *Evaluator) launch(k *cl.Kernel, n int, args ...any) error {
	if err := k.SetArgs(args...); err != nil {
		return fmt.Errorf("kernels: %w", err)
	}
	wgs := e.b.par.WGS
	global := (n + wgs - 1) / wgs * wgs
	start := time.Now()
	ev, err := e.b.queue.EnqueueNDRangeKernel(k, nil, []int{global}, []int{wgs}, nil)
	if err != nil {
		return fmt.Errorf("kernels: %w", err)
	}
	e.stats.Launches++
	var wall time.Duration
	if e.b.sync {
		if err := e.b.queue.Finish(); err != nil {
			ev.Release()
			return fmt.Errorf("kernels: %s (%s=1): %w", k.Name(), SyncEnv, err)
		}
		wall = time.Since(start)
	}
	e.pending = append(e.pending, pendingEvent{name: k.Name(), ev: ev})
	if wall > 0 {
		ks := e.stats.Kernels[k.Name()]
		ks.Wall += wall
		e.stats.Kernels[k.Name()] = ks
	}
	return nil
}

// collect waits for the tracked commands, adds their profiled times to the
// stats and releases them. It returns the first failed command's error;
// missing profiling information is no error, the numbers being for
// benchmarks only.
func (e *Evaluator) collect() error {
	var first error
	for _, pe := range e.pending {
		d, err := pe.ev.Duration()
		if err != nil && first == nil && !isProfilingError(err) {
			first = fmt.Errorf("kernels: %s: %w", pe.name, err)
		}
		if pe.transfer {
			e.stats.TransferTime += d
			if pe.toDevice {
				e.stats.BytesToDevice += pe.bytes
			} else {
				e.stats.BytesFromDevice += pe.bytes
			}
		} else {
			e.stats.KernelTime += d
			ks := e.stats.Kernels[pe.name]
			ks.Launches++
			ks.Device += d
			e.stats.Kernels[pe.name] = ks
		}
		pe.ev.Release()
	}
	e.pending = e.pending[:0]
	return first
}

func isProfilingError(err error) bool {
	var st cl.Status
	return errors.As(err, &st) && st == profilingInfoNotAvailable
}

// profilingInfoNotAvailable is CL_PROFILING_INFO_NOT_AVAILABLE.
const profilingInfoNotAvailable cl.Status = -7

// abandon finishes the queue after a failure or cancellation, so that no
// command still uses the buffers, and drops the tracked events.
func (e *Evaluator) abandon() {
	_ = e.b.queue.Finish()
	_ = e.collect()
}

func (e *Evaluator) check(k *solver.Knobs) error {
	if e.closed {
		return errors.New("kernels: evaluator is closed")
	}
	return e.p.Check(k)
}

// uploadKnobs writes the knob tables, concatenated in knob order; rules
// need none.
func (e *Evaluator) uploadKnobs(k *solver.Knobs) error {
	if k.Rule != solver.RuleTable || e.nq == 0 {
		return nil
	}
	m := e.T * e.nb
	for q := 0; q < e.nq; q++ {
		copy(e.knobHost[q*m:(q+1)*m], k.Values[q])
	}
	return e.write(e.knobs, e.knobHost, "knobs")
}

// uploadSteps makes the step buffer hold the steps k is evaluated on: those
// of the knobs' own grid (solver.Problem.ForKnobs) when k has one, else the
// problem's, re-uploaded only when an earlier evaluation replaced them.
func (e *Evaluator) uploadSteps(k *solver.Knobs) error {
	if k.Abar == nil && !e.knobGrid {
		return nil
	}
	// Until the problem's own records are back, the buffer is not theirs.
	e.knobGrid = true
	e.stepHost = stepRecords(e.stepHost, e.p.ForKnobs(k).Steps)
	if err := e.write(e.steps, e.stepHost, "steps"); err != nil {
		return err
	}
	e.knobGrid = k.Abar != nil
	return nil
}

// ensureGrid allocates the grid gradient's buffers on first use: T+1
// slots per group of the largest chunk, and the T+1 accumulators.
func (e *Evaluator) ensureGrid() error {
	if e.ggpart != nil {
		return nil
	}
	groups := e.lay.chunkCap / e.lay.gsize
	for _, s := range []bufSpec{{dst: &e.ggpart, n: groups * (e.T + 1)}, {dst: &e.ggacc, n: e.T + 1}} {
		if err := e.alloc(s); err != nil {
			return err
		}
	}
	e.ggaccHost = make([]float64, e.T+1)
	return nil
}

func (e *Evaluator) write(buf *cl.MemObject, data []float64, what string) error {
	ev, err := e.b.queue.EnqueueWriteBufferFloat64(buf, true, 0, data, nil)
	if err != nil {
		return fmt.Errorf("kernels: uploading %s: %w", what, err)
	}
	e.track("write "+what, ev, true, 8*int64(len(data)), true)
	return nil
}

func (e *Evaluator) read(buf *cl.MemObject, off int, data []float64, what string) error {
	ev, err := e.b.queue.EnqueueReadBufferFloat64(buf, true, off, data, nil)
	if err != nil {
		return fmt.Errorf("kernels: reading %s: %w", what, err)
	}
	e.track("read "+what, ev, true, 8*int64(len(data)), false)
	return nil
}

// poisonBuf fills buf with NaN when the poison test hook is set, so that
// tests see which cells a kernel writes.
func (e *Evaluator) poisonBuf(buf *cl.MemObject) error {
	if !e.b.poison || buf == nil {
		return nil
	}
	ev, err := e.b.queue.EnqueueFillBufferFloat64(buf, math.NaN(), 0, buf.Size()/8, nil)
	if err != nil {
		return fmt.Errorf("kernels: %w", err)
	}
	ev.Release()
	return nil
}

// Kernel launchers, one per kernel; each states what it leaves where.

// runTransfer leaves B of chunk c's frequencies in out[0:c.n] and V in
// out[chunkCap : chunkCap+c.n].
func (e *Evaluator) runTransfer(c chunk, rule solver.Rule) error {
	if err := e.poisonBuf(e.out); err != nil {
		return err
	}
	return e.launch(e.kTransfer, c.groups*e.b.par.WGS, int32(c.n), int32(c.base), int32(e.T), int32(e.nb), int32(rule), e.spectral,
		e.p.SigmaY, e.steps, e.knobs, e.lambda, e.rho, e.band, int32(e.lay.chunkCap), e.out)
}

// runLoss leaves chunk c's per-group loss partials in part[2·c.gbase :
// 2·(c.gbase+c.groups)].
func (e *Evaluator) runLoss(c chunk, rule solver.Rule) error {
	return e.launch(e.kLoss, c.groups*e.b.par.WGS, int32(c.base), int32(e.T), int32(e.nb), int32(rule), e.spectral,
		e.p.SigmaY, e.steps, e.knobs, e.lambda, e.rho, e.mult, e.band, int32(c.gbase), e.part)
}

// runGrad leaves chunk c's loss partials in part (as runLoss) and its
// per-group, per-band, per-step gradient sums in gpart[q][0:c.slots][0:T];
// with grid (grad_grid) also its per-group grid gradient sums in
// ggpart[0:c.groups][0:T+1], which ensureGrid must have allocated.
func (e *Evaluator) runGrad(c chunk, grid bool) error {
	if err := e.poisonBuf(e.gpart); err != nil {
		return err
	}
	var scratch any = e.scratch
	if e.localScratch {
		scratch = cl.LocalBuffer(int(scratchPerFreq(e.T)) * e.lay.gsize)
	}
	args := []any{int32(c.base), int32(e.T), int32(e.nb), e.spectral, e.p.SigmaY,
		e.steps, e.knobs, e.lambda, e.rho, e.mult, e.band, e.groups, int32(c.gbase), int32(e.lay.maxSlots),
		scratch, e.part, e.gpart}
	if !grid {
		return e.launch(e.kGrad, c.groups*e.b.par.WGS, args...)
	}
	if err := e.poisonBuf(e.ggpart); err != nil {
		return err
	}
	return e.launch(e.kGradGrid, c.groups*e.b.par.WGS, append(args, e.ggpart)...)
}

// runReduce sums chunk c's (number ci) gpart into gacc and, with grid, its
// ggpart into ggacc (stores for the first chunk, adds for later ones).
func (e *Evaluator) runReduce(ci int, c chunk, grid bool) error {
	if ci == 0 {
		if err := e.poisonBuf(e.gacc); err != nil {
			return err
		}
		if grid {
			if err := e.poisonBuf(e.ggacc); err != nil {
				return err
			}
		}
	}
	acc := int32(0)
	if ci > 0 {
		acc = 1
	}
	items, ggroups := e.nq*e.nb*e.T, int32(0)
	// grad_reduce takes grid buffers even without the grid (ggroups = 0),
	// when it touches neither, and they may not be allocated yet.
	ggpart, ggacc := e.gpart, e.gacc
	if grid {
		items += e.T + 1
		ggroups, ggpart, ggacc = int32(c.groups), e.ggpart, e.ggacc
	}
	return e.launch(e.kReduce, items, int32(e.T), int32(e.nb), int32(e.lay.maxSlots), e.bandSlots, int32(ci), acc,
		e.gpart, e.gacc, ggroups, ggpart, ggacc)
}

// Evaluate returns the loss of k (SPEC §8) and, when grad is non-nil,
// writes ∂L/∂knob into it (the shape of k.Values). Gradients exist for
// table knobs only. When k carries a grid of its own (k.Abar), k is
// evaluated on that grid, and grad may hold one more table of T+1 entries,
// which receives ∂L/∂ᾱ_0 … ∂L/∂ᾱ_T (entry 0 is 0; see
// [solver.GridGradient]). Cancelling ctx stops between chunks.
func (e *Evaluator) Evaluate(ctx context.Context, k *solver.Knobs, grad [][]float64) (solver.Loss, error) {
	if err := e.check(k); err != nil {
		return solver.Loss{}, err
	}
	if grad != nil {
		if k.Rule != solver.RuleTable {
			return solver.Loss{}, fmt.Errorf("kernels: no gradient for %s knobs (only for tables)", k.Rule)
		}
		if len(grad) != len(k.Values) && (k.Abar == nil || len(grad) != len(k.Values)+1) {
			if k.Abar == nil {
				return solver.Loss{}, fmt.Errorf("kernels: gradient has %d tables, the knobs %d", len(grad), len(k.Values))
			}
			return solver.Loss{}, fmt.Errorf("kernels: gradient has %d tables, the knobs %d (%d with the grid table)", len(grad), len(k.Values), len(k.Values)+1)
		}
		for q := range k.Values {
			if len(grad[q]) != len(k.Values[q]) {
				return solver.Loss{}, fmt.Errorf("kernels: gradient table %d has %d entries, the knob table %d", q, len(grad[q]), len(k.Values[q]))
			}
		}
	}
	gg, err := solver.GridGradient(k, grad)
	if err != nil {
		return solver.Loss{}, err
	}
	l, err := e.evaluate(ctx, k, grad, gg)
	if err != nil {
		e.abandon()
		return solver.Loss{}, err
	}
	return l, nil
}

// evaluate runs the evaluation that Evaluate has checked; gg is the grid
// gradient table, nil when not asked for.
func (e *Evaluator) evaluate(ctx context.Context, k *solver.Knobs, grad [][]float64, gg []float64) (solver.Loss, error) {
	if err := ctx.Err(); err != nil {
		return solver.Loss{}, err
	}
	if err := e.uploadSteps(k); err != nil {
		return solver.Loss{}, err
	}
	if err := e.uploadKnobs(k); err != nil {
		return solver.Loss{}, err
	}
	if err := e.poisonBuf(e.part); err != nil {
		return solver.Loss{}, err
	}
	withGrid := gg != nil
	if withGrid {
		if err := e.ensureGrid(); err != nil {
			return solver.Loss{}, err
		}
	}
	// The knob gradient comes with every gradient launch (grad_grid
	// computes it too); methods without knobs have none.
	withGrad := grad != nil && e.nq > 0 || withGrid
	for ci, c := range e.lay.chunks {
		if err := ctx.Err(); err != nil {
			return solver.Loss{}, err
		}
		var err error
		if withGrad {
			if err = e.runGrad(c, withGrid); err == nil {
				err = e.runReduce(ci, c, withGrid)
			}
		} else {
			err = e.runLoss(c, k.Rule)
		}
		if err != nil {
			return solver.Loss{}, err
		}
		if err := e.throttle(); err != nil {
			return solver.Loss{}, err
		}
	}
	if err := e.read(e.part, 0, e.partHost, "loss partials"); err != nil {
		return solver.Loss{}, err
	}
	if withGrad && e.nq > 0 {
		if err := e.read(e.gacc, 0, e.gaccHost, "gradient"); err != nil {
			return solver.Loss{}, err
		}
	}
	if withGrid {
		if err := e.read(e.ggacc, 0, e.ggaccHost, "grid gradient"); err != nil {
			return solver.Loss{}, err
		}
	}
	if err := e.collect(); err != nil {
		return solver.Loss{}, err
	}
	// Group partials in fixed order with compensated sums, as the cpu
	// backend does with its chunk partials.
	var mean, vari solver.Sum
	for g := 0; g < len(e.partHost); g += 2 {
		mean.Add(e.partHost[g])
		vari.Add(e.partHost[g+1])
	}
	n := float64(e.p.N())
	l := solver.Loss{Mean: mean.Value() / n, Variance: vari.Value() / n}
	l.Total = l.Mean + l.Variance
	if withGrad {
		m := e.T * e.nb
		for q := range k.Values {
			for j := range grad[q] {
				grad[q][j] = e.gaccHost[q*m+j] / n
			}
		}
		for i := range gg {
			gg[i] = e.ggaccHost[i] / n
		}
		e.stats.Gradients++
	}
	e.stats.Evaluations++
	return l, nil
}

// throttle keeps at most one chunk queued behind the running one, so that a
// cancellation is noticed within about a chunk's time while the device
// never idles between chunks.
func (e *Evaluator) throttle() error {
	if err := e.b.queue.Flush(); err != nil {
		return fmt.Errorf("kernels: %w", err)
	}
	// The newest launch is the last pending event; wait for the one
	// before the current chunk's launches.
	launches := 0
	for i := len(e.pending) - 1; i >= 0; i-- {
		if e.pending[i].transfer {
			continue
		}
		launches++
		if launches == 3 { // grad + grad_reduce of this chunk, then the previous chunk's last
			return e.pending[i].ev.Wait()
		}
	}
	return nil
}

// Transfer writes the output law N(B_f Ỹ, V_f) of every merged frequency f
// into dstB and dstV (SPEC §8), each of length Freqs.Len(), on the knobs'
// own grid when k has one.
func (e *Evaluator) Transfer(ctx context.Context, k *solver.Knobs, dstB, dstV []float64) error {
	if err := e.check(k); err != nil {
		return err
	}
	if len(dstB) != e.n || len(dstV) != e.n {
		return fmt.Errorf("kernels: transfer destinations have %d and %d entries, the problem %d frequencies", len(dstB), len(dstV), e.n)
	}
	if err := e.transfer(ctx, k, dstB, dstV); err != nil {
		e.abandon()
		return err
	}
	e.stats.Transfers++
	return nil
}

func (e *Evaluator) transfer(ctx context.Context, k *solver.Knobs, dstB, dstV []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.uploadSteps(k); err != nil {
		return err
	}
	if err := e.uploadKnobs(k); err != nil {
		return err
	}
	if e.outHost == nil {
		e.outHost = make([]float64, 2*e.lay.chunkCap)
	}
	for _, c := range e.lay.chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.runTransfer(c, k.Rule); err != nil {
			return err
		}
		bs, vs := e.outHost[:c.n], e.outHost[e.lay.chunkCap:e.lay.chunkCap+c.n]
		if err := e.read(e.out, 0, bs, "transfer B"); err != nil {
			return err
		}
		if err := e.read(e.out, e.lay.chunkCap, vs, "transfer V"); err != nil {
			return err
		}
		for i := 0; i < c.n; i++ {
			f := c.base + i
			if e.lay.order != nil {
				f = int(e.lay.order[f])
			}
			dstB[f], dstV[f] = bs[i], vs[i]
		}
	}
	return e.collect()
}

// Close releases the evaluator's device buffers and kernels. It is
// idempotent.
func (e *Evaluator) Close() error {
	if e.closed {
		return nil
	}
	e.release()
	e.b.forget(e)
	return nil
}

func (e *Evaluator) release() {
	if e.closed {
		return
	}
	e.closed = true
	e.abandon()
	for _, k := range []*cl.Kernel{e.kTransfer, e.kLoss, e.kGrad, e.kGradGrid, e.kReduce} {
		k.Release()
	}
	for _, b := range e.bufs {
		b.Release()
	}
	e.bufs = nil
}
