package pixel

import (
	"math"
	"math/cmplx"
)

// dps is diffusion posterior sampling (Chung et al. 2023) as released: the
// DDPM/DDIM(η) step from the denoiser's x̂0, then a gradient step on the
// data misfit ½‖y - H x̂0(x_i)‖² (SPEC §6).
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1}; σ_i and d at
// the base η (SPEC §5); D_i the denoiser; z fresh white noise.
//
//  1. x̂0 = D_i x_i, ε̂ = (x_i - A x̂0)/S
//  2. r = y - H x̂0; ζ_i = s/‖r‖ (the real rule) or the knob table
//  3. ∇_{x_i} ½‖r‖² = -J_iᵀ Hᵀ r, with J_i = ∂x̂0/∂x_i = D_i
//  4. x_{i-1} = Ap x̂0 + d ε̂ + σ_i z - ζ_i ∇ (a banded ζ multiplies each
//     band of the gradient)
//
// H, Hᵀ and D_i are applied in the Fourier domain (h, conj(h), the
// denoiser's gain), r is kept as its spectrum and ‖r‖ comes from Parseval.
type dps struct{ standardInit }

func (dps) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	R := c.Z
	for j := range R {
		R[j] = c.Y[j] - s.resp[j]*c.X0[j] // 2
	}
	var zeta gain
	if c.k.realNorm {
		if nr := math.Sqrt(c.sqNorm(R)); nr > 0 {
			zeta.v = DPSScale / nr
		}
	} else {
		zeta = c.knobGain(0, i)
	}
	for j := range c.Xn {
		negGrad := mul(s.denoiserGain(j, st.Abar), cmplx.Conj(s.resp[j])*R[j]) // 3
		eps := mul(1/st.S, c.X[j]-mul(st.A, c.X0[j]))
		c.Xn[j] = mul(st.Ap, c.X0[j]) + mul(st.D, eps) + mul(zeta.at(j), negGrad) // 4
	}
	c.finish(x, c.Xn, gain{v: st.Sigma})
}
