package cl

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// testDevice returns the first fp64 OpenCL device, skipping the test when
// there is none unless SPECTUNE_REQUIRE_OPENCL=1, which makes it fail.
// It mirrors cltest.Device, which this package cannot import (cycle).
func testDevice(t *testing.T) (*Library, *Device) {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("SPECTUNE_REQUIRE_OPENCL") == "1" {
			t.Fatalf("OpenCL required (SPECTUNE_REQUIRE_OPENCL=1) but unavailable: %s", msg)
		}
		t.Skipf("OpenCL unavailable, skipping (set SPECTUNE_REQUIRE_OPENCL=1 to fail instead): %s", msg)
	}
	// PoCL lists no devices without a writable cache dir; see
	// cltest.SetPoCLCacheDir for why this is process-wide.
	if os.Getenv("POCL_CACHE_DIR") == "" {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("spectune-pocl-cache-%d", os.Getuid()))
		if err := os.MkdirAll(dir, 0o700); err == nil {
			os.Setenv("POCL_CACHE_DIR", dir)
		}
	}
	lib, err := Load()
	if err != nil {
		unavailable("%v", err)
	}
	t.Cleanup(func() {
		if err := lib.Close(); err != nil {
			t.Error(err)
		}
	})
	platforms, err := lib.GetPlatforms()
	if err != nil {
		unavailable("%v", err)
	}
	for _, p := range platforms {
		devices, err := p.GetDevices(DeviceTypeAll)
		if err != nil {
			t.Logf("platform %q: %v", p.Name(), err)
			continue
		}
		for _, d := range devices {
			if d.HasFP64() {
				return lib, d
			}
		}
	}
	unavailable("no fp64 device in %d platform(s)", len(platforms))
	return nil, nil
}

// testQueue creates a context and a profiling queue on d, released at
// the end of the test.
func testQueue(t *testing.T, lib *Library, d *Device) (*Context, *CommandQueue) {
	t.Helper()
	ctx, err := lib.CreateContext([]*Device{d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctx.Release)
	q, err := ctx.CreateCommandQueue(d, CommandQueueProfilingEnable)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Release)
	return ctx, q
}

// testKernel builds src for d and returns the named kernel.
func testKernel(t *testing.T, ctx *Context, d *Device, src, name string) *Kernel {
	t.Helper()
	prog, err := ctx.CreateProgramWithSource([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prog.Release)
	if err := prog.BuildProgram([]*Device{d}, ""); err != nil {
		t.Fatal(err)
	}
	k, err := prog.CreateKernel(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Release)
	return k
}

// testBuffer allocates n float64s, released at the end of the test.
func testBuffer(t *testing.T, ctx *Context, n int) *MemObject {
	t.Helper()
	m, err := ctx.CreateBuffer(MemReadWrite, 8*n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Release)
	return m
}

// mustEvent fails the test on err and otherwise releases ev.
func mustEvent(t *testing.T, ev *Event, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ev.Release()
}
