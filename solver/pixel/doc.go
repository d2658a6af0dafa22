// Package pixel runs the samplers of SPEC §6 in the pixel domain, as the
// algorithms are written, so that the closed form of package solver can be
// checked against them and so that designed knobs can restore real images.
//
// A [Sampler] holds images: the state x_i, the measurement y and white pixel
// noise drawn fresh at every step (drawn directly in the Fourier domain,
// with the law of F z, where the algorithm gives it a gain that differs
// per frequency). The operators the algorithms use are
// applied through FFTs as the multipliers they are for a circulant model:
// the prior's Gaussian denoiser x̂0 = E[x0 | x_i] (SPEC §5), the blur H (the
// response h_k, with its phase) and its adjoint Hᵀ (conj(h_k)), DDNM's
// pseudo-inverse H† (1/h_k where h_k ≠ 0), ΠGDM's (r² H Hᵀ + σ_y²)⁻¹, and
// DiffPIR's proximal solve (Hᵀ H + ρ_i)⁻¹. Every update is written from the
// algorithm's own operations (x̂0 from the denoiser, the residual
// y - H x̂0, the gradient back through Hᵀ and the denoiser's Jacobian, the
// projection, the re-noising), never from the per-frequency coefficients
// a, b, c of package solver; only the ᾱ grid and its scalars
// ([solver.Step]) and the knob tables are shared. DPS takes its real
// data-dependent step ζ_i = s/‖y - H x̂0‖ by default. A knob table with B > 1
// bands acts as an FFT-domain gain per radial band on the term the knob
// scales (SPEC §7).
//
// [Sampler.Simulate] runs seeded chains for a few fixed measurements and
// tests, per frequency and pooled, that the sample means and variances are
// the closed form's B_k·Ỹ_k and V_k. [Sampler.Posterior] samples the exact
// posterior. [ReadImage], [Image.Fit], [PSNR], [SSIM] and [Montage] serve
// `spectune restore`.
//
// Conventions: images are row-major H×W float64 in model units [-1, 1];
// the DFT is unitary (SPEC §2) and real images are kept as half spectra
// (columns 0…W/2), so H x = F*(h ⊙ F x) for the plain DFT h of the kernel.
//
//	SPEC §2   measurements, prior draws   measure.go
//	SPEC §3   exact posterior             posterior.go
//	SPEC §5   Gaussian denoiser           denoiser.go
//	SPEC §6   methods                     ddim.go, dps.go, pigdm.go, ddnm.go,
//	                                      ddrm.go, diffpir.go, oracle.go
//	SPEC §7   knob bands                  sampler.go (knobGain)
//	SPEC §8   closed form vs samples      simulate.go, stats.go
package pixel
