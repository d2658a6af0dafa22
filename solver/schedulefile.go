package solver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// ScheduleFormat is the format string of schedule files (SPEC §9).
const ScheduleFormat = "spectune-schedule/1"

// Schedule is the content of a schedule file (SPEC §9): the grid, the
// method with its options, the problem it was designed for and its knob
// tables. Knobs.Values follow [Knobs]: row i-1 is step i; the file lists
// steps in execution order (i = T first).
type Schedule struct {
	Method    string
	Options   Options
	Grid      Grid
	Height    int
	Width     int
	SigmaY    float64
	Bands     int
	BandEdges []float64
	Knobs     *Knobs
}

// Schedule returns the schedule file content for knob tables k of p, on the
// knobs' own grid when they carry one (named by [DesignedGridName]).
func (p *Problem) Schedule(k *Knobs) (*Schedule, error) {
	if k.Rule != RuleTable {
		return nil, fmt.Errorf("solver: %s knobs are per frequency and have no schedule file; project them first", k.Rule)
	}
	if err := p.Check(k); err != nil {
		return nil, err
	}
	// A designed grid travels as the schedule's grid; the knobs then hold
	// the tables alone.
	kc := k.Clone()
	kc.Abar = nil
	return &Schedule{Method: p.Method.Name, Options: p.fileOptions(), Grid: p.ForKnobs(k).Grid, Height: p.H, Width: p.W,
		SigmaY: p.SigmaY, Bands: p.Bands, BandEdges: p.BandEdges, Knobs: kc}, nil
}

// fileOptions returns the options with every default the method takes made
// explicit, so that a file states them.
func (p *Problem) fileOptions() Options {
	var o Options
	if p.Method.usesEta() {
		e := p.Options.EtaValue()
		o.Eta = &e
	}
	if p.Method.takes("r2") {
		o.R2 = p.Options.R2Value()
	}
	return o
}

type optionsJSON struct {
	Eta *float64 `json:"eta,omitempty"`
	R2  string   `json:"r2,omitempty"`
}

type scheduleJSON struct {
	Format    string          `json:"format"`
	Method    string          `json:"method"`
	Options   optionsJSON     `json:"options"`
	Grid      string          `json:"grid"`
	Size      [2]int          `json:"size"`
	SigmaY    float64         `json:"sigma_y"`
	Bands     int             `json:"bands"`
	BandEdges []float64       `json:"band_edges"`
	Steps     json.RawMessage `json:"steps"`
}

// WriteSchedule writes s as JSON with a stable key order and two-space
// indentation. Floats are written in the shortest form that reads back bit
// for bit.
func WriteSchedule(w io.Writer, s *Schedule) error {
	m, err := LookupMethod(s.Method)
	if err != nil {
		return err
	}
	T := s.Grid.Steps()
	if s.Knobs == nil || s.Knobs.Steps != T || s.Knobs.Bands != s.Bands || len(s.Knobs.Values) != len(m.Knobs) {
		return fmt.Errorf("solver: schedule knobs do not match %d steps × %d bands of method %s", T, s.Bands, s.Method)
	}
	var steps bytes.Buffer
	steps.WriteByte('[')
	for e := 0; e < T; e++ {
		i := T - e // execution order: step T first
		if e > 0 {
			steps.WriteByte(',')
		}
		fmt.Fprintf(&steps, `{"abar_from":%s,"abar_to":%s`, jsonFloat(s.Grid.Abar[i]), jsonFloat(s.Grid.Abar[i-1]))
		for q, spec := range m.Knobs {
			fmt.Fprintf(&steps, `,%q:[`, spec.Name)
			for b := 0; b < s.Bands; b++ {
				if b > 0 {
					steps.WriteByte(',')
				}
				steps.WriteString(jsonFloat(s.Knobs.Values[q][(i-1)*s.Bands+b]))
			}
			steps.WriteByte(']')
		}
		steps.WriteByte('}')
	}
	steps.WriteByte(']')
	doc := scheduleJSON{Format: ScheduleFormat, Method: s.Method, Options: optionsJSON{Eta: s.Options.Eta, R2: s.Options.R2},
		Grid: s.Grid.Name, Size: [2]int{s.Height, s.Width}, SigmaY: s.SigmaY, Bands: s.Bands,
		BandEdges: s.BandEdges, Steps: steps.Bytes()}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("solver: schedule: %w", err)
	}
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

func jsonFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ReadSchedule reads a schedule file. It rejects an unknown format, unknown
// or missing fields, a missing knob, a wrong band count, options the method
// does not take, and a grid that is not strictly decreasing (SPEC §9).
func ReadSchedule(r io.Reader) (*Schedule, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("solver: schedule file is not JSON: %w", err)
	}
	if head.Format != ScheduleFormat {
		return nil, fmt.Errorf("solver: schedule format %q (want %q)", head.Format, ScheduleFormat)
	}
	var doc scheduleJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("solver: schedule file: %w", err)
	}
	m, err := LookupMethod(doc.Method)
	if err != nil {
		return nil, err
	}
	opts := Options{Eta: doc.Options.Eta, R2: doc.Options.R2}
	if err := m.checkOptions(opts); err != nil {
		return nil, fmt.Errorf("schedule file options: %w", err)
	}
	if doc.Size[0] < 1 || doc.Size[1] < 1 {
		return nil, fmt.Errorf("solver: schedule size %v (want [H, W] with H, W ≥ 1)", doc.Size)
	}
	if !(doc.SigmaY >= 0) || math.IsInf(doc.SigmaY, 0) {
		return nil, &InputError{Input: "schedule sigma_y", Index: -1, Value: doc.SigmaY, Want: "finite and ≥ 0"}
	}
	if doc.Bands < 1 {
		return nil, &InputError{Input: "schedule bands", Index: -1, Value: float64(doc.Bands), Want: "≥ 1"}
	}
	if len(doc.BandEdges) != doc.Bands+1 {
		return nil, fmt.Errorf("solver: schedule band_edges has %d values (want bands+1 = %d)", len(doc.BandEdges), doc.Bands+1)
	}
	var steps []map[string]json.RawMessage
	if err := json.Unmarshal(doc.Steps, &steps); err != nil {
		return nil, fmt.Errorf("solver: schedule steps: %w", err)
	}
	T := len(steps)
	if T == 0 {
		return nil, fmt.Errorf("solver: schedule has no steps")
	}
	abar := make([]float64, T+1)
	abar[0] = 1
	k := &Knobs{Steps: T, Bands: doc.Bands, Names: m.KnobNames(), Values: make([][]float64, len(m.Knobs))}
	for q := range k.Values {
		k.Values[q] = make([]float64, T*doc.Bands)
	}
	allowed := append([]string{"abar_from", "abar_to"}, m.KnobNames()...)
	for e, st := range steps {
		i := T - e
		for key := range st {
			if !slices.Contains(allowed, key) {
				return nil, fmt.Errorf("solver: schedule step %d: unknown key %q (method %s takes %s)", e, key, m.Name, strings.Join(allowed, ", "))
			}
		}
		var from, to float64
		if err := getFloat(st, "abar_from", e, &from); err != nil {
			return nil, err
		}
		if err := getFloat(st, "abar_to", e, &to); err != nil {
			return nil, err
		}
		abar[i] = from
		if e == T-1 && to != 1 {
			return nil, fmt.Errorf("solver: schedule last step has abar_to = %v (want 1)", to)
		}
		if e < T-1 {
			var next float64
			if err := getFloat(steps[e+1], "abar_from", e+1, &next); err != nil {
				return nil, err
			}
			if next != to {
				return nil, fmt.Errorf("solver: schedule step %d ends at ᾱ = %v but step %d starts at %v (steps must chain)", e, to, e+1, next)
			}
		}
		for q, spec := range m.Knobs {
			raw, ok := st[spec.Name]
			if !ok {
				return nil, fmt.Errorf("solver: schedule step %d: missing knob %q of method %s", e, spec.Name, m.Name)
			}
			var vals []float64
			if err := json.Unmarshal(raw, &vals); err != nil {
				return nil, fmt.Errorf("solver: schedule step %d knob %s: want an array of %d numbers: %w", e, spec.Name, doc.Bands, err)
			}
			if len(vals) != doc.Bands {
				return nil, fmt.Errorf("solver: schedule step %d knob %s has %d values (want bands = %d)", e, spec.Name, len(vals), doc.Bands)
			}
			copy(k.Values[q][(i-1)*doc.Bands:], vals)
		}
	}
	g := Grid{Name: doc.Grid, Abar: abar}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	s := &Schedule{Method: m.Name, Options: opts, Grid: g, Height: doc.Size[0], Width: doc.Size[1],
		SigmaY: doc.SigmaY, Bands: doc.Bands, BandEdges: doc.BandEdges, Knobs: k}
	return s, nil
}

func getFloat(st map[string]json.RawMessage, key string, e int, dst *float64) error {
	raw, ok := st[key]
	if !ok {
		return fmt.Errorf("solver: schedule step %d: missing %q", e, key)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("solver: schedule step %d %s: %w", e, key, err)
	}
	return nil
}
