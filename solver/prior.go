package solver

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spectune/spectune/solver/internal/arrayio"
	"github.com/spectune/spectune/solver/internal/dft"
	"github.com/spectune/spectune/solver/internal/imageio"
)

// PriorSpecs documents the accepted --prior values.
const PriorSpecs = "powerlaw[:alpha=A,f0=F,var=V], file:PATH (.npy or CSV, H×W), images:DIR (PNG/JPEG)"

// Power-law prior defaults (SPEC-free choices, documented in the README).
const (
	DefaultAlpha    = 2.0
	DefaultF0       = 0.01
	DefaultVariance = 0.25
)

// NewPrior returns the prior power spectrum λ on the H×W grid described by
// spec (see [PriorSpecs]). With radial set, λ is then averaged over rings of
// equal radius (see [RadialAverage]).
func NewPrior(spec string, h, w int, radial bool) ([]float64, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	var lam []float64
	var err error
	switch kind {
	case "powerlaw":
		lam, err = powerLawSpec(arg, h, w)
	case "file":
		lam, err = readGridFile("prior", arg, h, w)
	case "images":
		lam, err = ImagesPrior(arg, h, w)
	default:
		return nil, fmt.Errorf("solver: unknown prior %q (want %s)", spec, PriorSpecs)
	}
	if err != nil {
		return nil, err
	}
	if err := checkArray("prior "+spec, lam, true); err != nil {
		return nil, err
	}
	if radial {
		RadialAverage(lam, h, w)
	}
	return lam, nil
}

func powerLawSpec(arg string, h, w int) ([]float64, error) {
	alpha, f0, variance := DefaultAlpha, DefaultF0, DefaultVariance
	if arg != "" {
		for _, kv := range strings.Split(arg, ",") {
			k, v, ok := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("solver: prior powerlaw: %q is not key=number (e.g. powerlaw:alpha=2,f0=0.01,var=0.25)", kv)
			}
			switch k {
			case "alpha":
				alpha = x
			case "f0":
				f0 = x
			case "var":
				variance = x
			default:
				return nil, fmt.Errorf("solver: prior powerlaw: unknown key %q (want alpha, f0, var)", k)
			}
		}
	}
	switch {
	case math.IsNaN(alpha) || math.IsInf(alpha, 0):
		return nil, &InputError{Input: "prior powerlaw alpha", Index: -1, Value: alpha, Want: "finite"}
	case !(f0 > 0) || math.IsInf(f0, 0):
		return nil, &InputError{Input: "prior powerlaw f0", Index: -1, Value: f0, Want: "> 0 cycles/pixel"}
	case !(variance > 0) || math.IsInf(variance, 0):
		return nil, &InputError{Input: "prior powerlaw var", Index: -1, Value: variance, Want: "> 0"}
	}
	return PowerLaw(h, w, alpha, f0, variance), nil
}

// PowerLaw returns λ(f) ∝ (f² + f0²)^(-α/2), f in cycles/pixel, scaled so
// that the per-pixel variance mean_k λ_k equals variance.
func PowerLaw(h, w int, alpha, f0, variance float64) []float64 {
	n := h * w
	lam := make([]float64, n)
	var s Sum
	for k := range lam {
		r := dft.Radius(k, h, w)
		lam[k] = math.Pow(r*r+f0*f0, -alpha/2)
		s.Add(lam[k])
	}
	scale := variance * float64(n) / s.Value()
	for k := range lam {
		lam[k] *= scale
	}
	return lam
}

// ImagesPrior returns the average periodogram |F x|² of the PNG/JPEG images
// in dir, each converted to grayscale in [-1, 1], scaled to cover H×W and
// centre-cropped, with its mean removed (so λ_0 = 0).
func ImagesPrior(dir string, h, w int) ([]float64, error) {
	files, err := imageio.List(dir)
	if err != nil {
		return nil, fmt.Errorf("solver: prior images: %w", err)
	}
	n := h * w
	lam := make([]float64, n)
	buf := make([]complex128, n)
	plan := dft.NewPlan(h, w)
	for _, f := range files {
		img, err := imageio.ReadGray(f)
		if err != nil {
			return nil, fmt.Errorf("solver: prior images: %w", err)
		}
		img = imageio.Fit(img, h, w)
		mean := 0.0
		for _, v := range img.Pix {
			mean += 2*v - 1
		}
		mean /= float64(n)
		for k, v := range img.Pix {
			buf[k] = complex(2*v-1-mean, 0)
		}
		plan.Forward(buf)
		for k, c := range buf {
			lam[k] += real(c)*real(c) + imag(c)*imag(c)
		}
	}
	for k := range lam {
		lam[k] /= float64(len(files))
	}
	dft.Symmetrize(lam, h, w)
	return lam, nil
}

// RadialAverage replaces λ by its mean over rings of width 1/max(H, W)
// cycles/pixel, ring = round(|f|·max(H, W)).
func RadialAverage(lam []float64, h, w int) {
	ring := make([]int, len(lam))
	nr := 0
	for k := range lam {
		ring[k] = Ring(k, h, w)
		nr = max(nr, ring[k]+1)
	}
	sums := make([]float64, nr)
	counts := make([]float64, nr)
	for k, v := range lam {
		sums[ring[k]] += v
		counts[ring[k]]++
	}
	for k := range lam {
		lam[k] = sums[ring[k]] / counts[ring[k]]
	}
}

// readGridFile reads a real H×W array (a 1-D array of W values when H = 1).
func readGridFile(what, path string, h, w int) ([]float64, error) {
	a, err := arrayio.Read(path)
	if err != nil {
		return nil, fmt.Errorf("solver: %s %w", what, err)
	}
	if a.Real == nil {
		return nil, fmt.Errorf("solver: %s %s: complex data (want real float64 values)", what, path)
	}
	if err := checkShape(what, path, a.Shape, h, w); err != nil {
		return nil, err
	}
	return a.Real, nil
}

func checkShape(what, path string, shape []int, h, w int) error {
	ok := len(shape) == 2 && shape[0] == h && shape[1] == w || len(shape) == 1 && h == 1 && shape[0] == w
	if !ok {
		return fmt.Errorf("solver: %s %s: shape %v does not match the %dx%d grid (give --size to match the file, or resample the file)", what, path, shape, h, w)
	}
	return nil
}
