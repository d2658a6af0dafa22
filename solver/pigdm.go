package solver

// pigdm is ΠGDM in the practical form of public implementations (SPEC §6):
// the vector-Jacobian guidance scaled by Ap·A·r², on the DDIM(η) step.
//
// Notation (step i): A = √ᾱ_i, Ap = √ᾱ_{i-1}; σ_i, d at the base η; g, e, c
// from [denoise]; r² = 1 - ᾱ_i (heuristic) or c (spectral).
//
//  1. k = w·kw with kw = Ap A r² g / (r² ρ² + σ_y²) (kw = 0 where that is 0/0)
//  2. a = a₀ - k g ρ², b = k ρ, c² = σ_i², with a₀ = Ap·g + d·e
//  3. ∂a/∂w = -kw g ρ², ∂b/∂w = kw ρ
type pigdm struct {
	standardInit
	noRule
}

func (pigdm) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, grad bool) {
	w := kv[0]
	spectral := p.Options.R2Value() == "spectral"
	sy2 := p.SigmaY * p.SigmaY
	for j := range dst {
		s := &p.Steps[j]
		g, e, c := denoise(s, lam)
		r2 := 1 - s.Abar
		if spectral {
			r2 = c
		}
		kw := 0.0
		if den := r2*rho*rho + sy2; den > 0 {
			kw = s.Ap * s.A * r2 * g / den
		}
		k := w[j] * kw
		dst[j] = Coeffs{A: s.Ap*g + s.D*e - k*g*rho*rho, B: k * rho, C2: s.Sigma * s.Sigma}
		if grad {
			dst[j].DA[0] = -kw * g * rho * rho
			dst[j].DB[0] = kw * rho
		}
	}
}

// heuristic: w = 1.
func (pigdm) heuristic(p *Problem) *Knobs { return p.NewKnobs(1) }
