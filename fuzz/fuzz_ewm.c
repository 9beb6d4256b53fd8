/* libFuzzer harness for the EWM API (include/mwk_ewm.h), differential:
 * the input picks the statistic, decay spelling and value, adjust,
 * ignore_na, bias, min_periods, dtype-free float64 data (specials included:
 * NaN, +-inf, huge, tiny, subnormal) and optional times; every call must
 * return a documented status, never write outside y, and for mean/sum the
 * scan (on the process target and on "scalar") must give the naive
 * recursion's NaN pattern, infinities and, for finite outputs, values within
 * 64 u (1/alpha + 2)^2 max|x| (a loose form of the header's bounds). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mwk_ewm.h"

static double special(uint8_t b, double v) {
    switch (b % 16) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 1e300;
    case 4: return -1e-300;
    case 5: return 4.9e-324;
    case 6: return 0.0;
    default: return v;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) return 0;
    const uint8_t *h = data;
    const mwk_ewm_stat stat = (mwk_ewm_stat)(h[0] % 5); /* 4: invalid */
    mwk_ewm_params p;
    mwk_ewm_params_init(&p);
    p.decay = (mwk_ewm_decay)(h[1] % 5);
    static const double vals[] = {0.0, 0.3, 1.0, 1.5, 9.0, 999.0, 1e-9, 1e9, -1.0, NAN};
    p.decay_value = vals[h[2] % 10];
    p.adjust = h[3] & 1, p.ignore_na = (h[3] >> 1) & 1, p.bias = (h[3] >> 2) & 1;
    const int use_times = (h[3] >> 3) & 1;
    p.min_periods = h[4] % 6;
    const size_t n = (size - 8) / 2;
    double *x = malloc((n + 1) * sizeof *x), *tau = malloc((n + 1) * sizeof *tau);
    double *y1 = malloc((n + 2) * sizeof *y1), *y2 = malloc((n + 2) * sizeof *y2);
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t a = data[8 + 2 * i], b = data[9 + 2 * i];
        x[i] = special(a, (double)(int8_t)b * 0.25 + (a >> 4));
        t += (a & 3) * 0.5;
        tau[i] = t;
    }
    if (use_times) p.times = tau, p.decay = MWK_EWM_HALFLIFE;
    y1[n] = y2[n] = 12345.0; /* canaries */
    p.algorithm = MWK_EWM_ALGO_NAIVE;
    const mwk_status s1 = mwk_ewm(stat, &p, x, MWK_F64, n, 1, y1, 1);
    if (s1 != MWK_OK && s1 != MWK_E_PARAMS && s1 != MWK_E_STAT) abort();
    if (y1[n] != 12345.0) abort();
    if (s1 == MWK_OK && (stat == MWK_EWM_MEAN || stat == MWK_EWM_SUM)) {
        double alpha = 1;
        mwk_ewm_decay_get(&p, &alpha, NULL);
        double mx = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i]) && fabs(x[i]) > mx) mx = fabs(x[i]);
        const double eff = 1.0 / alpha + 2.0;
        for (int k = 0; k < 2; k++) {
            p.algorithm = MWK_EWM_ALGO_SCAN;
            p.target = k ? "scalar" : NULL;
            const mwk_status s2 = mwk_ewm(stat, &p, x, MWK_F64, n, 1, y2, 1);
            if (s2 != MWK_OK || y2[n] != 12345.0) abort();
            for (size_t i = 0; i < n; i++) {
                if (isnan(y1[i]) != isnan(y2[i])) abort();
                if (isinf(y1[i]) || isinf(y2[i])) {
                    /* a finite sum may overflow in one form and not the other */
                    if (stat == MWK_EWM_MEAN && y1[i] != y2[i] && mx < 1e250) abort();
                    continue;
                }
                if (isnan(y1[i])) continue;
                const double tol = 64 * 0x1p-53 * eff * eff * mx * (stat == MWK_EWM_SUM ? eff : 1.0) + 1e-300;
                if (!(fabs(y1[i] - y2[i]) <= tol)) abort();
            }
        }
    }
    free(x);
    free(tau);
    free(y1);
    free(y2);
    return 0;
}
