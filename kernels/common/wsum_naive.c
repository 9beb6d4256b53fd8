/* Window sums: the reference. Every window summed on its own with Neumaier
 * compensation: accurate by construction. It is what the naive algorithm
 * runs (engine: mwk_core_reference), what the clipped windows and every
 * rescue path rely on, and what the tests compare with. */
#include <math.h>

#include "wsum.h"

double mwk_sum_compensated(const double *x, size_t len, int *scaled) {
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < len; i++) {
        double v = x[i], t = s + v;
        /* Neumaier: the branch picks the exact error term of s + v. */
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
    }
    double r = s + c;
    *scaled = 0;
    if (!isfinite(r)) {
        /* Finite inputs whose sum overflows: scaling by a power of two is
         * exact (barring underflow of values that are negligible here). */
        s = 0.0, c = 0.0;
        for (size_t i = 0; i < len; i++) {
            double v = x[i] * MWK_TWO_POW_M64, t = s + v;
            c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
            s = t;
        }
        r = s + c;
        *scaled = 1;
    }
    return r;
}

double mwk_wsum_window(const double *x, size_t lo, size_t hi, mwk_nan_policy policy,
                       size_t min_count, int mean) {
    size_t nan = 0, pinf = 0, ninf = 0;
    double s = 0.0, c = 0.0, s2 = 0.0, c2 = 0.0;
    for (size_t i = lo; i < hi; i++) {
        double v = x[i];
        if (isnan(v)) { nan++; continue; }
        if (isinf(v)) { if (v > 0) pinf++; else ninf++; continue; }
        double t = s + v;
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
        double v2 = v * MWK_TWO_POW_M64, t2 = s2 + v2; /* scaled twin for overflow */
        c2 += fabs(s2) >= fabs(v2) ? (s2 - t2) + v2 : (v2 - t2) + s2;
        s2 = t2;
    }
    size_t len = hi - lo, count = len - nan;
    if (policy == MWK_NAN_PROPAGATE && nan) return NAN;
    if (count < min_count || count == 0) return NAN;
    if (pinf && ninf) return NAN;
    if (pinf) return INFINITY;
    if (ninf) return -INFINITY;
    const double div = mean ? (double)count : 1.0;
    double r = (s + c) / div;
    if (!isfinite(r)) r = ((s2 + c2) / div) * MWK_TWO_POW_64;
    return r;
}

/* Accumulator state: d[0] sum, d[1] compensation. */
void mwk_wsum_acc_init(mwk_acc *a) { a->d[0] = a->d[1] = 0.0; }

void mwk_wsum_acc_add(mwk_acc *a, double v, size_t idx) {
    (void)idx;
    const double s = a->d[0], t = s + v;
    a->d[1] += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
    a->d[0] = t;
}

double mwk_wsum_acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p) {
    (void)count, (void)newest, (void)p;
    return a->d[0] + a->d[1];
}

void mwk_wsum_acc_scan(const double *x, size_t len, int backward, int mean, double *out) {
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < len; i++) {
        const double v = backward ? x[len - 1 - i] : x[i], t = s + v;
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
        out[i] = mean ? (s + c) / (double)(i + 1) : s + c;
    }
}
