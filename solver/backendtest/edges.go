package backendtest

import (
	"math"
	"testing"

	"github.com/spectune/spectune/solver"
)

// testEdges checks the edge rows of SPEC §3 and §11 against values computed
// here by hand.
func testEdges(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	one := func(n int, v float64) []float64 {
		a := make([]float64, n)
		for i := range a {
			a[i] = v
		}
		return a
	}
	grid10 := mustGrid(t, "vp-linear", 10)
	for _, tc := range []struct {
		name   string
		cfg    solver.Config
		knobs  []float64
		want   func(p *solver.Problem) float64
		source string
	}{
		{
			// λ ≡ 0: the posterior is a point mass at 0 and every
			// DDIM-based sampler collapses onto it at the last step
			// (a = d e with d = 0 at i = 1), so the loss is 0.
			name: "lambda=0 dps", cfg: solver.Config{Height: 3, Width: 4, Prior: one(12, 0), Response: one(12, 0.5), SigmaY: 0.1, Grid: grid10, Method: "dps"},
			knobs: []float64{0.7}, want: func(*solver.Problem) float64 { return 0 }, source: "SPEC §5: d = 0 at i = 1",
		},
		{
			// λ ≡ 0 for ddnm: the last step has κx = 1, κt = 0, β̃ = 0, so
			// x_0 = (λ_1/ρ) Ỹ and the loss is E·(λ_1/ρ)² with E = σ_y².
			name: "lambda=0 ddnm", cfg: solver.Config{Height: 1, Width: 5, Prior: one(5, 0), Response: one(5, 0.5), SigmaY: 0.1, Grid: grid10, Method: "ddnm"},
			knobs: []float64{0.3}, want: func(*solver.Problem) float64 { return 0.01 * (0.3 / 0.5) * (0.3 / 0.5) },
			source: "SPEC §6 ddnm at i = 1",
		},
		{
			// σ_y = 0 with ρ > 0: the oracle takes x̂0 = Ỹ/ρ at the last
			// step, exactly the posterior (W = 1/ρ, v = 0): loss 0.
			name: "sigma_y=0 oracle", cfg: solver.Config{Height: 2, Width: 2, Prior: []float64{1, 2, 0.5, 3}, Response: []float64{1, 0.4, 0.9, 0.2}, SigmaY: 0, Grid: grid10, Method: "oracle"},
			want: func(*solver.Problem) float64 { return 0 }, source: "SPEC §3, §6 oracle",
		},
		{
			// ρ ≡ 0: no measurement, so dps is DDIM(η = 1) whatever ζ is,
			// and the target is the prior (W = 0, v = λ).
			name: "rho=0 dps equals ddim", cfg: solver.Config{Height: 2, Width: 3, Prior: []float64{1, 2, 0.5, 3, 0.1, 0.01}, Response: one(6, 0), SigmaY: 0.1, Grid: grid10, Method: "dps"},
			knobs: []float64{5},
			want: func(p *solver.Problem) float64 {
				c := solver.Config{Height: 2, Width: 3, Prior: []float64{1, 2, 0.5, 3, 0.1, 0.01}, Response: one(6, 0), SigmaY: 0.1, Grid: grid10, Method: "ddim"}
				q := mustProblem(t, c)
				return evaluate(t, prepare(t, Reference(), q), q.NewKnobs(1), nil).Total
			},
			source: "SPEC §6: where ρ = 0 every y-term is 0",
		},
		{
			// ρ = 0 and σ_y = 0 with λ > 0: E = 0, and the posterior is the
			// prior, v = λ. The SPEC's edge-case sentence reads as if
			// v = 0 here; the mathematics says v = λ (see the README).
			name: "rho=0 sigma_y=0 target is the prior", cfg: solver.Config{Height: 1, Width: 1, Prior: []float64{2}, Response: []float64{0}, SigmaY: 0, Grid: mustGrid(t, "vp-linear", 1), Method: "ddim"},
			knobs: []float64{0.5},
			// T = 1: x_0 = g x_1 with g = A λ/(ᾱλ + 1 - ᾱ), V = g²,
			// loss (g - √λ)².
			want: func(p *solver.Problem) float64 {
				ab := p.Grid.Abar[1]
				g := math.Sqrt(ab) * 2 / (ab*2 + 1 - ab)
				return (g - math.Sqrt(2)) * (g - math.Sqrt(2))
			},
			source: "SPEC §3 with ρ = 0; §5 at T = 1",
		},
		{
			// T = 1 with a measurement: x_0 = g x_1 (+ ζ g ρ residual for
			// dps), B = ζ g ρ, V = (g - ζ g² ρ²)².
			name: "T=1 dps", cfg: solver.Config{Height: 1, Width: 1, Prior: []float64{2}, Response: []float64{0.7}, SigmaY: 0.1, Grid: mustGrid(t, "cosine", 1), Method: "dps"},
			knobs: []float64{0.4},
			want: func(p *solver.Problem) float64 {
				ab := p.Grid.Abar[1]
				lam, rho, sy, z := 2.0, 0.7, 0.1, 0.4
				g := math.Sqrt(ab) * lam / (ab*lam + 1 - ab)
				a, b := g-z*g*g*rho*rho, z*g*rho
				e := rho*rho*lam + sy*sy
				w, v := lam*rho/e, lam*sy*sy/e
				return (e*(b-w)*(b-w) + (math.Abs(a)-math.Sqrt(v))*(math.Abs(a)-math.Sqrt(v)))
			},
			source: "SPEC §6 dps at T = 1, by hand",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProblem(t, tc.cfg)
			ev := prepare(t, newBackend(t), p)
			got := evaluate(t, ev, p.NewKnobs(tc.knobs...), nil).Total
			want := tc.want(p)
			if math.Abs(got-want) > 1e-13+1e-12*math.Abs(want) {
				t.Errorf("loss %.17g, want %.17g (%s)", got, want, tc.source)
			}
		})
	}
	t.Run("prime size", func(t *testing.T) {
		// A 7×11 grid has no H = W symmetry; merge and gradient must hold.
		for _, m := range []string{"dps", "ddrm"} {
			c := ProblemConfig(t, m, 7, 11, 5, 2)
			p := mustProblem(t, c)
			c.NoMerge = true
			pu := mustProblem(t, c)
			b := newBackend(t)
			k := randomKnobs(p, 11)
			lm, lu := evaluate(t, prepare(t, b, p), k, nil), evaluate(t, prepare(t, b, pu), k, nil)
			if relErr(lm.Total, lu.Total) > 1e-12 {
				t.Errorf("%s 7×11: merged %.17g, unmerged %.17g", m, lm.Total, lu.Total)
			}
		}
	})
}
