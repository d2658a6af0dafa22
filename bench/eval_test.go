package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// problem builds the default problem (power-law prior, gaussian:2 blur,
// σ_y = 0.05, vp-linear) at size n×n with T steps, merge off.
func problem(b *testing.B, method string, n, T int) *solver.Problem {
	b.Helper()
	lam, err := solver.NewPrior("powerlaw", n, n, false)
	if err != nil {
		b.Fatal(err)
	}
	op, err := solver.NewOperator("gaussian:2", n, n)
	if err != nil {
		b.Fatal(err)
	}
	g, err := solver.NewGrid("vp-linear", T)
	if err != nil {
		b.Fatal(err)
	}
	p, err := solver.NewProblem(solver.Config{Height: n, Width: n, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: method, NoMerge: true})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// benchEval times one loss+gradient evaluation per iteration.
func benchEval(b *testing.B, backend solver.Backend, p *solver.Problem) {
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

func BenchmarkEvaluate(b *testing.B) {
	const T = 1024
	for _, method := range []string{"dps", "diffpir"} {
		for _, n := range []int{256, 512, 1024} {
			p := problem(b, method, n, T)
			b.Run(fmt.Sprintf("backend=cpu/method=%s/N=%d/T=%d", method, n*n, T), func(b *testing.B) {
				benchEval(b, cpu.New(), p)
			})
		}
	}
}
