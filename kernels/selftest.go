package kernels

import (
	"context"
	"fmt"
	"math"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// SelfTest evaluates a small fixed problem of the method (7×9 frequencies
// with ρ = 0 and λ = 0 entries, 3 bands, T = 6, asymmetric knobs) on the
// device and on the pure-Go backend and returns an error unless loss and
// gradient agree to 1e-10 relative, on the problem's grid and on a grid of
// the knobs' own with the grid gradient. A driver that miscompiles float64
// code is caught here, before its numbers reach an optimiser; the program
// it builds is the one real problems of the method use, so the test costs
// two tiny evaluations.
func (b *Backend) SelfTest(ctx context.Context, method string) error {
	const h, w, T, bands = 7, 9, 6, 3
	n := h * w
	lam, rho := make([]float64, n), make([]float64, n)
	for k := range lam {
		lam[k] = 0.05 + math.Mod(float64(k)*0.37, 1.3)
		rho[k] = math.Mod(float64(k)*0.61, 1.1)
	}
	lam[5], rho[7], rho[8] = 0, 0, 0
	g, err := solver.NewGrid("vp-linear", T)
	if err != nil {
		return err
	}
	p, err := solver.NewProblem(solver.Config{Height: h, Width: w, Prior: lam, Response: rho, SigmaY: 0.07, Grid: g, Method: method, Bands: bands})
	if err != nil {
		return err
	}
	k := p.Project(p.Heuristic())
	for q, spec := range p.Method.Knobs {
		for j := range k.Values[q] {
			f := 0.6 + 0.3*math.Mod(float64(j*7+q*3)*0.13, 1)
			if spec.Domain == solver.Unit {
				k.Values[q][j] = f
			} else {
				k.Values[q][j] = math.Max(k.Values[q][j], 1e-2) * f
			}
		}
	}
	// The knobs' own grid: ᾱ_i raised to 1.1 + 0.02·i, a power that grows
	// as ᾱ_i < 1 falls, so the grid stays in (0, 1) and strictly decreasing.
	kg := k.Clone()
	kg.Abar = append([]float64(nil), p.Grid.Abar...)
	for i := 1; i < len(kg.Abar); i++ {
		kg.Abar[i] = math.Pow(kg.Abar[i], 1.1+0.02*float64(i))
	}
	if err := p.Check(kg); err != nil {
		return fmt.Errorf("kernels: self-test grid of %s: %w", method, err)
	}
	eval := func(be solver.Backend) (ls [2]solver.Loss, grads [2][][]float64, err error) {
		ev, err := be.Prepare(ctx, p)
		if err != nil {
			return ls, grads, err
		}
		defer ev.Close()
		for r, kk := range []*solver.Knobs{k, kg} {
			grad := make([][]float64, len(kk.Values), len(kk.Values)+1)
			for q := range grad {
				grad[q] = make([]float64, len(kk.Values[q]))
			}
			if kk.Abar != nil {
				grad = append(grad, make([]float64, len(kk.Abar)))
			}
			if ls[r], err = ev.Evaluate(ctx, kk, grad); err != nil {
				return ls, grads, err
			}
			grads[r] = grad
		}
		return ls, grads, nil
	}
	lo, gos, err := eval(b)
	if err != nil {
		return fmt.Errorf("kernels: self-test of %s on %s: %w", method, b.Name(), err)
	}
	lc, gcs, err := eval(&cpu.Backend{Workers: 1})
	if err != nil {
		return err
	}
	for r, grid := range []string{"", " on a grid of the knobs' own"} {
		if d := math.Abs(lo[r].Total - lc[r].Total); !(d <= 1e-10*math.Abs(lc[r].Total)) {
			return fmt.Errorf("kernels: self-test of %s on %s: loss%s %.17g, the CPU reference %.17g (the device's float64 code is wrong)", method, b.Name(), grid, lo[r].Total, lc[r].Total)
		}
		for q, gc := range gcs[r] {
			name := "the grid"
			if q < len(k.Values) {
				name = "knob " + k.Names[q]
			}
			scale := 0.0
			for _, v := range gc {
				scale = math.Max(scale, math.Abs(v))
			}
			for j := range gc {
				if d := math.Abs(gos[r][q][j] - gc[j]); !(d <= 1e-10*scale) {
					return fmt.Errorf("kernels: self-test of %s on %s: gradient entry %d of %s%s is %.17g, the CPU reference %.17g", method, b.Name(), j, name, grid, gos[r][q][j], gc[j])
				}
			}
		}
	}
	return nil
}
