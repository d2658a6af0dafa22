package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// problemOptions are the problem flags every command shares.
type problemOptions struct {
	Size     string
	Prior    string
	Radial   bool
	Op       string
	SigmaY   float64
	Schedule string
	Steps    int
	Method   string
	Eta      float64
	R2       string
	Bands    int
	NoMerge  bool
	Device   string

	fs *pflag.FlagSet
	// lenient makes build ignore --eta and --r2 for methods without them.
	lenient bool
	// op is the operator of the last build, with its complex response for
	// the pixel-domain samplers.
	op *solver.Operator
}

// AddFlags registers the problem flags with their defaults, the built-in
// default problem.
func (o *problemOptions) AddFlags(fs *pflag.FlagSet) {
	o.fs = fs
	fs.StringVar(&o.Size, "size", "1024x1024", "image size `HxW` (or N for NxN); the DFT grid of the problem")
	fs.StringVar(&o.Prior, "prior", "powerlaw", "prior power spectrum: "+solver.PriorSpecs+"; powerlaw defaults: alpha=2, f0=0.01 cycles/pixel, var=0.25 per pixel")
	fs.BoolVar(&o.Radial, "prior-radial", false, "average the prior spectrum over rings of equal |f| (makes an image prior isotropic and lets frequencies merge)")
	fs.StringVar(&o.Op, "op", "gaussian:2", "operator: "+solver.OperatorSpecs)
	fs.Float64Var(&o.SigmaY, "sigma-y", 0.05, "measurement noise `σ_y` in model units (images in [-1, 1])")
	fs.StringVar(&o.Schedule, "schedule", "vp-linear", "ᾱ grid: vp-linear, cosine, ddpm-linear (T ≤ 1000), or file:PATH (ᾱ_1…ᾱ_T as .npy, CSV or JSON)")
	fs.IntVar(&o.Steps, "steps", 1024, "number of sampling steps `T`")
	fs.StringVar(&o.Method, "method", "dps", "sampler: "+strings.Join(solver.MethodNames(), ", "))
	fs.Float64Var(&o.Eta, "eta", 1, "base η of dps, pigdm and oracle, in [0, 1] (ddim and ddrm tune η as a knob)")
	fs.StringVar(&o.R2, "r2", "heuristic", "pigdm's r²: heuristic (1-ᾱ_i) or spectral (the exact c)")
	fs.IntVar(&o.Bands, "bands", 1, "radial bands `B` of the knob tables: 1 is a plain per-step schedule, B > 1 an FFT-domain gain per band")
	fs.BoolVar(&o.NoMerge, "no-merge", false, "do not merge frequencies with identical (λ, ρ, band); results are the same, only slower")
	fs.StringVar(&o.Device, "device", "auto", deviceFlagHelp)
}

// problemHelp is the shared part of every command's help.
const problemHelp = `  The default problem is a 1024x1024 image with a power-law prior, a Gaussian
  blur of width 2 pixels, σ_y = 0.05, and DPS on a 1024-step vp-linear grid.
`

func parseSize(s string) (int, int, error) {
	hs, ws, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok {
		ws = hs
	}
	h, err1 := strconv.Atoi(hs)
	w, err2 := strconv.Atoi(ws)
	if err1 != nil || err2 != nil || h < 1 || w < 1 {
		return 0, 0, usagef("--size %q: want HxW with positive integers, e.g. 256x256 (or 256)", s)
	}
	if h*w > 1<<26 {
		return 0, 0, usagef("--size %q: %d frequencies is more than this tool handles (at most 8192x8192)", s, h*w)
	}
	return h, w, nil
}

// changed reports whether the user set flag name.
func (o *problemOptions) changed(name string) bool { return o.fs != nil && o.fs.Changed(name) }

// problemDesc records how a problem was specified, for reports.
type problemDesc struct {
	Size        [2]int         `json:"size"`
	Prior       string         `json:"prior"`
	PriorRadial bool           `json:"prior_radial"`
	Op          string         `json:"op"`
	SigmaY      float64        `json:"sigma_y"`
	Grid        string         `json:"grid"`
	Steps       int            `json:"steps"`
	Method      string         `json:"method"`
	Options     map[string]any `json:"options"`
	Bands       int            `json:"bands"`
	Merge       bool           `json:"merge"`
	Frequencies int            `json:"frequencies"`
	Merged      int            `json:"merged_frequencies"`
	BandEdges   []float64      `json:"band_edges"`
}

