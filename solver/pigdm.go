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
//  4. grid: with N = A r² g, den = r² ρ² + σ_y², r²_x = -1 (or c_x),
//     kw_x = Ap (N_x den - N r²_x ρ²)/den², kw_p = Ap_p N/den;
//     a_x = a₀_x - w(kw_x g + kw g_x)ρ², a_p = a₀_p - w kw_p g ρ²,
//     b_x = w kw_x ρ, b_p = w kw_p ρ, c² as dps
type pigdm struct {
	standardInit
	noRule
}

func (pigdm) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials) {
	w := kv[0]
	spectral := p.Options.R2Value() == "spectral"
	sy2 := p.SigmaY * p.SigmaY
	rr := rho * rho
	for j := range dst {
		s := &p.Steps[j]
		g, e, cv := denoise(s, lam)
		r2 := 1 - s.Abar
		if spectral {
			r2 = cv
		}
		kw := 0.0
		den := r2*rr + sy2
		if den > 0 {
			kw = s.Ap * s.A * r2 * g / den
		}
		k := w[j] * kw
		c := &dst[j]
		c.A, c.B, c.C2 = s.Ap*g+s.D*e-k*g*rr, k*rho, s.Sigma*s.Sigma
		if want&KnobPartials != 0 {
			c.DA[0], c.DB[0], c.DC2[0] = -kw*g*rr, kw*rho, 0
		}
		if want&GridPartials != 0 {
			gx, ex, cx := denoiseDeriv(s, lam, g, e)
			ax, ap := baseDeriv(s, g, e, gx, ex)
			r2x := -1.0
			if spectral {
				r2x = cx
			}
			kwx, kwp := 0.0, 0.0
			if den > 0 {
				n := s.A * r2 * g
				nx := s.Deriv.AX*r2*g + s.A*r2x*g + s.A*r2*gx
				kwx = s.Ap * (nx*den - n*r2x*rr) / (den * den)
				kwp = s.Deriv.ApP * n / den
			}
			wj := w[j]
			c.GridX = [3]float64{ax - wj*(kwx*g+kw*gx)*rr, wj * kwx * rho, s.Deriv.Sigma2X}
			c.GridP = [3]float64{ap - wj*kwp*g*rr, wj * kwp * rho, s.Deriv.Sigma2P}
		}
	}
}

// heuristic: w = 1.
func (pigdm) heuristic(p *Problem) *Knobs { return p.NewKnobs(1) }
