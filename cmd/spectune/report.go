package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/spectune/spectune/solver"
)

// reportFormat is the format string of report.json.
const reportFormat = "spectune-report/1"

// report is report.json: everything a run found, with its provenance.
// Keys are in struct order.
type report struct {
	Format      string        `json:"format"`
	Command     string        `json:"command"`
	Status      string        `json:"status"`
	Problem     problemDesc   `json:"problem"`
	Loss        lossTable     `json:"loss"`
	Improvement float64       `json:"improvement"`
	Optimizer   *optimizerRun `json:"optimizer,omitempty"`
	Grid        *gridReport   `json:"grid,omitempty"`
	Files       []string      `json:"files"`
	Notes       []string      `json:"notes,omitempty"`
	Provenance  provenance    `json:"provenance"`
}

// lossTable holds the per-pixel loss of each knob setting; absent entries
// are null.
type lossTable struct {
	Heuristic *solver.Loss `json:"heuristic"`
	Reference *solver.Loss `json:"reference"`
	Start     *solver.Loss `json:"start"`
	Tuned     *solver.Loss `json:"tuned"`
}

// gridReport is a designed grid with the grid it started from, ᾱ_0 … ᾱ_T.
type gridReport struct {
	From       string    `json:"from"`
	Start      []float64 `json:"start_abar"`
	Designed   []float64 `json:"designed_abar"`
	MovedStart int       `json:"moved_start_entries"`
}

type optimizerRun struct {
	Method          string   `json:"method"`
	Init            string   `json:"init"`
	Free            []string `json:"free"`
	Status          string   `json:"status"`
	Iterations      int      `json:"iterations"`
	Evaluations     int      `json:"evaluations"`
	Clipped         int      `json:"clipped_start_entries"`
	ClipEps         float64  `json:"clip_epsilon"`
	Seconds         float64  `json:"seconds"`
	FreqStepsPerSec float64  `json:"freq_steps_per_second"`
	SecondsPerEval  float64  `json:"seconds_per_evaluation"`
	MaxIterations   int      `json:"max_iterations"`
}

type provenance struct {
	Spectune string `json:"spectune"`
	Commit   string `json:"commit"`
	Go       string `json:"go"`
	Backend  string `json:"backend"`
	Host     string `json:"host"`
	Started  string `json:"started"`
}

func newProvenance(backend string, start time.Time) provenance {
	host, _ := os.Hostname()
	return provenance{Spectune: version, Commit: commit(), Go: runtime.Version(), Backend: backend,
		Host: host, Started: start.UTC().Format(time.RFC3339)}
}

// printLossTable writes the human-readable table of a run.
func printLossTable(w io.Writer, t lossTable) {
	fmt.Fprintf(w, "%-10s %14s %14s %14s %14s\n", "knobs", "total", "mean", "variance", "vs heuristic")
	row := func(name string, l *solver.Loss) {
		if l == nil {
			return
		}
		ratio := ""
		if t.Heuristic != nil && l.Total > 0 {
			ratio = fmt.Sprintf("×%.4g", t.Heuristic.Total/l.Total)
		}
		fmt.Fprintf(w, "%-10s %14.6e %14.6e %14.6e %14s\n", name, l.Total, l.Mean, l.Variance, ratio)
	}
	row("heuristic", t.Heuristic)
	row("reference", t.Reference)
	if t.Start != nil && t.Heuristic != nil && *t.Start != *t.Heuristic {
		row("start", t.Start)
	}
	row("tuned", t.Tuned)
}
