package cl

import (
	"errors"
	"strings"
	"testing"
)

// fakeLoader pretends to be dlopen/dlsym so that loading can be tested
// without OpenCL. Symbol addresses are never called.
type fakeLoader struct {
	libs    map[string]uintptr // library name -> handle; others fail
	missing map[string]bool    // symbols that Lookup reports as absent
	closed  []uintptr
}

func (f *fakeLoader) Open(name string) (uintptr, error) {
	if h, ok := f.libs[name]; ok {
		return h, nil
	}
	return 0, errors.New(name + ": cannot open shared object file")
}

func (f *fakeLoader) Lookup(handle uintptr, sym string) (uintptr, error) {
	if f.missing[sym] {
		return 0, errors.New("undefined symbol: " + sym)
	}
	return 0x1000, nil
}

func (f *fakeLoader) Close(handle uintptr) error {
	f.closed = append(f.closed, handle)
	return nil
}

func TestLoadNoLibrary(t *testing.T) {
	lib, err := LoadWith(&fakeLoader{})
	if err == nil || lib != nil {
		t.Fatalf("LoadWith = %v, %v; want an error", lib, err)
	}
	want := "cl: no OpenCL library: libOpenCL.so.1: libOpenCL.so.1: cannot open shared object file; libOpenCL.so: libOpenCL.so: cannot open shared object file"
	if err.Error() != want {
		t.Errorf("error\n got %q\nwant %q", err, want)
	}
}

func TestLoadFallsBackToUnversionedName(t *testing.T) {
	f := &fakeLoader{libs: map[string]uintptr{"libOpenCL.so": 7}}
	lib, err := LoadWith(f)
	if err != nil {
		t.Fatal(err)
	}
	if lib.getPlatformIDs == nil || lib.releaseEvent == nil {
		t.Error("functions were not registered")
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if len(f.closed) != 1 || f.closed[0] != 7 {
		t.Errorf("closed handles %v, want [7]", f.closed)
	}
	if _, err := lib.GetPlatforms(); err == nil {
		t.Error("GetPlatforms after Close succeeded")
	}
}

func TestLoadMissingSymbol(t *testing.T) {
	f := &fakeLoader{
		libs:    map[string]uintptr{"libOpenCL.so.1": 3},
		missing: map[string]bool{"clEnqueueFillBuffer": true},
	}
	lib, err := LoadWith(f)
	if err == nil || lib != nil {
		t.Fatalf("LoadWith = %v, %v; want an error", lib, err)
	}
	if !strings.Contains(err.Error(), "clEnqueueFillBuffer") || !strings.HasPrefix(err.Error(), "cl: ") {
		t.Errorf("error %q does not name the missing symbol", err)
	}
	if len(f.closed) != 1 || f.closed[0] != 3 {
		t.Errorf("closed handles %v, want [3]: the unusable library must be closed", f.closed)
	}
}

func TestLoadNilHandleAndNilLoader(t *testing.T) {
	if _, err := LoadWith(nil); err == nil {
		t.Error("LoadWith(nil) succeeded")
	}
	f := &fakeLoader{libs: map[string]uintptr{"libOpenCL.so.1": 0, "libOpenCL.so": 0}}
	if _, err := LoadWith(f); err == nil || !strings.Contains(err.Error(), "nil handle") {
		t.Errorf("nil handle: got %v", err)
	}
}
