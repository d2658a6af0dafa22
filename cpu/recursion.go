package cpu

import "github.com/spectune/spectune/solver"

// worker holds the O(T) scratch of one goroutine and its share of the
// gradient.
type worker struct {
	p      *solver.Problem
	co     []solver.Coeffs
	bb, vb []float64   // B, V before each step
	kv     [][]float64 // knob values per step for the current frequency
	kvBuf  [][]float64
	grad   [][]float64 // T×B per knob, unscaled (sum of m_k ∂ℓ_k)
	// gridGrad holds ∂/∂ᾱ_0 … ∂/∂ᾱ_T, unscaled, when the evaluation asks
	// for the grid gradient (nil otherwise).
	gridGrad []float64
}

func newWorker(p *solver.Problem) *worker {
	T := p.T()
	nq := len(p.Method.Knobs)
	w := &worker{p: p, co: make([]solver.Coeffs, T), bb: make([]float64, T), vb: make([]float64, T),
		kv: make([][]float64, nq), kvBuf: make([][]float64, nq), grad: make([][]float64, nq)}
	for q := 0; q < nq; q++ {
		w.kvBuf[q] = make([]float64, T)
		w.grad[q] = make([]float64, T*p.Bands)
	}
	return w
}

// reset prepares the worker for an evaluation on problem p (the
// evaluator's, or a copy on the knobs' own grid), with a grid gradient when
// grid is set.
func (w *worker) reset(p *solver.Problem, grid bool) {
	w.p = p
	for _, g := range w.grad {
		clear(g)
	}
	switch {
	case !grid:
		w.gridGrad = nil
	case w.gridGrad == nil:
		w.gridGrad = make([]float64, p.T()+1)
	default:
		clear(w.gridGrad)
	}
}

// forward runs the recursion of merged frequency f in sampling order and
// returns its output law (B, V):
//
//	for i = T … 1:  B ← a B + b,  V ← a² V + c²
//
// starting from the method's init (SPEC §8). When want asks for partials it
// also records B and V before every step for the adjoint pass.
func (w *worker) forward(k *solver.Knobs, f int, want solver.Partials) (b, v float64) {
	keep := want != solver.NoPartials
	copy(w.kv, w.kvBuf)
	w.p.KnobValues(w.kv, k, f)
	w.p.Coeffs(w.co, f, w.kv, want)
	b, v = w.p.Init(f)
	for j := len(w.co) - 1; j >= 0; j-- {
		c := &w.co[j]
		if keep {
			w.bb[j], w.vb[j] = b, v
		}
		b = c.A*b + c.B
		v = c.A*c.A*v + c.C2
	}
	return b, v
}

// lossChunk adds the loss of merged frequencies [lo, hi) to part and, with
// grad set, their gradient to the worker's tables. The gradient is the
// adjoint of the recursion: with P_i the product of a over the steps run
// after step i,
//
//	∂ℓ/∂κ_i = ∂ℓ/∂B · P_i (∂a·B_i + ∂b) + ∂ℓ/∂V · P_i² (2a ∂a·V_i + ∂c²)
//
// where B_i, V_i are the values before step i.
func (w *worker) lossChunk(k *solver.Knobs, lo, hi int, part *[2]solver.Sum, grad bool) {
	p := w.p
	nb := p.Bands
	want := solver.NoPartials
	if grad {
		want = solver.KnobPartials
	}
	if w.gridGrad != nil {
		want |= solver.GridPartials
	}
	for f := lo; f < hi; f++ {
		b, v := w.forward(k, f, want)
		e, wt, vt := p.Target(f)
		mean, vari, dB, dV := solver.FreqLoss(e, wt, vt, b, v)
		m := p.Freqs.Mult[f]
		part[0].Add(m * mean)
		part[1].Add(m * vari)
		if !grad {
			continue
		}
		w.adjoint(m*dB, m*dV, int(p.Freqs.Band[f]), nb)
		if w.gridGrad != nil {
			w.adjointGrid(f, m*dB, m*dV)
		}
	}
}

// adjointGrid adds one frequency's gradient with respect to the grid. Step
// i's coefficients depend on ᾱ_i and ᾱ_{i-1}, so with the adjoint weights
// of step i, ∂ℓ/∂a = ∂ℓ/∂B P_i B_i + ∂ℓ/∂V P_i² 2a V_i, ∂ℓ/∂b = ∂ℓ/∂B P_i,
// ∂ℓ/∂c² = ∂ℓ/∂V P_i², ᾱ_i receives them through GridX of step i and
// GridP of step i+1; ᾱ_T also moves the init (ddrm).
func (w *worker) adjointGrid(f int, gB, gV float64) {
	co := w.co
	bb, vb := w.bb[:len(co)], w.vb[:len(co)]
	gg := w.gridGrad
	P := 1.0
	for j := range co {
		c := &co[j]
		pb, pv := gB*P, gV*P*P
		wa := pb*bb[j] + pv*2*c.A*vb[j]
		gg[j+1] += wa*c.GridX[0] + pb*c.GridX[1] + pv*c.GridX[2]
		if j > 0 {
			gg[j] += wa*c.GridP[0] + pb*c.GridP[1] + pv*c.GridP[2]
		}
		P *= c.A
	}
	if db, dv := w.p.InitDeriv(f); db != 0 || dv != 0 {
		gg[len(co)] += gB*P*db + gV*P*P*dv
	}
}

// adjoint adds one frequency's gradient, walking the steps in reverse
// sampling order (i = 1 … T) so that P_i accumulates as it goes. The one- and
// two-knob cases are written out because this loop is the hottest of the
// backend.
func (w *worker) adjoint(gB, gV float64, band, nb int) {
	co := w.co
	bb, vb := w.bb[:len(co)], w.vb[:len(co)]
	P := 1.0
	switch len(w.grad) {
	case 0:
		return
	case 1:
		g0 := w.grad[0]
		for j := range co {
			c := &co[j]
			pb, pv := gB*P, gV*P*P
			g0[j*nb+band] += pb*(c.DA[0]*bb[j]+c.DB[0]) + pv*(2*c.A*c.DA[0]*vb[j]+c.DC2[0])
			P *= c.A
		}
	case 2:
		g0, g1 := w.grad[0], w.grad[1]
		for j := range co {
			c := &co[j]
			pb, pv := gB*P, gV*P*P
			t := 2 * c.A * vb[j]
			g0[j*nb+band] += pb*(c.DA[0]*bb[j]+c.DB[0]) + pv*(t*c.DA[0]+c.DC2[0])
			g1[j*nb+band] += pb*(c.DA[1]*bb[j]+c.DB[1]) + pv*(t*c.DA[1]+c.DC2[1])
			P *= c.A
		}
	}
}
