package cl

import (
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

const (
	clProfilingCommandQueued = 0x1280
	clProfilingCommandSubmit = 0x1281
	clProfilingCommandStart  = 0x1282
	clProfilingCommandEnd    = 0x1283
)

// Event is an OpenCL event (cl_event) marking one enqueued command. Every
// event returned by an Enqueue method must be released by the caller.
type Event struct {
	lib *Library
	id  uintptr
}

// Wait blocks until the command has finished.
func (e *Event) Wait() error {
	if !e.valid() {
		return errReleased("event")
	}
	id := e.id
	return check("clWaitForEvents", e.lib.waitForEvents(1, unsafe.Pointer(&id)))
}

// WaitForEvents blocks until all events have finished.
func (l *Library) WaitForEvents(events []*Event) error {
	if l == nil || l.handle == 0 {
		return errReleased("library")
	}
	ids, err := eventIDs(events)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	err = check("clWaitForEvents", l.waitForEvents(uint32(len(ids)), unsafe.Pointer(&ids[0])))
	runtime.KeepAlive(ids)
	return err
}

func (e *Event) profile(param uint32) (int64, error) {
	if !e.valid() {
		return 0, errReleased("event")
	}
	f := func(param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32 {
		return e.lib.getEventProfilingInfo(e.id, param, size, value, sizeOut)
	}
	v, err := infoUint("clGetEventProfilingInfo", f, param)
	return clampInt64(v), err
}

// CommandQueued returns the device time in nanoseconds at which the
// command was enqueued. The queue must have been created with
// CommandQueueProfilingEnable and the command must have finished.
func (e *Event) CommandQueued() (int64, error) { return e.profile(clProfilingCommandQueued) }

// CommandSubmit returns the device time in nanoseconds at which the
// command was submitted to the device.
func (e *Event) CommandSubmit() (int64, error) { return e.profile(clProfilingCommandSubmit) }

// CommandStart returns the device time in nanoseconds at which the
// command started executing.
func (e *Event) CommandStart() (int64, error) { return e.profile(clProfilingCommandStart) }

// CommandEnd returns the device time in nanoseconds at which the command
// finished executing.
func (e *Event) CommandEnd() (int64, error) { return e.profile(clProfilingCommandEnd) }

// Duration waits for the command and returns its execution time on the
// device (end - start). Waiting first avoids
// CL_PROFILING_INFO_NOT_AVAILABLE for commands still in flight.
func (e *Event) Duration() (time.Duration, error) {
	if err := e.Wait(); err != nil {
		return 0, err
	}
	start, err := e.CommandStart()
	if err != nil {
		return 0, err
	}
	end, err := e.CommandEnd()
	if err != nil {
		return 0, err
	}
	if end < start {
		return 0, fmt.Errorf("cl: event profiling end %d precedes start %d", end, start)
	}
	return time.Duration(end - start), nil
}

// Release releases the event. Releasing twice is a no-op.
func (e *Event) Release() {
	if e == nil || e.id == 0 {
		return
	}
	e.lib.releaseEvent(e.id)
	e.id = 0
}

func (e *Event) valid() bool {
	return e != nil && e.id != 0 && e.lib != nil && e.lib.handle != 0
}

// eventIDs converts a wait list into the cl_event array C expects.
func eventIDs(events []*Event) ([]uintptr, error) {
	if len(events) == 0 {
		return nil, nil
	}
	ids := make([]uintptr, len(events))
	for i, e := range events {
		if !e.valid() {
			return nil, errors.New("cl: wait list holds a nil or released event")
		}
		ids[i] = e.id
	}
	return ids, nil
}
