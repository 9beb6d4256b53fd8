/* move_rank's algorithms beyond the reference (mwk_rank_naive). */
#ifndef MWK_KERNELS_RANK_ALGOS_H
#define MWK_KERNELS_RANK_ALGOS_H
#include <stddef.h>

#include "engine.h"

/* Fenwick tree over the segment's dense value ranks (rank_fenwick.c). */
int mwk_rank_fenwick(mwk_seg *s);
size_t mwk_rank_fenwick_scratch(size_t n, size_t w);

#endif
