package cl

import (
	"strings"
	"testing"
)

func TestPlatformsAndDevices(t *testing.T) {
	lib, d := testDevice(t)
	platforms, err := lib.GetPlatforms()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range platforms {
		t.Logf("platform %q vendor %q version %q", p.Name(), p.Vendor(), p.Version())
		devices, err := p.GetDevices(DeviceTypeAll)
		if err != nil {
			t.Fatal(err)
		}
		for _, dev := range devices {
			t.Logf("  device %q type %v units %d global %d MiB maxalloc %d MiB local %d KiB wg %d fp64 %v (%#x) driver %q",
				dev.Name(), dev.Type(), dev.MaxComputeUnits(), dev.GlobalMemSize()>>20, dev.MaxMemAllocSize()>>20,
				dev.LocalMemSize()>>10, dev.MaxWorkGroupSize(), dev.HasFP64(), dev.DoubleFPConfig(), dev.DriverVersion())
		}
	}
	if d.Name() == "" || d.Vendor() == "" || !strings.HasPrefix(d.Version(), "OpenCL ") {
		t.Errorf("device strings: name %q vendor %q version %q", d.Name(), d.Vendor(), d.Version())
	}
	if d.Type() == 0 || d.MaxComputeUnits() <= 0 || d.GlobalMemSize() <= 0 || d.MaxMemAllocSize() <= 0 ||
		d.LocalMemSize() <= 0 || d.MaxWorkGroupSize() <= 0 {
		t.Errorf("device numbers look wrong: type %v units %d global %d alloc %d local %d wg %d",
			d.Type(), d.MaxComputeUnits(), d.GlobalMemSize(), d.MaxMemAllocSize(), d.LocalMemSize(), d.MaxWorkGroupSize())
	}
	if !d.HasFP64() {
		t.Error("testDevice returned a device without fp64")
	}
	p := d.Platform()
	if p == nil || p.Name() == "" || !strings.HasPrefix(p.Version(), "OpenCL ") {
		t.Fatalf("device platform %v", p)
	}
	if _, err := d.InfoString(0x7fff); err == nil {
		t.Error("InfoString with a bogus parameter succeeded")
	}
	// Asking for a device type the platform lacks must give an empty
	// list; every PoCL/GPU platform lacks at least one of these.
	for _, typ := range []DeviceType{DeviceTypeCPU, DeviceTypeGPU, DeviceTypeAccelerator} {
		ds, err := p.GetDevices(typ)
		if err != nil {
			t.Errorf("GetDevices(%v): %v", typ, err)
		}
		if ds == nil {
			t.Errorf("GetDevices(%v) returned nil, want a non-nil slice", typ)
		}
	}
}
