package kernels

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/spectune/spectune/cl"
	"github.com/spectune/spectune/solver"
)

// SyncEnv is the environment variable that, set to 1 when [Open] runs,
// makes the backend finish the queue after every enqueue and record each
// kernel's wall time in [Stats], so that a failing or slow kernel is
// pinned to its launch.
const SyncEnv = "SPECTUNE_CL_SYNC"

// Backend is the OpenCL backend: one fp64 device with its context, an
// in-order profiling queue, and the programs built so far (one per method,
// built on first use and kept until Close). Prepare may be called
// concurrently; evaluators are not safe for concurrent use, and Close must
// not run while any evaluator is evaluating.
type Backend struct {
	lib   *cl.Library
	plat  *cl.Platform
	dev   *cl.Device
	ctx   *cl.Context
	queue *cl.CommandQueue
	name  string
	par   params
	sync  bool

	mu     sync.Mutex
	progs  map[string]*cl.Program
	live   map[*Evaluator]struct{}
	closed bool

	// Test hooks; zero values in production.
	//
	// chunkBudget caps the device memory of one chunk in bytes; zero
	// means min(256 MiB, MaxMemAllocSize/4).
	chunkBudget int64
	// editSources rewrites the program sources before a build.
	editSources func([]string) []string
	// poison fills every kernel output buffer with NaN before each launch.
	poison bool
	// globalScratch forces the gradient record into global memory.
	globalScratch bool
}

// noOpenCLError is an error that wraps [solver.ErrNoOpenCL] but prints only
// its own one-line reason.
type noOpenCLError struct{ msg string }

func (e *noOpenCLError) Error() string { return e.msg }
func (e *noOpenCLError) Unwrap() error { return solver.ErrNoOpenCL }

func noOpenCL(format string, args ...any) error {
	return &noOpenCLError{fmt.Sprintf(format, args...)}
}

// noLibrary reports a failed cl.Load in one line, without repeating the
// cl package's own "no OpenCL library" prefix.
func noLibrary(err error) error {
	return noOpenCL("kernels: no OpenCL library (%s)", strings.TrimPrefix(err.Error(), "cl: no OpenCL library: "))
}

// DeviceInfo describes one OpenCL device as [ListDevices] finds it.
type DeviceInfo struct {
	// Platform and Device are the indices that "opencl:P:D" selects.
	Platform, Device int
	// PlatformName, Name and Vendor are as the driver reports them.
	PlatformName string
	Name, Vendor string
	// Type is GPU, CPU, Accelerator (cl.DeviceType prints them).
	Type cl.DeviceType
	// FP64 reports double-precision support, which the backend needs.
	FP64         bool
	ComputeUnits int
	// GlobalMem and MaxAlloc are the device memory and the largest single
	// buffer, in bytes.
	GlobalMem, MaxAlloc int64
	// OpenCLC is the OpenCL C version the compiler accepts.
	OpenCLC string
}

// Spec returns the backend spec that selects this device.
func (d DeviceInfo) Spec() string { return fmt.Sprintf("opencl:%d:%d", d.Platform, d.Device) }

// String is one line for device listings.
func (d DeviceInfo) String() string {
	fp := "fp64"
	if !d.FP64 {
		fp = "no fp64"
	}
	return fmt.Sprintf("%s  %s (%s), %s, %s, %d compute units, %d MiB, max alloc %d MiB",
		d.Spec(), d.Name, d.PlatformName, d.Type, fp, d.ComputeUnits, d.GlobalMem>>20, d.MaxAlloc>>20)
}

// ListDevices lists every device of every OpenCL platform. Without an
// OpenCL library it returns an error wrapping [solver.ErrNoOpenCL]; without
// platforms it returns an empty list.
func ListDevices() ([]DeviceInfo, error) { return listDevicesWith(cl.DynamicLoader{}) }

func listDevicesWith(ld cl.Loader) ([]DeviceInfo, error) {
	lib, err := cl.LoadWith(ld)
	if err != nil {
		return nil, noLibrary(err)
	}
	defer lib.Close()
	infos, _, err := listDevices(lib)
	return infos, err
}

