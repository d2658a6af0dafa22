package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/spectune/spectune/solver"
)

// newRecorder returns the progress printer for stderr: a progress bar on a
// terminal (redrawn at most 10 times a second), plain rate-limited lines
// otherwise (every 10 s), or nothing when quiet. Either way a final line is
// printed when the run ends.
func newRecorder(w io.Writer, quiet bool) solver.Recorder {
	if quiet {
		return nil
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barRecorder{w: w}
	}
	return &lineRecorder{w: w, every: 10 * time.Second}
}

// lineRecorder prints columns, repeating its header every 20 lines.
type lineRecorder struct {
	w     io.Writer
	every time.Duration
	last  time.Time
	lines int
}

const progressHeader = "   iter   evals        loss        mean    variance     |∇θ|∞   Mfreq-steps/s      elapsed   ETA ≤"

func (r *lineRecorder) Record(p solver.Progress) {
	if !r.last.IsZero() && time.Since(r.last) < r.every {
		return
	}
	r.print(p)
}

func (r *lineRecorder) Done(p solver.Progress) {
	r.print(p)
	fmt.Fprintf(r.w, "stopped: %s after %d iterations, %d evaluations, %s\n", p.Status, p.Iteration, p.Evaluations, p.Elapsed.Round(time.Millisecond))
}

func (r *lineRecorder) print(p solver.Progress) {
	if r.lines%20 == 0 {
		fmt.Fprintln(r.w, progressHeader)
	}
	r.lines++
	r.last = time.Now()
	fmt.Fprintf(r.w, "%7d %7d %11.5g %11.5g %11.5g %9.3g %15.1f %12s %7s\n", p.Iteration, p.Evaluations,
		p.Loss.Total, p.Loss.Mean, p.Loss.Variance, p.GradInf, rate(p), p.Elapsed.Round(time.Second), eta(p))
}

// rate is the evaluation speed in millions of frequency-steps per second.
func rate(p solver.Progress) float64 {
	if p.EvalTime <= 0 {
		return 0
	}
	return p.FreqSteps * float64(p.Evaluations) / p.EvalTime.Seconds() / 1e6
}

// eta bounds the remaining time by the iteration limit at the average time
// per iteration so far; convergence usually comes sooner.
func eta(p solver.Progress) string {
	if p.Iteration == 0 || p.MaxIterations <= p.Iteration {
		return "-"
	}
	left := time.Duration(float64(p.Elapsed) / float64(p.Iteration) * float64(p.MaxIterations-p.Iteration))
	return left.Round(time.Second).String()
}

// barRecorder draws a progress bar over the iteration limit with the loss in
// its description.
type barRecorder struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (r *barRecorder) Record(p solver.Progress) {
	if r.bar == nil {
		r.bar = progressbar.NewOptions(p.MaxIterations, progressbar.OptionSetWriter(r.w),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(20),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetRenderBlankState(true))
	}
	r.bar.Describe(fmt.Sprintf("loss %.5g (mean %.3g, var %.3g) |∇θ|∞ %.2g, %.0f Mfs/s", p.Loss.Total, p.Loss.Mean, p.Loss.Variance, p.GradInf, rate(p)))
	r.bar.Set(p.Iteration)
}

func (r *barRecorder) Done(p solver.Progress) {
	if r.bar != nil {
		r.bar.Set(p.Iteration)
		r.bar.Exit()
		fmt.Fprintln(r.w)
	}
	fmt.Fprintf(r.w, "stopped: %s after %d iterations, %d evaluations, %s; loss %.6g\n", p.Status, p.Iteration, p.Evaluations, p.Elapsed.Round(time.Millisecond), p.Loss.Total)
}
