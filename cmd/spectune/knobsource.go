package main

import (
	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
)

// knobSource selects which knobs eval and analyze use.
type knobSource struct {
	Heuristic bool
	Reference bool
	File      string
}

func (k *knobSource) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&k.Heuristic, "heuristic", false, "use the method's heuristic knobs (the default)")
	fs.BoolVar(&k.Reference, "reference", false, "use the reference knobs of SPEC §6 (dps and ddnm only)")
	fs.StringVar(&k.File, "knobs", "", "use the knobs of a schedule `file` (written by tune); the file fixes the grid, method, options, size, σ_y and bands")
}

// load returns the schedule file, if any, after checking that at most one
// source was chosen.
func (k *knobSource) schedule() (*solver.Schedule, error) {
	n := 0
	for _, b := range []bool{k.Heuristic, k.Reference, k.File != ""} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usagef("choose one of --heuristic, --reference and --knobs")
	}
	if k.File == "" {
		return nil, nil
	}
	return readScheduleFile(k.File)
}

// knobs returns the chosen knobs for p and their label.
func (k *knobSource) knobs(p *solver.Problem, s *solver.Schedule) (*solver.Knobs, string, error) {
	switch {
	case s != nil:
		return s.Knobs, "file:" + k.File, nil
	case k.Reference:
		r, err := p.Reference()
		if err != nil {
			return nil, "", usagef("--reference: %v", err)
		}
		return r, "reference", nil
	}
	return p.Heuristic(), "heuristic", nil
}
