package cl

import (
	"fmt"
	"unsafe"
)

// MemFlag is a cl_mem_flags bit set for CreateBuffer.
type MemFlag uint64

// MemReadWrite lets kernels read and write the buffer (the default).
const MemReadWrite MemFlag = 1 << 0

// MemWriteOnly promises that kernels only write the buffer.
const MemWriteOnly MemFlag = 1 << 1

// MemReadOnly promises that kernels only read the buffer.
const MemReadOnly MemFlag = 1 << 2

// MemAllocHostPtr asks for host-accessible (often pinned) memory.
const MemAllocHostPtr MemFlag = 1 << 4

// MemHostWriteOnly promises that the host only writes the buffer (1.2).
const MemHostWriteOnly MemFlag = 1 << 7

// MemHostReadOnly promises that the host only reads the buffer (1.2).
const MemHostReadOnly MemFlag = 1 << 8

// MemHostNoAccess promises that the host never reads or writes the buffer
// (1.2).
const MemHostNoAccess MemFlag = 1 << 9

// MemObject is an OpenCL buffer (cl_mem).
type MemObject struct {
	lib  *Library
	id   uintptr
	size int
}

// CreateBuffer allocates a device buffer of size bytes. No host pointer is
// accepted: CL_MEM_USE_HOST_PTR would let the driver keep a Go pointer,
// which the Go garbage collector does not know about.
func (c *Context) CreateBuffer(flags MemFlag, size int) (*MemObject, error) {
	if !c.valid() {
		return nil, errReleased("context")
	}
	if size <= 0 {
		return nil, fmt.Errorf("cl: CreateBuffer: size %d must be positive", size)
	}
	const hostPtrFlags = 1<<3 | 1<<5 // CL_MEM_USE_HOST_PTR, CL_MEM_COPY_HOST_PTR
	if flags&hostPtrFlags != 0 {
		return nil, fmt.Errorf("cl: CreateBuffer: flags %#x need a host pointer, which is not supported", uint64(flags))
	}
	var code int32
	id := c.lib.createBuffer(c.id, uint64(flags), uintptr(size), nil, unsafe.Pointer(&code))
	if err := check(fmt.Sprintf("clCreateBuffer(%d bytes)", size), code); err != nil {
		return nil, err
	}
	return &MemObject{lib: c.lib, id: id, size: size}, nil
}

// Size returns the buffer size in bytes, or 0 once released.
func (m *MemObject) Size() int {
	if m == nil || m.id == 0 {
		return 0
	}
	return m.size
}

// Release releases the buffer. Releasing twice is a no-op.
func (m *MemObject) Release() {
	if m == nil || m.id == 0 {
		return
	}
	m.lib.releaseMemObject(m.id)
	m.id = 0
}

func (m *MemObject) valid() bool {
	return m != nil && m.id != 0 && m.lib != nil && m.lib.handle != 0
}
