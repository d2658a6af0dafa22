package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
)

type tuneOptions struct {
	problemOptions
	Out   string
	Init  string
	Free  []string
	Iters int
	Quiet bool
	JSON  bool
}

const tuneHelp = `spectune tune — design the knobs of a sampler for a problem

USAGE
  spectune tune [flags]

Evaluates the method's heuristic knobs (and reference knobs where SPEC §6
gives them), minimises the per-pixel W2 loss over every free knob with
L-BFGS, and writes to --out:
  schedule.json          the designed knobs (format spectune-schedule/1)
  report.json            losses, optimiser statistics and provenance
  tuned-KNOB.npy         each designed knob table, T×B, rows in execution order
  heuristic-KNOB.npy     the heuristic table (absent for per-frequency rules)
  knobs.png              knob curves over the steps, heuristic vs tuned
  transfer.png           radial profiles of |B| vs W and √V vs √v
  transfer.csv           the same profiles as numbers
  grid.png, grid.csv     with --free grid: the designed ᾱ grid against the
                         start grid, in log-SNR over the steps
--free grid designs the ᾱ grid (ᾱ_1 … ᾱ_{T-1}; ᾱ_T stays, ᾱ_1 ≤ 1 - 1e-9)
with the knobs held at the start; --free grid,KNOB designs both jointly. The
schedule file's abar_from/abar_to then carry the designed grid, which
eval --knobs and restore --knobs read back.
Progress goes to stderr; the loss table to stdout. Ctrl-C stops the optimiser
and still writes the best knobs found (report status "interrupted", exit 130).

With no flags it solves the built-in default problem:
` + problemHelp + `
FLAGS
%s
EXAMPLES
  spectune tune
  spectune tune --size 256 --steps 256 --method diffpir --out diffpir-256
  spectune tune --method ddrm --free eta_b --bands 4 --iters 100
  spectune tune --size 256 --steps 20 --free grid,zeta
  spectune tune --prior images:photos --prior-radial --op motion:9,30 --sigma-y 0.02

` + exitHelp

func (o *tuneOptions) AddFlags(fs *pflag.FlagSet) {
	o.problemOptions.AddFlags(fs)
	fs.StringVar(&o.Out, "out", "spectune-out", "output `directory` (created if missing)")
	fs.StringVar(&o.Init, "init", "heuristic", "start `point`: heuristic, reference (dps, ddnm), or the path of a schedule.json of the same problem; per-frequency rules are projected onto the T×B table by their minimum per step and band")
	fs.StringSliceVar(&o.Free, "free", nil, "knobs to optimise, comma-separated, and grid for the ᾱ grid (default: every knob of the method, e.g. eta,eta_b for ddrm, on a fixed grid)")
	fs.IntVar(&o.Iters, "iters", 300, "maximum L-BFGS iterations; it also stops when the loss improves by less than 1e-9 relative over 10 iterations")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	fs.BoolVar(&o.JSON, "json", false, "print report.json to stdout instead of the table")
}

