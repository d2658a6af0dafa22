package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testImageDir = "../../solver/pixel/testdata/images"

// tinyRestore is a restore problem that runs in well under a second.
var tinyRestore = []string{"--size", "32", "--steps", "16", "--quiet"}

func TestRestoreWritesEverything(t *testing.T) {
	dir := t.TempDir()
	tuned := filepath.Join(dir, "tuned")
	if _, stderr, code := runCLI(t, "tune", "--size", "32", "--steps", "16", "--iters", "5", "--quiet", "--out", tuned); code != 0 {
		t.Fatalf("tune: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"--image", filepath.Join(testImageDir, "coffee.png"), "--knobs", filepath.Join(tuned, "schedule.json"),
		"--exact", "--mean", "--samples", "2", "--out", out, "--json", "--quiet"}
	if err := runRestore(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var rep restoreReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
	}
	if rep.Format != restoreFormat || rep.Channels != 3 || rep.Size != [2]int{32, 32} || len(rep.DC) != 3 {
		t.Errorf("report header: %+v", rep)
	}
	var runs []string
	for _, sc := range rep.Scores {
		runs = append(runs, sc.Run)
		if math.IsNaN(float64(sc.PSNRMean)) || math.IsInf(float64(sc.PSNRMean), 0) || !(sc.SSIMMean > -1 && sc.SSIMMean <= 1) {
			t.Errorf("%s: PSNR %v, SSIM %v", sc.Run, sc.PSNRMean, sc.SSIMMean)
		}
		t.Logf("%-9s PSNR %6.2f ± %.2f dB, SSIM %.4f ± %.4f", sc.Run, float64(sc.PSNRMean), sc.PSNRSD, sc.SSIMMean, sc.SSIMSD)
	}
	if got := strings.Join(runs, ","); got != "degraded,heuristic,tuned,exact,mean" {
		t.Errorf("runs %s", got)
	}
	if rep.Scores[2].Loss == nil || rep.Scores[1].Loss == nil || rep.Scores[2].Samples != 2 || rep.Scores[4].Samples != 1 {
		t.Errorf("scores: %+v", rep.Scores)
	}
	for _, f := range rep.Files {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != len(rep.Files) {
		t.Errorf("%d files in %s, the report lists %d", len(entries), out, len(rep.Files))
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestRestoreSameSeed: the same seed gives the same images bit for bit
// (and PNG files byte for byte); another seed gives others.
func TestRestoreSameSeed(t *testing.T) {
	files := func(seed string) map[string][]byte {
		out := t.TempDir()
		var so, se bytes.Buffer
		args := append([]string{"--image", filepath.Join(testImageDir, "camera.png"), "--method", "ddnm", "--exact", "--seed", seed, "--out", out}, tinyRestore...)
		if err := runRestore(context.Background(), args, &so, &se); err != nil {
			t.Fatalf("%v\n%s", err, se.String())
		}
		m := map[string][]byte{}
		for _, f := range []string{"degraded.png", "heuristic.png", "exact.png", "grid.png"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			m[f] = b
		}
		var rep restoreReport
		b, _ := os.ReadFile(filepath.Join(out, "restore.json"))
		json.Unmarshal(b, &rep)
		for _, sc := range rep.Scores {
			m[sc.Run+" psnr"] = []byte(strings.TrimSpace(string(mustJSON(t, sc.PSNR))))
		}
		return m
	}
	a, b, c := files("7"), files("7"), files("8")
	for f := range a {
		if !bytes.Equal(a[f], b[f]) {
			t.Errorf("%s differs between two runs with seed 7", f)
		}
	}
	if bytes.Equal(a["heuristic.png"], c["heuristic.png"]) || bytes.Equal(a["degraded.png"], c["degraded.png"]) {
		t.Error("seeds 7 and 8 give the same images")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRestoreBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	badSched := filepath.Join(dir, "s.json")
	os.WriteFile(badSched, []byte(`{"format": "spectune-schedule/7"}`), 0o644)
	notImage := filepath.Join(dir, "x.png")
	os.WriteFile(notImage, []byte("GIF89a"), 0o644)
	camera := filepath.Join(testImageDir, "camera.png")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no image flag", nil, 2, "--image is required"},
		{"missing image", []string{"--image", filepath.Join(dir, "none.png")}, 1, "no such file"},
		{"not an image", []string{"--image", notImage}, 1, "not a PNG or JPEG"},
		{"bad knob file", []string{"--image", camera, "--knobs", badSched}, 1, `schedule format "spectune-schedule/7"`},
		{"missing knob file", []string{"--image", camera, "--knobs", filepath.Join(dir, "none.json")}, 1, "--knobs"},
		{"unknown dps norm", []string{"--image", camera, "--dps-norm", "l1"}, 2, `--dps-norm "l1": want real or expected`},
		{"no samples", []string{"--image", camera, "--samples", "0"}, 2, "--samples 0"},
		{"unknown operator", []string{"--image", camera, "--op", "blur:3"}, 1, `unknown operator "blur:3"`},
		{"size against file", []string{"--image", camera, "--knobs", badSched, "--size", "8"}, 1, "schedule format"},
		{"stray argument", []string{"--image", camera, "extra"}, 2, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var so, se bytes.Buffer
			err := runRestore(context.Background(), append(append(tc.args, "--out", out), tinyRestore...), &so, &se)
			code := exitCode(err)
			msg := se.String()
			if err != nil {
				msg += err.Error()
			}
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Errorf("exit %d, message %q; want exit %d and a message containing %q", code, msg, tc.code, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("failed runs created %s", out)
	}
}

func TestRestoreInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var so, se bytes.Buffer
	err := runRestore(ctx, append([]string{"--image", filepath.Join(testImageDir, "camera.png"), "--out", out}, tinyRestore...), &so, &se)
	if exitCode(err) != exitInterrupted {
		t.Errorf("error %v (exit %d), want interrupted", err, exitCode(err))
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted run created %s", out)
	}
}

func TestRestoreSimulateHelp(t *testing.T) {
	for name, f := range map[string]func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) error{
		"restore":  func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return runRestore(ctx, a, o, e) },
		"simulate": func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return runSimulate(ctx, a, o, e) },
	} {
		var so, se bytes.Buffer
		err := f(context.Background(), []string{"--help"}, &so, &se)
		if exitCode(err) != 0 {
			t.Errorf("%s --help: %v", name, err)
		}
		for _, want := range []string{"USAGE", "FLAGS", "EXAMPLES", "EXIT STATUS", "--sigma-y", "--dps-norm", "--samples", "--seed", "130"} {
			if !strings.Contains(so.String(), want) {
				t.Errorf("%s --help lacks %q", name, want)
			}
		}
	}
	var so, se bytes.Buffer
	runRestore(context.Background(), []string{"--help"}, &so, &se)
	if !strings.Contains(so.String(), `(default "256x256")`) || !strings.Contains(so.String(), "images:solver/pixel/testdata/images --prior-radial") {
		t.Errorf("restore --help does not state its size default or the image-prior example")
	}
	so.Reset()
	runSimulate(context.Background(), []string{"--help"}, &so, &se)
	if !strings.Contains(so.String(), `(default "32x32")`) || !strings.Contains(so.String(), "4    the samples disagree") {
		t.Errorf("simulate --help does not state its size default or exit status 4")
	}
}
