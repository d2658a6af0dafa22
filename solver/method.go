package solver

import (
	"fmt"
	"strings"
)

// Domain is the set a knob lives in, with its map from the optimiser's
// unconstrained θ (SPEC §7).
type Domain int

const (
	// Positive knobs are > 0 (≥ 0 in the SPEC): knob = exp(θ).
	Positive Domain = iota
	// Unit knobs are in [0, 1]: knob = 1/(1+e^{-θ}).
	Unit
)

// String returns the domain as written in the SPEC.
func (d Domain) String() string {
	if d == Unit {
		return "[0,1]"
	}
	return "(0,∞)"
}

// KnobSpec names one knob of a method; Name is its schedule-file key.
type KnobSpec struct {
	Name   string
	Symbol string // the paper's symbol, for help and plots
	Domain Domain
}

// Method is one sampler of SPEC §6. Its coefficients, init, heuristic and
// reference live in the method's own file.
type Method struct {
	Name    string
	Summary string
	Knobs   []KnobSpec
	// Options lists the schedule-file option keys the method takes
	// ("eta", "r2").
	Options []string
	// HasReference reports whether SPEC §6 gives reference knobs.
	HasReference bool
	impl         methodImpl
}

// methodImpl is what a method file provides. Step j in dst is step i = j+1.
type methodImpl interface {
	// coeffs writes a, b, c² and the partials that want asks for, for
	// every step of one frequency; kv[q][j] is knob q at step j+1 for that
	// frequency.
	coeffs(p *Problem, dst []Coeffs, lam, rho float64, kv [][]float64, want Partials)
	// init returns the (B, V) the recursion starts from (SPEC §8).
	init(p *Problem, lam, rho float64) (b, v float64)
	// initDeriv returns ∂B/∂ᾱ_T and ∂V/∂ᾱ_T of init.
	initDeriv(p *Problem, lam, rho float64) (db, dv float64)
	// heuristic returns the shipped knob setting (SPEC §6).
	heuristic(p *Problem) *Knobs
	// rule writes per-frequency knob values at step j+1 for a rule other
	// than [RuleTable]; it reports false when the method has no such rule.
	rule(p *Problem, r Rule, j int, lam, rho float64, dst []float64) bool
}

// Coeffs holds one step x_{i-1} = a·x_i + b·Ỹ + c·z (SPEC §6) of one
// frequency, with C2 = c², the partial derivatives of a, b, c² with
// respect to each knob of the method (up to two), and those of (a, b, c²)
// with respect to the two grid values of the step: GridX = ∂/∂ᾱ_i,
// GridP = ∂/∂ᾱ_{i-1} (zero at step 1, where ᾱ_0 = 1 is fixed).
type Coeffs struct {
	A, B, C2     float64
	DA, DB, DC2  [2]float64
	GridX, GridP [3]float64
}

// Partials selects the derivatives [Problem.Coeffs] computes.
type Partials uint8

const (
	// KnobPartials asks for DA, DB, DC2.
	KnobPartials Partials = 1 << iota
	// GridPartials asks for GridX, GridP.
	GridPartials
	// NoPartials asks for none.
	NoPartials Partials = 0
)

var methods = []*Method{
	{Name: "ddim", Summary: "unconditional DDIM(η); knob η per step", Knobs: []KnobSpec{{"eta", "η", Unit}}, impl: ddim{}},
	{Name: "dps", Summary: "diffusion posterior sampling; knob ζ (step size) per step", Knobs: []KnobSpec{{"zeta", "ζ", Positive}}, Options: []string{"eta"}, HasReference: true, impl: dps{}},
	{Name: "pigdm", Summary: "pseudo-inverse guided diffusion (ΠGDM); knob w (guidance weight) per step", Knobs: []KnobSpec{{"w", "w", Positive}}, Options: []string{"eta", "r2"}, impl: pigdm{}},
	{Name: "ddnm", Summary: "DDNM+ in DDPM form; knob λ (data weight) per step", Knobs: []KnobSpec{{"lambda", "λ", Unit}}, HasReference: true, impl: ddnm{}},
	{Name: "ddrm", Summary: "denoising diffusion restoration models; knobs η, ηb per step", Knobs: []KnobSpec{{"eta", "η", Unit}, {"eta_b", "ηb", Unit}}, impl: ddrm{}},
	{Name: "diffpir", Summary: "plug-and-play DiffPIR; knobs λ (data weight), ζ (noise fraction) per step", Knobs: []KnobSpec{{"lambda", "λ", Positive}, {"zeta", "ζ", Unit}}, impl: diffpir{}},
	{Name: "oracle", Summary: "DDIM(η) driven by the exact conditional mean; no knobs (the error floor)", Options: []string{"eta"}, impl: oracle{}},
}

// Methods returns the registry in SPEC §6 order. The values are shared and
// must not be modified.
func Methods() []*Method { return methods }

// MethodNames returns the registry keys in SPEC order.
func MethodNames() []string {
	names := make([]string, len(methods))
	for i, m := range methods {
		names[i] = m.Name
	}
	return names
}

// LookupMethod returns the method called name.
func LookupMethod(name string) (*Method, error) {
	for _, m := range methods {
		if m.Name == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("solver: unknown method %q (want %s)", name, strings.Join(MethodNames(), ", "))
}

// KnobNames returns the schedule-file keys of the method's knobs.
func (m *Method) KnobNames() []string {
	names := make([]string, len(m.Knobs))
	for i, k := range m.Knobs {
		names[i] = k.Name
	}
	return names
}

func (m *Method) usesEta() bool { return m.takes("eta") }

func (m *Method) takes(opt string) bool {
	for _, o := range m.Options {
		if o == opt {
			return true
		}
	}
	return false
}

func (m *Method) checkOptions(o Options) error {
	if o.Eta != nil {
		if !m.usesEta() {
			return fmt.Errorf("solver: method %s has no base η option (only dps, pigdm and oracle do; ddim and ddrm tune η as a knob)", m.Name)
		}
		if e := *o.Eta; !(e >= 0 && e <= 1) {
			return &InputError{Input: "eta", Index: -1, Value: e, Want: "in [0, 1]"}
		}
	}
	if o.R2 != "" {
		if !m.takes("r2") {
			return fmt.Errorf("solver: method %s has no r2 option (only pigdm does)", m.Name)
		}
		if o.R2 != "heuristic" && o.R2 != "spectral" {
			return fmt.Errorf("solver: unknown r2 %q (want heuristic or spectral)", o.R2)
		}
	}
	return nil
}
