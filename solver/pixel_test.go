package solver_test

import (
	"context"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/internal/dft"
)

// pixelDPS runs DPS as the algorithm is written, in pixel space: the
// Gaussian denoiser through FFTs, the blur and its adjoint as direct circular
// sums over the kernel's taps, fresh noise each step and the step size
// ζ_i = s/‖y - H x̂0‖ from the chain's own residual (or zeta[i-1] when
// fixed is set). It returns the DFT of each sample of x_0.
func pixelDPS(p *solver.Problem, lam, kern, y []float64, zeta []float64, fixed bool, samples int, seed uint64) [][]complex128 {
	h, w := p.H, p.W
	n := h * w
	plan := dft.NewPlan(h, w)
	r := rand.New(rand.NewPCG(seed, 99))
	type tap struct {
		dy, dx int
		v      float64
	}
	var taps []tap
	for k, v := range kern {
		if v != 0 {
			taps = append(taps, tap{k / w, k % w, v})
		}
	}
	conv := func(dst, src []float64, adjoint bool) {
		for i := range dst {
			dst[i] = 0
		}
		for yy := 0; yy < h; yy++ {
			for xx := 0; xx < w; xx++ {
				s := 0.0
				for _, t := range taps {
					// (κ ⊛ x)[n] = Σ_m κ[m] x[n-m]; the adjoint correlates.
					sy, sx := yy-t.dy, xx-t.dx
					if adjoint {
						sy, sx = yy+t.dy, xx+t.dx
					}
					s += t.v * src[((sy%h+h)%h)*w+(sx%w+w)%w]
				}
				dst[yy*w+xx] = s
			}
		}
	}
	buf := make([]complex128, n)
	// denoise applies x ↦ F* diag(g) F x, the MMSE denoiser of SPEC §5.
	denoise := func(dst, src []float64, st *solver.Step) {
		for k := range buf {
			buf[k] = complex(src[k], 0)
		}
		plan.Forward(buf)
		for k := range buf {
			g := st.A * lam[k] / (st.Abar*lam[k] + 1 - st.Abar)
			buf[k] *= complex(g, 0)
		}
		plan.Inverse(buf)
		for k := range dst {
			dst[k] = real(buf[k])
		}
	}
	out := make([][]complex128, samples)
	x := make([]float64, n)
	x0 := make([]float64, n)
	res := make([]float64, n)
	tmp := make([]float64, n)
	gr := make([]float64, n)
	for m := range out {
		for k := range x {
			x[k] = r.NormFloat64()
		}
		for i := p.T(); i >= 1; i-- {
			st := &p.Steps[i-1]
			denoise(x0, x, st)
			conv(tmp, x0, false)
			norm := 0.0
			for k := range res {
				res[k] = y[k] - tmp[k]
				norm += res[k] * res[k]
			}
			z := zeta[i-1]
			if !fixed {
				z = 0.3 / math.Sqrt(norm)
			}
			// ∇_x ½‖y - H x̂0(x)‖² = -Jᵀ Hᵀ r, with J = ∂x̂0/∂x the
			// (symmetric) denoiser.
			conv(tmp, res, true)
			denoise(gr, tmp, st)
			for k := range x {
				eps := (x[k] - st.A*x0[k]) / st.S
				x[k] = st.Ap*x0[k] + st.D*eps + st.Sigma*r.NormFloat64() + z*gr[k]
			}
		}
		s := make([]complex128, n)
		for k := range s {
			s[k] = complex(x[k], 0)
		}
		plan.Forward(s)
		out[m] = s
	}
	return out
}

