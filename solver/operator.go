package solver

import (
	"fmt"
	"math"
	"math/cmplx"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spectune/spectune/solver/internal/arrayio"
	"github.com/spectune/spectune/solver/internal/dft"
	"github.com/spectune/spectune/solver/internal/imageio"
)

// OperatorSpecs documents the accepted --op values.
const OperatorSpecs = "none (ρ ≡ 0: nothing measured, unconditional generation), identity, gaussian:SIGMA, box:N, motion:LEN,ANGLE, lowpass:FC, kernel:PATH (image or .npy), response:PATH (|h| or complex h, .npy or CSV)"

// Operator is a circular convolution (SPEC §2) on an H×W grid.
type Operator struct {
	// Spec is the --op string it was made from.
	Spec string
	// H holds the response h_k where it is known (nil for lowpass and for
	// |h| files), Rho its modulus ρ_k = |h_k|.
	H   []complex128
	Rho []float64
	// Kernel holds κ on the grid (nil where the operator was given as a
	// response).
	Kernel []float64
}

// NewOperator returns the operator described by spec on the H×W grid.
// Responses computed by FFT from real kernels are symmetrised, ρ_k = ρ_{-k}
// exactly, so that mirror frequencies merge.
func NewOperator(spec string, h, w int) (*Operator, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	op := &Operator{Spec: spec}
	n := h * w
	switch kind {
	case "none":
		// The zero operator: y is pure noise, so the posterior is the
		// prior and every method is its unconditional sampler.
		op.Kernel = make([]float64, n)
		op.Rho = make([]float64, n)
		op.H = make([]complex128, n)
		return op, nil
	case "identity":
		op.Kernel = make([]float64, n)
		op.Kernel[0] = 1
		op.Rho = make([]float64, n)
		op.H = make([]complex128, n)
		for k := range op.Rho {
			op.Rho[k], op.H[k] = 1, 1
		}
		return op, nil
	case "gaussian":
		s, err := parseNum(spec, arg, "SIGMA (pixels, ≥ 0)")
		if err != nil {
			return nil, err
		}
		if !(s >= 0) {
			return nil, &InputError{Input: "operator gaussian SIGMA", Index: -1, Value: s, Want: "≥ 0 pixels"}
		}
		return separable(op, h, w, func(n int) []float64 { return gaussian1(n, s) }), nil
	case "box":
		v, err := parseNum(spec, arg, "N (pixels, an integer ≥ 1)")
		if err != nil {
			return nil, err
		}
		if v != math.Trunc(v) || v < 1 || int(v) > min(h, w) {
			return nil, &InputError{Input: "operator box N", Index: -1, Value: v, Want: fmt.Sprintf("an integer in [1, %d]", min(h, w))}
		}
		return separable(op, h, w, func(n int) []float64 { return box1(n, int(v)) }), nil
	case "motion":
		a, b, ok := strings.Cut(arg, ",")
		length, err1 := strconv.ParseFloat(a, 64)
		angle, err2 := strconv.ParseFloat(b, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("solver: operator %q: want motion:LEN,ANGLE (pixels, degrees), e.g. motion:9,30", spec)
		}
		if !(length >= 1) || length > float64(min(h, w)) || math.IsInf(angle, 0) || math.IsNaN(angle) {
			return nil, &InputError{Input: "operator motion LEN", Index: -1, Value: length, Want: fmt.Sprintf("in [1, %d] pixels, with a finite angle", min(h, w))}
		}
		op.Kernel = motionKernel(h, w, length, angle)
		return fromKernel(op, h, w), nil
	case "lowpass":
		fc, err := parseNum(spec, arg, "FC (cycles/pixel)")
		if err != nil {
			return nil, err
		}
		if !(fc > 0) || math.IsInf(fc, 0) {
			return nil, &InputError{Input: "operator lowpass FC", Index: -1, Value: fc, Want: "> 0 cycles/pixel (at most 0.71 does anything)"}
		}
		op.Rho = make([]float64, n)
		for k := range op.Rho {
			if dft.Radius(k, h, w) <= fc {
				op.Rho[k] = 1
			}
		}
		return op, nil
	case "kernel":
		kern, err := readKernel(arg, h, w)
		if err != nil {
			return nil, err
		}
		op.Kernel = kern
		return fromKernel(op, h, w), nil
	case "response":
		return readResponse(op, arg, h, w)
	}
	return nil, fmt.Errorf("solver: unknown operator %q (want %s)", spec, OperatorSpecs)
}

