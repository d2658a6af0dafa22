package pixel

import "math"

// ddnm is DDNM+ (Wang et al. 2023) in DDPM form (SPEC §6): the
// range–null-space correction of x̂0, scaled by λ, then the DDPM posterior
// step with the injected noise reduced by the measurement noise the
// correction brought in.
//
// Notation (step i): κx, κt, β̃ the DDPM posterior coefficients (SPEC §5);
// D_i the denoiser; H† = F* diag(1/h_k where |h_k| > 0, else 0) F the
// pseudo-inverse of H.
//
//  1. x̂0 = D_i x_i
//  2. x̂0' = x̂0 - λ H†(H x̂0 - y)
//  3. μ = κx x̂0' + κt x_i, the mean of q(x_{i-1} | x_i, x0 = x̂0')
//  4. x_{i-1} = μ + c z, c the FFT-domain gain c_k = √max(0, β̃ - (κx λ_k σ_y/ρ_k)²)
//     where ρ_k > 0 (λ H† passes κx λ σ_y/ρ_k of measurement noise into
//     x_{i-1}), c_k = √β̃ where ρ_k = 0
//
// λ comes from the knob table (per band), or from DDNM+'s rule per
// frequency: λ_k = 1 where √β̃ ≥ κx σ_y/ρ_k, else √β̃ ρ_k/(κx σ_y).
type ddnm struct{ standardInit }

func (ddnm) step(c *chain, i int, x []float64) {
	s, st := c.s, c.st(i)
	c.f.forward(c.X, x)
	s.denoise(c.X0, c.X, st.Abar) // 1
	var lam gain
	if !c.k.ddnmRule {
		lam = c.knobGain(0, i)
	}
	sb := math.Sqrt(st.Beta)
	for j := range c.Xn {
		x0, rho := c.X0[j], s.rho[j]
		cn := sb
		if rho > 0 {
			l := lam.at(j)
			if c.k.ddnmRule {
				l = 1
				if sb*rho < st.KappaX*s.sy {
					l = sb * rho / (st.KappaX * s.sy)
				}
			}
			x0 -= mul(l, (s.resp[j]*x0-c.Y[j])/s.resp[j]) // 2
			t := st.KappaX * l * s.sy / rho
			cn = sqrt0(st.Beta - t*t)
		}
		c.Xn[j] = mul(st.KappaX, x0) + mul(st.KappaT, c.X[j]) // 3
		c.noise[j] = cn
	}
	c.finish(x, c.Xn, gain{per: c.noise}) // 4
}
