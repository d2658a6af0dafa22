package pixel

import "math/cmplx"

// diffpir is plug-and-play DiffPIR (Zhu et al. 2023; SPEC §6): a proximal
// data step on the denoiser's x̂0, then re-noising with a fraction ζ of
// fresh noise.
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1},
// Sp = √(1-ᾱ_{i-1}); D_i the denoiser; knobs λ_i (data weight) and ζ_i
// (noise fraction); z fresh white noise.
//
//  1. x̂0 = D_i x_i
//  2. ρ_i = λ_i σ_y² ᾱ_i/(1-ᾱ_i);
//     x̂0' = argmin_x ‖y - Hx‖² + ρ_i ‖x - x̂0‖² = (HᵀH + ρ_i I)⁻¹(Hᵀ y + ρ_i x̂0),
//     the FFT-domain solve (conj(h_k) Y_k + ρ_i X̂0_k)/(|h_k|² + ρ_i), and
//     x̂0' = x̂0 where h_k = 0
//  3. ε̂' = (x_i - A x̂0')/S
//  4. x_{i-1} = Ap x̂0' + Sp (√(1-ζ_i) ε̂' + √ζ_i z)
//  5. the last step (i = 1) has no data step: x_0 = x̂0
//
// Banded knobs make ρ_i and ζ_i gains per band.
type diffpir struct{ standardInit }

func (diffpir) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	if i == 1 {
		c.f.inverse(x, c.X0) // 5
		return
	}
	lam, zeta := c.knobGain(0, i), c.knobGain(1, i)
	snr := st.Abar / (1 - st.Abar)
	noise := gain{v: st.Sp * sqrt0(zeta.v)}
	if zeta.per != nil {
		noise.per = c.noise
	}
	for j := range c.Xn {
		x0p := c.X0[j]
		if rho := s.rho[j]; rho > 0 {
			ri := lam.at(j) * s.sy * s.sy * snr // 2
			x0p = (cmplx.Conj(s.resp[j])*c.Y[j] + mul(ri, c.X0[j])) / complex(rho*rho+ri, 0)
		}
		epsp := mul(1/st.S, c.X[j]-mul(st.A, x0p)) // 3
		z := zeta.at(j)
		c.Xn[j] = mul(st.Ap, x0p) + mul(st.Sp*sqrt0(1-z), epsp) // 4
		if noise.per != nil {
			noise.per[j] = st.Sp * sqrt0(z)
		}
	}
	c.finish(x, c.Xn, noise)
}
