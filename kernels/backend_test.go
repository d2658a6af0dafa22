package kernels

import (
	"testing"

	"github.com/spectune/spectune/cl/cltest"
	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/backendtest"
)

// openTest opens the backend on the device cltest picks, or skips (fails
// under SPECTUNE_REQUIRE_OPENCL=1) when there is none. The backend is
// closed by t.Cleanup.
func openTest(t testing.TB) *Backend {
	t.Helper()
	_, _, d := cltest.Device(t)
	if d == nil {
		return nil
	}
	infos, err := ListDevices()
	if err != nil {
		cltest.Unavailable(t, "%v", err)
		return nil
	}
	spec := ""
	for _, in := range infos {
		if in.Name == d.Name() && in.FP64 {
			spec = in.Spec()
			break
		}
	}
	b, err := Open(spec)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestContract(t *testing.T) {
	b := openTest(t)
	backendtest.Run(t, func(*testing.T) solver.Backend { return b })
}
