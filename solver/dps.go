package solver

import "math"

// dps is diffusion posterior sampling (SPEC §6): the DDIM(η) step followed by
// a gradient step of size ζ_i on ½‖y - H x̂0(x_i)‖².
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1}; σ_i, d at the
// base η; g, e, c from [denoise].
//
//  1. a₀ = Ap·g + d·e (the DDIM step)
//  2. a = a₀ - ζ g² ρ², b = ζ g ρ, c² = σ_i²
//  3. ∂a/∂ζ = -g² ρ², ∂b/∂ζ = g ρ
type dps struct{ standardInit }

// dpsScale is s in the heuristic ζ_i = s / R_i (SPEC §6).
const dpsScale = 0.3

func (dps) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, grad bool) {
	zeta := kv[0]
	for j := range dst {
		s := &p.Steps[j]
		g, e, _ := denoise(s, lam)
		gr := g * rho
		z := zeta[j]
		dst[j] = Coeffs{A: s.Ap*g + s.D*e - z*gr*gr, B: z * gr, C2: s.Sigma * s.Sigma}
		if grad {
			dst[j].DA[0] = -gr * gr
			dst[j].DB[0] = gr
		}
	}
}

// heuristic is ζ_i = s/R_i with R_i² the expected squared residual norm over
// the whole image before step i, R_i² = Σ_k m_k (m_yy - 2ρ g m_xy + ρ² g² m_xx),
// from the forward second moments m_xx ← a² m_xx + 2ab m_xy + b² m_yy + c²,
// m_xy ← a m_xy + b m_yy, started at (m_xx, m_xy) = (1, 0) (SPEC §6). The
// same ζ_i applies to every band.
func (dps) heuristic(p *Problem) *Knobs {
	fr := &p.Freqs
	n := fr.Len()
	mxx := make([]float64, n)
	mxy := make([]float64, n)
	myy := make([]float64, n)
	for f := range mxx {
		mxx[f] = 1
		myy[f], _, _ = p.Target(f)
	}
	k := p.NewKnobs()
	for j := p.T() - 1; j >= 0; j-- {
		s := &p.Steps[j]
		var r2 Sum
		for f := 0; f < n; f++ {
			g, _, _ := denoise(s, fr.Lambda[f])
			gr := g * fr.Rho[f]
			r2.Add(fr.Mult[f] * (myy[f] - 2*gr*mxy[f] + gr*gr*mxx[f]))
		}
		zeta := 0.0
		if r := math.Sqrt(r2.Value()); r > 0 {
			zeta = dpsScale / r
		}
		for b := 0; b < p.Bands; b++ {
			k.Values[0][j*p.Bands+b] = zeta
		}
		c2 := s.Sigma * s.Sigma
		for f := 0; f < n; f++ {
			g, e, _ := denoise(s, fr.Lambda[f])
			gr := g * fr.Rho[f]
			a := s.Ap*g + s.D*e - zeta*gr*gr
			b := zeta * gr
			mxx[f] = a*a*mxx[f] + 2*a*b*mxy[f] + b*b*myy[f] + c2
			mxy[f] = a*mxy[f] + b*myy[f]
		}
	}
	return k
}

// rule gives the reference ζ*_{i,k} = κ_i/(ρ² c + σ_y²), κ_i = Ap S²/A - d S,
// the exact conditional score (0 where the denominator is 0).
func (dps) rule(p *Problem, r Rule, j int, lam, rho float64, dst []float64) bool {
	if r != RuleReference {
		return false
	}
	s := &p.Steps[j]
	_, _, c := denoise(s, lam)
	den := rho*rho*c + p.SigmaY*p.SigmaY
	dst[0] = 0
	if den > 0 {
		dst[0] = (s.Ap*s.S*s.S/s.A - s.D*s.S) / den
	}
	return true
}
