package pixel_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// TestSampleBitForBit: the same seed gives the same image bit for bit, for
// every method, whether the FFTs run on one goroutine or several; a
// different seed gives a different image.
func TestSampleBitForBit(t *testing.T) {
	for _, m := range solver.Methods() {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			p, s := problemSpec{h: 12, w: 14, steps: 8, method: m.Name, sigmaY: 0.05, bands: 2}.build(t)
			y := make([]float64, p.N())
			s.PriorSample(y, rand.New(rand.NewPCG(1, 1)))
			s.Measure(y, y, rand.New(rand.NewPCG(1, 2)))
			run := func(seed uint64, workers int, k pixel.Knobs) []float64 {
				x := make([]float64, p.N())
				if err := s.Sample(context.Background(), x, y, rand.New(rand.NewPCG(seed, 5)), pixel.Settings{Knobs: k, Workers: workers}); err != nil {
					t.Fatal(err)
				}
				return x
			}
			a, b, c := run(3, 1, pixel.Knobs{}), run(3, 3, pixel.Knobs{}), run(4, 1, pixel.Knobs{})
			if !slices.Equal(a, b) {
				t.Error("same seed, 1 vs 3 FFT workers: images differ")
			}
			if slices.Equal(a, c) {
				t.Error("seeds 3 and 4 give the same image")
			}
			// The heuristic given as its table is the heuristic.
			if h := p.Heuristic(); h.Rule == solver.RuleTable && m.Name != "dps" {
				if !slices.Equal(a, run(3, 1, pixel.Knobs{Table: h})) {
					t.Error("the heuristic table and the default knobs give different images")
				}
			}
		})
	}
}

func TestSampleErrors(t *testing.T) {
	p, s := problemSpec{h: 8, w: 8, steps: 4, method: "ddnm", sigmaY: 0.05}.build(t)
	x, y := make([]float64, p.N()), make([]float64, p.N())
	r := rand.New(rand.NewPCG(1, 1))
	ref, _ := p.Reference()
	wrongT := p.NewKnobs(0.5)
	wrongT.Steps, wrongT.Values[0] = 3, wrongT.Values[0][:3]
	for _, tc := range []struct {
		name string
		k    pixel.Knobs
		dst  []float64
		want string
	}{
		{"reference rule", pixel.Knobs{Table: ref}, x, "does not implement"},
		{"out of domain", pixel.Knobs{Table: p.NewKnobs(1.5)}, x, "in [0, 1]"},
		{"wrong steps", pixel.Knobs{Table: wrongT}, x, "3 steps"},
		{"bad norm", pixel.Knobs{DPSNorm: 7}, x, "DPS norm 7"},
		{"short image", pixel.Knobs{}, x[:5], "5"},
	} {
		err := s.Sample(context.Background(), tc.dst, y, r, pixel.Settings{Knobs: tc.k})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sample(ctx, x, y, r, pixel.Settings{}); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	p, _ := problemSpec{h: 4, w: 6, steps: 3, method: "dps", sigmaY: 0.05}.build(t)
	resp := make([]complex128, p.N())
	for k := range resp {
		resp[k] = 1
	}
	resp[1] = complex(0.5, 0.5) // its mirror, index 5, stays 1
	if _, err := pixel.New(pixel.Config{Problem: p, Response: resp}); err == nil || !strings.Contains(err.Error(), "real kernel") {
		t.Errorf("non-Hermitian response: %v", err)
	}
	lam := make([]float64, p.N())
	lam[1] = 1
	if _, err := pixel.New(pixel.Config{Problem: p, Lambda: lam}); err == nil || !strings.Contains(err.Error(), "not symmetric") {
		t.Errorf("asymmetric prior: %v", err)
	}
	if _, err := pixel.New(pixel.Config{}); err == nil {
		t.Error("no problem: no error")
	}
	if _, err := pixel.New(pixel.Config{Problem: p, Lambda: lam[:3]}); err == nil {
		t.Error("short prior: no error")
	}
}

func TestParseDPSNorm(t *testing.T) {
	for _, name := range []string{"real", "expected"} {
		n, err := pixel.ParseDPSNorm(name)
		if err != nil || n.String() != name {
			t.Errorf("%s: %v, %v", name, n, err)
		}
	}
	if _, err := pixel.ParseDPSNorm("l2"); err == nil || !strings.Contains(err.Error(), "real or expected") {
		t.Errorf("unknown norm: %v", err)
	}
}
