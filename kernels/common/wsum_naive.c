/* move_mean, naive algorithm: every window summed on its own with Neumaier
 * compensation. O(n*w), and accurate by construction: this is the reference
 * that the other algorithms, the edge windows and every rescue path rely on. */
#include <math.h>
#include "internal.h"

double mm_sum_compensated(const double *x, size_t len, int *scaled) {
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
            double v = x[i] * MM_TWO_POW_M64, t = s + v;
            c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
            s = t;
        }
        r = s + c;
        *scaled = 1;
    }
    return r;
}

double mm_window_mean(const double *x, size_t lo, size_t hi, mwk_nan_policy policy,
                      size_t min_count) {
    size_t nan = 0, pinf = 0, ninf = 0;
    double s = 0.0, c = 0.0, s2 = 0.0, c2 = 0.0;
    for (size_t i = lo; i < hi; i++) {
        double v = x[i];
        if (isnan(v)) { nan++; continue; }
        if (isinf(v)) { if (v > 0) pinf++; else ninf++; continue; }
        double t = s + v;
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
        double v2 = v * MM_TWO_POW_M64, t2 = s2 + v2; /* scaled twin for overflow */
        c2 += fabs(s2) >= fabs(v2) ? (s2 - t2) + v2 : (v2 - t2) + s2;
        s2 = t2;
    }
    size_t len = hi - lo, count = len - nan;
    if (policy == MWK_NAN_PROPAGATE && nan) return NAN;
    if (count < min_count || count == 0) return NAN;
    if (pinf && ninf) return NAN;
    if (pinf) return INFINITY;
    if (ninf) return -INFINITY;
    double r = (s + c) / (double)count;
    if (!isfinite(r)) r = ((s2 + c2) / (double)count) * MM_TWO_POW_64;
    return r;
}

int mm_core_naive(const double *x, size_t n, size_t w, double divisor, double *out, mm_ctx *ctx) {
    (void)ctx;
    int bad = 0;
    for (size_t j = 0; j + w <= n; j++) {
        int scaled;
        double s = mm_sum_compensated(x + j, w, &scaled);
        double r = scaled ? (s / divisor) * MM_TWO_POW_64 : s / divisor;
        out[j] = r;
        bad |= !isfinite(r);
    }
    return bad;
}
