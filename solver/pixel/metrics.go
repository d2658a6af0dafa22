package pixel

import (
	"fmt"
	"math"
)

// DataRange is L in [PSNR] and [SSIM]: images are in model units [-1, 1].
const DataRange = 2.0

// PSNR returns the peak signal-to-noise ratio of b against the reference a,
// 10·log10(L²/MSE) in dB with L = [DataRange] and the MSE over every pixel
// of every channel; +Inf when the images are equal. It panics if their
// shapes differ.
func PSNR(a, b *Image) float64 {
	checkShapes(a, b)
	se, n := 0.0, 0
	for c := range a.Channels {
		for i, v := range a.Channels[c] {
			d := v - b.Channels[c][i]
			se += d * d
			n++
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(DataRange*DataRange/(se/float64(n)))
}

// SSIM returns the structural similarity of b against a (Wang et al.
// 2004), averaged over the channels: local means, variances and covariance
// from an 11×11 Gaussian window of σ = 1.5 pixels (normalised to sum 1,
// population moments), C1 = (0.01 L)², C2 = (0.03 L)², L = [DataRange], and
// the map averaged over the window positions that lie inside the image (no
// padding). Images smaller than 11 pixels across use the largest odd window
// that fits, with σ scaled in proportion. It panics if the shapes differ.
func SSIM(a, b *Image) float64 {
	checkShapes(a, b)
	t := 0.0
	for c := range a.Channels {
		t += ssimPlane(a.Channels[c], b.Channels[c], a.H, a.W)
	}
	return t / float64(len(a.Channels))
}

func checkShapes(a, b *Image) {
	if a.H != b.H || a.W != b.W || len(a.Channels) != len(b.Channels) {
		panic(fmt.Sprintf("pixel: comparing a %dx%dx%d image with a %dx%dx%d one", a.H, a.W, len(a.Channels), b.H, b.W, len(b.Channels)))
	}
}

func ssimPlane(x, y []float64, h, w int) float64 {
	size := min(11, h, w)
	if size%2 == 0 {
		size--
	}
	sigma := 1.5 * float64(size) / 11
	win := make([]float64, size)
	t := 0.0
	for i := range win {
		d := float64(i - size/2)
		win[i] = math.Exp(-d * d / (2 * sigma * sigma))
		t += win[i]
	}
	for i := range win {
		win[i] /= t
	}
	// The window is separable: filter rows, then columns, over the valid
	// region only.
	oh, ow := h-size+1, w-size+1
	filter := func(f func(i int) float64) []float64 {
		rows := make([]float64, h*ow)
		for r := 0; r < h; r++ {
			for c := 0; c < ow; c++ {
				s := 0.0
				for k, wk := range win {
					s += wk * f(r*w+c+k)
				}
				rows[r*ow+c] = s
			}
		}
		out := make([]float64, oh*ow)
		for r := 0; r < oh; r++ {
			for c := 0; c < ow; c++ {
				s := 0.0
				for k, wk := range win {
					s += wk * rows[(r+k)*ow+c]
				}
				out[r*ow+c] = s
			}
		}
		return out
	}
	mx := filter(func(i int) float64 { return x[i] })
	my := filter(func(i int) float64 { return y[i] })
	mxx := filter(func(i int) float64 { return x[i] * x[i] })
	myy := filter(func(i int) float64 { return y[i] * y[i] })
	mxy := filter(func(i int) float64 { return x[i] * y[i] })
	c1 := (0.01 * DataRange) * (0.01 * DataRange)
	c2 := (0.03 * DataRange) * (0.03 * DataRange)
	s := 0.0
	for i := range mx {
		vx := mxx[i] - mx[i]*mx[i]
		vy := myy[i] - my[i]*my[i]
		cxy := mxy[i] - mx[i]*my[i]
		s += (2*mx[i]*my[i] + c1) * (2*cxy + c2) / ((mx[i]*mx[i] + my[i]*my[i] + c1) * (vx + vy + c2))
	}
	return s / float64(len(mx))
}
