package pixel_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/solver/pixel"
)

func TestPSNR(t *testing.T) {
	a, b := pixel.NewImage(4, 5, 2), pixel.NewImage(4, 5, 2)
	if !math.IsInf(pixel.PSNR(a, b), 1) {
		t.Error("equal images: PSNR is not +Inf")
	}
	for c := range b.Channels {
		for i := range b.Channels[c] {
			b.Channels[c][i] = 0.1 // MSE 0.01: 10·log10(4/0.01) = 26.0206 dB
		}
	}
	if got, want := pixel.PSNR(a, b), 10*math.Log10(400); math.Abs(got-want) > 1e-12 {
		t.Errorf("PSNR %v, want %v", got, want)
	}
}

// TestSSIM checks SSIM against its closed form on constant images,
// (2ab + C1)/(a² + b² + C1), and against a direct 11×11 window sum on
// random images.
func TestSSIM(t *testing.T) {
	const c1 = (0.01 * 2) * (0.01 * 2)
	const c2 = (0.03 * 2) * (0.03 * 2)
	a, b := pixel.NewImage(20, 16, 1), pixel.NewImage(20, 16, 1)
	for i := range a.Channels[0] {
		a.Channels[0][i], b.Channels[0][i] = 0.3, -0.2
	}
	if got, want := pixel.SSIM(a, b), (2*0.3*-0.2+c1)/(0.09+0.04+c1); math.Abs(got-want) > 1e-12 {
		t.Errorf("constant images: SSIM %v, want %v", got, want)
	}
	r := rand.New(rand.NewPCG(2, 3))
	for i := range a.Channels[0] {
		a.Channels[0][i] = r.Float64()*2 - 1
		b.Channels[0][i] = 0.7*a.Channels[0][i] + 0.2*r.NormFloat64()
	}
	if got := pixel.SSIM(a, a); math.Abs(got-1) > 1e-12 {
		t.Errorf("SSIM(x, x) = %v", got)
	}
	// Direct: the 2-D Gaussian window at every valid position.
	var win [11][11]float64
	tot := 0.0
	for i := range win {
		for j := range win[i] {
			di, dj := float64(i-5), float64(j-5)
			win[i][j] = math.Exp(-(di*di + dj*dj) / (2 * 1.5 * 1.5))
			tot += win[i][j]
		}
	}
	x, y := a.Channels[0], b.Channels[0]
	sum, n := 0.0, 0
	for r0 := 0; r0+11 <= 20; r0++ {
		for c0 := 0; c0+11 <= 16; c0++ {
			var mx, my, sxx, syy, sxy float64
			for i := range win {
				for j := range win[i] {
					w := win[i][j] / tot
					u, v := x[(r0+i)*16+c0+j], y[(r0+i)*16+c0+j]
					mx += w * u
					my += w * v
					sxx += w * u * u
					syy += w * v * v
					sxy += w * u * v
				}
			}
			vx, vy, cxy := sxx-mx*mx, syy-my*my, sxy-mx*my
			sum += (2*mx*my + c1) * (2*cxy + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
			n++
		}
	}
	if got, want := pixel.SSIM(a, b), sum/float64(n); math.Abs(got-want) > 1e-12 {
		t.Errorf("SSIM %v, direct window sum %v", got, want)
	}
	if got, rev := pixel.SSIM(a, b), pixel.SSIM(b, a); math.Abs(got-rev) > 1e-12 {
		t.Errorf("SSIM not symmetric: %v vs %v", got, rev)
	}
	// Small images use a smaller window instead of failing.
	if v := pixel.SSIM(pixel.NewImage(5, 40, 1), pixel.NewImage(5, 40, 1)); math.Abs(v-1) > 1e-12 {
		t.Errorf("5×40 SSIM of equal images = %v", v)
	}
}
