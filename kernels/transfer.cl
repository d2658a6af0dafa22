// transfer.cl — the output law of every merged frequency (SPEC §8):
// composing the steps in sampling order from the init,
//
//   for i = T … 1:  B ← a B + b,  V ← a² V + c²,
//
// the sampler's output given y is N(B·Ỹ, V). Reference: cpu/recursion.go
// (worker.forward), used by Evaluator.Transfer and the Monte Carlo checks.
//
// Compiled after common.cl and coeffs.cl.
// Tunables: WGS, VW, STEP_BARRIER, METHOD (common.cl).
// Preconditions: local size WGS, global size a multiple of WGS covering
// ceil(n/VW) work-items; the frequency arrays hold padding (λ = ρ = m = 0,
// band -1) up to base + global size·VW; out holds 2·cap doubles, cap ≥ n.

// transfer writes B of frequency base+f to out[f] and V to out[cap+f] for
// f < n, and nothing else. knobs holds the T×B tables (solver.Knobs.Values,
// concatenated) unless rule names a per-frequency rule.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
transfer(const int n, const int base, const int T, const int nb, const int rule, const int spectral, const double sy,
         __global const double *restrict steps, __global const double *restrict knobs,
         __global const double *restrict lambda, __global const double *restrict rho,
         __global const int *restrict band, const int cap, __global double *restrict out) {
    int f0 = get_global_id(0) * VW; // first frequency of this work-item, within the chunk
    vreal lam = VLOAD(lambda + base + f0);
    vreal r = VLOAD(rho + base + f0);
    int bd[VW];
    for (int k = 0; k < VW; k++) {
        bd[k] = max(band[base + f0 + k], 0);
    }
    vreal B, V;
    forward(steps, knobs, rule, T, nb, bd, lam, r, sy, spectral, &B, &V);
    if (f0 + VW <= n) {
        VSTORE(B, out + f0);
        VSTORE(V, out + cap + f0);
    } else if (f0 < n) {
        double tb[VW], tv[VW];
        VSTORE(B, tb);
        VSTORE(V, tv);
        for (int k = 0; f0 + k < n; k++) {
            out[f0 + k] = tb[k];
            out[cap + f0 + k] = tv[k];
        }
    }
}
