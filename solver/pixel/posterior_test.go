package pixel_test

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPosteriorMSE draws x from the prior, measures it, and checks the
// mean squared error of an exact posterior sample against its theoretical
// value: x and the sample are independent given y, both from the
// posterior, so E‖x - x̂‖²/N = 2·mean_k v_k (twice the MMSE), and the
// posterior mean's is mean_k v_k. The agreement is required within four
// standard errors of the spread over seeds.
func TestPosteriorMSE(t *testing.T) {
	const H, W, seeds = 48, 40, 40
	s := newSampler(t, H, W, "ddim", nil, 0.05, 4, nil)
	mmse := s.PosteriorVariance()
	x := make([]float64, H*W)
	y := make([]float64, H*W)
	xs := make([]float64, H*W)
	var sample, mean []float64
	for seed := uint64(1); seed <= seeds; seed++ {
		r := rand.New(rand.NewPCG(seed, 77))
		s.PriorSample(x, r)
		s.Measure(y, x, r)
		s.Posterior(xs, y, r)
		sample = append(sample, mse(x, xs))
		s.Posterior(xs, y, nil)
		mean = append(mean, mse(x, xs))
	}
	for _, tc := range []struct {
		name string
		mses []float64
		want float64
	}{{"posterior sample", sample, 2 * mmse}, {"posterior mean", mean, mmse}} {
		m, sd := meanSD(tc.mses)
		se := sd / math.Sqrt(seeds)
		t.Logf("%s: MSE %.5g ± %.2g (spread %.2g over %d seeds), theory %.5g", tc.name, m, se, sd, seeds, tc.want)
		if math.Abs(m-tc.want) > 4*se {
			t.Errorf("%s: MSE %.5g, theory %.5g (allowed ± %.2g, 4 standard errors)", tc.name, m, tc.want, 4*se)
		}
	}
}

func mse(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return s / float64(len(a))
}

func meanSD(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	v := 0.0
	for _, u := range x {
		v += (u - m) * (u - m)
	}
	return m, math.Sqrt(v / float64(len(x)-1))
}
