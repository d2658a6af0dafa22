package pixel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/spectune/spectune/solver"
)

// Config describes the pixel-domain world of one problem. Only Problem is
// required.
type Config struct {
	// Problem gives the size, σ_y, the ᾱ grid and its per-step scalars, the
	// method with its options, and the knob bands.
	Problem *solver.Problem
	// Lambda holds the prior power spectrum λ_k on the full H×W grid
	// (row-major, zero frequency first). Nil means the problem's own λ.
	Lambda []float64
	// Response holds the operator's response h_k on the full grid, with its
	// phase ([solver.Operator.H]). Nil means the problem's ρ_k = |h_k| as a
	// zero-phase response, which is what an operator given only as |h| (a
	// lowpass, a response file of moduli) is.
	Response []complex128
}

// Sampler runs the method of a problem in the pixel domain (SPEC §6): state
// images, the operator and the prior's Gaussian denoiser applied through
// FFTs, fresh pixel noise at each step. It also draws from the prior, makes
// measurements and samples the exact posterior. A Sampler is immutable and
// safe for concurrent use; every call has its own scratch space.
type Sampler struct {
	p    *solver.Problem
	impl method
	// h, w are the image size, wc = w/2+1 the half spectrum's width.
	h, w, wc int
	sy       float64
	// Per half-spectrum frequency j (see fft): the prior λ, the response h
	// and ρ = |h|, the knob band, the full-grid index, and the number of
	// grid frequencies (k and -k) the entry stands for, 1 or 2.
	lam    []float64
	resp   []complex128
	rho    []float64
	band   []int32
	full   []int32
	weight []float64
}

// method is one sampler of SPEC §6 written as the algorithm: init writes
// x_T, step maps x = x_i to x_{i-1} in place.
type method interface {
	init(c *chain, x []float64)
	step(c *chain, i int, x []float64)
}

var methods = map[string]method{
	"ddim": ddim{}, "dps": dps{}, "pigdm": pigdm{}, "ddnm": ddnm{},
	"ddrm": ddrm{}, "diffpir": diffpir{}, "oracle": oracle{},
}

// hermitianTol is the relative asymmetry |a_k - conj(a_{-k})| / max|a| up
// to which a spectrum counts as that of a real signal (rounding of an FFT);
// it is then symmetrised exactly.
const hermitianTol = 1e-9

