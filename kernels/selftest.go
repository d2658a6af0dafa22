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
// gradient agree to 1e-10 relative. With grid set the knobs carry a grid of
// their own and the grid gradient is compared too (runs that design grids
// use that kernel). A driver that miscompiles float64 code is caught here,
// before its numbers reach an optimiser; the program it builds is the one
// real problems of the method use, so the test costs one tiny evaluation.
func (b *Backend) SelfTest(ctx context.Context, method string, grid bool) error {
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
	if grid {
		k.Abar = make([]float64, T+1)
		for i, a := range g.Abar {
			k.Abar[i] = math.Pow(a, 0.9)
		}
	}
	eval := func(be solver.Backend) (solver.Loss, [][]float64, error) {
		ev, err := be.Prepare(ctx, p)
		if err != nil {
			return solver.Loss{}, nil, err
		}
		defer ev.Close()
		grad := make([][]float64, len(k.Values))
		for q := range grad {
			grad[q] = make([]float64, len(k.Values[q]))
		}
		if grid {
			grad = append(grad, make([]float64, T+1))
		}
		l, err := ev.Evaluate(ctx, k, grad)
		return l, grad, err
	}
	lo, go_, err := eval(b)
	if err != nil {
		return fmt.Errorf("kernels: self-test of %s on %s: %w", method, b.Name(), err)
	}
	lc, gc, err := eval(&cpu.Backend{Workers: 1})
	if err != nil {
		return err
	}
	if d := math.Abs(lo.Total - lc.Total); !(d <= 1e-10*math.Abs(lc.Total)) {
		return fmt.Errorf("kernels: self-test of %s on %s: loss %.17g, the CPU reference %.17g (the device's float64 code is wrong)", method, b.Name(), lo.Total, lc.Total)
	}
	// Knob tables against the largest knob entry, the grid table (last)
	// against its own: the two have unrelated units.
	largest := func(tables [][]float64) float64 {
		m := 0.0
		for _, t := range tables {
			for _, v := range t {
				m = math.Max(m, math.Abs(v))
			}
		}
		return m
	}
	nq := len(k.Values)
	for q := range gc {
		scale, what := largest(gc[:nq]), fmt.Sprintf("knob %d", q)
		if q == nq {
			scale, what = largest(gc[nq:]), "the grid"
		}
		for j := range gc[q] {
			if d := math.Abs(go_[q][j] - gc[q][j]); !(d <= 1e-10*scale) {
				return fmt.Errorf("kernels: self-test of %s on %s: gradient entry %d of %s is %.17g, the CPU reference %.17g", method, b.Name(), j, what, go_[q][j], gc[q][j])
			}
		}
	}
	return nil
}
