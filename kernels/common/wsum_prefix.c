/* Window sums, prefix algorithm: block-local prefix and suffix sums.
 *
 * Cut the row into blocks of length w. For a full window starting at j in
 * block b = [bw, bw+w):
 *     sum(x[j .. j+w-1]) = Q[j] + P[j+w-1]
 * where Q[j] = x[j] + ... + x[bw+w-1] (suffix within block b) and
 * P[k] = x[bw+w] + ... + x[k] (prefix within block b+1; empty when j = bw).
 * Every partial sum holds only values of the window it serves, so the error
 * is that of summing the window on its own (<= (w-1) u sum|x|): the contract
 * holds by construction, with no checks and no fallbacks. This is van Herk /
 * Gil-Werman's idea for min/max, applied to sums. Per element: one prefix
 * step, one suffix step, one add and one multiply; blocks are independent.
 *
 * The SIMD version (prefix_hwy.cc) does the same with in-register scans; this
 * file holds the portable version for builds without Highway and the
 * dispatch to the SIMD one. */
#include <math.h>
#include "wsum.h"
#include "mwk_config.h"
#if MWK_HAVE_HWY
#include "wsum_hwy.h"
#endif

int mwk_wsum_prefix_portable(const double *x, size_t n, size_t w, double divisor, double *out) {
    const size_t m = n - w + 1;
    const double inv = 1.0 / divisor;
    double flag = 0.0;
    for (size_t jb = 0; jb < m; jb += w) {
        const size_t len = m - jb < w ? m - jb : w;
        const double *src = x + jb + w;
        double p = 0.0;
        out[jb] = 0.0;
        for (size_t i = 0; i + 1 < len; i++) {
            p += src[i];
            out[jb + 1 + i] = p;
        }
        double q = 0.0;
        for (size_t k = w; k-- > 0;) {
            q += x[jb + k];
            if (k < len) {
                double r = (q + out[jb + k]) * inv;
                out[jb + k] = r;
                flag += r * 0.0; /* NaN iff some output is not finite */
            }
        }
    }
    return !(flag == 0.0);
}

size_t mwk_wsum_prefix_scratch(size_t n, size_t w) {
    (void)n;
    return (w + 64) * sizeof(double);
}

int mwk_wsum_prefix(mwk_seg *s, double divisor) {
#if MWK_HAVE_HWY
    if (s->target.hwy_bit == 0) return mwk_wsum_prefix_portable(s->x, s->n, s->w, divisor, s->out);
    int r = mwk_hwy_wsum_prefix(s->target.hwy_bit, s->x, s->n, s->w, divisor, s->out, s->stream,
                                (double *)s->scratch);
    if (r < 0) {
        s->err = r == -2 ? MWK_E_NOMEM : MWK_E_TARGET;
        return -1;
    }
    return r;
#else
    return mwk_wsum_prefix_portable(s->x, s->n, s->w, divisor, s->out);
#endif
}