// New returns the sampler of c.Problem's method. It reports an error for a
// method without a pixel-domain implementation, and for a prior or response
// that is not the spectrum of a real signal (λ_{-k} ≠ λ_k, h_{-k} ≠ conj(h_k)).
func New(c Config) (*Sampler, error) {
	p := c.Problem
	if p == nil {
		return nil, errors.New("pixel: no problem given")
	}
	impl, ok := methods[p.Method.Name]
	if !ok {
		return nil, fmt.Errorf("pixel: method %s has no pixel-domain implementation (have ddim, dps, pigdm, ddnm, ddrm, diffpir, oracle)", p.Method.Name)
	}
	n := p.N()
	lam := c.Lambda
	if lam == nil {
		lam = make([]float64, n)
		for k, f := range p.Freqs.Index {
			lam[k] = p.Freqs.Lambda[f]
		}
	}
	resp := c.Response
	if resp == nil {
		resp = make([]complex128, n)
		for k, f := range p.Freqs.Index {
			resp[k] = complex(p.Freqs.Rho[f], 0)
		}
	}
	if len(lam) != n || len(resp) != n {
		return nil, fmt.Errorf("pixel: prior has %d and response %d values, the %dx%d grid needs %d", len(lam), len(resp), p.H, p.W, n)
	}
	s := &Sampler{p: p, impl: impl, h: p.H, w: p.W, wc: p.W/2 + 1, sy: p.SigmaY}
	nh := s.h * s.wc
	s.lam, s.resp, s.rho = make([]float64, nh), make([]complex128, nh), make([]float64, nh)
	s.band, s.full, s.weight = make([]int32, nh), make([]int32, nh), make([]float64, nh)
	var lmax, hmax float64
	for k := range lam {
		if !(lam[k] >= 0) || math.IsInf(lam[k], 0) {
			return nil, &solver.InputError{Input: "pixel prior", Index: k, Value: lam[k], Want: "finite and ≥ 0"}
		}
		if cmplx.IsNaN(resp[k]) || cmplx.IsInf(resp[k]) {
			return nil, &solver.InputError{Input: "pixel operator response |h|", Index: k, Value: cmplx.Abs(resp[k]), Want: "a finite complex number"}
		}
		lmax = math.Max(lmax, lam[k])
		hmax = math.Max(hmax, cmplx.Abs(resp[k]))
	}
	for r := 0; r < s.h; r++ {
		for col := 0; col < s.wc; col++ {
			j := r*s.wc + col
			k := r*s.w + col
			m := ((s.h-r)%s.h)*s.w + (s.w-col)%s.w
			if math.Abs(lam[k]-lam[m]) > hermitianTol*lmax {
				return nil, fmt.Errorf("pixel: prior λ is not symmetric, λ[%d] = %v but its mirror λ[%d] = %v (the spectrum of a real image has λ_{-k} = λ_k)", k, lam[k], m, lam[m])
			}
			if cmplx.Abs(resp[k]-cmplx.Conj(resp[m])) > hermitianTol*hmax {
				return nil, fmt.Errorf("pixel: operator response is not that of a real kernel: h[%d] = %v but conj(h[%d]) = %v (a complex response file must satisfy h(-f) = conj(h(f)))", k, resp[k], m, cmplx.Conj(resp[m]))
			}
			s.lam[j] = (lam[k] + lam[m]) / 2
			s.resp[j] = (resp[k] + cmplx.Conj(resp[m])) / 2
			if k == m {
				s.resp[j] = complex(real(s.resp[j]), 0)
			}
			s.rho[j] = cmplx.Abs(s.resp[j])
			s.full[j] = int32(k)
			s.weight[j] = 2
			if col == 0 || 2*col == s.w {
				s.weight[j] = 1
			}
			// The problem's band of this frequency (SPEC §7).
			s.band[j] = p.Freqs.Band[p.Freqs.Index[k]]
		}
	}
	return s, nil
}

// Problem returns the problem the sampler was made for.
func (s *Sampler) Problem() *solver.Problem { return s.p }

// DPSNorm says where DPS's heuristic step ζ_i = s/R_i takes R_i from.
type DPSNorm int

const (
	// NormReal is the released DPS rule: R_i = ‖y − H x̂0(x_i)‖, the norm of
	// the chain's own residual at step i (SPEC §6).
	NormReal DPSNorm = iota
	// NormExpected takes the heuristic table ζ_i = s/R_i with R_i the
	// expected residual norm ([solver.Problem.Heuristic]), the surrogate the
	// closed form evaluates.
	NormExpected
)

// DPSNorms lists the accepted names of [ParseDPSNorm].
const DPSNorms = "real or expected"

// String returns "real" or "expected".
func (n DPSNorm) String() string {
	if n == NormExpected {
		return "expected"
	}
	return "real"
}

// ParseDPSNorm returns the norm called name ("real" or "expected").
func ParseDPSNorm(name string) (DPSNorm, error) {
	switch name {
	case "real":
		return NormReal, nil
	case "expected":
		return NormExpected, nil
	}
	return 0, fmt.Errorf("pixel: unknown DPS norm %q (want %s)", name, DPSNorms)
}

// DPSScale is s in DPS's heuristic step ζ_i = s/R_i (SPEC §6).
const DPSScale = 0.3

// Knobs choose the knobs of a run.
type Knobs struct {
	// Table holds the knobs: a T×B table of the problem (from a schedule
	// file or the optimiser; B > 1 bands act as FFT-domain gains per band),
	// or ddnm's per-frequency heuristic rule. Nil means the method's
	// heuristic: [solver.Problem.Heuristic], or for dps with NormReal the
	// real residual-norm rule.
	Table *solver.Knobs
	// DPSNorm chooses R_i of DPS's heuristic when Table is nil; other
	// methods ignore it. The zero value is NormReal.
	DPSNorm DPSNorm
}

