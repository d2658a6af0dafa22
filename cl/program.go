package cl

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

const (
	clProgramBuildStatus = 0x1181
	clProgramBuildLog    = 0x1183
	clBuildError         = -2 // cl_build_status CL_BUILD_ERROR
)

// Program is an OpenCL program object (cl_program).
type Program struct {
	lib *Library
	id  uintptr
	ctx *Context
}

// CreateProgramWithSource creates a program from OpenCL C sources, which
// are compiled as if concatenated in order.
func (c *Context) CreateProgramWithSource(sources []string) (*Program, error) {
	if !c.valid() {
		return nil, errReleased("context")
	}
	if len(sources) == 0 {
		return nil, errors.New("cl: CreateProgramWithSource needs at least one source")
	}
	// One allocation holds every source back to back (NUL-terminated for
	// drivers that ignore lengths). ptrs holds real pointers, not
	// uintptrs: that forces text onto the heap, where objects never move,
	// whereas a small stack buffer could be moved by stack growth inside
	// the call. The driver copies the sources before returning.
	total := 0
	for _, s := range sources {
		total += len(s) + 1
	}
	text := make([]byte, total)
	ptrs := make([]*byte, len(sources))
	lens := make([]uintptr, len(sources))
	pos := 0
	for i, s := range sources {
		copy(text[pos:], s)
		ptrs[i] = &text[pos]
		lens[i] = uintptr(len(s))
		pos += len(s) + 1
	}
	var code int32
	id := c.lib.createProgramWithSource(c.id, uint32(len(sources)), unsafe.Pointer(&ptrs[0]), unsafe.Pointer(&lens[0]), unsafe.Pointer(&code))
	runtime.KeepAlive(text)
	runtime.KeepAlive(ptrs)
	runtime.KeepAlive(lens)
	if err := check("clCreateProgramWithSource", code); err != nil {
		return nil, err
	}
	return &Program{lib: c.lib, id: id, ctx: c}, nil
}

// BuildError is returned by BuildProgram when compilation fails. It
// carries the compiler output, which is the only useful diagnostic.
type BuildError struct {
	// Device is the name of the device whose build failed.
	Device string
	// Log is the full build log for that device.
	Log string
	// Status is the code clBuildProgram returned.
	Status Status
}

// Error includes the whole log so that a failing test shows the compiler
// message without extra plumbing.
func (e *BuildError) Error() string {
	var b strings.Builder
	b.WriteString("cl: clBuildProgram: ")
	b.WriteString(e.Status.describe())
	if e.Device != "" {
		b.WriteString(" on ")
		b.WriteString(e.Device)
	}
	if log := strings.TrimSpace(e.Log); log != "" {
		b.WriteString(":\n")
		b.WriteString(log)
	}
	return b.String()
}

// Unwrap returns the Status, so errors.As(err, &status) works.
func (e *BuildError) Unwrap() error { return e.Status }

// BuildProgram compiles and links the program for devices (nil means all
// devices of the context) with the given compiler options. On failure it
// returns a *BuildError holding the build log of the first failing device.
func (p *Program) BuildProgram(devices []*Device, options string) error {
	if !p.valid() {
		return errReleased("program")
	}
	opts, err := cString("build options", options)
	if err != nil {
		return err
	}
	ids := make([]uintptr, 0, len(devices))
	for _, d := range devices {
		if d == nil || d.lib != p.lib {
			return errors.New("cl: BuildProgram: device is nil or from another library")
		}
		ids = append(ids, d.id)
	}
	// A nil callback makes the call synchronous, so options and ids are
	// only borrowed for its duration.
	code := p.lib.buildProgram(p.id, uint32(len(ids)), handlesPtr(ids), &opts[0], 0, 0)
	runtime.KeepAlive(opts)
	runtime.KeepAlive(ids)
	if code == 0 {
		return nil
	}
	candidates := devices
	if len(candidates) == 0 {
		candidates = p.ctx.devices
	}
	be := &BuildError{Status: Status(code)}
	for _, d := range candidates {
		log, _ := p.BuildLog(d)
		st, _ := infoUint("clGetProgramBuildInfo", p.buildInfo(d), clProgramBuildStatus)
		failed := int32(uint32(st)) == clBuildError
		if failed || be.Log == "" && strings.TrimSpace(log) != "" {
			be.Device, be.Log = d.Name(), log
		}
		if failed {
			break
		}
	}
	return be
}

func (p *Program) buildInfo(d *Device) infoFunc {
	return func(param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32 {
		return p.lib.getProgramBuildInfo(p.id, d.id, param, size, value, sizeOut)
	}
}

// BuildLog returns the compiler output for d from the last build, which
// may hold warnings even when the build succeeded.
func (p *Program) BuildLog(d *Device) (string, error) {
	if !p.valid() {
		return "", errReleased("program")
	}
	if d == nil || d.lib != p.lib {
		return "", errors.New("cl: BuildLog: device is nil or from another library")
	}
	return infoString("clGetProgramBuildInfo", p.buildInfo(d), clProgramBuildLog)
}

// CreateKernel returns the __kernel function called name.
func (p *Program) CreateKernel(name string) (*Kernel, error) {
	if !p.valid() {
		return nil, errReleased("program")
	}
	cname, err := cString("kernel name", name)
	if err != nil {
		return nil, err
	}
	var code int32
	id := p.lib.createKernel(p.id, &cname[0], unsafe.Pointer(&code))
	runtime.KeepAlive(cname)
	if err := check(fmt.Sprintf("clCreateKernel(%q)", name), code); err != nil {
		return nil, err
	}
	return &Kernel{lib: p.lib, id: id, name: name}, nil
}

// Release releases the program. Kernels created from it stay valid until
// they are released themselves. Releasing twice is a no-op.
func (p *Program) Release() {
	if p == nil || p.id == 0 {
		return
	}
	p.lib.releaseProgram(p.id)
	p.id = 0
}

func (p *Program) valid() bool {
	return p != nil && p.id != 0 && p.lib != nil && p.lib.handle != 0
}
