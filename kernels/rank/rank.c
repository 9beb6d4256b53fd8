/* move_rank: bottleneck's rank of the window's newest element, ties
 * averaged, scaled to [-1, 1] (kernels/common/orderstat.h). */
#include <math.h>

#include "auto_table.h"
#include "common/orderstat.h"
#include "rank_algos.h"

static double ref(const double *x, size_t lo, size_t hi, const mwk_params *p,
                  mwk_nan_policy policy, size_t min_count) {
    (void)p;
    if (!mwk_order_window_counts(x, lo, hi, policy, min_count)) return NAN;
    return mwk_rank_window(x, lo, hi, hi - 1);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_rank_naive, NULL, 0, mwk_grid_vector},
    {MWK_ALGO_FENWICK, mwk_rank_fenwick, mwk_rank_fenwick_scratch, 0, mwk_grid_vector},
};

const mwk_stat_desc mwk_stat_rank = {
    .name = "rank",
    .params = 0,
    .keeps_f32 = 1,
    .nf = MWK_NF_ORDER,
    .contract = "exact counts; the scaled rank is rounded once",
    .ref = ref,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .rules = RANK_AUTO_RULES,
    .n_rules = sizeof RANK_AUTO_RULES / sizeof RANK_AUTO_RULES[0],
    .auto_default = MWK_ALGO_NAIVE,
};
