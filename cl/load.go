package cl

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Loader opens shared libraries and resolves their symbols. It exists so
// tests can exercise the loading logic without a real OpenCL installation.
type Loader interface {
	// Open loads the named shared library and returns a non-zero handle.
	Open(name string) (uintptr, error)
	// Lookup returns the address of sym in the library behind handle.
	Lookup(handle uintptr, sym string) (uintptr, error)
	// Close releases a handle returned by Open.
	Close(handle uintptr) error
}

// DynamicLoader is the Loader used by Load: dlopen/dlsym through purego.
type DynamicLoader struct{}

// Open implements Loader with dlopen(name, RTLD_NOW|RTLD_GLOBAL). RTLD_NOW
// surfaces unresolved dependencies here rather than at the first call.
func (DynamicLoader) Open(name string) (uintptr, error) {
	return purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
}

// Lookup implements Loader with dlsym.
func (DynamicLoader) Lookup(handle uintptr, sym string) (uintptr, error) {
	return purego.Dlsym(handle, sym)
}

// Close implements Loader with dlclose.
func (DynamicLoader) Close(handle uintptr) error {
	return purego.Dlclose(handle)
}

// libraryNames are tried in order: the versioned soname is what ICD loader
// packages install at run time, the bare name usually only comes with -dev
// packages.
var libraryNames = [...]string{"libOpenCL.so.1", "libOpenCL.so"}

