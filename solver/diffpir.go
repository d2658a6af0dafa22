package solver

import "math"

// diffpir is DiffPIR (SPEC §6): a proximal data step on x̂0, then re-noising
// with a fraction ζ of fresh noise.
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap, Sp likewise at i-1; g from
// [denoise]; knobs λ (q = 0) and ζ (q = 1); r = √(1-ζ).
//
//  1. ρ_i = λ σ_y² ᾱ_i/(1-ᾱ_i), q = ρ_i/(ρ²+ρ_i), p = ρ/(ρ²+ρ_i) (q = 1, p = 0 where ρ = 0)
//  2. a = Ap q g + r (Sp/S)(1 - A q g), b = p (Ap - r Sp A/S), c² = ζ Sp²
//  3. the last step (i = 1) has no data step: a = g, b = 0, c² = 0
//  4. ∂q/∂ρ_i = ρ²/(ρ²+ρ_i)², ∂p/∂ρ_i = -ρ/(ρ²+ρ_i)², ∂ρ_i/∂λ = σ_y² ᾱ_i/(1-ᾱ_i), ∂r/∂ζ = -1/(2r)
//  5. grid: ρ_i depends on ᾱ_i through SNR, ratio = Sp/S on both levels;
//     u = 1 - A q g, w = Ap - r ratio A, and a, b, c² are differentiated
//     through them (step 1: a_x = g_x)
type diffpir struct {
	standardInit
	noRule
}

func (diffpir) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials) {
	sy2 := p.SigmaY * p.SigmaY
	knobs, grid := want&KnobPartials != 0, want&GridPartials != 0
	for j := range dst {
		s := &p.Steps[j]
		sd := &s.Deriv
		g, e, _ := denoise(s, lam)
		c := &dst[j]
		if knobs {
			c.DA, c.DB, c.DC2 = [2]float64{}, [2]float64{}, [2]float64{}
		}
		if j == 0 {
			c.A, c.B, c.C2 = g, 0, 0
			if grid {
				gx, _, _ := denoiseDeriv(s, lam, g, e)
				c.GridX, c.GridP = [3]float64{gx, 0, 0}, [3]float64{}
			}
			continue
		}
		ri := kv[0][j] * sy2 * s.SNR
		zeta := kv[1][j]
		qq, pp, dq, dp := 1.0, 0.0, 0.0, 0.0
		if den := rho*rho + ri; rho > 0 && den > 0 {
			qq, pp = ri/den, rho/den
			dq, dp = rho*rho/(den*den), -rho/(den*den)
		}
		r := math.Sqrt(math.Max(0, 1-zeta))
		ratio := s.Sp * s.InvS
		u := 1 - s.A*qq*g
		w := s.Ap - r*ratio*s.A
		c.A, c.B, c.C2 = s.Ap*qq*g+r*ratio*u, pp*w, zeta*(1-s.AbarPrev)
		if knobs {
			dri := sy2 * s.SNR
			c.DA[0] = (s.Ap*g - r*ratio*s.A*g) * dq * dri
			c.DB[0] = dp * dri * w
			if r > 0 {
				dr := -1 / (2 * r)
				c.DA[1] = dr * ratio * u
				c.DB[1] = -pp * dr * ratio * s.A
			}
			c.DC2[1] = 1 - s.AbarPrev
		}
		if grid {
			gx, _, _ := denoiseDeriv(s, lam, g, e)
			rix := kv[0][j] * sy2 * sd.SNRX
			qx, px := dq*rix, dp*rix
			ratioX, ratioP := s.Sp*sd.InvSX, sd.SpP*s.InvS
			ux := -(sd.AX*qq*g + s.A*qx*g + s.A*qq*gx)
			wx := -r * (ratioX*s.A + ratio*sd.AX)
			wp := sd.ApP - r*ratioP*s.A
			c.GridX = [3]float64{s.Ap*(qx*g+qq*gx) + r*(ratioX*u+ratio*ux), px*w + pp*wx, 0}
			c.GridP = [3]float64{sd.ApP*qq*g + r*ratioP*u, pp * wp, -zeta}
		}
	}
}

// heuristic: λ = 7, ζ = 0.1.
func (diffpir) heuristic(p *Problem) *Knobs { return p.NewKnobs(7, 0.1) }
