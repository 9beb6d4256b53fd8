/* The registry of statistics (kernels/registry.def) and the public
 * introspection and compatibility entry points built on it. */
#include <pthread.h>
#include <string.h>

#include "engine.h"
#include "mwk_config.h"

#define MWK_STAT(id, desc) extern const mwk_stat_desc desc;
#include "registry.def"
#undef MWK_STAT

static const mwk_stat_desc *const REGISTRY[] = {
#define MWK_STAT(id, desc) [id] = &desc,
#include "registry.def"
#undef MWK_STAT
};
#define REGISTRY_COUNT (sizeof REGISTRY / sizeof REGISTRY[0])

const mwk_stat_desc *mwk_registry_get(mwk_stat stat) {
    if ((unsigned)stat >= REGISTRY_COUNT) return NULL;
    return REGISTRY[stat];
}

size_t mwk_registry_count(void) { return REGISTRY_COUNT; }

const mwk_algo_desc *mwk_registry_algo(const mwk_stat_desc *d, mwk_algorithm a) {
    if (!d || a == MWK_ALGO_AUTO || (unsigned)a >= (unsigned)MWK_ALGO_COUNT) return NULL;
    for (size_t i = 0; i < d->n_algos; i++)
        if (d->algos[i].id == a) return d->algos[i].core ? &d->algos[i] : NULL;
    return NULL;
}

int mwk_algo_available(const mwk_algo_desc *a) {
    if (!a || !a->core) return 0;
    if ((a->flags & MWK_AF_FFTW) && !MWK_HAVE_FFTW) return 0;
    if ((a->flags & MWK_AF_BLAS) && !MWK_HAVE_BLAS) return 0;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Public introspection                                                     */

size_t mwk_stat_count(void) { return REGISTRY_COUNT; }

const char *mwk_stat_name(mwk_stat stat) {
    const mwk_stat_desc *d = mwk_registry_get(stat);
    return d ? d->name : NULL;
}

mwk_status mwk_stat_from_name(const char *name, mwk_stat *out) {
    if (!name || !out) return MWK_E_NULL;
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        if (strcmp(REGISTRY[i]->name, name) == 0) {
            *out = (mwk_stat)i;
            return MWK_OK;
        }
    }
    return MWK_E_STAT;
}

mwk_status mwk_algorithm_from_name(const char *name, mwk_algorithm *out) {
    if (!name || !out) return MWK_E_NULL;
    for (int a = 0; a < MWK_ALGO_COUNT; a++) {
        const char *s = mwk_algorithm_name((mwk_algorithm)a);
        if (s && strcmp(s, name) == 0) {
            *out = (mwk_algorithm)a;
            return MWK_OK;
        }
    }
    return MWK_E_ALGORITHM;
}

/* Forceable algorithms of each statistic, as public arrays: built once
 * (pthread_once) from the constant descriptors. */
#define MAX_ALGOS 16
static mwk_algorithm g_algo_lists[REGISTRY_COUNT][MAX_ALGOS];
static size_t g_algo_counts[REGISTRY_COUNT];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void build_lists(void) {
    for (size_t s = 0; s < REGISTRY_COUNT; s++) {
        size_t k = 0;
        for (size_t i = 0; i < REGISTRY[s]->n_algos && k < MAX_ALGOS; i++)
            if (mwk_algo_available(&REGISTRY[s]->algos[i])) g_algo_lists[s][k++] = REGISTRY[s]->algos[i].id;
        g_algo_counts[s] = k;
    }
}

mwk_status mwk_stat_info_get(mwk_stat stat, mwk_stat_info *info) {
    if (!info) return MWK_E_NULL;
    if (info->struct_size != sizeof(mwk_stat_info)) return MWK_E_OPTIONS;
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return MWK_E_STAT;
    pthread_once(&g_once, build_lists);
    info->name = d->name;
    info->params = d->params;
    info->n_algorithms = g_algo_counts[stat];
    info->algorithms = g_algo_lists[stat];
    info->float_output_keeps_f32 = d->keeps_f32;
    info->contract = d->contract;
    return MWK_OK;
}

int mwk_stat_has_algorithm(mwk_stat stat, mwk_algorithm a) {
    const mwk_stat_desc *d = mwk_registry_get(stat);
    if (!d) return 0;
    if (a == MWK_ALGO_AUTO) return 1;
    return mwk_algo_available(mwk_registry_algo(d, a));
}

int mwk_algorithm_available(mwk_algorithm a) {
    if (a == MWK_ALGO_AUTO) return 1;
    /* gemm belongs to the FIR bank (mwk_fir_bank_batch), outside the registry. */
    if (a == MWK_ALGO_GEMM) return MWK_HAVE_BLAS;
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (mwk_algo_available(mwk_registry_algo(REGISTRY[i], a))) return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* move_mean: the 0.1 API, now the generic entry points with MWK_STAT_MEAN   */

mwk_status mwk_move_mean(const void *x, mwk_dtype dtype, size_t n, ptrdiff_t x_stride, void *y,
                         ptrdiff_t y_stride, size_t window, const mwk_options *opt) {
    return mwk_move(MWK_STAT_MEAN, NULL, x, dtype, n, x_stride, y, y_stride, window, opt);
}

mwk_status mwk_move_mean_batch(const void *x, mwk_dtype dtype, size_t rows, size_t n,
                               ptrdiff_t x_row_stride, ptrdiff_t x_stride, void *y,
                               ptrdiff_t y_row_stride, ptrdiff_t y_stride, size_t window,
                               const mwk_options *opt) {
    return mwk_move_batch(MWK_STAT_MEAN, NULL, x, dtype, rows, n, x_row_stride, x_stride, y,
                          y_row_stride, y_stride, window, opt);
}

mwk_status mwk_move_mean_choose(mwk_dtype dtype, size_t n, size_t window, const mwk_options *opt,
                                mwk_algorithm *chosen) {
    return mwk_move_choose(MWK_STAT_MEAN, NULL, dtype, n, window, opt, chosen);
}

mwk_status mwk_move_mean_out_dtype(mwk_dtype in, mwk_dtype *out) {
    return mwk_move_out_dtype(MWK_STAT_MEAN, in, out);
}

mwk_status mwk_move_mean_out_len(size_t n, size_t window, mwk_align align, size_t *out_len) {
    if (!out_len) return MWK_E_NULL;
    mwk_options o;
    mwk_options_init(&o);
    o.align = align;
    return mwk_move_len(n, window, &o, out_len);
}
