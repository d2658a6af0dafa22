// Package solver holds spectune's problem model: the Gaussian prior and
// circulant operator on a DFT grid, the diffusion grid, the zero-shot
// samplers as per-frequency scalar recursions, their knobs, the W2 loss, the
// [Backend] interface that evaluates it with its exact gradient, and the
// optimiser that designs the knobs.
//
// The contract is ../shared/SPEC.md (copied into the README); this map says
// where each part lives:
//
//	SPEC §2  signal, prior, operator   problem.go (Config, Problem, merging),
//	                                   prior.go, operator.go
//	SPEC §3  exact posterior           loss.go (Target)
//	SPEC §4  diffusion grids           grid.go
//	SPEC §5  Gaussian denoiser, DDIM   denoiser.go, problem.go (Step)
//	SPEC §6  methods                   method.go (registry), ddim.go, dps.go,
//	                                   pigdm.go, ddnm.go, ddrm.go, diffpir.go,
//	                                   oracle.go
//	SPEC §7  knobs and bands           knobs.go, problem.go (bandsOf), tune.go
//	SPEC §8  transfer, loss, gradient  loss.go; the recursion itself is in the
//	                                   backends (package cpu, package kernels)
//	SPEC §9  files                     schedulefile.go, internal/arrayio
//
// A [Problem] is validated once, in [NewProblem]; every bad input is reported
// there as an error naming the input, so that evaluation never meets one.
package solver
