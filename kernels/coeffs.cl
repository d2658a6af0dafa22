// coeffs.cl — one step x_{i-1} = a·x_i + b·Ỹ + c·z of every method of
// SPEC §6 and its partial derivatives with respect to the method's knobs and
// to the step's two grid values ᾱ_i, ᾱ_{i-1}, the per-frequency knob rules
// (SPEC §6), the init of the recursion and its grid derivative, the forward
// recursion itself (SPEC §8), and the per-frequency loss against the exact
// posterior (SPEC §3, §8). Every function works on the VW frequencies
// of one work-item at once (vreal, common.cl).
//
// Compiled after common.cl; METHOD selects the method at build time, so a
// program holds one method's code only. NQ is the method's number of knobs.
//
// Each function mirrors its solver/ counterpart expression by expression
// (same operations in the same order, FP_CONTRACT off; branches become
// selects of both sides), so that a frequency's B, V and loss terms are
// bit-identical to the CPU reference:
//   denoise     solver/denoiser.go  denoise
//   denoise_deriv, base_deriv
//               solver/stepderiv.go denoiseDeriv, baseDeriv
//   step_coeffs solver/<method>.go  coeffs   (one step; grid partials on request)
//   rule_knob   solver/dps.go, solver/ddnm.go  rule
//   init_state  solver/ddrm.go init, else (0, 1)
//   init_deriv  solver/ddrm.go initDeriv, else (0, 0)
//   forward     cpu/recursion.go    forward
//   freq_loss   solver/loss.go      target and FreqLoss
//
// Preconditions: λ ≥ 0, ρ ≥ 0, σ_y ≥ 0, knobs inside their domains (the host
// validates with solver.Problem.Check); the step record st is step i = j+1.
// Padding lanes (λ = ρ = 0) give finite values throughout.

#if METHOD == METHOD_DDRM || METHOD == METHOD_DIFFPIR
#define NQ 2
#elif METHOD == METHOD_ORACLE
#define NQ 0
#else
#define NQ 1
#endif

// coeffs_t is solver.Coeffs: a, b, c², their partials with respect to
// knob 0 and knob 1, and with respect to the step's two grid values:
// (gx0, gx1, gx2) = ∂(a, b, c²)/∂ᾱ_i (GridX) and (gp0, gp1, gp2) =
// ∂(a, b, c²)/∂ᾱ_{i-1} (GridP).
typedef struct {
    vreal a, b, c2;
    vreal da0, db0, dc20;
    vreal da1, db1, dc21;
    vreal gx0, gx1, gx2;
    vreal gp0, gp1, gp2;
} coeffs_t;

// denoise is the Gaussian denoiser of SPEC §5: g = Aλ/v, e = S/v,
// c = (1-ᾱ_i)λ/v with v = ᾱ_i λ + 1 - ᾱ_i.
static inline void denoise(__global const double *st, vreal lam, vreal *g, vreal *e, vreal *c) {
    vreal iv = 1 / (st[ST_ABAR] * lam + 1 - st[ST_ABAR]);
    *g = st[ST_A] * lam * iv;
    *e = st[ST_S] * iv;
    *c = (1 - st[ST_ABAR]) * lam * iv;
}

// denoise_deriv is solver/stepderiv.go denoiseDeriv: ∂/∂ᾱ_i of the gains
// g, e of denoise, with v_x = λ - 1 and 1/v = e/S:
//   g_x = (λ A_x - g v_x)/v, e_x = (S_x - e v_x)/v, c_x = -λ²/v².
static inline void denoise_deriv(__global const double *st, vreal lam, vreal g, vreal e, vreal *gx, vreal *ex,
                                 vreal *cx) {
    vreal iv = e * st[ST_INVS];
    vreal vx = lam - 1;
    vreal li = lam * iv;
    *gx = (lam * st[ST_AX] - g * vx) * iv;
    *ex = (st[ST_SX] - e * vx) * iv;
    *cx = -li * li;
}

