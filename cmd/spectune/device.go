package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/kernels"
	"github.com/spectune/spectune/solver"
)

// autoCPUDeviceMin is the rule by which --device auto takes an OpenCL device
// that is a CPU (PoCL): only for problems of at least this many frequency-
// steps (distinct frequencies × T) per evaluation. There one evaluation
// takes ≳ 0.1 s on the pure-Go backend, PoCL runs it about 3× faster
// (README, Performance), and the one-time program build (≈ 2–2.7 s cold, 0.1 s
// once PoCL has cached it on disk) is repaid within a few optimiser
// iterations. An OpenCL
// GPU is always taken.
const autoCPUDeviceMin = 1 << 24

const deviceFlagHelp = "where to evaluate: auto (an OpenCL GPU, else an OpenCL CPU device for problems of ≥ 2^24 frequency-steps, else the pure-Go backend), cpu (pure Go), opencl (the best OpenCL device), or opencl:P:D (platform P, device D as spectune devices lists them)"

// engine opens the backend that --device names, once per run, and prepares
// evaluators. Before a method first runs on OpenCL, the device's result on a
// small problem is checked against the pure-Go backend (kernels.SelfTest).
// OpenCL evaluators fall back to the pure-Go backend when the
// device fails (build error, lost device, out of memory), repeating the
// failed evaluation there; each such event is said once on stderr.
type engine struct {
	spec   string
	stderr io.Writer

	// grid says that the run designs grids, so self-tests also check the
	// grid gradient.
	grid bool

	once   sync.Once
	cl     *kernels.Backend
	clErr  error
	said   map[string]bool
	tested map[string]bool // methods whose OpenCL self-test passed
	closed bool
}

func newEngine(spec string, stderr io.Writer) (*engine, error) {
	switch {
	case spec == "auto", spec == "cpu", spec == "opencl", strings.HasPrefix(spec, "opencl:"):
	default:
		return nil, usagef("--device %q: want auto, cpu, opencl or opencl:P:D", spec)
	}
	if stderr == nil {
		stderr = io.Discard
	}
	return &engine{spec: spec, stderr: stderr, said: map[string]bool{}, tested: map[string]bool{}}, nil
}

// say prints a line on stderr, once per run.
func (e *engine) say(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if !e.said[msg] {
		e.said[msg] = true
		fmt.Fprintln(e.stderr, "spectune:", msg)
	}
}

func (e *engine) openCL() (*kernels.Backend, error) {
	e.once.Do(func() {
		spec := e.spec
		if spec == "auto" {
			spec = "opencl"
		}
		e.cl, e.clErr = kernels.Open(spec)
	})
	return e.cl, e.clErr
}

// prepare returns an evaluator for p and the name of what runs it.
func (e *engine) prepare(ctx context.Context, p *solver.Problem) (solver.Evaluator, string, error) {
	pure := cpu.New()
	if e.spec == "cpu" {
		ev, err := pure.Prepare(ctx, p)
		return ev, pure.Name(), err
	}
	b, err := e.openCL()
	if err != nil {
		if e.spec != "auto" || !errors.Is(err, solver.ErrNoOpenCL) {
			return nil, "", fmt.Errorf("--device %s: %w", e.spec, err)
		}
		e.say("using the pure-Go CPU backend: %v", err)
		ev, err := pure.Prepare(ctx, p)
		return ev, pure.Name(), err
	}
	if e.spec == "auto" && !b.IsGPU() {
		if fs := p.Freqs.Len() * p.T(); fs < autoCPUDeviceMin {
			e.say("using the pure-Go CPU backend: the OpenCL device is a CPU (%s) and %d frequency-steps per evaluation are below the %d for which its program build pays off (--device opencl forces it)",
				strings.TrimPrefix(b.Name(), "opencl: "), fs, autoCPUDeviceMin)
			ev, err := pure.Prepare(ctx, p)
			return ev, pure.Name(), err
		}
		e.say("using %s (an OpenCL CPU device is ~3× faster than the pure-Go backend on problems this large)", b.Name())
	} else if e.spec == "auto" {
		e.say("using %s", b.Name())
	}
	ev, err := b.Prepare(ctx, p)
	if err == nil && !e.tested[p.Method.Name] {
		// Check the device's float64 code against the CPU once per method.
		if err = b.SelfTest(ctx, p.Method.Name, e.grid); err != nil {
			ev.Close()
		}
		e.tested[p.Method.Name] = err == nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", err
		}
		e.say("OpenCL failed (%v); continuing on the pure-Go CPU backend", err)
		ev, err := pure.Prepare(ctx, p)
		return ev, pure.Name(), err
	}
	fb := &solver.Fallback{Problem: p, Primary: ev,
		Secondary: func(ctx context.Context) (solver.Evaluator, error) { return pure.Prepare(ctx, p) },
		OnSwitch: func(err error) {
			e.say("OpenCL failed mid-run (%v); continuing on the pure-Go CPU backend, repeating the failed evaluation", err)
		}}
	return fb, b.Name(), nil
}

// Close releases the OpenCL device, if one was opened.
func (e *engine) Close() error {
	if e.cl != nil && !e.closed {
		e.closed = true
		return e.cl.Close()
	}
	return nil
}

// ranOn names what evaluated a run: name, or the CPU fallback after it.
func ranOn(ev solver.Evaluator, name string) string {
	if fb, ok := ev.(*solver.Fallback); ok && fb.Switched() {
		return name + ", then the pure-Go CPU backend after a device failure"
	}
	return name
}

// evaluator opens the --device backend and prepares an evaluator for p; the
// returned close releases both. grid says whether the run designs grids.
func evaluator(ctx context.Context, device string, p *solver.Problem, stderr io.Writer, grid bool) (ev solver.Evaluator, name string, closeAll func(), err error) {
	eng, err := newEngine(device, stderr)
	if err != nil {
		return nil, "", nil, err
	}
	eng.grid = grid
	ev, name, err = eng.prepare(ctx, p)
	if err != nil {
		eng.Close()
		return nil, "", nil, err
	}
	return ev, name, func() { ev.Close(); eng.Close() }, nil
}
