package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// restoreFormat is the format string of restore.json.
const restoreFormat = "spectune-restore/1"

type restoreOptions struct {
	problemOptions
	Image   string
	Knobs   string
	Out     string
	Samples int
	Seed    uint64
	Exact   bool
	Mean    bool
	DPSNorm string
	Quiet   bool
	JSON    bool
}

const restoreHelp = `spectune restore — restore a photograph with a sampler, heuristic vs designed knobs

USAGE
  spectune restore --image PATH [--knobs schedule.json] [flags]

Reads a PNG or JPEG image (grayscale, or RGB with each channel restored as its
own signal), fits it to --size (scaled by area averaging to cover the size with
its aspect ratio kept, then centre-cropped), converts it to model units
[-1, 1], and degrades it with the operator and noise σ_y (seeded by --seed).
Then it runs the method in the pixel domain (package solver/pixel: the
algorithm's own steps with FFT convolutions and the prior's Gaussian
denoiser) with the heuristic knobs and, with --knobs, with a schedule file's
knobs; --exact adds samples of the exact posterior and --mean its mean. Each
sampler run draws --samples restorations.

The Gaussian prior is zero-mean, so the image mean (DC) is handled apart: it
is estimated from the measurement as mean(y)/h_0 (h_0 the operator's gain on a
constant, 1 for the normalised blurs), the samplers restore y - mean(y), and
the estimate is added back. The clean image is never used for it.

It prints PSNR = 10·log10(2²/MSE) in dB and SSIM (Wang et al. 2004: 11×11
Gaussian window, σ = 1.5, C1 = (0.01·2)², C2 = (0.03·2)², mean over the window
positions inside the image, averaged over channels) of each result against
the clean image, both on [-1, 1] data with data range 2, the results clipped
to [-1, 1] first (what the PNGs show); with several samples, the mean and
standard deviation over them. Writes to --out:
  clean.png, degraded.png   the fitted image and the measurement y
  RUN.png                   the first sample of each run (heuristic, tuned,
                            exact, mean); RUN-K.png for samples K ≥ 2
  grid.png                  everything side by side, labelled with its scores
  restore.json              the scores, the problem and the conventions
Outputs are written only after every run has finished, each atomically.

Defaults differ from tune's: --size 256x256 and --steps 256 (a schedule file
fixes both). The prior is the power law unless --prior says otherwise; an
image prior estimated from a folder of photographs usually suits photographs
better (see the examples). Progress goes to stderr.

FLAGS
%s
EXAMPLES
  spectune restore --image solver/pixel/testdata/images/camera.png
  spectune tune --size 256 --steps 256 --prior images:solver/pixel/testdata/images --prior-radial --out dps-256
  spectune restore --image solver/pixel/testdata/images/camera.png --knobs dps-256/schedule.json \
      --prior images:solver/pixel/testdata/images --prior-radial --exact --mean --samples 4

` + exitHelp

func (o *restoreOptions) AddFlags(fs *pflag.FlagSet) {
	o.problemOptions.AddFlags(fs)
	setFlagDefault(fs, "size", "256x256")
	setFlagDefault(fs, "steps", "256")
	fs.StringVar(&o.Image, "image", "", "the PNG or JPEG image to degrade and restore (required)")
	fs.StringVar(&o.Knobs, "knobs", "", "also restore with the knobs of a schedule `file` (written by tune); the file fixes the grid, method, options, size, σ_y and bands")
	fs.StringVar(&o.Out, "out", "spectune-restore", "output `directory` (created if missing)")
	fs.IntVar(&o.Samples, "samples", 1, "restorations `K` per run; with K > 1 the scores are given as mean ± standard deviation")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the measurement noise and of every sampler's noise; the same seed gives the same images bit for bit")
	fs.BoolVar(&o.Exact, "exact", false, "also draw samples of the exact posterior")
	fs.BoolVar(&o.Mean, "mean", false, "also compute the exact posterior mean (the MMSE estimate)")
	fs.StringVar(&o.DPSNorm, "dps-norm", "real", "DPS's heuristic step ζ_i = 0.3/R_i: real (R_i = ‖y - H x̂0‖ of the chain, as DPS is released) or expected (the heuristic table of the closed form); ignored for other methods and for --knobs")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	fs.BoolVar(&o.JSON, "json", false, "print restore.json to stdout instead of the table")
}

