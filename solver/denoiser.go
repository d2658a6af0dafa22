package solver

// denoise returns the Gaussian denoiser of SPEC §5 at one step and frequency:
// with v = ᾱ_i λ + 1 - ᾱ_i, the MMSE gain g = Aλ/v (x̂0 = g·x), the noise gain
// e = S/v (ε̂ = e·x) and the conditional variance c = (1-ᾱ_i)λ/v.
func denoise(s *Step, lam float64) (g, e, c float64) {
	iv := 1 / (s.Abar*lam + 1 - s.Abar)
	return s.A * lam * iv, s.S * iv, (1 - s.Abar) * lam * iv
}

// standardInit is x_T ~ N(0, 1): (B, V) = (0, 1) (SPEC §4).
type standardInit struct{}

func (standardInit) init(*Problem, float64, float64) (float64, float64) { return 0, 1 }

func (standardInit) initDeriv(*Problem, float64, float64) (float64, float64) { return 0, 0 }

// noRule marks a method without per-frequency knob rules.
type noRule struct{}

func (noRule) rule(*Problem, Rule, int, float64, float64, []float64) bool { return false }
