/* Crossover table for MWK_ALGO_AUTO: data, not code.
 *
 * Rules are tried in order; the first whose target matches ("*" = any) and
 * whose limits hold wins. Only algorithms that honour the accuracy contract
 * may appear here (never fft).
 *
 * Provenance: initial values from the C benchmark (bench/mwk_bench) on the
 * 2-core AVX-512 development VM; regenerate on another machine with
 *     build/bench/mwk_bench --csv bench/out/grid.csv
 *     python3 bench/derive_auto.py bench/out/grid.csv > kernels/move_mean/auto_table.h
 * and rebuild. */
#ifndef MWK_MOVE_MEAN_AUTO_TABLE_H
#define MWK_MOVE_MEAN_AUTO_TABLE_H
#include <stddef.h>
#include <stdint.h>
#include "mwk.h"

typedef struct mm_auto_rule {
    const char *target;   /* mwk target name or "*" */
    size_t max_window;    /* rule applies when window <= max_window */
    mwk_algorithm algorithm;
} mm_auto_rule;

static const mm_auto_rule MM_AUTO_RULES[] = {
    {"*", 2, MWK_ALGO_NAIVE},
    {"*", SIZE_MAX, MWK_ALGO_PREFIX},
};

#endif