// Library is a loaded OpenCL ICD loader. It owns every C entry point used
// by this package; objects created through it keep a pointer to it.
type Library struct {
	loader Loader
	handle uintptr

	getPlatformIDs          func(num uint32, platforms, numOut unsafe.Pointer) int32
	getPlatformInfo         func(p uintptr, param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32
	getDeviceIDs            func(p uintptr, typ uint64, num uint32, devices, numOut unsafe.Pointer) int32
	getDeviceInfo           func(d uintptr, param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32
	createContext           func(props unsafe.Pointer, num uint32, devices unsafe.Pointer, notify, user uintptr, errOut unsafe.Pointer) uintptr
	releaseContext          func(c uintptr) int32
	createCommandQueue      func(c, d uintptr, props uint64, errOut unsafe.Pointer) uintptr
	releaseCommandQueue     func(q uintptr) int32
	finish                  func(q uintptr) int32
	flush                   func(q uintptr) int32
	createBuffer            func(c uintptr, flags uint64, size uintptr, host, errOut unsafe.Pointer) uintptr
	releaseMemObject        func(m uintptr) int32
	enqueueReadBuffer       func(q, m uintptr, blocking uint32, offset, size uintptr, ptr unsafe.Pointer, nWait uint32, wait, ev unsafe.Pointer) int32
	enqueueWriteBuffer      func(q, m uintptr, blocking uint32, offset, size uintptr, ptr unsafe.Pointer, nWait uint32, wait, ev unsafe.Pointer) int32
	enqueueFillBuffer       func(q, m uintptr, pattern unsafe.Pointer, patternSize, offset, size uintptr, nWait uint32, wait, ev unsafe.Pointer) int32
	enqueueMarker           func(q uintptr, nWait uint32, wait, ev unsafe.Pointer) int32
	enqueueNDRangeKernel    func(q, k uintptr, dims uint32, offset, global, local unsafe.Pointer, nWait uint32, wait, ev unsafe.Pointer) int32
	createProgramWithSource func(c uintptr, count uint32, sources, lengths, errOut unsafe.Pointer) uintptr
	buildProgram            func(p uintptr, num uint32, devices unsafe.Pointer, options *byte, notify, user uintptr) int32
	getProgramBuildInfo     func(p, d uintptr, param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32
	releaseProgram          func(p uintptr) int32
	createKernel            func(p uintptr, name *byte, errOut unsafe.Pointer) uintptr
	setKernelArg            func(k uintptr, index uint32, size uintptr, value unsafe.Pointer) int32
	getKernelWorkGroupInfo  func(k, d uintptr, param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32
	releaseKernel           func(k uintptr) int32
	waitForEvents           func(num uint32, events unsafe.Pointer) int32
	getEventProfilingInfo   func(e uintptr, param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32
	releaseEvent            func(e uintptr) int32
}

// Load opens the system OpenCL ICD loader, trying libOpenCL.so.1 and then
// libOpenCL.so.
func Load() (*Library, error) {
	return LoadWith(DynamicLoader{})
}

// LoadWith is Load with a caller-supplied Loader.
func LoadWith(ld Loader) (*Library, error) {
	if ld == nil {
		return nil, errors.New("cl: nil loader")
	}
	var failures [len(libraryNames)]error
	for i, name := range libraryNames {
		h, err := ld.Open(name)
		if err == nil && h == 0 {
			err = errors.New("loader returned a nil handle")
		}
		if err != nil {
			failures[i] = err
			continue
		}
		lib := &Library{loader: ld, handle: h}
		if err := lib.bind(); err != nil {
			// The library exists but is unusable; closing is best effort
			// and its error would only hide the more useful one.
			_ = ld.Close(h)
			return nil, err
		}
		return lib, nil
	}
	return nil, fmt.Errorf("cl: no OpenCL library: %s: %w; %s: %w",
		libraryNames[0], failures[0], libraryNames[1], failures[1])
}

// symbol pairs a C name with the Go function variable it is bound to.
type symbol struct {
	name string
	fptr any
}

func (l *Library) symbols() []symbol {
	return []symbol{
		{"clGetPlatformIDs", &l.getPlatformIDs},
		{"clGetPlatformInfo", &l.getPlatformInfo},
		{"clGetDeviceIDs", &l.getDeviceIDs},
		{"clGetDeviceInfo", &l.getDeviceInfo},
		{"clCreateContext", &l.createContext},
		{"clReleaseContext", &l.releaseContext},
		{"clCreateCommandQueue", &l.createCommandQueue},
		{"clReleaseCommandQueue", &l.releaseCommandQueue},
		{"clFinish", &l.finish},
		{"clFlush", &l.flush},
		{"clCreateBuffer", &l.createBuffer},
		{"clReleaseMemObject", &l.releaseMemObject},
		{"clEnqueueReadBuffer", &l.enqueueReadBuffer},
		{"clEnqueueWriteBuffer", &l.enqueueWriteBuffer},
		{"clEnqueueFillBuffer", &l.enqueueFillBuffer},
		{"clEnqueueMarkerWithWaitList", &l.enqueueMarker},
		{"clEnqueueNDRangeKernel", &l.enqueueNDRangeKernel},
		{"clCreateProgramWithSource", &l.createProgramWithSource},
		{"clBuildProgram", &l.buildProgram},
		{"clGetProgramBuildInfo", &l.getProgramBuildInfo},
		{"clReleaseProgram", &l.releaseProgram},
		{"clCreateKernel", &l.createKernel},
		{"clSetKernelArg", &l.setKernelArg},
		{"clGetKernelWorkGroupInfo", &l.getKernelWorkGroupInfo},
		{"clReleaseKernel", &l.releaseKernel},
		{"clWaitForEvents", &l.waitForEvents},
		{"clGetEventProfilingInfo", &l.getEventProfilingInfo},
		{"clReleaseEvent", &l.releaseEvent},
	}
}

// bind resolves every symbol before registering any, so a library that
// lacks one entry point (an OpenCL 1.1 loader has no clEnqueueFillBuffer)
// yields one error listing all gaps instead of a half-bound Library, and
// purego.RegisterFunc never sees a nil address (it would panic).
func (l *Library) bind() error {
	syms := l.symbols()
	addrs := make([]uintptr, len(syms))
	var missing []string
	var firstErr error
	for i, s := range syms {
		addr, err := l.loader.Lookup(l.handle, s.name)
		if err == nil && addr == 0 {
			err = errors.New("nil address")
		}
		if err != nil {
			missing = append(missing, s.name)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		addrs[i] = addr
	}
	if len(missing) > 0 {
		return fmt.Errorf("cl: OpenCL library lacks symbol %s: %w", strings.Join(missing, ", "), firstErr)
	}
	for i, s := range syms {
		purego.RegisterFunc(s.fptr, addrs[i])
	}
	return nil
}

// Close unloads the library. Every object created through it must be
// released first: their methods call into the unloaded code. Closing twice
// is a no-op.
func (l *Library) Close() error {
	if l == nil || l.handle == 0 {
		return nil
	}
	h := l.handle
	l.handle = 0
	if err := l.loader.Close(h); err != nil {
		return fmt.Errorf("cl: closing OpenCL library: %w", err)
	}
	return nil
}
