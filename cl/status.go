package cl

import (
	"errors"
	"strconv"
)

// Status is an OpenCL error code (cl_int). It implements error so that
// callers can recover the code from any error of this package with
// errors.As.
type Status int32

// Success is CL_SUCCESS; it is never returned as an error.
const Success Status = 0

// DeviceNotFound is CL_DEVICE_NOT_FOUND.
const DeviceNotFound Status = -1

// MemObjectAllocationFailure is CL_MEM_OBJECT_ALLOCATION_FAILURE.
const MemObjectAllocationFailure Status = -4

// OutOfResources is CL_OUT_OF_RESOURCES.
const OutOfResources Status = -5

// OutOfHostMemory is CL_OUT_OF_HOST_MEMORY.
const OutOfHostMemory Status = -6

// BuildProgramFailure is CL_BUILD_PROGRAM_FAILURE.
const BuildProgramFailure Status = -11

// InvalidValue is CL_INVALID_VALUE.
const InvalidValue Status = -30

// InvalidKernelArgs is CL_INVALID_KERNEL_ARGS.
const InvalidKernelArgs Status = -52

// InvalidWorkGroupSize is CL_INVALID_WORK_GROUP_SIZE.
const InvalidWorkGroupSize Status = -54

// InvalidBufferSize is CL_INVALID_BUFFER_SIZE.
const InvalidBufferSize Status = -61

// PlatformNotFoundKHR is CL_PLATFORM_NOT_FOUND_KHR, returned by the ICD
// loader when no vendor implementation is registered.
const PlatformNotFoundKHR Status = -1001

var statusNames = map[Status]string{
	0:     "CL_SUCCESS",
	-1:    "CL_DEVICE_NOT_FOUND",
	-2:    "CL_DEVICE_NOT_AVAILABLE",
	-3:    "CL_COMPILER_NOT_AVAILABLE",
	-4:    "CL_MEM_OBJECT_ALLOCATION_FAILURE",
	-5:    "CL_OUT_OF_RESOURCES",
	-6:    "CL_OUT_OF_HOST_MEMORY",
	-7:    "CL_PROFILING_INFO_NOT_AVAILABLE",
	-8:    "CL_MEM_COPY_OVERLAP",
	-9:    "CL_IMAGE_FORMAT_MISMATCH",
	-10:   "CL_IMAGE_FORMAT_NOT_SUPPORTED",
	-11:   "CL_BUILD_PROGRAM_FAILURE",
	-12:   "CL_MAP_FAILURE",
	-13:   "CL_MISALIGNED_SUB_BUFFER_OFFSET",
	-14:   "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
	-15:   "CL_COMPILE_PROGRAM_FAILURE",
	-16:   "CL_LINKER_NOT_AVAILABLE",
	-17:   "CL_LINK_PROGRAM_FAILURE",
	-18:   "CL_DEVICE_PARTITION_FAILED",
	-19:   "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
	-30:   "CL_INVALID_VALUE",
	-31:   "CL_INVALID_DEVICE_TYPE",
	-32:   "CL_INVALID_PLATFORM",
	-33:   "CL_INVALID_DEVICE",
	-34:   "CL_INVALID_CONTEXT",
	-35:   "CL_INVALID_QUEUE_PROPERTIES",
	-36:   "CL_INVALID_COMMAND_QUEUE",
	-37:   "CL_INVALID_HOST_PTR",
	-38:   "CL_INVALID_MEM_OBJECT",
	-39:   "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR",
	-40:   "CL_INVALID_IMAGE_SIZE",
	-41:   "CL_INVALID_SAMPLER",
	-42:   "CL_INVALID_BINARY",
	-43:   "CL_INVALID_BUILD_OPTIONS",
	-44:   "CL_INVALID_PROGRAM",
	-45:   "CL_INVALID_PROGRAM_EXECUTABLE",
	-46:   "CL_INVALID_KERNEL_NAME",
	-47:   "CL_INVALID_KERNEL_DEFINITION",
	-48:   "CL_INVALID_KERNEL",
	-49:   "CL_INVALID_ARG_INDEX",
	-50:   "CL_INVALID_ARG_VALUE",
	-51:   "CL_INVALID_ARG_SIZE",
	-52:   "CL_INVALID_KERNEL_ARGS",
	-53:   "CL_INVALID_WORK_DIMENSION",
	-54:   "CL_INVALID_WORK_GROUP_SIZE",
	-55:   "CL_INVALID_WORK_ITEM_SIZE",
	-56:   "CL_INVALID_GLOBAL_OFFSET",
	-57:   "CL_INVALID_EVENT_WAIT_LIST",
	-58:   "CL_INVALID_EVENT",
	-59:   "CL_INVALID_OPERATION",
	-60:   "CL_INVALID_GL_OBJECT",
	-61:   "CL_INVALID_BUFFER_SIZE",
	-62:   "CL_INVALID_MIP_LEVEL",
	-63:   "CL_INVALID_GLOBAL_WORK_SIZE",
	-64:   "CL_INVALID_PROPERTY",
	-65:   "CL_INVALID_IMAGE_DESCRIPTOR",
	-66:   "CL_INVALID_COMPILER_OPTIONS",
	-67:   "CL_INVALID_LINKER_OPTIONS",
	-68:   "CL_INVALID_DEVICE_PARTITION_COUNT",
	-1001: "CL_PLATFORM_NOT_FOUND_KHR",
}

// Name returns the C name of the code, e.g. "CL_OUT_OF_RESOURCES", or
// "unknown status" for codes outside OpenCL 1.2 (vendor extensions).
func (s Status) Name() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "unknown status"
}

// Error returns e.g. "cl: CL_OUT_OF_RESOURCES (-5)".
func (s Status) Error() string {
	return "cl: " + s.describe()
}

func (s Status) describe() string {
	return s.Name() + " (" + strconv.Itoa(int(s)) + ")"
}

// callError records which C function failed. It prints the status once,
// without a second "cl: " prefix, and unwraps to the Status.
type callError struct {
	fn     string
	status Status
}

func (e *callError) Error() string { return "cl: " + e.fn + ": " + e.status.describe() }

func (e *callError) Unwrap() error { return e.status }

// check turns a cl_int returned by fn into an error.
func check(fn string, code int32) error {
	if code == 0 {
		return nil
	}
	return &callError{fn: fn, status: Status(code)}
}

// statusOf reports the Status wrapped in err, if any.
func statusOf(err error) (Status, bool) {
	var st Status
	ok := errors.As(err, &st)
	return st, ok
}
