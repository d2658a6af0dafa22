package pixel

import (
	"math"
	"math/rand/v2"
)

// PriorSample writes a draw x ~ N(0, Σ) of the prior to dst (SPEC §2):
// x = F* diag(√λ) F w with w white noise from rng. It panics if dst does not
// hold H·W pixels.
func (s *Sampler) PriorSample(dst []float64, rng *rand.Rand) {
	f := newFFT(s.h, s.w, 1)
	X := make([]complex128, f.spectrumLen())
	for i := range dst {
		dst[i] = rng.NormFloat64()
	}
	f.forward(X, dst)
	for j, l := range s.lam {
		X[j] = mul(math.Sqrt(l), X[j])
	}
	f.inverse(dst, X)
}

// Measure writes the measurement y = H x + σ_y n of image x to dst (SPEC
// §2): the circular convolution through the FFT, F(κ ⊛ x) = h ⊙ F x, plus
// white noise n from rng. dst and x may be the same slice. It panics if
// either does not hold H·W pixels.
func (s *Sampler) Measure(dst, x []float64, rng *rand.Rand) {
	s.Convolve(dst, x)
	for i := range dst {
		dst[i] += s.sy * rng.NormFloat64()
	}
}

// Convolve writes H x, the noiseless measurement, to dst. dst and x may be
// the same slice.
func (s *Sampler) Convolve(dst, x []float64) {
	if len(dst) != s.h*s.w || len(x) != s.h*s.w {
		panic("pixel: image size does not match the problem")
	}
	f := newFFT(s.h, s.w, 1)
	X := make([]complex128, f.spectrumLen())
	f.forward(X, x)
	for j := range X {
		X[j] *= s.resp[j]
	}
	f.inverse(dst, X)
}

// DCGain returns h_0, the operator's gain on a constant image (1 for the
// normalised blurs).
func (s *Sampler) DCGain() float64 { return real(s.resp[0]) }
