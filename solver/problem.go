package solver

import (
	"fmt"
	"math"
	"sort"

	"github.com/spectune/spectune/solver/internal/dft"
)

// Config describes a problem before validation. Spectra are on the full H×W
// DFT grid in row-major order with the zero frequency at index 0.
type Config struct {
	Height, Width int
	// Prior holds λ_k ≥ 0, the power spectrum of the prior (SPEC §2).
	Prior []float64
	// Response holds ρ_k = |h_k| ≥ 0 of the operator (SPEC §2).
	Response []float64
	// SigmaY is the measurement noise σ_y ≥ 0 in model units.
	SigmaY float64
	// Grid is the sampling grid (SPEC §4).
	Grid Grid
	// Method is a registry name (see [Methods]).
	Method string
	// Options are the method's options.
	Options Options
	// Bands is the number B of radial bands of the knob tables (SPEC §7).
	// Zero means 1.
	Bands int
	// NoMerge turns off the exact merging of frequencies that share (λ, ρ, band).
	NoMerge bool
}

// Options are method options (SPEC §6, §9).
type Options struct {
	// Eta is the base η of dps, pigdm and oracle, in [0, 1]. Nil means 1.
	Eta *float64
	// R2 is pigdm's r²: "heuristic" (1 − ᾱ_i; the default when empty) or
	// "spectral" (r² = c).
	R2 string
}

// EtaValue returns the base η, 1 when unset.
func (o Options) EtaValue() float64 {
	if o.Eta == nil {
		return 1
	}
	return *o.Eta
}

// R2Value returns pigdm's r² choice, "heuristic" when unset.
func (o Options) R2Value() string {
	if o.R2 == "" {
		return "heuristic"
	}
	return o.R2
}

// Problem is a validated problem: the merged frequencies, the per-step
// scalars of the grid and the method. It is immutable and safe for concurrent
// use.
type Problem struct {
	H, W    int
	SigmaY  float64
	Grid    Grid
	Method  *Method
	Options Options
	Bands   int
	// BandEdges holds B+1 radii in cycles/pixel; band b is [edge b, edge b+1).
	BandEdges []float64
	// Freqs are the distinct frequencies after merging.
	Freqs Freqs
	// Steps holds the per-step scalars; Steps[i-1] is step i.
	Steps []Step
}

// Freqs holds frequencies as a structure of arrays; merged frequency f stands
// for Mult[f] frequencies of the grid, all with the same (λ, ρ, band).
type Freqs struct {
	Lambda, Rho []float64
	Band        []int32
	Mult        []float64
	// Index maps each grid frequency k to its merged frequency.
	Index []int32
}

// Len returns the number of merged frequencies.
func (f *Freqs) Len() int { return len(f.Lambda) }

// N returns the number of grid frequencies (pixels).
func (p *Problem) N() int { return p.H * p.W }

// T returns the number of steps.
func (p *Problem) T() int { return len(p.Steps) }

// Step holds the scalars of step i, ᾱ_i → ᾱ_{i-1} (SPEC §4–§5), shared by
// every frequency. Sigma and D are at the method's base η (η = 1 when the
// method has none).
type Step struct {
	Abar, AbarPrev float64 // ᾱ_i, ᾱ_{i-1}
	A, S, Ap, Sp   float64 // √ᾱ_i, √(1-ᾱ_i), √ᾱ_{i-1}, √(1-ᾱ_{i-1})
	// Beta is β̃ = (1-ᾱ_{i-1})(1-ᾱ_i/ᾱ_{i-1})/(1-ᾱ_i) = σ_i(1)².
	Beta  float64
	Sigma float64 // σ_i(η) = η √β̃
	D     float64 // d = √max(0, 1-ᾱ_{i-1}-σ_i²)
	// KappaX and KappaT are the DDPM posterior coefficients κx, κt.
	KappaX, KappaT float64
	// SNR = ᾱ_i/(1-ᾱ_i) and InvS = 1/S, so that no per-frequency loop
	// divides by per-step values.
	SNR, InvS float64
	// Deriv holds the derivatives of these scalars with respect to ᾱ_i
	// and ᾱ_{i-1}, for the grid gradient.
	Deriv StepDeriv
}

func newSteps(g Grid, eta float64) []Step {
	T := g.Steps()
	st := make([]Step, T)
	for i := 1; i <= T; i++ {
		ab, abp := g.Abar[i], g.Abar[i-1]
		s := Step{Abar: ab, AbarPrev: abp, A: math.Sqrt(ab), S: math.Sqrt(1 - ab), Ap: math.Sqrt(abp), Sp: math.Sqrt(1 - abp)}
		r := ab / abp
		s.Beta = (1 - abp) * (1 - r) / (1 - ab)
		s.Sigma = eta * math.Sqrt(s.Beta)
		s.D = math.Sqrt(math.Max(0, 1-abp-s.Sigma*s.Sigma))
		s.KappaX = s.Ap * (1 - r) / (1 - ab)
		s.KappaT = s.A / s.Ap * (1 - abp) / (1 - ab)
		s.SNR, s.InvS = ab/(1-ab), 1/s.S
		s.Deriv = stepDeriv(&s, eta, i == 1)
		st[i-1] = s
	}
	return st
}

// baseEta is the η of Step.Sigma and Step.D: the method's base η option, or
// 1 for methods without one.
func (p *Problem) baseEta() float64 {
	if p.Method.usesEta() {
		return p.Options.EtaValue()
	}
	return 1
}

