package solver

import (
	"fmt"
	"math"
	"strings"
)

// Rule says where knob values come from.
type Rule int

const (
	// RuleTable takes knobs from the T×B tables of [Knobs.Values].
	RuleTable Rule = iota
	// RuleHeuristic computes per-frequency heuristic knobs (DDNM+'s σ_y
	// rule), which no T×B table holds exactly.
	RuleHeuristic
	// RuleReference computes the per-frequency reference knobs of SPEC §6
	// (dps and ddnm).
	RuleReference
)

// String names the rule.
func (r Rule) String() string {
	switch r {
	case RuleHeuristic:
		return "heuristic"
	case RuleReference:
		return "reference"
	}
	return "table"
}

// Knobs holds a method's knobs as T×B tables (SPEC §7), or names a
// per-frequency rule. Values[q][(i-1)·Bands + b] is knob q at step i, band b.
type Knobs struct {
	Steps, Bands int
	Names        []string
	Values       [][]float64
	// Rule, when not RuleTable, replaces Values by per-frequency values.
	Rule Rule
	// Abar, when set, replaces the problem's grid by ᾱ_0 … ᾱ_T (ᾱ_0 = 1,
	// strictly decreasing): a grid being designed alongside the knobs. An
	// evaluation's gradient then has one more table, ∂L/∂ᾱ_0 … ∂L/∂ᾱ_T
	// (entry 0 is 0: ᾱ_0 = 1 is fixed); see [GridGradient].
	Abar []float64
}

// NewKnobs returns tables for the problem's method, knob q filled with
// fill[q].
func (p *Problem) NewKnobs(fill ...float64) *Knobs {
	m := p.Method
	k := &Knobs{Steps: p.T(), Bands: p.Bands, Names: m.KnobNames(), Values: make([][]float64, len(m.Knobs))}
	for q := range k.Values {
		k.Values[q] = make([]float64, k.Steps*k.Bands)
		if q < len(fill) {
			for j := range k.Values[q] {
				k.Values[q][j] = fill[q]
			}
		}
	}
	return k
}

// Clone returns a deep copy.
func (k *Knobs) Clone() *Knobs {
	c := *k
	c.Names = append([]string(nil), k.Names...)
	c.Values = make([][]float64, len(k.Values))
	for q := range k.Values {
		c.Values[q] = append([]float64(nil), k.Values[q]...)
	}
	if k.Abar != nil {
		c.Abar = append([]float64(nil), k.Abar...)
	}
	return &c
}

// At returns knob q at step i (1-based) and band b.
func (k *Knobs) At(q, i, b int) float64 { return k.Values[q][(i-1)*k.Bands+b] }

// Len returns the number of knob entries, T·B per knob.
func (k *Knobs) Len() int { return len(k.Values) * k.Steps * k.Bands }

// Check reports whether k fits the problem: the method's knob names, T steps,
// B bands, and every value finite and inside its domain.
func (p *Problem) Check(k *Knobs) error {
	m := p.Method
	if k == nil {
		return fmt.Errorf("solver: no knobs given for %s", m.Name)
	}
	if k.Abar != nil {
		if len(k.Abar) != p.T()+1 {
			return fmt.Errorf("solver: knob grid has %d values ᾱ_0 … ᾱ_T (want T+1 = %d)", len(k.Abar), p.T()+1)
		}
		if err := (Grid{Name: "of the knobs", Abar: k.Abar}).Validate(); err != nil {
			return err
		}
	}
	if k.Rule != RuleTable {
		if _, err := p.ruleKnobs(k.Rule); err != nil {
			return err
		}
		return nil
	}
	if len(k.Values) != len(m.Knobs) || len(k.Names) != len(m.Knobs) {
		return fmt.Errorf("solver: knobs %v do not match method %s (want %v)", k.Names, m.Name, m.KnobNames())
	}
	if k.Steps != p.T() || k.Bands != p.Bands {
		return fmt.Errorf("solver: knob table is %d steps × %d bands, the problem has %d × %d", k.Steps, k.Bands, p.T(), p.Bands)
	}
	for q, spec := range m.Knobs {
		if k.Names[q] != spec.Name {
			return fmt.Errorf("solver: knob %d is %q, method %s wants %q", q, k.Names[q], m.Name, spec.Name)
		}
		if len(k.Values[q]) != k.Steps*k.Bands {
			return fmt.Errorf("solver: knob %s has %d values (want %d)", spec.Name, len(k.Values[q]), k.Steps*k.Bands)
		}
		for j, v := range k.Values[q] {
			ok := v >= 0 && !math.IsInf(v, 0)
			want := "finite and ≥ 0"
			if spec.Domain == Unit {
				ok, want = v >= 0 && v <= 1, "in [0, 1]"
			}
			if !ok {
				return &InputError{Input: "knob " + spec.Name, Index: j, Value: v, Want: want}
			}
		}
	}
	return nil
}

// Heuristic returns the knob setting the method's authors ship (SPEC §6):
// a table, or a per-frequency rule where the heuristic depends on ρ (ddnm).
func (p *Problem) Heuristic() *Knobs { return p.Method.impl.heuristic(p) }

// Reference returns the per-frequency reference knobs of SPEC §6, or an error
// for methods without them.
func (p *Problem) Reference() (*Knobs, error) { return p.ruleKnobs(RuleReference) }

