package solver_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"github.com/spectune/spectune/solver"
)

func TestPowerLaw(t *testing.T) {
	lam, err := solver.NewPrior("powerlaw", 16, 12, false)
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, v := range lam {
		mean += v
	}
	mean /= float64(len(lam))
	if math.Abs(mean-0.25) > 1e-15 {
		t.Errorf("per-pixel variance %v, want 0.25", mean)
	}
	// λ(f) ∝ (f² + f0²)^(-1): ratio between f = 0 and f = 1/4 (k = 4 of 16 rows).
	want := (0.25*0.25 + 1e-4) / 1e-4
	if got := lam[0] / lam[4*12]; math.Abs(got/want-1) > 1e-12 {
		t.Errorf("λ(0)/λ(1/4) = %v, want %v", got, want)
	}
	lam2, err := solver.NewPrior("powerlaw:alpha=1,f0=0.1,var=2", 4, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if s := sumOf(lam2) / 16; math.Abs(s-2) > 1e-14 {
		t.Errorf("var=2: per-pixel variance %v", s)
	}
}

func sumOf(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += v
	}
	return s
}

func TestPriorErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.npy")
	writeNPY(t, bad, []float64{1, 2, math.NaN(), 4})
	small := filepath.Join(dir, "small.npy")
	writeNPY(t, small, []float64{1, 2, 3})
	neg := filepath.Join(dir, "neg.csv")
	os.WriteFile(neg, []byte("1,2\n-3,4\n"), 0o644)
	empty := t.TempDir()
	for _, tc := range []struct{ spec, want string }{
		{"gauss", "unknown prior"},
		{"powerlaw:alpha=x", "not key=number"},
		{"powerlaw:beta=1", "unknown key"},
		{"powerlaw:f0=0", "f0 is 0"},
		{"file:" + bad, "element 2 is NaN"},
		{"file:" + small, "does not match the 2x2 grid"},
		{"file:" + neg, "element 2 is -3"},
		{"images:" + empty, "no PNG or JPEG images"},
		{"file:" + filepath.Join(dir, "missing.npy"), "no such file"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := solver.NewPrior(tc.spec, 2, 2, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// writeNPY writes a 2×2 (or 1×n) float64 array.
func writeNPY(t *testing.T, path string, v []float64) {
	t.Helper()
	var buf bytes.Buffer
	if len(v) == 4 {
		if err := npyio.Write(&buf, [2][2]float64{{v[0], v[1]}, {v[2], v[3]}}); err != nil {
			t.Fatal(err)
		}
	} else if err := npyio.Write(&buf, v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImagesPrior(t *testing.T) {
	dir := t.TempDir()
	// A vertical sinusoid with 4 periods over 32 columns puts all its power
	// at fx = ±4/32, fy = 0.
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			img.SetGray(x, y, color.Gray{uint8(128 + 100*math.Cos(2*math.Pi*4*float64(x)/32))})
		}
	}
	f, _ := os.Create(filepath.Join(dir, "a.png"))
	png.Encode(f, img)
	f.Close()
	lam, err := solver.NewPrior("images:"+dir, 32, 32, false)
	if err != nil {
		t.Fatal(err)
	}
	if lam[0] != 0 && lam[0] > 1e-20 {
		t.Errorf("λ at DC = %v, want 0 (mean removed)", lam[0])
	}
	peak := lam[4] + lam[28]
	if tot := sumOf(lam); peak < 0.999*tot {
		t.Errorf("power at fx = ±4/32 is %.4g of %.4g", peak, tot)
	}
	if lam[4] != lam[28] {
		t.Errorf("periodogram not symmetric: %v vs %v", lam[4], lam[28])
	}
	// Per-pixel variance of a cosine of amplitude 100/255·2: A²/2.
	a := 2 * 100.0 / 255
	if v := sumOf(lam) / 1024; math.Abs(v-a*a/2) > 0.01*a*a/2 {
		t.Errorf("per-pixel variance %v, want ≈ %v", v, a*a/2)
	}
	rad, err := solver.NewPrior("images:"+dir, 32, 32, true)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sumOf(rad)-sumOf(lam)) > 1e-12*sumOf(lam) || rad[4] != rad[4*32] {
		t.Errorf("radial average must keep the total and be isotropic")
	}
}

func TestOperators(t *testing.T) {
	const H, W = 16, 16
	for _, tc := range []struct {
		spec      string
		dc        float64 // ρ at f = 0
		symmetric bool    // ρ bit-identical under (fx, fy) → (fy, fx)
	}{
		{"none", 0, true},
		{"identity", 1, true},
		{"gaussian:1.5", 1, true},
		{"gaussian:0", 1, true},
		{"box:3", 1, true},
		{"box:4", 1, true},
		{"motion:5,30", 1, false},
		{"lowpass:0.2", 1, true},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			op, err := solver.NewOperator(tc.spec, H, W)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(op.Rho[0]-tc.dc) > 1e-14 {
				t.Errorf("ρ at DC = %v, want %v", op.Rho[0], tc.dc)
			}
			for k := range op.Rho {
				r, c := k/W, k%W
				m := ((H-r)%H)*W + (W-c)%W
				if op.Rho[k] != op.Rho[m] {
					t.Fatalf("ρ(k) ≠ ρ(-k) at %d: %v vs %v", k, op.Rho[k], op.Rho[m])
				}
				if tc.symmetric && op.Rho[k] != op.Rho[c*W+r] {
					t.Fatalf("ρ not symmetric under swap at (%d,%d)", r, c)
				}
				if op.H != nil && math.Abs(cmplx.Abs(op.H[k])-op.Rho[k]) > 1e-13 {
					t.Fatalf("|h| = %v, ρ = %v at %d", cmplx.Abs(op.H[k]), op.Rho[k], k)
				}
			}
		})
	}
	// The Gaussian response is exp(-2π²σ²f²) up to wrap-around, here negligible.
	op, _ := solver.NewOperator("gaussian:1.5", H, W)
	for _, k := range []int{1, 2, 3*W + 1} {
		fy, fx := freq(k/W, H), freq(k%W, W)
		want := math.Exp(-2 * math.Pi * math.Pi * 1.5 * 1.5 * (fx*fx + fy*fy))
		if math.Abs(op.Rho[k]-want) > 1e-6 {
			t.Errorf("gaussian ρ at %d = %v, want ≈ %v", k, op.Rho[k], want)
		}
	}
	// The ideal lowpass has exact zeros (SPEC: some ρ = 0).
	lp, _ := solver.NewOperator("lowpass:0.2", H, W)
	if lp.Rho[W/2] != 0 || lp.Rho[1] != 1 {
		t.Errorf("lowpass: ρ(0.5) = %v, ρ(1/16) = %v", lp.Rho[W/2], lp.Rho[1])
	}
}

func TestOperatorErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.npy")
	var buf bytes.Buffer
	npyio.Write(&buf, make([]float64, 40))
	os.WriteFile(big, buf.Bytes(), 0o644)
	for _, tc := range []struct{ spec, want string }{
		{"blur:2", "unknown operator"},
		{"gaussian:-1", "SIGMA is -1"},
		{"gaussian:x", "want a number"},
		{"box:0", "box N is 0"},
		{"box:2.5", "integer"},
		{"motion:5", "motion:LEN,ANGLE"},
		{"motion:100,0", "LEN is 100"},
		{"lowpass:0", "FC is 0"},
		{"kernel:" + big, "larger than the 16x16 grid"},
		{"kernel:" + filepath.Join(dir, "none.png"), "no such file"},
		{"response:" + big, "shape [40] does not match"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := solver.NewOperator(tc.spec, 16, 16)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestKernelFile(t *testing.T) {
	dir := t.TempDir()
	// A 3-tap horizontal kernel [0.25, 0.5, 0.25] as .npy: its centre
	// (column 1) goes to (0, 0), so h(f) = 0.5 + 0.5 cos(2π fx).
	path := filepath.Join(dir, "k.npy")
	var buf bytes.Buffer
	npyio.Write(&buf, [1][3]float64{{0.25, 0.5, 0.25}})
	os.WriteFile(path, buf.Bytes(), 0o644)
	op, err := solver.NewOperator("kernel:"+path, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 8; c++ {
		want := 0.5 + 0.5*math.Cos(2*math.Pi*float64(c)/8)
		if math.Abs(real(op.H[c])-want) > 1e-15 || math.Abs(imag(op.H[c])) > 1e-15 {
			t.Errorf("h at fx = %d/8: %v, want %v", c, op.H[c], want)
		}
	}
	// A complex response file keeps h and gives ρ = |h|.
	rpath := filepath.Join(dir, "h.npy")
	buf.Reset()
	npyio.Write(&buf, [2][2]complex128{{1, 0.6i}, {-0.5, 3 + 4i}})
	os.WriteFile(rpath, buf.Bytes(), 0o644)
	r, err := solver.NewOperator("response:"+rpath, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rho[1] != 0.6 || r.Rho[2] != 0.5 || r.Rho[3] != 5 {
		t.Errorf("ρ = %v, want [1 0.6 0.5 5]", r.Rho)
	}
}
