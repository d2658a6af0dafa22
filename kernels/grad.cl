// grad.cl — the loss of SPEC §8 and its exact gradient with respect to every
// knob table entry and, on request, every grid value ᾱ_i, by reverse mode
// through the recursion. With P_i the product of a over the steps executed
// after step i, and B_i, V_i the state before step i,
//
//   ∂ℓ/∂κ_i = ∂ℓ/∂B · P_i (∂a·B_i + ∂b) + ∂ℓ/∂V · P_i² (2a ∂a·V_i + ∂c²),
//
// summed over frequencies (times m) per step i and band. Step i's
// coefficients depend on ᾱ_i (GridX) and ᾱ_{i-1} (GridP), so with
// w_a = pb·B_i + pv·2a·V_i, pb = ∂ℓ/∂B·P_i, pv = ∂ℓ/∂V·P_i²,
//
//   ∂ℓ/∂ᾱ_i = w_a·GridX_a + pb·GridX_b + pv·GridX_c² of step i
//           + w_a·GridP_a + pb·GridP_b + pv·GridP_c² of step i+1,
//
// plus, for i = T, the init's ∂B/∂ᾱ_T, ∂V/∂ᾱ_T (ddrm); ᾱ_0 = 1 is fixed.
// Reference: cpu/recursion.go (worker.lossChunk, worker.adjoint,
// worker.adjointGrid).
//
// Three kernels:
//   grad         one work-item per frequency: forward pass recording B_i, V_i
//                in scratch, loss partial per group, then the adjoint pass
//                (i = 1 … T) reducing each step's contributions over the
//                group in local memory, per band of the group, into gpart.
//                Compiled for methods with knobs only (NQ > 0).
//   grad_grid    grad plus the grid gradient: each work-item writes its
//                per-level sums over its lanes into the scratch slots that
//                the adjoint pass has already consumed, and after the pass
//                the group sums each level over its work-items in order into
//                ggpart (one slot of T+1 levels per group): one barrier in
//                all instead of one reduction per step. Also compiled for
//                methods without knobs.
//   grad_reduce  one work-item per (knob, band, step), then one per grid
//                level: sums the gpart slots of that band over the chunk's
//                groups, and the ggpart slots over the chunk's groups, in
//                group order, into gacc and ggacc (= on the first chunk, +=
//                after).
// No atomics: every sum has a fixed order, so results are deterministic.
//
// Compiled after common.cl and coeffs.cl.
// Tunables: WGS (a power of two), VW, STEP_BARRIER, REDUCE_SERIAL,
// SCRATCH_LOCAL, METHOD.
// Preconditions: the chunk's frequencies are sorted by band, so that each
// group spans the bands groups[3g] … groups[3g+1] and each band's slots are
// contiguous; local size WGS, global size a multiple of WGS; the frequency
// arrays hold padding (λ = ρ = m = 0, band -1) up to base + global size·VW;
// scratch holds 2·T·WGS·VW doubles per group of the chunk (global) or for
// the group (SCRATCH_LOCAL); gpart holds NQ·slots·T doubles; ggpart holds
// (T+1) doubles per group of the chunk.