func runTune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	var o tuneOptions
	fs := pflag.NewFlagSet("tune", pflag.ContinueOnError)
	o.AddFlags(fs)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), tuneHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if o.Iters < 1 {
		return usagef("--iters %d: want ≥ 1", o.Iters)
	}
	var sched *solver.Schedule
	initName := o.Init
	if o.Init != "heuristic" && o.Init != "reference" {
		s, err := readScheduleFile(o.Init)
		if err != nil {
			return fmt.Errorf("--init: %w", err)
		}
		sched, initName = s, "file:"+o.Init
	}
	p, desc, err := o.build(sched)
	if err != nil {
		return err
	}
	if len(p.Method.Knobs) == 0 && !containsStr(o.Free, solver.GridKnob) {
		return usagef("method %s has no knobs to tune (use spectune eval for its loss, or --free grid to design its grid)", p.Method.Name)
	}
	ev, backendName, closeEv, err := evaluator(ctx, o.Device, p, stderr, containsStr(o.Free, solver.GridKnob))
	if err != nil {
		return err
	}
	defer closeEv()
	if !o.Quiet {
		fmt.Fprintf(stderr, "spectune tune: %s on %dx%d, T = %d, B = %d; %d distinct frequencies of %d; backend %s\n",
			p.Method.Name, p.H, p.W, p.T(), p.Bands, p.Freqs.Len(), p.N(), backendName)
	}

	d, err := design(ctx, p, ev, o.Init, sched, o.Free, o.Iters, newRecorder(stderr, o.Quiet))
	if err != nil {
		return err
	}
	lt, heur, res := d.losses, d.heur, d.res

	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	rep := report{Format: reportFormat, Command: "tune", Status: "done", Problem: desc, Loss: lt,
		Improvement: lt.Heuristic.Total / res.Loss.Total, Provenance: newProvenance(ranOn(ev, backendName), started)}
	if res.Interrupted {
		rep.Status = "interrupted"
	}
	evalSecs := res.Elapsed.Seconds() / float64(max(1, res.Evaluations))
	rep.Optimizer = &optimizerRun{Method: "L-BFGS (gonum/optimize)", Init: initName, Free: d.free, Status: res.Status,
		Iterations: res.Iterations, Evaluations: res.Evaluations, Clipped: res.Clipped, ClipEps: res.ClipEps, Seconds: res.Elapsed.Seconds(),
		FreqStepsPerSec: float64(p.Freqs.Len()*p.T()) / evalSecs, SecondsPerEval: evalSecs, MaxIterations: o.Iters}
	if res.Clipped > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d start entries sat on a domain bound and were moved %g inside it, so that the logistic/exp parametrisation has a gradient (SPEC §7 suggests 0.001; smaller is used where 0.001 would change the start loss by more than 0.1%%)", res.Clipped, res.ClipEps))
	}
	if heur.Rule != solver.RuleTable {
		rep.Notes = append(rep.Notes, "the heuristic is a per-frequency rule; its loss is exact, while the start is its projection onto the T×B table (minimum per step and band)")
	}
	if res.Knobs.Abar != nil {
		rep.Grid = &gridReport{From: p.Grid.Name, Start: p.Grid.Abar, Designed: res.Knobs.Abar, MovedStart: res.GridMoved}
		rep.Notes = append(rep.Notes, fmt.Sprintf("the grid was designed (ᾱ_T = %g kept, log-SNR of ᾱ_1 bounded by %.4g); schedule.json carries it", p.Grid.Abar[p.T()], solver.GridMaxLogSNR))
		if res.GridMoved > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%d log-SNR steps of the start grid lay below the parametrisation's floor (10⁻³ of the span over T-1) and were raised to it; the start loss is that of the raised grid", res.GridMoved))
		}
	}

	files, werr := writeTuneFiles(ctx, o.Out, p, ev, heur, res, &rep)
	rep.Files = files
	if errors.Is(werr, solver.ErrInterrupted) {
		rep.Status = "interrupted"
		rep.Notes = append(rep.Notes, "interrupted after tuning, while computing the transfer plots; the schedule and knob tables were written")
	}
	if err := writeJSON(filepath.Join(o.Out, "report.json"), rep); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if o.JSON {
		if err := jsonTo(stdout, rep); err != nil {
			return err
		}
	} else {
		printLossTable(stdout, lt)
		fmt.Fprintf(stdout, "\n%s: %s after %d iterations (%d evaluations, %.1f s); wrote %s\n", p.Method.Name, statusText(res.Status),
			res.Iterations, res.Evaluations, res.Elapsed.Seconds(), filepath.Join(o.Out, "schedule.json"))
	}
	if res.Interrupted {
		return fmt.Errorf("%w: wrote the best knobs found to %s", solver.ErrInterrupted, o.Out)
	}
	return nil
}

