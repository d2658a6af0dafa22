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
type diffpir struct {
	standardInit
	noRule
}

func (diffpir) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, grad bool) {
	sy2 := p.SigmaY * p.SigmaY
	for j := range dst {
		s := &p.Steps[j]
		g, _, _ := denoise(s, lam)
		if j == 0 {
			dst[j] = Coeffs{A: g}
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
		dst[j] = Coeffs{A: s.Ap*qq*g + r*ratio*u, B: pp * w, C2: zeta * (1 - s.AbarPrev)}
		if grad {
			dri := sy2 * s.SNR
			dst[j].DA[0] = (s.Ap*g - r*ratio*s.A*g) * dq * dri
			dst[j].DB[0] = dp * dri * w
			if r > 0 {
				dr := -1 / (2 * r)
				dst[j].DA[1] = dr * ratio * u
				dst[j].DB[1] = -pp * dr * ratio * s.A
			}
			dst[j].DC2[1] = 1 - s.AbarPrev
		}
	}
}

// heuristic: λ = 7, ζ = 0.1.
func (diffpir) heuristic(p *Problem) *Knobs { return p.NewKnobs(7, 0.1) }
