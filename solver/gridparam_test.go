package solver

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGridMapRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		grid  string
		steps int
	}{{"vp-linear", 2}, {"vp-linear", 10}, {"vp-linear", 1024}, {"cosine", 50}, {"ddpm-linear", 1000}} {
		g, err := NewGrid(tc.grid, tc.steps)
		if err != nil {
			t.Fatal(err)
		}
		m := newGridMap(g.Abar)
		th, moved := m.Theta(g.Abar)
		if moved != 0 {
			t.Errorf("%s T=%d: %d entries moved", tc.grid, tc.steps, moved)
		}
		got := make([]float64, len(g.Abar))
		m.Abar(th, got)
		for i := range got {
			if e := math.Abs(got[i]-g.Abar[i]) / g.Abar[i]; e > 1e-12 {
				t.Errorf("%s T=%d: ᾱ_%d = %.17g after the round trip, want %.17g", tc.grid, tc.steps, i, got[i], g.Abar[i])
				break
			}
		}
	}
}

// TestGridMapHostile checks that every θ, however extreme, gives a strictly
// decreasing grid with ᾱ_0 = 1 and the start's ᾱ_T.
func TestGridMapHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	extremes := []float64{0, 1e300, -1e300, math.Inf(1), math.Inf(-1), 800, -800, 40, -40, 1e-300}
	for _, T := range []int{1, 2, 3, 50, 1024} {
		g, _ := NewGrid("vp-linear", T)
		m := newGridMap(g.Abar)
		dst := make([]float64, T+1)
		for trial := 0; trial < 200; trial++ {
			th := make([]float64, m.Len())
			for k := range th {
				switch trial % 4 {
				case 0:
					th[k] = extremes[r.IntN(len(extremes))]
				case 1:
					th[k] = 1e3 * r.NormFloat64()
				case 2:
					th[k] = extremes[trial/4%len(extremes)]
				default:
					th[k] = math.Ldexp(r.NormFloat64(), r.IntN(2000)-1000)
				}
			}
			m.Abar(th, dst)
			if err := (Grid{Name: "designed", Abar: dst}).Validate(); err != nil {
				t.Fatalf("T=%d θ=%v: %v", T, th[:min(len(th), 4)], err)
			}
			if dst[T] != g.Abar[T] {
				t.Fatalf("T=%d: ᾱ_T = %v, want the start's %v", T, dst[T], g.Abar[T])
			}
			if dst[1] > 1-1e-9*(1-1e-6) {
				t.Fatalf("T=%d: ᾱ_1 = %.17g above the bound 1 - 1e-9", T, dst[1])
			}
		}
	}
}

// TestGridMapPullback checks ∂L/∂θ against central differences for a
// smooth test function of the grid, L = Σ w_i log ᾱ_i + Σ v_i ᾱ_i².
func TestGridMapPullback(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for _, T := range []int{2, 3, 17} {
		g, _ := NewGrid("cosine", T)
		m := newGridMap(g.Abar)
		th, _ := m.Theta(g.Abar)
		for k := range th {
			th[k] += 0.3 * r.NormFloat64()
		}
		w, v := make([]float64, T+1), make([]float64, T+1)
		for i := range w {
			w[i], v[i] = r.NormFloat64(), r.NormFloat64()
		}
		ab := make([]float64, T+1)
		loss := func(x []float64) float64 {
			m.Abar(x, ab)
			s := 0.0
			for i := 1; i < T; i++ {
				s += w[i]*math.Log(ab[i]) + v[i]*ab[i]*ab[i]
			}
			return s
		}
		loss(th)
		gA := make([]float64, T+1)
		for i := 1; i < T; i++ {
			gA[i] = w[i]/ab[i] + 2*v[i]*ab[i]
		}
		gA[0], gA[T] = 1e9, 1e9 // fixed entries: must be ignored
		got := make([]float64, len(th))
		m.Pullback(th, ab, gA, got)
		for k := range th {
			h := 1e-5
			x := append([]float64(nil), th...)
			x[k] = th[k] + h
			lp := loss(x)
			x[k] = th[k] - h
			lm := loss(x)
			num := (lp - lm) / (2 * h)
			if e := math.Abs(got[k] - num); e > 1e-6*math.Max(1, math.Abs(num)) {
				t.Errorf("T=%d θ_%d: analytic %.10g, numeric %.10g", T, k, got[k], num)
			}
		}
	}
}