func (p *Problem) ruleKnobs(r Rule) (*Knobs, error) {
	m := p.Method
	var probe [2]float64
	if len(m.Knobs) == 0 || !m.impl.rule(p, r, 0, 1, 1, probe[:]) {
		return nil, fmt.Errorf("solver: method %s has no %s knobs (SPEC §6 gives reference knobs for dps and ddnm only)", m.Name, r)
	}
	return &Knobs{Steps: p.T(), Bands: p.Bands, Names: m.KnobNames(), Rule: r}, nil
}

// KnobValues writes the knob values that frequency f sees at every step:
// dst[q][j] is knob q at step j+1. For B = 1 tables dst[q] may be replaced by
// the table itself instead of a copy; callers must not write to it.
func (p *Problem) KnobValues(dst [][]float64, k *Knobs, f int) {
	T := p.T()
	if k.Rule != RuleTable {
		lam, rho := p.Freqs.Lambda[f], p.Freqs.Rho[f]
		var v [2]float64
		for j := 0; j < T; j++ {
			p.Method.impl.rule(p, k.Rule, j, lam, rho, v[:])
			for q := range dst {
				dst[q][j] = v[q]
			}
		}
		return
	}
	if k.Bands == 1 {
		for q := range dst {
			dst[q] = k.Values[q]
		}
		return
	}
	b := int(p.Freqs.Band[f])
	for q := range dst {
		col := dst[q][:T]
		vals := k.Values[q]
		for j := range col {
			col[j] = vals[j*k.Bands+b]
		}
	}
}

// Project returns a T×B table for a per-frequency rule: per step and band,
// the smallest value the rule takes over the band's frequencies with ρ > 0
// (where the knob acts; all of the band's frequencies when none has ρ > 0).
// The rules' knobs (DDNM's λ, DPS's ζ) set guidance strength, where too much
// is catastrophic at small ρ (noise amplified by 1/ρ) and too little only
// forgoes information, so the projection takes the strength that no
// frequency of the band finds too strong; the optimiser then raises it where
// that pays. Tables are returned as a copy.
func (p *Problem) Project(k *Knobs) *Knobs {
	if k.Rule == RuleTable {
		return k.Clone()
	}
	out := p.NewKnobs()
	T, nq := p.T(), len(out.Values)
	var v [2]float64
	for b, fs := range p.freqsByBand() {
		act := fs[:0:0]
		for _, f := range fs {
			if p.Freqs.Rho[f] > 0 {
				act = append(act, f)
			}
		}
		if len(act) == 0 {
			act = fs
		}
		for j := 0; j < T; j++ {
			lo := [2]float64{math.Inf(1), math.Inf(1)}
			for _, f := range act {
				p.Method.impl.rule(p, k.Rule, j, p.Freqs.Lambda[f], p.Freqs.Rho[f], v[:])
				for q := 0; q < nq; q++ {
					lo[q] = math.Min(lo[q], v[q])
				}
			}
			for q := 0; q < nq; q++ {
				if math.IsInf(lo[q], 1) {
					lo[q] = 0
				}
				out.Values[q][j*p.Bands+b] = lo[q]
			}
		}
	}
	return out
}

// Coeffs writes the step coefficients of merged frequency f for every step
// (dst[j] is step j+1) given its knob values kv from [Problem.KnobValues].
// Only the partials that want selects are written; the others are left as
// they were.
func (p *Problem) Coeffs(dst []Coeffs, f int, kv [][]float64, want Partials) {
	p.Method.impl.coeffs(p, dst[:p.T()], p.Freqs.Lambda[f], p.Freqs.Rho[f], kv, want)
}

// Init returns the (B, V) that the recursion of frequency f starts from: the
// law of x_T given y is N(B·Ỹ, V) (SPEC §8).
func (p *Problem) Init(f int) (b, v float64) {
	return p.Method.impl.init(p, p.Freqs.Lambda[f], p.Freqs.Rho[f])
}

// InitDeriv returns ∂B/∂ᾱ_T and ∂V/∂ᾱ_T of [Problem.Init] (zero unless the
// method's init depends on the grid, as ddrm's does).
func (p *Problem) InitDeriv(f int) (db, dv float64) {
	return p.Method.impl.initDeriv(p, p.Freqs.Lambda[f], p.Freqs.Rho[f])
}

// GridGradient returns the grid table of an evaluation's gradient: nil when
// k has no grid of its own or grad has no table for it, else
// grad[len(k.Values)], which must hold T+1 entries.
func GridGradient(k *Knobs, grad [][]float64) ([]float64, error) {
	if k.Abar == nil || len(grad) <= len(k.Values) {
		return nil, nil
	}
	g := grad[len(k.Values)]
	if len(g) != len(k.Abar) {
		return nil, fmt.Errorf("solver: grid gradient table has %d entries (want T+1 = %d)", len(g), len(k.Abar))
	}
	return g, nil
}

// ForKnobs returns the problem that k is evaluated on: p itself, or, when k
// carries a grid of its own, a copy of p on that grid (sharing the
// frequencies; O(T) to build). k must have passed [Problem.Check].
func (p *Problem) ForKnobs(k *Knobs) *Problem {
	if k.Abar == nil {
		return p
	}
	q := *p
	q.Grid = Grid{Name: DesignedGridName(p.Grid.Name), Abar: k.Abar}
	q.Steps = newSteps(q.Grid, p.baseEta())
	return &q
}

// DesignedGridName is the grid name of schedule files whose grid was
// designed starting from the grid called from.
func DesignedGridName(from string) string {
	if strings.HasPrefix(from, "designed") {
		return from
	}
	return "designed (from " + from + ")"
}