// setFlagDefault changes a flag's default (and its current value) without
// marking it as set by the user.
func setFlagDefault(fs *pflag.FlagSet, name, value string) {
	f := fs.Lookup(name)
	_ = f.Value.Set(value)
	f.DefValue = value
}

// restoreRun is one way of restoring: a sampler with knobs, or the exact
// posterior (sample or mean).
type restoreRun struct {
	id      int // fixes the random streams, so adding a run changes no other
	name    string
	knobs   *pixel.Knobs // nil for the exact posterior
	exact   bool         // posterior sample (else mean, when knobs is nil)
	samples int
	images  []*pixel.Image
}

// psnrDB is a PSNR that encodes +Inf (identical images) as JSON null.
type psnrDB float64

func (v psnrDB) MarshalJSON() ([]byte, error) {
	if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(v))
}

// restoreScore is one run's scores in restore.json.
type restoreScore struct {
	Run      string       `json:"run"`
	Knobs    string       `json:"knobs"`
	Samples  int          `json:"samples"`
	PSNR     []psnrDB     `json:"psnr"`
	SSIM     []float64    `json:"ssim"`
	PSNRMean psnrDB       `json:"psnr_mean"`
	PSNRSD   float64      `json:"psnr_sd"`
	SSIMMean float64      `json:"ssim_mean"`
	SSIMSD   float64      `json:"ssim_sd"`
	Loss     *solver.Loss `json:"closed_form_loss,omitempty"`
	Files    []string     `json:"files"`
}

// restoreReport is restore.json.
type restoreReport struct {
	Format      string         `json:"format"`
	Image       string         `json:"image"`
	Size        [2]int         `json:"size"`
	Channels    int            `json:"channels"`
	Problem     problemDesc    `json:"problem"`
	Seed        uint64         `json:"seed"`
	DPSNorm     string         `json:"dps_norm,omitempty"`
	DC          []float64      `json:"dc_estimate"`
	Scores      []restoreScore `json:"scores"`
	Conventions []string       `json:"conventions"`
	Files       []string       `json:"files"`
	Seconds     float64        `json:"seconds"`
	Provenance  provenance     `json:"provenance"`
}

