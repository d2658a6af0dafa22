package solver

import "math"

// Loss is the per-pixel squared W2 distance between the sampler's output law
// and the exact posterior, averaged over y, with its two parts (SPEC §8).
type Loss struct {
	Total    float64 `json:"total"`
	Mean     float64 `json:"mean"`
	Variance float64 `json:"variance"`
}

// SqrtVFloor is ε in the variance part's gradient ∂ℓ/∂V = 1 - √v/max(√V, ε):
// the true derivative is singular where V → 0 with v > 0, so it is clamped
// there, while the loss value itself stays exact (SPEC §8).
const SqrtVFloor = 1e-9

// Target returns, for merged frequency f, the measurement energy E = ρ²λ + σ_y²,
// the Wiener gain W = λρ/E and the posterior variance v = λσ_y²/E (SPEC §3).
// Edge cases follow the mathematics: λ = 0 gives W = v = 0; ρ = 0 gives
// W = 0, v = λ, also when σ_y = 0 (the measurement says nothing, so the
// posterior is the prior); σ_y = 0 and ρ > 0 gives W = 1/ρ, v = 0.
func (p *Problem) Target(f int) (e, w, v float64) {
	return target(p.Freqs.Lambda[f], p.Freqs.Rho[f], p.SigmaY)
}

func target(lam, rho, sy float64) (e, w, v float64) {
	e = rho*rho*lam + sy*sy
	switch {
	case lam == 0:
		return e, 0, 0
	case rho == 0:
		return e, 0, lam
	}
	return e, lam * rho / e, lam * sy * sy / e
}

// FreqLoss returns the loss parts of one frequency whose output law is
// N(B·Ỹ, V), ℓ = E(B - W)² + (√V - √v)², and the partials ∂ℓ/∂B, ∂ℓ/∂V (the
// latter clamped as [SqrtVFloor] says).
func FreqLoss(e, w, v, b, vv float64) (mean, variance, dB, dV float64) {
	d := b - w
	sV, sv := math.Sqrt(vv), math.Sqrt(v)
	r := sV - sv
	mean, variance = e*d*d, r*r
	dB = 2 * e * d
	dV = 1
	if sv > 0 {
		dV = 1 - sv/math.Max(sV, SqrtVFloor)
	}
	return
}

// Sum is Neumaier's compensated sum, so that losses over 10⁶ frequencies
// agree across chunkings and backends to far better than 1e-12. The zero
// value is an empty sum.
type Sum struct{ s, c float64 }

// Add adds x.
func (a *Sum) Add(x float64) {
	t := a.s + x
	if math.Abs(a.s) >= math.Abs(x) {
		a.c += (a.s - t) + x
	} else {
		a.c += (x - t) + a.s
	}
	a.s = t
}

// Value returns the sum.
func (a *Sum) Value() float64 { return a.s + a.c }