// grad_body is the body of grad (grid = 0) and grad_grid (grid = 1). The
// kernels pass grid as a constant, so after inlining each compiles without
// the other's work: the knob-only gradient computes no grid partials (the
// compiler drops them with the unused fields of coeffs_t).
//
// It handles the chunk starting at frequency base for table knobs. It
// writes part[2(gbase+grp)], part[2(gbase+grp)+1] (the group's Σ m·mean and
// Σ m·variance) and, for every band b of the group and step j,
// gpart[(q·slots + off + b - blo)·T + j] = Σ over the group's frequencies of
// band b of m·∂ℓ/∂κ_q at step j+1 (lanes of a work-item first, in order).
// groups[3g … 3g+2] = (blo, bhi, off) of problem-wide group g. With grid,
// it also writes ggpart[grp·(T+1) + i] = Σ over the group's frequencies of
// m·∂ℓ/∂ᾱ_i for i = 1 … T (lanes first, then work-items in order), and 0
// for i = 0. Padding frequencies run the recursion on λ = ρ = 0, so that
// every barrier is reached, and contribute zeros (m = 0, band -1).
static inline __attribute__((always_inline)) void
grad_body(const int grid, const int base, const int T, const int nb, const int spectral, const double sy,
          __global const double *restrict steps, __global const double *restrict knobs,
          __global const double *restrict lambda, __global const double *restrict rho,
          __global const double *restrict mult, __global const int *restrict band,
          __global const int *restrict groups, const int gbase, const int slots,
          SCRATCH_SPACE double *restrict scratch, __global double *restrict part, __global double *restrict gpart,
          __global double *restrict ggpart, __local double *x0, __local double *x1) {
    int lid = get_local_id(0);
    int grp = get_group_id(0);
    int f = base + get_global_id(0) * VW;
    vreal lam = VLOAD(lambda + f);
    vreal r = VLOAD(rho + f);
    vreal m = VLOAD(mult + f);
    int bd[VW];       // knob table column per lane (padding: 0)
    double bdv[VW];   // band per lane (padding: -1, matches no band)
    for (int k = 0; k < VW; k++) {
        bdv[k] = band[f + k];
        bd[k] = max(band[f + k], 0);
    }
    vreal bandv = VLOAD(bdv);

    // Forward pass, recording the state before each step.
    vreal B, V;
    init_state(steps, T, r, sy, &B, &V);
    for (int j = T - 1; j >= 0; j--) {
        __global const double *st = steps + (size_t)j * NS;
        VSTORE(B, scratch + SCRATCH(SCRATCH_GROUP(grp), T, j, 0, lid));
        VSTORE(V, scratch + SCRATCH(SCRATCH_GROUP(grp), T, j, 1, lid));
        vreal k0, k1;
        knob_values(knobs, st, RULE_TABLE, T, nb, j, bd, lam, r, sy, &k0, &k1);
        coeffs_t c;
        step_coeffs(st, j, lam, r, sy, spectral, k0, k1, 0, &c);
        B = c.a * B + c.b;
        V = c.a * c.a * V + c.c2;
#if STEP_BARRIER
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
    }

    vreal mean, vari, dB, dV;
    freq_loss(lam, r, sy, B, V, &mean, &vari, &dB, &dV);
    x0[lid] = hsum(m * mean);
    x1[lid] = hsum(m * vari);
    double sm, sv;
    reduce_sum2(x0, x1, lid, &sm, &sv);
    size_t g = (size_t)gbase + grp;
    if (lid == 0) {
        part[2 * g] = sm;
        part[2 * g + 1] = sv;
    }
    vreal gB = m * dB;
    vreal gV = m * dV;
#if NQ > 0
    int blo = groups[3 * g], bhi = groups[3 * g + 1], off = groups[3 * g + 2];
#endif

    // Adjoint pass in reverse sampling order, i = 1 … T. cx carries step
    // i's GridX contribution to ᾱ_i until step i+1 adds its GridP one.
    vreal P = 1;
    vreal cx = 0;
    for (int j = 0; j < T; j++) {
        __global const double *st = steps + (size_t)j * NS;
        vreal bb = VLOAD(scratch + SCRATCH(SCRATCH_GROUP(grp), T, j, 0, lid));
        vreal vb = VLOAD(scratch + SCRATCH(SCRATCH_GROUP(grp), T, j, 1, lid));
        vreal k0, k1;
        knob_values(knobs, st, RULE_TABLE, T, nb, j, bd, lam, r, sy, &k0, &k1);
        coeffs_t c;
        step_coeffs(st, j, lam, r, sy, spectral, k0, k1, grid, &c);
        vreal pb = gB * P, pv = gV * P * P;
#if NQ == 1
        vreal c0 = pb * (c.da0 * bb + c.db0) + pv * (2 * c.a * c.da0 * vb + c.dc20);
#elif NQ == 2
        vreal t = 2 * c.a * vb;
        vreal c0 = pb * (c.da0 * bb + c.db0) + pv * (t * c.da0 + c.dc20);
        vreal c1 = pb * (c.da1 * bb + c.db1) + pv * (t * c.da1 + c.dc21);
#endif
        if (grid) {
            vreal wa = pb * bb + pv * 2 * c.a * vb;
            if (j > 0) {
                // ᾱ_j is complete: step j's GridX part and this step's
                // GridP part. Its slot, V before step j, is consumed.
                vreal cp = wa * c.gp0 + pb * c.gp1 + pv * c.gp2;
                VSTORE(cx + cp, scratch + SCRATCH(SCRATCH_GROUP(grp), T, j - 1, 1, lid));
            }
            cx = wa * c.gx0 + pb * c.gx1 + pv * c.gx2;
        }
        P *= c.a;
#if NQ > 0
        // Groups usually span one band (always for B = 1); the loop is
        // uniform over the group, so every item reaches every barrier.
        for (int b = blo; b <= bhi; b++) {
            size_t o = (size_t)(off + b - blo) * (size_t)T + (size_t)j;
            x0[lid] = hsum(SEL(bandv == (double)b, c0, (vreal)0));
#if NQ == 1
            double s = reduce_sum(x0, lid);
            if (lid == 0) {
                gpart[o] = s;
            }
#else
            x1[lid] = hsum(SEL(bandv == (double)b, c1, (vreal)0));
            double s0, s1;
            reduce_sum2(x0, x1, lid, &s0, &s1);
            if (lid == 0) {
                gpart[o] = s0;
                gpart[(size_t)slots * (size_t)T + o] = s1;
            }
#endif
        }
#endif
    }
    if (!grid) {
        return;
    }
    // ᾱ_T: step T's GridX part and the init's (P is now the product of
    // every a), as cpu adjointGrid adds it where the init moves.
    vreal top = cx;
#if METHOD == METHOD_DDRM
    vreal dB0, dV0;
    init_deriv(steps, T, r, sy, &dB0, &dV0);
    top = cx + SEL((dB0 != 0) | (dV0 != 0), gB * P * dB0 + gV * P * P * dV0, (vreal)0);
#endif
    VSTORE(top, scratch + SCRATCH(SCRATCH_GROUP(grp), T, T - 1, 1, lid));
    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
    // Work-item lid sums levels lid+1, lid+1+WGS, … over the group's
    // work-items in order.
    __global double *out = ggpart + (size_t)grp * (size_t)(T + 1);
    if (lid == 0) {
        out[0] = 0;
    }
    for (int i = 1 + lid; i <= T; i += WGS) {
        double s = 0;
        for (int w = 0; w < WGS; w++) {
            s += hsum(VLOAD(scratch + SCRATCH(SCRATCH_GROUP(grp), T, i - 1, 1, w)));
        }
        out[i] = s;
    }
}