// base_deriv is solver/stepderiv.go baseDeriv: ∂a₀/∂ᾱ_i and ∂a₀/∂ᾱ_{i-1} of
// the DDIM step a₀ = Ap g + d e at the base η.
static inline void base_deriv(__global const double *st, vreal g, vreal e, vreal gx, vreal ex, vreal *ax, vreal *ap) {
    *ax = st[ST_AP] * gx + st[ST_DX] * e + st[ST_D] * ex;
    *ap = st[ST_APP] * g + st[ST_DP] * e;
}

// step_coeffs writes the coefficients of step i = j+1 with knob values k0,
// k1 (ignored by methods with fewer knobs). spectral selects pigdm's r² = c.
// The knob partials are always computed; forward passes do not read them
// and the compiler drops them. The grid partials are computed only with
// grid set (they are left unset otherwise): every caller passes a constant,
// but the knob-only gradient ran at half speed on PoCL when they were
// computed unconditionally, even though it never reads them.
static inline void step_coeffs(__global const double *st, int j, vreal lam, vreal rho, double sy, int spectral,
                               vreal k0, vreal k1, const int grid, coeffs_t *c) {
    vreal g, e, cv, gx = 0, ex = 0, cx = 0;
    denoise(st, lam, &g, &e, &cv);
    const vreal zero = 0;
    c->a = zero;
    c->b = zero;
    c->c2 = zero;
    c->da0 = zero;
    c->db0 = zero;
    c->dc20 = zero;
    c->da1 = zero;
    c->db1 = zero;
    c->dc21 = zero;
    if (grid) {
        denoise_deriv(st, lam, g, e, &gx, &ex, &cx);
        c->gx0 = zero;
        c->gx1 = zero;
        c->gx2 = zero;
        c->gp0 = zero;
        c->gp1 = zero;
        c->gp2 = zero;
    }
#if METHOD == METHOD_DDIM
    // a = Ap g + d e, c² = η² β̃, d = √max(0, 1 - ᾱ_{i-1} - η² β̃).
    vreal h = k0;
    vreal sig2 = h * h * st[ST_BETA];
    vreal d = sqrt(fmax(1 - st[ST_ABARPREV] - sig2, 0.0));
    c->a = st[ST_AP] * g + d * e;
    c->c2 = sig2;
    c->da0 = SEL(d > 0, -e * h * st[ST_BETA] / d, zero);
    c->dc20 = 2 * h * st[ST_BETA];
    if (grid) {
        // d_x = -η²β̃_x/(2d), d_p = -(1+η²β̃_p)/(2d) (0 where d = 0).
        vreal h2 = h * h;
        vreal dx = SEL(d > 0, -h2 * st[ST_BETAX] / (2 * d), zero);
        vreal dp = SEL(d > 0, -(1 + h2 * st[ST_BETAP]) / (2 * d), zero);
        c->gx0 = st[ST_AP] * gx + dx * e + d * ex;
        c->gx2 = h2 * st[ST_BETAX];
        c->gp0 = st[ST_APP] * g + dp * e;
        c->gp2 = h2 * st[ST_BETAP];
    }
#elif METHOD == METHOD_DPS
    // a = a₀ - ζ g² ρ², b = ζ g ρ, c² = σ_i².
    vreal gr = g * rho;
    vreal z = k0;
    c->a = st[ST_AP] * g + st[ST_D] * e - z * gr * gr;
    c->b = z * gr;
    c->c2 = (vreal)(st[ST_SIGMA] * st[ST_SIGMA]);
    c->da0 = -gr * gr;
    c->db0 = gr;
    if (grid) {
        vreal ax, ap;
        base_deriv(st, g, e, gx, ex, &ax, &ap);
        c->gx0 = ax - 2 * z * g * gx * rho * rho;
        c->gx1 = z * gx * rho;
        c->gx2 = (vreal)st[ST_SIGMA2X];
        c->gp0 = ap;
        c->gp2 = (vreal)st[ST_SIGMA2P];
    }
#elif METHOD == METHOD_PIGDM
    // k = w·kw, kw = Ap A r² g/(r² ρ² + σ_y²) (0 where 0/0); a = a₀ - k g ρ²,
    // b = k ρ.
    double sy2 = sy * sy;
    vreal rr = rho * rho;
    vreal r2 = spectral ? cv : (vreal)(1 - st[ST_ABAR]);
    vreal den = r2 * rr + sy2;
    vreal kw = SEL(den > 0, st[ST_AP] * st[ST_A] * r2 * g / den, zero);
    vreal k = k0 * kw;
    c->a = st[ST_AP] * g + st[ST_D] * e - k * g * rr;
    c->b = k * rho;
    c->c2 = (vreal)(st[ST_SIGMA] * st[ST_SIGMA]);
    c->da0 = -kw * g * rr;
    c->db0 = kw * rho;
    if (grid) {
        // N = A r² g, kw_x = Ap (N_x den - N r²_x ρ²)/den², kw_p = Ap_p N/den.
        vreal ax, ap;
        base_deriv(st, g, e, gx, ex, &ax, &ap);
        vreal r2x = spectral ? cx : (vreal)(-1.0);
        vreal n = st[ST_A] * r2 * g;
        vreal nx = st[ST_AX] * r2 * g + st[ST_A] * r2x * g + st[ST_A] * r2 * gx;
        vreal kwx = SEL(den > 0, st[ST_AP] * (nx * den - n * r2x * rr) / (den * den), zero);
        vreal kwp = SEL(den > 0, st[ST_APP] * n / den, zero);
        c->gx0 = ax - k0 * (kwx * g + kw * gx) * rr;
        c->gx1 = k0 * kwx * rho;
        c->gx2 = (vreal)st[ST_SIGMA2X];
        c->gp0 = ap - k0 * kwp * g * rr;
        c->gp1 = k0 * kwp * rho;
        c->gp2 = (vreal)st[ST_SIGMA2P];
    }
#elif METHOD == METHOD_DDNM
    // ρ > 0: a = κx (1-λ) g + κt, b = κx λ/ρ, c² = max(0, β̃ - (κx λ σ_y/ρ)²);
    // ρ = 0: the unconditional DDPM step a = κx g + κt, b = 0, c² = β̃.
    vreal lj = k0;
    vreal t = st[ST_KAPPAX] * lj * sy / rho;
    vreal c2 = st[ST_BETA] - t * t;
    vreal open = SEL(c2 < 0, zero, (vreal)1); // 0 where c² is clamped
    c2 = SEL(c2 < 0, zero, c2);
    vreal has = SEL(rho == 0, zero, (vreal)1);
    c->a = SEL(rho == 0, st[ST_KAPPAX] * g + st[ST_KAPPAT], st[ST_KAPPAX] * (1 - lj) * g + st[ST_KAPPAT]);
    c->b = SEL(rho == 0, zero, st[ST_KAPPAX] * lj / rho);
    c->c2 = SEL(rho == 0, (vreal)st[ST_BETA], c2);
    c->da0 = SEL(rho == 0, zero, -st[ST_KAPPAX] * g);
    c->db0 = SEL(rho == 0, zero, st[ST_KAPPAX] / rho);
    c->dc20 = SEL(has * open != 0, -2 * t * st[ST_KAPPAX] * sy / rho, zero);
    if (grid) {
        // u = 1-λ (1 where ρ = 0); c²'s partials are 0 where it is clamped.
        vreal u = 1 - lj;
        vreal lr = lj / rho;
        vreal c2x = SEL(open != 0, st[ST_BETAX] - 2 * t * st[ST_KAPPAXX] * lr * sy, zero);
        vreal c2p = SEL(open != 0, st[ST_BETAP] - 2 * t * st[ST_KAPPAXP] * lr * sy, zero);
        c->gx0 = SEL(rho == 0, st[ST_KAPPAXX] * g + st[ST_KAPPAX] * gx + st[ST_KAPPATX],
                     st[ST_KAPPAXX] * u * g + st[ST_KAPPAX] * u * gx + st[ST_KAPPATX]);
        c->gx1 = SEL(rho == 0, zero, st[ST_KAPPAXX] * lr);
        c->gx2 = SEL(rho == 0, (vreal)st[ST_BETAX], c2x);
        c->gp0 = SEL(rho == 0, st[ST_KAPPAXP] * g + st[ST_KAPPATP], st[ST_KAPPAXP] * u * g + st[ST_KAPPATP]);
        c->gp1 = SEL(rho == 0, zero, st[ST_KAPPAXP] * lr);
        c->gp2 = SEL(rho == 0, (vreal)st[ST_BETAP], c2p);
    }
#elif METHOD == METHOD_DDRM
    // Three regimes per frequency; s = √(1-η²), ∂s/∂η = -η/s.
    double ap = st[ST_AP], sp = st[ST_SP], sp2 = 1 - st[ST_ABARPREV];
    vreal eta = k0, etab = k1;
    vreal s = sqrt(fmax(1 - eta * eta, 0.0));
    vreal ds = SEL(s > 0, -eta / s, zero);
    // Regime 1 (ρ = 0), 2 (ρ Sp < Ap σ_y), 3 (otherwise).
    vreal a1 = ap * g + s * sp * e;
    vreal a2 = g * (ap - s * sp * rho / sy);
    vreal b2 = (vreal)(s * sp / sy);
    vreal rq = sy * sy / (rho * rho); // σ_y²/ρ²
    vreal q = st[ST_ABARPREV] * rq;
    vreal c23 = sp2 - q * etab * etab;
    vreal open = SEL(c23 < 0, zero, (vreal)1);
    c23 = SEL(c23 < 0, zero, c23);
    vreal a3 = ap * (1 - etab) * g;
    vreal b3 = ap * etab / rho;
    vreal r1 = SEL(rho == 0, (vreal)1, zero);
    vreal r2 = SEL(rho == 0, zero, SEL(rho * sp < ap * sy, (vreal)1, zero));
    vreal r3 = 1 - r1 - r2;
    c->a = SEL(r1 != 0, a1, SEL(r2 != 0, a2, a3));
    c->b = SEL(r1 != 0, zero, SEL(r2 != 0, b2, b3));
    c->c2 = SEL(r3 != 0, c23, eta * eta * sp2);
    c->da0 = SEL(r1 != 0, ds * sp * e, SEL(r2 != 0, -g * ds * sp * rho / sy, zero));
    c->db0 = SEL(r2 != 0, ds * sp / sy, zero);
    c->dc20 = SEL(r3 != 0, zero, 2 * eta * sp2);
    c->da1 = SEL(r3 != 0, -ap * g, zero);
    c->db1 = SEL(r3 != 0, ap / rho, zero);
    c->dc21 = SEL(r3 * open != 0, -2 * q * etab, zero);
    if (grid) {
        // Only g, e depend on ᾱ_i and only Ap, Sp, Sp² on ᾱ_{i-1}.
        double app = st[ST_APP], spp = st[ST_SPP];
        vreal gx1r = ap * gx + s * sp * ex;
        vreal gx2r = gx * (ap - s * sp * rho / sy);
        vreal gx3r = ap * (1 - etab) * gx;
        vreal gp1r = app * g + s * spp * e;
        vreal gp2r = g * (app - s * spp * rho / sy);
        vreal gp3r = app * (1 - etab) * g;
        vreal c2p3 = SEL(open != 0, -1 - rq * etab * etab, zero);
        c->gx0 = SEL(r1 != 0, gx1r, SEL(r2 != 0, gx2r, gx3r));
        c->gp0 = SEL(r1 != 0, gp1r, SEL(r2 != 0, gp2r, gp3r));
        c->gp1 = SEL(r1 != 0, zero, SEL(r2 != 0, s * spp / sy, app * etab / rho));
        c->gp2 = SEL(r3 != 0, c2p3, -eta * eta);
    }
#elif METHOD == METHOD_DIFFPIR
    // Proximal data step then re-noising; the last step (i = 1) has none.
    if (j == 0) {
        c->a = g;
        if (grid) {
            c->gx0 = gx;
        }
    } else {
        double sy2 = sy * sy;
        double snr = st[ST_SNR];
        vreal ri = k0 * sy2 * snr;
        vreal zeta = k1;
        vreal den = rho * rho + ri;
        vreal on = SEL((rho > 0) & (den > 0), (vreal)1, zero); // else q = 1, p = 0
        vreal qq = SEL(on != 0, ri / den, (vreal)1);
        vreal pp = SEL(on != 0, rho / den, zero);
        vreal dq = SEL(on != 0, rho * rho / (den * den), zero);
        vreal dp = SEL(on != 0, -rho / (den * den), zero);
        vreal r = sqrt(fmax(1 - zeta, 0.0));
        double ratio = st[ST_SP] * st[ST_INVS];
        vreal u = 1 - st[ST_A] * qq * g;
        vreal w = st[ST_AP] - r * ratio * st[ST_A];
        c->a = st[ST_AP] * qq * g + r * ratio * u;
        c->b = pp * w;
        c->c2 = zeta * (1 - st[ST_ABARPREV]);
        double dri = sy2 * snr;
        c->da0 = (st[ST_AP] * g - r * ratio * st[ST_A] * g) * dq * dri;
        c->db0 = dp * dri * w;
        vreal dr = -1 / (2 * r);
        c->da1 = SEL(r > 0, dr * ratio * u, zero);
        c->db1 = SEL(r > 0, -pp * dr * ratio * st[ST_A], zero);
        c->dc21 = (vreal)(1 - st[ST_ABARPREV]);
        if (grid) {
            // ρ_i moves with ᾱ_i through SNR, Sp/S with both levels.
            vreal rix = k0 * sy2 * st[ST_SNRX];
            vreal qx = dq * rix, px = dp * rix;
            double ratiox = st[ST_SP] * st[ST_INVSX], ratiop = st[ST_SPP] * st[ST_INVS];
            vreal ux = -(st[ST_AX] * qq * g + st[ST_A] * qx * g + st[ST_A] * qq * gx);
            vreal wx = -r * (ratiox * st[ST_A] + ratio * st[ST_AX]);
            vreal wp = st[ST_APP] - r * ratiop * st[ST_A];
            c->gx0 = st[ST_AP] * (qx * g + qq * gx) + r * (ratiox * u + ratio * ux);
            c->gx1 = px * w + pp * wx;
            c->gp0 = st[ST_APP] * qq * g + r * ratiop * u;
            c->gp1 = pp * wp;
            c->gp2 = -zeta;
        }
    }
#elif METHOD == METHOD_ORACLE
    // DDIM(η) on the exact conditional mean: g_c, h_c (g_c = g, h_c = 0
    // where 0/0).
    double sy2 = sy * sy;
    vreal den = rho * rho * cv + sy2;
    vreal gc = SEL(den > 0, g * sy2 / den, g);
    vreal hc = SEL(den > 0, cv * rho / den, zero);
    c->a = st[ST_AP] * gc + st[ST_D] * (1 - st[ST_A] * gc) * st[ST_INVS];
    c->b = hc * (st[ST_AP] - st[ST_D] * st[ST_A] * st[ST_INVS]);
    c->c2 = (vreal)(st[ST_SIGMA] * st[ST_SIGMA]);
    if (grid) {
        // Through g_c, h_c (den_x = ρ² c_x) and A, 1/S, Ap, d.
        vreal denx = rho * rho * cx;
        vreal gcx = SEL(den > 0, sy2 * (gx * den - g * denx) / (den * den), gx);
        vreal hcx = SEL(den > 0, rho * (cx * den - cv * denx) / (den * den), zero);
        vreal res = 1 - st[ST_A] * gc;
        vreal resx = -(st[ST_AX] * gc + st[ST_A] * gcx);
        double invs = st[ST_INVS], dd = st[ST_D];
        double kk = st[ST_AP] - dd * st[ST_A] * invs;
        double kx = -(st[ST_DX] * st[ST_A] * invs + dd * st[ST_AX] * invs + dd * st[ST_A] * st[ST_INVSX]);
        double kp = st[ST_APP] - st[ST_DP] * st[ST_A] * invs;
        c->gx0 = st[ST_AP] * gcx + st[ST_DX] * res * invs + dd * resx * invs + dd * res * st[ST_INVSX];
        c->gx1 = hcx * kk + hc * kx;
        c->gx2 = (vreal)st[ST_SIGMA2X];
        c->gp0 = st[ST_APP] * gc + st[ST_DP] * res * invs;
        c->gp1 = hc * kp;
        c->gp2 = (vreal)st[ST_SIGMA2P];
    }
#else
#error "unknown METHOD"
#endif
}

