package cl

import (
	"errors"
	"runtime"
	"unsafe"
)

// Context is an OpenCL context (cl_context): the scope in which buffers,
// programs and queues for a set of devices live.
type Context struct {
	lib     *Library
	id      uintptr
	devices []*Device
}

// CreateContext creates a context for the given devices, which must all
// come from one platform of this library. No context properties and no
// error callback are passed: a callback would be C calling into Go from a
// driver thread, which buys little over the returned status codes.
func (l *Library) CreateContext(devices []*Device) (*Context, error) {
	if l == nil || l.handle == 0 {
		return nil, errReleased("library")
	}
	if len(devices) == 0 {
		return nil, errors.New("cl: CreateContext needs at least one device")
	}
	ids := make([]uintptr, len(devices))
	for i, d := range devices {
		if d == nil || d.lib != l {
			return nil, errors.New("cl: CreateContext: device is nil or from another library")
		}
		ids[i] = d.id
	}
	var code int32
	id := l.createContext(nil, uint32(len(ids)), unsafe.Pointer(&ids[0]), 0, 0, unsafe.Pointer(&code))
	runtime.KeepAlive(ids)
	if err := check("clCreateContext", code); err != nil {
		return nil, err
	}
	return &Context{lib: l, id: id, devices: append([]*Device(nil), devices...)}, nil
}

// Devices returns the devices the context was created for.
func (c *Context) Devices() []*Device {
	if c == nil {
		return nil
	}
	return append([]*Device(nil), c.devices...)
}

// Release releases the context. Releasing twice is a no-op.
func (c *Context) Release() {
	if c == nil || c.id == 0 {
		return
	}
	c.lib.releaseContext(c.id)
	c.id = 0
}

// valid reports whether c can still be used for calls.
func (c *Context) valid() bool {
	return c != nil && c.id != 0 && c.lib != nil && c.lib.handle != 0
}
