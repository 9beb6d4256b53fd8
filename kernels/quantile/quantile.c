/* move_quantile: numpy.quantile of the window's values for one or several
 * q (params.quantile / params.quantiles) and an interpolation method.
 * kernels/common/orderstat.c has the shared position/combine rules. */
#include "auto_table.h"
#include "common/orderstat.h"
#include "common/qalgos.h"
#include "common/qsortblock.h"

extern const mwk_stat_desc mwk_stat_quantile;

static double ref(const double *x, size_t lo, size_t hi, const mwk_params *p,
                  mwk_nan_policy policy, size_t min_count) {
    return mwk_q_ref(&mwk_stat_quantile, x, lo, hi, p, policy, min_count);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_q_naive, mwk_q_naive_scratch, 0, mwk_grid_vector},
    {MWK_ALGO_HEAP, mwk_q_heap, mwk_q_heap_scratch, 0, NULL},
    {MWK_ALGO_SKIPLIST, mwk_q_index, mwk_q_index_scratch, 0, mwk_grid_vector},
    {MWK_ALGO_SORTBLOCK, mwk_q_sortblock, mwk_q_sortblock_scratch, 0, mwk_grid_vector},
    {MWK_ALGO_NETWORK, mwk_q_network, mwk_q_network_scratch, 0, mwk_grid_vector},
};

const mwk_stat_desc mwk_stat_quantile = {
    .name = "quantile",
    .params = MWK_PARAM_QUANTILE | MWK_PARAM_INTERPOLATION,
    .keeps_f32 = 1,
    .nf = MWK_NF_ORDER,
    .contract = "exact selections; linear and midpoint interpolate between two of the window's "
                "values, rounded once (faithfully)",
    .check = mwk_q_check,
    .n_out = mwk_q_n_out,
    .ref = ref,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .rules = QUANTILE_AUTO_RULES,
    .n_rules = sizeof QUANTILE_AUTO_RULES / sizeof QUANTILE_AUTO_RULES[0],
    .auto_default = MWK_ALGO_NAIVE,
};