// rule_knob returns knob 0 of a per-frequency rule (solver.Rule) at the step
// st: dps's reference ζ*, ddnm's DDNM+ heuristic and reference λ*. The host
// only passes rules the method has (solver.Problem.Check).
static inline vreal rule_knob(__global const double *st, int rule, vreal lam, vreal rho, double sy) {
    vreal g, e, c;
    denoise(st, lam, &g, &e, &c);
    const vreal zero = 0;
#if METHOD == METHOD_DPS
    // ζ* = κ_i/(ρ² c + σ_y²), κ_i = Ap S²/A - d S (0 where 0/0).
    vreal den = rho * rho * c + sy * sy;
    return SEL(den > 0, (st[ST_AP] * st[ST_S] * st[ST_S] / st[ST_A] - st[ST_D] * st[ST_S]) / den, zero);
#elif METHOD == METHOD_DDNM
    if (rule == RULE_HEURISTIC) {
        // λ = 1 if √β̃ ≥ κx σ_y/ρ, else √β̃ ρ/(κx σ_y).
        double sb = sqrt(st[ST_BETA]);
        return SEL(sb * rho < st[ST_KAPPAX] * sy, sb * rho / (st[ST_KAPPAX] * sy), (vreal)1);
    }
    // λ* = ρ² c/(ρ² c + σ_y²) (0 where 0/0).
    vreal num = rho * rho * c;
    vreal den = num + sy * sy;
    return SEL(den > 0, num / den, zero);
#else
    return zero;
#endif
}

