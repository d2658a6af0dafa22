package pixel

import (
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/spectune/spectune/solver"
)

// SimulateSettings configure [Sampler.Simulate]. The zero value is usable;
// every default is stated on its field.
type SimulateSettings struct {
	// Knobs are the knobs of the pixel-domain runs; the closed form uses
	// [Sampler.ClosedFormKnobs] of them.
	Knobs Knobs
	// Samples is M, the chains run for each measurement. Zero means 200.
	Samples int
	// Ys is J, the number of measurements y = H x0 + σ_y n, each with its
	// own x0 drawn from the prior. Zero means 4.
	Ys int
	// Seed fixes every random draw: the same seed gives the same result,
	// whatever Workers is.
	Seed uint64
	// Alpha is the familywise significance level of the agreement tests.
	// Zero means 0.001.
	Alpha float64
	// Workers is the number of chains run at once. Zero means
	// runtime.GOMAXPROCS(0).
	Workers int
	// OnChain, when set, is called after every chain (for progress), from
	// the worker goroutines.
	OnChain func()
}

// StatTest is one statistical test of [Sampler.Simulate].
type StatTest struct {
	Name string `json:"name"`
	// Value is the statistic as reported: a mean z² (χ²/dof), a slope or a
	// variance ratio, whose value under agreement is 1.
	Value float64 `json:"value"`
	// SE is the Monte Carlo standard error of Value under agreement.
	SE float64 `json:"se"`
	// DOF is the χ² degrees of freedom (0 for a normal test).
	DOF float64 `json:"dof"`
	// Z is the statistic as a signed standard-normal quantile.
	Z float64 `json:"z"`
	// P is the two-sided p-value; the test passes when P ≥ PMin.
	P    float64 `json:"p"`
	PMin float64 `json:"p_min"`
	Pass bool    `json:"pass"`
}

// FreqCheck compares one frequency's samples with the closed form. Each
// Hermitian pair (k, -k) of a real image appears once.
type FreqCheck struct {
	// Row and Col index the DFT grid; FY and FX are the frequency in
	// cycles/pixel.
	Row    int     `json:"row"`
	Col    int     `json:"col"`
	FY     float64 `json:"fy"`
	FX     float64 `json:"fx"`
	Lambda float64 `json:"lambda"`
	Rho    float64 `json:"rho"`
	// RealValued marks the frequencies that are their own mirror (the
	// mean, the Nyquist lines), whose coefficients are real.
	RealValued bool `json:"real_valued"`
	// Deterministic marks V ≈ 0: the samples are checked to agree with
	// B·Ỹ to rounding instead of by z-scores.
	Deterministic bool `json:"deterministic"`
	// B and V are the closed form's output law N(B·Ỹ, V) (SPEC §8).
	B float64 `json:"B"`
	V float64 `json:"V"`
	// Gain is the regression of the sample means on Ỹ over the y draws,
	// Re Σ conj(Ỹ) m̄ / Σ |Ỹ|², with its standard error GainSE (0 where
	// ρ = 0: no gain to measure); ZGain = (Gain - B)/GainSE and ZPhase is
	// the imaginary part of the same regression over GainSE (0 when the
	// phase is right).
	Gain   float64 `json:"gain"`
	GainSE float64 `json:"gain_se"`
	ZGain  float64 `json:"z_gain"`
	ZPhase float64 `json:"z_phase"`
	// VHat is the pooled sample variance over all y draws; ZV its χ² as a
	// signed normal quantile.
	VHat float64 `json:"V_hat"`
	ZV   float64 `json:"z_V"`
	// MeanChi2 is Σ z² of the sample means against B·Ỹ over the y draws
	// and both parts, on MeanDOF degrees of freedom, with its z and
	// two-sided p-value; VarP is the variance test's p-value.
	MeanChi2 float64 `json:"mean_chi2"`
	MeanDOF  int     `json:"mean_dof"`
	ZMean    float64 `json:"z_mean"`
	MeanP    float64 `json:"mean_p"`
	VarP     float64 `json:"var_p"`
}

