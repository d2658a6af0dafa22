package kernels

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/spectune/spectune/cl"
)

// The kernel families, compiled in this order into one program per method.
var (
	//go:embed common.cl
	commonSrc string
	//go:embed coeffs.cl
	coeffsSrc string
	//go:embed transfer.cl
	transferSrc string
	//go:embed loss.cl
	lossSrc string
	//go:embed grad.cl
	gradSrc string
)

// sources returns the program text: every family after its prerequisites.
func sources() []string {
	return []string{commonSrc, coeffsSrc, transferSrc, lossSrc, gradSrc}
}

// methodMacro maps a solver method name to its METHOD value in common.cl.
func methodMacro(name string) (string, bool) {
	switch name {
	case "ddim":
		return "METHOD_DDIM", true
	case "dps":
		return "METHOD_DPS", true
	case "pigdm":
		return "METHOD_PIGDM", true
	case "ddnm":
		return "METHOD_DDNM", true
	case "ddrm":
		return "METHOD_DDRM", true
	case "diffpir":
		return "METHOD_DIFFPIR", true
	case "oracle":
		return "METHOD_ORACLE", true
	}
	return "", false
}

// params are the per-device tunables of common.cl.
type params struct {
	// WGS is the work-group size, a power of two.
	WGS int
	// VW is the number of frequencies per work-item (an OpenCL vector
	// width: 1, 2, 4, 8 or 16).
	VW int
	// StepBarrier puts a barrier in every forward step (see common.cl).
	StepBarrier bool
	// ReduceSerial sums per-step gradients with one work-item instead of
	// a tree (see common.cl).
	ReduceSerial bool
	// LocalScratch allows the gradient record in __local memory where it
	// fits (see SCRATCH_LOCAL in common.cl).
	LocalScratch bool
	// NoWarn passes -w, silencing compiler warnings.
	NoWarn bool
}

// deviceParams is the per-device parameter table, with the GPU entry as
// the default for unknown accelerators. WGS is capped by the device's
// maximum work-group size.
//
// CPU devices (PoCL) get small groups of wide vectors: PoCL does not
// vectorise the loop over work-items of kernels whose work-items loop over
// steps, so the SIMD lanes come from VW = 8 frequencies per work-item, and
// each barrier costs a pass over the work-items, so groups stay small and
// sums serial. The gradient record goes to __local memory (a per-thread
// arena that stays in cache) where it fits. Measured on a 2-core AMD EPYC
// with `go test -run TestTune -tune=file` (bench_test.go) at 256²×1024:
// WGS 2 × VW 8 beat WGS 4-64 and VW 4, 16, and local scratch beat global by
// about 25%. NoWarn is set because clang's -Wpsabi notes about double8
// arguments of builtins on AVX2 fill PoCL's log; TestFamiliesCompileAlone
// checks that builds without it log no warning.
//
// GPUs get one frequency per work-item, wide groups and tree reductions.
func deviceParams(d *cl.Device) params {
	p := params{WGS: 128, VW: 1}
	if d.Type()&cl.DeviceTypeCPU != 0 {
		p = params{WGS: 2, VW: 8, StepBarrier: true, ReduceSerial: true, LocalScratch: true, NoWarn: true}
	}
	for lim := d.MaxWorkGroupSize(); lim > 0 && p.WGS > lim; {
		p.WGS /= 2
	}
	return p
}

// buildOptions returns the -D options of a method's program in sorted
// order, so that equal configurations give byte-identical option strings
// (and hit the driver's program cache).
func buildOptions(method string, p params, localScratch bool) string {
	m, _ := methodMacro(method)
	defs := map[string]string{
		"METHOD":        m,
		"SCRATCH_LOCAL": boolDef(localScratch),
		"WGS":           fmt.Sprint(p.WGS),
		"VW":            fmt.Sprint(p.VW),
		"STEP_BARRIER":  boolDef(p.StepBarrier),
		"REDUCE_SERIAL": boolDef(p.ReduceSerial),
	}
	keys := make([]string, 0, len(defs))
	for k := range defs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	opts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		opts = append(opts, "-D"+k+"="+defs[k])
	}
	if p.NoWarn {
		opts = append(opts, "-w")
	}
	return strings.Join(opts, " ")
}

func boolDef(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
