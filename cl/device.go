package cl

import (
	"strings"
	"unsafe"
)

// DeviceType is a cl_device_type bit set.
type DeviceType uint64

// DeviceTypeDefault selects the platform's default device.
const DeviceTypeDefault DeviceType = 1 << 0

// DeviceTypeCPU selects host CPU devices.
const DeviceTypeCPU DeviceType = 1 << 1

// DeviceTypeGPU selects GPUs.
const DeviceTypeGPU DeviceType = 1 << 2

// DeviceTypeAccelerator selects dedicated accelerators.
const DeviceTypeAccelerator DeviceType = 1 << 3

// DeviceTypeAll selects every device of a platform.
const DeviceTypeAll DeviceType = 0xFFFFFFFF

// String names the set bits, e.g. "CPU" or "GPU|Default".
func (t DeviceType) String() string {
	if t == DeviceTypeAll {
		return "All"
	}
	var parts []string
	for _, b := range []struct {
		bit  DeviceType
		name string
	}{{DeviceTypeCPU, "CPU"}, {DeviceTypeGPU, "GPU"}, {DeviceTypeAccelerator, "Accelerator"}, {DeviceTypeDefault, "Default"}, {1 << 4, "Custom"}} {
		if t&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "None"
	}
	return strings.Join(parts, "|")
}

const (
	clDeviceType                     = 0x1000
	clDeviceMaxComputeUnits          = 0x1002
	clDeviceMaxWorkGroupSize         = 0x1004
	clDeviceMaxMemAllocSize          = 0x1010
	clDeviceGlobalMemSize            = 0x101F
	clDeviceLocalMemSize             = 0x1023
	clDeviceName                     = 0x102B
	clDeviceVendor                   = 0x102C
	clDriverVersion                  = 0x102D
	clDeviceVersion                  = 0x102F
	clDeviceExtensions               = 0x1030
	clDeviceDoubleFPConfig           = 0x1032
	clDeviceOpenCLCVersion           = 0x103D
	clDeviceProfilingTimerResolution = 0x1025
)

// Device is an OpenCL device (cl_device_id). Devices are owned by their
// platform and need no release.
type Device struct {
	lib      *Library
	id       uintptr
	platform *Platform
}

func (d *Device) info() infoFunc {
	return func(param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32 {
		return d.lib.getDeviceInfo(d.id, param, size, value, sizeOut)
	}
}

// InfoString returns a string-valued device parameter; param is a raw
// CL_DEVICE_* value from cl.h. Unlike the convenience getters it reports
// failures.
func (d *Device) InfoString(param uint32) (string, error) {
	if d == nil || d.lib == nil || d.lib.handle == 0 {
		return "", errReleased("device")
	}
	return infoString("clGetDeviceInfo", d.info(), param)
}

// InfoUint returns an integer-valued device parameter (cl_uint, cl_bool,
// cl_ulong, size_t or a bitfield, decided by the size the driver reports);
// param is a raw CL_DEVICE_* value from cl.h.
func (d *Device) InfoUint(param uint32) (uint64, error) {
	if d == nil || d.lib == nil || d.lib.handle == 0 {
		return 0, errReleased("device")
	}
	return infoUint("clGetDeviceInfo", d.info(), param)
}

func (d *Device) str(param uint32) string {
	s, _ := d.InfoString(param)
	return s
}

func (d *Device) num(param uint32) uint64 {
	v, _ := d.InfoUint(param)
	return v
}

// Name returns CL_DEVICE_NAME, or "" if the query fails.
func (d *Device) Name() string { return d.str(clDeviceName) }

// Vendor returns CL_DEVICE_VENDOR, or "" if the query fails.
func (d *Device) Vendor() string { return d.str(clDeviceVendor) }

// Version returns CL_DEVICE_VERSION, or "" if the query fails.
func (d *Device) Version() string { return d.str(clDeviceVersion) }

// DriverVersion returns CL_DRIVER_VERSION, or "" if the query fails.
func (d *Device) DriverVersion() string { return d.str(clDriverVersion) }

// OpenCLCVersion returns CL_DEVICE_OPENCL_C_VERSION, the kernel language
// version the compiler accepts, or "" if the query fails.
func (d *Device) OpenCLCVersion() string { return d.str(clDeviceOpenCLCVersion) }

// Extensions returns the space-separated CL_DEVICE_EXTENSIONS, or "" if
// the query fails.
func (d *Device) Extensions() string { return d.str(clDeviceExtensions) }

// Type returns CL_DEVICE_TYPE, or 0 if the query fails.
func (d *Device) Type() DeviceType { return DeviceType(d.num(clDeviceType)) }

// MaxComputeUnits returns CL_DEVICE_MAX_COMPUTE_UNITS, or 0 if the query
// fails.
func (d *Device) MaxComputeUnits() int { return clampInt(d.num(clDeviceMaxComputeUnits)) }

// GlobalMemSize returns CL_DEVICE_GLOBAL_MEM_SIZE in bytes, or 0 if the
// query fails.
func (d *Device) GlobalMemSize() int64 { return clampInt64(d.num(clDeviceGlobalMemSize)) }

// MaxMemAllocSize returns CL_DEVICE_MAX_MEM_ALLOC_SIZE, the largest single
// buffer in bytes, or 0 if the query fails.
func (d *Device) MaxMemAllocSize() int64 { return clampInt64(d.num(clDeviceMaxMemAllocSize)) }

// LocalMemSize returns CL_DEVICE_LOCAL_MEM_SIZE in bytes, or 0 if the
// query fails.
func (d *Device) LocalMemSize() int64 { return clampInt64(d.num(clDeviceLocalMemSize)) }

// MaxWorkGroupSize returns CL_DEVICE_MAX_WORK_GROUP_SIZE, or 0 if the
// query fails. A kernel's own limit may be lower; see
// Kernel.WorkGroupSize.
func (d *Device) MaxWorkGroupSize() int { return clampInt(d.num(clDeviceMaxWorkGroupSize)) }

// DoubleFPConfig returns the CL_DEVICE_DOUBLE_FP_CONFIG bit set; 0 means
// no double precision support (or a failed query).
func (d *Device) DoubleFPConfig() uint64 { return d.num(clDeviceDoubleFPConfig) }

// HasFP64 reports whether kernels may use double. Both signals are checked
// because OpenCL 1.2 drivers advertise cl_khr_fp64 while some 3.0 drivers
// only fill in the fp config.
func (d *Device) HasFP64() bool {
	for _, e := range strings.Fields(d.Extensions()) {
		if e == "cl_khr_fp64" {
			return true
		}
	}
	return d.DoubleFPConfig() != 0
}

// ProfilingTimerResolution returns CL_DEVICE_PROFILING_TIMER_RESOLUTION in
// nanoseconds, or 0 if the query fails.
func (d *Device) ProfilingTimerResolution() int64 {
	return clampInt64(d.num(clDeviceProfilingTimerResolution))
}

// Platform returns the platform the device was listed from.
func (d *Device) Platform() *Platform {
	if d == nil {
		return nil
	}
	return d.platform
}

// String returns the device name, for log messages.
func (d *Device) String() string { return d.Name() }
