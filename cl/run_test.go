package cl

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// FP_CONTRACT OFF stops the compiler from fusing a*x+y into an fma, so
// the result is bit-identical to the Go computation below.
const axpySrc = `
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
__kernel void axpy(const int n, const double a, __global const double *x, __global double *y) {
	int i = get_global_id(0);
	if (i < n) {
		y[i] = a * x[i] + y[i];
	}
}
`

const sumSrc = `
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
__kernel void partial_sums(const int n, __global const double *x, __global double *out, __local double *scratch) {
	int gid = get_global_id(0);
	int lid = get_local_id(0);
	scratch[lid] = gid < n ? x[gid] : 0.0;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int s = get_local_size(0) / 2; s > 0; s /= 2) {
		if (lid < s) {
			scratch[lid] += scratch[lid + s];
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	if (lid == 0) {
		out[get_group_id(0)] = scratch[0];
	}
}
`

func roundUp(n, m int) int { return (n + m - 1) / m * m }

func TestAXPY(t *testing.T) {
	lib, d := testDevice(t)
	ctx, q := testQueue(t, lib, d)
	k := testKernel(t, ctx, d, axpySrc, "axpy")
	wg, err := k.WorkGroupSize(d)
	if err != nil {
		t.Fatal(err)
	}
	mult, err := k.PreferredWorkGroupSizeMultiple(d)
	if err != nil {
		t.Fatal(err)
	}
	if wg <= 0 || mult <= 0 {
		t.Fatalf("work group size %d, preferred multiple %d", wg, mult)
	}
	local := min(64, wg)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 93, 4096 + 3} {
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
			y[i] = rng.NormFloat64() * 1e3
		}
		a := math.Pi
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(a*x[i]) + y[i] // explicit conversion forbids fusing
		}
		xb, yb := testBuffer(t, ctx, n), testBuffer(t, ctx, n)
		ev, err := q.EnqueueWriteBufferFloat64(xb, true, 0, x, nil)
		mustEvent(t, ev, err)
		ev, err = q.EnqueueWriteBufferFloat64(yb, true, 0, y, nil)
		mustEvent(t, ev, err)
		if err := k.SetArgs(int32(n), a, xb, yb); err != nil {
			t.Fatal(err)
		}
		global := roundUp(n, local)
		ev, err = q.EnqueueNDRangeKernel(k, nil, []int{global}, []int{local}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, n)
		rev, err := q.EnqueueReadBufferFloat64(yb, true, 0, got, []*Event{ev})
		mustEvent(t, rev, err)
		ev.Release()
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, got[i], want[i])
			}
		}
	}
}

func TestAXPYDriverChosenLocalSizeAndOffset(t *testing.T) {
	lib, d := testDevice(t)
	ctx, q := testQueue(t, lib, d)
	k := testKernel(t, ctx, d, axpySrc, "axpy")
	const n = 10
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i], y[i] = float64(i), 100
	}
	xb, yb := testBuffer(t, ctx, n), testBuffer(t, ctx, n)
	ev, err := q.EnqueueWriteBufferFloat64(xb, true, 0, x, nil)
	mustEvent(t, ev, err)
	ev, err = q.EnqueueFillBufferFloat64(yb, 0.5, 0, n, nil)
	mustEvent(t, ev, err)
	// Overwrite the tail through an element offset.
	ev, err = q.EnqueueWriteBufferFloat64(yb, true, 4, y[4:], nil)
	mustEvent(t, ev, err)
	if err := k.SetArgs(int32(n), 2.0, xb, yb); err != nil {
		t.Fatal(err)
	}
	ev, err = q.EnqueueNDRangeKernel(k, []int{0}, []int{n}, nil, nil)
	mustEvent(t, ev, err)
	if err := q.Finish(); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, n-2)
	ev, err = q.EnqueueReadBufferFloat64(yb, true, 2, got, nil)
	mustEvent(t, ev, err)
	for i, g := range got {
		j := i + 2
		want := 2*float64(j) + 100
		if j < 4 {
			want = 2*float64(j) + 0.5
		}
		if g != want {
			t.Errorf("y[%d] = %v, want %v", j, g, want)
		}
	}
}

