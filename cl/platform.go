package cl

import (
	"runtime"
	"unsafe"
)

const (
	clPlatformProfile    = 0x0900
	clPlatformVersion    = 0x0901
	clPlatformName       = 0x0902
	clPlatformVendor     = 0x0903
	clPlatformExtensions = 0x0904
)

// Platform is an OpenCL implementation (cl_platform_id) registered with the
// ICD loader, e.g. PoCL or a GPU vendor's driver.
type Platform struct {
	lib *Library
	id  uintptr
}

// GetPlatforms lists the installed OpenCL platforms. An ICD loader without
// any registered implementation yields an empty slice, not an error.
func (l *Library) GetPlatforms() ([]*Platform, error) {
	if l == nil || l.handle == 0 {
		return nil, errReleased("library")
	}
	var n uint32
	err := check("clGetPlatformIDs", l.getPlatformIDs(0, nil, unsafe.Pointer(&n)))
	if st, ok := statusOf(err); ok && st == PlatformNotFoundKHR {
		return []*Platform{}, nil
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []*Platform{}, nil
	}
	ids := make([]uintptr, n)
	err = check("clGetPlatformIDs", l.getPlatformIDs(n, unsafe.Pointer(&ids[0]), unsafe.Pointer(&n)))
	runtime.KeepAlive(ids)
	if err != nil {
		return nil, err
	}
	ps := make([]*Platform, 0, n)
	for _, id := range ids[:min(int(n), len(ids))] {
		ps = append(ps, &Platform{lib: l, id: id})
	}
	return ps, nil
}

func (p *Platform) info() infoFunc {
	return func(param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32 {
		return p.lib.getPlatformInfo(p.id, param, size, value, sizeOut)
	}
}

// InfoString returns a string-valued platform parameter; param is a raw
// CL_PLATFORM_* value from cl.h. Unlike the convenience getters it reports
// failures.
func (p *Platform) InfoString(param uint32) (string, error) {
	if p == nil || p.lib == nil {
		return "", errReleased("platform")
	}
	return infoString("clGetPlatformInfo", p.info(), param)
}

func (p *Platform) str(param uint32) string {
	s, _ := p.InfoString(param)
	return s
}

// Name returns CL_PLATFORM_NAME, or "" if the query fails.
func (p *Platform) Name() string { return p.str(clPlatformName) }

// Vendor returns CL_PLATFORM_VENDOR, or "" if the query fails.
func (p *Platform) Vendor() string { return p.str(clPlatformVendor) }

// Version returns CL_PLATFORM_VERSION, e.g. "OpenCL 3.0 PoCL 3.1", or ""
// if the query fails.
func (p *Platform) Version() string { return p.str(clPlatformVersion) }

// Profile returns CL_PLATFORM_PROFILE (FULL_PROFILE or EMBEDDED_PROFILE),
// or "" if the query fails.
func (p *Platform) Profile() string { return p.str(clPlatformProfile) }

// Extensions returns the space-separated CL_PLATFORM_EXTENSIONS, or "" if
// the query fails.
func (p *Platform) Extensions() string { return p.str(clPlatformExtensions) }

// String returns the platform name, for log messages.
func (p *Platform) String() string { return p.Name() }

// GetDevices lists the platform's devices of the given type. A platform
// without such devices yields an empty slice, not an error, because that
// is an ordinary outcome when probing for GPUs.
func (p *Platform) GetDevices(t DeviceType) ([]*Device, error) {
	if p == nil || p.lib == nil || p.lib.handle == 0 {
		return nil, errReleased("platform")
	}
	l := p.lib
	var n uint32
	err := check("clGetDeviceIDs", l.getDeviceIDs(p.id, uint64(t), 0, nil, unsafe.Pointer(&n)))
	if st, ok := statusOf(err); ok && st == DeviceNotFound {
		return []*Device{}, nil
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []*Device{}, nil
	}
	ids := make([]uintptr, n)
	err = check("clGetDeviceIDs", l.getDeviceIDs(p.id, uint64(t), n, unsafe.Pointer(&ids[0]), unsafe.Pointer(&n)))
	runtime.KeepAlive(ids)
	if err != nil {
		return nil, err
	}
	ds := make([]*Device, 0, n)
	for _, id := range ids[:min(int(n), len(ids))] {
		ds = append(ds, &Device{lib: l, id: id, platform: p})
	}
	return ds, nil
}
