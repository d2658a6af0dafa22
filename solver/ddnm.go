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
type ddnm struct{ standardInit }

func (ddnm) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, grad bool) {
	l := kv[0]
	sy := p.SigmaY
	for j := range dst {
		s := &p.Steps[j]
		g, _, _ := denoise(s, lam)
		if rho == 0 {
			dst[j] = Coeffs{A: s.KappaX*g + s.KappaT, C2: s.Beta}
			continue
		}
		lj := l[j]
		t := s.KappaX * lj * sy / rho
		c2 := s.Beta - t*t
		clamped := c2 < 0
		if clamped {
			c2 = 0
		}
		dst[j] = Coeffs{A: s.KappaX*(1-lj)*g + s.KappaT, B: s.KappaX * lj / rho, C2: c2}
		if grad {
			dst[j].DA[0] = -s.KappaX * g
			dst[j].DB[0] = s.KappaX / rho
			if !clamped {
				dst[j].DC2[0] = -2 * t * s.KappaX * sy / rho
			}
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