func TestLocalMemoryReduction(t *testing.T) {
	lib, d := testDevice(t)
	ctx, q := testQueue(t, lib, d)
	k := testKernel(t, ctx, d, sumSrc, "partial_sums")
	wg, err := k.WorkGroupSize(d)
	if err != nil {
		t.Fatal(err)
	}
	local := 64 // the tree reduction needs a power of two
	for local > wg {
		local /= 2
	}
	const n = 1000
	x := make([]float64, n)
	var want float64
	for i := range x {
		// Quarter-integers sum exactly in any order.
		x[i] = float64(i%17) * 0.25
		want += x[i]
	}
	global := roundUp(n, local)
	groups := global / local
	xb, ob := testBuffer(t, ctx, n), testBuffer(t, ctx, groups)
	ev, err := q.EnqueueWriteBufferFloat64(xb, true, 0, x, nil)
	mustEvent(t, ev, err)
	if err := k.SetArgs(int32(n), xb, ob, LocalBuffer(8*local)); err != nil {
		t.Fatal(err)
	}
	ev, err = q.EnqueueNDRangeKernel(k, nil, []int{global}, []int{local}, nil)
	mustEvent(t, ev, err)
	partial := make([]float64, groups)
	ev, err = q.EnqueueReadBufferFloat64(ob, true, 0, partial, nil)
	mustEvent(t, ev, err)
	var got float64
	for _, p := range partial {
		got += p
	}
	if got != want {
		t.Errorf("sum = %v, want %v (partials %v)", got, want, partial)
	}
}

