package kernels

import (
	"fmt"
	"sort"

	"github.com/spectune/spectune/solver"
)

// defaultChunkBudget caps the device memory of one chunk (gradient record,
// gradient slots, transfer outputs), together with a quarter of the
// device's largest allocation.
const defaultChunkBudget = 256 << 20

// chunk is a run of frequencies (in band order) processed by one launch.
type chunk struct {
	base, n int // first frequency and count
	gbase   int // problem-wide index of its first work-group
	groups  int // work-groups: ceil(n / gsize)
	slots   int // gradient slots: Σ over groups of the bands it spans
}

// layout is how a problem's frequencies map onto launches: the band order,
// the chunks, and the per-group and per-band tables of the gradient
// reduction (grad.cl).
type layout struct {
	// gsize is the number of frequencies per work-group, WGS·VW.
	gsize int
	// order[s] is the merged frequency at sorted position s (nil: identity).
	// Frequencies are sorted by band, stably, so that a work-group spans
	// few bands and each band's slots are contiguous.
	order    []int32
	chunkCap int // frequencies per chunk, a multiple of gsize
	// padded is n rounded up to whole groups: the length of the uploaded
	// frequency arrays, whose tail is padding (λ = ρ = m = 0, band -1).
	padded int
	chunks []chunk
	// groups holds (blo, bhi, off) per problem-wide work-group: the bands it
	// spans and its first slot within its chunk.
	groups []int32
	// bandSlots holds, per chunk and band, the slot range [lo, hi) of
	// that band in the chunk (empty when the chunk lacks the band).
	bandSlots []int32
	maxSlots  int
}

// scratchPerFreq is the gradient record of one frequency: B and V before
// each of T steps.
func scratchPerFreq(T int) int64 { return 16 * int64(T) }

// newLayout plans the launches of p for work-groups of gsize frequencies
// with at most budget bytes of per-chunk device memory, perGroup bytes per
// group (at least one group per chunk).
func newLayout(p *solver.Problem, gsize int, perGroup, budget int64) (*layout, error) {
	n, nb := p.Freqs.Len(), p.Bands
	if n >= 1<<31-2*gsize || p.T() >= 1<<31 || int64(nb)*int64(p.T())*2 >= 1<<31 {
		return nil, fmt.Errorf("kernels: problem with %d frequencies, %d steps and %d bands exceeds the kernels' 32-bit indices", n, p.T(), nb)
	}
	l := &layout{gsize: gsize, padded: (n + gsize - 1) / gsize * gsize}
	band := p.Freqs.Band
	if nb > 1 {
		l.order = make([]int32, n)
		for f := range l.order {
			l.order[f] = int32(f)
		}
		sort.SliceStable(l.order, func(a, b int) bool { return band[l.order[a]] < band[l.order[b]] })
		sorted := make([]int32, n)
		for s, f := range l.order {
			sorted[s] = band[f]
		}
		band = sorted
	}
	groups := max(1, budget/perGroup)
	need := int64((n + gsize - 1) / gsize)
	l.chunkCap = int(min(groups, need)) * gsize
	for base := 0; base < n; base += l.chunkCap {
		c := chunk{base: base, n: min(l.chunkCap, n-base), gbase: base / gsize}
		c.groups = (c.n + gsize - 1) / gsize
		lo := make([]int32, 2*nb)
		for g := 0; g < c.groups; g++ {
			first := base + g*gsize
			last := min(first+gsize, base+c.n) - 1
			blo, bhi := band[first], band[last]
			l.groups = append(l.groups, blo, bhi, int32(c.slots))
			for b := blo; b <= bhi; b++ {
				s := int32(c.slots) + b - blo
				if lo[2*b+1] == 0 {
					lo[2*b] = s
				}
				lo[2*b+1] = s + 1
			}
			c.slots += int(bhi-blo) + 1
		}
		l.bandSlots = append(l.bandSlots, lo...)
		l.maxSlots = max(l.maxSlots, c.slots)
		l.chunks = append(l.chunks, c)
	}
	return l, nil
}

// paddedCopy returns xs in band order, padded with pad to l.padded entries.
func paddedCopy[T any](l *layout, xs []T, pad T) []T {
	out := make([]T, l.padded)
	for s := range out {
		switch {
		case s >= len(xs):
			out[s] = pad
		case l.order != nil:
			out[s] = xs[l.order[s]]
		default:
			out[s] = xs[s]
		}
	}
	return out
}
