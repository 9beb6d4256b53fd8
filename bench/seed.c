#define _POSIX_C_SOURCE 200809L
/* The seed's table in C: valid moving mean of arange(30000), window 1000,
 * float64, one thread, in cache -- every algorithm and every SIMD target of
 * this CPU against memcpy of the same bytes and a plain scalar running sum
 * (the seed's numba ring buffer, without our accuracy guarantees), all
 * measured in this run. Then the spectrometer batch: rows x 30000, against a
 * copy of the output-sized data, measured in the same run.
 *
 * Every result is checked against the naive (reference) algorithm before it
 * is timed. Prints ratios, never asserts speed: speed goals are read here,
 * not enforced by tests.
 *
 * Usage: mwk_seed [--rows R] [--quick]   (R = batch rows, default 2000) */
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

typedef void (*bench_fn)(void *ctx);

/* Best of several timed batches: the least disturbed estimate of one call. */
static double time_best(bench_fn f, void *ctx, double budget_s) {
    double best = 1e30, spent = 0.0;
    int reps = 1;
    f(ctx); /* warm caches and plan tables */
    while (spent < budget_s) {
        double t0 = now();
        for (int i = 0; i < reps; i++) f(ctx);
        double dt = now() - t0;
        spent += dt;
        if (dt / reps < best) best = dt / reps;
        if (dt < 1e-3) reps *= 2;
    }
    return best;
}

typedef struct {
    const double *x;
    double *y;
    size_t n, w, rows;
    mwk_options opt;
    int status;
} call_ctx;

static void run_mwk(void *p) {
    call_ctx *c = p;
    c->status = c->rows ? mwk_move_mean_batch(c->x, MWK_F64, c->rows, c->n, (ptrdiff_t)c->n, 1, c->y,
                                              (ptrdiff_t)(c->n - c->w + 1), 1, c->w, &c->opt)
                        : mwk_move_mean(c->x, MWK_F64, c->n, 1, c->y, 1, c->w, &c->opt);
}

static void run_memcpy(void *p) {
    call_ctx *c = p;
    size_t m = c->rows ? c->rows * (c->n - c->w + 1) : c->n;
    memcpy(c->y, c->x, m * sizeof(double));
}

/* The seed's numba ring buffer in C: a plain running sum, no compensation. */
static void run_plain_running(void *p) {
    call_ctx *c = p;
    const double *x = c->x;
    double s = 0.0, inv = 1.0 / (double)c->w;
    for (size_t i = 0; i < c->w; i++) s += x[i];
    c->y[0] = s * inv;
    for (size_t j = 1; j + c->w <= c->n; j++) {
        s += x[j + c->w - 1] - x[j - 1];
        c->y[j] = s * inv;
    }
}

static double max_rel_err(const double *a, const double *ref, size_t m) {
    double e = 0.0;
    for (size_t i = 0; i < m; i++) {
        double d = fabs(a[i] - ref[i]) / (fabs(ref[i]) > 0 ? fabs(ref[i]) : 1.0);
        if (!(d <= e)) e = d;
    }
    return e;
}

