package cl

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// CommandQueueProperty is a cl_command_queue_properties bit set.
type CommandQueueProperty uint64

// CommandQueueOutOfOrderExecModeEnable lets the device reorder commands;
// ordering must then be expressed with wait lists.
const CommandQueueOutOfOrderExecModeEnable CommandQueueProperty = 1 << 0

// CommandQueueProfilingEnable makes events carry device timestamps (see
// Event.Duration).
const CommandQueueProfilingEnable CommandQueueProperty = 1 << 1

// CommandQueue is an OpenCL command queue (cl_command_queue) feeding one
// device.
type CommandQueue struct {
	lib    *Library
	id     uintptr
	device *Device
}

// CreateCommandQueue creates a queue for d. It uses the OpenCL 1.2 entry
// point clCreateCommandQueue (deprecated in 2.0 but still exported by all
// ICD loaders) so that 1.2-only drivers keep working.
func (c *Context) CreateCommandQueue(d *Device, props CommandQueueProperty) (*CommandQueue, error) {
	if !c.valid() {
		return nil, errReleased("context")
	}
	if d == nil || d.lib != c.lib {
		return nil, errors.New("cl: CreateCommandQueue: device is nil or from another library")
	}
	var code int32
	id := c.lib.createCommandQueue(c.id, d.id, uint64(props), unsafe.Pointer(&code))
	if err := check("clCreateCommandQueue", code); err != nil {
		return nil, err
	}
	return &CommandQueue{lib: c.lib, id: id, device: d}, nil
}

// Device returns the device the queue feeds.
func (q *CommandQueue) Device() *Device {
	if q == nil {
		return nil
	}
	return q.device
}

// Finish blocks until every command in the queue has completed.
func (q *CommandQueue) Finish() error {
	if !q.valid() {
		return errReleased("command queue")
	}
	return check("clFinish", q.lib.finish(q.id))
}

// Flush submits queued commands to the device without waiting for them.
func (q *CommandQueue) Flush() error {
	if !q.valid() {
		return errReleased("command queue")
	}
	return check("clFlush", q.lib.flush(q.id))
}

// Release releases the queue. Releasing twice is a no-op.
func (q *CommandQueue) Release() {
	if q == nil || q.id == 0 {
		return
	}
	q.lib.releaseCommandQueue(q.id)
	q.id = 0
}

func (q *CommandQueue) valid() bool {
	return q != nil && q.id != 0 && q.lib != nil && q.lib.handle != 0
}

// EnqueueNDRangeKernel launches k over globalSize work items (one entry
// per dimension, 1 to 3). globalOffset and localSize may be nil; a nil
// localSize lets the driver choose the work-group size. In OpenCL 1.2
// each globalSize entry must be a multiple of the matching localSize
// entry, so callers usually round up and guard with if (i < n).
func (q *CommandQueue) EnqueueNDRangeKernel(k *Kernel, globalOffset, globalSize, localSize []int, wait []*Event) (*Event, error) {
	if !q.valid() {
		return nil, errReleased("command queue")
	}
	if !k.valid() || k.lib != q.lib {
		return nil, errors.New("cl: EnqueueNDRangeKernel: kernel is nil, released or from another library")
	}
	dims := len(globalSize)
	if dims < 1 || dims > 3 {
		return nil, fmt.Errorf("cl: EnqueueNDRangeKernel(%s): %d dimensions, want 1 to 3", k.name, dims)
	}
	if globalOffset != nil && len(globalOffset) != dims || localSize != nil && len(localSize) != dims {
		return nil, fmt.Errorf("cl: EnqueueNDRangeKernel(%s): offset %v and local size %v must be nil or have %d entries like global size %v",
			k.name, globalOffset, localSize, dims, globalSize)
	}
	offset, err := sizes("global offset", globalOffset)
	if err != nil {
		return nil, err
	}
	global, err := sizes("global size", globalSize)
	if err != nil {
		return nil, err
	}
	local, err := sizes("local size", localSize)
	if err != nil {
		return nil, err
	}
	ids, err := eventIDs(wait)
	if err != nil {
		return nil, err
	}
	var ev uintptr
	code := q.lib.enqueueNDRangeKernel(q.id, k.id, uint32(dims), handlesPtr(offset), handlesPtr(global), handlesPtr(local),
		uint32(len(ids)), handlesPtr(ids), unsafe.Pointer(&ev))
	runtime.KeepAlive(offset)
	runtime.KeepAlive(global)
	runtime.KeepAlive(local)
	runtime.KeepAlive(ids)
	fn := fmt.Sprintf("clEnqueueNDRangeKernel(%s, global %v, local %v)", k.name, globalSize, localSize)
	if err := check(fn, code); err != nil {
		return nil, err
	}
	return &Event{lib: q.lib, id: ev}, nil
}

