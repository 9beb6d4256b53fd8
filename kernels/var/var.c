/* move_var: variance over the window's non-NaN values, divisor count - ddof.
 * The cores (var_cores.c) are shared with move_std. */
#include "auto_table.h"
#include "var.h"

static int prefix(mwk_seg *s) { return mwk_var_prefix(s, 0); }
static int welford(mwk_seg *s) { return mwk_var_welford(s, 0); }

static void acc_scan(const double *x, size_t len, int backward, const mwk_params *p, double *out) {
    mwk_var_acc_scan(x, len, backward, p->ddof, 0, out);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_core_reference, NULL, MWK_AF_FINAL, mwk_grid_vector},
    {MWK_ALGO_WELFORD, welford, NULL, MWK_AF_PARTIAL, NULL},
    {MWK_ALGO_PREFIX, prefix, mwk_var_prefix_scratch, 0, NULL},
};

const mwk_stat_desc mwk_stat_var = {
    .name = "var",
    .params = MWK_PARAM_DDOF,
    .keeps_f32 = 1,
    .nf = MWK_NF_MOMENTS,
    .contract = "every algorithm: |computed - exact| <= 8 * (w + 4) * 2^-53 * exact var (plus "
                "w * 2^-1074); never negative; exactly 0 for a constant window",
    .check = mwk_var_check,
    .ref = mwk_var_window,
    .acc_init = mwk_var_acc_init,
    .acc_add = mwk_var_acc_add,
    .acc_value = mwk_var_acc_value,
    .acc_scan = acc_scan,
    .finalize = NULL,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .masked_fallback = prefix,
    .rules = VAR_AUTO_RULES,
    .n_rules = sizeof VAR_AUTO_RULES / sizeof VAR_AUTO_RULES[0],
    .auto_default = MWK_ALGO_PREFIX,
};
