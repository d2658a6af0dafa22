package solver

// oracle is DDIM(η) driven by the exact conditional mean E[x0 | x_i, y]
// (SPEC §6). It has no knobs; its loss is the error floor that T steps leave.
//
// Notation (step i): A, S, Ap; σ_i, d at the base η; g, e, c from [denoise].
//
//  1. g_c = g σ_y²/(ρ² c + σ_y²), h_c = c ρ/(ρ² c + σ_y²) (g_c = g, h_c = 0 where 0/0)
//  2. a = Ap g_c + d (1 - A g_c)/S, b = h_c (Ap - d A/S), c² = σ_i²
//  3. grid: with den = ρ² c + σ_y², den_x = ρ² c_x,
//     g_c,x = σ_y²(g_x den - g den_x)/den², h_c,x = ρ(c_x den - c den_x)/den²,
//     and a, b differentiated through A, S (as 1/S), Ap, d ([StepDeriv])
type oracle struct {
	standardInit
	noRule
}

func (oracle) coeffs(p *Problem, dst []Coeffs, lam, rho float64, _ [][]float64, want Partials) {
	sy2 := p.SigmaY * p.SigmaY
	for j := range dst {
		s := &p.Steps[j]
		g, e, cv := denoise(s, lam)
		gc, hc := g, 0.0
		den := rho*rho*cv + sy2
		if den > 0 {
			gc, hc = g*sy2/den, cv*rho/den
		}
		c := &dst[j]
		c.A, c.B, c.C2 = s.Ap*gc+s.D*(1-s.A*gc)*s.InvS, hc*(s.Ap-s.D*s.A*s.InvS), s.Sigma*s.Sigma
		if want&GridPartials != 0 {
			sd := &s.Deriv
			gx, _, cx := denoiseDeriv(s, lam, g, e)
			gcx, hcx := gx, 0.0
			if den > 0 {
				denx := rho * rho * cx
				gcx = sy2 * (gx*den - g*denx) / (den * den)
				hcx = rho * (cx*den - cv*denx) / (den * den)
			}
			res := 1 - s.A*gc
			resx := -(sd.AX*gc + s.A*gcx)
			ax := s.Ap*gcx + sd.DX*res*s.InvS + s.D*resx*s.InvS + s.D*res*sd.InvSX
			apr := sd.ApP*gc + sd.DP*res*s.InvS
			k := s.Ap - s.D*s.A*s.InvS
			kx := -(sd.DX*s.A*s.InvS + s.D*sd.AX*s.InvS + s.D*s.A*sd.InvSX)
			kp := sd.ApP - sd.DP*s.A*s.InvS
			c.GridX = [3]float64{ax, hcx*k + hc*kx, sd.Sigma2X}
			c.GridP = [3]float64{apr, hc * kp, sd.Sigma2P}
		}
	}
}

// heuristic: no knobs.
func (oracle) heuristic(p *Problem) *Knobs { return p.NewKnobs() }
