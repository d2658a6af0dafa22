package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// simulateFormat is the format string of simulate's JSON output.
const simulateFormat = "spectune-simulate/1"

// exitSimulateFailed is the exit status of a simulate run whose Monte Carlo
// samples disagree with the closed form.
const exitSimulateFailed = 4

// simulateFailed reports that simulate's statistical tests rejected the
// agreement of the pixel-domain sampler with the closed form: exit status 4
// (exitSimulateFailed). The report has already been printed.
type simulateFailed struct {
	method   string
	failures []string
}

func (e *simulateFailed) Error() string {
	return fmt.Sprintf("simulate: the pixel-domain %s sampler disagrees with the closed form: %s", e.method, strings.Join(e.failures, "; "))
}

// ExitCode returns exitSimulateFailed.
func (e *simulateFailed) ExitCode() int { return exitSimulateFailed }

type simulateOptions struct {
	problemOptions
	knobSource
	Samples int
	Ys      int
	Seed    uint64
	Alpha   float64
	DPSNorm string
	Quiet   bool
	JSON    bool
}

const simulateHelp = `spectune simulate — check the closed form against pixel-domain runs of the sampler

USAGE
  spectune simulate [flags]

Draws --ys measurements y = H x0 + σ_y n (x0 from the prior), runs --samples
seeded chains of the method in the pixel domain for each (package
solver/pixel: the algorithm's own steps, written independently of the
closed form's coefficients), and compares, per frequency k, the sample mean
with B_k·Ỹ_k and the sample variance with V_k, where N(B_k·Ỹ_k, V_k) is the
output law the closed form computes (SPEC §8). It reports per frequency the
regression of the sample means on Ỹ (the empirical gain, with z-scores for
its size and its phase) and the pooled sample variance (with its z-score),
and the Monte Carlo estimate of the loss (averaged over the y draws) against
the closed-form loss. This is how to check a new method definition.

The agreement tests, at a familywise significance --alpha split by
Bonferroni, all two-sided:
  pooled (α/6 each): the mean of z² of the sample means (χ² on one degree
    of freedom per real part), the weighted slope of the sample means on
    B·Ỹ (normal, 1 under agreement), and the pooled variance ratio (χ²)
  per frequency (α/(4K) each, K frequencies tested): the same mean χ² and
    variance χ² of that frequency alone
  frequencies with V_k ≈ 0 must match B_k·Ỹ_k to 1e-6 of the signal scale
Any failed test gives exit status 4. The loss comparison is reported, not
tested: its error estimate assumes Gaussian terms that a few strong
frequencies dominate.

DPS: --dps-norm expected (the default here) runs the heuristic table whose
closed form is exact; real runs the released rule ζ_i = 0.3/‖y - H x̂0‖,
which the closed form follows to the extent that the residual norm
concentrates, so small images may fail with it.

Defaults differ from tune's: --size 32x32, --steps 64. Runtime grows as
size × steps × samples × ys. Progress goes to stderr.

FLAGS
%s
EXAMPLES
  spectune simulate
  spectune simulate --method ddrm --samples 500 --ys 8 --json
  spectune simulate --knobs schedule.json --samples 300
  spectune simulate --method dps --dps-norm real --size 48 --op kernel:blur.png

EXIT STATUS
  0    the samples agree with the closed form
  1    failure (bad input file, bad value, ...)
  2    usage error (unknown command or flag, malformed flag value)
  4    the samples disagree with the closed form (a statistical test failed)
  130  interrupted (Ctrl-C or SIGTERM)
`

func (o *simulateOptions) AddFlags(fs *pflag.FlagSet) {
	o.problemOptions.AddFlags(fs)
	setFlagDefault(fs, "size", "32x32")
	setFlagDefault(fs, "steps", "64")
	o.knobSource.AddFlags(fs)
	fs.IntVar(&o.Samples, "samples", 200, "chains `M` per measurement")
	fs.IntVar(&o.Ys, "ys", 4, "measurements `J`, each with its own x0 from the prior")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of every draw; the same seed gives the same report")
	fs.Float64Var(&o.Alpha, "alpha", 0.001, "familywise significance level of the agreement tests, in (0, 1)")
	fs.StringVar(&o.DPSNorm, "dps-norm", "expected", "DPS's heuristic step ζ_i = 0.3/R_i: expected (the table whose closed form is exact) or real (R_i = ‖y - H x̂0‖ of each chain)")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	fs.BoolVar(&o.JSON, "json", false, "print the full report, every frequency included, as JSON")
}

