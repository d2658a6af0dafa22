package backendtest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/solver"
)

// testMonteCarlo runs the scalar recursion x_{i-1} = a x_i + b Ỹ + c z with
// sampled Ỹ ~ N(0, E) and z, for every method, and compares the regression
// of the output on Ỹ (slope B, residual variance V) with the backend's
// closed-form transfer, as z-scores at a fixed seed.
func testMonteCarlo(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	const M = 40000
	for _, m := range solver.Methods() {
		t.Run(m.Name, func(t *testing.T) {
			lam := []float64{1.5, 0.2, 0.7}
			rho := []float64{0.8, 0.05, 0}
			p := mustProblem(t, solver.Config{Height: 1, Width: 3, Prior: lam, Response: rho, SigmaY: 0.1,
				Grid: mustGrid(t, "vp-linear", 8), Method: m.Name})
			k := randomKnobs(p, 21)
			ev := prepare(t, newBackend(t), p)
			n := p.Freqs.Len()
			B, V := make([]float64, n), make([]float64, n)
			if err := ev.Transfer(context.Background(), k, B, V); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(42, uint64(len(m.Name))))
			T := p.T()
			co := make([]solver.Coeffs, T)
			kv := make([][]float64, len(k.Values))
			for q := range kv {
				kv[q] = make([]float64, T)
			}
			for f := 0; f < n; f++ {
				p.KnobValues(kv, k, f)
				p.Coeffs(co, f, kv, solver.NoPartials)
				b0, v0 := p.Init(f)
				e, _, _ := p.Target(f)
				var sxy, syy, sxx float64
				for s := 0; s < M; s++ {
					y := math.Sqrt(e) * r.NormFloat64()
					x := b0*y + math.Sqrt(v0)*r.NormFloat64()
					for j := T - 1; j >= 0; j-- {
						x = co[j].A*x + co[j].B*y + math.Sqrt(co[j].C2)*r.NormFloat64()
					}
					sxy += x * y
					syy += y * y
					sxx += x * x
				}
				bHat := 0.0
				if syy > 0 {
					bHat = sxy / syy
				}
				vHat := (sxx - bHat*sxy) / M
				// Standard errors of the slope and of the residual variance.
				seB := math.Sqrt(V[f] / math.Max(syy, 1e-300))
				seV := V[f] * math.Sqrt(2.0/M)
				if e > 0 && V[f] > 0 {
					if z := (bHat - B[f]) / seB; math.Abs(z) > 5 {
						t.Errorf("freq %d: MC slope %.6g, closed form B %.6g (z = %.2f)", f, bHat, B[f], z)
					}
				}
				if V[f] > 0 {
					if z := (vHat - V[f]) / seV; math.Abs(z) > 5 {
						t.Errorf("freq %d: MC variance %.6g, closed form V %.6g (z = %.2f)", f, vHat, V[f], z)
					}
				} else if vHat > 1e-20 {
					t.Errorf("freq %d: MC variance %.3g, closed form V = 0", f, vHat)
				}
			}
		})
	}
}

// testTransfer checks that the loss rebuilt from Transfer's (B, V) with
// [solver.FreqLoss] equals Evaluate's loss.
func testTransfer(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	for _, m := range solver.Methods() {
		t.Run(m.Name, func(t *testing.T) {
			p := mustProblem(t, ProblemConfig(t, m.Name, 8, 8, 6, 2))
			ev := prepare(t, newBackend(t), p)
			k := randomKnobs(p, 4)
			n := p.Freqs.Len()
			B, V := make([]float64, n), make([]float64, n)
			if err := ev.Transfer(context.Background(), k, B, V); err != nil {
				t.Fatal(err)
			}
			var tot float64
			for f := 0; f < n; f++ {
				e, w, v := p.Target(f)
				mean, vari, _, _ := solver.FreqLoss(e, w, v, B[f], V[f])
				tot += p.Freqs.Mult[f] * (mean + vari)
			}
			tot /= float64(p.N())
			want := evaluate(t, ev, k, nil).Total
			if relErr(tot, want) > 1e-12 {
				t.Errorf("loss from Transfer %.17g, Evaluate %.17g", tot, want)
			}
		})
	}
}

// testFloors checks the validation facts of SPEC §10.
func testFloors(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	lam := []float64{0.3, 1.2, 2, 0.05, 0.7, 4}
	rho := []float64{0.9, 0.3, 0.6, 0.1, 1, 0.2}
	cfg := func(method string, T int, r []float64) solver.Config {
		return solver.Config{Height: 2, Width: 3, Prior: lam, Response: r, SigmaY: 0.05,
			Grid: mustGrid(t, "vp-linear", T), Method: method}
	}
	b := newBackend(t)
	t.Run("oracle floor falls with T", func(t *testing.T) {
		prev := math.Inf(1)
		for _, T := range []int{10, 100, 1000} {
			p := mustProblem(t, cfg("oracle", T, rho))
			l := evaluate(t, prepare(t, b, p), p.NewKnobs(), nil).Total
			if !(l < prev/3) {
				t.Errorf("oracle loss at T = %d is %.6g, not well below %.6g at the previous T", T, l, prev)
			}
			prev = l
		}
		if prev > 1e-3 {
			t.Errorf("oracle loss at T = 1000 is %.3g (want < 1e-3: the floor → 0, SPEC §10)", prev)
		}
	})
	t.Run("ddim samples the prior when rho=0", func(t *testing.T) {
		zero := make([]float64, len(lam))
		p := mustProblem(t, cfg("ddim", 1000, zero))
		if l := evaluate(t, prepare(t, b, p), p.NewKnobs(1), nil).Total; l > 1e-3 {
			t.Errorf("DDPM loss to the prior at T = 1000 is %.3g (want < 1e-3, SPEC §10)", l)
		}
	})
	t.Run("pigdm r2 heuristic is exact for lambda=1", func(t *testing.T) {
		ones := []float64{1, 1, 1, 1, 1, 1}
		c := cfg("pigdm", 20, rho)
		c.Prior = ones
		ph := mustProblem(t, c)
		c.Options.R2 = "spectral"
		ps := mustProblem(t, c)
		lh := evaluate(t, prepare(t, b, ph), ph.NewKnobs(1), nil).Total
		ls := evaluate(t, prepare(t, b, ps), ps.NewKnobs(1), nil).Total
		if relErr(lh, ls) > 1e-13 {
			t.Errorf("λ ≡ 1: heuristic r² loss %.17g, spectral %.17g (SPEC §10 says equal)", lh, ls)
		}
	})
	t.Run("reference dps is the oracle", func(t *testing.T) {
		// ζ* is the exact conditional score, so DPS with ζ* is the oracle
		// at the same base η.
		pd := mustProblem(t, cfg("dps", 15, rho))
		po := mustProblem(t, cfg("oracle", 15, rho))
		r, err := pd.Reference()
		if err != nil {
			t.Fatal(err)
		}
		ld := evaluate(t, prepare(t, b, pd), r, nil).Total
		lo := evaluate(t, prepare(t, b, po), po.NewKnobs(), nil).Total
		if relErr(ld, lo) > 1e-10 {
			t.Errorf("dps reference %.17g, oracle %.17g", ld, lo)
		}
	})
}
