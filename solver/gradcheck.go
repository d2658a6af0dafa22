package solver

import (
	"context"
	"fmt"
	"math"
)

// GradientCheck compares an evaluator's gradient with finite differences of
// its loss.
type GradientCheck struct {
	// MaxRelErr is max_j |a_j - n_j| / max(|a_j|, |n_j|, 1e6·δ_j), where
	// δ_j = 10·ε·|L|/h_j is the rounding noise of the difference quotient:
	// an entry is checked to 1e-6 relative, or to δ_j absolute where it is
	// too small for the quotient to resolve 1e-6 of it.
	MaxRelErr float64
	// Knob, Step and Band locate the worst entry; Analytic and Numeric are
	// its two values.
	Knob              string
	Step, Band        int
	Analytic, Numeric float64
	// Entries is the number of entries checked.
	Entries int
}

func (g GradientCheck) String() string {
	return fmt.Sprintf("max rel err %.3g over %d entries, worst %s step %d band %d: analytic %.12g, numeric %.12g",
		g.MaxRelErr, g.Entries, g.Knob, g.Step, g.Band, g.Analytic, g.Numeric)
}

// CheckGradient checks ∂L/∂knob of every table entry of k, and ∂L/∂ᾱ_i of
// every free grid value when k carries its own grid, against the
// fourth-order central difference
//
//	(-L(x+2h) + 8L(x+h) - 8L(x-h) + L(x-2h)) / 12h,  h = rel·max(|x|, 1e-3)
//
// with rel = 1e-3 when zero; the stencil is shifted into the knob's domain
// near its bounds (a one-sided stencil of the same order). k is not
// modified.
func CheckGradient(ctx context.Context, ev Evaluator, p *Problem, k *Knobs, rel float64) (GradientCheck, error) {
	if err := p.Check(k); err != nil {
		return GradientCheck{}, err
	}
	if k.Rule != RuleTable {
		return GradientCheck{}, fmt.Errorf("solver: no gradient for %s knobs", k.Rule)
	}
	if rel == 0 {
		rel = 1e-3
	}
	grad := make([][]float64, len(k.Values), len(k.Values)+1)
	for q := range grad {
		grad[q] = make([]float64, len(k.Values[q]))
	}
	if k.Abar != nil {
		grad = append(grad, make([]float64, len(k.Abar)))
	}
	l0, err := ev.Evaluate(ctx, k, grad)
	if err != nil {
		return GradientCheck{}, err
	}
	x := k.Clone()
	res := GradientCheck{}
	for q := range x.Values {
		upper := math.Inf(1)
		if p.Method.Knobs[q].Domain == Unit {
			upper = 1
		}
		for j, v := range x.Values[q] {
			h := rel * math.Max(math.Abs(v), 1e-3)
			// Shift the stencil centre c so that c ± 2h stays in the domain;
			// the derivative at v is then taken from a Taylor shift.
			num, err := stencil(ctx, ev, x, q, j, v, h, 0, upper)
			if err != nil {
				return res, err
			}
			x.Values[q][j] = v
			res.add(grad[q][j], num, l0.Total, h, x.Names[q], j/x.Bands+1, j%x.Bands)
		}
	}
	if k.Abar == nil {
		return res, nil
	}
	// Grid entries ᾱ_1 … ᾱ_T: the stencil stays between the neighbours, so
	// that every perturbed grid is strictly decreasing.
	ab := x.Abar
	for i := 1; i < len(ab); i++ {
		v := ab[i]
		gap := ab[i-1] - v
		if i+1 < len(ab) {
			gap = math.Min(gap, v-ab[i+1])
		} else {
			gap = math.Min(gap, v)
		}
		h := rel * gap
		num, err := stencilAt(ctx, ev, x, &ab[i], v, h, v-gap/2, v+gap/2)
		if err != nil {
			return res, err
		}
		ab[i] = v
		res.add(grad[len(k.Values)][i], num, l0.Total, h, "abar", i, 0)
	}
	return res, nil
}

// add records one checked entry.
func (g *GradientCheck) add(a, num, l0, h float64, knob string, step, band int) {
	floor := 1e6 * 10 * 2.2e-16 * math.Abs(l0) / h
	e := math.Abs(a-num) / math.Max(math.Max(math.Abs(a), math.Abs(num)), floor)
	g.Entries++
	if e > g.MaxRelErr || g.Knob == "" {
		g.MaxRelErr, g.Analytic, g.Numeric = e, a, num
		g.Knob, g.Step, g.Band = knob, step, band
	}
}

// stencil returns the derivative of L in entry (q, j) at v: the central
// five-point formula where v ± 2h lies in [lo, hi], else the one-sided
// fourth-order formula pointing into the domain.
func stencil(ctx context.Context, ev Evaluator, x *Knobs, q, j int, v, h, lo, hi float64) (float64, error) {
	return stencilAt(ctx, ev, x, &x.Values[q][j], v, h, lo, hi)
}

// stencilAt is stencil for the entry of x that e points to.
func stencilAt(ctx context.Context, ev Evaluator, x *Knobs, e *float64, v, h, lo, hi float64) (float64, error) {
	at := func(d float64) (float64, error) {
		*e = v + d
		l, err := ev.Evaluate(ctx, x, nil)
		return l.Total, err
	}
	var offs, wts []float64
	switch {
	case v-2*h >= lo && v+2*h <= hi:
		offs, wts = []float64{-2, -1, 1, 2}, []float64{1, -8, 8, -1}
		for i := range wts {
			wts[i] /= 12
		}
	case v-2*h < lo:
		offs, wts = []float64{0, 1, 2, 3, 4}, []float64{-25.0 / 12, 4, -3, 4.0 / 3, -1.0 / 4}
	default:
		offs, wts = []float64{0, -1, -2, -3, -4}, []float64{25.0 / 12, -4, 3, -4.0 / 3, 1.0 / 4}
	}
	d := 0.0
	for i, o := range offs {
		l, err := at(o * h)
		if err != nil {
			return 0, err
		}
		d += wts[i] * l
	}
	return d / h, nil
}
