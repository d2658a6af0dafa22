package solver

import "math"

// GridKnob is the name that frees the grid in [TuneSettings.Free].
const GridKnob = "grid"

// Bounds of the free grid (see [gridMap]).
const (
	// GridMaxLogSNR bounds log-SNR γ_1 = log(ᾱ_1/(1-ᾱ_1)) of a designed
	// grid, ᾱ_1 ≤ 1 - 1e-9, unless the start grid lies above it (then the
	// bound is the start's γ_1 + 1).
	GridMaxLogSNR = 20.723265836946411 // LogSNR(1 - 1e-9)
	// gridFloor is μ: the span γ_1 - γ_T is at least μ of its range, and
	// every decrement γ_{i-1} - γ_i at least μ/(T-1) of the span, so that no
	// θ can make two grid values equal.
	gridFloor = 1e-3
	// gridMovedWeight is the softmax weight given to a start decrement
	// below its floor.
	gridMovedWeight = 1e-6
)

// gridMap is the unconstrained parametrisation of a free grid: every θ
// gives a valid grid 1 = ᾱ_0 > ᾱ_1 > … > ᾱ_T. It works in log-SNR
// γ_i = log(ᾱ_i/(1-ᾱ_i)); ᾱ_T keeps the start grid's value (so x_T ~ N(0, 1)
// stays the sampler's start), and with Γ = γ_max - γ_T, μ = gridFloor:
//
//	span       s = γ_1 - γ_T = Γ (μ + (1-μ) σ(θ_0))
//	decrements δ_i = γ_{i-1} - γ_i = s ((1-μ) softmax(θ_1 … θ_{T-1})_{i-1} + μ/(T-1)),  i = 2 … T
//	grid       γ_i = γ_T + Σ_{m>i} δ_m,  ᾱ_i = σ(γ_i)
//
// σ is the logistic function. T = 1 has no free value (ᾱ_1 = ᾱ_T). The
// decrements are a softmax so that they are positive and sum to the span
// however large θ gets; the floors keep them positive in floating point.
type gridMap struct {
	T              int
	abarT          float64 // ᾱ_T, fixed
	gammaT, gammaM float64 // γ_T and γ_max
	// w and dw are scratch for the softmax weights and their adjoints
	// (T-1 each), so that an evaluation allocates nothing.
	w, dw []float64
}

// newGridMap returns the map that keeps ᾱ_T of start (ᾱ_0 … ᾱ_T).
func newGridMap(start []float64) *gridMap {
	T := len(start) - 1
	m := &gridMap{T: T, abarT: start[T], gammaT: LogSNR(start[T]), gammaM: GridMaxLogSNR}
	if T > 1 {
		m.gammaM = math.Max(GridMaxLogSNR, LogSNR(start[1])+1)
		m.w, m.dw = make([]float64, T-1), make([]float64, T-1)
	}
	return m
}

// Len returns the number of θ entries: T, or 0 for T = 1.
func (m *gridMap) Len() int {
	if m.T < 2 {
		return 0
	}
	return m.T
}

// LogSNR returns the log signal-to-noise ratio log(ᾱ/(1-ᾱ)) of a grid
// level, the logit of ᾱ: the coordinate in which grids are designed and
// drawn.
func LogSNR(a float64) float64 { return logit(a) }

// logit is the inverse of the logistic function.
func logit(x float64) float64 { return math.Log(x) - math.Log1p(-x) }

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// clamp maps ±Inf to ±1e300, where exp and the softmax stay defined.
func clamp(x float64) float64 { return math.Max(-1e300, math.Min(1e300, x)) }

// Theta returns θ for the grid start (its ᾱ_T must be the map's) and the
// number of entries that had to be moved to be representable (a span or a
// decrement below its floor).
func (m *gridMap) Theta(start []float64) (theta []float64, moved int) {
	n := m.Len()
	if n == 0 {
		return nil, 0
	}
	T := m.T
	theta = make([]float64, n)
	gam := make([]float64, T+1)
	for i := 1; i <= T; i++ {
		gam[i] = LogSNR(start[i])
	}
	gam[T] = m.gammaT
	G := m.gammaM - m.gammaT
	s := gam[1] - m.gammaT
	u := (s/G - gridFloor) / (1 - gridFloor)
	if !(u > 0 && u < 1) {
		moved++
		u = math.Min(math.Max(u, 1e-12), 1-1e-12)
	}
	theta[0] = logit(u)
	floor := gridFloor / float64(T-1)
	for i := 2; i <= T; i++ {
		r := ((gam[i-1]-gam[i])/s - floor) / (1 - gridFloor)
		if !(r > 0) {
			// Below the floor: start just above it, where the softmax
			// still has a gradient (at r = 1e-300 it would have none).
			moved++
			r = gridMovedWeight
		}
		theta[i-1] = math.Log(r)
	}
	return theta, moved
}

// Abar writes the grid ᾱ_0 … ᾱ_T of θ into dst (T+1 entries). Infinite θ
// entries are taken as ±1e300; NaN must be rejected by the caller.
func (m *gridMap) Abar(theta, dst []float64) {
	T := m.T
	dst[0], dst[T] = 1, m.abarT
	if T < 2 {
		return
	}
	s, p := m.spanAndWeights(theta)
	floor := gridFloor / float64(T-1)
	g := m.gammaT
	for i := T; i >= 2; i-- {
		g += s * ((1-gridFloor)*p[i-2] + floor)
		a := logistic(g)
		// The floors keep decrements positive; near ᾱ = 1 two of them can
		// still round to the same float64, so the order is enforced bit by
		// bit (a change of one ulp, where the gradient ignores it).
		if !(a > dst[i]) {
			a = math.Nextafter(dst[i], 1)
		}
		dst[i-1] = a
	}
}

// spanAndWeights returns s and softmax(θ_1 … θ_{T-1}) (in m.w).
func (m *gridMap) spanAndWeights(theta []float64) (float64, []float64) {
	G := m.gammaM - m.gammaT
	s := G * (gridFloor + (1-gridFloor)*logistic(clamp(theta[0])))
	w := theta[1:]
	mx := math.Inf(-1)
	for _, v := range w {
		mx = math.Max(mx, clamp(v))
	}
	p := m.w
	var sum float64
	for k, v := range w {
		p[k] = math.Exp(clamp(v) - mx)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return s, p
}

// Pullback writes ∂L/∂θ into dst given the grid abar = Abar(θ) and
// gAbar = ∂L/∂ᾱ_0 … ∂L/∂ᾱ_T (entries 0 and T are ignored: those values are
// fixed).
func (m *gridMap) Pullback(theta, abar, gAbar, dst []float64) {
	T := m.T
	if T < 2 {
		return
	}
	s, p := m.spanAndWeights(theta)
	// ∂L/∂δ_i = Σ_{j<i} ∂L/∂γ_j, with ∂ᾱ/∂γ = ᾱ(1-ᾱ).
	var c, ds, dp float64
	dP := m.dw
	floor := gridFloor / float64(T-1)
	for i := 2; i <= T; i++ {
		c += gAbar[i-1] * abar[i-1] * (1 - abar[i-1])
		delta := s * ((1-gridFloor)*p[i-2] + floor)
		ds += c * delta / s
		dP[i-2] = c * s * (1 - gridFloor)
		dp += p[i-2] * dP[i-2]
	}
	sig := logistic(clamp(theta[0]))
	dst[0] = ds * (m.gammaM - m.gammaT) * (1 - gridFloor) * sig * (1 - sig)
	for k := range dP {
		dst[k+1] = p[k] * (dP[k] - dp)
	}
}
