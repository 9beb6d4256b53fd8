/* SIMD target selection and the runtime report.
 *
 * Decided once per process (pthread_once), never changed afterwards, so every
 * thread sees the same choice without locks on the hot path. A per-call
 * target (mwk_options.target) is resolved against the same immutable table,
 * which is how tests and benchmarks run every target in one process without
 * touching global state. An unknown or unsupported MWK_TARGET is an error
 * that every call reports (simdjson's rule): a silent fallback would make a
 * user believe they measured a target they did not run. */
#include "dispatch.h"

#include <ctype.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwk_config.h"
#include "threads/threads.h"
#include "blas/blas_backend.h"
#if MWK_HAVE_HWY
#include "hwy/hwy_shim.h"
#endif
#if MWK_HAVE_FFTW
#include <fftw3.h>
#endif

#define MAX_TARGETS 24

typedef struct {
    mwk_target compiled[MAX_TARGETS]; /* best first */
    int supported[MAX_TARGETS];
    size_t n_compiled;
    mwk_target process;               /* valid when process_status == MWK_OK */
    mwk_status process_status;
    char request[64];
    int has_request;
    char supported_list[256];
    char compiled_list[256];
    char backends[128];
    char hwy_version[32];
    char statistics[256];
} dispatch_state;

static dispatch_state g_state;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

#if MWK_HAVE_HWY
/* Our public names, ISA-honest and lower case; Highway's names are accepted too. */
static const char *public_name(const char *hwy_name) {
    static const struct { const char *hwy, *pub; } map[] = {
        {"AVX3_DL", "avx512_dl"}, {"AVX3", "avx512"}, {"AVX2", "avx2"},
        {"SSE4", "sse4"}, {"SSSE3", "ssse3"}, {"EMU128", "scalar"},
        {"SCALAR", "scalar"}, {"NEON", "neon"}, {"SVE", "sve"},
        {"SVE2", "sve2"}, {"SVE_256", "sve_256"}, {"SVE2_128", "sve2_128"},
        {"PPC8", "ppc8"}, {"WASM", "wasm"}, {"WASM_EMU256", "wasm_emu256"},
        {"RVV", "rvv"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].hwy, hwy_name) == 0) return map[i].pub;
    return hwy_name;
}
#endif

static int name_matches(const char *request, const mwk_target *t) {
    /* Case-insensitive compare against our name and Highway's. */
    const char *cands[2] = {t->name, NULL};
#if MWK_HAVE_HWY
    cands[1] = t->hwy_bit ? mwk_hwy_target_name(t->hwy_bit) : NULL;
#endif
    for (int c = 0; c < 2; c++) {
        const char *a = request, *b = cands[c];
        if (!b) continue;
        while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) a++, b++;
        if (*a == 0 && *b == 0) return 1;
    }
    return 0;
}

static void append(char *buf, size_t cap, const char *s) {
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%s", len ? "," : "", s);
}

