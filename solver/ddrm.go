package solver

import "math"

// ddrm is DDRM in VP form (SPEC §6), with three regimes per frequency.
//
// Notation (step i): Ap = √ᾱ_{i-1}, Sp = √(1-ᾱ_{i-1}); g, e from [denoise];
// knobs η (q = 0) and ηb (q = 1); s = √(1-η²).
//
//  1. ρ = 0:              a = Ap g + s Sp e, b = 0, c² = η² Sp²
//  2. ρ Sp < Ap σ_y:      a = g (Ap - s Sp ρ/σ_y), b = s Sp/σ_y, c² = η² Sp²
//  3. otherwise:          a = Ap (1-ηb) g, b = Ap ηb/ρ, c² = max(0, Sp² - ᾱ_{i-1} ηb² σ_y²/ρ²)
//  4. ∂s/∂η = -η/s (0 where s = 0)
//  5. grid: only g, e depend on ᾱ_i and only Ap, Sp, Sp² = 1-ᾱ_{i-1} on
//     ᾱ_{i-1}; each regime's partials follow from its formula (the regime
//     boundary itself is a kink), and the init's B = A_T/ρ,
//     V = 1 - ᾱ_T - ᾱ_T σ_y²/ρ² (or V = 1 - ᾱ_T) depend on ᾱ_T
type ddrm struct{ noRule }

func (ddrm) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials) {
	sy := p.SigmaY
	knobs, grid := want&KnobPartials != 0, want&GridPartials != 0
	for j := range dst {
		st := &p.Steps[j]
		sd := &st.Deriv
		g, e, _ := denoise(st, lam)
		gx, ex := 0.0, 0.0
		if grid {
			gx, ex, _ = denoiseDeriv(st, lam, g, e)
		}
		ap, sp, sp2 := st.Ap, st.Sp, 1-st.AbarPrev
		eta, etab := kv[0][j], kv[1][j]
		s := math.Sqrt(math.Max(0, 1-eta*eta))
		ds := 0.0
		if s > 0 {
			ds = -eta / s
		}
		c := &dst[j]
		if knobs {
			c.DA, c.DB, c.DC2 = [2]float64{}, [2]float64{}, [2]float64{}
		}
		switch {
		case rho == 0:
			c.A, c.B, c.C2 = ap*g+s*sp*e, 0, eta*eta*sp2
			if knobs {
				c.DA[0] = ds * sp * e
				c.DC2[0] = 2 * eta * sp2
			}
			if grid {
				c.GridX = [3]float64{ap*gx + s*sp*ex, 0, 0}
				c.GridP = [3]float64{sd.ApP*g + s*sd.SpP*e, 0, -eta * eta}
			}
		case rho*sp < ap*sy:
			c.A, c.B, c.C2 = g*(ap-s*sp*rho/sy), s*sp/sy, eta*eta*sp2
			if knobs {
				c.DA[0] = -g * ds * sp * rho / sy
				c.DB[0] = ds * sp / sy
				c.DC2[0] = 2 * eta * sp2
			}
			if grid {
				c.GridX = [3]float64{gx * (ap - s*sp*rho/sy), 0, 0}
				c.GridP = [3]float64{g * (sd.ApP - s*sd.SpP*rho/sy), s * sd.SpP / sy, -eta * eta}
			}
		default:
			r2 := sy * sy / (rho * rho)
			q := st.AbarPrev * r2
			c2 := sp2 - q*etab*etab
			clamped := c2 < 0
			if clamped {
				c2 = 0
			}
			c.A, c.B, c.C2 = ap*(1-etab)*g, ap*etab/rho, c2
			if knobs {
				c.DA[1] = -ap * g
				c.DB[1] = ap / rho
				if !clamped {
					c.DC2[1] = -2 * q * etab
				}
			}
			if grid {
				c2p := 0.0
				if !clamped {
					c2p = -1 - r2*etab*etab
				}
				c.GridX = [3]float64{ap * (1 - etab) * gx, 0, 0}
				c.GridP = [3]float64{sd.ApP * (1 - etab) * g, sd.ApP * etab / rho, c2p}
			}
		}
	}
}

// init: where ρ S_T > A_T σ_y, x_T = (A_T/ρ) Ỹ + √(S_T² - A_T² σ_y²/ρ²) z,
// else x_T = S_T z (SPEC §6).
func (ddrm) init(p *Problem, lam, rho float64) (float64, float64) {
	s := &p.Steps[p.T()-1]
	sy := p.SigmaY
	if rho*s.S > s.A*sy {
		t := s.A * sy / rho
		return s.A / rho, math.Max(0, 1-s.Abar-t*t)
	}
	return 0, 1 - s.Abar
}

// initDeriv differentiates init with respect to ᾱ_T.
func (ddrm) initDeriv(p *Problem, lam, rho float64) (float64, float64) {
	s := &p.Steps[p.T()-1]
	sy := p.SigmaY
	if rho*s.S > s.A*sy {
		t := s.A * sy / rho
		if 1-s.Abar-t*t < 0 {
			return s.Deriv.AX / rho, 0
		}
		return s.Deriv.AX / rho, -1 - 2*t*s.Deriv.AX*sy/rho
	}
	return 0, -1
}

// heuristic: η = 0.85, ηb = 1.
func (ddrm) heuristic(p *Problem) *Knobs { return p.NewKnobs(0.85, 1) }
