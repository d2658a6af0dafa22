package solver

import "math"

// ddnm is DDNM+ in DDPM form (SPEC §6): x̂0' = (1-λ) x̂0 + λ Ỹ/ρ, then the
// DDPM posterior step with the injected noise reduced so that the total
// matches β̃.
//
// Notation (step i): κx, κt, β̃ from [Step]; g from [denoise].
//
//  1. a = κx (1-λ) g + κt, b = κx λ/ρ, c² = max(0, β̃ - (κx λ σ_y/ρ)²)
//  2. ∂a/∂λ = -κx g, ∂b/∂λ = κx/ρ, ∂c²/∂λ = -2 κx² λ σ_y²/ρ² (0 where c² is clamped)
//  3. ρ = 0: the unconditional DDPM step a = κx g + κt, b = 0, c² = β̃
//  4. grid (u = 1-λ, or 1 where ρ = 0): a_x = κx_x u g + κx u g_x + κt_x,
//     a_p = κx_p u g + κt_p, b_{x,p} = κx_{x,p} λ/ρ,
//     c²_{x,p} = β̃_{x,p} - 2t κx_{x,p} λ σ_y/ρ (0 where c² is clamped)
type ddnm struct{ standardInit }

func (ddnm) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials) {
	l := kv[0]
	sy := p.SigmaY
	for j := range dst {
		s := &p.Steps[j]
		sd := &s.Deriv
		g, e, _ := denoise(s, lam)
		c := &dst[j]
		if rho == 0 {
			c.A, c.B, c.C2 = s.KappaX*g+s.KappaT, 0, s.Beta
			if want&KnobPartials != 0 {
				c.DA[0], c.DB[0], c.DC2[0] = 0, 0, 0
			}
			if want&GridPartials != 0 {
				gx, _, _ := denoiseDeriv(s, lam, g, e)
				c.GridX = [3]float64{sd.KappaXX*g + s.KappaX*gx + sd.KappaTX, 0, sd.BetaX}
				c.GridP = [3]float64{sd.KappaXP*g + sd.KappaTP, 0, sd.BetaP}
			}
			continue
		}
		lj := l[j]
		t := s.KappaX * lj * sy / rho
		c2 := s.Beta - t*t
		clamped := c2 < 0
		if clamped {
			c2 = 0
		}
		c.A, c.B, c.C2 = s.KappaX*(1-lj)*g+s.KappaT, s.KappaX*lj/rho, c2
		if want&KnobPartials != 0 {
			c.DA[0], c.DB[0], c.DC2[0] = -s.KappaX*g, s.KappaX/rho, 0
			if !clamped {
				c.DC2[0] = -2 * t * s.KappaX * sy / rho
			}
		}
		if want&GridPartials != 0 {
			gx, _, _ := denoiseDeriv(s, lam, g, e)
			u := 1 - lj
			lr := lj / rho
			c2x, c2p := 0.0, 0.0
			if !clamped {
				c2x = sd.BetaX - 2*t*sd.KappaXX*lr*sy
				c2p = sd.BetaP - 2*t*sd.KappaXP*lr*sy
			}
			c.GridX = [3]float64{sd.KappaXX*u*g + s.KappaX*u*gx + sd.KappaTX, sd.KappaXX * lr, c2x}
			c.GridP = [3]float64{sd.KappaXP*u*g + sd.KappaTP, sd.KappaXP * lr, c2p}
		}
	}
}

// heuristic is DDNM+'s per-frequency rule, so it is returned as a rule.
func (ddnm) heuristic(p *Problem) *Knobs {
	k, _ := p.ruleKnobs(RuleHeuristic)
	return k
}

// rule gives DDNM+'s heuristic λ = 1 if √β̃ ≥ κx σ_y/ρ, else √β̃ ρ/(κx σ_y),
// and the reference λ* = ρ² c/(ρ² c + σ_y²) (0 where that is 0/0).
func (ddnm) rule(p *Problem, r Rule, j int, lam, rho float64, dst []float64) bool {
	s := &p.Steps[j]
	sy := p.SigmaY
	switch r {
	case RuleHeuristic:
		sb := math.Sqrt(s.Beta)
		dst[0] = 1
		if sb*rho < s.KappaX*sy {
			dst[0] = sb * rho / (s.KappaX * sy)
		}
	case RuleReference:
		_, _, c := denoise(s, lam)
		num := rho * rho * c
		dst[0] = 0
		if den := num + sy*sy; den > 0 {
			dst[0] = num / den
		}
	default:
		return false
	}
	return true
}