int main(int argc, char **argv) {
    size_t rows = 2000;
    double budget = 0.3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--quick")) budget = 0.05, rows = 200;
        else {
            fprintf(stderr, "usage: %s [--rows R] [--quick]\n", argv[0]);
            return 2;
        }
    }
    const size_t n = 30000, w = 1000, m = n - w + 1;
    mwk_runtime_info ri;
    memset(&ri, 0, sizeof ri);
    ri.struct_size = sizeof ri;
    mwk_runtime_info_get(&ri);
    printf("mwk %s  target %s  (supported: %s)  backends %s  Highway %s  %s\n", ri.version,
           ri.target ? ri.target : "(none)", ri.supported_targets, ri.backends,
           ri.highway_version ? ri.highway_version : "-", ri.fftw_version ? ri.fftw_version : "");
    if (!ri.target) {
        fprintf(stderr, "mwk: MWK_TARGET=%s: %s\n", ri.target_request, mwk_status_str(ri.target_status));
        return 1;
    }

    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *ref = malloc(m * sizeof *ref);
    for (size_t i = 0; i < n; i++) x[i] = (double)i;
    call_ctx c = {x, ref, n, w, 0, MWK_OPTIONS_INIT, 0};
    c.opt.align = MWK_ALIGN_VALID;
    c.opt.algorithm = MWK_ALGO_NAIVE;
    run_mwk(&c);
    if (c.status) { fprintf(stderr, "naive failed: %s\n", mwk_status_str(c.status)); return 1; }

    printf("\n## Seed case: valid moving mean of arange(%zu), window %zu, float64, 1 thread\n\n", n, w);
    printf("| method | target | us/call | x naive | x plain running sum | x memcpy | max rel err |\n");
    printf("|---|---|---:|---:|---:|---:|---:|\n");
    c.y = y;
    double t_copy = time_best(run_memcpy, &c, budget);
    double t_plain = time_best(run_plain_running, &c, budget);
    double e_plain = max_rel_err(y, ref, m);
    c.opt.algorithm = MWK_ALGO_NAIVE;
    double t_naive = time_best(run_mwk, &c, budget);
    printf("| memcpy of the same %zu doubles | - | %.2f | %.0f | - | 1.00 | - |\n", n, t_copy * 1e6, t_naive / t_copy);
    printf("| plain running sum (seed's ring, uncompensated) | scalar C | %.2f | %.0f | 1.00 | %.2f | %.1e |\n",
           t_plain * 1e6, t_naive / t_plain, t_plain / t_copy, e_plain);

    static const mwk_algorithm algos[] = {MWK_ALGO_NAIVE, MWK_ALGO_RING, MWK_ALGO_PREFIX, MWK_ALGO_FFT, MWK_ALGO_AUTO};
    char targets[256];
    snprintf(targets, sizeof targets, "%s", ri.supported_targets);
    double t_auto = 0;
    for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++) {
        if (!mwk_algorithm_available(algos[a])) continue;
        int per_target = algos[a] == MWK_ALGO_PREFIX;
        char list[256];
        snprintf(list, sizeof list, "%s", per_target ? targets : ri.target);
        for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
            c.opt.algorithm = algos[a];
            c.opt.target = tok;
            memset(y, 0, n * sizeof *y);
            run_mwk(&c);
            if (c.status) { printf("| %s | %s | failed: %s |\n", mwk_algorithm_name(algos[a]), tok, mwk_status_str(c.status)); continue; }
            double err = max_rel_err(y, ref, m);
            double t = algos[a] == MWK_ALGO_NAIVE ? t_naive : time_best(run_mwk, &c, budget);
            if (algos[a] == MWK_ALGO_AUTO) t_auto = t;
            printf("| mwk %s | %s | %.2f | %.0f | %.2f | %.2f | %.1e |\n", mwk_algorithm_name(algos[a]), tok,
                   t * 1e6, t_naive / t, t_plain / t, t / t_copy, err);
        }
        c.opt.target = NULL;
    }
    printf("\nGoals (issue: core library): auto within 1.5x of memcpy: %.2fx (%s); "
           "auto at least 3x faster than the plain running sum: %.2fx (%s)\n",
           t_auto / t_copy, t_auto / t_copy <= 1.5 ? "met" : "MISSED",
           t_plain / t_auto, t_plain / t_auto >= 3 ? "met" : "MISSED");

    /* ---- spectrometer batch ---- */
    if (rows) {
        double *bx = malloc(rows * n * sizeof *bx), *by = malloc(rows * m * sizeof *by);
        if (!bx || !by) { fprintf(stderr, "batch: out of memory\n"); return 1; }
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < n; i++) bx[r * n + i] = (double)((i * 7 + r * 13) % 1000) + 0.5 * (double)r;
        call_ctx b = {bx, by, n, w, rows, MWK_OPTIONS_INIT, 0};
        b.opt.align = MWK_ALIGN_VALID;
        double tb_copy = time_best(run_memcpy, &b, budget * 3);
        printf("\n## Spectrometer batch: %zu rows x %zu channels, window %zu, valid, float64 (%.0f MB in)\n\n",
               rows, n, w, rows * n * 8 / 1e6);
        printf("| method | threads | seconds | x copy of output-sized data | GB/s (in+out) |\n|---|---:|---:|---:|---:|\n");
        printf("| memcpy of output-sized data | 1 | %.4f | 1.00 | %.1f |\n", tb_copy, 2 * rows * m * 8 / tb_copy / 1e9);
        double ratio1 = 0;
        for (int th = 1; th <= ri.max_threads; th = th == 1 && ri.max_threads > 1 ? ri.max_threads : th + ri.max_threads) {
            b.opt.threads = th;
            double t = time_best(run_mwk, &b, budget * 3);
            if (b.status) { printf("batch failed: %s\n", mwk_status_str(b.status)); return 1; }
            if (th == 1) ratio1 = t / tb_copy;
            printf("| mwk auto | %d | %.4f | %.2f | %.1f |\n", th, t, t / tb_copy, (rows * n + rows * m) * 8 / t / 1e9);
        }
        printf("\nGoal: batch within 1.3x of the copy floor on one thread: %.2fx (%s)\n", ratio1,
               ratio1 <= 1.3 ? "met" : "MISSED");
        free(bx);
        free(by);
    }
    free(x);
    free(y);
    free(ref);
    return 0;
}
