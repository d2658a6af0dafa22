// Package kernels is the OpenCL backend of spectune: it evaluates the loss
// of SPEC §8 and its exact gradient with respect to the knob tables (and,
// for knobs with a grid of their own, to the grid ᾱ_1 … ᾱ_T) on an OpenCL
// device in float64, with the same numbers as the pure-Go reference in
// package cpu (per-frequency B, V, loss terms and gradient contributions
// bit for bit; sums to ~1e-15 relative). It needs no cgo: the OpenCL library is loaded at run
// time by package cl, and [Open] returns an error wrapping
// [solver.ErrNoOpenCL] where there is none.
//
//	b, err := kernels.Open("opencl")  // or "opencl:P:D", see ListDevices
//	ev, err := b.Prepare(ctx, problem) // builds the method's program once
//	loss, err := ev.Evaluate(ctx, knobs, grad)
//
// # Kernels
//
// The OpenCL C sources are embedded from this directory and compiled into
// one program per method (build option -DMETHOD=METHOD_DPS etc., plus the
// device's tunables, -D options in sorted order), built on first use and
// cached by the [Backend] for its lifetime:
//
//	common.cl    precision (cl_khr_fp64, FP_CONTRACT off), tunables with
//	             defaults, work-group reductions
//	coeffs.cl    every method's step coefficients a, b, c² and their knob
//	             and grid partials (SPEC §5–§6), knob rules, init and its
//	             grid derivative, forward recursion, loss
//	transfer.cl  kernel transfer: (B, V) per frequency (SPEC §8)
//	loss.cl      kernel loss: per-group loss partials, no gradient
//	grad.cl      kernels grad (loss partials and per-group, per-step
//	             gradient sums), grad_grid (grad plus per-group grid
//	             gradient sums) and grad_reduce (sum over groups)
//
// Each family compiles alone after common.cl and coeffs.cl with no options.
//
// # Design
//
// One work-item handles VW merged frequencies (an OpenCL vector doubleVW)
// and loops over all T steps; a work-group handles WGS·VW frequencies. The
// host sorts the frequencies by band (stably) so that a group spans few
// bands, and pads the frequency arrays to whole groups with λ = ρ = m = 0,
// band -1, which run the same recursion (every barrier is reached) and add
// zeros.
//
// The gradient kernel runs the forward recursion, recording B_i and V_i
// before every step, then walks the steps in reverse (i = 1 … T) with
// P = the product of a over the later-executed steps, as cpu/recursion.go
// does. Each step's contributions m·∂ℓ/∂κ are summed over the lanes of a
// work-item in lane order, then over the group in local memory (a tree, or
// one work-item summing in order: REDUCE_SERIAL), once per band the group
// spans, into one slot per (group, band) and step. grad_reduce then adds
// each band's slots over the chunk's groups in group order and accumulates
// over chunks on the device. There are no atomics, so every sum has a fixed
// order and results are deterministic; loss partials per group are added
// on the host in group order with compensated sums ([solver.Sum]).
//
// The step scalars are uploaded once per problem as T records of NS
// doubles (common.cl): the solver.Step scalars, then their derivatives
// solver.StepDeriv. Knobs with a grid of their own (solver.Knobs.Abar) are
// evaluated on solver.Problem.ForKnobs: their step records are uploaded for
// that evaluation (O(T)), and the problem's own are uploaded again by the
// next evaluation without a grid.
//
// The grid gradient (a gradient slice with one more table, of T+1 entries)
// runs grad_grid instead of grad: the same kernel body, with step_coeffs
// also computing ∂(a, b, c²)/∂ᾱ_i and ∂/∂ᾱ_{i-1} (only there: computed
// unconditionally, the unused grid partials halved the speed of the
// knob-only gradient on PoCL). Each work-item adds, per level ᾱ_i, step
// i's contribution and step i+1's as cpu/recursion.go adjointGrid does, and
// stores the sum over its lanes in the scratch slot of V_{i-1}, which the
// adjoint pass has consumed by then; after the pass the group sums each
// level over its work-items in order into one slot of T+1 levels per
// group (one barrier in all, instead of a reduction per step), and
// grad_reduce adds those slots over the chunk's groups in order and over
// chunks, like the knob slots. Methods without knobs (oracle) have only
// grad_grid.
//
// The record of B_i, V_i is laid out [group][step][B|V][work-item][lane]:
// coalesced within a step, and one contiguous block per group. It lives in
// __local memory when one group's 16·T·WGS·VW bytes fit (SCRATCH_LOCAL, the
// CPU choice: PoCL's local memory is a per-thread arena that stays in
// cache), else in a global buffer. Full storage was chosen over
// checkpointing: with the CPU parameters the record fits in local memory for
// T up to about 2000, where it costs no DRAM traffic, while checkpointing
// would add a second forward pass (measured: the forward pass alone is ~30%
// of a gradient evaluation). With a global record on a CPU, the
// write-allocate and write-back traffic to DRAM cost about 25% of the
// evaluation time.
//
// Memory per evaluation is bounded independently of N: frequencies are
// processed in chunks of whole groups such that a chunk's device memory
// (global record, gradient and grid-gradient slots, transfer outputs; the
// grid slots are allocated by the first evaluation that asks for the grid
// gradient, but always counted) stays below
// min(256 MiB, MaxMemAllocSize/4); the host loops over chunks and checks
// the context between them. Only the problem's own arrays (λ, ρ, m, band,
// per-group tables) are O(N).
//
// # Tunables
//
// Per-device parameters come from a small table (deviceParams in
// sources.go): CPUs get WGS 2, VW 8, a barrier per forward step, serial
// sums and local scratch; everything else (GPUs) gets WGS 128, VW 1, tree
// sums and global scratch. TestTune in bench_test.go (-tune=file) times the
// alternatives and writes CSV.
//
// # Performance
//
// One loss+gradient evaluation at 256×256 unmerged frequencies and
// T = 1024 (BenchmarkEvaluate, -benchtime 5x), PoCL 3.1 on 2 cores of an
// AMD EPYC (AVX2, 1 MiB L2 per core), on an otherwise idle machine:
//
//	method   opencl (PoCL)           cpu backend             ratio
//	dps      4.8–5.0e8 freq-steps/s  1.4–1.5e8 freq-steps/s  3.4×
//	diffpir  1.8–1.9e8 freq-steps/s  0.5–0.6e8 freq-steps/s  3.2×
//
// using 35 MiB (dps) and 67 MiB (diffpir) of device memory, mostly gradient
// slots. A loss without gradient runs about 4× faster than with one (dps:
// ~1.7e9 freq-steps/s). Before explicit vectors PoCL ran the work-items
// scalar (its work-item loop vectoriser gives up on kernels whose
// work-items loop over steps) and was slower than the cpu backend; with a
// global record the gradient cost about 25% more (DRAM traffic). With the
// grid gradient as well (grad_grid, a grid of the knobs' own) an evaluation
// runs at about 0.6× the knob-only speed for dps and 0.7× for diffpir
// (BenchmarkGradient in bench_test.go, best of 3 runs of -benchtime 5x).
//
// # Debugging
//
// With SPECTUNE_CL_SYNC=1 in the environment when [Open] runs, the backend
// finishes the queue after every launch, so that a failing kernel is named
// in the error, and records each kernel's wall time in [Stats]. Profiled
// device times are always recorded.
package kernels