// NewProblem validates c and builds the problem. Every bad input is reported
// here, as an *InputError or an error naming the input, so that evaluation
// never meets one.
func NewProblem(c Config) (*Problem, error) {
	if c.Height < 1 || c.Width < 1 {
		return nil, fmt.Errorf("solver: size %dx%d (want H ≥ 1 and W ≥ 1)", c.Height, c.Width)
	}
	n := c.Height * c.Width
	if len(c.Prior) != n {
		return nil, fmt.Errorf("solver: prior has %d values, the %dx%d grid needs %d", len(c.Prior), c.Height, c.Width, n)
	}
	if len(c.Response) != n {
		return nil, fmt.Errorf("solver: operator response has %d values, the %dx%d grid needs %d", len(c.Response), c.Height, c.Width, n)
	}
	if err := checkArray("prior", c.Prior, true); err != nil {
		return nil, err
	}
	if err := checkArray("operator response", c.Response, true); err != nil {
		return nil, err
	}
	if !(c.SigmaY >= 0) || math.IsInf(c.SigmaY, 0) {
		return nil, &InputError{Input: "sigma-y", Index: -1, Value: c.SigmaY, Want: "finite and ≥ 0"}
	}
	if err := c.Grid.Validate(); err != nil {
		return nil, err
	}
	m, err := LookupMethod(c.Method)
	if err != nil {
		return nil, err
	}
	if err := m.checkOptions(c.Options); err != nil {
		return nil, err
	}
	bands := c.Bands
	if bands == 0 {
		bands = 1
	}
	if bands < 1 || bands > n {
		return nil, &InputError{Input: "bands", Index: -1, Value: float64(c.Bands), Want: fmt.Sprintf("an integer in [1, %d]", n)}
	}
	p := &Problem{
		H: c.Height, W: c.Width, SigmaY: c.SigmaY, Grid: c.Grid, Method: m,
		Options: c.Options, Bands: bands,
	}
	p.Steps = newSteps(c.Grid, p.baseEta())
	band, edges := bandsOf(c.Height, c.Width, bands)
	p.BandEdges = edges
	p.Freqs = mergeFreqs(c.Prior, c.Response, band, !c.NoMerge)
	return p, nil
}

// bandsOf returns the radial band of every grid frequency (SPEC §7),
// band = min(B-1, ⌊B f_k / f_max⌋), and the B+1 band edges f_max·b/B. The
// band is computed as the number of inner edges at or below f_k, which is
// the same number in exact arithmetic and, unlike a floating-point floor of
// B f/f_max, always agrees with the edges written to schedule files (where
// f_k falls exactly on an edge, as on square grids, the two can differ in
// the last bit).
func bandsOf(h, w, bands int) ([]int32, []float64) {
	n := h * w
	fmax := 0.0
	for k := 0; k < n; k++ {
		fmax = math.Max(fmax, dft.Radius(k, h, w))
	}
	edges := make([]float64, bands+1)
	for b := range edges {
		edges[b] = fmax * float64(b) / float64(bands)
	}
	edges[bands] = fmax
	band := make([]int32, n)
	if fmax > 0 {
		for k := range band {
			r := dft.Radius(k, h, w)
			// Inner edges are increasing: binary search for the last ≤ r.
			b := sort.SearchFloat64s(edges[1:bands], math.Nextafter(r, math.Inf(1)))
			band[k] = int32(b)
		}
	}
	return band, edges
}

type freqKey struct {
	lambda, rho uint64
	band        int32
}

// mergeFreqs groups grid frequencies with bit-identical (λ, ρ, band) (SPEC
// §2). Merged frequencies are ordered by first appearance, so the result does
// not depend on map iteration order.
func mergeFreqs(lambda, rho []float64, band []int32, merge bool) Freqs {
	n := len(lambda)
	fr := Freqs{Index: make([]int32, n)}
	add := func(k int) {
		fr.Lambda = append(fr.Lambda, lambda[k])
		fr.Rho = append(fr.Rho, rho[k])
		fr.Band = append(fr.Band, band[k])
		fr.Mult = append(fr.Mult, 1)
	}
	if !merge {
		for k := 0; k < n; k++ {
			add(k)
			fr.Index[k] = int32(k)
		}
		return fr
	}
	seen := make(map[freqKey]int32)
	for k := 0; k < n; k++ {
		// +0 and -0 are the same value; adding zero maps -0 to +0.
		key := freqKey{math.Float64bits(lambda[k] + 0), math.Float64bits(rho[k] + 0), band[k]}
		if f, ok := seen[key]; ok {
			fr.Mult[f]++
			fr.Index[k] = f
			continue
		}
		f := int32(len(fr.Lambda))
		seen[key] = f
		add(k)
		fr.Index[k] = f
	}
	return fr
}

// freqsByBand returns the merged frequencies of each band, used by rules that
// project per-frequency knobs onto a T×B table.
func (p *Problem) freqsByBand() [][]int {
	by := make([][]int, p.Bands)
	for f := range p.Freqs.Lambda {
		b := p.Freqs.Band[f]
		by[b] = append(by[b], f)
	}
	return by
}

// Ring returns the ring of flat DFT index k on an H×W grid used by radial
// averages: round(|f|·max(H, W)), rings of width 1/max(H, W) cycles/pixel
// centred on multiples of it.
func Ring(k, h, w int) int { return int(math.Round(dft.Radius(k, h, w) * float64(max(h, w)))) }
