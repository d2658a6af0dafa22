package solver_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spectune/spectune/solver"
)

func TestGridWorkedValues(t *testing.T) {
	const source = "SPEC §11"
	for _, tc := range []struct {
		name string
		want []float64
	}{
		{"vp-linear", []float64{1, 0.5236797215, 0.07906381245, 0.003441406586, 4.318574906e-05}},
		{"cosine", []float64{1, 0.8470121613, 0.4938435904, 0.1442721024, 1e-12}},
		{"ddpm-linear", []float64{1, 0.5240853738, 0.07858724288, 0.003350550439, 4.035829765e-05}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := solver.NewGrid(tc.name, 4)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.want {
				if math.Abs(g.Abar[i]-w) > 1e-9*w {
					t.Errorf("ᾱ_%d = %.12g, want %.10g (%s)", i, g.Abar[i], w, source)
				}
			}
		})
	}
}

func TestGridLongAndStrict(t *testing.T) {
	for _, name := range solver.GridNames {
		for _, T := range []int{1, 7, 1000} {
			g, err := solver.NewGrid(name, T)
			if err != nil {
				t.Fatalf("%s T=%d: %v", name, T, err)
			}
			if err := g.Validate(); err != nil {
				t.Errorf("%s T=%d: %v", name, T, err)
			}
		}
	}
	if _, err := solver.NewGrid("vp-linear", 4096); err != nil {
		t.Errorf("vp-linear at T = 4096: %v", err)
	}
}

func TestGridErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, grid string
		steps      int
		want       string
	}{
		{"unknown", "vp", 10, "want vp-linear, cosine, ddpm-linear"},
		{"zero steps", "vp-linear", 0, "steps"},
		{"ddpm too long", "ddpm-linear", 1001, "≤ 1000"},
		{"file increasing", "file:" + write("up.json", "[0.5, 0.6]"), 0, "strictly decreasing"},
		{"file above one", "file:" + write("big.csv", "1.5\n0.5\n"), 0, "strictly decreasing"},
		{"file NaN", "file:" + write("nan.json", "[0.5, NaN]"), 0, "JSON"},
		{"file steps disagree", "file:" + write("ok.json", "[0.9, 0.5, 0.1]"), 4, "--steps"},
		{"file missing", "file:" + filepath.Join(dir, "none.npy"), 0, "no such file"},
		{"file type", "file:" + write("g.txt.gz", "x"), 0, "unknown file type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := solver.NewGrid(tc.grid, tc.steps)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	g, err := solver.NewGrid("file:"+write("ok2.json", "[0.9, 0.5, 0.1]"), 0)
	if err != nil || g.Steps() != 3 || g.Abar[3] != 0.1 {
		t.Errorf("grid file: %v, %v", g, err)
	}
}