func parseNum(spec, arg, what string) (float64, error) {
	v, err := strconv.ParseFloat(arg, 64)
	if err != nil {
		return 0, fmt.Errorf("solver: operator %q: want a number %s after the colon", spec, what)
	}
	return v, nil
}

// gaussian1 is a wrapped Gaussian of width s on n samples, normalised to sum 1
// (a delta for s = 0).
func gaussian1(n int, s float64) []float64 {
	k := make([]float64, n)
	if s == 0 {
		k[0] = 1
		return k
	}
	t := 0.0
	for i := range k {
		d := float64(min(i, n-i))
		k[i] = math.Exp(-d * d / (2 * s * s))
		t += k[i]
	}
	for i := range k {
		k[i] /= t
	}
	return k
}

// box1 is a box of width m centred at 0: offsets -(m-1)/2 … m/2 (for even m
// one more sample on the positive side).
func box1(n, m int) []float64 {
	k := make([]float64, n)
	for o := -(m - 1) / 2; o <= m/2; o++ {
		k[(o+n)%n] += 1 / float64(m)
	}
	return k
}

// separable builds κ = k_y ⊗ k_x and its response h = h_y h_x from 1-D DFTs
// computed as plain sums, so that symmetric kernels give bit-identical ρ at
// mirror frequencies and at swapped (fx, fy) when H = W.
func separable(op *Operator, h, w int, k1 func(int) []float64) *Operator {
	ky, kx := k1(h), k1(w)
	hy, hx := dft1(ky), dft1(kx)
	n := h * w
	op.Kernel = make([]float64, n)
	op.H = make([]complex128, n)
	op.Rho = make([]float64, n)
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			k := r*w + c
			op.Kernel[k] = ky[r] * kx[c]
			op.H[k] = hy[r] * hx[c]
			op.Rho[k] = cmplx.Abs(hy[r]) * cmplx.Abs(hx[c])
		}
	}
	return op
}

// dft1 is the plain DFT h_k = Σ_n κ[n] e^{-2πikn/N}; for even kernels the
// imaginary part is dropped, since it is only rounding noise.
func dft1(k []float64) []complex128 {
	n := len(k)
	even := true
	for i := 1; i < n; i++ {
		if k[i] != k[n-i] {
			even = false
		}
	}
	out := make([]complex128, n)
	for f := 0; f < n; f++ {
		var re, im float64
		for i, v := range k {
			if v == 0 {
				continue
			}
			// Reduce the phase index exactly in integers and fold it into
			// [0, n/2], so that f and n-f use the same cosines bit for bit.
			r, sgn := (f*i)%n, 1.0
			if 2*r == n { // e^{-iπ} = -1 exactly; sin(π) in floats is not 0
				re -= v
				continue
			}
			if 2*r > n {
				r, sgn = n-r, -1
			}
			ph := 2 * math.Pi * float64(r) / float64(n)
			re += v * math.Cos(ph)
			im -= sgn * v * math.Sin(ph)
		}
		if even {
			im = 0
		}
		out[f] = complex(re, im)
	}
	return out
}

// motionKernel is a line of the given length (pixels) and angle (degrees,
// counter-clockwise from the x axis) centred at the origin, splatted
// bilinearly at 16 samples per pixel and normalised to sum 1.
func motionKernel(h, w int, length, angle float64) []float64 {
	k := make([]float64, h*w)
	th := angle * math.Pi / 180
	dx, dy := math.Cos(th), -math.Sin(th)
	ns := int(math.Ceil(length*16)) + 1
	for s := 0; s < ns; s++ {
		t := (float64(s)/float64(ns-1) - 0.5) * (length - 1)
		x, y := t*dx, t*dy
		x0, y0 := math.Floor(x), math.Floor(y)
		fx, fy := x-x0, y-y0
		for _, c := range [4]struct {
			ox, oy int
			wt     float64
		}{{0, 0, (1 - fx) * (1 - fy)}, {1, 0, fx * (1 - fy)}, {0, 1, (1 - fx) * fy}, {1, 1, fx * fy}} {
			r := ((int(y0)+c.oy)%h + h) % h
			col := ((int(x0)+c.ox)%w + w) % w
			k[r*w+col] += c.wt
		}
	}
	t := 0.0
	for _, v := range k {
		t += v
	}
	for i := range k {
		k[i] /= t
	}
	return k
}

