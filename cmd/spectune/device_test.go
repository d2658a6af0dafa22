package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spectune/spectune/cl/cltest"
	"github.com/spectune/spectune/kernels"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the spectune binary once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "spectune-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "spectune")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v", binErr)
	}
	return binPath
}

// TestNoOpenCL runs the binary where the ICD loader finds no platform:
// auto runs on the CPU saying why exactly once, an explicit --device opencl
// exits 3.
func TestNoOpenCL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	bin := binary(t)
	env := append(os.Environ(), "OCL_ICD_VENDORS="+t.TempDir(), "OPENCL_VENDOR_PATH="+t.TempDir())
	cmd := exec.Command(bin, "compare", "--size", "8", "--steps", "4", "--iters", "2", "--quiet", "--methods", "dps,pigdm")
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "| dps |") {
		t.Fatalf("auto without OpenCL: %v\n%s\n%s", err, out, stderr.String())
	}
	if n := strings.Count(stderr.String(), "pure-Go CPU backend"); n != 1 {
		t.Errorf("auto without OpenCL said why %d times, want once:\n%s", n, stderr.String())
	}
	cmd = exec.Command(bin, "eval", "--size", "8", "--steps", "4", "--device", "opencl")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitNoOpenCL || !strings.Contains(string(out), "no OpenCL") {
		t.Errorf("--device opencl without OpenCL: %v\n%s", err, out)
	}
	cmd = exec.Command(bin, "devices")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "auto: the pure-Go CPU backend") {
		t.Errorf("devices without OpenCL: %v\n%s", err, out)
	}
}

// TestTuneOpenCLMatchesCPU tunes the same problems on both backends, knobs
// alone and jointly with the grid.
func TestTuneOpenCLMatchesCPU(t *testing.T) {
	cltest.SetPoCLCacheDir()
	if _, err := kernels.ListDevices(); err != nil {
		cltest.Unavailable(t, "%v", err)
		return
	}
	_, _, d := cltest.Device(t)
	if d == nil {
		return
	}
	for _, extra := range [][]string{
		{"--bands", "2", "--method", "diffpir"},
		{"--method", "dps", "--free", "grid,zeta"}, // the grid gradient kernel
	} {
		loss := func(device string) float64 {
			dir := t.TempDir()
			args := append([]string{"tune", "--size", "24x20", "--steps", "16", "--iters", "40", "--quiet", "--device", device, "--out", dir}, extra...)
			_, stderr, code := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%v --device %s: exit %d: %s", extra, device, code, stderr)
			}
			var rep report
			b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if device == "opencl" && !strings.HasPrefix(rep.Provenance.Backend, "opencl") {
				t.Errorf("report backend %q", rep.Provenance.Backend)
			}
			return rep.Loss.Tuned.Total
		}
		c, o := loss("cpu"), loss("opencl")
		if math.Abs(c-o) > 1e-9*c {
			t.Errorf("%v: tuned loss on cpu %.15g, on opencl %.15g", extra, c, o)
		}
	}
}
