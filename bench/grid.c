/* Grid benchmark for measured auto-selection: every algorithm x every SIMD
 * target this CPU supports x a grid of n and window x dtypes, one thread.
 * Writes CSV: ns per element, GB/s (input + output bytes), and the ratio to a
 * memcpy of the same input bytes measured in the same run. Every variant's
 * output is checked against the naive reference (on a prefix of the row when
 * naive would be too slow) before it is timed; a mismatch is reported in the
 * CSV's `check` column and makes the program exit non-zero.
 *
 * bench/derive_auto.py turns the CSV into kernels/move_mean/auto_table.h.
 *
 * Usage: mwk_grid [--csv FILE] [--full] [--budget SECONDS]
 *   default grid: n 1e2..1e6, windows 1..1e5 (minutes on 2 cores)
 *   --full:       n up to 1e8 (needs ~2.5 GB of memory, much longer) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwk.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    const void *x;
    void *y;
    mwk_dtype dt;
    size_t n, w;
    mwk_options opt;
    mwk_status st;
} call;

static void run(call *c) { c->st = mwk_move_mean(c->x, c->dt, c->n, 1, c->y, 1, c->w, &c->opt); }

static double best_of(void (*f)(void *), void *ctx, double budget) {
    double best = 1e30, spent = 0;
    int reps = 1;
    f(ctx);
    while (spent < budget) {
        double t0 = now();
        for (int i = 0; i < reps; i++) f(ctx);
        double dt = now() - t0;
        spent += dt;
        if (dt / reps < best) best = dt / reps;
        if (dt < 2e-3 && reps < (1 << 20)) reps *= 2;
    }
    return best;
}

static void run_v(void *p) { run(p); }

typedef struct { void *dst; const void *src; size_t bytes; } cp;
static void run_cp(void *p) { cp *c = p; memcpy(c->dst, c->src, c->bytes); }

static size_t esize(mwk_dtype d) { return (d == MWK_F32 || d == MWK_I32) ? 4 : 8; }

static void fill(void *x, mwk_dtype dt, size_t n) {
    unsigned long long s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double v = (double)(s >> 11) * 0x1.0p-53 * 2.0 - 1.0; /* U(-1,1) */
        switch (dt) {
        case MWK_F64: ((double *)x)[i] = 100.0 + v; break;
        case MWK_F32: ((float *)x)[i] = (float)(100.0 + v); break;
        case MWK_I64: ((long long *)x)[i] = (long long)(v * 1e6); break;
        case MWK_I32: ((int *)x)[i] = (int)(v * 1e6); break;
        }
    }
}

