// common.cl — precision, tunables and shared helpers for every spectune
// kernel family. It is compiled first, then coeffs.cl, then the family files
// (transfer.cl, loss.cl, grad.cl); every tunable has a default here, so each
// family compiles with no build options at all.
//
// Precision: everything is float64 (cl_khr_fp64). FP_CONTRACT is off so that
// a·b + c is rounded twice, as the pure-Go reference (cpu/) does on amd64:
// every per-frequency quantity (B, V, the loss terms) is then bit-identical
// to the reference, and only summation orders differ (SPEC §10).

#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF

// WGS is the work-group size, a power of two (the tree reductions halve
// it). The host rounds the global size up to a multiple of WGS.
#ifndef WGS
#define WGS 64
#endif

// VW is the number of frequencies one work-item handles, as one OpenCL
// vector doubleVW (1, 2, 4, 8 or 16). CPU OpenCL compilers (PoCL) rarely
// vectorise the loop over work-items of these kernels (it holds the step
// loop), so explicit vectors are what fills the SIMD lanes there; GPUs want
// VW = 1. A work-group covers WGS·VW frequencies.
#ifndef VW
#define VW 1
#endif

// STEP_BARRIER = 1 puts a work-group barrier after every step of the
// forward recursion. It changes no result, only the loop structure a CPU
// compiler generates (step loop outside, work-items inside); see the device
// table in sources.go.
#ifndef STEP_BARRIER
#define STEP_BARRIER 0
#endif

// REDUCE_SERIAL = 1 replaces the log2(WGS)-level tree reduction over a
// work-group by one work-item summing the WGS values in order (two barriers
// instead of 1 + log2(WGS)). Both are deterministic. The serial sum suits
// CPUs, where each barrier is a pass over the work-items; the tree suits
// GPUs.
#ifndef REDUCE_SERIAL
#define REDUCE_SERIAL 0
#endif

// SCRATCH_LOCAL = 1 keeps the gradient kernel's record of B_i, V_i in
// __local memory (one group's 16·T·WGS·VW bytes) instead of a global buffer.
// On CPU devices local memory is a per-thread arena that stays in cache, so
// this removes the write-allocate and write-back traffic to DRAM that the
// global record costs; the host picks it when the record fits.
#ifndef SCRATCH_LOCAL
#define SCRATCH_LOCAL 0
#endif
#if SCRATCH_LOCAL
#define SCRATCH_SPACE __local
#define SCRATCH_GROUP(grp) 0
#else
#define SCRATCH_SPACE __global
#define SCRATCH_GROUP(grp) (grp)
#endif

// Methods of SPEC §6. One program is built per method with -DMETHOD=...; the
// default lets every file compile alone.
#define METHOD_DDIM 1
#define METHOD_DPS 2
#define METHOD_PIGDM 3
#define METHOD_DDNM 4
#define METHOD_DDRM 5
#define METHOD_DIFFPIR 6
#define METHOD_ORACLE 7
#ifndef METHOD
#define METHOD METHOD_DPS
#endif

// Knob rules (solver.Rule): where knob values come from.
#define RULE_TABLE 0
#define RULE_HEURISTIC 1
#define RULE_REFERENCE 2

// Step record: the host uploads solver.Problem.Steps (or, for knobs with a
// grid of their own, the steps of solver.Problem.ForKnobs) as T records of
// NS doubles, record j being step i = j+1 (SPEC §4–§5). The scalars are
// used as uploaded, never recomputed. ST_AX … ST_SNRX are
// solver.StepDeriv: the derivatives of the scalars with respect to
// x = ᾱ_i ("X") and p = ᾱ_{i-1} ("P"), for the grid gradient; the P entries
// of step 1 are 0 (ᾱ_0 = 1 is fixed).
#define NS 29
#define ST_ABAR 0     // ᾱ_i
#define ST_ABARPREV 1 // ᾱ_{i-1}
#define ST_A 2        // √ᾱ_i
#define ST_S 3        // √(1-ᾱ_i)
#define ST_AP 4       // √ᾱ_{i-1}
#define ST_SP 5       // √(1-ᾱ_{i-1})
#define ST_BETA 6     // β̃
#define ST_SIGMA 7    // σ_i at the base η
#define ST_D 8        // d at the base η
#define ST_KAPPAX 9   // κx
#define ST_KAPPAT 10  // κt
#define ST_SNR 11     // ᾱ_i/(1-ᾱ_i)
#define ST_INVS 12    // 1/S
#define ST_AX 13      // ∂A/∂x
#define ST_SX 14      // ∂S/∂x
#define ST_INVSX 15   // ∂(1/S)/∂x
#define ST_APP 16     // ∂Ap/∂p
#define ST_SPP 17     // ∂Sp/∂p
#define ST_BETAX 18   // ∂β̃/∂x
#define ST_BETAP 19   // ∂β̃/∂p
#define ST_DX 20      // ∂d/∂x at the base η
#define ST_DP 21      // ∂d/∂p at the base η
#define ST_SIGMA2X 22 // ∂σ_i²/∂x at the base η
#define ST_SIGMA2P 23 // ∂σ_i²/∂p at the base η
#define ST_KAPPAXX 24 // ∂κx/∂x
#define ST_KAPPAXP 25 // ∂κx/∂p
#define ST_KAPPATX 26 // ∂κt/∂x
#define ST_KAPPATP 27 // ∂κt/∂p
#define ST_SNRX 28    // ∂SNR/∂x

