/* move_std: the square root of move_var's result, from var's cores. */
#include <math.h>

#include "auto_table.h"
#include "var/var.h"

static double ref(const double *x, size_t lo, size_t hi, const mwk_params *p,
                  mwk_nan_policy policy, size_t min_count) {
    return mwk_std_window(x, lo, hi, p, policy, min_count);
}

static double acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p) {
    return sqrt(mwk_var_acc_value(a, count, newest, p));
}

static int prefix(mwk_seg *s) { return mwk_var_prefix(s, 1); }
static int welford(mwk_seg *s) { return mwk_var_welford(s, 1); }

static void acc_scan(const double *x, size_t len, int backward, const mwk_params *p, double *out) {
    mwk_var_acc_scan(x, len, backward, p->ddof, 1, out);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_core_reference, NULL, MWK_AF_FINAL, mwk_grid_vector},
    {MWK_ALGO_WELFORD, welford, NULL, MWK_AF_PARTIAL, NULL},
    {MWK_ALGO_PREFIX, prefix, mwk_var_prefix_scratch, 0, NULL},
};

const mwk_stat_desc mwk_stat_std = {
    .name = "std",
    .params = MWK_PARAM_DDOF,
    .keeps_f32 = 1,
    .nf = MWK_NF_MOMENTS,
    .contract = "every algorithm: sqrt of a variance within 8 * (w + 4) * 2^-53 relative of the "
                "exact variance (half that relative error, plus one rounding); exactly 0 for a "
                "constant window",
    .check = mwk_var_check,
    .ref = ref,
    .acc_init = mwk_var_acc_init,
    .acc_add = mwk_var_acc_add,
    .acc_value = acc_value,
    .acc_scan = acc_scan,
    .finalize = NULL,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .masked_fallback = prefix,
    .rules = STD_AUTO_RULES,
    .n_rules = sizeof STD_AUTO_RULES / sizeof STD_AUTO_RULES[0],
    .auto_default = MWK_ALGO_PREFIX,
};
