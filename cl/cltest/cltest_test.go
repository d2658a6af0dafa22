package cltest

import (
	"os"
	"testing"
)

func TestDevice(t *testing.T) {
	lib, p, d := Device(t)
	if lib == nil || p == nil || d == nil {
		t.Fatal("Device returned nil without skipping")
	}
	if !d.HasFP64() || d.Platform() != p {
		t.Errorf("device %q fp64 %v platform %v, want fp64 on %v", d.Name(), d.HasFP64(), d.Platform(), p)
	}
	if os.Getenv("POCL_CACHE_DIR") == "" {
		t.Error("POCL_CACHE_DIR is still unset")
	}
	t.Logf("using %q on %q", d.Name(), p.Name())
}

func TestFindFP64DeviceFilter(t *testing.T) {
	lib, _, _ := Device(t)
	if _, _, err := FindFP64Device(lib, "no such device \x01"); err == nil {
		t.Error("impossible name filter matched")
	} else {
		t.Log(err)
	}
}
