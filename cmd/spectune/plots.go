package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
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
