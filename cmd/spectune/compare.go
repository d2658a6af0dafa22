package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
)

const compareHelp = `spectune compare — tune several methods on one problem and tabulate

USAGE
  spectune compare [flags]

For each method of --methods: the loss of its heuristic knobs, of its
reference knobs (dps, ddnm), and of its tuned knobs, with the improvement
factor, as a Markdown table on stdout; the last row is the oracle's loss
(DDIM with perfect guidance: what T steps leave without designed knobs,
which designed knobs can undercut by also correcting the discretisation).
--method is ignored; --eta and --r2 apply to the methods that take them.
With --out, each method's schedule.json and report.json go to OUT/METHOD/.

` + problemHelp + `
FLAGS
%s
EXAMPLES
  spectune compare --size 256x256 --steps 256
  spectune compare --size 128 --steps 64 --methods dps,pigdm --bands 4

` + exitHelp

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o struct {
		problemOptions
		Methods []string
		Iters   int
		Out     string
		Quiet   bool
	}
	fs := pflag.NewFlagSet("compare", pflag.ContinueOnError)
	o.problemOptions.AddFlags(fs)
	fs.StringSliceVar(&o.Methods, "methods", []string{"ddim", "dps", "pigdm", "ddnm", "ddrm", "diffpir"}, "methods to tune, comma-separated")
	fs.IntVar(&o.Iters, "iters", 300, "maximum L-BFGS iterations per method")
	fs.StringVar(&o.Out, "out", "", "if set, write each method's schedule.json and report.json to `dir`/METHOD/")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), compareHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	for _, m := range o.Methods {
		mm, err := solver.LookupMethod(m)
		if err != nil {
			return usagef("--methods: %v", err)
		}
		if len(mm.Knobs) == 0 {
			return usagef("--methods: %s has no knobs to tune", m)
		}
	}
	eng, err := newEngine(o.Device, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	backendName := ""
	var rows []string
	var desc problemDesc
	o.lenient = true
	for _, m := range append(o.Methods, "oracle") {
		o.Method = m
		p, d, err := o.build(nil)
		if err != nil {
			return err
		}
		desc = d
		ev, name, err := eng.prepare(ctx, p)
		if err != nil {
			return err
		}
		backendName = name
		if m == "oracle" {
			l, err := ev.Evaluate(ctx, p.NewKnobs(), nil)
			ev.Close()
			if err != nil {
				return interrupted(ctx, err)
			}
			rows = append(rows, fmt.Sprintf("| oracle (exact guidance, η = %g) | %.4e | | | | | | | |", p.Options.EtaValue(), l.Total))
			continue
		}
		if !o.Quiet {
			fmt.Fprintf(stderr, "compare: tuning %s (%d distinct frequencies × %d steps, backend %s)\n", m, p.Freqs.Len(), p.T(), backendName)
		}
		t0 := time.Now()
		dd, err := design(ctx, p, ev, "heuristic", nil, nil, o.Iters, newRecorder(stderr, o.Quiet))
		ev.Close()
		if err != nil {
			return err
		}
		lt := dd.losses
		ref := ""
		if lt.Reference != nil {
			ref = fmt.Sprintf("%.4e", lt.Reference.Total)
		}
		heurNote := ""
		if dd.heur.Rule != solver.RuleTable {
			heurNote = "¹"
		}
		rows = append(rows, fmt.Sprintf("| %s | %.4e%s | %s | %.4e | %.4e | %.4e | ×%.3g | %d | %.1f |", m, lt.Heuristic.Total, heurNote, ref,
			lt.Tuned.Total, lt.Tuned.Mean, lt.Tuned.Variance, lt.Heuristic.Total/lt.Tuned.Total, dd.res.Iterations, time.Since(t0).Seconds()))
		if o.Out != "" {
			dir := filepath.Join(o.Out, m)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			s, err := p.Schedule(dd.res.Knobs)
			if err != nil {
				return err
			}
			if err := writeFileAtomic(filepath.Join(dir, "schedule.json"), func(w io.Writer) error { return solver.WriteSchedule(w, s) }); err != nil {
				return err
			}
			rep := report{Format: reportFormat, Command: "compare", Status: "done", Problem: d, Loss: lt,
				Improvement: lt.Heuristic.Total / lt.Tuned.Total, Files: []string{"schedule.json"}, Provenance: newProvenance(backendName, t0)}
			if err := writeJSON(filepath.Join(dir, "report.json"), rep); err != nil {
				return err
			}
		}
		if dd.res.Interrupted {
			return fmt.Errorf("%w during %s", solver.ErrInterrupted, m)
		}
	}
	fmt.Fprintf(stdout, "Per-pixel W2² loss on %dx%d, prior %s, op %s, σ_y = %g, %s T = %d, B = %d (backend %s)\n\n",
		desc.Size[0], desc.Size[1], desc.Prior, desc.Op, desc.SigmaY, desc.Grid, desc.Steps, desc.Bands, backendName)
	fmt.Fprintln(stdout, "| method | heuristic | reference | tuned | tuned mean | tuned variance | improvement | iterations | seconds |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|")
	fmt.Fprintln(stdout, strings.Join(rows, "\n"))
	fmt.Fprintln(stdout, "\n¹ per-frequency heuristic (DDNM+'s σ_y rule), which a T×B table cannot express; tuning starts from its band minimum (see README).")
	return nil
}