type found struct {
	plat *cl.Platform
	dev  *cl.Device
}

func listDevices(lib *cl.Library) ([]DeviceInfo, []found, error) {
	plats, err := lib.GetPlatforms()
	if err != nil {
		return nil, nil, noOpenCL("kernels: no OpenCL platform (%v)", err)
	}
	var infos []DeviceInfo
	var devs []found
	for pi, p := range plats {
		ds, err := p.GetDevices(cl.DeviceTypeAll)
		if err != nil {
			// A platform without devices reports CL_DEVICE_NOT_FOUND;
			// the other platforms are still usable.
			continue
		}
		for di, d := range ds {
			infos = append(infos, DeviceInfo{
				Platform: pi, Device: di, PlatformName: p.Name(), Name: d.Name(), Vendor: d.Vendor(),
				Type: d.Type(), FP64: d.HasFP64(), ComputeUnits: d.MaxComputeUnits(),
				GlobalMem: d.GlobalMemSize(), MaxAlloc: d.MaxMemAllocSize(), OpenCLC: d.OpenCLCVersion(),
			})
			devs = append(devs, found{p, d})
		}
	}
	return infos, devs, nil
}

// parseSpec parses "opencl" (pi = di = -1) or "opencl:P:D".
func parseSpec(spec string) (pi, di int, err error) {
	bad := fmt.Errorf("kernels: backend spec %q (want \"opencl\" or \"opencl:P:D\" with the platform and device indices that ListDevices prints)", spec)
	if spec == "opencl" {
		return -1, -1, nil
	}
	rest, ok := strings.CutPrefix(spec, "opencl:")
	if !ok {
		return 0, 0, bad
	}
	ps, ds, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, 0, bad
	}
	pi, err1 := strconv.Atoi(ps)
	di, err2 := strconv.Atoi(ds)
	if err1 != nil || err2 != nil || pi < 0 || di < 0 {
		return 0, 0, bad
	}
	return pi, di, nil
}

// Open opens the device that spec names: "opencl" picks the best fp64
// device (the first GPU, else the first device of any type), "opencl:P:D"
// picks device D of platform P as [ListDevices] numbers them. When there is
// no OpenCL library or no usable fp64 device the error wraps
// [solver.ErrNoOpenCL] and says why in one line; a malformed spec or an
// index that does not exist is a plain error listing the devices.
func Open(spec string) (*Backend, error) { return openWith(cl.DynamicLoader{}, spec) }

// openWith is Open with the library loader as a parameter, so that "no
// OpenCL library" is testable.
func openWith(ld cl.Loader, spec string) (*Backend, error) {
	pi, di, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	lib, err := cl.LoadWith(ld)
	if err != nil {
		return nil, noLibrary(err)
	}
	b, err := open(lib, pi, di)
	if err != nil {
		lib.Close()
		return nil, err
	}
	return b, nil
}

func open(lib *cl.Library, pi, di int) (*Backend, error) {
	infos, devs, err := listDevices(lib)
	if err != nil {
		return nil, err
	}
	if len(devs) == 0 {
		return nil, noOpenCL("kernels: no OpenCL device with fp64 (no OpenCL device found; check the ICD files in /etc/OpenCL/vendors)")
	}
	pick := -1
	if pi < 0 {
		for k, info := range infos {
			if info.FP64 && info.Type&cl.DeviceTypeGPU != 0 {
				pick = k
				break
			}
		}
		for k, info := range infos {
			if pick < 0 && info.FP64 {
				pick = k
			}
		}
		if pick < 0 {
			return nil, noOpenCL("kernels: no OpenCL device with fp64 (have %s)", listing(infos))
		}
	} else {
		for k, info := range infos {
			if info.Platform == pi && info.Device == di {
				pick = k
			}
		}
		if pick < 0 {
			return nil, fmt.Errorf("kernels: no OpenCL device opencl:%d:%d (have %s; use \"opencl\" or one of these)", pi, di, listing(infos))
		}
		if !infos[pick].FP64 {
			return nil, noOpenCL("kernels: OpenCL device opencl:%d:%d (%s) has no fp64", pi, di, infos[pick].Name)
		}
	}
	f := devs[pick]
	ctx, err := lib.CreateContext([]*cl.Device{f.dev})
	if err != nil {
		return nil, fmt.Errorf("kernels: %s: %w", f.dev.Name(), err)
	}
	q, err := ctx.CreateCommandQueue(f.dev, cl.CommandQueueProfilingEnable)
	if err != nil {
		ctx.Release()
		return nil, fmt.Errorf("kernels: %s: %w", f.dev.Name(), err)
	}
	return &Backend{
		lib: lib, plat: f.plat, dev: f.dev, ctx: ctx, queue: q,
		name: fmt.Sprintf("opencl: %s (%s)", f.dev.Name(), f.plat.Name()),
		par:  deviceParams(f.dev), sync: os.Getenv(SyncEnv) == "1",
		progs: map[string]*cl.Program{}, live: map[*Evaluator]struct{}{},
	}, nil
}

