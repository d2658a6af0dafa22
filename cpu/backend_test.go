package cpu_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/backendtest"
)

func TestContract(t *testing.T) {
	backendtest.Run(t, func(*testing.T) solver.Backend { return cpu.New() })
}

// TestContractSmallChunks runs the suite with one-frequency chunks on three
// workers, so that every chunk boundary and reduction order is exercised.
func TestContractSmallChunks(t *testing.T) {
	backendtest.Run(t, func(*testing.T) solver.Backend { return &cpu.Backend{Workers: 3, ChunkSize: 1} })
}

// TestChunking checks that chunk size and worker count change the loss by
// less than 1e-12 relative (SPEC §10).
func TestChunking(t *testing.T) {
	lam := solver.PowerLaw(64, 48, 2, 0.01, 0.25)
	op, err := solver.NewOperator("motion:7,30", 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := solver.NewGrid("vp-linear", 50)
	p, err := solver.NewProblem(solver.Config{Height: 64, Width: 48, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "dps", NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	k := p.Heuristic()
	var ref solver.Loss
	for i, b := range []*cpu.Backend{{Workers: 1, ChunkSize: 1 << 20}, {Workers: 2, ChunkSize: 7}, {Workers: 5, ChunkSize: 1}, {Workers: 3, ChunkSize: 1000}} {
		t.Run(fmt.Sprintf("workers=%d/chunk=%d", b.Workers, b.ChunkSize), func(t *testing.T) {
			ev, err := b.Prepare(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			l, err := ev.Evaluate(context.Background(), k, nil)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				ref = l
				return
			}
			for _, c := range [][2]float64{{l.Total, ref.Total}, {l.Mean, ref.Mean}, {l.Variance, ref.Variance}} {
				if d := (c[0] - c[1]) / c[1]; d > 1e-12 || d < -1e-12 {
					t.Errorf("loss %+v, one chunk gives %+v (rel err %.2g)", l, ref, d)
				}
			}
		})
	}
}