var restoreConventions = []string{
	"images in model units [-1, 1]; PSNR = 10 log10(2^2/MSE) dB over all pixels and channels",
	"SSIM: 11x11 Gaussian window, sigma 1.5, C1 = (0.01*2)^2, C2 = (0.03*2)^2, population moments, mean over window positions inside the image, averaged over channels",
	"scores compare each result, clipped to [-1, 1], with the clean fitted image; 'degraded' is the measurement y itself",
	"DC: the zero-mean prior restores y - mean(y); the estimate mean(y)/h_0 of the image mean is added back to every result",
	"the closed-form loss of a run is the per-pixel W2 loss of its knobs on this problem (SPEC §8); dps with the real norm is given the loss of the expected-norm table",
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	var o restoreOptions
	fs := pflag.NewFlagSet("restore", pflag.ContinueOnError)
	o.AddFlags(fs)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), restoreHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if o.Image == "" {
		return usagef("--image is required: give the PNG or JPEG image to restore (see --help)")
	}
	if o.Samples < 1 {
		return usagef("--samples %d: want an integer ≥ 1", o.Samples)
	}
	norm, err := pixel.ParseDPSNorm(o.DPSNorm)
	if err != nil {
		return usagef("--dps-norm %q: want %s", o.DPSNorm, pixel.DPSNorms)
	}
	var sched *solver.Schedule
	if o.Knobs != "" {
		if sched, err = readScheduleFile(o.Knobs); err != nil {
			return fmt.Errorf("--knobs: %w", err)
		}
	}
	p, desc, s, err := o.buildPixel(sched)
	if err != nil {
		return err
	}
	src, err := pixel.ReadImage(o.Image)
	if err != nil {
		return fmt.Errorf("--image: %w", err)
	}
	clean := src.Fit(p.H, p.W)
	nc := len(clean.Channels)

	// 1. Degrade: y = H x + σ_y n, one noise stream per channel.
	degraded := pixel.NewImage(p.H, p.W, nc)
	centred := make([][]float64, nc)
	dc := make([]float64, nc)
	h0 := s.DCGain()
	for c := range clean.Channels {
		s.Measure(degraded.Channels[c], clean.Channels[c], rand.New(rand.NewPCG(o.Seed, uint64(c))))
		// 2. DC: the prior is zero-mean; restore y - mean(y), add back
		// mean(y)/h_0.
		m := 0.0
		for _, v := range degraded.Channels[c] {
			m += v
		}
		m /= float64(p.N())
		if math.Abs(h0) > 1e-12 {
			dc[c] = m / h0
		}
		centred[c] = make([]float64, p.N())
		for i, v := range degraded.Channels[c] {
			centred[c][i] = v - m
		}
	}

	// 3. The runs.
	heur := pixel.Knobs{DPSNorm: norm}
	runs := []*restoreRun{{id: 1, name: "heuristic", knobs: &heur, samples: o.Samples}}
	if sched != nil {
		runs = append(runs, &restoreRun{id: 2, name: "tuned", knobs: &pixel.Knobs{Table: sched.Knobs}, samples: o.Samples})
	}
	if o.Exact {
		runs = append(runs, &restoreRun{id: 3, name: "exact", exact: true, samples: o.Samples})
	}
	if o.Mean {
		runs = append(runs, &restoreRun{id: 4, name: "mean", samples: 1})
	}
	if !o.Quiet {
		fmt.Fprintf(stderr, "spectune restore: %s on %dx%d (%d channel%s), T = %d, B = %d; runs: %s\n", p.Method.Name, p.H, p.W, nc,
			restorePlural(nc), p.T(), p.Bands, restoreRunNames(runs))
	}
	if err := restoreAll(ctx, s, runs, centred, dc, o.Seed, stderr, o.Quiet); err != nil {
		return interruptedRestore(ctx, err)
	}

	// 4. Scores, closed-form losses, files.
	ev, backendName, closeEv, err := evaluator(ctx, o.Device, p, stderr, false)
	if err != nil {
		return err
	}
	defer closeEv()
	rep := restoreReport{Format: restoreFormat, Image: o.Image, Size: [2]int{p.H, p.W}, Channels: nc, Problem: desc, Seed: o.Seed,
		DC: dc, Conventions: restoreConventions, Provenance: newProvenance(backendName, started)}
	if p.Method.Name == "dps" {
		rep.DPSNorm = norm.String()
	}
	files := map[string]*pixel.Image{"clean.png": clean, "degraded.png": degraded}
	order := []string{"clean.png", "degraded.png"}
	panels := []pixel.Panel{{Image: clean, Caption: []string{"clean"}}}
	dg := restoreScoreOf("degraded", "measurement y", []*pixel.Image{degraded}, clean)
	dg.Files = []string{"degraded.png"}
	rep.Scores = append(rep.Scores, dg)
	panels = append(panels, pixel.Panel{Image: degraded.Clip(), Caption: restoreCaption("degraded", dg)})
	for _, r := range runs {
		label := "exact posterior"
		if r.knobs != nil {
			label = s.Label(*r.knobs)
			if r.name == "tuned" {
				label = "file:" + o.Knobs
			}
		} else if !r.exact {
			label = "exact posterior mean"
		}
		sc := restoreScoreOf(r.name, label, r.images, clean)
		if r.knobs != nil {
			l, err := ev.Evaluate(ctx, s.ClosedFormKnobs(*r.knobs), nil)
			if err != nil {
				return interruptedRestore(ctx, err)
			}
			sc.Loss = &l
		}
		for k, im := range r.images {
			name := r.name + ".png"
			if k > 0 {
				name = fmt.Sprintf("%s-%d.png", r.name, k+1)
			}
			files[name] = im.Clip()
			order = append(order, name)
			sc.Files = append(sc.Files, name)
		}
		rep.Scores = append(rep.Scores, sc)
		panels = append(panels, pixel.Panel{Image: r.images[0].Clip(), Caption: restoreCaption(r.name, sc)})
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for _, name := range order {
		im := files[name]
		if err := writeFileAtomic(filepath.Join(o.Out, name), im.WritePNG); err != nil {
			return err
		}
	}
	grid := pixel.Montage(panels)
	if err := writeFileAtomic(filepath.Join(o.Out, "grid.png"), func(w io.Writer) error { return png.Encode(w, grid) }); err != nil {
		return err
	}
	rep.Files = append(order, "grid.png", "restore.json")
	rep.Seconds = time.Since(started).Seconds()
	if err := writeJSON(filepath.Join(o.Out, "restore.json"), rep); err != nil {
		return err
	}
	if o.JSON {
		return jsonTo(stdout, rep)
	}
	printRestoreScores(stdout, rep)
	fmt.Fprintf(stdout, "wrote %s/{%s}\n", o.Out, strings.Join(rep.Files, ", "))
	return nil
}

