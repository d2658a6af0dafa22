package bench

import "github.com/spectune/spectune/solver"

// Problem is the problem every benchmark uses: the CLI's default problem
// (power-law prior, gaussian:2 blur, σ_y = 0.05, vp-linear grid) at n×n
// with T steps and merging off, so that frequencies = n².
func Problem(method string, n, T int) (*solver.Problem, error) {
	lam, err := solver.NewPrior("powerlaw", n, n, false)
	if err != nil {
		return nil, err
	}
	op, err := solver.NewOperator("gaussian:2", n, n)
	if err != nil {
		return nil, err
	}
	g, err := solver.NewGrid("vp-linear", T)
	if err != nil {
		return nil, err
	}
	return solver.NewProblem(solver.Config{Height: n, Width: n, Prior: lam, Response: op.Rho, SigmaY: 0.05,
		Grid: g, Method: method, NoMerge: true})
}
