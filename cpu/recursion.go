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

func (w *worker) reset() {
	for _, g := range w.grad {
		clear(g)
	}
}

// forward runs the recursion of merged frequency f in sampling order and
// returns its output law (B, V):
//
//	for i = T … 1:  B ← a B + b,  V ← a² V + c²
//
// starting from the method's init (SPEC §8). With keep set it also records B
// and V before every step for the adjoint pass.
func (w *worker) forward(k *solver.Knobs, f int, keep bool) (b, v float64) {
	copy(w.kv, w.kvBuf)
	w.p.KnobValues(w.kv, k, f)
	w.p.Coeffs(w.co, f, w.kv, keep)
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
	for f := lo; f < hi; f++ {
		b, v := w.forward(k, f, grad)
		e, wt, vt := p.Target(f)
		mean, vari, dB, dV := solver.FreqLoss(e, wt, vt, b, v)
		m := p.Freqs.Mult[f]
		part[0].Add(m * mean)
		part[1].Add(m * vari)
		if !grad {
			continue
		}
		w.adjoint(m*dB, m*dV, int(p.Freqs.Band[f]), nb)
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
