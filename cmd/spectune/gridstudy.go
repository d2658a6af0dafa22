package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
)

const gridstudyHelp = `spectune gridstudy — design the ᾱ grid, alone and jointly with the knobs

USAGE
  spectune gridstudy [flags]

For each T of --steps-list and each method of --methods, on vp-linear:
  (a) the heuristic knobs;
  (b) the knobs tuned on the fixed grid;
  (c) the grid designed with the knobs held at the heuristic (as tune starts
      from it: DDNM+'s per-frequency rule projected onto the step table);
  (c') the heuristic re-derived on (c)'s grid (DPS's ζ_i = s/R_i and DDNM+'s
      rule depend on the grid), which is what a user running the shipped
      sampler on that grid gets;
  (d) the grid and the knobs designed jointly, starting from the better of
      (b) and (c).
First, the schedule-design problem itself: the unconditional sampler (ddim,
η = 1) with nothing measured (ρ ≡ 0), whose grid is designed for W2 to the
prior and drawn against vp-linear and cosine in log-SNR.

Writes to --out (each file rewritten after every row, so an interrupted run
keeps what it finished):
  gridstudy.md          the tables, as in the README
  gridstudy.json        every loss (total, mean, variance) and designed grid
  losses.png            loss against T per method, (a)–(d)
  unconditional.png     designed vs vp-linear and cosine grids, log-SNR
  unconditional.csv     the same grids as numbers
  schedules/            METHOD-T-{knobs,grid,joint}.json schedule files

` + problemHelp + `  gridstudy's default size is 256x256 and --steps is ignored.

FLAGS
%s
EXAMPLES
  spectune gridstudy --out gridstudy
  spectune gridstudy --steps-list 10,20 --methods dps --iters 50

` + exitHelp

// studyRow is one method and T of the study.
type studyRow struct {
	Method string `json:"method"`
	Steps  int    `json:"steps"`
	// Heuristic (a), Tuned (b), Grid (c), GridHeuristic (c'), Joint (d).
	Heuristic     solver.Loss `json:"heuristic"`
	Tuned         solver.Loss `json:"tuned_knobs"`
	Grid          solver.Loss `json:"designed_grid"`
	GridHeuristic solver.Loss `json:"heuristic_on_designed_grid"`
	Joint         solver.Loss `json:"joint"`
	// GridAbar and JointAbar are the designed grids of (c) and (d).
	GridAbar  []float64 `json:"designed_grid_abar"`
	JointAbar []float64 `json:"joint_abar"`
	Status    [3]string `json:"optimizer_status"` // (b), (c), (d)
	Seconds   float64   `json:"seconds"`
}

// uncondRow is the unconditional schedule design at one T.
type uncondRow struct {
	Steps    int         `json:"steps"`
	VPLinear solver.Loss `json:"vp_linear"`
	Cosine   solver.Loss `json:"cosine"`
	Designed solver.Loss `json:"designed"`
	// Abar holds the grids ᾱ_0 … ᾱ_T: vp-linear, cosine, designed.
	VPAbar       []float64 `json:"vp_linear_abar"`
	CosineAbar   []float64 `json:"cosine_abar"`
	DesignedAbar []float64 `json:"designed_abar"`
	Status       string    `json:"optimizer_status"`
}

type studyReport struct {
	Format        string      `json:"format"`
	Status        string      `json:"status"`
	Problem       problemDesc `json:"problem"`
	Iterations    int         `json:"max_iterations"`
	Unconditional []uncondRow `json:"unconditional"`
	Rows          []studyRow  `json:"rows"`
	Provenance    provenance  `json:"provenance"`
}

type gridstudyOptions struct {
	problemOptions
	StepsList []int
	Methods   []string
	Iters     int
	Out       string
	Quiet     bool
}

