package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// BenchmarkRestore times one pixel-domain restoration per iteration: a
// 256×256 image drawn from the default problem's prior, blurred and noised,
// restored by one chain of T = 1024 steps with the heuristic knobs, the
// chain's FFTs split over GOMAXPROCS goroutines (what `spectune restore`
// does for a single grayscale sample). It reports seconds per restoration
// and peak-MiB.
func BenchmarkRestore(b *testing.B) {
	const n, T = 256, 1024
	for _, method := range []string{"dps", "pigdm", "ddnm", "ddrm", "diffpir"} {
		p := problem(b, method, n, T)
		op, err := solver.NewOperator("gaussian:2", n, n)
		if err != nil {
			b.Fatal(err)
		}
		s, err := pixel.New(pixel.Config{Problem: p, Response: op.H})
		if err != nil {
			b.Fatal(err)
		}
		x := make([]float64, n*n)
		y := make([]float64, n*n)
		r := rand.New(rand.NewPCG(1, 1))
		s.PriorSample(x, r)
		s.Measure(y, x, r)
		set := pixel.Settings{Workers: runtime.GOMAXPROCS(0)}
		b.Run(fmt.Sprintf("method=%s/N=%d/T=%d", method, n*n, T), func(b *testing.B) {
			ResetPeak()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Sample(context.Background(), x, y, rand.New(rand.NewPCG(2, 2)), set); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/restoration")
			b.ReportMetric(PeakMiB(), "peak-MiB")
		})
	}
}
