package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
)

const analyzeHelp = `spectune analyze — where a knob setting gains and loses

USAGE
  spectune analyze [flags]

Computes the output law N(B_k·Ỹ_k, V_k) of every frequency under the chosen
knobs and compares it with the exact posterior N(W_k·Ỹ_k, v_k). Writes to --out:
  transfer-freq.csv     one row per distinct (λ, ρ, band): λ, ρ, band,
                        multiplicity, E, W, B, v, V and the two loss parts
  transfer-radial.csv   the same averaged over rings of equal |f|
  transfer.png          |B| vs W and √V vs √v over |f|

` + problemHelp + `
FLAGS
%s
EXAMPLES
  spectune analyze --size 256 --steps 256
  spectune analyze --knobs spectune-out/schedule.json --out analysis

` + exitHelp

func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o struct {
		problemOptions
		knobSource
		Out string
	}
	fs := pflag.NewFlagSet("analyze", pflag.ContinueOnError)
	o.problemOptions.AddFlags(fs)
	o.knobSource.AddFlags(fs)
	fs.StringVar(&o.Out, "out", "spectune-analyze", "output `directory`")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), analyzeHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	sched, err := o.schedule()
	if err != nil {
		return err
	}
	p, _, err := o.build(sched)
	if err != nil {
		return err
	}
	k, label, err := o.knobs(p, sched)
	if err != nil {
		return err
	}
	ev, _, closeEv, err := evaluator(ctx, o.Device, p, stderr, false)
	if err != nil {
		return err
	}
	defer closeEv()
	t, err := computeTransfer(ctx, ev, p, label, k)
	if err != nil {
		return interrupted(ctx, err)
	}
	l, err := ev.Evaluate(ctx, k, nil)
	if err != nil {
		return interrupted(ctx, err)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	prof := [][]radialRow{radialProfile(p, t)}
	if err := writeFileAtomic(filepath.Join(o.Out, "transfer-freq.csv"), func(w io.Writer) error { return writeFreqCSV(w, p, t) }); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(o.Out, "transfer-radial.csv"), func(w io.Writer) error { return writeRadialCSV(w, prof, []string{label}) }); err != nil {
		return err
	}
	if err := writeTransferPNG(filepath.Join(o.Out, "transfer.png"), p.Method.Name+" ("+label+")", prof, []string{label}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s, %s knobs: loss %.6e per pixel (mean %.6e + variance %.6e)\nwrote %s/{transfer-freq.csv, transfer-radial.csv, transfer.png}\n",
		p.Method.Name, label, l.Total, l.Mean, l.Variance, o.Out)
	return nil
}
