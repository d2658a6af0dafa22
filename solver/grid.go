package solver

import (
	"fmt"
	"math"
	"strings"

	"github.com/spectune/spectune/solver/internal/arrayio"
)

// Grid is a sampling grid 1 = ᾱ_0 > ᾱ_1 > … > ᾱ_T > 0 (SPEC §4).
type Grid struct {
	// Name is "vp-linear", "cosine", "ddpm-linear", "file:PATH", or a free-form
	// label for grids read from a schedule file.
	Name string
	// Abar holds ᾱ_0 … ᾱ_T; Abar[0] = 1.
	Abar []float64
}

// GridNames lists the built-in grids.
var GridNames = []string{"vp-linear", "cosine", "ddpm-linear"}

// Steps returns T.
func (g Grid) Steps() int { return len(g.Abar) - 1 }

// NewGrid returns the grid called name with T steps: a built-in grid, or
// "file:PATH" holding ᾱ_1 … ᾱ_T (.npy, CSV or JSON array); for a file, steps
// must be zero or the file's length.
func NewGrid(name string, steps int) (Grid, error) {
	if path, ok := strings.CutPrefix(name, "file:"); ok {
		a, err := arrayio.Read(path)
		if err != nil {
			return Grid{}, fmt.Errorf("solver: schedule %w", err)
		}
		if a.Real == nil || len(a.Shape) != 1 && !(len(a.Shape) == 2 && a.Shape[1] == 1) {
			return Grid{}, fmt.Errorf("solver: schedule %s: want a 1-D real array of ᾱ_1 … ᾱ_T, got shape %v", path, a.Shape)
		}
		if steps != 0 && steps != len(a.Real) {
			return Grid{}, fmt.Errorf("solver: schedule %s holds %d steps but --steps is %d (drop --steps or make them agree)", path, len(a.Real), steps)
		}
		return GridFromAbar(name, a.Real)
	}
	if steps < 1 {
		return Grid{}, &InputError{Input: "steps", Index: -1, Value: float64(steps), Want: "an integer ≥ 1"}
	}
	abar := make([]float64, steps+1)
	abar[0] = 1
	T := float64(steps)
	switch name {
	case "vp-linear":
		const b0, b1 = 0.1, 20.0
		for i := 1; i <= steps; i++ {
			t := float64(i) / T
			abar[i] = math.Exp(-(b0*t + 0.5*(b1-b0)*t*t))
		}
	case "cosine":
		f := func(t float64) float64 {
			c := math.Cos((t + 0.008) / 1.008 * math.Pi / 2)
			return c * c
		}
		f0 := f(0)
		for i := 1; i <= steps; i++ {
			abar[i] = math.Max(f(float64(i)/T)/f0, 1e-12)
		}
	case "ddpm-linear":
		const train = 1000
		if steps > train {
			return Grid{}, &InputError{Input: "steps", Index: -1, Value: float64(steps), Want: "≤ 1000 for ddpm-linear (use vp-linear for longer grids)"}
		}
		cum := make([]float64, train+1)
		cum[0] = 1
		for m := 1; m <= train; m++ {
			beta := 1e-4 + (0.02-1e-4)*float64(m-1)/float64(train-1)
			cum[m] = cum[m-1] * (1 - beta)
		}
		for i := 1; i <= steps; i++ {
			// τ_i = round(i·1000/T), half up, in integers so that no
			// floating-point quotient decides a tie.
			tau := (2*i*train + steps) / (2 * steps)
			abar[i] = cum[tau]
		}
	default:
		return Grid{}, fmt.Errorf("solver: unknown schedule %q (want vp-linear, cosine, ddpm-linear, or file:PATH)", name)
	}
	return Grid{Name: name, Abar: abar}, nil
}

// GridFromAbar returns the grid with ᾱ_1 … ᾱ_T = abar (ᾱ_0 = 1 is added),
// checking that it is strictly decreasing and inside (0, 1).
func GridFromAbar(name string, abar []float64) (Grid, error) {
	if len(abar) == 0 {
		return Grid{}, fmt.Errorf("solver: schedule %s: no steps", name)
	}
	g := Grid{Name: name, Abar: make([]float64, len(abar)+1)}
	g.Abar[0] = 1
	copy(g.Abar[1:], abar)
	if err := g.Validate(); err != nil {
		return Grid{}, err
	}
	return g, nil
}

// Validate checks 1 = ᾱ_0 > ᾱ_1 > … > ᾱ_T > 0.
func (g Grid) Validate() error {
	if len(g.Abar) < 2 {
		return fmt.Errorf("solver: schedule %s: no steps", g.Name)
	}
	if g.Abar[0] != 1 {
		return fmt.Errorf("solver: schedule %s: ᾱ_0 = %v (want 1)", g.Name, g.Abar[0])
	}
	for i := 1; i < len(g.Abar); i++ {
		v := g.Abar[i]
		if !(v > 0 && v < g.Abar[i-1]) {
			return &InputError{Input: "schedule " + g.Name + " ᾱ", Index: i, Value: v,
				Want: fmt.Sprintf("0 < ᾱ_%d < ᾱ_%d = %v (strictly decreasing)", i, i-1, g.Abar[i-1])}
		}
	}
	return nil
}
