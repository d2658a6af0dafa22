package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

var tinySimulate = []string{"--size", "12x10", "--steps", "8", "--samples", "60", "--ys", "2", "--quiet"}

func TestSimulateCLIPasses(t *testing.T) {
	for _, method := range []string{"dps", "ddrm"} {
		var so, se bytes.Buffer
		err := runSimulate(context.Background(), append([]string{"--method", method, "--json"}, tinySimulate...), &so, &se)
		if err != nil {
			t.Fatalf("%s: %v\n%s\n%s", method, err, so.String(), se.String())
		}
		var rep simulateReport
		if err := json.Unmarshal(so.Bytes(), &rep); err != nil {
			t.Fatalf("stdout is not JSON: %v", err)
		}
		r := rep.Result
		if rep.Format != simulateFormat || !r.Pass || len(r.Pooled) == 0 || r.Tested+r.Deterministic != len(r.Freqs) || r.Samples != 60 || r.Ys != 2 {
			t.Errorf("%s: report %+v", method, r)
		}
		if (method == "dps") != (rep.DPSNorm == "expected") {
			t.Errorf("%s: dps_norm %q", method, rep.DPSNorm)
		}
	}
	// The text report names the verdict and the loss comparison.
	var so, se bytes.Buffer
	if err := runSimulate(context.Background(), tinySimulate, &so, &se); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"closed form", "Monte Carlo", "mean chi2", "variance ratio", "worst mean", "PASS"} {
		if !strings.Contains(so.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, so.String())
		}
	}
}

// TestSimulateCLIFails: at a familywise level of 0.999 the tests reject
// nearly any run (each pooled test needs p ≥ 0.1665); this seed's run is
// rejected, which must give a simulateFailed error (exit status 4) after
// the report.
func TestSimulateCLIFails(t *testing.T) {
	var so, se bytes.Buffer
	err := runSimulate(context.Background(), append([]string{"--alpha", "0.999", "--seed", "1"}, tinySimulate...), &so, &se)
	var sf *simulateFailed
	if !errors.As(err, &sf) || sf.ExitCode() != 4 {
		t.Fatalf("error %v, want *simulateFailed with exit status 4\n%s", err, so.String())
	}
	if !strings.Contains(so.String(), "FAIL") || !strings.Contains(err.Error(), "disagrees with the closed form") {
		t.Errorf("report:\n%s\nerror: %v", so.String(), err)
	}
}

func TestSimulateCLIBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown dps norm", []string{"--dps-norm", "max"}, 2, `--dps-norm "max": want real or expected`},
		{"one sample", []string{"--samples", "1"}, 2, "--samples 1"},
		{"no measurements", []string{"--ys", "0"}, 2, "--ys 0"},
		{"alpha", []string{"--alpha", "2"}, 2, "--alpha 2"},
		{"reference", []string{"--reference"}, 2, "per-frequency rules"},
		{"missing knob file", []string{"--knobs", filepath.Join(dir, "none.json")}, 1, "no such file"},
		{"unknown method", []string{"--method", "sdp"}, 2, `unknown method "sdp"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var so, se bytes.Buffer
			err := runSimulate(context.Background(), append(append([]string{}, tinySimulate...), tc.args...), &so, &se)
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
}