int main(int argc, char **argv) {
    const char *csv = "bench/out/grid.csv";
    int full = 0;
    double budget = 0.05;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--full")) full = 1;
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc) budget = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--csv FILE] [--full] [--budget SECONDS]\n", argv[0]);
            return 2;
        }
    }
    FILE *out = fopen(csv, "w");
    if (!out) {
        perror(csv);
        return 1;
    }
    mwk_runtime_info ri;
    memset(&ri, 0, sizeof ri);
    ri.struct_size = sizeof ri;
    mwk_runtime_info_get(&ri);
    if (!ri.target) {
        fprintf(stderr, "MWK_TARGET: %s\n", mwk_status_str(ri.target_status));
        return 1;
    }
    char cpu[128] = "unknown CPU";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[256];
        while (fgets(line, sizeof line, ci)) {
            char *colon = strchr(line, ':');
            if (!strncmp(line, "model name", 10) && colon) {
                snprintf(cpu, sizeof cpu, "%s", colon + 2);
                cpu[strcspn(cpu, "\n")] = 0;
                break;
            }
        }
        fclose(ci);
    }
    fprintf(out, "# mwk %s on %s, default target %s, supported %s\n", ri.version, cpu, ri.target,
            ri.supported_targets);
    fprintf(out, "dtype,n,window,algorithm,target,ns_per_elem,gb_per_s,x_memcpy,check\n");

    const size_t ns_default[] = {100, 1000, 10000, 100000, 1000000};
    const size_t ns_full[] = {100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    const size_t *ns = full ? ns_full : ns_default;
    const size_t n_ns = full ? 7 : 5;
    const size_t ws[] = {1, 2, 3, 4, 8, 16, 32, 64, 128, 1000, 10000, 100000};
    const mwk_dtype dts[] = {MWK_F64, MWK_F32, MWK_I64, MWK_I32};
    const mwk_algorithm algos[] = {MWK_ALGO_NAIVE, MWK_ALGO_RING, MWK_ALGO_PREFIX, MWK_ALGO_FFT};
    size_t nmax = ns[n_ns - 1];
    void *x = malloc(nmax * 8), *y = malloc(nmax * 8), *ref = malloc(nmax * 8), *cpy = malloc(nmax * 8);
    if (!x || !y || !ref || !cpy) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    int failures = 0;
    char tlist[256];
    for (size_t di = 0; di < 4; di++) {
        mwk_dtype dt = dts[di];
        for (size_t ni = 0; ni < n_ns; ni++) {
            size_t n = ns[ni];
            fill(x, dt, n);
            cp c = {cpy, x, n * esize(dt)};
            double t_copy = best_of(run_cp, &c, budget);
            for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
                size_t w = ws[wi];
                if (w > n) continue;
                /* Reference on a prefix short enough for naive. */
                size_t nref = n;
                while (nref > w && (double)nref * (double)w > 2e8) nref /= 2;
                if (nref < w) nref = w;
                call r = {x, ref, dt, nref, w, MWK_OPTIONS_INIT, MWK_OK};
                r.opt.algorithm = MWK_ALGO_NAIVE;
                run(&r);
                for (size_t ai = 0; ai < 4; ai++) {
                    mwk_algorithm a = algos[ai];
                    if (!mwk_algorithm_available(a)) continue;
                    if (a == MWK_ALGO_NAIVE && (double)n * (double)w > 2e8) continue;
                    snprintf(tlist, sizeof tlist, "%s", a == MWK_ALGO_PREFIX ? ri.supported_targets : ri.target);
                    for (char *tgt = strtok(tlist, ","); tgt; tgt = strtok(NULL, ",")) {
                        call v = {x, y, dt, nref, w, MWK_OPTIONS_INIT, MWK_OK};
                        v.opt.algorithm = a;
                        v.opt.target = tgt;
                        run(&v);
                        int ok = v.st == MWK_OK;
                        size_t oes = dt == MWK_F32 ? 4 : 8;
                        for (size_t i = 0; ok && i < nref; i++) {
                            double got = oes == 4 ? ((float *)y)[i] : ((double *)y)[i];
                            double want = oes == 4 ? ((float *)ref)[i] : ((double *)ref)[i];
                            double tol = oes == 4 ? 2e-7 : (a == MWK_ALGO_FFT ? 1e-9 : 1e-12);
                            if (!(isnan(got) && isnan(want)) && !(fabs(got - want) <= tol * (fabs(want) + 1.0))) ok = 0;
                        }
                        if (!ok) failures++;
                        v.n = n;
                        double secs = best_of(run_v, &v, budget);
                        if (v.st != MWK_OK) ok = 0, failures++;
                        double bytes = (double)n * (double)(esize(dt) + oes);
                        fprintf(out, "%s,%zu,%zu,%s,%s,%.4f,%.3f,%.3f,%s\n", mwk_dtype_name(dt), n, w,
                                mwk_algorithm_name(a), tgt, secs / (double)n * 1e9, bytes / secs / 1e9, secs / t_copy,
                                ok ? "ok" : "MISMATCH");
                        fflush(out);
                    }
                }
            }
            fprintf(stderr, "  %s n=%zu done\n", mwk_dtype_name(dt), n);
        }
    }
    fclose(out);
    free(x), free(y), free(ref), free(cpy);
    if (failures) fprintf(stderr, "%d variant(s) disagreed with the reference\n", failures);
    return failures ? 1 : 0;
}
