// Package cltest finds an OpenCL device for tests, or skips them.
//
// Tests that need OpenCL call Device. Without an OpenCL library or a
// double-precision device the test is skipped, unless the environment
// variable SPECTUNE_REQUIRE_OPENCL is 1 (as on CI machines that are meant
// to have a device), in which case it fails.
package cltest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spectune/spectune/cl"
)

// RequireEnv is the environment variable that turns "no OpenCL" skips
// into failures when set to 1.
const RequireEnv = "SPECTUNE_REQUIRE_OPENCL"

// DeviceEnv optionally names a substring of the device name to pick, for
// machines with several fp64 devices (e.g. a GPU next to PoCL).
const DeviceEnv = "SPECTUNE_OPENCL_DEVICE"

// Device loads OpenCL and returns the first device with double precision
// support (restricted to names containing $SPECTUNE_OPENCL_DEVICE when
// set) together with its platform. The library is closed by t.Cleanup, so
// objects created from it must be released before the test returns.
func Device(t testing.TB) (*cl.Library, *cl.Platform, *cl.Device) {
	t.Helper()
	if err := SetPoCLCacheDir(); err != nil {
		t.Logf("cltest: %v", err)
	}
	lib, err := cl.Load()
	if err != nil {
		Unavailable(t, "%v", err)
		return nil, nil, nil
	}
	t.Cleanup(func() { _ = lib.Close() })
	p, d, err := FindFP64Device(lib, os.Getenv(DeviceEnv))
	if err != nil {
		Unavailable(t, "%v", err)
		return nil, nil, nil
	}
	return lib, p, d
}

// FindFP64Device returns the first device of any platform that supports
// double precision and whose name contains nameFilter ("" matches all).
func FindFP64Device(lib *cl.Library, nameFilter string) (*cl.Platform, *cl.Device, error) {
	platforms, err := lib.GetPlatforms()
	if err != nil {
		return nil, nil, err
	}
	var seen []string
	for _, p := range platforms {
		devices, err := p.GetDevices(cl.DeviceTypeAll)
		if err != nil {
			seen = append(seen, fmt.Sprintf("%s: %v", p.Name(), err))
			continue
		}
		for _, d := range devices {
			seen = append(seen, fmt.Sprintf("%s: %s (fp64 %v)", p.Name(), d.Name(), d.HasFP64()))
			if d.HasFP64() && strings.Contains(d.Name(), nameFilter) {
				return p, d, nil
			}
		}
	}
	if len(seen) == 0 {
		return nil, nil, fmt.Errorf("cl: no OpenCL device in %d platform(s)", len(platforms))
	}
	return nil, nil, fmt.Errorf("cl: no fp64 OpenCL device matching %q among [%s]", nameFilter, strings.Join(seen, "; "))
}

// Unavailable skips the test, or fails it when SPECTUNE_REQUIRE_OPENCL=1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("OpenCL required (%s=1) but unavailable: %s", RequireEnv, msg)
	}
	t.Skipf("OpenCL unavailable, skipping (set %s=1 to fail instead): %s", RequireEnv, msg)
}

// SetPoCLCacheDir points PoCL's kernel cache at a per-user directory
// under os.TempDir when POCL_CACHE_DIR is unset, because PoCL lists no
// devices when its default cache ($HOME/.cache) is not writable.
//
// It uses os.Setenv rather than t.Setenv: PoCL reads the variable once per
// process, so restoring it after a test would be meaningless, a per-test
// directory would be deleted while PoCL still uses it, and t.Setenv
// panics in parallel tests.
func SetPoCLCacheDir() error {
	if os.Getenv("POCL_CACHE_DIR") != "" {
		return nil
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("spectune-pocl-cache-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating PoCL cache dir: %w", err)
	}
	return os.Setenv("POCL_CACHE_DIR", dir)
}