// Label names the knobs for reports: "heuristic", "heuristic (real
// norm)", "heuristic (expected norm)" or "table".
func (s *Sampler) Label(k Knobs) string {
	if k.Table != nil {
		if k.Table.Rule == solver.RuleTable {
			return "table"
		}
		return k.Table.Rule.String()
	}
	if s.p.Method.Name == "dps" {
		return "heuristic (" + k.DPSNorm.String() + " norm)"
	}
	return "heuristic"
}

// resolved is a run's knobs after [Sampler.resolve].
type resolved struct {
	table    *solver.Knobs // a T×B table, or nil
	ddnmRule bool          // ddnm's per-frequency heuristic λ
	realNorm bool          // dps: ζ_i = s/‖r‖
}

func (s *Sampler) resolve(k Knobs) (resolved, error) {
	name := s.p.Method.Name
	if k.DPSNorm != NormReal && k.DPSNorm != NormExpected {
		return resolved{}, fmt.Errorf("pixel: DPS norm %d (want NormReal or NormExpected)", int(k.DPSNorm))
	}
	t := k.Table
	if t == nil {
		if name == "dps" && k.DPSNorm == NormReal {
			return resolved{realNorm: true}, nil
		}
		t = s.p.Heuristic()
	}
	if err := s.p.Check(t); err != nil {
		return resolved{}, err
	}
	switch {
	case t.Rule == solver.RuleTable:
		return resolved{table: t}, nil
	case t.Rule == solver.RuleHeuristic && name == "ddnm":
		return resolved{ddnmRule: true}, nil
	}
	return resolved{}, fmt.Errorf("pixel: the %s knobs of %s are a per-frequency rule that the pixel-domain sampler does not implement (give a knob table, e.g. a schedule file)", t.Rule, name)
}

// ClosedFormKnobs returns the knobs whose closed form describes a run with
// k: the table itself, or the heuristic (for dps with NormReal, the
// expected-norm table, which the real rule follows to the extent the
// residual norm concentrates).
func (s *Sampler) ClosedFormKnobs(k Knobs) *solver.Knobs {
	if k.Table != nil {
		return k.Table
	}
	return s.p.Heuristic()
}

// Settings configure one call of [Sampler.Sample]. The zero value runs the
// heuristic on one goroutine.
type Settings struct {
	Knobs Knobs
	// Workers is the number of goroutines the chain's FFTs use. Zero means
	// 1; more pays only when fewer chains than CPUs run at once.
	Workers int
	// OnStep, when set, is called after every step (for progress). Chains
	// that run concurrently call it concurrently.
	OnStep func()
}

// Sample draws one sample x_0 of the method given the measurement y (an H×W
// image in model units) and writes it to dst. Noise comes from rng, so the
// same rng state gives the same image bit for bit. It returns ctx.Err() when
// ctx is cancelled between steps, leaving dst unspecified.
func (s *Sampler) Sample(ctx context.Context, dst, y []float64, rng *rand.Rand, set Settings) error {
	n := s.h * s.w
	if len(dst) != n || len(y) != n {
		return fmt.Errorf("pixel: image has %d and measurement %d pixels, the %dx%d problem needs %d", len(dst), len(y), s.h, s.w, n)
	}
	k, err := s.resolve(set.Knobs)
	if err != nil {
		return err
	}
	c := s.newChain(y, rng, k, set.Workers)
	s.impl.init(c, dst)
	for i := s.p.T(); i >= 1; i-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.impl.step(c, i, dst)
		if set.OnStep != nil {
			set.OnStep()
		}
	}
	return nil
}

// chain is the scratch space of one run.
type chain struct {
	s   *Sampler
	f   *fft
	rng *rand.Rand
	k   resolved
	// Y is F y; X, X0, Xn, Z are spectra (state, x̂0, next state, noise).
	Y, X, X0, Xn, Z []complex128
	knob            [2][]float64
	noise           []float64
}

