package pixel

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/solver/internal/dft"
)

// TestFFT compares the half-spectrum transform with the full complex DFT of
// solver/internal/dft, at sizes that hit odd and even axes, single rows and
// columns, and more workers than rows.
func TestFFT(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {2, 2}, {5, 6}, {8, 9}, {16, 16}, {3, 40}} {
		h, w := sz[0], sz[1]
		for _, workers := range []int{1, 3} {
			f := newFFT(h, w, workers)
			x := make([]float64, h*w)
			full := make([]complex128, h*w)
			for i := range x {
				x[i] = r.NormFloat64()
				full[i] = complex(x[i], 0)
			}
			dft.NewPlan(h, w).Forward(full)
			X := make([]complex128, f.spectrumLen())
			f.forward(X, x)
			worst := 0.0
			for row := 0; row < h; row++ {
				for c := 0; c < w/2+1; c++ {
					worst = math.Max(worst, cmplx.Abs(X[row*(w/2+1)+c]-full[row*w+c]))
				}
			}
			back := make([]float64, h*w)
			f.inverse(back, X)
			for i := range x {
				worst = math.Max(worst, math.Abs(back[i]-x[i]))
			}
			if worst > 1e-12 {
				t.Errorf("%dx%d, %d workers: worst deviation %g from the full DFT and round trip", h, w, workers, worst)
			}
		}
	}
}
