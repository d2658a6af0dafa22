// Package cl is a small OpenCL 1.2 binding that needs no cgo.
//
// The OpenCL ICD loader (libOpenCL.so.1) is opened at run time with
// github.com/ebitengine/purego, so binaries build with CGO_ENABLED=0 and
// still start on machines without OpenCL: [Load] then simply returns an
// error that callers can turn into a skip or a CPU fallback.
//
// A typical session:
//
//	lib, err := cl.Load()
//	platforms, err := lib.GetPlatforms()
//	devices, err := platforms[0].GetDevices(cl.DeviceTypeAll)
//	ctx, err := lib.CreateContext(devices[:1])
//	queue, err := ctx.CreateCommandQueue(devices[0], cl.CommandQueueProfilingEnable)
//	prog, err := ctx.CreateProgramWithSource([]string{src})
//	err = prog.BuildProgram(nil, "")
//	kernel, err := prog.CreateKernel("axpy")
//	xBuf, err := ctx.CreateBuffer(cl.MemReadOnly, 8*n)
//	yBuf, err := ctx.CreateBuffer(cl.MemReadWrite, 8*n)
//	ev, err := queue.EnqueueWriteBufferFloat64(xBuf, true, 0, x, nil) // always blocks
//	err = kernel.SetArgs(int32(n), 2.0, xBuf, yBuf) // typed: a Go int is refused
//	ev, err = queue.EnqueueNDRangeKernel(kernel, nil, []int{global}, []int{local}, nil)
//
// Every object has an idempotent Release method and no finalizer: the
// caller owns the lifetime, which keeps GPU memory use predictable. Release
// objects before closing the [Library] that created them.
//
// Go memory is only ever handed to OpenCL for the duration of a call that
// does not retain it, which is why the typed buffer transfers always block.
//
// Failed OpenCL calls return errors that name the C function and wrap a
// [Status], so errors.As(err, &status) recovers the OpenCL error code.
// All error messages start with "cl: ".
package cl
