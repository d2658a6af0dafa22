package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/spectune/spectune/cl/cltest"
	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/kernels"
	"github.com/spectune/spectune/solver"
)

func problem(b *testing.B, method string, n, T int) *solver.Problem {
	b.Helper()
	p, err := Problem(method, n, T)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// benchEval times one loss+gradient evaluation per iteration; with grid,
// the knobs carry their own grid and the gradient includes ∂L/∂ᾱ (what
// tune --free grid,KNOBS evaluates).
func benchEval(b *testing.B, backend solver.Backend, p *solver.Problem, grid bool) {
	ev, err := backend.Prepare(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	k := p.Project(p.Heuristic())
	grad := make([][]float64, len(k.Values))
	for q := range grad {
		grad[q] = make([]float64, len(k.Values[q]))
	}
	if grid {
		k.Abar = append([]float64(nil), p.Grid.Abar...)
		grad = append(grad, make([]float64, len(k.Abar)))
	}
	// One untimed evaluation warms caches and builds device programs.
	if _, err := ev.Evaluate(context.Background(), k, grad); err != nil {
		b.Fatal(err)
	}
	ResetPeak()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ev.Evaluate(context.Background(), k, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.N()*p.T()*b.N)/b.Elapsed().Seconds(), "freqsteps/s")
	b.ReportMetric(PeakMiB(), "peak-MiB")
}

// openCL returns the OpenCL backend, or skips the benchmark with a message
// (fails under SPECTUNE_REQUIRE_OPENCL=1) when there is no device.
func openCL(b *testing.B) solver.Backend {
	b.Helper()
	cltest.SetPoCLCacheDir()
	k, err := kernels.Open("opencl")
	if err != nil {
		cltest.Unavailable(b, "%v", err)
		return nil
	}
	b.Cleanup(func() { k.Close() })
	return k
}

// BenchmarkEvaluate compares the backends at 256², 512², 1024² (and 2048²
// for dps) with T = 1024, merge off.
func BenchmarkEvaluate(b *testing.B) {
	benchBackends(b, map[string][]int{"dps": {256, 512, 1024, 2048}, "diffpir": {256, 512, 1024}}, false)
}

// BenchmarkEvaluateGrid times loss + knob and grid gradient at 256² and
// 1024², T = 1024, on both backends.
func BenchmarkEvaluateGrid(b *testing.B) {
	benchBackends(b, map[string][]int{"dps": {256, 1024}, "diffpir": {256, 1024}}, true)
}

// benchBackends runs benchEval on both backends for dps and diffpir at the
// sizes n (n×n images) given per method, T = 1024.
func benchBackends(b *testing.B, sizes map[string][]int, grid bool) {
	const T = 1024
	for _, method := range []string{"dps", "diffpir"} {
		for _, n := range sizes[method] {
			p := problem(b, method, n, T)
			for _, be := range []string{"cpu", "opencl"} {
				b.Run(fmt.Sprintf("backend=%s/method=%s/N=%d/T=%d", be, method, n*n, T), func(b *testing.B) {
					var backend solver.Backend = cpu.New()
					if be == "opencl" {
						backend = openCL(b)
					}
					benchEval(b, backend, p, grid)
				})
			}
		}
	}
}
