package pixel_test

import (
	"testing"

	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/pixel"
)

// asymmetricKernel is a blur with no symmetry at all, its taps around pixel
// (2, 3), so that h is complex with a large phase even at low frequencies
// and Ỹ = Y conj(h)/ρ matters.
func asymmetricKernel(h, w int) []float64 {
	k := make([]float64, h*w)
	for _, tp := range []struct {
		y, x int
		v    float64
	}{{2, 3, 0.35}, {2, 4, 0.25}, {3, 3, 0.15}, {3, 4, 0.1}, {4, 4, 0.1}, {1, 2, 0.05}} {
		k[(tp.y%h)*w+tp.x%w] += tp.v
	}
	return k
}

// problemSpec describes a test problem.
type problemSpec struct {
	h, w, steps int
	method      string
	op          *solver.Operator // nil: the asymmetric kernel
	sigmaY      float64
	lam         []float64 // nil: power law α = 1
	grid        string    // "": vp-linear
	bands       int
	options     solver.Options
}

func (ps problemSpec) build(t testing.TB) (*solver.Problem, *pixel.Sampler) {
	t.Helper()
	op := ps.op
	if op == nil {
		var err error
		op, err = solver.KernelOperator("asymmetric", asymmetricKernel(ps.h, ps.w), ps.h, ps.w)
		if err != nil {
			t.Fatal(err)
		}
	}
	lam := ps.lam
	if lam == nil {
		lam = solver.PowerLaw(ps.h, ps.w, 1, 0.02, 0.25)
	}
	name := ps.grid
	if name == "" {
		name = "vp-linear"
	}
	g, err := solver.NewGrid(name, ps.steps)
	if err != nil {
		t.Fatal(err)
	}
	p, err := solver.NewProblem(solver.Config{Height: ps.h, Width: ps.w, Prior: lam, Response: op.Rho, SigmaY: ps.sigmaY,
		Grid: g, Method: ps.method, Bands: ps.bands, Options: ps.options})
	if err != nil {
		t.Fatal(err)
	}
	s, err := pixel.New(pixel.Config{Problem: p, Lambda: lam, Response: op.H})
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

// newSampler builds a sampler of method on an H×W problem with operator op.
func newSampler(t testing.TB, h, w int, method string, op *solver.Operator, sigmaY float64, steps int, lam []float64) *pixel.Sampler {
	_, s := problemSpec{h: h, w: w, steps: steps, method: method, op: op, sigmaY: sigmaY, lam: lam}.build(t)
	return s
}