// knob_values loads the knobs the work-item's frequencies see at step j:
// table entries knobs[q·T·B + j·B + band] (solver.Knobs.Values), or the
// rule. bd holds the lanes' bands (clamped to ≥ 0 for padding lanes).
static inline void knob_values(__global const double *restrict knobs, __global const double *st, int rule, int T,
                               int nb, int j, const int *bd, vreal lam, vreal rho, double sy, vreal *k0,
                               vreal *k1) {
    *k0 = 0;
    *k1 = 0;
#if NQ >= 1
    if (rule != RULE_TABLE) {
        *k0 = rule_knob(st, rule, lam, rho, sy);
        return;
    }
    __global const double *row = knobs + (size_t)j * (size_t)nb;
    if (nb == 1) {
        *k0 = (vreal)row[0];
#if NQ == 2
        *k1 = (vreal)row[(size_t)T];
#endif
        return;
    }
    double t0[VW];
    for (int k = 0; k < VW; k++) {
        t0[k] = row[bd[k]];
    }
    *k0 = VLOAD(t0);
#if NQ == 2
    double t1[VW];
    for (int k = 0; k < VW; k++) {
        t1[k] = row[(size_t)T * (size_t)nb + bd[k]];
    }
    *k1 = VLOAD(t1);
#endif
#endif
}

