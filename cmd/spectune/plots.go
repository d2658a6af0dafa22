package main

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/spectune/spectune/solver"
)

// knobSeries is one labelled knob table to draw.
type knobSeries struct {
	Label string
	Knobs *solver.Knobs
	Dash  bool
}

// writeKnobsPNG draws each knob over the steps in execution order (step T
// first), one panel per knob, one line per series and band.
func writeKnobsPNG(path string, p *solver.Problem, series []knobSeries) error {
	m := p.Method
	if len(m.Knobs) == 0 {
		return nil
	}
	var row []*plot.Plot
	for q, spec := range m.Knobs {
		pl := plot.New()
		pl.Title.Text = fmt.Sprintf("%s: %s (%s) per step", m.Name, spec.Symbol, spec.Name)
		pl.X.Label.Text = "step, in execution order (1 = from pure noise)"
		pl.Y.Label.Text = spec.Symbol
		pl.Legend.Top = true
		logY := spec.Domain == solver.Positive
		for si, s := range series {
			for b := 0; b < s.Knobs.Bands; b++ {
				xy := make(plotter.XYs, 0, p.T())
				for e := 0; e < p.T(); e++ {
					i := p.T() - e
					v := s.Knobs.At(q, i, b)
					if logY && v <= 0 {
						continue
					}
					xy = append(xy, plotter.XY{X: float64(e + 1), Y: v})
				}
				if len(xy) == 0 {
					continue
				}
				l, err := plotter.NewLine(xy)
				if err != nil {
					return err
				}
				l.Color = plotutil.Color(si*s.Knobs.Bands + b)
				l.Width = vg.Points(1.2)
				if s.Dash {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				}
				pl.Add(l)
				label := s.Label
				if s.Knobs.Bands > 1 {
					label = fmt.Sprintf("%s, band %d", s.Label, b)
				}
				pl.Legend.Add(label, l)
			}
		}
		if logY {
			pl.Y.Scale = plot.LogScale{}
			pl.Y.Tick.Marker = logTicks{}
		}
		row = append(row, pl)
	}
	return savePanels(path, [][]*plot.Plot{row}, 7*vg.Inch*vg.Length(len(row)), 4.5*vg.Inch)
}

// writeTransferPNG draws the radial profiles: |B| against the Wiener gain W
// and √V against the posterior √v, log-scaled.
func writeTransferPNG(path string, title string, profiles [][]radialRow, labels []string) error {
	mk := func(name, ylab string, target func(radialRow) float64, got func(radialRow) float64) (*plot.Plot, error) {
		pl := plot.New()
		pl.Title.Text = name
		pl.X.Label.Text = "|f| (cycles/pixel)"
		pl.Y.Label.Text = ylab
		pl.Legend.Top = true
		pl.Y.Scale = plot.LogScale{}
		pl.Y.Tick.Marker = logTicks{}
		add := func(label string, rows []radialRow, f func(radialRow) float64, c color.Color, dash bool) error {
			xy := make(plotter.XYs, 0, len(rows))
			for _, r := range rows {
				if v := math.Abs(f(r)); v > 0 && !math.IsInf(v, 0) {
					xy = append(xy, plotter.XY{X: r.F, Y: v})
				}
			}
			if len(xy) == 0 {
				return nil
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color, l.Width = c, vg.Points(1.4)
			if dash {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			pl.Add(l)
			pl.Legend.Add(label, l)
			return nil
		}
		if err := add("exact posterior", profiles[0], target, color.Black, true); err != nil {
			return nil, err
		}
		for i, pr := range profiles {
			if err := add(labels[i], pr, got, plotutil.Color(i), false); err != nil {
				return nil, err
			}
		}
		return pl, nil
	}
	a, err := mk(title+": mean gain", "|B| vs W (radial mean)", func(r radialRow) float64 { return r.W }, func(r radialRow) float64 { return r.B })
	if err != nil {
		return err
	}
	b, err := mk(title+": spread", "√V vs √v (radial mean)", func(r radialRow) float64 { return r.Sqrtv }, func(r radialRow) float64 { return r.SqrtV })
	if err != nil {
		return err
	}
	return savePanels(path, [][]*plot.Plot{{a, b}}, 14*vg.Inch, 5*vg.Inch)
}

func savePanels(path string, plots [][]*plot.Plot, w, h vg.Length) error {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	t := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter * 8, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, t, dc)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// logTicks labels only the decades of a log axis, as 1e-05 … 10.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label == "" {
			continue
		}
		ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
	}
	return ticks
}

