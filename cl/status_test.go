package cl

import (
	"errors"
	"testing"
)

func TestStatusError(t *testing.T) {
	for _, c := range []struct {
		s    Status
		want string
	}{
		{-5, "cl: CL_OUT_OF_RESOURCES (-5)"},
		{-1, "cl: CL_DEVICE_NOT_FOUND (-1)"},
		{-68, "cl: CL_INVALID_DEVICE_PARTITION_COUNT (-68)"},
		{-1001, "cl: CL_PLATFORM_NOT_FOUND_KHR (-1001)"},
		{-9999, "cl: unknown status (-9999)"},
		{-20, "cl: unknown status (-20)"},
	} {
		if got := c.s.Error(); got != c.want {
			t.Errorf("Status(%d).Error() = %q, want %q", int32(c.s), got, c.want)
		}
	}
}

func TestStatusTableIsComplete(t *testing.T) {
	for s := Status(-1); s >= -68; s-- {
		if s < -19 && s > -30 {
			continue // unassigned in OpenCL 1.2
		}
		if s.Name() == "unknown status" {
			t.Errorf("no name for %d", int32(s))
		}
	}
}

func TestCheckWrapsStatus(t *testing.T) {
	if check("clFinish", 0) != nil {
		t.Fatal("check(0) is not nil")
	}
	err := check("clBuildProgram", -11)
	if got, want := err.Error(), "cl: clBuildProgram: CL_BUILD_PROGRAM_FAILURE (-11)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var st Status
	if !errors.As(err, &st) || st != BuildProgramFailure {
		t.Errorf("errors.As gave %v", st)
	}
	if !errors.Is(err, BuildProgramFailure) {
		t.Error("errors.Is(err, BuildProgramFailure) is false")
	}
	be := &BuildError{Device: "dev", Log: "line 1: oops\n", Status: BuildProgramFailure}
	if got, want := be.Error(), "cl: clBuildProgram: CL_BUILD_PROGRAM_FAILURE (-11) on dev:\nline 1: oops"; got != want {
		t.Errorf("BuildError.Error() = %q, want %q", got, want)
	}
	if !errors.As(error(be), &st) || st != BuildProgramFailure {
		t.Error("errors.As on BuildError failed")
	}
}