// SQRT_V_FLOOR is solver.SqrtVFloor, the clamp of ∂ℓ/∂V (SPEC §8).
#define SQRT_V_FLOOR 1e-9

// vreal holds the VW frequencies of one work-item. SEL(c, t, f) picks t
// where the comparison c holds, per lane; every method's branches are
// written as selects of both sides, which computes exactly what the
// reference's if/else computes for each lane.
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if VW == 1
typedef double vreal;
#define SEL(c, t, f) ((c) ? (t) : (f))
#define VLOAD(p) (*(p))
#define VSTORE(x, p) (*(p) = (x))
#else
typedef CAT(double, VW) vreal;
#define SEL(c, t, f) select((vreal)(f), (vreal)(t), (c))
#define VLOAD(p) CAT(vload, VW)(0, (p))
#define VSTORE(x, p) CAT(vstore, VW)((x), 0, (p))
#endif

// hsum adds the lanes of x in lane order.
static inline double hsum(vreal x) {
#if VW == 1
    return x;
#else
    double t[VW];
    VSTORE(x, t);
    double s = t[0];
    for (int k = 1; k < VW; k++) {
        s += t[k];
    }
    return s;
#endif
}

// Scratch layout of the gradient kernels: the vreal B_i (k = 0) and V_i
// (k = 1) before step i of work-item lid of group grp sit at vreal index
// ((grp·T + j)·2 + k)·WGS + lid (grp = 0 for local scratch). Within a step
// the work-items of a group touch consecutive vectors (coalesced on a GPU),
// and a group's whole history is one contiguous block of 16·T·WGS·VW bytes,
// which avoids the power-of-two row strides (cache-set conflicts on a CPU)
// of a plain [step][frequency] layout.
#define SCRATCH(grp, T, j, k, lid) \
    ((((((size_t)(grp) * (size_t)(T) + (size_t)(j)) * 2) + (k)) * WGS + (size_t)(lid)) * VW)

// reduce_sum sums x[0..WGS) over the work-group; every work-item of the
// group must call it, and the result is valid on work-item 0 only.
static inline double reduce_sum(__local double *x, int lid) {
    barrier(CLK_LOCAL_MEM_FENCE);
#if REDUCE_SERIAL
    double s = 0;
    if (lid == 0) {
        s = x[0];
        for (int k = 1; k < WGS; k++) {
            s += x[k];
        }
    }
    // No item may overwrite x before work-item 0 has read it.
    barrier(CLK_LOCAL_MEM_FENCE);
    return s;
#else
    for (int h = WGS / 2; h > 0; h >>= 1) {
        if (lid < h) {
            x[lid] += x[lid + h];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    // Only work-item 0 writes x[0] (at the last level) and reads it, so the
    // next round's stores by other work-items cannot race with this read.
    return lid == 0 ? x[0] : 0;
#endif
}

// reduce_sum2 is reduce_sum for two arrays at once, sharing the barriers;
// the sums are valid on work-item 0 only.
static inline void reduce_sum2(__local double *x, __local double *y, int lid, double *sx, double *sy) {
    barrier(CLK_LOCAL_MEM_FENCE);
#if REDUCE_SERIAL
    double s = 0, t = 0;
    if (lid == 0) {
        s = x[0];
        t = y[0];
        for (int k = 1; k < WGS; k++) {
            s += x[k];
            t += y[k];
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    *sx = s;
    *sy = t;
#else
    for (int h = WGS / 2; h > 0; h >>= 1) {
        if (lid < h) {
            x[lid] += x[lid + h];
            y[lid] += y[lid + h];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    *sx = lid == 0 ? x[0] : 0;
    *sy = lid == 0 ? y[0] : 0;
#endif
}
