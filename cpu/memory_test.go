package cpu_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// TestMemoryIsNotNT checks that an evaluation's memory is O(T·B) per worker
// and does not grow with N·T: everything Prepare and Evaluate allocate for a
// 128×128, T = 512 problem (N·T·8 bytes = 64 MiB) must stay far below that,
// and a second Evaluate must allocate (almost) nothing.
func TestMemoryIsNotNT(t *testing.T) {
	const n, T = 128, 512
	lam := solver.PowerLaw(n, n, 2, 0.01, 0.25)
	op, _ := solver.NewOperator("gaussian:2", n, n)
	g, _ := solver.NewGrid("vp-linear", T)
	p, err := solver.NewProblem(solver.Config{Height: n, Width: n, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "diffpir", NoMerge: true, Bands: 4})
	if err != nil {
		t.Fatal(err)
	}
	k := p.Heuristic()
	grad := [][]float64{make([]float64, T*4), make([]float64, T*4)}
	var before, mid, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b := &cpu.Backend{Workers: 4}
	ev, err := b.Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Evaluate(context.Background(), k, grad); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&mid)
	if _, err := ev.Evaluate(context.Background(), k, grad); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	first := mid.TotalAlloc - before.TotalAlloc
	second := after.TotalAlloc - mid.TotalAlloc
	nt := uint64(n * n * T * 8)
	// Per worker: T Coeffs (72 B) + 4 T-vectors + 2 knob columns + 2 T×B
	// gradient tables, plus per-chunk partial sums.
	if first > nt/16 {
		t.Errorf("Prepare+Evaluate allocated %d bytes; N·T·8 = %d, so scratch is not O(T·B) per worker", first, nt)
	}
	if second > 64<<10 {
		t.Errorf("a repeated Evaluate allocated %d bytes; scratch should be reused", second)
	}
	t.Logf("first evaluation %d KiB, repeat %d B (N·T·8 = %d MiB)", first>>10, second, nt>>20)
}
