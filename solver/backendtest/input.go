package backendtest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/spectune/spectune/solver"
)

// testBadInput checks that knobs that do not fit the problem give errors
// that name the problem, never a panic.
func testBadInput(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	p := mustProblem(t, ProblemConfig(t, "ddrm", 4, 4, 5, 2))
	ev := prepare(t, newBackend(t), p)
	good := p.NewKnobs(0.5, 0.5)
	for _, tc := range []struct {
		name  string
		knobs func() *solver.Knobs
		want  string
	}{
		{"nil", func() *solver.Knobs { return nil }, "no knobs"},
		{"NaN", func() *solver.Knobs { k := good.Clone(); k.Values[1][3] = math.NaN(); return k }, "eta_b"},
		{"out of domain", func() *solver.Knobs { k := good.Clone(); k.Values[0][0] = 1.5; return k }, "[0, 1]"},
		{"wrong steps", func() *solver.Knobs { k := good.Clone(); k.Steps = 4; return k }, "steps"},
		{"wrong names", func() *solver.Knobs { k := good.Clone(); k.Names = []string{"eta", "zeta"}; return k }, "eta_b"},
		{"missing knob", func() *solver.Knobs { k := good.Clone(); k.Values = k.Values[:1]; k.Names = k.Names[:1]; return k }, "do not match"},
		{"reference of ddrm", func() *solver.Knobs { k := good.Clone(); k.Rule = solver.RuleReference; return k }, "no reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ev.Evaluate(context.Background(), tc.knobs(), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	t.Run("gradient of a rule", func(t *testing.T) {
		pd := mustProblem(t, ProblemConfig(t, "ddnm", 4, 4, 5, 1))
		k := pd.Heuristic()
		g := [][]float64{make([]float64, 5)}
		if _, err := prepare(t, newBackend(t), pd).Evaluate(context.Background(), k, g); err == nil {
			t.Error("gradient of per-frequency heuristic knobs: no error")
		}
	})
}

// testCancel checks that a cancelled context stops an evaluation with the
// context's error.
func testCancel(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	p := mustProblem(t, ProblemConfig(t, "dps", 16, 16, 20, 1))
	ev := prepare(t, newBackend(t), p)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := p.Heuristic()
	if _, err := ev.Evaluate(ctx, k, newGrad(k)); !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluate with a cancelled context: %v, want context.Canceled", err)
	}
}