// simulateReport is simulate's JSON output.
type simulateReport struct {
	Format  string                `json:"format"`
	Problem problemDesc           `json:"problem"`
	DPSNorm string                `json:"dps_norm,omitempty"`
	Result  *pixel.SimulateResult `json:"result"`
	Seconds float64               `json:"seconds"`
}

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	var o simulateOptions
	fs := pflag.NewFlagSet("simulate", pflag.ContinueOnError)
	o.AddFlags(fs)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), simulateHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	norm, err := pixel.ParseDPSNorm(o.DPSNorm)
	if err != nil {
		return usagef("--dps-norm %q: want %s", o.DPSNorm, pixel.DPSNorms)
	}
	switch {
	case o.Samples < 2:
		return usagef("--samples %d: want an integer ≥ 2 (a sample variance needs two chains)", o.Samples)
	case o.Ys < 1:
		return usagef("--ys %d: want an integer ≥ 1", o.Ys)
	case !(o.Alpha > 0 && o.Alpha < 1):
		return usagef("--alpha %v: want a level in (0, 1), e.g. 0.001", o.Alpha)
	case o.Reference:
		return usagef("--reference: the reference knobs are per-frequency rules, which the pixel-domain samplers do not implement; use --heuristic or --knobs FILE")
	}
	sched, err := o.schedule()
	if err != nil {
		return err
	}
	p, desc, s, err := o.buildPixel(sched)
	if err != nil {
		return err
	}
	k := pixel.Knobs{DPSNorm: norm}
	if sched != nil {
		k.Table = sched.Knobs
	}
	ev, _, closeEv, err := evaluator(ctx, o.Device, p, stderr, false)
	if err != nil {
		return err
	}
	defer closeEv()
	if !o.Quiet {
		fmt.Fprintf(stderr, "spectune simulate: %s (%s knobs) on %dx%d, T = %d, B = %d; %d measurements × %d chains, seed %d\n",
			p.Method.Name, s.Label(k), p.H, p.W, p.T(), p.Bands, o.Ys, o.Samples, o.Seed)
	}
	prog := newChainProgress(stderr, o.Quiet, "simulate", "chains", o.Ys*o.Samples)
	res, err := s.Simulate(ctx, ev, pixel.SimulateSettings{Knobs: k, Samples: o.Samples, Ys: o.Ys, Seed: o.Seed, Alpha: o.Alpha,
		OnChain: func() { prog.add(1) }})
	prog.finish()
	if err != nil {
		return interruptedSimulate(ctx, err)
	}
	if sched != nil {
		res.Knobs = "file:" + o.File
	}
	rep := simulateReport{Format: simulateFormat, Problem: desc, Result: res, Seconds: time.Since(started).Seconds()}
	if p.Method.Name == "dps" {
		rep.DPSNorm = norm.String()
	}
	if o.JSON {
		if err := jsonTo(stdout, rep); err != nil {
			return err
		}
	} else {
		printSimulate(stdout, rep)
	}
	if !res.Pass {
		return &simulateFailed{method: p.Method.Name, failures: res.Failures}
	}
	return nil
}

// interruptedSimulate turns a cancellation into solver.ErrInterrupted.
func interruptedSimulate(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: no report", solver.ErrInterrupted)
	}
	return err
}

// printSimulate writes the human-readable report.
func printSimulate(w io.Writer, rep simulateReport) {
	r := rep.Result
	fmt.Fprintf(w, "%s, %s knobs, %dx%d, T = %d: %d measurements × %d chains, seed %d\n", r.Method, r.Knobs,
		rep.Problem.Size[0], rep.Problem.Size[1], rep.Problem.Steps, r.Ys, r.Samples, r.Seed)
	fmt.Fprintf(w, "\n%-14s %12s %12s %12s\n", "loss/pixel", "total", "mean", "variance")
	fmt.Fprintf(w, "%-14s %12.5e %12.5e %12.5e\n", "closed form", r.ClosedForm.Total, r.ClosedForm.Mean, r.ClosedForm.Variance)
	fmt.Fprintf(w, "%-14s %12.5e %12.5e %12.5e", "Monte Carlo", r.MonteCarlo.Total, r.MonteCarlo.Mean, r.MonteCarlo.Variance)
	if r.LossSE > 0 {
		fmt.Fprintf(w, "   (± %.2g, z = %+.2f)", r.LossSE, r.LossZ)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\npooled tests (two-sided; each passes at p ≥ %.3g):\n", r.Alpha/6)
	for _, t := range r.Pooled {
		verdict := "ok"
		if !t.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "  %-15s %9.5f ± %-9.2g z = %+6.2f   p = %-9.3g %s\n", t.Name, t.Value, t.SE, t.Z, t.P, verdict)
	}
	fmt.Fprintf(w, "\nper frequency: %d tested (mean χ² and variance χ², each passes at p ≥ %.3g), %d with V ≈ 0 (largest deviation %.2g of the signal scale)\n",
		r.Tested, r.PerFreqPMin, r.Deterministic, r.DeterministicError)
	if r.WorstMean >= 0 {
		f := r.Freqs[r.WorstMean]
		fmt.Fprintf(w, "  worst mean:     (fy, fx) = (%+.4f, %+.4f): χ² = %.3g on %d dof, p = %.3g; gain %.5g vs B = %.5g (z = %+.2f, phase z = %+.2f)\n",
			f.FY, f.FX, f.MeanChi2, f.MeanDOF, f.MeanP, f.Gain, f.B, f.ZGain, f.ZPhase)
	}
	if r.WorstVariance >= 0 {
		f := r.Freqs[r.WorstVariance]
		fmt.Fprintf(w, "  worst variance: (fy, fx) = (%+.4f, %+.4f): V̂ = %.5g vs V = %.5g (z = %+.2f), p = %.3g\n",
			f.FY, f.FX, f.VHat, f.V, f.ZV, f.VarP)
	}
	if r.Pass {
		fmt.Fprintf(w, "\nPASS: the pixel-domain sampler agrees with the closed form (familywise α = %g)\n", r.Alpha)
		return
	}
	fmt.Fprintf(w, "\nFAIL (familywise α = %g):\n", r.Alpha)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  %s\n", f)
	}
}