// KernelOperator returns the operator of convolution with kernel κ, given on
// the H×W grid with its centre at pixel (0, 0) and wrap-around (SPEC §2).
func KernelOperator(name string, kernel []float64, h, w int) (*Operator, error) {
	if len(kernel) != h*w {
		return nil, fmt.Errorf("solver: operator %s: kernel has %d values, the %dx%d grid needs %d", name, len(kernel), h, w, h*w)
	}
	if err := checkArray("operator "+name, kernel, false); err != nil {
		return nil, err
	}
	return fromKernel(&Operator{Spec: name, Kernel: append([]float64(nil), kernel...)}, h, w), nil
}

// fromKernel computes h = (plain DFT of κ) = √N·F κ and ρ = |h|, symmetrised.
func fromKernel(op *Operator, h, w int) *Operator {
	n := h * w
	buf := make([]complex128, n)
	for i, v := range op.Kernel {
		buf[i] = complex(v, 0)
	}
	dft.NewPlan(h, w).Forward(buf)
	s := complex(math.Sqrt(float64(n)), 0)
	op.H = buf
	op.Rho = make([]float64, n)
	for k := range buf {
		buf[k] *= s
		op.Rho[k] = cmplx.Abs(buf[k])
	}
	dft.Symmetrize(op.Rho, h, w)
	return op
}

// readKernel reads a kernel image (luminance, normalised to sum 1) or a real
// .npy/CSV kernel (used as given), and places its centre pixel (row kh/2,
// column kw/2) at (0, 0) with wrap-around.
func readKernel(path string, h, w int) ([]float64, error) {
	var kh, kw int
	var vals []float64
	if imageio.IsImage(path) {
		img, err := imageio.ReadGray(path)
		if err != nil {
			return nil, fmt.Errorf("solver: operator kernel: %w", err)
		}
		kh, kw, vals = img.H, img.W, img.Pix
		t := 0.0
		for _, v := range vals {
			t += v
		}
		if t == 0 {
			return nil, fmt.Errorf("solver: operator kernel %s: image is all black (a kernel needs a positive sum)", path)
		}
		for i := range vals {
			vals[i] /= t
		}
	} else {
		a, err := arrayio.Read(path)
		if err != nil {
			return nil, fmt.Errorf("solver: operator kernel %w", err)
		}
		if a.Real == nil {
			return nil, fmt.Errorf("solver: operator kernel %s: complex data (want a real kernel)", path)
		}
		kh, kw, vals = 1, a.Shape[0], a.Real
		if len(a.Shape) == 2 {
			kh, kw = a.Shape[0], a.Shape[1]
		}
		if err := checkArray("operator kernel "+path, vals, false); err != nil {
			return nil, err
		}
	}
	if kh > h || kw > w {
		return nil, fmt.Errorf("solver: operator kernel %s: %dx%d kernel is larger than the %dx%d grid", path, kh, kw, h, w)
	}
	k := make([]float64, h*w)
	for r := 0; r < kh; r++ {
		for c := 0; c < kw; c++ {
			y := ((r-kh/2)%h + h) % h
			x := ((c-kw/2)%w + w) % w
			k[y*w+x] += vals[r*kw+c]
		}
	}
	return k, nil
}

func readResponse(op *Operator, path string, h, w int) (*Operator, error) {
	a, err := arrayio.Read(path)
	if err != nil {
		return nil, fmt.Errorf("solver: operator response %w", err)
	}
	if err := checkShape("operator response", path, a.Shape, h, w); err != nil {
		return nil, err
	}
	if a.Complex != nil {
		op.H = a.Complex
		op.Rho = make([]float64, len(a.Complex))
		for k, c := range a.Complex {
			if cmplx.IsNaN(c) || cmplx.IsInf(c) {
				return nil, &InputError{Input: "operator response " + filepath.Base(path), Index: k, Value: math.NaN(), Want: "a finite complex number"}
			}
			op.Rho[k] = cmplx.Abs(c)
		}
		return op, nil
	}
	if err := checkArray("operator response "+path, a.Real, true); err != nil {
		return nil, err
	}
	op.Rho = a.Real
	return op, nil
}
