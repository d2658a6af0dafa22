package pixel

import "math/cmplx"

// oracle is DDIM(η) driven by the exact conditional mean E[x0 | x_i, y]
// instead of a guided x̂0 (SPEC §6): the error floor that T steps leave with
// perfect guidance.
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1}; σ_i and d at
// the base η; D_i the denoiser, C_i = Cov[x0 | x_i] (SPEC §5).
//
//  1. x̂0 = D_i x_i
//  2. x̂0ᶜ = E[x0 | x_i, y] = x̂0 + C_i Hᵀ (H C_i Hᵀ + σ_y² I)⁻¹ (y - H x̂0)
//     (Gaussian conditioning of N(x̂0, C_i) on y = H x0 + σ_y n; FFT-domain
//     gain c_k conj(h_k)/(c_k |h_k|² + σ_y²), 0 where that is 0/0)
//  3. ε̂ = (x_i - A x̂0ᶜ)/S
//  4. x_{i-1} = Ap x̂0ᶜ + d ε̂ + σ_i z
type oracle struct{ standardInit }

func (oracle) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	sy2 := s.sy * s.sy
	for j := range c.Xn {
		x0c := c.X0[j]
		cv := s.condVar(j, st.Abar)
		if den := cv*s.rho[j]*s.rho[j] + sy2; den > 0 { // 2
			x0c += mul(cv/den, cmplx.Conj(s.resp[j])*(c.Y[j]-s.resp[j]*x0c))
		}
		eps := mul(1/st.S, c.X[j]-mul(st.A, x0c))  // 3
		c.Xn[j] = mul(st.Ap, x0c) + mul(st.D, eps) // 4
	}
	c.finish(x, c.Xn, gain{v: st.Sigma})
}
