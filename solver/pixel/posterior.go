package pixel

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// Posterior writes a draw of the exact posterior p(x | y) (SPEC §3) to dst,
// or its mean when rng is nil. For x ~ N(0, Σ) and y = H x + σ_y n,
//
//	E[x | y]   = Σ Hᵀ (H Σ Hᵀ + σ_y² I)⁻¹ y,
//	Cov[x | y] = Σ - Σ Hᵀ (H Σ Hᵀ + σ_y² I)⁻¹ H Σ,
//
// which in the Fourier basis are X_k = λ_k conj(h_k) Y_k/E_k plus noise of
// variance λ_k σ_y²/E_k, E_k = |h_k|² λ_k + σ_y². Where E_k = 0 (λ_k = 0,
// or h_k = 0 with σ_y = 0) the measurement says nothing and the posterior
// is the prior, N(0, λ_k). dst and y may be the same slice. It panics if
// dst or y does not hold H·W pixels.
func (s *Sampler) Posterior(dst, y []float64, rng *rand.Rand) {
	if len(dst) != s.h*s.w || len(y) != s.h*s.w {
		panic("pixel: image size does not match the problem")
	}
	f := newFFT(s.h, s.w, 1)
	X := make([]complex128, f.spectrumLen())
	f.forward(X, y)
	var Z []complex128
	if rng != nil {
		// y is read first: dst and y may be the same slice.
		Z = make([]complex128, len(X))
		for i := range dst {
			dst[i] = rng.NormFloat64()
		}
		f.forward(Z, dst)
	}
	sy2 := s.sy * s.sy
	for j, l := range s.lam {
		e := s.rho[j]*s.rho[j]*l + sy2
		mean, v := complex(0, 0), l
		if e > 0 {
			mean = mul(l/e, cmplx.Conj(s.resp[j])*X[j])
			v = l * sy2 / e
		}
		X[j] = mean
		if Z != nil {
			X[j] += mul(math.Sqrt(v), Z[j])
		}
	}
	f.inverse(dst, X)
}

// PosteriorVariance returns mean_k v_k, the per-pixel variance of the exact
// posterior (its MMSE): v_k = λ_k σ_y²/E_k, or λ_k where E_k = 0.
func (s *Sampler) PosteriorVariance() float64 {
	sy2 := s.sy * s.sy
	t := 0.0
	for j, l := range s.lam {
		e := s.rho[j]*s.rho[j]*l + sy2
		v := l
		if e > 0 {
			v = l * sy2 / e
		}
		t += s.weight[j] * v
	}
	return t / float64(s.h*s.w)
}