// build makes the problem from the flags. A schedule, when given, fixes the
// grid, method, options, size, σ_y and bands; flags the user set that
// contradict it are an error.
func (o *problemOptions) build(sched *solver.Schedule) (*solver.Problem, problemDesc, error) {
	h, w, err := parseSize(o.Size)
	if err != nil {
		return nil, problemDesc{}, err
	}
	cfg := solver.Config{Height: h, Width: w, SigmaY: o.SigmaY, Method: o.Method, Bands: o.Bands, NoMerge: o.NoMerge}
	if o.Bands < 1 {
		return nil, problemDesc{}, usagef("--bands %d: want an integer ≥ 1", o.Bands)
	}
	m, err := solver.LookupMethod(o.Method)
	if err != nil {
		return nil, problemDesc{}, usagef("--method: %v", err)
	}
	// An option the method does not take is passed on only when the user set
	// it, so that NewProblem says so, unless lenient (compare builds one
	// problem per method from the same flags).
	if containsStr(m.Options, "eta") || o.changed("eta") && !o.lenient {
		e := o.Eta
		cfg.Options.Eta = &e
	}
	if containsStr(m.Options, "r2") || o.changed("r2") && !o.lenient {
		cfg.Options.R2 = o.R2
	}
	if sched != nil {
		if err := o.agree(sched, h, w); err != nil {
			return nil, problemDesc{}, err
		}
		h, w = sched.Height, sched.Width
		cfg.Height, cfg.Width = h, w
		cfg.SigmaY, cfg.Method, cfg.Options, cfg.Bands, cfg.Grid = sched.SigmaY, sched.Method, sched.Options, sched.Bands, sched.Grid
	} else {
		steps := o.Steps
		if strings.HasPrefix(o.Schedule, "file:") && !o.changed("steps") {
			steps = 0
		}
		cfg.Grid, err = solver.NewGrid(o.Schedule, steps)
		if err != nil {
			return nil, problemDesc{}, fmt.Errorf("--schedule: %w", err)
		}
	}
	cfg.Prior, err = solver.NewPrior(o.Prior, h, w, o.Radial)
	if err != nil {
		return nil, problemDesc{}, fmt.Errorf("--prior: %w", err)
	}
	op, err := solver.NewOperator(o.Op, h, w)
	if err != nil {
		return nil, problemDesc{}, fmt.Errorf("--op: %w", err)
	}
	cfg.Response = op.Rho
	o.op = op
	p, err := solver.NewProblem(cfg)
	if err != nil {
		return nil, problemDesc{}, err
	}
	d := problemDesc{Size: [2]int{h, w}, Prior: o.Prior, PriorRadial: o.Radial, Op: o.Op, SigmaY: p.SigmaY,
		Grid: p.Grid.Name, Steps: p.T(), Method: p.Method.Name, Options: optionsMap(p), Bands: p.Bands,
		Merge: !o.NoMerge, Frequencies: p.N(), Merged: p.Freqs.Len(), BandEdges: p.BandEdges}
	return p, d, nil
}

// agree checks flags the user set against a schedule file.
func (o *problemOptions) agree(s *solver.Schedule, h, w int) error {
	var bad []string
	check := func(flag string, differs bool, file any) {
		if o.changed(flag) && differs {
			bad = append(bad, fmt.Sprintf("--%s (the file says %v)", flag, file))
		}
	}
	check("size", h != s.Height || w != s.Width, fmt.Sprintf("%dx%d", s.Height, s.Width))
	check("sigma-y", o.SigmaY != s.SigmaY, s.SigmaY)
	check("method", o.Method != s.Method, s.Method)
	check("steps", o.Steps != s.Grid.Steps(), s.Grid.Steps())
	check("schedule", o.Schedule != s.Grid.Name, s.Grid.Name)
	check("bands", o.Bands != s.Bands, s.Bands)
	check("eta", s.Options.Eta == nil || o.Eta != *s.Options.Eta, optStr(s.Options.Eta))
	check("r2", o.R2 != s.Options.R2, s.Options.R2)
	if len(bad) > 0 {
		return usagef("flags contradict the knob file: %s; drop them, the file fixes the grid and options", strings.Join(bad, ", "))
	}
	return nil
}

func optStr(e *float64) string {
	if e == nil {
		return "no eta"
	}
	return strconv.FormatFloat(*e, 'g', -1, 64)
}

func optionsMap(p *solver.Problem) map[string]any {
	m := map[string]any{}
	if containsStr(p.Method.Options, "eta") {
		m["eta"] = p.Options.EtaValue()
	}
	if containsStr(p.Method.Options, "r2") {
		m["r2"] = p.Options.R2Value()
	}
	return m
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// buildPixel builds the problem as build does, and the pixel-domain sampler
// of its method on the operator's own (complex) response.
func (o *problemOptions) buildPixel(sched *solver.Schedule) (*solver.Problem, problemDesc, *pixel.Sampler, error) {
	p, desc, err := o.build(sched)
	if err != nil {
		return nil, problemDesc{}, nil, err
	}
	s, err := pixel.New(pixel.Config{Problem: p, Response: o.op.H})
	if err != nil {
		return nil, problemDesc{}, nil, err
	}
	return p, desc, s, nil
}
