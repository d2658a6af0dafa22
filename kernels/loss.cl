// loss.cl — the loss parts of SPEC §8 without gradient: per frequency
// ℓ = E(B - W)² + (√V - √v)² after the forward recursion, weighted by the
// multiplicity m, summed over each work-group.
//
// Reference: cpu/recursion.go lossChunk with grad = false. The host adds the
// per-group partials in group order with compensated (Neumaier) sums and
// divides by N, so the loss matches the reference to ~1e-15 relative.
//
// Compiled after common.cl and coeffs.cl.
// Tunables: WGS (a power of two), VW, STEP_BARRIER, REDUCE_SERIAL, METHOD.
// Preconditions: local size WGS, global size a multiple of WGS; the
// frequency arrays hold padding (λ = ρ = m = 0, band -1) up to base +
// global size·VW, which contributes zeros; part holds 2·(gbase + groups)
// doubles.

// loss writes, for work-group grp, part[2(gbase+grp)] = Σ m·mean and
// part[2(gbase+grp)+1] = Σ m·variance over the group's WGS·VW frequencies,
// each work-item adding its lanes in order first.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
loss(const int base, const int T, const int nb, const int rule, const int spectral, const double sy,
     __global const double *restrict steps, __global const double *restrict knobs,
     __global const double *restrict lambda, __global const double *restrict rho,
     __global const double *restrict mult, __global const int *restrict band, const int gbase,
     __global double *restrict part) {
    __local double xm[WGS], xv[WGS];
    int lid = get_local_id(0);
    int f = base + get_global_id(0) * VW;
    vreal lam = VLOAD(lambda + f);
    vreal r = VLOAD(rho + f);
    vreal m = VLOAD(mult + f);
    int bd[VW];
    for (int k = 0; k < VW; k++) {
        bd[k] = max(band[f + k], 0);
    }
    vreal B, V, mean, vari, dB, dV;
    forward(steps, knobs, rule, T, nb, bd, lam, r, sy, spectral, &B, &V);
    freq_loss(lam, r, sy, B, V, &mean, &vari, &dB, &dV);
    xm[lid] = hsum(m * mean);
    xv[lid] = hsum(m * vari);
    double sm, sv;
    reduce_sum2(xm, xv, lid, &sm, &sv);
    if (lid == 0) {
        size_t g = (size_t)gbase + get_group_id(0);
        part[2 * g] = sm;
        part[2 * g + 1] = sv;
    }
}