// sizes converts work sizes to size_t values, rejecting negatives that
// would otherwise wrap to huge unsigned numbers.
func sizes(what string, v []int) ([]uintptr, error) {
	if v == nil {
		return nil, nil
	}
	out := make([]uintptr, len(v))
	for i, x := range v {
		if x < 0 {
			return nil, fmt.Errorf("cl: EnqueueNDRangeKernel: negative %s %v", what, v)
		}
		out[i] = uintptr(x)
	}
	return out, nil
}

// marker enqueues a command that only completes after wait, giving empty
// transfers a real event so callers never have to special-case nil.
func (q *CommandQueue) marker(ids []uintptr) (*Event, error) {
	var ev uintptr
	code := q.lib.enqueueMarker(q.id, uint32(len(ids)), handlesPtr(ids), unsafe.Pointer(&ev))
	runtime.KeepAlive(ids)
	if err := check("clEnqueueMarkerWithWaitList", code); err != nil {
		return nil, err
	}
	return &Event{lib: q.lib, id: ev}, nil
}

// region validates a byte range of buf and returns it in bytes.
func region(op string, buf *MemObject, offsetElems, nElems, elemSize int) (offset, size int, err error) {
	if offsetElems < 0 || nElems < 0 {
		return 0, 0, fmt.Errorf("cl: %s: negative offset %d or length %d", op, offsetElems, nElems)
	}
	limit := buf.size / elemSize
	if offsetElems > limit || nElems > limit-offsetElems {
		return 0, 0, fmt.Errorf("cl: %s: elements [%d, %d+%d) exceed the %d-byte buffer (%d elements of %d bytes)",
			op, offsetElems, offsetElems, nElems, buf.size, limit, elemSize)
	}
	return offsetElems * elemSize, nElems * elemSize, nil
}

// transfer copies between Go memory and a buffer. It always blocks: with
// a non-blocking copy the driver would touch ptr after the call returns,
// when the garbage collector may already have reclaimed it.
func (q *CommandQueue) transfer(op string, write bool, buf *MemObject, offsetElems, nElems, elemSize int, ptr unsafe.Pointer, wait []*Event) (*Event, error) {
	if !q.valid() {
		return nil, errReleased("command queue")
	}
	if !buf.valid() || buf.lib != q.lib {
		return nil, fmt.Errorf("cl: %s: buffer is nil, released or from another library", op)
	}
	offset, size, err := region(op, buf, offsetElems, nElems, elemSize)
	if err != nil {
		return nil, err
	}
	ids, err := eventIDs(wait)
	if err != nil {
		return nil, err
	}
	if size == 0 {
		// OpenCL rejects zero-sized copies; a marker keeps the wait-list
		// and blocking semantics.
		ev, err := q.marker(ids)
		if err != nil {
			return nil, err
		}
		if err := ev.Wait(); err != nil {
			ev.Release()
			return nil, err
		}
		return ev, nil
	}
	f, name := q.lib.enqueueReadBuffer, "clEnqueueReadBuffer"
	if write {
		f, name = q.lib.enqueueWriteBuffer, "clEnqueueWriteBuffer"
	}
	var ev uintptr
	const blocking = 1 // CL_TRUE
	code := f(q.id, buf.id, blocking, uintptr(offset), uintptr(size), ptr, uint32(len(ids)), handlesPtr(ids), unsafe.Pointer(&ev))
	runtime.KeepAlive(ids)
	if err := check(name, code); err != nil {
		return nil, err
	}
	return &Event{lib: q.lib, id: ev}, nil
}

// EnqueueWriteBufferFloat64 copies data into buf starting at element
// offsetElems (counted in float64s, not bytes). The copy always completes
// before the call returns: blocking exists for go-opencl compatibility and
// is ignored, because the driver must not read Go memory afterwards.
func (q *CommandQueue) EnqueueWriteBufferFloat64(buf *MemObject, blocking bool, offsetElems int, data []float64, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueWriteBufferFloat64", true, buf, offsetElems, data, wait)
}