// init_state writes (B, V) before the first executed step i = T (SPEC §8):
// ddrm's special init, else x_T ~ N(0, 1).
static inline void init_state(__global const double *restrict steps, int T, vreal rho, double sy, vreal *B,
                              vreal *V) {
#if METHOD == METHOD_DDRM
    __global const double *s = steps + (size_t)(T - 1) * NS;
    vreal t = s[ST_A] * sy / rho;
    vreal on = SEL(rho * s[ST_S] > s[ST_A] * sy, (vreal)1, (vreal)0);
    *B = SEL(on != 0, s[ST_A] / rho, (vreal)0);
    *V = SEL(on != 0, fmax(1 - s[ST_ABAR] - t * t, 0.0), (vreal)(1 - s[ST_ABAR]));
#else
    *B = 0;
    *V = 1;
#endif
}

// init_deriv writes ∂B/∂ᾱ_T and ∂V/∂ᾱ_T of init_state (solver/ddrm.go
// initDeriv; zero for the standard init, which does not depend on the
// grid).
static inline void init_deriv(__global const double *restrict steps, int T, vreal rho, double sy, vreal *dB,
                              vreal *dV) {
#if METHOD == METHOD_DDRM
    __global const double *s = steps + (size_t)(T - 1) * NS;
    vreal t = s[ST_A] * sy / rho;
    vreal on = SEL(rho * s[ST_S] > s[ST_A] * sy, (vreal)1, (vreal)0);
    vreal clamped = SEL(1 - s[ST_ABAR] - t * t < 0, (vreal)1, (vreal)0);
    *dB = SEL(on != 0, s[ST_AX] / rho, (vreal)0);
    *dV = SEL(on != 0, SEL(clamped != 0, (vreal)0, -1 - 2 * t * s[ST_AX] * sy / rho), (vreal)(-1));
#else
    *dB = 0;
    *dV = 0;
#endif
}