// restoreAll runs every (run, sample, channel) chain on a worker pool and
// fills each run's images (the DC estimate added back). The random stream
// of a chain depends only on its run id, sample and channel, so results do
// not depend on the number of workers or on which other runs are done.
func restoreAll(ctx context.Context, s *pixel.Sampler, runs []*restoreRun, centred [][]float64, dc []float64, seed uint64, stderr io.Writer, quiet bool) error {
	p := s.Problem()
	type job struct {
		r    *restoreRun
		k, c int
	}
	var jobs []job
	total := 0
	for _, r := range runs {
		r.images = make([]*pixel.Image, r.samples)
		for k := range r.images {
			r.images[k] = pixel.NewImage(p.H, p.W, len(centred))
			for c := range centred {
				jobs = append(jobs, job{r: r, k: k, c: c})
				if r.knobs != nil {
					total += p.T()
				} else {
					total++
				}
			}
		}
	}
	procs := runtime.GOMAXPROCS(0)
	workers := min(procs, len(jobs))
	fftWorkers := max(1, procs/workers)
	prog := newChainProgress(stderr, quiet, "restore", "steps", total)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan job)
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				rng := rand.New(rand.NewPCG(seed, uint64(j.r.id)<<32|uint64(j.k)<<8|uint64(j.c)))
				dst := j.r.images[j.k].Channels[j.c]
				var err error
				switch {
				case j.r.knobs != nil:
					err = s.Sample(ctx, dst, centred[j.c], rng, pixel.Settings{Knobs: *j.r.knobs, Workers: fftWorkers, OnStep: func() { prog.add(1) }})
				case j.r.exact:
					s.Posterior(dst, centred[j.c], rng)
					prog.add(1)
				default:
					s.Posterior(dst, centred[j.c], nil)
					prog.add(1)
				}
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				for i := range dst {
					dst[i] += dc[j.c]
				}
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	prog.finish()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// interruptedRestore turns a cancellation into solver.ErrInterrupted.
func interruptedRestore(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w before the restorations finished; nothing written", solver.ErrInterrupted)
	}
	return err
}

// restoreScoreOf scores images against clean, each clipped to [-1, 1].
func restoreScoreOf(run, knobs string, images []*pixel.Image, clean *pixel.Image) restoreScore {
	sc := restoreScore{Run: run, Knobs: knobs, Samples: len(images)}
	var ps, ss []float64
	for _, im := range images {
		c := im.Clip()
		ps = append(ps, pixel.PSNR(clean, c))
		ss = append(ss, pixel.SSIM(clean, c))
		sc.PSNR = append(sc.PSNR, psnrDB(ps[len(ps)-1]))
	}
	sc.SSIM = ss
	m, sd := restoreMeanSD(ps)
	sc.PSNRMean, sc.PSNRSD = psnrDB(m), sd
	sc.SSIMMean, sc.SSIMSD = restoreMeanSD(ss)
	return sc
}

// restoreMeanSD returns the mean and the sample standard deviation (0 for one
// value, and for infinite values).
func restoreMeanSD(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	if len(x) < 2 || math.IsInf(m, 0) {
		return m, 0
	}
	v := 0.0
	for _, u := range x {
		v += (u - m) * (u - m)
	}
	return m, math.Sqrt(v / float64(len(x)-1))
}

