package pixel

import "math"

// The Gaussian denoiser of the prior (SPEC §5). For x_i = √ᾱ x0 + √(1-ᾱ) ε
// with x0 ~ N(0, Σ), Gaussian conditioning gives
//
//	x̂0 = E[x0 | x_i] = √ᾱ Σ (ᾱ Σ + (1-ᾱ) I)⁻¹ x_i,
//	C  = Cov[x0 | x_i] = (1-ᾱ) Σ (ᾱ Σ + (1-ᾱ) I)⁻¹,
//
// and with Σ = F* diag(λ) F both are FFT-domain gains: √ᾱ λ_k/(ᾱ λ_k + 1-ᾱ)
// and (1-ᾱ) λ_k/(ᾱ λ_k + 1-ᾱ). The denoiser is linear and symmetric, so its
// Jacobian ∂x̂0/∂x_i, through which DPS and ΠGDM back-propagate, is the
// denoiser itself.

// denoise writes X0 = F x̂0 for the state spectrum X at level ᾱ.
func (s *Sampler) denoise(X0, X []complex128, abar float64) {
	for j := range s.lam {
		X0[j] = mul(s.denoiserGain(j, abar), X[j])
	}
}

// denoiserGain returns √ᾱ λ_j/(ᾱ λ_j + 1-ᾱ), the denoiser's gain at
// half-spectrum frequency j.
func (s *Sampler) denoiserGain(j int, abar float64) float64 {
	l := s.lam[j]
	return math.Sqrt(abar) * l / (abar*l + 1 - abar)
}

// condVar returns (1-ᾱ) λ_j/(ᾱ λ_j + 1-ᾱ) = Var[x0 | x_i] at frequency j.
func (s *Sampler) condVar(j int, abar float64) float64 {
	l := s.lam[j]
	return (1 - abar) * l / (abar*l + 1 - abar)
}

// mul returns a·z for real a, without the full complex product.
func mul(a float64, z complex128) complex128 { return complex(a*real(z), a*imag(z)) }

// sqrt0 is √max(0, x): the square root of a variance that rounding or a
// clamp may have pushed below zero.
func sqrt0(x float64) float64 { return math.Sqrt(math.Max(0, x)) }
