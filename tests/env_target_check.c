/*
 * Helper run by ctest with environment variables set (set_tests_properties
 * ENVIRONMENT) and by test_api's runtime tests. Exit status 0 = pass.
 *
 *   env_target_check expect NAME        MWK_TARGET=NAME is the process target
 *   env_target_check expect-fail VALUE  MWK_TARGET=VALUE is refused: calls fail
 *   env_target_check expect-default     no MWK_TARGET: the best supported target
 *   env_target_check threads-malformed  MWK_NUM_THREADS malformed: batch threads=0 fails
 *   env_target_check threads N          MWK_NUM_THREADS=N: max_threads == N
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

static int failures = 0;
#define CHECK(cond, ...)                                               \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                              \
            fprintf(stderr, "\n");                                     \
            failures++;                                                \
        }                                                              \
    } while (0)

#define NX 2000

static double X[NX], Y1[NX], Y2[NX];

static int first_target(const char *list, char *out, size_t cap) {
    if (!list) return 0;
    size_t k = strcspn(list, ",");
    if (k == 0 || k >= cap) return 0;
    memcpy(out, list, k);
    out[k] = 0;
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s mode [arg]\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    const char *arg = argc > 2 ? argv[2] : NULL;
    mt_rng r;
    mt_rng_seed(&r, 42);
    for (int i = 0; i < NX; i++) X[i] = 1e3 + mt_rng_normal(&r);

    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    mwk_status st = mwk_runtime_info_get(&info);
    CHECK(st == MWK_OK, "runtime_info_get -> %d", (int)st);
    fprintf(stderr, "env: MWK_TARGET=%s MWK_NUM_THREADS=%s target=%s status=%d request=%s supported=%s\n",
            getenv("MWK_TARGET") ? getenv("MWK_TARGET") : "(unset)",
            getenv("MWK_NUM_THREADS") ? getenv("MWK_NUM_THREADS") : "(unset)",
            info.target ? info.target : "(null)", (int)info.target_status,
            info.target_request ? info.target_request : "(null)",
            info.supported_targets ? info.supported_targets : "(null)");
    char best[64] = "";
    CHECK(first_target(info.supported_targets, best, sizeof best), "no supported targets");

    if (strcmp(mode, "expect") == 0 && arg) {
        CHECK(info.target && strcmp(info.target, arg) == 0, "target %s, expected %s",
              info.target ? info.target : "(null)", arg);
        CHECK(info.target_status == MWK_OK, "target_status %d", (int)info.target_status);
        CHECK(info.target_request && strcmp(info.target_request, arg) == 0, "target_request %s",
              info.target_request ? info.target_request : "(null)");
        /* the process target is what NULL options use: bit-identical to asking for it */
        mwk_algorithm algos[5];
        size_t na = mt_algos(algos);
        for (size_t a = 0; a < na; a++) {
            mwk_options o1 = MWK_OPTIONS_INIT, o2 = MWK_OPTIONS_INIT;
            o1.algorithm = o2.algorithm = algos[a];
            o2.target = arg;
            st = mwk_move_mean(X, MWK_F64, NX, 1, Y1, 1, 100, &o1);
            CHECK(st == MWK_OK, "move_mean (process target) -> %d", (int)st);
            st = mwk_move_mean(X, MWK_F64, NX, 1, Y2, 1, 100, &o2);
            CHECK(st == MWK_OK, "move_mean (target %s) -> %d", arg, (int)st);
            CHECK(memcmp(Y1, Y2, sizeof Y1) == 0,
                  "algo %s: process target %s differs from opt.target=%s", mt_algo_str(algos[a]),
                  arg, arg);
            mwk_algorithm c1, c2;
            CHECK(mwk_move_mean_choose(MWK_F64, NX, 100, &o1, &c1) == MWK_OK, "choose");
            CHECK(mwk_move_mean_choose(MWK_F64, NX, 100, &o2, &c2) == MWK_OK, "choose");
            CHECK(c1 == c2, "choose differs: %d vs %d", (int)c1, (int)c2);
        }
        st = mwk_move_mean_batch(X, MWK_F64, 4, NX / 4, NX / 4, 1, Y1, NX / 4, 1, 10, NULL);
        CHECK(st == MWK_OK, "batch -> %d", (int)st);
    } else if (strcmp(mode, "expect-fail") == 0) {
        CHECK(info.target == NULL, "target should be NULL, is %s", info.target);
        CHECK(info.target_status == MWK_E_TARGET, "target_status %d", (int)info.target_status);
        CHECK(info.target_request && arg && strcmp(info.target_request, arg) == 0,
              "target_request %s", info.target_request ? info.target_request : "(null)");
        CHECK(info.supported_targets && strlen(info.supported_targets) > 0,
              "supported_targets still listed");
        memset(Y1, 0xA5, sizeof Y1);
        memset(Y2, 0xA5, sizeof Y2);
        st = mwk_move_mean(X, MWK_F64, NX, 1, Y1, 1, 10, NULL);
        CHECK(st == MWK_E_TARGET, "move_mean -> %d", (int)st);
        mwk_options o = MWK_OPTIONS_INIT;
        o.algorithm = MWK_ALGO_NAIVE;
        st = mwk_move_mean(X, MWK_F64, NX, 1, Y1, 1, 10, &o);
        CHECK(st == MWK_E_TARGET, "move_mean naive -> %d", (int)st);
        st = mwk_move_mean_batch(X, MWK_F64, 4, NX / 4, NX / 4, 1, Y1, NX / 4, 1, 10, NULL);
        CHECK(st == MWK_E_TARGET, "batch -> %d", (int)st);
        mwk_algorithm ch;
        st = mwk_move_mean_choose(MWK_F64, NX, 10, NULL, &ch);
        CHECK(st == MWK_E_TARGET, "choose -> %d", (int)st);
        CHECK(memcmp(Y1, Y2, sizeof Y1) == 0, "failed call wrote output");
        /* an explicit per-call target still works */
        o.target = best;
        o.algorithm = MWK_ALGO_AUTO;
        st = mwk_move_mean(X, MWK_F64, NX, 1, Y1, 1, 10, &o);
        CHECK(st == MWK_OK, "move_mean with opt.target=%s -> %d", best, (int)st);
    } else if (strcmp(mode, "expect-default") == 0) {
        CHECK(info.target && strcmp(info.target, best) == 0, "target %s, best %s",
              info.target ? info.target : "(null)", best);
        CHECK(info.target_request == NULL, "target_request %s", info.target_request);
        CHECK(info.target_status == MWK_OK, "target_status %d", (int)info.target_status);
    } else if (strcmp(mode, "threads-malformed") == 0) {
        mwk_options o = MWK_OPTIONS_INIT;
        st = mwk_move_mean_batch(X, MWK_F64, 4, NX / 4, NX / 4, 1, Y1, NX / 4, 1, 10, &o);
        CHECK(st == MWK_E_THREADS, "batch threads=0 with MWK_NUM_THREADS=%s -> %d",
              getenv("MWK_NUM_THREADS"), (int)st);
        st = mwk_move_mean_batch(X, MWK_F64, 4, NX / 4, NX / 4, 1, Y1, NX / 4, 1, 10, NULL);
        CHECK(st == MWK_E_THREADS, "batch NULL options -> %d", (int)st);
        o.threads = 2;
        st = mwk_move_mean_batch(X, MWK_F64, 4, NX / 4, NX / 4, 1, Y1, NX / 4, 1, 10, &o);
        CHECK(st == MWK_OK, "batch threads=2 -> %d", (int)st);
    } else if (strcmp(mode, "threads") == 0 && arg) {
        int want = atoi(arg);
        CHECK(info.max_threads == want, "max_threads %d, MWK_NUM_THREADS=%d", info.max_threads,
              want);
        st = mwk_move_mean_batch(X, MWK_F64, 4, NX / 4, NX / 4, 1, Y1, NX / 4, 1, 10, NULL);
        CHECK(st == MWK_OK, "batch -> %d", (int)st);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
