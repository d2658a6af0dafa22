// Package cpu is the pure-Go backend of spectune: it evaluates the loss of
// SPEC §8 and its exact gradient by running each frequency's scalar
// recursion forward and its adjoint backward, in parallel over fixed chunks
// of frequencies on all cores.
//
// Memory per evaluation is O(T) scratch per worker plus one T×B gradient
// table per worker, independent of the number of frequencies; the problem's
// own arrays are O(N).
//
// Results are deterministic: chunk k is always processed by worker
// k mod Workers and partial sums are reduced in a fixed order, so a rerun
// gives bit-identical losses and gradients. Losses are reduced per chunk with
// compensated sums, so changing the chunk size or worker count changes them
// by far less than 1e-12 relative.
package cpu