// forward runs the recursion of the work-item's frequencies in sampling
// order from their init (SPEC §8) and writes the output law (B, V):
//
//   for i = T … 1:  B ← a B + b,  V ← a² V + c²
//
// Every work-item of the group must call it (STEP_BARRIER).
static inline void forward(__global const double *restrict steps, __global const double *restrict knobs, int rule, int T,
                           int nb, const int *bd, vreal lam, vreal rho, double sy, int spectral, vreal *Bout,
                           vreal *Vout) {
    vreal B, V;
    init_state(steps, T, rho, sy, &B, &V);
    for (int j = T - 1; j >= 0; j--) {
        __global const double *st = steps + (size_t)j * NS;
        vreal k0, k1;
        knob_values(knobs, st, rule, T, nb, j, bd, lam, rho, sy, &k0, &k1);
        coeffs_t c;
        step_coeffs(st, j, lam, rho, sy, spectral, k0, k1, 0, &c);
        B = c.a * B + c.b;
        V = c.a * c.a * V + c.c2;
#if STEP_BARRIER
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
    }
    *Bout = B;
    *Vout = V;
}

// freq_loss writes the loss parts (mean, variance) of frequencies with
// output law N(B·Ỹ, V) and ∂ℓ/∂B, ∂ℓ/∂V (SPEC §8):
//   target (SPEC §3)  E = ρ²λ + σ_y², W = λρ/E, v = λσ_y²/E, with λ = 0
//                     giving W = v = 0 and ρ = 0 giving W = 0, v = λ;
//   loss              ℓ = E(B - W)² + (√V - √v)², ∂ℓ/∂V clamped at
//                     √V = SQRT_V_FLOOR.
static inline void freq_loss(vreal lam, vreal rho, double sy, vreal b, vreal vv, vreal *mean, vreal *vari, vreal *dB,
                             vreal *dV) {
    const vreal zero = 0;
    vreal e = rho * rho * lam + sy * sy;
    vreal w = SEL((lam == 0) | (rho == 0), zero, lam * rho / e);
    vreal v = SEL(lam == 0, zero, SEL(rho == 0, lam, lam * sy * sy / e));
    vreal d = b - w;
    vreal sV = sqrt(vv), sv = sqrt(v);
    vreal r = sV - sv;
    *mean = e * d * d;
    *vari = r * r;
    *dB = 2 * e * d;
    *dV = SEL(sv > 0, 1 - sv / fmax(sV, SQRT_V_FLOOR), (vreal)1);
}
