package pixel_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/solver"
)

// TestConvolve checks H x = F*(h ⊙ F x) against the circular sum
// (κ ⊛ x)[n] = Σ_m κ[m] x[n-m] of SPEC §2 for a kernel without symmetry,
// which fixes the direction of the convolution and the phase convention of h.
func TestConvolve(t *testing.T) {
	const H, W = 9, 12
	kern := asymmetricKernel(H, W)
	op, err := solver.KernelOperator("asymmetric", kern, H, W)
	if err != nil {
		t.Fatal(err)
	}
	s := newSampler(t, H, W, "ddim", op, 0.1, 4, nil)
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, H*W)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	got := make([]float64, H*W)
	s.Convolve(got, x)
	for yy := 0; yy < H; yy++ {
		for xx := 0; xx < W; xx++ {
			want := 0.0
			for m, v := range kern {
				my, mx := m/W, m%W
				want += v * x[((yy-my+H)%H)*W+(xx-mx+W)%W]
			}
			if d := math.Abs(got[yy*W+xx] - want); d > 1e-12 {
				t.Fatalf("pixel (%d, %d): H x = %v, circular sum %v", yy, xx, got[yy*W+xx], want)
			}
		}
	}
}
