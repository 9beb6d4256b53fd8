/* Moving extrema: the reference, the algorithms and the accumulator shared
 * by min, max, argmin and argmax. A statistic is one (direction, arg) pair:
 * its folder holds only its descriptor.
 *
 * Semantics (MWK_NF_ORDER): NaN is absent (cores skip it natively and
 * report having seen one, so the engine applies the NaN policy and
 * min_count); +inf and -inf are ordinary values. Exact: the result is one of
 * the window's values. argmin/argmax give the distance of the extremum from
 * the newest element of the window; ties go to the newest element. */
#ifndef MWK_KERNELS_EXTREMA_H
#define MWK_KERNELS_EXTREMA_H
#include "engine.h"

typedef struct {
    int is_max; /* 0: min, 1: max */
    int arg;    /* 0: the value, 1: the distance from the newest element */
} mwk_ext_kind;

double mwk_ext_window(mwk_ext_kind k, const double *x, size_t lo, size_t hi,
                      mwk_nan_policy policy, size_t min_count);

int mwk_ext_deque(mwk_seg *s, mwk_ext_kind k);
int mwk_ext_prefix(mwk_seg *s, mwk_ext_kind k);
size_t mwk_ext_deque_scratch(size_t n, size_t w);
size_t mwk_ext_prefix_scratch(size_t n, size_t w);

void mwk_ext_acc_init_min(mwk_acc *a);
void mwk_ext_acc_init_max(mwk_acc *a);
void mwk_ext_acc_add_min(mwk_acc *a, double v, size_t idx);
void mwk_ext_acc_add_max(mwk_acc *a, double v, size_t idx);
double mwk_ext_acc_value(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p);
double mwk_ext_acc_arg(const mwk_acc *a, size_t count, size_t newest, const mwk_params *p);

/* argmin/argmax of int64/uint64 data, exact (engine.h: raw_int). */
void mwk_ext_raw_int_min(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t n, size_t left,
                         size_t right, size_t k0, size_t k1, size_t min_count, double *y,
                         ptrdiff_t ys);
void mwk_ext_raw_int_max(const void *x, mwk_dtype dt, ptrdiff_t xs, size_t n, size_t left,
                         size_t right, size_t k0, size_t k1, size_t min_count, double *y,
                         ptrdiff_t ys);

void mwk_ext_acc_scan(mwk_ext_kind k, const double *x, size_t len, int backward, double *out);

/* Descriptor boilerplate for one (direction, arg) pair: a statistic's file
 * is this macro and its auto table. */
#define MWK_EXTREMA_STAT(SYM, NAME, IS_MAX, ARG, RULES, CONTRACT)                                 \
    static const mwk_ext_kind KIND = {IS_MAX, ARG};                                               \
    static double ref(const double *x, size_t lo, size_t hi, const mwk_params *p,                \
                      mwk_nan_policy policy, size_t min_count) {                                  \
        (void)p;                                                                                  \
        return mwk_ext_window(KIND, x, lo, hi, policy, min_count);                                \
    }                                                                                             \
    static int deque(mwk_seg *s) { return mwk_ext_deque(s, KIND); }                              \
    static void acc_scan(const double *x, size_t len, int backward, const mwk_params *p,           \
                         double *out) {                                                           \
        (void)p;                                                                                  \
        mwk_ext_acc_scan(KIND, x, len, backward, out);                                            \
    }                                                                                             \
    static int prefix(mwk_seg *s) { return mwk_ext_prefix(s, KIND); }                             \
    static const mwk_algo_desc ALGOS[] = {                                                        \
        {MWK_ALGO_NAIVE, mwk_core_reference, NULL, MWK_AF_FINAL, mwk_grid_vector},                \
        {MWK_ALGO_DEQUE, deque, mwk_ext_deque_scratch, 0, mwk_grid_vector},                       \
        {MWK_ALGO_PREFIX, prefix, mwk_ext_prefix_scratch, 0, mwk_grid_window},                    \
    };                                                                                            \
    const mwk_stat_desc SYM = {                                                                   \
        .name = NAME,                                                                             \
        .params = 0,                                                                              \
        .keeps_f32 = !(ARG),                                                                      \
        .nf = MWK_NF_ORDER,                                                                       \
        .contract = CONTRACT,                                                                     \
        .check = NULL,                                                                            \
        .ref = ref,                                                                               \
        .acc_init = (IS_MAX) ? mwk_ext_acc_init_max : mwk_ext_acc_init_min,                       \
        .acc_add = (IS_MAX) ? mwk_ext_acc_add_max : mwk_ext_acc_add_min,                          \
        .acc_value = (ARG) ? mwk_ext_acc_arg : mwk_ext_acc_value,                                 \
        .acc_scan = acc_scan,                                                                     \
        .finalize = NULL,                                                                         \
        .algos = ALGOS,                                                                           \
        .n_algos = sizeof ALGOS / sizeof ALGOS[0],                                                \
        .masked_fallback = prefix,                                                                \
        .raw_int = (ARG) ? ((IS_MAX) ? mwk_ext_raw_int_max : mwk_ext_raw_int_min) : NULL,        \
        .rules = RULES,                                                                           \
        .n_rules = sizeof RULES / sizeof RULES[0],                                                \
        .auto_default = MWK_ALGO_PREFIX,                                                          \
    }

#endif
