package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/spectune/spectune/solver"
)

// transfer is the output law N(B·Ỹ, V) of every merged frequency under some
// knobs, with the target of SPEC §3.
type transfer struct {
	Label string
	B, V  []float64
}

func computeTransfer(ctx context.Context, ev solver.Evaluator, p *solver.Problem, label string, k *solver.Knobs) (*transfer, error) {
	n := p.Freqs.Len()
	t := &transfer{Label: label, B: make([]float64, n), V: make([]float64, n)}
	if err := ev.Transfer(ctx, k, t.B, t.V); err != nil {
		return nil, err
	}
	return t, nil
}

// radialRow averages one ring of grid frequencies, |f| within half a bin of
// F; Loss is the ring's share of the per-pixel loss.
type radialRow struct {
	F                  float64
	Count              int
	W, B, SqrtV, Sqrtv float64
	Mean, Variance     float64
}

// radialProfile averages the transfer over rings of width 1/max(H, W)
// cycles/pixel.
func radialProfile(p *solver.Problem, t *transfer) []radialRow {
	scale := float64(max(p.H, p.W))
	var rows []radialRow
	for k, f := range p.Freqs.Index {
		bin := solver.Ring(k, p.H, p.W)
		for len(rows) <= bin {
			rows = append(rows, radialRow{F: float64(len(rows)) / scale})
		}
		e, w, v := p.Target(int(f))
		b, vv := t.B[f], t.V[f]
		mean, vari, _, _ := solver.FreqLoss(e, w, v, b, vv)
		row := &rows[bin]
		row.Count++
		row.W += w
		row.B += b
		row.SqrtV += math.Sqrt(vv)
		row.Sqrtv += math.Sqrt(v)
		row.Mean += mean / float64(p.N())
		row.Variance += vari / float64(p.N())
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Count == 0 {
			continue
		}
		c := float64(r.Count)
		r.W, r.B, r.SqrtV, r.Sqrtv = r.W/c, r.B/c, r.SqrtV/c, r.Sqrtv/c
		out = append(out, r)
	}
	return out
}

// writeRadialCSV writes the radial profiles of several transfers side by
// side: one row per ring.
func writeRadialCSV(w io.Writer, profiles [][]radialRow, labels []string) error {
	fmt.Fprint(w, "f_cycles_per_pixel,count,W,sqrt_v")
	for _, l := range labels {
		fmt.Fprintf(w, ",B_%s,sqrtV_%s,loss_mean_%s,loss_variance_%s", l, l, l, l)
	}
	fmt.Fprintln(w)
	for i, r := range profiles[0] {
		fmt.Fprintf(w, "%.8g,%d,%.10g,%.10g", r.F, r.Count, r.W, r.Sqrtv)
		for _, pr := range profiles {
			q := pr[i]
			fmt.Fprintf(w, ",%.10g,%.10g,%.10g,%.10g", q.B, q.SqrtV, q.Mean, q.Variance)
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}

// writeFreqCSV writes one row per merged frequency.
func writeFreqCSV(w io.Writer, p *solver.Problem, t *transfer) error {
	fmt.Fprintln(w, "lambda,rho,band,mult,E,W,B,v,V,loss_mean,loss_variance")
	for f := 0; f < p.Freqs.Len(); f++ {
		e, wt, v := p.Target(f)
		mean, vari, _, _ := solver.FreqLoss(e, wt, v, t.B[f], t.V[f])
		if _, err := fmt.Fprintf(w, "%.10g,%.10g,%d,%g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n",
			p.Freqs.Lambda[f], p.Freqs.Rho[f], p.Freqs.Band[f], p.Freqs.Mult[f], e, wt, t.B[f], v, t.V[f], mean, vari); err != nil {
			return err
		}
	}
	return nil
}
