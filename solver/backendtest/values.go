package backendtest

import (
	"testing"

	"github.com/spectune/spectune/solver"
)

// testWorkedValues checks the one-frequency table of SPEC §11.
func testWorkedValues(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	zero := 0.0
	const source = "SPEC §11, independent float64 implementation"
	for _, tc := range []struct {
		name   string
		method string
		opts   solver.Options
		knobs  []float64
		want   solver.Loss
	}{
		{"ddim eta=1", "ddim", solver.Options{}, []float64{1}, solver.Loss{Total: 2.854470512, Mean: 1.97979798, Variance: 0.8746725318}},
		{"dps zeta=0.3", "dps", solver.Options{}, []float64{0.3}, solver.Loss{Total: 0.826035289, Mean: 0.5306603407, Variance: 0.2953749483}},
		{"pigdm heuristic r2", "pigdm", solver.Options{}, []float64{1}, solver.Loss{Total: 0.005511502851, Mean: 0.0005611855052, Variance: 0.004950317346}},
		{"pigdm eta=0 spectral", "pigdm", solver.Options{Eta: &zero, R2: "spectral"}, []float64{1}, solver.Loss{Total: 0.01036915428, Mean: 4.086966925e-05, Variance: 0.01032828461}},
		{"ddnm lambda=0.7", "ddnm", solver.Options{}, []float64{0.7}, solver.Loss{Total: 0.003921423027, Mean: 0.003694624104, Variance: 0.0002267989226}},
		{"ddrm heuristic", "ddrm", solver.Options{}, []float64{0.85, 1}, solver.Loss{Total: 0.02642995142, Mean: 0.004017896903, Variance: 0.02241205452}},
		{"diffpir heuristic", "diffpir", solver.Options{}, []float64{7, 0.1}, solver.Loss{Total: 0.07932961333, Mean: 0.01350078255, Variance: 0.06582883078}},
		{"oracle eta=1", "oracle", solver.Options{}, nil, solver.Loss{Total: 0.008080045964, Mean: 1.507051683e-12, Variance: 0.008080045962}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProblem(t, solver.Config{Height: 1, Width: 1, Prior: []float64{2}, Response: []float64{0.7},
				SigmaY: 0.1, Grid: mustGrid(t, "vp-linear", 10), Method: tc.method, Options: tc.opts})
			ev := prepare(t, newBackend(t), p)
			got := evaluate(t, ev, p.NewKnobs(tc.knobs...), nil)
			checkLoss(t, got, tc.want, 1e-8, source)
		})
	}
}

// checkLoss compares all three parts; the SPEC gives 10 significant digits.
func checkLoss(t *testing.T, got, want solver.Loss, tol float64, source string) {
	t.Helper()
	for _, c := range []struct {
		part      string
		got, want float64
	}{{"total", got.Total, want.Total}, {"mean", got.Mean, want.Mean}, {"variance", got.Variance, want.Variance}} {
		// The mean part of oracle is 1.5e-12, printed to 10 digits, so
		// compare with an absolute floor of tol·total.
		if d := abs(c.got - c.want); d > tol*abs(c.want) && d > tol*abs(want.Total)*1e-3 {
			t.Errorf("%s = %.12g, want %.12g (%s; rel err %.2g)", c.part, c.got, c.want, source, relErr(c.got, c.want))
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// testDPSHeuristic checks the four-frequency DPS heuristic of SPEC §11,
// which exercises the residual-norm moments and multiplicities.
func testDPSHeuristic(t *testing.T, newBackend func(*testing.T) solver.Backend) {
	for _, merge := range []bool{true, false} {
		lam := []float64{0.5, 2, 2, 0.01, 0.01, 0.01, 0.01, 1}
		rho := []float64{0.9, 0.1, 0.1, 0, 0, 0, 0, 0.5}
		p := mustProblem(t, solver.Config{Height: 1, Width: 8, Prior: lam, Response: rho, SigmaY: 0.05,
			Grid: mustGrid(t, "vp-linear", 10), Method: "dps", NoMerge: !merge})
		if merge && p.Freqs.Len() != 4 {
			t.Errorf("merged frequencies = %d, want 4", p.Freqs.Len())
		}
		k := p.Heuristic()
		ev := prepare(t, newBackend(t), p)
		got := evaluate(t, ev, k, nil)
		checkLoss(t, got, solver.Loss{Total: 0.665609468, Mean: 0.5302880292, Variance: 0.1353214388}, 1e-8, "SPEC §11")
		if z := k.At(0, 10, 0); relErr(z, 0.3547817322) > 1e-8 {
			t.Errorf("ζ at i = T: %.12g, want 0.3547817322 (SPEC §11)", z)
		}
		if z := k.At(0, 1, 0); relErr(z, 0.3392861121) > 1e-8 {
			t.Errorf("ζ at i = 1: %.12g, want 0.3392861121 (SPEC §11)", z)
		}
	}
}
