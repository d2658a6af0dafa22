package kernels

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/spectune/spectune/bench"
	"github.com/spectune/spectune/solver"
)

var tune = flag.String("tune", "", "write a work-group tuning table (CSV) for the 256²×1024 benchmark problems to `file`")

// benchProblem is the benchmark problem of the issue: bench.Problem.
func benchProblem(tb testing.TB, method string, size, T int) *solver.Problem {
	tb.Helper()
	p, err := bench.Problem(method, size, T)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func benchKnobs(p *solver.Problem) (*solver.Knobs, [][]float64) {
	k := p.Project(p.Heuristic())
	gr := make([][]float64, len(k.Values))
	for q := range gr {
		gr[q] = make([]float64, len(k.Values[q]))
	}
	return k, gr
}

// TestTune is the work-group tuning procedure: with -tune=file it times
// loss+gradient evaluations of the benchmark problems (256²×1024, or
// TUNE_SIZE²×1024) for each parameter set and writes CSV, the best of three
// runs per row. It is skipped without the flag.
func TestTune(t *testing.T) {
	if *tune == "" {
		t.Skip("tuning runs only with -tune=file")
	}
	f, err := os.Create(*tune)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintln(f, "method,wgs,vw,step_barrier,reduce_serial,local_scratch,seconds,freqsteps_per_s,grad_kernel_s,reduce_kernel_s")
	ctx := context.Background()
	size, T := 256, 1024
	if s := os.Getenv("TUNE_SIZE"); s != "" {
		fmt.Sscan(s, &size)
	}
	var sets []params
	for _, wgs := range []int{1, 2, 4, 8, 16, 32, 64} {
		for _, vw := range []int{4, 8, 16} {
			for _, local := range []bool{true, false} {
				for _, sb := range []bool{false, true} {
					sets = append(sets, params{WGS: wgs, VW: vw, StepBarrier: sb, ReduceSerial: true, LocalScratch: local})
				}
			}
		}
	}
	for _, method := range []string{"dps", "diffpir"} {
		p := benchProblem(t, method, size, T)
		k, gr := benchKnobs(p)
		for _, par := range sets {
			b := openTest(t)
			b.par = par
			if par.LocalScratch && !b.useLocalScratch(T) {
				b.Close()
				continue // same as the global row
			}
			ev, err := b.Prepare(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ev.Evaluate(ctx, k, gr); err != nil {
				t.Fatal(err)
			}
			e := ev.(*Evaluator)
			best, kg, kr := math.Inf(1), 0.0, 0.0
			for r := 0; r < 3; r++ {
				before := e.Stats()
				start := time.Now()
				if _, err := ev.Evaluate(ctx, k, gr); err != nil {
					t.Fatal(err)
				}
				if sec := time.Since(start).Seconds(); sec < best {
					after := e.Stats()
					best = sec
					kg = (after.Kernels["grad"].Device - before.Kernels["grad"].Device).Seconds()
					kr = (after.Kernels["grad_reduce"].Device - before.Kernels["grad_reduce"].Device).Seconds()
				}
			}
			line := fmt.Sprintf("%s,%d,%d,%v,%v,%v,%.4f,%.4g,%.4f,%.4f", method, par.WGS, par.VW, par.StepBarrier, par.ReduceSerial,
				e.localScratch, best, float64(p.Freqs.Len()*T)/best, kg, kr)
			fmt.Fprintln(f, line)
			t.Log(line)
			ev.Close()
			b.Close()
		}
	}
}

// BenchmarkGradient times one loss+gradient evaluation per iteration of the
// 256²×1024 benchmark problems on the device: the knob gradient alone
// (grid=false, the kernel grad) and with the grid gradient on a grid of the
// knobs' own (grid=true, the kernel grad_grid).
func BenchmarkGradient(b *testing.B) {
	const size, T = 256, 1024
	be := openTest(b)
	ctx := context.Background()
	for _, method := range []string{"dps", "diffpir"} {
		p := benchProblem(b, method, size, T)
		for _, grid := range []bool{false, true} {
			b.Run(fmt.Sprintf("method=%s/grid=%v", method, grid), func(b *testing.B) {
				ev, err := be.Prepare(ctx, p)
				if err != nil {
					b.Fatal(err)
				}
				defer ev.Close()
				k, gr := benchKnobs(p)
				if grid {
					k.Abar = append([]float64(nil), p.Grid.Abar...)
					gr = append(gr, make([]float64, T+1))
				}
				// One untimed evaluation builds the kernels.
				if _, err := ev.Evaluate(ctx, k, gr); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := ev.Evaluate(ctx, k, gr); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(p.Freqs.Len()*T*b.N)/b.Elapsed().Seconds(), "freqsteps/s")
			})
		}
	}
}
