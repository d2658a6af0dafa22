package solver

import "context"

// Backend evaluates losses and gradients for problems. The pure-Go backend
// lives in package cpu, the OpenCL one in package kernels; both pass the
// contract suite in solver/backendtest.
type Backend interface {
	// Name identifies the backend and device, e.g. "cpu (2 workers)".
	Name() string
	// Prepare readies an evaluator for one problem: device buffers, scratch,
	// chunking. The evaluator is reused across optimiser iterations.
	Prepare(ctx context.Context, p *Problem) (Evaluator, error)
}

// Evaluator evaluates one problem. Implementations need not be safe for
// concurrent use.
type Evaluator interface {
	// Evaluate returns the loss of knobs k (SPEC §8). When grad is non-nil it
	// has the shape of k.Values and receives ∂L/∂knob for every table entry;
	// a gradient is only defined for [RuleTable] knobs. On error (including
	// a cancelled ctx) grad is left unspecified and the loss is zero.
	Evaluate(ctx context.Context, k *Knobs, grad [][]float64) (Loss, error)
	// Transfer writes the output law N(B_f Ỹ, V_f) of every merged frequency
	// f into dstB and dstV, each of length Freqs.Len().
	Transfer(ctx context.Context, k *Knobs, dstB, dstV []float64) error
	// Close releases the evaluator's resources. It is idempotent.
	Close() error
}
