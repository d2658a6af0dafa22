package solver_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// The loss of DPS with ζ = 0.3 on one frequency, the worked value of SPEC
// §11.
func ExampleNewProblem() {
	g, _ := solver.NewGrid("vp-linear", 10)
	p, err := solver.NewProblem(solver.Config{Height: 1, Width: 1, Prior: []float64{2}, Response: []float64{0.7},
		SigmaY: 0.1, Grid: g, Method: "dps"})
	if err != nil {
		panic(err)
	}
	ev, _ := cpu.New().Prepare(context.Background(), p)
	l, _ := ev.Evaluate(context.Background(), p.NewKnobs(0.3), nil)
	fmt.Printf("total %.9f = mean %.9f + variance %.9f\n", l.Total, l.Mean, l.Variance)
	// Output: total 0.826035289 = mean 0.530660341 + variance 0.295374948
}

func ExampleTune() {
	lam := solver.PowerLaw(16, 16, 2, 0.01, 0.25)
	op, _ := solver.NewOperator("gaussian:1", 16, 16)
	g, _ := solver.NewGrid("vp-linear", 20)
	p, _ := solver.NewProblem(solver.Config{Height: 16, Width: 16, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "dps"})
	ev, _ := cpu.New().Prepare(context.Background(), p)
	h := p.Heuristic()
	res, _ := solver.Tune(context.Background(), ev, p, h, solver.TuneSettings{MaxIterations: 25})
	fmt.Printf("status %s after %d iterations, %d evaluations\n", res.Status, res.Iterations, res.Evaluations)
	fmt.Printf("loss %.4g → %.4g\n", res.Start.Total, res.Loss.Total)
	// Output:
	// status IterationLimit after 25 iterations, 43 evaluations
	// loss 0.0542 → 0.008109
}

func ExampleReadSchedule() {
	const file = `{
  "format": "spectune-schedule/1", "method": "dps", "options": {"eta": 1},
  "grid": "vp-linear", "size": [64, 64], "sigma_y": 0.05, "bands": 1, "band_edges": [0, 0.7071],
  "steps": [
    {"abar_from": 0.0001, "abar_to": 0.5, "zeta": [0.002]},
    {"abar_from": 0.5, "abar_to": 1, "zeta": [0.004]}
  ]
}`
	s, err := solver.ReadSchedule(strings.NewReader(file))
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Method, s.Grid.Abar, "ζ at step 1:", s.Knobs.At(0, 1, 0))
	// Output: dps [1 0.5 0.0001] ζ at step 1: 0.004
}