// EnqueueReadBufferFloat64 copies len(data) float64s from buf, starting
// at element offsetElems, into data. Like EnqueueWriteBufferFloat64 it
// always blocks and ignores blocking.
func (q *CommandQueue) EnqueueReadBufferFloat64(buf *MemObject, blocking bool, offsetElems int, data []float64, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueReadBufferFloat64", false, buf, offsetElems, data, wait)
}

// EnqueueWriteBufferFloat32 is EnqueueWriteBufferFloat64 for float32
// elements.
func (q *CommandQueue) EnqueueWriteBufferFloat32(buf *MemObject, blocking bool, offsetElems int, data []float32, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueWriteBufferFloat32", true, buf, offsetElems, data, wait)
}

// EnqueueReadBufferFloat32 is EnqueueReadBufferFloat64 for float32
// elements.
func (q *CommandQueue) EnqueueReadBufferFloat32(buf *MemObject, blocking bool, offsetElems int, data []float32, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueReadBufferFloat32", false, buf, offsetElems, data, wait)
}

// EnqueueWriteBufferInt32 is EnqueueWriteBufferFloat64 for int32
// elements.
func (q *CommandQueue) EnqueueWriteBufferInt32(buf *MemObject, blocking bool, offsetElems int, data []int32, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueWriteBufferInt32", true, buf, offsetElems, data, wait)
}

// EnqueueReadBufferInt32 is EnqueueReadBufferFloat64 for int32 elements.
func (q *CommandQueue) EnqueueReadBufferInt32(buf *MemObject, blocking bool, offsetElems int, data []int32, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueReadBufferInt32", false, buf, offsetElems, data, wait)
}

// EnqueueWriteBufferUint32 is EnqueueWriteBufferFloat64 for uint32
// elements.
func (q *CommandQueue) EnqueueWriteBufferUint32(buf *MemObject, blocking bool, offsetElems int, data []uint32, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueWriteBufferUint32", true, buf, offsetElems, data, wait)
}

// EnqueueReadBufferUint32 is EnqueueReadBufferFloat64 for uint32
// elements.
func (q *CommandQueue) EnqueueReadBufferUint32(buf *MemObject, blocking bool, offsetElems int, data []uint32, wait []*Event) (*Event, error) {
	return copyElems(q, "EnqueueReadBufferUint32", false, buf, offsetElems, data, wait)
}

// element is a buffer element type with a fixed C size.
type element interface {
	float64 | float32 | int32 | uint32
}

// copyElems copies data to (write) or from buf at element offsetElems,
// blocking, and keeps data alive until the driver is done with it.
func copyElems[T element](q *CommandQueue, name string, write bool, buf *MemObject, offsetElems int, data []T, wait []*Event) (*Event, error) {
	var zero T
	ev, err := q.transfer(name, write, buf, offsetElems, len(data), int(unsafe.Sizeof(zero)), unsafe.Pointer(unsafe.SliceData(data)), wait)
	runtime.KeepAlive(data)
	return ev, err
}

// EnqueueFillBufferFloat64 sets nElems float64s of buf, starting at
// element offsetElems, to value. It does not block: OpenCL copies the
// pattern during the call, so no Go memory outlives it.
func (q *CommandQueue) EnqueueFillBufferFloat64(buf *MemObject, value float64, offsetElems, nElems int, wait []*Event) (*Event, error) {
	const op = "EnqueueFillBufferFloat64"
	if !q.valid() {
		return nil, errReleased("command queue")
	}
	if !buf.valid() || buf.lib != q.lib {
		return nil, fmt.Errorf("cl: %s: buffer is nil, released or from another library", op)
	}
	offset, size, err := region(op, buf, offsetElems, nElems, 8)
	if err != nil {
		return nil, err
	}
	ids, err := eventIDs(wait)
	if err != nil {
		return nil, err
	}
	if size == 0 {
		return q.marker(ids)
	}
	pattern := math.Float64bits(value)
	var ev uintptr
	code := q.lib.enqueueFillBuffer(q.id, buf.id, unsafe.Pointer(&pattern), 8, uintptr(offset), uintptr(size),
		uint32(len(ids)), handlesPtr(ids), unsafe.Pointer(&ev))
	runtime.KeepAlive(ids)
	if err := check("clEnqueueFillBuffer", code); err != nil {
		return nil, err
	}
	return &Event{lib: q.lib, id: ev}, nil
}
