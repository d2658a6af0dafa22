// Package dft holds the unitary 2-D discrete Fourier transform of SPEC §2
// (numpy's norm="ortho"), built on gonum's 1-D FFT, and the frequency
// coordinates of the DFT grid.
package dft

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Plan transforms H×W arrays stored row-major. A Plan holds scratch space and
// is not safe for concurrent use.
type Plan struct {
	h, w       int
	rows, cols *fourier.CmplxFFT
	col        []complex128
}

// NewPlan returns a plan for H×W arrays.
func NewPlan(h, w int) *Plan {
	return &Plan{h: h, w: w, rows: fourier.NewCmplxFFT(w), cols: fourier.NewCmplxFFT(h), col: make([]complex128, h)}
}

// Forward replaces x by F x, X_k = (1/√N) Σ_n x_n e^{-2πi⟨k,n⟩}.
func (p *Plan) Forward(x []complex128) { p.apply(x, false) }

// Inverse replaces X by F* X.
func (p *Plan) Inverse(x []complex128) { p.apply(x, true) }

func (p *Plan) apply(x []complex128, inverse bool) {
	if len(x) != p.h*p.w {
		panic("dft: array length does not match plan")
	}
	for r := 0; r < p.h; r++ {
		row := x[r*p.w : (r+1)*p.w]
		if inverse {
			p.rows.Sequence(row, row)
		} else {
			p.rows.Coefficients(row, row)
		}
	}
	for c := 0; c < p.w; c++ {
		for r := 0; r < p.h; r++ {
			p.col[r] = x[r*p.w+c]
		}
		if inverse {
			p.cols.Sequence(p.col, p.col)
		} else {
			p.cols.Coefficients(p.col, p.col)
		}
		for r := 0; r < p.h; r++ {
			x[r*p.w+c] = p.col[r]
		}
	}
	s := complex(1/math.Sqrt(float64(p.h*p.w)), 0)
	for i := range x {
		x[i] *= s
	}
}

// Freq returns the frequency in cycles per sample of DFT index k on an axis of
// length n, in [-½, ½): k/n for k < n/2, (k-n)/n above.
func Freq(k, n int) float64 {
	if 2*k < n {
		return float64(k) / float64(n)
	}
	return float64(k-n) / float64(n)
}

// Radius returns √(fx²+fy²) of flat index k on an H×W grid. Swapping or
// negating the coordinates gives bit-identical results, so symmetric
// frequencies merge exactly.
func Radius(k, h, w int) float64 {
	fy := Freq(k/w, h)
	fx := Freq(k%w, w)
	return math.Sqrt(fx*fx + fy*fy)
}

// Mirror returns the flat index of -k on an H×W grid.
func Mirror(k, h, w int) int {
	r, c := k/w, k%w
	return ((h-r)%h)*w + (w-c)%w
}

// Symmetrize replaces a[k] and a[-k] by their mean, so that a spectrum computed
// by floating-point FFTs from real data has the exact Hermitian symmetry that
// the mathematics promises.
func Symmetrize(a []float64, h, w int) {
	for k := range a {
		m := Mirror(k, h, w)
		if m > k {
			v := (a[k] + a[m]) / 2
			a[k], a[m] = v, v
		}
	}
}