// TestPixelDPS checks the closed form against a pixel-domain run of DPS with
// a non-symmetric kernel, for one fixed measurement y: per frequency,
// the sample mean of X_0 must be B_k Ỹ_k and its spread V_k, as pooled
// z-statistics. With the surrogate step sizes ζ_i = s/R_i the two are the
// same law; with the real data-dependent rule ζ_i = s/‖r‖ they agree to the
// extent the residual norm concentrates (SPEC §6, §10).
func TestPixelDPS(t *testing.T) {
	if testing.Short() {
		t.Skip("pixel-domain Monte Carlo takes seconds; skipped in -short mode")
	}
	const H, W, T, M = 40, 40, 12, 250
	lam := solver.PowerLaw(H, W, 1, 0.02, 0.25)
	// A kernel with no symmetry at all, so that h is complex and the phase
	// normalisation Ỹ = Y conj(h)/ρ matters.
	kern := make([]float64, H*W)
	// Its taps sit around pixel (2, 3), far from (0, 0), so that h has a
	// large phase even at the low frequencies where the signal is.
	for _, tp := range []struct {
		y, x int
		v    float64
	}{{2, 3, 0.35}, {2, 4, 0.25}, {3, 3, 0.15}, {3, 4, 0.1}, {4, 4, 0.1}, {1, 2, 0.05}} {
		kern[tp.y*W+tp.x] = tp.v
	}
	op, err := solver.KernelOperator("asymmetric", kern, H, W)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := solver.NewGrid("vp-linear", T)
	p, err := solver.NewProblem(solver.Config{Height: H, Width: W, Prior: lam, Response: op.Rho, SigmaY: 0.1, Grid: g, Method: "dps", NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	k := p.Heuristic()
	ev, _ := cpu.New().Prepare(context.Background(), p)
	B, V := make([]float64, p.N()), make([]float64, p.N())
	if err := ev.Transfer(context.Background(), k, B, V); err != nil {
		t.Fatal(err)
	}
	// One measurement y = κ ⊛ x0 + σ_y n, x0 drawn from the prior.
	r := rand.New(rand.NewPCG(5, 5))
	n := H * W
	plan := dft.NewPlan(H, W)
	X0 := make([]complex128, n)
	for i := range X0 {
		X0[i] = complex(r.NormFloat64(), 0)
	}
	plan.Forward(X0)
	Y := make([]complex128, n)
	for i := range X0 {
		X0[i] *= complex(math.Sqrt(lam[i]), 0)
		Y[i] = op.H[i] * X0[i]
	}
	plan.Inverse(Y)
	y := make([]float64, n)
	for i := range y {
		y[i] = real(Y[i]) + 0.1*r.NormFloat64()
		Y[i] = complex(y[i], 0)
	}
	plan.Forward(Y)
	// Ỹ_k = Y_k conj(h_k)/ρ_k (SPEC §2).
	Yt := make([]complex128, n)
	for i := range Y {
		if rho := cmplx.Abs(op.H[i]); rho > 0 {
			Yt[i] = Y[i] * cmplx.Conj(op.H[i]) / complex(rho, 0)
		}
	}
	for _, tc := range []struct {
		name  string
		fixed bool
		tol   float64 // allowed |pooled statistic - 1| in units of its MC sd
	}{
		{"surrogate step", true, 4},
		{"real residual-norm step", false, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := pixelDPS(p, lam, op.Kernel, y, k.Values[0], tc.fixed, M, 11)
			var zsum, vsum, num, den float64
			cnt := 0
			for f := 0; f < n; f++ {
				mf := dft.Mirror(f, H, W)
				if mf < f || V[f] <= 0 {
					continue // each Hermitian pair once
				}
				var mean complex128
				for _, s := range xs {
					mean += s[f]
				}
				mean /= M
				var ss float64
				for _, s := range xs {
					d := s[f] - mean
					ss += real(d)*real(d) + imag(d)*imag(d)
				}
				want := complex(B[f], 0) * Yt[f]
				// Regression of the sample means on the prediction,
				// weighted by 1/Var(mean).
				num += (real(want)*real(mean) + imag(want)*imag(mean)) / V[f]
				den += (real(want)*real(want) + imag(want)*imag(want)) / V[f]
				if mf == f { // real-valued frequency: all variance in the real part
					z := (real(mean) - real(want)) / math.Sqrt(V[f]/M)
					zsum += z * z
					cnt++
				} else {
					zr := (real(mean) - real(want)) / math.Sqrt(V[f]/(2*M))
					zi := (imag(mean) - imag(want)) / math.Sqrt(V[f]/(2*M))
					zsum += zr*zr + zi*zi
					cnt += 2
				}
				vsum += ss / float64(M-1) / V[f]
			}
			pairs := float64(n) / 2
			chi := zsum / float64(cnt)
			vr := vsum / pairs
			sdChi := math.Sqrt(2 / float64(cnt))
			sdV := math.Sqrt(2.0 / float64(M) / pairs)
			slope, sdSlope := num/den, 1/math.Sqrt(den*M)
			t.Logf("mean z² = %.4f (MC sd %.4f), slope of mean on B·Ỹ = %.4f (sd %.4f), mean sample var/V = %.4f (MC sd %.4f)", chi, sdChi, slope, sdSlope, vr, sdV)
			if math.Abs(slope-1) > tc.tol*sdSlope {
				t.Errorf("sample means regressed on B·Ỹ have slope %.4f, want 1 ± %.4f", slope, tc.tol*sdSlope)
			}
			if math.Abs(chi-1) > tc.tol*sdChi {
				t.Errorf("mean of z² over %d components is %.4f, want 1 ± %.4f: sample means are not B·Ỹ", cnt, chi, tc.tol*sdChi)
			}
			if math.Abs(vr-1) > tc.tol*sdV {
				t.Errorf("pooled sample variance / V = %.4f, want 1 ± %.4f", vr, tc.tol*sdV)
			}
		})
	}
}