func runGridstudy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	var o gridstudyOptions
	fs := pflag.NewFlagSet("gridstudy", pflag.ContinueOnError)
	o.problemOptions.AddFlags(fs)
	o.Size = "256x256"
	fs.Lookup("size").DefValue = o.Size
	fs.IntSliceVar(&o.StepsList, "steps-list", []int{10, 20, 50, 100, 1024}, "the step counts T, comma-separated")
	fs.StringSliceVar(&o.Methods, "methods", []string{"dps", "pigdm", "ddnm"}, "methods, comma-separated")
	fs.IntVar(&o.Iters, "iters", 300, "maximum L-BFGS iterations per design")
	fs.StringVar(&o.Out, "out", "gridstudy", "output `directory` (created if missing)")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), gridstudyHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if o.Iters < 1 {
		return usagef("--iters %d: want ≥ 1", o.Iters)
	}
	for _, T := range o.StepsList {
		if T < 2 {
			return usagef("--steps-list: T = %d has no grid to design (want every T ≥ 2)", T)
		}
	}
	for _, m := range o.Methods {
		mm, err := solver.LookupMethod(m)
		if err != nil {
			return usagef("--methods: %v", err)
		}
		if len(mm.Knobs) == 0 {
			return usagef("--methods: %s has no knobs (the study compares knob and grid design)", m)
		}
	}
	if o.changed("steps") || o.changed("schedule") || o.changed("method") {
		return usagef("gridstudy sets --steps, --schedule and --method itself (use --steps-list and --methods)")
	}
	if err := os.MkdirAll(filepath.Join(o.Out, "schedules"), 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	eng, err := newEngine(o.Device, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	eng.grid = true
	s := &study{o: &o, eng: eng, stderr: stderr, rep: studyReport{Format: "spectune-gridstudy/1", Status: "running", Iterations: o.Iters}}
	if o.Quiet {
		s.stderr = io.Discard
	}
	s.rep.Provenance = newProvenance("", started)
	err = s.run(ctx)
	s.rep.Status = "done"
	if err != nil {
		s.rep.Status = "interrupted"
		if !errors.Is(err, solver.ErrInterrupted) && ctx.Err() == nil {
			s.rep.Status = "failed: " + err.Error()
		}
	}
	if werr := s.write(); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	md, _ := os.ReadFile(filepath.Join(o.Out, "gridstudy.md"))
	stdout.Write(md)
	return nil
}

// study runs the grid study and writes its files as rows finish.
type study struct {
	o      *gridstudyOptions
	eng    *engine
	stderr io.Writer
	rep    studyReport
}

// problem builds the study's problem for method on grid with T steps and
// operator op, from a copy of the flags.
func (s *study) problem(method, grid, op string, T int) (*solver.Problem, problemDesc, error) {
	o := s.o.problemOptions
	o.Method, o.Schedule, o.Steps, o.Op = method, grid, T, op
	o.lenient = true
	return o.build(nil)
}

// opened is a study problem with its evaluator (which the caller closes)
// and the method's heuristic knobs with their loss.
type opened struct {
	p     *solver.Problem
	ev    solver.Evaluator
	heur  *solver.Knobs
	heurL solver.Loss
}

// open builds a problem, prepares its evaluator and evaluates the method's
// heuristic knobs on it.
func (s *study) open(ctx context.Context, method, grid, op string, T int) (*opened, error) {
	p, _, err := s.problem(method, grid, op, T)
	if err != nil {
		return nil, err
	}
	ev, _, err := s.eng.prepare(ctx, p)
	if err != nil {
		return nil, err
	}
	o := &opened{p: p, ev: ev, heur: p.Heuristic()}
	if o.heurL, err = ev.Evaluate(ctx, o.heur, nil); err != nil {
		ev.Close()
		return nil, interrupted(ctx, err)
	}
	return o, nil
}

func (s *study) run(ctx context.Context) error {
	op := s.o.Op
	// The report describes the conditional problem (at the largest T).
	_, d, err := s.problem(s.o.Methods[0], "vp-linear", op, s.o.StepsList[len(s.o.StepsList)-1])
	if err != nil {
		return err
	}
	s.rep.Problem = d
	for _, T := range s.o.StepsList {
		if err := s.unconditional(ctx, T); err != nil {
			return err
		}
		if err := s.write(); err != nil {
			return err
		}
	}
	for _, m := range s.o.Methods {
		for _, T := range s.o.StepsList {
			if err := s.method(ctx, m, op, T); err != nil {
				return err
			}
			if err := s.write(); err != nil {
				return err
			}
		}
	}
	return nil
}

// tune runs one design and turns an interruption into an error, so that the
// study stops there (the rows finished so far are kept).
func (s *study) tune(ctx context.Context, ev solver.Evaluator, p *solver.Problem, start *solver.Knobs, free []string, what string) (*solver.TuneResult, error) {
	t0 := time.Now()
	res, err := solver.Tune(ctx, ev, p, start, solver.TuneSettings{Free: free, MaxIterations: s.o.Iters})
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	if res.Interrupted {
		return nil, fmt.Errorf("%w during %s", solver.ErrInterrupted, what)
	}
	fmt.Fprintf(s.stderr, "gridstudy: %-28s %.4e → %.4e  (%d iterations, %.1f s)\n", what, res.Start.Total, res.Loss.Total, res.Iterations, time.Since(t0).Seconds())
	return res, nil
}

// unconditional designs the grid of ddim (η = 1) with ρ ≡ 0 at T steps,
// starting from vp-linear, and evaluates cosine for comparison.
func (s *study) unconditional(ctx context.Context, T int) error {
	row := uncondRow{Steps: T}
	cos, err := s.open(ctx, "ddim", "cosine", "none", T)
	if err != nil {
		return err
	}
	cos.ev.Close()
	row.Cosine, row.CosineAbar = cos.heurL, cos.p.Grid.Abar
	vp, err := s.open(ctx, "ddim", "vp-linear", "none", T)
	if err != nil {
		return err
	}
	defer vp.ev.Close()
	row.VPLinear, row.VPAbar = vp.heurL, vp.p.Grid.Abar
	res, err := s.tune(ctx, vp.ev, vp.p, vp.heur, []string{solver.GridKnob}, fmt.Sprintf("ddim ρ≡0 T=%d grid", T))
	if err != nil {
		return err
	}
	row.Designed, row.DesignedAbar, row.Status = res.Loss, res.Knobs.Abar, res.Status
	if err := s.writeSchedule(vp.p, res.Knobs, fmt.Sprintf("ddim-uncond-T%d-grid.json", T)); err != nil {
		return err
	}
	s.rep.Unconditional = append(s.rep.Unconditional, row)
	return nil
}

// method runs (a)–(d) for one method at T steps.
func (s *study) method(ctx context.Context, m, op string, T int) error {
	t0 := time.Now()
	o, err := s.open(ctx, m, "vp-linear", op, T)
	if err != nil {
		return err
	}
	defer o.ev.Close()
	p, ev := o.p, o.ev
	row := studyRow{Method: m, Steps: T, Heuristic: o.heurL}
	start := p.Project(o.heur)
	tag := fmt.Sprintf("%s T=%d", m, T)
	b, err := s.tune(ctx, ev, p, start, p.Method.KnobNames(), tag+" (b) knobs")
	if err != nil {
		return err
	}
	c, err := s.tune(ctx, ev, p, start, []string{solver.GridKnob}, tag+" (c) grid")
	if err != nil {
		return err
	}
	// (c'): the shipped heuristic, re-derived on the designed grid.
	hc := p.ForKnobs(c.Knobs).Heuristic()
	hc.Abar = c.Knobs.Abar
	if row.GridHeuristic, err = ev.Evaluate(ctx, hc, nil); err != nil {
		return interrupted(ctx, err)
	}
	// (d) starts from the better of (b) and (c), both points of the joint
	// space, so that it is at least as good as either.
	from := b.Knobs
	if c.Loss.Total < b.Loss.Total {
		from = c.Knobs
	}
	d, err := s.tune(ctx, ev, p, from, append(p.Method.KnobNames(), solver.GridKnob), tag+" (d) joint")
	if err != nil {
		return err
	}
	row.Tuned, row.Grid, row.Joint = b.Loss, c.Loss, d.Loss
	row.GridAbar, row.JointAbar = c.Knobs.Abar, d.Knobs.Abar
	row.Status = [3]string{b.Status, c.Status, d.Status}
	row.Seconds = time.Since(t0).Seconds()
	for _, f := range []struct {
		name string
		k    *solver.Knobs
	}{{"knobs", b.Knobs}, {"grid", c.Knobs}, {"joint", d.Knobs}} {
		if err := s.writeSchedule(p, f.k, fmt.Sprintf("%s-T%d-%s.json", m, T, f.name)); err != nil {
			return err
		}
	}
	s.rep.Rows = append(s.rep.Rows, row)
	return nil
}

func (s *study) writeSchedule(p *solver.Problem, k *solver.Knobs, name string) error {
	sc, err := p.Schedule(k)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.o.Out, "schedules", name), func(w io.Writer) error { return solver.WriteSchedule(w, sc) })
}

