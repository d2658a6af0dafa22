package pixel

// ddrm is denoising diffusion restoration models (Kawar et al. 2022) in VP
// form (SPEC §6). DDRM works in the spectral basis of H: for a circular
// convolution that is the Fourier basis with singular values ρ_k = |h_k|,
// the measurement there is ȳ = H† y (ȳ_k = Y_k/h_k, noise level σ_y/ρ_k),
// and each frequency takes one of three updates.
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1},
// Sp = √(1-ᾱ_{i-1}); D_i the denoiser; knobs η, ηb; z fresh white noise,
// drawn in the Fourier domain so that its gain can differ per frequency.
//
//  0. init: x_T = A_T ȳ + √(S_T² - A_T² σ_y²/ρ_k²) z where ρ_k S_T > A_T σ_y,
//     else x_T = S_T z
//  1. x̂0 = D_i x_i, ε̂ = (x_i - A x̂0)/S
//  2. ρ_k = 0:            x_{i-1} = Ap x̂0 + √(1-η²) Sp ε̂ + η Sp z
//  3. ρ_k Sp < Ap σ_y:    x_{i-1} = Ap x̂0 + √(1-η²) Sp (ȳ - x̂0)/(σ_y/ρ_k) + η Sp z
//  4. otherwise:          x_{i-1} = Ap ((1-ηb) x̂0 + ηb ȳ) + √max(0, Sp² - ᾱ_{i-1} ηb² σ_y²/ρ_k²) z
type ddrm struct{}

func (ddrm) init(c *chain, x []float64) {
	s, st := c.s, c.st(c.s.p.T())
	c.spectralNoise(c.Z)
	for j := range c.Xn {
		rho := s.rho[j]
		if rho*st.S > st.A*s.sy { // 0
			t := st.A * s.sy / rho
			c.Xn[j] = mul(st.A, c.Y[j]/s.resp[j]) + mul(sqrt0(1-st.Abar-t*t), c.Z[j])
		} else {
			c.Xn[j] = mul(st.S, c.Z[j])
		}
	}
	c.f.inverse(x, c.Xn)
}

func (ddrm) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	eta, etab := c.knobGain(0, i), c.knobGain(1, i)
	sp2 := 1 - st.AbarPrev
	for j := range c.Xn {
		e, eb, rho := eta.at(j), etab.at(j), s.rho[j]
		sq := sqrt0(1 - e*e)
		x0 := c.X0[j]
		switch {
		case rho == 0: // 2
			eps := mul(1/st.S, c.X[j]-mul(st.A, x0))
			c.Xn[j] = mul(st.Ap, x0) + mul(sq*st.Sp, eps)
			c.noise[j] = e * st.Sp
		case rho*st.Sp < st.Ap*s.sy: // 3
			ybar := c.Y[j] / s.resp[j]
			c.Xn[j] = mul(st.Ap, x0) + mul(sq*st.Sp*rho/s.sy, ybar-x0)
			c.noise[j] = e * st.Sp
		default: // 4
			ybar := c.Y[j] / s.resp[j]
			c.Xn[j] = mul(st.Ap*(1-eb), x0) + mul(st.Ap*eb, ybar)
			c.noise[j] = sqrt0(sp2 - st.AbarPrev*eb*eb*s.sy*s.sy/(rho*rho))
		}
	}
	c.finish(x, c.Xn, gain{per: c.noise})
}
