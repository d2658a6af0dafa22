package solver

import (
	"math"
	"runtime"
	"sync"
)

// dps is diffusion posterior sampling (SPEC §6): the DDIM(η) step followed by
// a gradient step of size ζ_i on ½‖y - H x̂0(x_i)‖².
//
// Notation (step i): A = √ᾱ_i, S = √(1-ᾱ_i), Ap = √ᾱ_{i-1}; σ_i, d at the
// base η; g, e, c from [denoise].
//
//  1. a₀ = Ap·g + d·e (the DDIM step)
//  2. a = a₀ - ζ g² ρ², b = ζ g ρ, c² = σ_i²
//  3. ∂a/∂ζ = -g² ρ², ∂b/∂ζ = g ρ
//  4. grid: a_x = a₀_x - 2ζ g g_x ρ², a_p = a₀_p ([baseDeriv]), b_x = ζ g_x ρ,
//     c²_{x,p} = ∂σ_i² ([StepDeriv])
type dps struct{ standardInit }

// dpsScale is s in the heuristic ζ_i = s / R_i (SPEC §6).
const dpsScale = 0.3

func (dps) coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials) {
	zeta := kv[0]
	for j := range dst {
		s := &p.Steps[j]
		g, e, _ := denoise(s, lam)
		gr := g * rho
		z := zeta[j]
		c := &dst[j]
		c.A, c.B, c.C2 = s.Ap*g+s.D*e-z*gr*gr, z*gr, s.Sigma*s.Sigma
		if want&KnobPartials != 0 {
			c.DA[0], c.DB[0], c.DC2[0] = -gr*gr, gr, 0
		}
		if want&GridPartials != 0 {
			gx, ex, _ := denoiseDeriv(s, lam, g, e)
			ax, ap := baseDeriv(s, g, e, gx, ex)
			c.GridX = [3]float64{ax - 2*z*g*gx*rho*rho, z * gx * rho, s.Deriv.Sigma2X}
			c.GridP = [3]float64{ap, 0, s.Deriv.Sigma2P}
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
	// residual adds m_k (m_yy - 2ρg m_xy + ρ²g² m_xx) at step j+1 to acc.
	residual := func(acc *Sum, j, f int) {
		g, _, _ := denoise(&p.Steps[j], fr.Lambda[f])
		gr := g * fr.Rho[f]
		acc.Add(fr.Mult[f] * (myy[f] - 2*gr*mxy[f] + gr*gr*mxx[f]))
	}
	k := p.NewKnobs()
	T := p.T()
	part := newChunkSums(n)
	part.run(func(acc *Sum, lo, hi int) {
		for f := lo; f < hi; f++ {
			residual(acc, T-1, f)
		}
	})
	for j := T - 1; j >= 0; j-- {
		zeta := 0.0
		if r := math.Sqrt(part.total()); r > 0 {
			zeta = dpsScale / r
		}
		for b := 0; b < p.Bands; b++ {
			k.Values[0][j*p.Bands+b] = zeta
		}
		// Apply step j+1 to the moments and, in the same pass, sum the
		// residual norm the next executed step (j) will see.
		s := &p.Steps[j]
		c2 := s.Sigma * s.Sigma
		part.run(func(acc *Sum, lo, hi int) {
			for f := lo; f < hi; f++ {
				g, e, _ := denoise(s, fr.Lambda[f])
				gr := g * fr.Rho[f]
				a := s.Ap*g + s.D*e - zeta*gr*gr
				b := zeta * gr
				mxx[f] = a*a*mxx[f] + 2*a*b*mxy[f] + b*b*myy[f] + c2
				mxy[f] = a*mxy[f] + b*myy[f]
				if j > 0 {
					residual(acc, j-1, f)
				}
			}
		})
	}
	return k
}

// chunkSums runs a function over fixed chunks of n items on all cores and
// keeps one compensated partial sum per chunk, which total adds in chunk
// order: the result does not depend on the number of cores.
type chunkSums struct {
	n     int
	parts []Sum
}

const sumChunk = 4096

func newChunkSums(n int) *chunkSums {
	return &chunkSums{n: n, parts: make([]Sum, (n+sumChunk-1)/sumChunk)}
}

func (c *chunkSums) run(fn func(acc *Sum, lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), len(c.parts))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := w; ch < len(c.parts); ch += workers {
				// A local accumulator: neighbouring parts share cache lines.
				var acc Sum
				lo := ch * sumChunk
				fn(&acc, lo, min(lo+sumChunk, c.n))
				c.parts[ch] = acc
			}
		}()
	}
	wg.Wait()
}

func (c *chunkSums) total() float64 {
	var t Sum
	for i := range c.parts {
		t.Add(c.parts[i].Value())
	}
	return t.Value()
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