// write rewrites every output file from the rows finished so far.
func (s *study) write() error {
	out := s.o.Out
	if err := writeJSON(filepath.Join(out, "gridstudy.json"), s.rep); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(out, "gridstudy.md"), func(w io.Writer) error { return s.markdown(w) }); err != nil {
		return err
	}
	if len(s.rep.Unconditional) > 0 {
		var groups [][]gridSeries
		for _, r := range s.rep.Unconditional {
			groups = append(groups, []gridSeries{
				{Label: "vp-linear", Abar: r.VPAbar, Dash: true},
				{Label: "cosine", Abar: r.CosineAbar, Dash: true},
				{Label: "designed", Abar: r.DesignedAbar},
			})
		}
		if err := writeGridPNG(filepath.Join(out, "unconditional.png"), "unconditional ddim, ρ ≡ 0", groups); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(out, "unconditional.csv"), func(w io.Writer) error {
			for gi, g := range groups {
				if gi > 0 {
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "# T = %d\n", len(g[0].Abar)-1)
				if err := writeGridCSV(w, g); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if len(s.rep.Rows) > 0 {
		if err := writeStudyPNG(filepath.Join(out, "losses.png"), s.rep); err != nil {
			return err
		}
	}
	return nil
}

// markdown writes the study's tables.
func (s *study) markdown(w io.Writer) error {
	r := &s.rep
	d := r.Problem
	fmt.Fprintf(w, "Per-pixel W2² loss, %dx%d, prior %s, op %s, σ_y = %g, B = %d, start grid vp-linear, ≤ %d L-BFGS iterations per design (status: %s).\n\n",
		d.Size[0], d.Size[1], d.Prior, d.Op, d.SigmaY, d.Bands, r.Iterations, r.Status)
	if len(r.Unconditional) > 0 {
		fmt.Fprintln(w, "Unconditional DDPM sampler (ddim, η = 1), nothing measured (ρ ≡ 0): W2 to the prior.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| T | vp-linear | cosine | designed grid | vs best built-in |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, u := range r.Unconditional {
			best := math.Min(u.VPLinear.Total, u.Cosine.Total)
			fmt.Fprintf(w, "| %d | %.4e | %.4e | %.4e | ×%.3g |\n", u.Steps, u.VPLinear.Total, u.Cosine.Total, u.Designed.Total, best/u.Designed.Total)
		}
		fmt.Fprintln(w)
	}
	if len(r.Rows) == 0 {
		return nil
	}
	fmt.Fprintln(w, "| method | T | (a) heuristic, vp-linear | (b) tuned knobs, vp-linear | (c) heuristic knobs, designed grid | (c′) heuristic re-derived on (c)'s grid | (d) joint | (b)/(d) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	var ties []string
	for _, x := range r.Rows {
		note := ""
		if x.Method == "ddnm" {
			note = "¹"
		}
		fmt.Fprintf(w, "| %s | %d | %.4e%s | %.4e | %.4e | %.4e | %.4e | ×%.3g |\n", x.Method, x.Steps, x.Heuristic.Total, note,
			x.Tuned.Total, x.Grid.Total, x.GridHeuristic.Total, x.Joint.Total, x.Tuned.Total/x.Joint.Total)
		if x.Joint.Total > x.Tuned.Total*(1-1e-3) {
			ties = append(ties, fmt.Sprintf("%s at T = %d", x.Method, x.Steps))
		}
	}
	if slices.ContainsFunc(r.Rows, func(x studyRow) bool { return x.Method == "ddnm" }) {
		fmt.Fprintln(w, "\n¹ DDNM+'s heuristic is per frequency; (b), (c) and (d) start from its projection onto the step table (the band minimum), (c′) re-applies the rule itself.")
	}
	if len(ties) > 0 {
		fmt.Fprintf(w, "\nJoint design gains less than 0.1%% over knob-only design for: %s.\n", strings.Join(ties, ", "))
	}
	return nil
}
