/* Median/quantile algorithms of kernels/common beyond the naive core (see
 * orderstat.h for what they share): cores and scratch sizes for the
 * statistics' ALGOS tables. */
#ifndef MWK_KERNELS_QALGOS_H
#define MWK_KERNELS_QALGOS_H
#include "orderstat.h"

/* Two heaps split at the quantile's rank (qheap.c): O(log w) per step and
 * quantile; several quantiles are one heap pass each. */
int mwk_q_heap(mwk_seg *s);
size_t mwk_q_heap_scratch(size_t n, size_t w);

/* Order-statistic index (qindex.c): the values ranked once per chunk of
 * windows, the window a set of ranks in a counted bitmap; any rank in
 * O(log w), so several quantiles per step cost one selection each. */
int mwk_q_index(mwk_seg *s);
size_t mwk_q_index_scratch(size_t n, size_t w);

#endif