func (s *Sampler) newChain(y []float64, rng *rand.Rand, k resolved, workers int) *chain {
	nh := s.h * s.wc
	c := &chain{s: s, f: newFFT(s.h, s.w, workers), rng: rng, k: k,
		Y: make([]complex128, nh), X: make([]complex128, nh), X0: make([]complex128, nh),
		Xn: make([]complex128, nh), Z: make([]complex128, nh),
		knob: [2][]float64{make([]float64, nh), make([]float64, nh)}, noise: make([]float64, nh)}
	c.f.forward(c.Y, y)
	return c
}

// st returns the scalars of step i (SPEC §4–§5): they are functions of ᾱ_i
// and ᾱ_{i-1} only.
func (c *chain) st(i int) *solver.Step { return &c.s.p.Steps[i-1] }

// gain is a real FFT-domain multiplier: v at every frequency when per is
// nil, else per[j] at half-spectrum frequency j.
type gain struct {
	v   float64
	per []float64
}

func (g gain) at(j int) float64 {
	if g.per == nil {
		return g.v
	}
	return g.per[j]
}

// knobGain returns knob q at step i as a gain: one number when every band
// has the same value (B = 1 in particular), else each band's value at its
// frequencies (SPEC §7).
func (c *chain) knobGain(q, i int) gain {
	t := c.k.table
	vals := t.Values[q][(i-1)*t.Bands : i*t.Bands]
	uniform := true
	for _, v := range vals[1:] {
		if v != vals[0] {
			uniform = false
		}
	}
	if uniform {
		return gain{v: vals[0]}
	}
	g := c.knob[q]
	for j, b := range c.s.band {
		g[j] = vals[b]
	}
	return gain{per: g}
}

// whiteNoise fills x with independent N(0, 1) pixels.
func (c *chain) whiteNoise(x []float64) {
	for i := range x {
		x[i] = c.rng.NormFloat64()
	}
}

// finish writes x = F* Xn + γ z with fresh white noise z: in the pixel domain
// when γ is one number, else as the FFT-domain gain γ_k on Z = F z, drawn
// directly in the Fourier domain by [chain.spectralNoise] (which saves a
// transform per step). Xn is overwritten.
func (c *chain) finish(x []float64, Xn []complex128, noise gain) {
	if noise.per == nil {
		c.f.inverse(x, Xn)
		if noise.v != 0 {
			for i := range x {
				x[i] += noise.v * c.rng.NormFloat64()
			}
		}
		return
	}
	c.spectralNoise(c.Z)
	for j := range Xn {
		Xn[j] += mul(noise.per[j], c.Z[j])
	}
	c.f.inverse(x, Xn)
}

// spectralNoise fills the half spectrum Z with a draw of F z for white
// pixel noise z ~ N(0, I): independent N(0, 1) at the frequencies that are
// their own mirror (Z real), (a + ib)/√2 with a, b ~ N(0, 1) elsewhere, and
// Z_{-k} = conj(Z_k) for the pairs that the half spectrum stores twice
// (columns 0 and W/2).
func (c *chain) spectralNoise(Z []complex128) {
	s := c.s
	for r := 0; r < s.h; r++ {
		mr := (s.h - r) % s.h
		for col := 0; col < s.wc; col++ {
			j := r*s.wc + col
			self := col == 0 || 2*col == s.w
			switch {
			case self && mr == r:
				Z[j] = complex(c.rng.NormFloat64(), 0)
			case self && mr < r:
				Z[j] = cmplx.Conj(Z[mr*s.wc+col])
			default:
				Z[j] = complex(c.rng.NormFloat64()*math.Sqrt2/2, c.rng.NormFloat64()*math.Sqrt2/2)
			}
		}
	}
}

// sqNorm returns ‖r‖² of the real image whose half spectrum is R, by
// Parseval: Σ_k |R_k|² over the full grid.
func (c *chain) sqNorm(R []complex128) float64 {
	s := 0.0
	for j, v := range R {
		s += c.s.weight[j] * (real(v)*real(v) + imag(v)*imag(v))
	}
	return s
}

// standardInit is x_T ~ N(0, I) (SPEC §4).
type standardInit struct{}

func (standardInit) init(c *chain, x []float64) { c.whiteNoise(x) }