// writeTuneFiles writes the schedule, knob tables and plots. After an
// interruption it writes the files that need no further evaluation and notes
// what it skipped.
func writeTuneFiles(ctx context.Context, out string, p *solver.Problem, ev solver.Evaluator, heur *solver.Knobs, res *solver.TuneResult, rep *report) ([]string, error) {
	var files []string
	add := func(name string, err error) error {
		if err == nil {
			files = append(files, name)
		}
		return err
	}
	s, err := p.Schedule(res.Knobs)
	if err != nil {
		return files, err
	}
	if err := add("schedule.json", writeFileAtomic(filepath.Join(out, "schedule.json"), func(w io.Writer) error { return solver.WriteSchedule(w, s) })); err != nil {
		return files, err
	}
	tables := []struct {
		prefix string
		k      *solver.Knobs
	}{{"tuned", res.Knobs}}
	if heur.Rule == solver.RuleTable {
		tables = append(tables, struct {
			prefix string
			k      *solver.Knobs
		}{"heuristic", heur})
	}
	for _, tb := range tables {
		for q, name := range tb.k.Names {
			fn := tb.prefix + "-" + name + ".npy"
			if err := add(fn, writeNPY(filepath.Join(out, fn), tb.k.Steps, tb.k.Bands, executionOrder(tb.k, q))); err != nil {
				return files, err
			}
		}
	}
	series := []knobSeries{{Label: "heuristic", Knobs: p.Project(heur), Dash: true}, {Label: "tuned", Knobs: res.Knobs}}
	if heur.Rule != solver.RuleTable {
		series[0].Label = "heuristic (band minimum)"
	}
	if err := add("knobs.png", writeKnobsPNG(filepath.Join(out, "knobs.png"), p, series)); err != nil {
		return files, err
	}
	if ab := res.Knobs.Abar; ab != nil {
		grids := []gridSeries{{Label: p.Grid.Name + " (start)", Abar: p.Grid.Abar, Dash: true}, {Label: "designed", Abar: ab}}
		if err := add("grid.png", writeGridPNG(filepath.Join(out, "grid.png"), p.Method.Name+": ᾱ grid", [][]gridSeries{grids})); err != nil {
			return files, err
		}
		if err := add("grid.csv", writeFileAtomic(filepath.Join(out, "grid.csv"), func(w io.Writer) error { return writeGridCSV(w, grids) })); err != nil {
			return files, err
		}
	}
	if res.Interrupted {
		rep.Notes = append(rep.Notes, "interrupted: transfer.png and transfer.csv were not written (they need two more evaluations)")
		return files, nil
	}
	th, err := computeTransfer(ctx, ev, p, "heuristic", heur)
	if err != nil {
		return files, interrupted(ctx, err)
	}
	tt, err := computeTransfer(ctx, ev, p, "tuned", res.Knobs)
	if err != nil {
		return files, interrupted(ctx, err)
	}
	profiles := [][]radialRow{radialProfile(p, th), radialProfile(p, tt)}
	labels := []string{"heuristic", "tuned"}
	if err := add("transfer.png", writeTransferPNG(filepath.Join(out, "transfer.png"), p.Method.Name, profiles, labels)); err != nil {
		return files, err
	}
	err = add("transfer.csv", writeFileAtomic(filepath.Join(out, "transfer.csv"), func(w io.Writer) error { return writeRadialCSV(w, profiles, labels) }))
	return files, err
}

// executionOrder returns knob q as a T×B table whose first row is the first
// executed step (i = T), the order of schedule files.
func executionOrder(k *solver.Knobs, q int) []float64 {
	out := make([]float64, 0, k.Steps*k.Bands)
	for i := k.Steps; i >= 1; i-- {
		out = append(out, k.Values[q][(i-1)*k.Bands:i*k.Bands]...)
	}
	return out
}

// interrupted turns a cancellation into solver.ErrInterrupted; other
// errors pass through.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w during an evaluation", solver.ErrInterrupted)
	}
	return err
}

func readScheduleFile(path string) (*solver.Schedule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := solver.ReadSchedule(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// designed is what [design] found.
type designed struct {
	losses lossTable
	heur   *solver.Knobs
	res    *solver.TuneResult
	free   []string
}

// design evaluates the heuristic (and reference) knobs and tunes from the
// start point init ("heuristic", "reference", or the knobs of sched).
func design(ctx context.Context, p *solver.Problem, ev solver.Evaluator, init string, sched *solver.Schedule, free []string, iters int, rec solver.Recorder) (*designed, error) {
	d := &designed{heur: p.Heuristic(), free: free}
	lh, err := ev.Evaluate(ctx, d.heur, nil)
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	d.losses.Heuristic = &lh
	var ref *solver.Knobs
	if p.Method.HasReference {
		ref, _ = p.Reference()
		lr, err := ev.Evaluate(ctx, ref, nil)
		if err != nil {
			return nil, interrupted(ctx, err)
		}
		d.losses.Reference = &lr
	}
	var start *solver.Knobs
	switch {
	case sched != nil:
		start = sched.Knobs
	case init == "reference":
		if ref == nil {
			return nil, usagef("--init reference: method %s has no reference knobs (SPEC §6 gives them for dps and ddnm)", p.Method.Name)
		}
		start = p.Project(ref)
	default:
		start = p.Project(d.heur)
	}
	if len(d.free) == 0 {
		d.free = p.Method.KnobNames()
	}
	d.res, err = solver.Tune(ctx, ev, p, start, solver.TuneSettings{Free: d.free, MaxIterations: iters, Recorder: rec})
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	d.losses.Start, d.losses.Tuned = &d.res.Start, &d.res.Loss
	return d, nil
}

// statusText says in words why the optimiser stopped.
func statusText(status string) string {
	switch status {
	case "IterationLimit":
		return "stopped at the iteration limit (--iters)"
	case "FunctionConvergence":
		return "converged (loss changed < 1e-9 relative over 10 iterations)"
	case "GradientThreshold":
		return "converged (gradient vanished)"
	case "Interrupted":
		return "interrupted; the best knobs so far were kept"
	case "Failure":
		return "stopped when the line search could make no progress (float64 limits); the best knobs were kept"
	}
	return strings.ToLower(status)
}
