package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
)

type evalOptions struct {
	problemOptions
	knobSource
	JSON bool
	Grad bool
}

const evalHelp = `spectune eval — the loss of one knob setting

USAGE
  spectune eval [flags]

Prints the per-pixel squared W2 loss (total = mean part + variance part) of
the heuristic knobs (default), the reference knobs, or a schedule file's
knobs. With --grad it also computes the exact gradient and reports its
Euclidean norm over all knob entries, with respect to the knobs themselves.
"seconds" is the wall time of the evaluation alone (no start-up or reading).

` + problemHelp + `
FLAGS
%s
EXAMPLES
  spectune eval --json
  spectune eval --json --grad --size 256 --steps 256 --method diffpir
  spectune eval --json --knobs spectune-out/schedule.json --op gaussian:2

` + exitHelp

// evalResult is eval's JSON output.
type evalResult struct {
	Method   string      `json:"method"`
	Knobs    string      `json:"knobs"`
	Loss     solver.Loss `json:"loss"`
	Seconds  float64     `json:"seconds"`
	GradNorm *float64    `json:"grad_norm,omitempty"`
	Backend  string      `json:"backend"`
	Problem  problemDesc `json:"problem"`
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o evalOptions
	fs := pflag.NewFlagSet("eval", pflag.ContinueOnError)
	o.problemOptions.AddFlags(fs)
	o.knobSource.AddFlags(fs)
	fs.BoolVar(&o.JSON, "json", false, "print the result as JSON")
	fs.BoolVar(&o.Grad, "grad", false, "also compute the gradient and report grad_norm")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), evalHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	sched, err := o.schedule()
	if err != nil {
		return err
	}
	p, desc, err := o.build(sched)
	if err != nil {
		return err
	}
	k, label, err := o.knobs(p, sched)
	if err != nil {
		return err
	}
	if o.Grad && k.Rule != solver.RuleTable {
		return usagef("--grad: the %s knobs of %s are a per-frequency rule, not a table; a gradient needs a knob table (--knobs FILE)", label, p.Method.Name)
	}
	ev, backendName, closeEv, err := evaluator(ctx, o.Device, p, stderr, false)
	if err != nil {
		return err
	}
	defer closeEv()
	var grad [][]float64
	if o.Grad {
		grad = make([][]float64, len(k.Values))
		for q := range grad {
			grad[q] = make([]float64, len(k.Values[q]))
		}
	}
	t0 := time.Now()
	l, err := ev.Evaluate(ctx, k, grad)
	secs := time.Since(t0).Seconds()
	if err != nil {
		return interrupted(ctx, err)
	}
	res := evalResult{Method: p.Method.Name, Knobs: label, Loss: l, Seconds: secs, Backend: backendName, Problem: desc}
	if o.Grad {
		s := 0.0
		for _, g := range grad {
			for _, v := range g {
				s += v * v
			}
		}
		n := math.Sqrt(s)
		res.GradNorm = &n
	}
	if o.JSON {
		return jsonTo(stdout, res)
	}
	fmt.Fprintf(stdout, "%s, %s knobs: loss %.6e per pixel (mean %.6e + variance %.6e), %.3f s on %s\n",
		res.Method, label, l.Total, l.Mean, l.Variance, secs, res.Backend)
	if res.GradNorm != nil {
		fmt.Fprintf(stdout, "gradient norm over %d knob entries: %.6e\n", k.Len(), *res.GradNorm)
	}
	return nil
}
