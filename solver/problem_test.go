package solver_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/spectune/spectune/solver"
)

func baseConfig() solver.Config {
	g, _ := solver.NewGrid("vp-linear", 5)
	return solver.Config{Height: 2, Width: 3, Prior: []float64{1, 2, 3, 4, 5, 6}, Response: []float64{1, 0.5, 0.2, 0.2, 0.5, 0}, SigmaY: 0.1, Grid: g, Method: "dps"}
}

func TestNewProblemBadInput(t *testing.T) {
	neg := -0.5
	for _, tc := range []struct {
		name   string
		mutate func(c *solver.Config)
		want   string
	}{
		{"NaN in prior", func(c *solver.Config) { c.Prior[4] = math.NaN() }, "prior: element 4 is NaN"},
		{"negative prior", func(c *solver.Config) { c.Prior[2] = -1 }, "prior: element 2 is -1 (want ≥ 0)"},
		{"Inf in response", func(c *solver.Config) { c.Response[1] = math.Inf(1) }, "operator response: element 1"},
		{"negative sigma", func(c *solver.Config) { c.SigmaY = -0.1 }, "sigma-y is -0.1"},
		{"NaN sigma", func(c *solver.Config) { c.SigmaY = math.NaN() }, "sigma-y is NaN"},
		{"wrong prior size", func(c *solver.Config) { c.Prior = c.Prior[:5] }, "prior has 5 values, the 2x3 grid needs 6"},
		{"wrong response size", func(c *solver.Config) { c.Response = append(c.Response, 1) }, "response has 7 values"},
		{"zero size", func(c *solver.Config) { c.Height = 0 }, "size 0x3"},
		{"unknown method", func(c *solver.Config) { c.Method = "dpss" }, `unknown method "dpss" (want ddim, dps, pigdm, ddnm, ddrm, diffpir, oracle)`},
		{"eta out of range", func(c *solver.Config) { e := 1.5; c.Options.Eta = &e }, "eta is 1.5 (want in [0, 1])"},
		{"eta for ddnm", func(c *solver.Config) { c.Method = "ddnm"; c.Options.Eta = &neg }, "no base η option"},
		{"r2 for dps", func(c *solver.Config) { c.Options.R2 = "spectral" }, "no r2 option"},
		{"unknown r2", func(c *solver.Config) { c.Method = "pigdm"; c.Options.R2 = "exact" }, `unknown r2 "exact" (want heuristic or spectral)`},
		{"too many bands", func(c *solver.Config) { c.Bands = 7 }, "bands is 7 (want an integer in [1, 6])"},
		{"bad grid", func(c *solver.Config) { c.Grid.Abar[2] = c.Grid.Abar[1] }, "strictly decreasing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := baseConfig()
			tc.mutate(&c)
			p, err := solver.NewProblem(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if p != nil {
				t.Error("a problem was returned along with the error")
			}
		})
	}
	c := baseConfig()
	c.Prior[0] = math.NaN()
	_, err := solver.NewProblem(c)
	var ie *solver.InputError
	if !errors.As(err, &ie) || ie.Input != "prior" || ie.Index != 0 {
		t.Errorf("NaN prior: %v is not an *InputError naming prior[0]", err)
	}
}

func TestBands(t *testing.T) {
	g, _ := solver.NewGrid("vp-linear", 3)
	n := 8 * 8
	p, err := solver.NewProblem(solver.Config{Height: 8, Width: 8, Prior: make([]float64, n), Response: make([]float64, n), Grid: g, Method: "dps", Bands: 4, NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	// f_max = √(0.5² + 0.5²) at (4, 4); edges are multiples of f_max/4.
	fmax := math.Sqrt(0.5)
	for b, e := range p.BandEdges {
		if math.Abs(e-fmax*float64(b)/4) > 1e-15 {
			t.Errorf("edge %d = %v, want %v", b, e, fmax*float64(b)/4)
		}
	}
	for _, tc := range []struct {
		k    int
		want int32
	}{{0, 0}, {1, 0}, {2, 1}, {4, 2}, {4*8 + 4, 3}, {2*8 + 3, 2}, {8 + 7, 1}} {
		if got := p.Freqs.Band[tc.k]; got != tc.want {
			t.Errorf("frequency %d: band %d, want %d (SPEC §7: min(B-1, ⌊B f/f_max⌋))", tc.k, got, tc.want)
		}
	}
	// Every frequency lies in [edge b, edge b+1) of its band, ties included
	// ((3, 3) has f = 3/4·f_max exactly).
	for k, b := range p.Freqs.Band {
		fy, fx := freq(k/8, 8), freq(k%8, 8)
		f := math.Sqrt(fx*fx + fy*fy)
		if f < p.BandEdges[b] || int(b) < 3 && f >= p.BandEdges[b+1] {
			t.Errorf("frequency %d (f = %v) in band %d = [%v, %v)", k, f, b, p.BandEdges[b], p.BandEdges[b+1])
		}
	}
	// One pixel: f_max = 0, everything in band 0.
	one, err := solver.NewProblem(solver.Config{Height: 1, Width: 1, Prior: []float64{1}, Response: []float64{1}, Grid: g, Method: "dps"})
	if err != nil || one.Freqs.Band[0] != 0 {
		t.Errorf("one pixel: %v", err)
	}
}

func TestMergeCounts(t *testing.T) {
	lam := solver.PowerLaw(32, 32, 2, 0.01, 0.25)
	op, err := solver.NewOperator("gaussian:2", 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := solver.NewGrid("vp-linear", 3)
	p, err := solver.NewProblem(solver.Config{Height: 32, Width: 32, Prior: lam, Response: op.Rho, Grid: g, Method: "dps", SigmaY: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	// Isotropic λ and ρ on a square grid depend on {|fx|, |fy|} only: the
	// distinct unordered pairs of 0…16 number 17·18/2 = 153.
	if got := p.Freqs.Len(); got != 153 {
		t.Errorf("merged frequencies = %d, want 153", got)
	}
	total := 0.0
	for _, m := range p.Freqs.Mult {
		total += m
	}
	if total != 1024 {
		t.Errorf("multiplicities sum to %v, want N = 1024", total)
	}
	for k, f := range p.Freqs.Index {
		if p.Freqs.Lambda[f] != lam[k] || p.Freqs.Rho[f] != op.Rho[k] {
			t.Fatalf("frequency %d maps to a merged frequency with other (λ, ρ)", k)
		}
	}
}

func freq(i, n int) float64 {
	if 2*i < n {
		return float64(i) / float64(n)
	}
	return float64(i-n) / float64(n)
}
