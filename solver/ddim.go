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
type ddim struct {
	standardInit
	noRule
}

func (ddim) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, grad bool) {
	eta := kv[0]
	for j := range dst {
		s := &p.Steps[j]
		g, e, _ := denoise(s, lam)
		h := eta[j]
		sig2 := h * h * s.Beta
		d := math.Sqrt(math.Max(0, 1-s.AbarPrev-sig2))
		dst[j] = Coeffs{A: s.Ap*g + d*e, C2: sig2}
		if grad {
			if d > 0 {
				dst[j].DA[0] = -e * h * s.Beta / d
			}
			dst[j].DC2[0] = 2 * h * s.Beta
		}
	}
}

// heuristic: η = 1, the DDPM ancestral sampler.
func (ddim) heuristic(p *Problem) *Knobs { return p.NewKnobs(1) }
