// grad.cl — the loss of SPEC §8 and its exact gradient with respect to every
// knob table entry, by reverse mode through the recursion. With P_i the
// product of a over the steps executed after step i, and B_i, V_i the state
// before step i,
//
//   ∂ℓ/∂κ_i = ∂ℓ/∂B · P_i (∂a·B_i + ∂b) + ∂ℓ/∂V · P_i² (2a ∂a·V_i + ∂c²),
//
// summed over frequencies (times m) per step i and band. Reference:
// cpu/recursion.go (worker.lossChunk, worker.adjoint).
//
// Two kernels:
//   grad         one work-item per frequency: forward pass recording B_i, V_i
//                in scratch, loss partial per group, then the adjoint pass
//                (i = 1 … T) reducing each step's contributions over the
//                group in local memory, per band of the group, into gpart.
//   grad_reduce  one work-item per (knob, band, step): sums the gpart slots
//                of that band over the chunk's groups, in group order, into
//                gacc (= on the first chunk, += after).
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
// the group (SCRATCH_LOCAL); gpart holds NQ·slots·T doubles.

#if NQ > 0

// grad handles the chunk starting at frequency base for table knobs. It
// writes part[2(gbase+grp)], part[2(gbase+grp)+1] (the group's Σ m·mean and
// Σ m·variance) and, for every band b of the group and step j,
// gpart[(q·slots + off + b - blo)·T + j] = Σ over the group's frequencies of
// band b of m·∂ℓ/∂κ_q at step j+1 (lanes of a work-item first, in order).
// groups[3g … 3g+2] = (blo, bhi, off) of problem-wide group g. Padding
// frequencies run the recursion on λ = ρ = 0, so that every barrier is
// reached, and contribute zeros (m = 0, band -1).
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
grad(const int base, const int T, const int nb, const int spectral, const double sy,
     __global const double *restrict steps, __global const double *restrict knobs,
     __global const double *restrict lambda, __global const double *restrict rho,
     __global const double *restrict mult, __global const int *restrict band,
     __global const int *restrict groups, const int gbase, const int slots,
     SCRATCH_SPACE double *restrict scratch, __global double *restrict part, __global double *restrict gpart) {
    __local double x0[WGS], x1[WGS];
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
        step_coeffs(st, j, lam, r, sy, spectral, k0, k1, &c);
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
    int blo = groups[3 * g], bhi = groups[3 * g + 1], off = groups[3 * g + 2];

    // Adjoint pass in reverse sampling order, i = 1 … T.
    vreal P = 1;
    for (int j = 0; j < T; j++) {
        __global const double *st = steps + (size_t)j * NS;
        vreal bb = VLOAD(scratch + SCRATCH(SCRATCH_GROUP(grp), T, j, 0, lid));
        vreal vb = VLOAD(scratch + SCRATCH(SCRATCH_GROUP(grp), T, j, 1, lid));
        vreal k0, k1;
        knob_values(knobs, st, RULE_TABLE, T, nb, j, bd, lam, r, sy, &k0, &k1);
        coeffs_t c;
        step_coeffs(st, j, lam, r, sy, spectral, k0, k1, &c);
        vreal pb = gB * P, pv = gV * P * P;
#if NQ == 1
        vreal c0 = pb * (c.da0 * bb + c.db0) + pv * (2 * c.a * c.da0 * vb + c.dc20);
#else
        vreal t = 2 * c.a * vb;
        vreal c0 = pb * (c.da0 * bb + c.db0) + pv * (t * c.da0 + c.dc20);
        vreal c1 = pb * (c.da1 * bb + c.db1) + pv * (t * c.da1 + c.dc21);
#endif
        P *= c.a;
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
    }
}

// grad_reduce sums, for knob q, band b and step j (work-item
// (q·nb + b)·T + j), the slots lo … hi-1 of gpart in order, where
// (lo, hi) = band_slots[2(chunk·nb + b) …] is the band's slot range in this
// chunk, and stores the sum into gacc[q·T·nb + j·nb + b] (accumulate = 0)
// or adds it (accumulate = 1). Consecutive work-items read consecutive steps
// of a slot, so loads coalesce.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void
grad_reduce(const int T, const int nb, const int slots, __global const int *restrict band_slots, const int chunk,
            const int accumulate, __global const double *restrict gpart, __global double *restrict gacc) {
    size_t idx = get_global_id(0);
    size_t total = (size_t)NQ * (size_t)nb * (size_t)T;
    if (idx >= total) {
        return;
    }
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
}

#endif
