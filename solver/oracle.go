package solver

// oracle is DDIM(η) driven by the exact conditional mean E[x0 | x_i, y]
// (SPEC §6). It has no knobs; its loss is the error floor that T steps leave.
//
// Notation (step i): A, S, Ap; σ_i, d at the base η; g, e, c from [denoise].
//
//  1. g_c = g σ_y²/(ρ² c + σ_y²), h_c = c ρ/(ρ² c + σ_y²) (g_c = g, h_c = 0 where 0/0)
//  2. a = Ap g_c + d (1 - A g_c)/S, b = h_c (Ap - d A/S), c² = σ_i²
type oracle struct {
	standardInit
	noRule
}

func (oracle) coeffs(p *Problem, dst []Coeffs, lam, rho float64, _ [][]float64, _ bool) {
	sy2 := p.SigmaY * p.SigmaY
	for j := range dst {
		s := &p.Steps[j]
		g, _, c := denoise(s, lam)
		gc, hc := g, 0.0
		if den := rho*rho*c + sy2; den > 0 {
			gc, hc = g*sy2/den, c*rho/den
		}
		dst[j] = Coeffs{A: s.Ap*gc + s.D*(1-s.A*gc)*s.InvS, B: hc * (s.Ap - s.D*s.A*s.InvS), C2: s.Sigma * s.Sigma}
	}
}

// heuristic: no knobs.
func (oracle) heuristic(p *Problem) *Knobs { return p.NewKnobs() }