func TestBuildErrorCarriesLog(t *testing.T) {
	lib, d := testDevice(t)
	ctx, _ := testQueue(t, lib, d)
	prog, err := ctx.CreateProgramWithSource([]string{"__kernel void broken(__global double *x) {\n", "  x[0] = 1.0 +;\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Release()
	err = prog.BuildProgram(nil, "")
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("BuildProgram error %v (%T), want *BuildError", err, err)
	}
	if strings.TrimSpace(be.Log) == "" || be.Device != d.Name() || be.Status != BuildProgramFailure {
		t.Errorf("BuildError %+v", be)
	}
	if !strings.Contains(err.Error(), be.Log[:min(20, len(be.Log))]) {
		t.Errorf("Error() %q does not include the log", err)
	}
	t.Logf("build error: %v", err)
	if _, err := prog.CreateKernel("broken"); err == nil {
		t.Error("CreateKernel on a failed build succeeded")
	}
	if err := prog.BuildProgram(nil, "bad\x00option"); err == nil {
		t.Error("options with NUL accepted")
	}
}

func TestProfilingDuration(t *testing.T) {
	lib, d := testDevice(t)
	ctx, q := testQueue(t, lib, d)
	k := testKernel(t, ctx, d, axpySrc, "axpy")
	const n = 1 << 16
	xb, yb := testBuffer(t, ctx, n), testBuffer(t, ctx, n)
	for _, b := range []*MemObject{xb, yb} {
		ev, err := q.EnqueueFillBufferFloat64(b, 1, 0, n, nil)
		mustEvent(t, ev, err)
	}
	if err := k.SetArgs(int32(n), 3.0, xb, yb); err != nil {
		t.Fatal(err)
	}
	ev, err := q.EnqueueNDRangeKernel(k, nil, []int{n}, []int{64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Release()
	dur, err := ev.Duration()
	if err != nil {
		t.Fatal(err)
	}
	if dur < 0 || dur > time.Minute {
		t.Errorf("duration %v", dur)
	}
	queued, err1 := ev.CommandQueued()
	submit, err2 := ev.CommandSubmit()
	end, err3 := ev.CommandEnd()
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if !(queued <= submit && submit <= end) {
		t.Errorf("timestamps queued %d submit %d end %d", queued, submit, end)
	}
	t.Logf("axpy n=%d took %v on %s", n, dur, d.Name())
	got := make([]float64, 3)
	rev, err := q.EnqueueReadBufferFloat64(yb, true, n-3, got, nil)
	mustEvent(t, rev, err)
	if got[0] != 4 || got[2] != 4 {
		t.Errorf("y tail %v, want 4s", got)
	}
}

func TestIntegerTransfersAndBounds(t *testing.T) {
	lib, d := testDevice(t)
	ctx, q := testQueue(t, lib, d)
	m, err := ctx.CreateBuffer(MemReadWrite, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if m.Size() != 16 {
		t.Errorf("Size() = %d", m.Size())
	}
	ev, err := q.EnqueueWriteBufferInt32(m, true, 0, []int32{-1, 2, -3, 4}, nil)
	mustEvent(t, ev, err)
	u := make([]uint32, 4)
	ev, err = q.EnqueueReadBufferUint32(m, true, 0, u, nil)
	mustEvent(t, ev, err)
	if u[0] != math.MaxUint32 || u[1] != 2 || u[2] != math.MaxUint32-2 || u[3] != 4 {
		t.Errorf("read back %v", u)
	}
	f := make([]float32, 2)
	ev, err = q.EnqueueReadBufferFloat32(m, true, 1, f, nil)
	mustEvent(t, ev, err)
	// An empty transfer still returns a usable event.
	ev, err = q.EnqueueReadBufferInt32(m, true, 4, nil, nil)
	if err != nil || ev == nil {
		t.Fatalf("empty read: %v, %v", ev, err)
	}
	if err := ev.Wait(); err != nil {
		t.Error(err)
	}
	ev.Release()
	for _, c := range []struct{ off, n int }{{0, 5}, {3, 2}, {-1, 1}, {5, 0}} {
		if _, err := q.EnqueueReadBufferInt32(m, true, c.off, make([]int32, c.n), nil); err == nil {
			t.Errorf("read of %d elements at %d from 4 succeeded", c.n, c.off)
		}
	}
	if _, err := ctx.CreateBuffer(MemReadWrite, 0); err == nil {
		t.Error("zero-size buffer accepted")
	}
	_, err = ctx.CreateBuffer(MemReadWrite, int(min(d.MaxMemAllocSize(), math.MaxInt/2))*2)
	var st Status
	if err == nil || !errors.As(err, &st) {
		t.Errorf("oversized buffer: %v", err)
	}
	t.Logf("oversized buffer: %v", err)
}

func TestSetArgOnDevice(t *testing.T) {
	lib, d := testDevice(t)
	ctx, _ := testQueue(t, lib, d)
	k := testKernel(t, ctx, d, axpySrc, "axpy")
	if err := k.SetArg(0, 5); err == nil || !strings.Contains(err.Error(), "int32") {
		t.Errorf("SetArg(int) = %v", err)
	}
	err := k.SetArg(9, int32(1))
	var st Status
	if !errors.As(err, &st) || st != -49 {
		t.Errorf("SetArg(bad index) = %v, want CL_INVALID_ARG_INDEX", err)
	}
	// A 4-byte value for the double parameter must be refused by OpenCL.
	if err := k.SetArg(1, float32(1)); !errors.As(err, &st) || st != -51 {
		t.Errorf("SetArg(float32 for double) = %v, want CL_INVALID_ARG_SIZE", err)
	}
	if k.Name() != "axpy" {
		t.Errorf("Name() = %q", k.Name())
	}
}

func TestReleaseTwice(t *testing.T) {
	lib, d := testDevice(t)
	ctx, err := lib.CreateContext([]*Device{d})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ctx.CreateCommandQueue(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := ctx.CreateProgramWithSource([]string{axpySrc})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.BuildProgram(nil, "-cl-std=CL1.2"); err != nil {
		t.Fatal(err)
	}
	k, err := prog.CreateKernel("axpy")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ctx.CreateBuffer(MemReadOnly, 64)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := q.EnqueueFillBufferFloat64(m, 0, 0, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Finish(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ev.Release()
		m.Release()
		k.Release()
		prog.Release()
		q.Release()
		ctx.Release()
	}
	if err := q.Finish(); err == nil {
		t.Error("Finish after Release succeeded")
	}
	if err := k.SetArg(0, int32(1)); err == nil {
		t.Error("SetArg after Release succeeded")
	}
	if _, err := ctx.CreateBuffer(MemReadWrite, 8); err == nil {
		t.Error("CreateBuffer after Release succeeded")
	}
	if err := ev.Wait(); err == nil {
		t.Error("Wait after Release succeeded")
	}
}