// SimulateResult is the outcome of [Sampler.Simulate].
type SimulateResult struct {
	Method  string  `json:"method"`
	Knobs   string  `json:"knobs"`
	Samples int     `json:"samples"`
	Ys      int     `json:"ys"`
	Seed    uint64  `json:"seed"`
	Alpha   float64 `json:"alpha"`
	// ClosedForm is the loss of the closed-form knobs (SPEC §8);
	// MonteCarlo its estimate from the samples, with the standard error
	// LossSE of its total and LossZ = (MC - closed form)/LossSE (0 when
	// there is a single y draw and no error estimate).
	ClosedForm solver.Loss `json:"closed_form_loss"`
	MonteCarlo solver.Loss `json:"monte_carlo_loss"`
	LossSE     float64     `json:"loss_se"`
	LossZ      float64     `json:"loss_z"`
	// Pooled holds the three pooled tests: mean χ², gain slope, variance
	// ratio.
	Pooled []StatTest `json:"pooled"`
	// Tested is the number of frequencies with z-tests; PerFreqPMin the
	// Bonferroni threshold each of their 2·Tested tests must reach.
	Tested      int     `json:"tested_frequencies"`
	PerFreqPMin float64 `json:"per_frequency_p_min"`
	// WorstMean and WorstVariance index Freqs: the smallest mean and
	// variance p-values (-1 when nothing was tested).
	WorstMean     int `json:"worst_mean"`
	WorstVariance int `json:"worst_variance"`
	// Deterministic counts the frequencies with V ≈ 0;
	// DeterministicError is their largest deviation from B·Ỹ (mean or
	// spread) relative to the signal scale, which must stay below
	// DeterministicTol.
	Deterministic      int         `json:"deterministic_frequencies"`
	DeterministicError float64     `json:"deterministic_error"`
	DeterministicTol   float64     `json:"deterministic_tol"`
	Freqs              []FreqCheck `json:"frequencies"`
	// Failures says what disagreed; empty when Pass.
	Failures []string `json:"failures"`
	Pass     bool     `json:"pass"`
}

// Statistical constants of [Sampler.Simulate].
const (
	// detVar: a frequency is deterministic when V ≤ detVar·scale², scale²
	// the larger of max V and the per-pixel prior variance.
	detVar = 1e-14
	// detTol bounds a deterministic frequency's deviation from B·Ỹ, as a
	// fraction of scale.
	detTol = 1e-6
)

// Simulate checks the closed form against the pixel-domain sampler: it
// draws Ys measurements y = H x0 + σ_y n (x0 from the prior), runs Samples
// seeded chains for each with fixed y, and compares, per frequency, the
// sample mean with B_k·Ỹ_k and the sample variance with V_k, where
// N(B_k Ỹ_k, V_k) is the output law that ev computes (SPEC §8). ev must be
// an evaluator of the sampler's problem.
//
// The agreement tests, at familywise level α (Bonferroni):
//   - pooled, α/6 each, two-sided: Σ z² of the sample means (χ² on one
//     degree of freedom per real part); the weighted regression slope of
//     the sample means on B·Ỹ (normal, 1 under agreement); and the pooled
//     variance ratio Σ (sample variance/V), χ² on Σ (M-1)-per-part degrees
//     of freedom;
//   - per frequency, α/(4K) each for K tested frequencies, two-sided: the
//     same mean χ² and variance χ² of that frequency alone;
//   - frequencies with V ≈ 0 must match B·Ỹ to 1e-6 of the signal scale.
//
// The result's Pass says whether all hold; a failed test is not an error.
func (s *Sampler) Simulate(ctx context.Context, ev solver.Evaluator, set SimulateSettings) (*SimulateResult, error) {
	return simulate(ctx, s, s, ev, set)
}