#if NQ > 0

// grad is the knob gradient: grad_body without the grid.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
grad(const int base, const int T, const int nb, const int spectral, const double sy,
     __global const double *restrict steps, __global const double *restrict knobs,
     __global const double *restrict lambda, __global const double *restrict rho,
     __global const double *restrict mult, __global const int *restrict band,
     __global const int *restrict groups, const int gbase, const int slots,
     SCRATCH_SPACE double *restrict scratch, __global double *restrict part, __global double *restrict gpart) {
    __local double x0[WGS], x1[WGS];
    grad_body(0, base, T, nb, spectral, sy, steps, knobs, lambda, rho, mult, band, groups, gbase, slots, scratch, part,
              gpart, 0, x0, x1);
}

#endif

// grad_grid is the knob and grid gradient: grad_body with the grid, which
// also writes ggpart. Methods without knobs ignore knobs, groups, slots and
// gpart.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
grad_grid(const int base, const int T, const int nb, const int spectral, const double sy,
          __global const double *restrict steps, __global const double *restrict knobs,
          __global const double *restrict lambda, __global const double *restrict rho,
          __global const double *restrict mult, __global const int *restrict band,
          __global const int *restrict groups, const int gbase, const int slots,
          SCRATCH_SPACE double *restrict scratch, __global double *restrict part, __global double *restrict gpart,
          __global double *restrict ggpart) {
    __local double x0[WGS], x1[WGS];
    grad_body(1, base, T, nb, spectral, sy, steps, knobs, lambda, rho, mult, band, groups, gbase, slots, scratch, part,
              gpart, ggpart, x0, x1);
}

// grad_reduce sums, for knob q, band b and step j (work-item
// (q·nb + b)·T + j), the slots lo … hi-1 of gpart in order, where
// (lo, hi) = band_slots[2(chunk·nb + b) …] is the band's slot range in this
// chunk, and stores the sum into gacc[q·T·nb + j·nb + b] (accumulate = 0)
// or adds it (accumulate = 1). When ggroups > 0 (a grid gradient), the
// T+1 work-items after those sum level i of the chunk's ggroups group slots
// ggpart[g·(T+1) + i] in group order into ggacc[i] the same way.
// Consecutive work-items read consecutive steps (levels) of a slot, so
// loads coalesce.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
grad_reduce(const int T, const int nb, const int slots, __global const int *restrict band_slots, const int chunk,
            const int accumulate, __global const double *restrict gpart, __global double *restrict gacc,
            const int ggroups, __global const double *restrict ggpart, __global double *restrict ggacc) {
    size_t idx = get_global_id(0);
#if NQ > 0
    size_t total = (size_t)NQ * (size_t)nb * (size_t)T;
    if (idx < total) {
        size_t j = idx % (size_t)T;
        size_t qb = idx / (size_t)T;
        size_t b = qb % (size_t)nb;
        size_t q = qb / (size_t)nb;
        __global const int *bs = band_slots + 2 * (size_t)chunk * (size_t)nb;
        int lo = bs[2 * b], hi = bs[2 * b + 1];
        double s = 0;
        for (int k = lo; k < hi; k++) {
            s += gpart[(q * (size_t)slots + (size_t)k) * (size_t)T + j];
        }
        size_t o = q * (size_t)T * (size_t)nb + j * (size_t)nb + b;
        gacc[o] = accumulate ? gacc[o] + s : s;
        return;
    }
    idx -= total;
#endif
    if (ggroups == 0 || idx > (size_t)T) {
        return;
    }
    double s = 0;
    for (int g = 0; g < ggroups; g++) {
        s += ggpart[(size_t)g * (size_t)(T + 1) + idx];
    }
    ggacc[idx] = accumulate ? ggacc[idx] + s : s;
}
