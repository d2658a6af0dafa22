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
type ddrm struct{ noRule }

func (ddrm) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, grad bool) {
	sy := p.SigmaY
	for j := range dst {
		st := &p.Steps[j]
		g, e, _ := denoise(st, lam)
		ap, sp, sp2 := st.Ap, st.Sp, 1-st.AbarPrev
		eta, etab := kv[0][j], kv[1][j]
		s := math.Sqrt(math.Max(0, 1-eta*eta))
		ds := 0.0
		if s > 0 {
			ds = -eta / s
		}
		switch {
		case rho == 0:
			dst[j] = Coeffs{A: ap*g + s*sp*e, C2: eta * eta * sp2}
			if grad {
				dst[j].DA[0] = ds * sp * e
				dst[j].DC2[0] = 2 * eta * sp2
			}
		case rho*sp < ap*sy:
			dst[j] = Coeffs{A: g * (ap - s*sp*rho/sy), B: s * sp / sy, C2: eta * eta * sp2}
			if grad {
				dst[j].DA[0] = -g * ds * sp * rho / sy
				dst[j].DB[0] = ds * sp / sy
				dst[j].DC2[0] = 2 * eta * sp2
			}
		default:
			q := st.AbarPrev * sy * sy / (rho * rho)
			c2 := sp2 - q*etab*etab
			clamped := c2 < 0
			if clamped {
				c2 = 0
			}
			dst[j] = Coeffs{A: ap * (1 - etab) * g, B: ap * etab / rho, C2: c2}
			if grad {
				dst[j].DA[1] = -ap * g
				dst[j].DB[1] = ap / rho
				if !clamped {
					dst[j].DC2[1] = -2 * q * etab
				}
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

// heuristic: η = 0.85, ηb = 1.
func (ddrm) heuristic(p *Problem) *Knobs { return p.NewKnobs(0.85, 1) }
