package pixel

import "math/cmplx"

// pigdm is pseudo-inverse guided diffusion (ΠGDM, Song et al. 2023) in the
// practical form that public implementations use: the ΠGDM vector-Jacobian
// guidance scaled by Ap·A·r² on the DDIM(η) step (SPEC §6).
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1}; σ_i and d at
// the base η; D_i the denoiser; w_i the guidance weight.
//
//  1. x̂0 = D_i x_i, ε̂ = (x_i - A x̂0)/S
//  2. r² = 1 - ᾱ_i (option r2 = heuristic) or r² = Cov[x0 | x_i], the
//     denoiser's conditional variance per frequency (r2 = spectral)
//  3. v = J_iᵀ Hᵀ (r² H Hᵀ + σ_y² I)⁻¹ (y - H x̂0), J_i = D_i; the inverse
//     is the FFT-domain gain 1/(r² |h_k|² + σ_y²), and 0 where that is 1/0
//     (the measurement carries nothing there)
//  4. x_{i-1} = Ap x̂0 + d ε̂ + σ_i z + w_i Ap A r² v (a banded w multiplies
//     each band of the guidance)
type pigdm struct{ standardInit }

func (pigdm) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	spectral := s.p.Options.R2Value() == "spectral"
	w := c.knobGain(0, i)
	sy2 := s.sy * s.sy
	for j := range c.Xn {
		r2 := 1 - st.Abar // 2
		if spectral {
			r2 = s.condVar(j, st.Abar)
		}
		var v complex128
		if den := r2*s.rho[j]*s.rho[j] + sy2; den > 0 { // 3
			res := c.Y[j] - s.resp[j]*c.X0[j]
			v = mul(s.denoiserGain(j, st.Abar)/den, cmplx.Conj(s.resp[j])*res)
		}
		eps := mul(1/st.S, c.X[j]-mul(st.A, c.X0[j]))
		c.Xn[j] = mul(st.Ap, c.X0[j]) + mul(st.D, eps) + mul(w.at(j)*st.Ap*st.A*r2, v) // 4
	}
	c.finish(x, c.Xn, gain{v: st.Sigma})
}
