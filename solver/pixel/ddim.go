package pixel

import "math"

// ddim is the unconditional DDIM(η) sampler (Song et al. 2021; SPEC §5–§6)
// with η_i as its per-step knob.
//
// Notation (step i, ᾱ_i → ᾱ_{i-1}): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1};
// β̃ = (1-ᾱ_{i-1})(1-ᾱ_i/ᾱ_{i-1})/(1-ᾱ_i); D_i the denoiser; z fresh white
// noise.
//
//  1. x̂0 = D_i x_i, ε̂ = (x_i - A x̂0)/S
//  2. σ_i = η_i √β̃, d = √max(0, 1 - ᾱ_{i-1} - σ_i²)
//  3. x_{i-1} = Ap x̂0 + d ε̂ + σ_i z
//
// A banded η gives each band its own σ_i and d, applied as FFT-domain gains.
type ddim struct{ standardInit }

func (ddim) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	eta := c.knobGain(0, i)
	sb := math.Sqrt(st.Beta)
	noise := gain{v: eta.v * sb}
	if eta.per != nil {
		noise.per = c.noise
	}
	for j := range c.Xn {
		sig := eta.at(j) * sb // 2
		d := sqrt0(1 - st.AbarPrev - sig*sig)
		eps := mul(1/st.S, c.X[j]-mul(st.A, c.X0[j]))
		c.Xn[j] = mul(st.Ap, c.X0[j]) + mul(d, eps)
		if noise.per != nil {
			noise.per[j] = sig
		}
	}
	c.finish(x, c.Xn, noise) // 3
}
