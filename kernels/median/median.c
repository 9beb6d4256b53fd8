/* move_median: the middle of the window's values (the mean of the two
 * middle ones for an even count). kernels/common/orderstat.c has the
 * shared position/combine rules; the algorithms live beside it. */
#include "auto_table.h"
#include "common/orderstat.h"
#include "common/qalgos.h"
#include "common/qsortblock.h"

extern const mwk_stat_desc mwk_stat_median;

static double ref(const double *x, size_t lo, size_t hi, const mwk_params *p,
                  mwk_nan_policy policy, size_t min_count) {
    return mwk_q_ref(&mwk_stat_median, x, lo, hi, p, policy, min_count);
}

static const mwk_algo_desc ALGOS[] = {
    {MWK_ALGO_NAIVE, mwk_q_naive, mwk_q_naive_scratch, 0, mwk_grid_vector},
    {MWK_ALGO_HEAP, mwk_q_heap, mwk_q_heap_scratch, 0, NULL},
    {MWK_ALGO_SKIPLIST, mwk_q_index, mwk_q_index_scratch, 0, mwk_grid_vector},
    {MWK_ALGO_SORTBLOCK, mwk_q_sortblock, mwk_q_sortblock_scratch, 0, mwk_grid_vector},
    {MWK_ALGO_NETWORK, mwk_q_network, mwk_q_network_scratch, 0, mwk_grid_vector},
};

const mwk_stat_desc mwk_stat_median = {
    .name = "median",
    .params = 0,
    .keeps_f32 = 1,
    .nf = MWK_NF_ORDER,
    .contract = "exact: the middle value, or the two middle values' mean rounded once",
    .ref = ref,
    .algos = ALGOS,
    .n_algos = sizeof ALGOS / sizeof ALGOS[0],
    .rules = MEDIAN_AUTO_RULES,
    .n_rules = sizeof MEDIAN_AUTO_RULES / sizeof MEDIAN_AUTO_RULES[0],
    .auto_default = MWK_ALGO_NAIVE,
};