static void init_once(void) {
    dispatch_state *st = &g_state;
#if MWK_HAVE_HWY
    int64_t bits[MAX_TARGETS];
    size_t k = mwk_hwy_compiled_targets(bits, MAX_TARGETS);
    int64_t sup = mwk_hwy_supported_mask();
    for (size_t i = 0; i < k; i++) {
        /* Highway's own scalar/EMU128 fallback exists on x86 but not on
         * aarch64 (NEON is the baseline there); "scalar" is ours instead. */
        if (!strcmp(mwk_hwy_target_name(bits[i]), "EMU128") ||
            !strcmp(mwk_hwy_target_name(bits[i]), "SCALAR"))
            continue;
        st->compiled[st->n_compiled].hwy_bit = bits[i];
        st->compiled[st->n_compiled].name = public_name(mwk_hwy_target_name(bits[i]));
        st->supported[st->n_compiled] = (sup & bits[i]) != 0;
        st->n_compiled++;
    }
    snprintf(st->hwy_version, sizeof st->hwy_version, "%s", mwk_hwy_version());
#endif
    /* "scalar": the portable C code, on every platform and build, always
     * supported, always last (the fallback of last resort and the baseline
     * every SIMD target is compared with). */
    st->compiled[st->n_compiled].hwy_bit = 0;
    st->compiled[st->n_compiled].name = "scalar";
    st->supported[st->n_compiled] = 1;
    st->n_compiled++;
    for (size_t i = 0; i < st->n_compiled; i++) {
        append(st->compiled_list, sizeof st->compiled_list, st->compiled[i].name);
        if (st->supported[i]) append(st->supported_list, sizeof st->supported_list, st->compiled[i].name);
    }
#if MWK_HAVE_HWY
    append(st->backends, sizeof st->backends, "highway");
#else
    append(st->backends, sizeof st->backends, "portable-c");
#endif
#if MWK_HAVE_FFTW
    append(st->backends, sizeof st->backends, "fftw");
#endif
#if MWK_HAVE_OPENMP
    append(st->backends, sizeof st->backends, "openmp");
#endif
#if MWK_HAVE_BLAS
    append(st->backends, sizeof st->backends, MWK_HAVE_OPENBLAS ? "openblas" : "blas");
#endif

    for (size_t i = 0; i < mwk_stat_count(); i++)
        append(st->statistics, sizeof st->statistics, mwk_stat_name((mwk_stat)i));

    const char *env = getenv("MWK_TARGET");
    st->process_status = MWK_E_INTERNAL;
    if (env && *env) {
        st->has_request = 1;
        snprintf(st->request, sizeof st->request, "%s", env);
        st->process_status = MWK_E_TARGET;
        for (size_t i = 0; i < st->n_compiled; i++) {
            if (name_matches(env, &st->compiled[i])) {
                if (st->supported[i]) {
                    st->process = st->compiled[i];
                    st->process_status = MWK_OK;
                }
                break;
            }
        }
    } else {
        for (size_t i = 0; i < st->n_compiled; i++) {
            if (st->supported[i]) {
                st->process = st->compiled[i];
                st->process_status = MWK_OK;
                break;
            }
        }
    }
}

mwk_status mwk_target_resolve(const char *request, mwk_target *out) {
    pthread_once(&g_once, init_once);
    const dispatch_state *st = &g_state;
    if (!request) {
        if (st->process_status != MWK_OK) return st->process_status;
        *out = st->process;
        return MWK_OK;
    }
    for (size_t i = 0; i < st->n_compiled; i++) {
        if (name_matches(request, &st->compiled[i])) {
            if (!st->supported[i]) return MWK_E_TARGET;
            *out = st->compiled[i];
            return MWK_OK;
        }
    }
    return MWK_E_TARGET;
}

mwk_status mwk_runtime_info_get(mwk_runtime_info *info) {
    if (!info) return MWK_E_NULL;
    /* The 0.1 struct ends before `statistics`, the 0.2 one before `blas`. */
    const size_t v01 = offsetof(mwk_runtime_info, statistics);
    const size_t v02 = offsetof(mwk_runtime_info, blas);
    if (info->struct_size != sizeof(mwk_runtime_info) && info->struct_size != v01 &&
        info->struct_size != v02)
        return MWK_E_OPTIONS;
    pthread_once(&g_once, init_once);
    const dispatch_state *st = &g_state;
    info->version = MWK_VERSION_STRING;
    info->target = st->process_status == MWK_OK ? st->process.name : NULL;
    info->target_status = st->process_status;
    info->target_request = st->has_request ? st->request : NULL;
    info->supported_targets = st->supported_list;
    info->compiled_targets = st->compiled_list;
    info->backends = st->backends;
    info->highway_version = MWK_HAVE_HWY ? st->hwy_version : NULL;
#if MWK_HAVE_FFTW
    info->fftw_version = fftw_version;
#else
    info->fftw_version = NULL;
#endif
    int t = 1;
    info->max_threads = mwk_threads_default(&t) == MWK_OK ? t : 1;
    if (info->struct_size >= v02) info->statistics = st->statistics;
    if (info->struct_size >= sizeof(mwk_runtime_info)) info->blas = mwk_blas_describe();
    return MWK_OK;
}
