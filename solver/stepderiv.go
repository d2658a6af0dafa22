package solver

// StepDeriv holds the derivatives of a step's scalars with respect to the
// two grid values the step touches: X marks ∂/∂ᾱ_i (the level the step
// leaves), P marks ∂/∂ᾱ_{i-1} (the level it reaches). They feed the grid
// gradient (see [Coeffs]). Step 1 reaches ᾱ_0 = 1, which is fixed, so its P
// entries are 0 (some are infinite there: ∂√(1-ᾱ_{i-1}) at ᾱ_{i-1} = 1).
//
// With x = ᾱ_i, p = ᾱ_{i-1}:
//
//	A_x = 1/(2A)              S_x = -1/(2S)           InvS_x = ½(1-x)^{-3/2}
//	Ap_p = 1/(2Ap)            Sp_p = -1/(2Sp)
//	β̃ = (1-p)(p-x)/(p(1-x)): β̃_x = -(1-p)²/(p(1-x)²),  β̃_p = (x-p²)/(p²(1-x))
//	d² = 1-p-η²β̃:            d_x = -η²β̃_x/(2d),      d_p = -(1+η²β̃_p)/(2d)  (0 where d = 0)
//	κx = (p-x)/(√p(1-x)):     κx_x = (p-1)/(√p(1-x)²), κx_p = (p+x)/(2p^{3/2}(1-x))
//	κt = √x(1-p)/(√p(1-x)):   κt_x = (1-p)(1+x)/(2√(px)(1-x)²), κt_p = -√x(1+p)/(2p^{3/2}(1-x))
//	SNR = x/(1-x):            SNR_x = 1/(1-x)²
type StepDeriv struct {
	AX, SX, InvSX    float64
	ApP, SpP         float64
	BetaX, BetaP     float64
	DX, DP           float64 // of d at the base η
	Sigma2X, Sigma2P float64 // of σ_i² = η²β̃ at the base η
	KappaXX, KappaXP float64
	KappaTX, KappaTP float64
	SNRX             float64
}

// stepDeriv returns the derivatives of step s (step 1 when first) at base η.
func stepDeriv(s *Step, eta float64, first bool) StepDeriv {
	x, p := s.Abar, s.AbarPrev
	ox := 1 - x
	d := StepDeriv{
		AX:      0.5 / s.A,
		SX:      -0.5 / s.S,
		InvSX:   0.5 / (ox * s.S),
		BetaX:   -(1 - p) * (1 - p) / (p * ox * ox),
		KappaXX: (p - 1) / (s.Ap * ox * ox),
		KappaTX: (1 - p) * (1 + x) / (2 * s.A * s.Ap * ox * ox),
		SNRX:    1 / (ox * ox),
	}
	if !first {
		p32 := p * s.Ap
		d.ApP = 0.5 / s.Ap
		d.SpP = -0.5 / s.Sp
		d.BetaP = (x - p*p) / (p * p * ox)
		d.KappaXP = (p + x) / (2 * p32 * ox)
		d.KappaTP = -s.A * (1 + p) / (2 * p32 * ox)
	}
	e2 := eta * eta
	d.Sigma2X, d.Sigma2P = e2*d.BetaX, e2*d.BetaP
	if s.D > 0 {
		d.DX = -e2 * d.BetaX / (2 * s.D)
		if !first {
			d.DP = -(1 + e2*d.BetaP) / (2 * s.D)
		}
	}
	return d
}

// baseDeriv returns ∂a₀/∂ᾱ_i and ∂a₀/∂ᾱ_{i-1} of the DDIM step at the base
// η, a₀ = Ap g + d e, given the denoiser gains and their x-derivatives.
func baseDeriv(s *Step, g, e, gx, ex float64) (ax, ap float64) {
	return s.Ap*gx + s.Deriv.DX*e + s.D*ex, s.Deriv.ApP*g + s.Deriv.DP*e
}

// denoiseDeriv returns ∂/∂ᾱ_i of the denoiser gains g, e of [denoise]
// (given them, at the same step and λ): with v = ᾱ_i λ + 1 - ᾱ_i,
// v_x = λ - 1 and 1/v = e/S (S > 0 as ᾱ_i < 1, so no second division),
//
//	g_x = λ(A_x v - A v_x)/v² = (λ A_x - g v_x)/v,
//	e_x = (S_x v - S v_x)/v²  = (S_x - e v_x)/v,
//	c_x = -λ²/v².
func denoiseDeriv(s *Step, lam, g, e float64) (gx, ex, cx float64) {
	iv := e * s.InvS
	vx := lam - 1
	li := lam * iv
	return (lam*s.Deriv.AX - g*vx) * iv, (s.Deriv.SX - e*vx) * iv, -li * li
}