// gridSeries is one labelled ᾱ grid (ᾱ_0 … ᾱ_T) to draw.
type gridSeries struct {
	Label string
	Abar  []float64
	Dash  bool
}

// writeGridPNG draws grids in log-SNR over the run, one panel per group:
// x = (T-i)/T runs from the first executed step (ᾱ_T, pure noise) at 0 to
// the last one's start ᾱ_1 at (T-1)/T, so grids of different T share an
// axis. ᾱ_0 = 1 (log-SNR +∞) is not drawn.
func writeGridPNG(path, title string, groups [][]gridSeries) error {
	var row []*plot.Plot
	for _, g := range groups {
		pl := plot.New()
		T := len(g[0].Abar) - 1
		pl.Title.Text = fmt.Sprintf("%s, T = %d", title, T)
		pl.X.Label.Text = "fraction of the run (0 = pure noise)"
		pl.Y.Label.Text = "log-SNR log(ᾱ/(1-ᾱ))"
		pl.Legend.Top = true
		pl.Legend.Left = true
		for si, s := range g {
			n := len(s.Abar) - 1
			xy := make(plotter.XYs, 0, n)
			for i := n; i >= 1; i-- {
				xy = append(xy, plotter.XY{X: float64(n-i) / float64(n), Y: solver.LogSNR(s.Abar[i])})
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color, l.Width = plotutil.Color(si), vg.Points(1.4)
			if s.Dash {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			pl.Add(l)
			if n <= 100 {
				sc, err := plotter.NewScatter(xy)
				if err != nil {
					return err
				}
				sc.Color = l.Color
				sc.GlyphStyle.Radius = vg.Points(1.5)
				pl.Add(sc)
			}
			pl.Legend.Add(s.Label, l)
		}
		row = append(row, pl)
	}
	rows := panelRows(row, 3)
	return savePanels(path, rows, 6*vg.Inch*vg.Length(len(rows[0])), 4.5*vg.Inch*vg.Length(len(rows)))
}

// panelRows lays panels out in rows of at most perRow, filling the last
// row with blank panels so that every row has the first row's width.
func panelRows(panels []*plot.Plot, perRow int) [][]*plot.Plot {
	cols := min(perRow, len(panels))
	var rows [][]*plot.Plot
	for len(panels) > 0 {
		n := min(cols, len(panels))
		r := append([]*plot.Plot(nil), panels[:n]...)
		for len(r) < cols {
			r = append(r, blankPlot())
		}
		rows = append(rows, r)
		panels = panels[n:]
	}
	return rows
}

// blankPlot fills an empty panel of a grid of plots.
func blankPlot() *plot.Plot {
	p := plot.New()
	p.HideAxes()
	return p
}

// writeGridCSV writes grids of equal T as columns: step i, then ᾱ_i and
// log-SNR per grid.
func writeGridCSV(w io.Writer, grids []gridSeries) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("i")
	for _, g := range grids {
		fmt.Fprintf(bw, ",abar %s,logsnr %s", g.Label, g.Label)
	}
	bw.WriteString("\n")
	for i := range grids[0].Abar {
		fmt.Fprintf(bw, "%d", i)
		for _, g := range grids {
			ls := math.Inf(1)
			if g.Abar[i] < 1 {
				ls = solver.LogSNR(g.Abar[i])
			}
			fmt.Fprintf(bw, ",%s,%s", strconv.FormatFloat(g.Abar[i], 'g', -1, 64), strconv.FormatFloat(ls, 'g', -1, 64))
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

// writeStudyPNG draws the grid study's losses against T, log-log: one panel
// for the unconditional sampler and one per method with (a)–(d) and (c′).
func writeStudyPNG(path string, r studyReport) error {
	type line struct {
		label string
		dash  bool
		y     func(i int) float64
	}
	panel := func(title string, xs []int, lines []line) (*plot.Plot, error) {
		pl := plot.New()
		pl.Title.Text = title
		pl.X.Label.Text = "steps T"
		pl.Y.Label.Text = "per-pixel W2² loss"
		pl.X.Scale, pl.Y.Scale = plot.LogScale{}, plot.LogScale{}
		pl.X.Tick.Marker, pl.Y.Tick.Marker = valueTicks(xs), logTicks125{}
		pl.Legend.Left = true
		for li, ln := range lines {
			xy := make(plotter.XYs, 0, len(xs))
			for i, x := range xs {
				if v := ln.y(i); v > 0 && !math.IsInf(v, 0) {
					xy = append(xy, plotter.XY{X: float64(x), Y: v})
				}
			}
			if len(xy) == 0 {
				continue
			}
			l, sc, err := plotter.NewLinePoints(xy)
			if err != nil {
				return nil, err
			}
			l.Color, sc.Color = plotutil.Color(li), plotutil.Color(li)
			l.Width = vg.Points(1.4)
			if ln.dash {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			pl.Add(l, sc)
			pl.Legend.Add(ln.label, l, sc)
		}
		// Room below the lowest curve for the legend (bottom left, where
		// losses that fall with T leave space).
		pl.Y.Min /= math.Pow(pl.Y.Max/pl.Y.Min, 0.4)
		return pl, nil
	}
	var plots []*plot.Plot
	if u := r.Unconditional; len(u) > 0 {
		xs := make([]int, len(u))
		for i := range u {
			xs[i] = u[i].Steps
		}
		pl, err := panel("ddim, ρ ≡ 0 (schedule design)", xs, []line{
			{"vp-linear", true, func(i int) float64 { return u[i].VPLinear.Total }},
			{"cosine", true, func(i int) float64 { return u[i].Cosine.Total }},
			{"designed grid", false, func(i int) float64 { return u[i].Designed.Total }},
		})
		if err != nil {
			return err
		}
		plots = append(plots, pl)
	}
	var methods []string
	for _, row := range r.Rows {
		if !slices.Contains(methods, row.Method) {
			methods = append(methods, row.Method)
		}
	}
	for _, m := range methods {
		var rows []studyRow
		for _, row := range r.Rows {
			if row.Method == m {
				rows = append(rows, row)
			}
		}
		xs := make([]int, len(rows))
		for i := range rows {
			xs[i] = rows[i].Steps
		}
		pl, err := panel(m, xs, []line{
			{"(a) heuristic, vp-linear", true, func(i int) float64 { return rows[i].Heuristic.Total }},
			{"(b) tuned knobs", false, func(i int) float64 { return rows[i].Tuned.Total }},
			{"(c) heuristic knobs, designed grid", false, func(i int) float64 { return rows[i].Grid.Total }},
			{"(c′) heuristic re-derived on (c)", true, func(i int) float64 { return rows[i].GridHeuristic.Total }},
			{"(d) joint", false, func(i int) float64 { return rows[i].Joint.Total }},
		})
		if err != nil {
			return err
		}
		plots = append(plots, pl)
	}
	rows := panelRows(plots, 2)
	return savePanels(path, rows, 7*vg.Inch*vg.Length(len(rows[0])), 5*vg.Inch*vg.Length(len(rows)))
}

// valueTicks labels exactly the given values (the T of a study).
func valueTicks(xs []int) plot.ConstantTicks {
	t := make(plot.ConstantTicks, len(xs))
	for i, x := range xs {
		t[i] = plot.Tick{Value: float64(x), Label: strconv.Itoa(x)}
	}
	return t
}

// logTicks125 labels 1, 2 and 5 times each decade, so that an axis spanning
// less than a decade still has labels.
type logTicks125 struct{}

func (logTicks125) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= min && v <= max {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 3, 64)})
			}
		}
	}
	if len(ticks) < 2 || max/min > 1e3 {
		return logTicks{}.Ticks(min, max)
	}
	return ticks
}