func listing(infos []DeviceInfo) string {
	parts := make([]string, len(infos))
	for i, d := range infos {
		fp := ""
		if !d.FP64 {
			fp = ", no fp64"
		}
		parts[i] = fmt.Sprintf("%s %s%s", d.Spec(), d.Name, fp)
	}
	return strings.Join(parts, "; ")
}

// Name identifies the backend and device, e.g.
// "opencl: pthread-haswell-AMD EPYC (Portable Computing Language)".
func (b *Backend) Name() string { return b.name }

// WorkGroupSize returns the work-group size the kernels are built with.
func (b *Backend) WorkGroupSize() int { return b.par.WGS }

// program returns the method's program with the gradient record in local
// or global memory, building it on first use.
func (b *Backend) program(method string, localScratch bool) (*cl.Program, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("kernels: backend is closed")
	}
	key := method + "/global"
	if localScratch {
		key = method + "/local"
	}
	if p, ok := b.progs[key]; ok {
		return p, nil
	}
	if _, ok := methodMacro(method); !ok {
		return nil, fmt.Errorf("kernels: no kernels for method %q", method)
	}
	src := sources()
	if b.editSources != nil {
		src = b.editSources(src)
	}
	p, err := b.build(src, buildOptions(method, b.par, localScratch))
	if err != nil {
		return nil, fmt.Errorf("kernels: building the %s kernels: %w", method, err)
	}
	b.progs[key] = p
	return p, nil
}

// build compiles sources for the device; a compiler failure is a
// *cl.BuildError carrying the log.
func (b *Backend) build(src []string, opts string) (*cl.Program, error) {
	p, err := b.ctx.CreateProgramWithSource(src)
	if err != nil {
		return nil, err
	}
	if err := p.BuildProgram([]*cl.Device{b.dev}, opts); err != nil {
		p.Release()
		return nil, err
	}
	return p, nil
}

// Prepare builds (or reuses) the method's program and returns an
// [*Evaluator] holding the problem's device buffers; see [Evaluator].
func (b *Backend) Prepare(ctx context.Context, p *solver.Problem) (solver.Evaluator, error) {
	if p == nil {
		return nil, errors.New("kernels: nil problem")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e, err := newEvaluator(b, p)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		e.release()
		return nil, errors.New("kernels: backend is closed")
	}
	b.live[e] = struct{}{}
	return e, nil
}

// Close closes every evaluator still open, releases the programs, queue
// and context, and unloads the library. It is idempotent.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	live := make([]*Evaluator, 0, len(b.live))
	for e := range b.live {
		live = append(live, e)
	}
	b.live = nil
	b.mu.Unlock()
	for _, e := range live {
		e.release()
	}
	for _, p := range b.progs {
		p.Release()
	}
	b.progs = nil
	b.queue.Release()
	b.ctx.Release()
	return b.lib.Close()
}

// forget drops a closed evaluator from the live set.
func (b *Backend) forget(e *Evaluator) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.live, e)
}

// IsGPU reports whether the backend's device is a GPU.
func (b *Backend) IsGPU() bool { return b.dev.Type()&cl.DeviceTypeGPU != 0 }
