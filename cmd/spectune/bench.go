package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/spectune/spectune/bench"
	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/kernels"
	"github.com/spectune/spectune/solver"
)

const benchHelp = `spectune bench — the pure-Go backend against the OpenCL backend

USAGE
  spectune bench [flags]

For each size of --sizes (square, merge off) and each backend, times one
loss+gradient evaluation --reps times after an untimed warm-up (which also
builds the OpenCL program) and reports the median, the frequency-steps per
second (N·T / median seconds), for OpenCL the kernel time from profiling
events and the host↔device transfer time per evaluation, and the process's
peak resident memory during the timed evaluations. Writes bench.md,
bench.json and bench.png to --out. With no flags it runs a short version
(128² and 256², T = 256); the README's table comes from
  spectune bench --sizes 256,512,1024,2048 --steps 1024

FLAGS
%s
` + exitHelp

// benchRow is one backend at one size.
type benchRow struct {
	Backend         string  `json:"backend"`
	Size            int     `json:"size"`
	N               int     `json:"n"`
	T               int     `json:"steps"`
	Method          string  `json:"method"`
	MedianSeconds   float64 `json:"median_seconds"`
	FreqStepsPerSec float64 `json:"freq_steps_per_second"`
	KernelSeconds   float64 `json:"kernel_seconds_per_eval,omitempty"`
	TransferSeconds float64 `json:"transfer_seconds_per_eval,omitempty"`
	PeakMiB         float64 `json:"peak_host_mib"`
	DeviceMiB       float64 `json:"device_mib,omitempty"`
	Loss            float64 `json:"loss"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o struct {
		Sizes  []int
		Steps  int
		Reps   int
		Method string
		Device string
		Out    string
		Skip   []string
	}
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.IntSliceVar(&o.Sizes, "sizes", []int{128, 256}, "square image sizes `n` (n×n frequencies), comma-separated")
	fs.IntVar(&o.Steps, "steps", 256, "steps `T`")
	fs.IntVar(&o.Reps, "reps", 3, "timed evaluations per size and backend (the median is reported)")
	fs.StringVar(&o.Method, "method", "dps", "method: "+strings.Join(solver.MethodNames(), ", "))
	fs.StringVar(&o.Device, "device", "opencl", "OpenCL device to compare with: opencl or opencl:P:D")
	fs.StringVar(&o.Out, "out", "spectune-bench", "output `directory`")
	fs.StringSliceVar(&o.Skip, "skip", nil, "backends to leave out: cpu, opencl")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), benchHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if o.Reps < 1 || o.Steps < 1 || len(o.Sizes) == 0 {
		return usagef("--reps, --steps and --sizes must be positive")
	}
	for _, n := range o.Sizes {
		if n < 1 || n > 8192 {
			return usagef("--sizes: %d is not in [1, 8192]", n)
		}
	}
	if _, err := solver.LookupMethod(o.Method); err != nil {
		return usagef("--method: %v", err)
	}
	type backend struct {
		name string
		b    solver.Backend
	}
	var backends []backend
	if !containsStr(o.Skip, "cpu") {
		c := cpu.New()
		backends = append(backends, backend{c.Name(), c})
	}
	if !containsStr(o.Skip, "opencl") {
		k, err := kernels.Open(o.Device)
		switch {
		case errors.Is(err, solver.ErrNoOpenCL):
			fmt.Fprintf(stderr, "spectune: benchmarking the pure-Go backend only: %v\n", err)
		case err != nil:
			return fmt.Errorf("--device: %w", err)
		default:
			defer k.Close()
			backends = append(backends, backend{k.Name(), k})
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	var rows []benchRow
	for _, n := range o.Sizes {
		p, err := bench.Problem(o.Method, n, o.Steps)
		if err != nil {
			return err
		}
		for _, be := range backends {
			fmt.Fprintf(stderr, "bench: %s, %d×%d, T = %d ... ", be.name, n, n, o.Steps)
			row, err := benchOne(ctx, be.b, p, o.Reps)
			if err != nil {
				fmt.Fprintln(stderr)
				return interrupted(ctx, err)
			}
			row.Backend, row.Size, row.Method = be.name, n, o.Method
			fmt.Fprintf(stderr, "%.3g s, %.3g freq-steps/s\n", row.MedianSeconds, row.FreqStepsPerSec)
			rows = append(rows, row)
		}
	}
	md := benchMarkdown(rows)
	fmt.Fprint(stdout, md)
	if err := writeFileAtomic(filepath.Join(o.Out, "bench.md"), func(w io.Writer) error { _, err := io.WriteString(w, md); return err }); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(o.Out, "bench.json"), rows); err != nil {
		return err
	}
	return writeBenchPNG(filepath.Join(o.Out, "bench.png"), rows)
}

// statser is the OpenCL evaluator's profiling interface.
type statser interface{ Stats() kernels.Stats }

func benchOne(ctx context.Context, b solver.Backend, p *solver.Problem, reps int) (benchRow, error) {
	ev, err := b.Prepare(ctx, p)
	if err != nil {
		return benchRow{}, err
	}
	defer ev.Close()
	k := p.Project(p.Heuristic())
	grad := make([][]float64, len(k.Values))
	for q := range grad {
		grad[q] = make([]float64, len(k.Values[q]))
	}
	l, err := ev.Evaluate(ctx, k, grad) // warm-up: caches, program build
	if err != nil {
		return benchRow{}, err
	}
	var s0 kernels.Stats
	st, hasStats := ev.(statser)
	if hasStats {
		s0 = st.Stats()
	}
	bench.ResetPeak()
	times := make([]float64, reps)
	for r := range times {
		t0 := time.Now()
		if _, err := ev.Evaluate(ctx, k, grad); err != nil {
			return benchRow{}, err
		}
		times[r] = time.Since(t0).Seconds()
	}
	sort.Float64s(times)
	med := times[reps/2]
	if reps%2 == 0 {
		med = (times[reps/2-1] + times[reps/2]) / 2
	}
	row := benchRow{N: p.N(), T: p.T(), MedianSeconds: med, FreqStepsPerSec: float64(p.N()*p.T()) / med, PeakMiB: bench.PeakMiB(), Loss: l.Total}
	if hasStats {
		s1 := st.Stats()
		row.KernelSeconds = (s1.KernelTime - s0.KernelTime).Seconds() / float64(reps)
		row.TransferSeconds = (s1.TransferTime - s0.TransferTime).Seconds() / float64(reps)
		row.DeviceMiB = float64(s1.DeviceBytes) / (1 << 20)
	}
	return row, nil
}

func benchMarkdown(rows []benchRow) string {
	var b strings.Builder
	b.WriteString("| backend | N (T) | median s / eval | freq-steps/s | kernel s / eval | transfer s / eval | peak host MiB | device MiB |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		ks, ts, dm := "", "", ""
		if r.KernelSeconds > 0 || r.DeviceMiB > 0 {
			ks, ts, dm = fmt.Sprintf("%.3g", r.KernelSeconds), fmt.Sprintf("%.3g", r.TransferSeconds), fmt.Sprintf("%.0f", r.DeviceMiB)
		}
		fmt.Fprintf(&b, "| %s | %d² = %d (%d) | %.3g | %.3g | %s | %s | %.0f | %s |\n", r.Backend, r.Size, r.N, r.T, r.MedianSeconds, r.FreqStepsPerSec, ks, ts, r.PeakMiB, dm)
	}
	return b.String()
}

func writeBenchPNG(path string, rows []benchRow) error {
	pl := plot.New()
	pl.Title.Text = "one loss+gradient evaluation, merge off"
	pl.X.Label.Text = "frequencies N"
	pl.Y.Label.Text = "frequency-steps per second"
	pl.X.Scale, pl.Y.Scale = plot.LogScale{}, plot.LogScale{}
	pl.X.Tick.Marker, pl.Y.Tick.Marker = logTicks{}, logTicks{}
	pl.Legend.Top = true
	var names []string
	by := map[string]plotter.XYs{}
	for _, r := range rows {
		if _, ok := by[r.Backend]; !ok {
			names = append(names, r.Backend)
		}
		by[r.Backend] = append(by[r.Backend], plotter.XY{X: float64(r.N), Y: r.FreqStepsPerSec})
	}
	for i, name := range names {
		l, pts, err := plotter.NewLinePoints(by[name])
		if err != nil {
			return err
		}
		l.Color, pts.Color = plotutil.Color(i), plotutil.Color(i)
		pl.Add(l, pts)
		pl.Legend.Add(shorten(name), l, pts)
	}
	return savePanels(path, [][]*plot.Plot{{pl}}, 7*vg.Inch, 4.5*vg.Inch)
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
