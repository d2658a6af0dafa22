package pixel

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"
)

// fft is the unitary 2-D DFT of SPEC §2 (numpy's norm="ortho") for real H×W
// images, to and from the half spectrum: rows r = 0…H-1 and columns
// c = 0…W/2, row-major with W/2+1 columns. The other half is the conjugate
// mirror X_{-k} = conj(X_k) that every real image has, so it is not stored.
//
// An fft holds scratch space and is not safe for concurrent use; with
// workers > 1 it splits its own rows and columns over that many goroutines.
type fft struct {
	h, w, wc int
	scale    float64
	parts    []fftPart
}

// fftPart is one worker's 1-D transforms and column buffer.
type fftPart struct {
	rows *fourier.FFT
	cols *fourier.CmplxFFT
	col  []complex128
}

func newFFT(h, w, workers int) *fft {
	workers = max(1, min(workers, h, w/2+1))
	p := &fft{h: h, w: w, wc: w/2 + 1, scale: 1 / math.Sqrt(float64(h*w)), parts: make([]fftPart, workers)}
	for i := range p.parts {
		p.parts[i] = fftPart{rows: fourier.NewFFT(w), cols: fourier.NewCmplxFFT(h), col: make([]complex128, h)}
	}
	return p
}

// spectrumLen returns the length H·(W/2+1) of a half spectrum.
func (p *fft) spectrumLen() int { return p.h * p.wc }

// each runs f over [0, n) split into one contiguous range per part.
func (p *fft) each(n int, f func(part *fftPart, lo, hi int)) {
	if len(p.parts) == 1 {
		f(&p.parts[0], 0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range p.parts {
		lo, hi := n*i/len(p.parts), n*(i+1)/len(p.parts)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(&p.parts[i], lo, hi)
		}()
	}
	wg.Wait()
}

// forward writes dst = F src: src is an H×W image, dst a half spectrum.
func (p *fft) forward(dst []complex128, src []float64) {
	if len(src) != p.h*p.w || len(dst) != p.h*p.wc {
		panic("pixel: fft length mismatch")
	}
	p.each(p.h, func(pt *fftPart, lo, hi int) {
		for r := lo; r < hi; r++ {
			pt.rows.Coefficients(dst[r*p.wc:(r+1)*p.wc], src[r*p.w:(r+1)*p.w])
		}
	})
	s := complex(p.scale, 0)
	p.each(p.wc, func(pt *fftPart, lo, hi int) {
		for c := lo; c < hi; c++ {
			for r := range pt.col {
				pt.col[r] = dst[r*p.wc+c]
			}
			pt.cols.Coefficients(pt.col, pt.col)
			for r, v := range pt.col {
				dst[r*p.wc+c] = v * s
			}
		}
	})
}

// inverse writes dst = F* src for a half spectrum src, which it overwrites.
// The imaginary parts that a real image's spectrum cannot have (at the
// frequencies that are their own mirror) are dropped.
func (p *fft) inverse(dst []float64, src []complex128) {
	if len(dst) != p.h*p.w || len(src) != p.h*p.wc {
		panic("pixel: fft length mismatch")
	}
	s := complex(p.scale, 0)
	p.each(p.wc, func(pt *fftPart, lo, hi int) {
		for c := lo; c < hi; c++ {
			for r := range pt.col {
				pt.col[r] = src[r*p.wc+c]
			}
			pt.cols.Sequence(pt.col, pt.col)
			for r, v := range pt.col {
				src[r*p.wc+c] = v * s
			}
		}
	})
	p.each(p.h, func(pt *fftPart, lo, hi int) {
		for r := lo; r < hi; r++ {
			pt.rows.Sequence(dst[r*p.w:(r+1)*p.w], src[r*p.wc:(r+1)*p.wc])
		}
	})
}
