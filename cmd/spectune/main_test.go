package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// small is a problem that tunes in well under a second.
var small = []string{"--size", "16x12", "--steps", "12", "--quiet"}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), exitCode(err)
}

func TestTuneWritesEverything(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := runCLI(t, append([]string{"tune", "--out", dir, "--iters", "15", "--method", "ddrm", "--bands", "2"}, small...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"heuristic", "tuned", "×"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"schedule.json", "report.json", "tuned-eta.npy", "tuned-eta_b.npy", "heuristic-eta.npy", "knobs.png", "transfer.png", "transfer.csv"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	var rep report
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Format != reportFormat || rep.Status != "done" || rep.Loss.Tuned == nil || rep.Loss.Heuristic == nil {
		t.Fatalf("report: %+v", rep)
	}
	if !(rep.Loss.Tuned.Total < rep.Loss.Heuristic.Total) || rep.Improvement <= 1 {
		t.Errorf("tuned %v not below heuristic %v", rep.Loss.Tuned.Total, rep.Loss.Heuristic.Total)
	}
	if rep.Optimizer.Clipped != 24 {
		t.Errorf("ddrm's ηb = 1 on 12 steps × 2 bands: %d clipped entries reported", rep.Optimizer.Clipped)
	}
	// eval --knobs reproduces the tuned loss bit for bit.
	if l := evalKnobs(t, filepath.Join(dir, "schedule.json")); l != *rep.Loss.Tuned {
		t.Errorf("eval --knobs gives %+v, tune reported %+v", l, *rep.Loss.Tuned)
	}
}

// evalKnobs returns the loss that eval --json --knobs path reports.
func evalKnobs(t *testing.T, path string) solver.Loss {
	t.Helper()
	js, stderr, code := runCLI(t, "eval", "--json", "--device", "cpu", "--knobs", path)
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	var ev evalResult
	if err := json.Unmarshal([]byte(js), &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Loss
}

func TestEvalJSON(t *testing.T) {
	js, stderr, code := runCLI(t, "eval", "--json", "--grad", "--size", "8", "--steps", "10", "--method", "diffpir")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	loss := m["loss"].(map[string]any)
	tot, mean, vari := loss["total"].(float64), loss["mean"].(float64), loss["variance"].(float64)
	if tot <= 0 || (mean+vari-tot) > 1e-15*tot || m["seconds"].(float64) <= 0 || m["grad_norm"].(float64) <= 0 {
		t.Errorf("eval JSON: %s", js)
	}
	// The same problem built directly gives the same loss.
	g, _ := solver.NewGrid("vp-linear", 10)
	lam, _ := solver.NewPrior("powerlaw", 8, 8, false)
	op, _ := solver.NewOperator("gaussian:2", 8, 8)
	p, _ := solver.NewProblem(solver.Config{Height: 8, Width: 8, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "diffpir"})
	b := cpu.New()
	e, _ := b.Prepare(context.Background(), p)
	l, _ := e.Evaluate(context.Background(), p.Heuristic(), nil)
	if l.Total != tot {
		t.Errorf("CLI loss %v, direct %v", tot, l.Total)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	nanPrior := filepath.Join(dir, "nan.csv")
	os.WriteFile(nanPrior, []byte("1,2\nnan,4\n"), 0o644)
	sched := filepath.Join(dir, "s.json")
	os.WriteFile(sched, []byte(`{"format": "spectune-schedule/7"}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"tunes"}, 2, `unknown command "tunes"`},
		{"unknown flag", []string{"tune", "--sigma", "1"}, 2, "unknown flag: --sigma"},
		{"bad flag value", []string{"eval", "--steps", "ten"}, 2, "invalid argument"},
		{"negative sigma", []string{"eval", "--size", "4", "--steps", "3", "--sigma-y", "-0.1"}, 1, "sigma-y is -0.1 (want finite and ≥ 0)"},
		{"unknown method", []string{"eval", "--size", "4", "--method", "dsp"}, 2, `unknown method "dsp" (want ddim, dps, pigdm, ddnm, ddrm, diffpir, oracle)`},
		{"NaN in prior", []string{"eval", "--size", "2", "--steps", "3", "--prior", "file:" + nanPrior}, 1, "element 2 is NaN"},
		{"wrong-sized prior", []string{"eval", "--size", "3", "--steps", "3", "--prior", "file:" + nanPrior}, 1, "does not match the 3x3 grid"},
		{"bad size", []string{"eval", "--size", "0x4"}, 2, "--size"},
		{"bad schedule", []string{"eval", "--knobs", sched}, 1, `schedule format "spectune-schedule/7"`},
		{"missing schedule", []string{"eval", "--knobs", filepath.Join(dir, "none.json")}, 1, "no such file"},
		{"two knob sources", []string{"eval", "--reference", "--knobs", sched}, 2, "choose one"},
		{"reference of pigdm", []string{"eval", "--size", "4", "--steps", "3", "--method", "pigdm", "--reference"}, 2, "no reference knobs"},
		{"grad of a rule", []string{"eval", "--size", "4", "--steps", "3", "--method", "ddnm", "--grad"}, 2, "per-frequency rule"},
		{"eta for ddnm", []string{"eval", "--size", "4", "--steps", "3", "--method", "ddnm", "--eta", "0.5"}, 1, "no base η option"},
		{"unknown device", []string{"eval", "--size", "4", "--device", "tpu"}, 2, `--device "tpu"`},
		{"oracle tune", []string{"tune", "--size", "4", "--steps", "3", "--method", "oracle"}, 2, "no knobs to tune"},
		{"free unknown knob", []string{"tune", "--size", "4", "--steps", "3", "--free", "eta", "--out", dir}, 1, `no knob "eta"`},
		{"init reference without one", []string{"tune", "--size", "4", "--steps", "3", "--method", "ddrm", "--init", "reference", "--out", dir}, 2, "no reference knobs"},
		{"grid design with T = 1", []string{"tune", "--size", "4", "--steps", "1", "--free", "grid", "--out", dir}, 1, "no free value"},
		{"gridstudy T = 1", []string{"gridstudy", "--steps-list", "1,10", "--out", dir}, 2, "T = 1 has no grid to design"},
		{"gridstudy method without knobs", []string{"gridstudy", "--methods", "oracle", "--out", dir}, 2, "oracle has no knobs"},
		{"gridstudy with --steps", []string{"gridstudy", "--steps", "10", "--out", dir}, 2, "--steps-list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errb)
			code := exitCode(err)
			msg := errb.String()
			if err != nil {
				msg += err.Error()
			}
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Errorf("exit %d, message %q; want exit %d and a message containing %q", code, msg, tc.code, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("failed runs wrote into %s: %v", dir, entries)
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"tune", "eval", "analyze", "gridstudy"} {
		out, _, code := runCLI(t, cmd, "--help")
		if code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		for _, want := range []string{"USAGE", "FLAGS", "EXAMPLES", "EXIT STATUS", "--sigma-y", "(default 0.05)", "130"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s --help lacks %q", cmd, want)
			}
		}
	}
}

// cancelOnWrite cancels a context the first time a write contains marker
// ("iter", the progress header, when empty).
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.marker
	if m == "" {
		m = "iter"
	}
	if bytes.Contains(p, []byte(m)) {
		c.cancel()
	}
	return c.buf.Write(p)
}

// runInterrupted runs the command with a context cancelled when stderr
// first receives marker, and requires the interrupted exit (130).
func runInterrupted(t *testing.T, marker string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &cancelOnWrite{marker: marker, cancel: cancel}
	var out bytes.Buffer
	err := run(ctx, args, &out, stderr)
	if !errors.Is(err, solver.ErrInterrupted) || exitCode(err) != 130 {
		t.Fatalf("error %v (exit %d), want interrupted (130)\n%s", err, exitCode(err), stderr.buf.String())
	}
}

func TestTuneInterruptedWritesBest(t *testing.T) {
	dir := t.TempDir()
	runInterrupted(t, "", "tune", "--size", "32", "--steps", "64", "--out", dir)
	var rep report
	b, rerr := os.ReadFile(filepath.Join(dir, "report.json"))
	if rerr != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report.json: %v", rerr)
	}
	if rep.Status != "interrupted" || rep.Loss.Tuned.Total > rep.Loss.Start.Total {
		t.Errorf("report status %q, tuned %v, start %v", rep.Status, rep.Loss.Tuned.Total, rep.Loss.Start.Total)
	}
	if _, err := os.Stat(filepath.Join(dir, "schedule.json")); err != nil {
		t.Errorf("no schedule.json after the interruption: %v", err)
	}
}

// TestSignal sends SIGINT to a real process and checks exit status 130 and
// the files written.
func TestSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	dir := t.TempDir()
	bin := binary(t)
	cmd := exec.Command(bin, "tune", "--size", "128", "--steps", "256", "--out", filepath.Join(dir, "out"))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first progress line, then interrupt.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "iter") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130\n%s", err, stderr.String())
	}
	if _, err := solverSchedule(filepath.Join(dir, "out", "schedule.json")); err != nil {
		t.Errorf("schedule after SIGINT: %v", err)
	}
}

func solverSchedule(path string) (*solver.Schedule, error) { return readScheduleFile(path) }

func TestWriteFileAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	os.WriteFile(path, []byte("old"), 0o644)
	err := writeFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half a fi"))
		return errors.New("disk on fire")
	})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the old file was replaced by %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := writeFileAtomic(filepath.Join(dir, "no", "such", "dir.json"), func(io.Writer) error { return nil }); err == nil {
		t.Error("writing into a missing directory: no error")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCompareOptions checks that compare passes --eta to the methods that
// take it (dps, oracle) and ignores it for the others, whatever their order.
func TestCompareOptions(t *testing.T) {
	out, stderr, code := runCLI(t, "compare", "--size", "8", "--steps", "6", "--iters", "2", "--quiet", "--device", "cpu", "--eta", "0.5", "--methods", "ddnm,dps")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "oracle (exact guidance, η = 0.5)") {
		t.Errorf("the oracle did not get --eta 0.5:\n%s", out)
	}
	// dps's heuristic at η = 0.5, evaluated directly.
	g, _ := solver.NewGrid("vp-linear", 6)
	lam, _ := solver.NewPrior("powerlaw", 8, 8, false)
	op, _ := solver.NewOperator("gaussian:2", 8, 8)
	e := 0.5
	p, _ := solver.NewProblem(solver.Config{Height: 8, Width: 8, Prior: lam, Response: op.Rho, SigmaY: 0.05, Grid: g, Method: "dps", Options: solver.Options{Eta: &e}})
	ev, _ := cpu.New().Prepare(context.Background(), p)
	l, _ := ev.Evaluate(context.Background(), p.Heuristic(), nil)
	if want := fmt.Sprintf("| dps | %.4e |", l.Total); !strings.Contains(out, want) {
		t.Errorf("dps row is not the η = 0.5 heuristic %s:\n%s", want, out)
	}
}
