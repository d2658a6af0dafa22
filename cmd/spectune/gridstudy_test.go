package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"github.com/spectune/spectune/solver"
)

// TestTuneFreeGrid designs the grid alone and jointly: schedule.json carries
// the designed grid, eval --knobs reproduces the loss bit for bit, the knobs
// stay at the start with --free grid, and grid.png/grid.csv are written.
func TestTuneFreeGrid(t *testing.T) {
	for _, free := range []string{"grid", "grid,zeta"} {
		t.Run(free, func(t *testing.T) {
			dir := t.TempDir()
			_, stderr, code := runCLI(t, append([]string{"tune", "--out", dir, "--iters", "20", "--free", free, "--device", "cpu"}, small...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, f := range []string{"schedule.json", "grid.png", "grid.csv", "report.json"} {
				if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s: %v", f, err)
				}
			}
			var rep report
			b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Grid == nil || len(rep.Grid.Designed) != 13 || rep.Grid.From != "vp-linear" {
				t.Fatalf("report grid: %+v", rep.Grid)
			}
			s, err := readScheduleFile(filepath.Join(dir, "schedule.json"))
			if err != nil {
				t.Fatal(err)
			}
			if s.Grid.Name != "designed (from vp-linear)" {
				t.Errorf("schedule grid %q", s.Grid.Name)
			}
			for i, a := range s.Grid.Abar {
				if a != rep.Grid.Designed[i] {
					t.Fatalf("schedule ᾱ_%d = %v, report %v", i, a, rep.Grid.Designed[i])
				}
			}
			if free == "grid" {
				heur, err := readNPYTable(filepath.Join(dir, "heuristic-zeta.npy"))
				if err != nil {
					t.Fatal(err)
				}
				tuned, _ := readNPYTable(filepath.Join(dir, "tuned-zeta.npy"))
				for j := range heur {
					if heur[j] != tuned[j] {
						t.Fatalf("ζ changed at row %d with --free grid: %v → %v", j, heur[j], tuned[j])
					}
				}
			}
			if l := evalKnobs(t, filepath.Join(dir, "schedule.json")); l != *rep.Loss.Tuned {
				t.Errorf("eval --knobs gives %+v, tune reported %+v", l, *rep.Loss.Tuned)
			}
			if !(rep.Loss.Tuned.Total < rep.Loss.Start.Total) {
				t.Errorf("designed %v not below the start %v", rep.Loss.Tuned.Total, rep.Loss.Start.Total)
			}
		})
	}
}

// TestGridstudy runs a tiny study and checks its files and numbers: every
// designed grid valid, (d) no worse than (b) or (c), and the unconditional
// designed grid no worse than vp-linear.
func TestGridstudy(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := runCLI(t, "gridstudy", "--size", "8", "--steps-list", "3,6", "--methods", "dps,ddnm", "--iters", "15", "--out", dir, "--device", "cpu", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "| dps | 6 |") || !strings.Contains(out, "| 3 |") {
		t.Errorf("table lacks rows:\n%s", out)
	}
	for _, f := range []string{"gridstudy.md", "gridstudy.json", "losses.png", "unconditional.png", "unconditional.csv", "schedules/dps-T6-joint.json", "schedules/ddim-uncond-T3-grid.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var rep studyReport
	b, _ := os.ReadFile(filepath.Join(dir, "gridstudy.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != "done" || len(rep.Rows) != 4 || len(rep.Unconditional) != 2 {
		t.Fatalf("report: status %q, %d rows, %d unconditional", rep.Status, len(rep.Rows), len(rep.Unconditional))
	}
	valid := func(ab []float64) error { return solver.Grid{Name: "designed", Abar: ab}.Validate() }
	for _, u := range rep.Unconditional {
		if err := valid(u.DesignedAbar); err != nil {
			t.Error(err)
		}
		if u.Designed.Total > u.VPLinear.Total {
			t.Errorf("T = %d: designed %v above vp-linear %v", u.Steps, u.Designed.Total, u.VPLinear.Total)
		}
	}
	for _, r := range rep.Rows {
		for _, ab := range [][]float64{r.GridAbar, r.JointAbar} {
			if err := valid(ab); err != nil {
				t.Errorf("%s T = %d: %v", r.Method, r.Steps, err)
			}
		}
		if r.Joint.Total > r.Tuned.Total || r.Joint.Total > r.Grid.Total {
			t.Errorf("%s T = %d: joint %v above knobs-only %v or grid-only %v", r.Method, r.Steps, r.Joint.Total, r.Tuned.Total, r.Grid.Total)
		}
	}
}

// readNPYTable reads a float64 .npy file's values.
func readNPYTable(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m mat.Dense
	if err := npyio.Read(f, &m); err != nil {
		return nil, err
	}
	return m.RawMatrix().Data, nil
}

// TestGridstudyInterrupted stops the study after its first method row has
// started: it exits 130 and keeps the rows it finished, status
// "interrupted".
func TestGridstudyInterrupted(t *testing.T) {
	dir := t.TempDir()
	runInterrupted(t, "(b) knobs", "gridstudy", "--size", "8", "--steps-list", "3,6", "--methods", "dps", "--iters", "15", "--out", dir, "--device", "cpu")
	var rep studyReport
	b, rerr := os.ReadFile(filepath.Join(dir, "gridstudy.json"))
	if rerr != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("gridstudy.json: %v", rerr)
	}
	if rep.Status != "interrupted" || len(rep.Unconditional) != 2 || len(rep.Rows) != 0 {
		t.Errorf("status %q, %d unconditional rows, %d method rows; want interrupted, 2, 0", rep.Status, len(rep.Unconditional), len(rep.Rows))
	}
	md, _ := os.ReadFile(filepath.Join(dir, "gridstudy.md"))
	if !strings.Contains(string(md), "status: interrupted") || !strings.Contains(string(md), "| 6 |") {
		t.Errorf("gridstudy.md:\n%s", md)
	}
}