// simulate runs the chains with run and draws the measurements with meas,
// which for [Sampler.Simulate] are the same sampler; tests pass a broken
// run to see the checks fail.
func simulate(ctx context.Context, run, meas *Sampler, ev solver.Evaluator, set SimulateSettings) (*SimulateResult, error) {
	M, J, alpha, workers := set.Samples, set.Ys, set.Alpha, set.Workers
	if M == 0 {
		M = 200
	}
	if J == 0 {
		J = 4
	}
	if alpha == 0 {
		alpha = 0.001
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if M < 2 || J < 1 {
		return nil, fmt.Errorf("pixel: simulate needs at least 2 samples and 1 measurement (got %d samples, %d measurements)", M, J)
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, &solver.InputError{Input: "alpha", Index: -1, Value: alpha, Want: "in (0, 1)"}
	}
	if _, err := run.resolve(set.Knobs); err != nil {
		return nil, err
	}
	p := run.p
	cf := run.ClosedFormKnobs(set.Knobs)
	Bm, Vm := make([]float64, p.Freqs.Len()), make([]float64, p.Freqs.Len())
	if err := ev.Transfer(ctx, cf, Bm, Vm); err != nil {
		return nil, err
	}
	loss, err := ev.Evaluate(ctx, cf, nil)
	if err != nil {
		return nil, err
	}

	n, nh := run.h*run.w, run.h*run.wc
	acc := newMoments(run, meas, J, M)
	y := make([]float64, n)
	for j := 0; j < J; j++ {
		rng := rand.New(rand.NewPCG(set.Seed, 2*uint64(j)+1))
		meas.PriorSample(y, rng)
		meas.Measure(y, y, rng)
		specs, err := runChains(ctx, run, y, set, j, M, workers)
		if err != nil {
			return nil, err
		}
		Y := make([]complex128, nh)
		newFFT(run.h, run.w, 1).forward(Y, y)
		acc.add(j, Y, specs)
	}

	res := &SimulateResult{Method: p.Method.Name, Knobs: run.Label(set.Knobs), Samples: M, Ys: J, Seed: set.Seed,
		Alpha: alpha, ClosedForm: loss, WorstMean: -1, WorstVariance: -1, DeterministicTol: detTol}
	acc.compare(res, Bm, Vm)
	return res, nil
}

// runChains runs M chains on measurement y (draw j) on workers goroutines
// and returns the half spectrum of each sample, in chain order.
func runChains(ctx context.Context, s *Sampler, y []float64, set SimulateSettings, j, M, workers int) ([][]complex128, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([][]complex128, M)
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, M); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float64, s.h*s.w)
			f := newFFT(s.h, s.w, 1)
			for m := range next {
				// Chain streams are even, measurement streams odd.
				rng := rand.New(rand.NewPCG(set.Seed, 2*uint64(j*M+m)))
				if err := s.Sample(ctx, x, y, rng, Settings{Knobs: set.Knobs}); err != nil {
					errs <- err
					cancel()
					return
				}
				X := make([]complex128, f.spectrumLen())
				f.forward(X, x)
				out[m] = X
				if set.OnChain != nil {
					set.OnChain()
				}
			}
		}()
	}
	go func() {
		defer close(next)
		for m := 0; m < M; m++ {
			select {
			case next <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// moments holds, per Hermitian-unique frequency u and draw j, the sample
// mean m̄ and the sum of squared deviations Σ|X - m̄|², with Ỹ. Ỹ is formed
// with the operator that made the measurements, so that a run with another
// operator is caught.
type moments struct {
	s, meas *Sampler
	M, J    int
	idx     []int // half-spectrum index of u
	real    []bool
	mean    [][]complex128 // [u][j]
	ss      [][]float64
	ytilde  [][]complex128
}

func newMoments(s, meas *Sampler, J, M int) *moments {
	a := &moments{s: s, meas: meas, M: M, J: J}
	for r := 0; r < s.h; r++ {
		mr := (s.h - r) % s.h
		for c := 0; c < s.wc; c++ {
			self := c == 0 || 2*c == s.w // column is its own mirror
			if self && mr < r {
				continue // the pair (r, c), (mr, c) is counted at mr
			}
			a.idx = append(a.idx, r*s.wc+c)
			a.real = append(a.real, self && mr == r)
		}
	}
	a.mean = make([][]complex128, len(a.idx))
	a.ss = make([][]float64, len(a.idx))
	a.ytilde = make([][]complex128, len(a.idx))
	for u := range a.idx {
		a.mean[u] = make([]complex128, J)
		a.ss[u] = make([]float64, J)
		a.ytilde[u] = make([]complex128, J)
	}
	return a
}

// add records draw j: the measurement's spectrum Y and the samples'.
func (a *moments) add(j int, Y []complex128, specs [][]complex128) {
	mo := a.meas
	for u, i := range a.idx {
		if rho := mo.rho[i]; rho > 0 {
			a.ytilde[u][j] = Y[i] * cmplx.Conj(mo.resp[i]) / complex(rho, 0) // SPEC §2
		}
		var m complex128
		for _, X := range specs {
			m += X[i]
		}
		m /= complex(float64(len(specs)), 0)
		ss := 0.0
		for _, X := range specs {
			d := X[i] - m
			if a.real[u] {
				ss += real(d) * real(d)
			} else {
				ss += real(d)*real(d) + imag(d)*imag(d)
			}
		}
		if a.real[u] {
			m = complex(real(m), 0)
		}
		a.mean[u][j], a.ss[u][j] = m, ss
	}
}

// compare fills res from the moments and the closed form's (B, V) per
// merged frequency.
func (a *moments) compare(res *SimulateResult, Bm, Vm []float64) {
	s, p := a.s, a.s.p
	M, J := float64(a.M), float64(a.J)
	n := float64(s.h * s.w)
	scale2 := 0.0
	for _, l := range s.lam {
		scale2 += l
	}
	scale2 /= float64(len(s.lam))
	for _, i := range a.idx {
		scale2 = math.Max(scale2, Vm[p.Freqs.Index[s.full[i]]])
	}
	scale := math.Sqrt(scale2)

	var meanChi2, meanDOF, varStat, varDOF, slopeNum, slopeDen float64
	var lossMean, lossVar, seMean2, seVar2 float64
	res.Freqs = make([]FreqCheck, len(a.idx))
	for u, i := range a.idx {
		k := int(s.full[i])
		f := p.Freqs.Index[k]
		B, V := Bm[f], Vm[f]
		e, w, v := p.Target(int(f))
		row, col := k/s.w, k%s.w
		fc := FreqCheck{Row: row, Col: col, FY: freq(row, s.h), FX: freq(col, s.w), Lambda: s.lam[i], Rho: s.rho[i],
			RealValued: a.real[u], B: B, V: V}
		parts := 2.0 // real parts per coefficient
		mult := 2.0  // grid frequencies the pair stands for
		if a.real[u] {
			parts, mult = 1, 1
		}
		ssTot := 0.0
		var num, den, numIm float64
		lm := 0.0
		chi := 0.0
		for j := 0; j < a.J; j++ {
			yt, m := a.ytilde[u][j], a.mean[u][j]
			mu := complex(B, 0) * yt
			d := m - mu
			chi += (real(d)*real(d) + imag(d)*imag(d)) * parts * M
			ssTot += a.ss[u][j]
			c := cmplx.Conj(yt) * m
			num += real(c)
			numIm += imag(c)
			den += real(yt)*real(yt) + imag(yt)*imag(yt)
			dw := m - complex(w, 0)*yt
			lm += real(dw)*real(dw) + imag(dw)*imag(dw)
		}
		fc.VHat = ssTot / (J * (M - 1))
		// Loss parts (SPEC §8) from the samples: E_y|E[X|y] - WỸ|² less
		// the sampling noise V̂/M of each mean, and (√V̂ - √v)². Their
		// standard errors are those under agreement: m̄ - WỸ is Gaussian
		// with variance σ² = (B-W)² E + V/M per coefficient, so |m̄ - WỸ|²
		// has variance σ⁴ (2σ⁴ for a real coefficient); V̂ has variance
		// 2V²/dof, and the delta method carries it to (√V̂ - √v)².
		lossMean += mult * (lm/J - fc.VHat/M)
		sig2 := (B-w)*(B-w)*e + V/M
		seMean2 += mult * mult * (2 / parts) * sig2 * sig2 / J
		dv := math.Sqrt(fc.VHat) - math.Sqrt(v)
		lossVar += mult * dv * dv
		if V > 0 {
			g := (math.Sqrt(V) - math.Sqrt(v)) * math.Sqrt(V) * math.Sqrt(2/(J*(M-1)*parts))
			seVar2 += mult * mult * g * g
		}
		if V <= detVar*scale2 {
			fc.Deterministic = true
			res.Deterministic++
			dev := math.Sqrt(fc.VHat)
			for j := 0; j < a.J; j++ {
				dev = math.Max(dev, cmplx.Abs(a.mean[u][j]-complex(B, 0)*a.ytilde[u][j]))
			}
			res.DeterministicError = math.Max(res.DeterministicError, dev/scale)
			res.Freqs[u] = fc
			continue
		}
		res.Tested++
		// Means: each real part of m̄ - BỸ has variance V/(parts·M).
		fc.MeanChi2 = chi / V
		fc.MeanDOF = a.J * int(parts)
		fc.MeanP, fc.ZMean = chi2Test(fc.MeanChi2, float64(fc.MeanDOF))
		meanChi2 += fc.MeanChi2
		meanDOF += float64(fc.MeanDOF)
		// Variances: Σ|X - m̄|²/(V/parts) is χ² on parts·(M-1) per draw.
		vs, vdof := ssTot*parts/V, J*(M-1)*parts
		fc.VarP, fc.ZV = chi2Test(vs, vdof)
		varStat += vs
		varDOF += vdof
		// Gain regression over the draws, and the pooled slope of m̄ on
		// BỸ, weighted by 1/Var = parts·M/V per real part.
		if den > 0 {
			fc.Gain = num / den
			fc.GainSE = math.Sqrt(V / (parts * M * den))
			fc.ZGain = clampZ((fc.Gain - B) / fc.GainSE)
			fc.ZPhase = clampZ(numIm / den / fc.GainSE)
		}
		wt := parts * M / V
		slopeNum += wt * B * num
		slopeDen += wt * B * B * den
		res.Freqs[u] = fc
	}
	res.MonteCarlo = solver.Loss{Mean: lossMean / n, Variance: lossVar / n}
	res.MonteCarlo.Total = res.MonteCarlo.Mean + res.MonteCarlo.Variance
	if a.J > 1 {
		res.LossSE = math.Sqrt(seMean2+seVar2) / n
		if res.LossSE > 0 {
			res.LossZ = clampZ((res.MonteCarlo.Total - res.ClosedForm.Total) / res.LossSE)
		}
	}

	pooledP := res.Alpha / 6
	if res.Tested > 0 {
		res.PerFreqPMin = res.Alpha / (4 * float64(res.Tested))
		t := StatTest{Name: "mean chi2", Value: meanChi2 / meanDOF, SE: math.Sqrt(2 / meanDOF), DOF: meanDOF, PMin: pooledP}
		t.P, t.Z = chi2Test(meanChi2, meanDOF)
		res.Pooled = append(res.Pooled, t)
		if slopeDen > 0 {
			t = StatTest{Name: "gain slope", Value: slopeNum / slopeDen, SE: 1 / math.Sqrt(slopeDen), PMin: pooledP}
			t.Z = clampZ((t.Value - 1) / t.SE)
			t.P = normalTest(t.Z)
			res.Pooled = append(res.Pooled, t)
		}
		t = StatTest{Name: "variance ratio", Value: varStat / varDOF, SE: math.Sqrt(2 / varDOF), DOF: varDOF, PMin: pooledP}
		t.P, t.Z = chi2Test(varStat, varDOF)
		res.Pooled = append(res.Pooled, t)
	}
	for q := range res.Pooled {
		t := &res.Pooled[q]
		t.Pass = t.P >= t.PMin
		if !t.Pass {
			res.Failures = append(res.Failures, fmt.Sprintf("pooled %s = %.5g (1 ± %.2g under agreement), p = %.3g < %.3g", t.Name, t.Value, t.SE, t.P, t.PMin))
		}
	}
	for u := range res.Freqs {
		fc := &res.Freqs[u]
		if fc.Deterministic {
			continue
		}
		if res.WorstMean < 0 || fc.MeanP < res.Freqs[res.WorstMean].MeanP {
			res.WorstMean = u
		}
		if res.WorstVariance < 0 || fc.VarP < res.Freqs[res.WorstVariance].VarP {
			res.WorstVariance = u
		}
	}
	if u := res.WorstMean; u >= 0 && res.Freqs[u].MeanP < res.PerFreqPMin {
		fc := res.Freqs[u]
		res.Failures = append(res.Failures, fmt.Sprintf("frequency (fy, fx) = (%.4g, %.4g): sample means are off B·Ỹ, χ² = %.4g on %d dof, p = %.3g < %.3g", fc.FY, fc.FX, fc.MeanChi2, fc.MeanDOF, fc.MeanP, res.PerFreqPMin))
	}
	if u := res.WorstVariance; u >= 0 && res.Freqs[u].VarP < res.PerFreqPMin {
		fc := res.Freqs[u]
		res.Failures = append(res.Failures, fmt.Sprintf("frequency (fy, fx) = (%.4g, %.4g): sample variance %.5g vs V = %.5g, p = %.3g < %.3g", fc.FY, fc.FX, fc.VHat, fc.V, fc.VarP, res.PerFreqPMin))
	}
	if res.DeterministicError > detTol {
		res.Failures = append(res.Failures, fmt.Sprintf("frequencies with V ≈ 0 deviate from B·Ỹ by %.3g of the signal scale (want ≤ %g)", res.DeterministicError, detTol))
	}
	res.Pass = len(res.Failures) == 0
	if res.Failures == nil {
		res.Failures = []string{}
	}
}

// freq returns DFT index k of an axis of length n in cycles/sample, in
// [-½, ½).
func freq(k, n int) float64 {
	if 2*k < n {
		return float64(k) / float64(n)
	}
	return float64(k-n) / float64(n)
}
