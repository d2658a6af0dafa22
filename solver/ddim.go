package solver

import "math"

// ddim is the unconditional DDIM(η) sampler of SPEC §5–§6 with η_i as its
// per-step knob.
//
// Notation (step i, ᾱ_i → ᾱ_{i-1}): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1},
// β̃ = σ_i(1)², g, e from [denoise].
//
//  1. σ_i(η)² = η² β̃, d = √max(0, 1 - ᾱ_{i-1} - σ_i²)
//  2. a = Ap·g + d·e, b = 0, c² = σ_i²
//  3. ∂a/∂η = e·∂d/∂η = -e·η β̃/d (0 where d = 0), ∂c²/∂η = 2η β̃
//  4. grid (x = ᾱ_i, p = ᾱ_{i-1}; [StepDeriv]): d_x = -η²β̃_x/(2d),
//     d_p = -(1+η²β̃_p)/(2d); a_x = Ap g_x + d_x e + d e_x, a_p = Ap_p g + d_p e,
//     c²_x = η²β̃_x, c²_p = η²β̃_p
type ddim struct {
	standardInit
	noRule
}

func (ddim) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials) {
	eta := kv[0]
	for j := range dst {
		s := &p.Steps[j]
		g, e, _ := denoise(s, lam)
		h := eta[j]
		sig2 := h * h * s.Beta
		d := math.Sqrt(math.Max(0, 1-s.AbarPrev-sig2))
		c := &dst[j]
		c.A, c.B, c.C2 = s.Ap*g+d*e, 0, sig2
		if want&KnobPartials != 0 {
			c.DA[0], c.DB[0], c.DC2[0] = 0, 0, 2*h*s.Beta
			if d > 0 {
				c.DA[0] = -e * h * s.Beta / d
			}
		}
		if want&GridPartials != 0 {
			sd := &s.Deriv
			gx, ex, _ := denoiseDeriv(s, lam, g, e)
			h2 := h * h
			dx, dp := 0.0, 0.0
			if d > 0 {
				dx, dp = -h2*sd.BetaX/(2*d), -(1+h2*sd.BetaP)/(2*d)
			}
			c.GridX = [3]float64{s.Ap*gx + dx*e + d*ex, 0, h2 * sd.BetaX}
			c.GridP = [3]float64{sd.ApP*g + dp*e, 0, h2 * sd.BetaP}
		}
	}
}

// heuristic: η = 1, the DDPM ancestral sampler.
func (ddim) heuristic(p *Problem) *Knobs { return p.NewKnobs(1) }
