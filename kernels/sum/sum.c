/* move_sum: the window sums, from the cores move_mean uses
 * (kernels/common/wsum*), with divisor 1. */
#include "auto_table.h"
#include "common/wsum.h"

static double ref(const double *x, size_t lo, size_t hi, const mwk_params *p,
                  mwk_nan_policy policy, size_t min_count) {
    (void)p;
    return mwk_wsum_window(x, lo, hi, policy, min_count, 0);
}

static int ring(mwk_seg *s) { return mwk_wsum_ring(s, 1.0); }
static int prefix(mwk_seg *s) { return mwk_wsum_prefix(s, 1.0); }
static int fft(mwk_seg *s) { return mwk_wsum_fft(s, 1.0); }

static void acc_scan(const double *x, size_t len, int backward, const mwk_params *p, double *out) {
    (void)p;
    mwk_wsum_acc_scan(x, len, backward, 0, out);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_core_reference, NULL, MWK_AF_FINAL, mwk_grid_vector},
    {MWK_ALGO_RING, ring, NULL, MWK_AF_PARTIAL, NULL},
    {MWK_ALGO_PREFIX, prefix, mwk_wsum_prefix_scratch, 0, mwk_grid_window},
    {MWK_ALGO_FFT, fft, mwk_wsum_fft_scratch, MWK_AF_PARTIAL | MWK_AF_FFTW | MWK_AF_NO_AUTO, NULL},
};

const mwk_stat_desc mwk_stat_sum = {
    .name = "sum",
    .params = 0,
    .keeps_f32 = 1,
    .nf = MWK_NF_SUM,
    .contract = "naive, ring, prefix, auto: |computed - exact| <= (w + 2) * 2^-53 * sum(|x| in "
                "window); fft: relative to the largest |x| in the segment",
    .check = NULL,
    .ref = ref,
    .acc_init = mwk_wsum_acc_init,
    .acc_add = mwk_wsum_acc_add,
    .acc_value = mwk_wsum_acc_value,
    .acc_scan = acc_scan,
    .finalize = NULL,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .masked_fallback = prefix,
    .rules = SUM_AUTO_RULES,
    .n_rules = sizeof SUM_AUTO_RULES / sizeof SUM_AUTO_RULES[0],
    .auto_default = MWK_ALGO_PREFIX,
};
