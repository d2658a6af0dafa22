package cl

import (
	"fmt"
	"math"
	"unsafe"
)

const (
	clKernelWorkGroupSize                  = 0x11B0
	clKernelPreferredWorkGroupSizeMultiple = 0x11B3
)

// Kernel is an OpenCL kernel object (cl_kernel). Its arguments are state
// on the object, so a Kernel must not be configured from several
// goroutines at once.
type Kernel struct {
	lib  *Library
	id   uintptr
	name string
}

// LocalBuffer as a kernel argument reserves that many bytes of __local
// memory per work group; the kernel parameter must be a __local pointer.
type LocalBuffer int

// Name returns the kernel function name.
func (k *Kernel) Name() string {
	if k == nil {
		return ""
	}
	return k.name
}

// SetArg sets argument index. Only types with a fixed C size are
// accepted (int32, uint32, int64, uint64, float32, float64, *MemObject,
// LocalBuffer): passing a Go int where the kernel takes a 4-byte int
// would otherwise send the wrong number of bytes.
func (k *Kernel) SetArg(index int, value any) error {
	var (
		size uintptr
		ptr  unsafe.Pointer
	)
	switch v := value.(type) {
	case int32:
		size, ptr = 4, unsafe.Pointer(&v)
	case uint32:
		size, ptr = 4, unsafe.Pointer(&v)
	case float32:
		size, ptr = 4, unsafe.Pointer(&v)
	case int64:
		size, ptr = 8, unsafe.Pointer(&v)
	case uint64:
		size, ptr = 8, unsafe.Pointer(&v)
	case float64:
		size, ptr = 8, unsafe.Pointer(&v)
	case *MemObject:
		if !v.valid() {
			return fmt.Errorf("cl: SetArg(%s, %d): buffer is nil or released", k.Name(), index)
		}
		h := v.id
		size, ptr = unsafe.Sizeof(h), unsafe.Pointer(&h)
	case LocalBuffer:
		if v <= 0 {
			return fmt.Errorf("cl: SetArg(%s, %d): LocalBuffer size %d must be positive", k.Name(), index, int(v))
		}
		// A nil value with a size is how OpenCL allocates __local memory.
		size = uintptr(v)
	case int, uint, uintptr:
		return fmt.Errorf("cl: SetArg(%s, %d): Go %T has no fixed C size; use int32 or int64 (uint32 or uint64) to match the kernel parameter", k.Name(), index, value)
	default:
		return fmt.Errorf("cl: SetArg(%s, %d): unsupported type %T; use int32, uint32, int64, uint64, float32, float64, *MemObject or LocalBuffer", k.Name(), index, value)
	}
	if !k.valid() {
		return errReleased("kernel")
	}
	if index < 0 || uint64(index) > math.MaxUint32 {
		return fmt.Errorf("cl: SetArg(%s, %d): index out of range", k.Name(), index)
	}
	// OpenCL copies the value during the call, so pointing at a local
	// is enough.
	code := k.lib.setKernelArg(k.id, uint32(index), size, ptr)
	return check(fmt.Sprintf("clSetKernelArg(%s, %d, %T)", k.name, index, value), code)
}

// SetArgs sets arguments 0, 1, ... in order; see SetArg for the accepted
// types.
func (k *Kernel) SetArgs(values ...any) error {
	for i, v := range values {
		if err := k.SetArg(i, v); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kernel) workGroupInfo(d *Device, fn string, param uint32) (int, error) {
	if !k.valid() {
		return 0, errReleased("kernel")
	}
	if d == nil || d.lib != k.lib {
		return 0, fmt.Errorf("cl: %s: device is nil or from another library", fn)
	}
	f := func(param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32 {
		return k.lib.getKernelWorkGroupInfo(k.id, d.id, param, size, value, sizeOut)
	}
	v, err := infoUint("clGetKernelWorkGroupInfo", f, param)
	return clampInt(v), err
}

// WorkGroupSize returns CL_KERNEL_WORK_GROUP_SIZE: the largest work group
// this kernel can run with on d, which register or local memory use can
// push below Device.MaxWorkGroupSize.
func (k *Kernel) WorkGroupSize(d *Device) (int, error) {
	return k.workGroupInfo(d, "WorkGroupSize", clKernelWorkGroupSize)
}

// PreferredWorkGroupSizeMultiple returns
// CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE (the warp or SIMD width
// the driver prefers) for this kernel on d.
func (k *Kernel) PreferredWorkGroupSizeMultiple(d *Device) (int, error) {
	return k.workGroupInfo(d, "PreferredWorkGroupSizeMultiple", clKernelPreferredWorkGroupSizeMultiple)
}

// Release releases the kernel. Releasing twice is a no-op.
func (k *Kernel) Release() {
	if k == nil || k.id == 0 {
		return
	}
	k.lib.releaseKernel(k.id)
	k.id = 0
}

func (k *Kernel) valid() bool {
	return k != nil && k.id != 0 && k.lib != nil && k.lib.handle != 0
}