func restoreFmtScore(sc restoreScore) (string, string) {
	if sc.Samples > 1 {
		return fmt.Sprintf("%.2f ± %.2f", float64(sc.PSNRMean), sc.PSNRSD), fmt.Sprintf("%.4f ± %.4f", sc.SSIMMean, sc.SSIMSD)
	}
	return fmt.Sprintf("%.2f", float64(sc.PSNRMean)), fmt.Sprintf("%.4f", sc.SSIMMean)
}

// restoreCaption labels a grid panel; the 7×13 font has ASCII only.
func restoreCaption(name string, sc restoreScore) []string {
	ps, ss := restoreFmtScore(sc)
	return []string{name, strings.ReplaceAll("PSNR "+ps+" dB", "±", "+/-"), strings.ReplaceAll("SSIM "+ss, "±", "+/-")}
}

// printRestoreScores writes the human-readable score table.
func printRestoreScores(w io.Writer, rep restoreReport) {
	fmt.Fprintf(w, "%s: %dx%d, %d channel%s; %s, σ_y = %g, %s, T = %d, seed %d\n", rep.Image, rep.Size[0], rep.Size[1], rep.Channels,
		restorePlural(rep.Channels), rep.Problem.Op, rep.Problem.SigmaY, rep.Problem.Method, rep.Problem.Steps, rep.Seed)
	fmt.Fprintf(w, "%-10s %-18s %-18s %8s %12s  %s\n", "run", "PSNR (dB)", "SSIM", "samples", "W2 loss", "knobs")
	for _, sc := range rep.Scores {
		ps, ss := restoreFmtScore(sc)
		loss := ""
		if sc.Loss != nil {
			loss = fmt.Sprintf("%.4e", sc.Loss.Total)
		}
		fmt.Fprintf(w, "%-10s %-18s %-18s %8d %12s  %s\n", sc.Run, ps, ss, sc.Samples, loss, sc.Knobs)
	}
	fmt.Fprintf(w, "scores against the clean image on [-1, 1] (data range 2), results clipped to [-1, 1]; SSIM 11×11 Gaussian window, σ = 1.5\n")
	fmt.Fprintf(w, "image mean estimated from y as mean(y)/h_0 = %s and added back (the prior is zero-mean)\n", restoreFloats(rep.DC))
}

func restoreFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.4f", x)
	}
	return strings.Join(s, ", ")
}

func restorePlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func restoreRunNames(runs []*restoreRun) string {
	s := make([]string, len(runs))
	for i, r := range runs {
		s[i] = fmt.Sprintf("%s ×%d", r.name, r.samples)
	}
	return strings.Join(s, ", ")
}

// chainProgress reports the progress of many concurrent chains on stderr:
// a progress bar on a terminal (redrawn at most 10 times a second), plain
// lines every 10 s otherwise, and always a final line. A nil chainProgress
// (from quiet) does nothing. It is safe for concurrent use.
type chainProgress struct {
	w           io.Writer
	label, unit string
	total       int64
	done        atomic.Int64
	start       time.Time

	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	last time.Time
}

func newChainProgress(w io.Writer, quiet bool, label, unit string, total int) *chainProgress {
	if quiet {
		return nil
	}
	p := &chainProgress{w: w, label: label, unit: unit, total: int64(total), start: time.Now(), last: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(30),
			progressbar.OptionSetDescription(label+" "+unit), progressbar.OptionSetRenderBlankState(true))
	}
	return p
}

func (p *chainProgress) add(n int) {
	if p == nil {
		return
	}
	d := p.done.Add(int64(n))
	if p.bar != nil {
		_ = p.bar.Add(n)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) >= 10*time.Second {
		p.last = time.Now()
		el := time.Since(p.start)
		left := time.Duration(float64(el) / float64(d) * float64(p.total-d))
		fmt.Fprintf(p.w, "%s: %d/%d %s (%.0f%%), %s elapsed, about %s left\n", p.label, d, p.total, p.unit,
			100*float64(d)/float64(p.total), el.Round(time.Second), left.Round(time.Second))
	}
}

func (p *chainProgress) finish() {
	if p == nil {
		return
	}
	if p.bar != nil {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "%s: %d/%d %s in %s\n", p.label, p.done.Load(), p.total, p.unit, time.Since(p.start).Round(time.Millisecond))
}
