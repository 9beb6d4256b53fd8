/* Grid benchmark for measured auto-selection: every statistic of the
 * registry x each of its algorithms x every SIMD target this CPU supports x a
 * grid of n and window x dtypes, one thread, trailing windows.
 *
 * Writes CSV: ns per element, GB/s (input + output bytes), and the ratio to a
 * memcpy of the same input bytes measured in the same run. Every variant's
 * output is checked against the statistic's naive reference (on a prefix of
 * the row short enough for naive) before it is timed, with the statistic's
 * accuracy contract as the tolerance (exact for min/max/argmin/argmax); a
 * mismatch is reported in the CSV's `check` column and makes the program exit
 * non-zero.
 *
 * Statistics and algorithms come from the registry through the public API
 * (mwk_stat_count, mwk_stat_info_get, mwk_move with opt.algorithm and
 * opt.target). The one thing the public API does not say is whether `auto`
 * may pick an algorithm (the descriptor's MWK_AF_NO_AUTO flag, e.g. fft's
 * weaker contract); that is read from the engine's registry and written to
 * the CSV's `auto` column, so bench/derive_auto.py never lists such an
 * algorithm.
 *
 * bench/derive_auto.py turns the CSV into kernels/<stat>/auto_table.h.
 *
 * Usage: mwk_grid [--csv FILE] [--budget SECONDS] [--full] [--quick]
 *                 [--stats mean,var,...] [--ns 10000,1000000]
 *                 [--windows 1,2,...] [--dtypes float64,float32,...]
 *                 [--targets all|default|avx2,scalar,...]
 *   default grid: every statistic, n 1e4 and 1e6, windows 1..1e5 on a log
 *                 grid, float64, every supported target (minutes on 2 cores)
 *   --full:       n 1e2..1e7 and float64, float32, int64, int32 (much longer)
 *   --quick:      n 1e3 and 1e4, a few windows, tiny budget (a smoke run) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h" /* only for mwk_registry_get / MWK_AF_NO_AUTO (see above) */
#include "mwk.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    mwk_stat stat;
    const void *x;
    void *y;
    mwk_dtype dt;
    size_t n, w;
    mwk_options opt;
    mwk_status st;
} call;

static void run(call *c) { c->st = mwk_move(c->stat, NULL, c->x, c->dt, c->n, 1, c->y, 1, c->w, &c->opt); }

static double best_of(void (*f)(void *), void *ctx, double budget) {
    double best = 1e30, spent = 0;
    int reps = 1, batches = 0;
    f(ctx);
    /* At least 5 timed batches: on a shared machine the best of several is
     * the one no other process interrupted. */
    while (spent < budget || (batches < 5 && spent < 5 * budget)) {
        batches++;
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

/* Deterministic U(-1,1) stream: float data are 100 + U (a positive offset,
 * no ties), integers U * 1e6 (or scaled to the type). */
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
        case MWK_I16: ((short *)x)[i] = (short)(v * 3e4); break;
        case MWK_U16: ((unsigned short *)x)[i] = (unsigned short)((v + 1.0) * 3e4); break;
        default: memset((char *)x + i * mwk_dtype_size(dt), 0, mwk_dtype_size(dt)); break;
        }
    }
}

static double max_abs(const void *x, mwk_dtype dt, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (dt) {
        case MWK_F64: v = ((const double *)x)[i]; break;
        case MWK_F32: v = ((const float *)x)[i]; break;
        case MWK_I64: v = (double)((const long long *)x)[i]; break;
        case MWK_I32: v = ((const int *)x)[i]; break;
        case MWK_I16: v = ((const short *)x)[i]; break;
        case MWK_U16: v = ((const unsigned short *)x)[i]; break;
        default: v = 0; break;
        }
        if (fabs(v) > m) m = fabs(v);
    }
    return m;
}

/* Tolerance for one output, from the statistic's contract (include/mwk.h),
 * doubled because the reference has an error of its own. */
typedef struct {
    int exact;
    double rel; /* relative to |want| */
    double abs; /* absolute */
} tolerance;

static tolerance tol_for(const char *stat, mwk_algorithm a, size_t n, size_t w, double xmax, int f32_out) {
    tolerance t = {0, 0, 0};
    const double u = 0x1.0p-53, wd = (double)w;
    if (!strcmp(stat, "min") || !strcmp(stat, "max") || !strcmp(stat, "argmin") || !strcmp(stat, "argmax") ||
        /* order statistics: every algorithm gives naive's bits (orderstat.h) */
        !strcmp(stat, "median") || !strcmp(stat, "quantile") || !strcmp(stat, "rank")) {
        t.exact = 1;
        return t;
    }
    if (!strcmp(stat, "mean") || !strcmp(stat, "sum")) {
        double per = !strcmp(stat, "sum") ? wd * xmax : xmax; /* sum(|x|) (/ count) */
        if (a == MWK_ALGO_FFT)
            t.abs = 2.0 * 8.0 * log2((double)n + wd + 2.0) * u * per * 4.0;
        else
            t.abs = 2.0 * (wd + 2.0) * u * per;
    } else if (!strcmp(stat, "var") || !strcmp(stat, "std")) {
        t.rel = 2.0 * 8.0 * (wd + 4.0) * u;
        t.abs = 2.0 * wd * 0x1.0p-1074;
    } else {
        t.rel = 16.0 * (wd + 4.0) * u; /* a statistic this program does not know yet */
    }
    if (f32_out) t.rel += 0x1.0p-22; /* one float32 rounding on each side */
    return t;
}

static int agrees(double got, double want, tolerance t) {
    if (isnan(got) || isnan(want)) return isnan(got) && isnan(want);
    if (t.exact) return got == want;
    return fabs(got - want) <= t.rel * fabs(want) + t.abs;
}

/* Comma-separated list parsing. */
static size_t parse_sizes(const char *s, size_t *out, size_t cap) {
    size_t k = 0;
    char *dup = strdup(s), *save = NULL;
    for (char *tok = strtok_r(dup, ",", &save); tok && k < cap; tok = strtok_r(NULL, ",", &save))
        out[k++] = (size_t)strtod(tok, NULL);
    free(dup);
    return k;
}

static int in_list(const char *list, const char *name) {
    if (!list) return 1;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == len && !strncmp(p, name, len)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--csv FILE] [--budget SECONDS] [--full] [--quick] [--stats LIST] [--ns LIST]\n"
            "          [--windows LIST] [--dtypes LIST] [--targets all|default|LIST]\n",
            argv0);
}

int main(int argc, char **argv) {
    const char *csv = "bench/out/grid.csv";
    const char *stats_sel = NULL, *targets_sel = "all", *dtypes_sel = NULL, *ns_sel = NULL, *ws_sel = NULL;
    int full = 0, quick = 0;
    double budget = 0.05;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--full")) full = 1;
        else if (!strcmp(argv[i], "--quick")) quick = 1, budget = 0.002;
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc) budget = atof(argv[++i]);
        else if (!strcmp(argv[i], "--stats") && i + 1 < argc) stats_sel = argv[++i];
        else if (!strcmp(argv[i], "--targets") && i + 1 < argc) targets_sel = argv[++i];
        else if (!strcmp(argv[i], "--dtypes") && i + 1 < argc) dtypes_sel = argv[++i];
        else if (!strcmp(argv[i], "--ns") && i + 1 < argc) ns_sel = argv[++i];
        else if (!strcmp(argv[i], "--windows") && i + 1 < argc) ws_sel = argv[++i];
        else {
            usage(argv[0]);
            return 2;
        }
    }
    mwk_runtime_info ri;
    memset(&ri, 0, sizeof ri);
    ri.struct_size = sizeof ri;
    mwk_runtime_info_get(&ri);
    if (!ri.target) {
        fprintf(stderr, "MWK_TARGET: %s\n", mwk_status_str(ri.target_status));
        return 1;
    }
    /* Targets: every supported one, the process default, or a list. */
    char targets[256];
    if (!strcmp(targets_sel, "all")) snprintf(targets, sizeof targets, "%s", ri.supported_targets);
    else if (!strcmp(targets_sel, "default")) snprintf(targets, sizeof targets, "%s", ri.target);
    else snprintf(targets, sizeof targets, "%s", targets_sel);

    size_t ns[16], ws[64];
    size_t n_ns, n_ws;
    if (ns_sel) n_ns = parse_sizes(ns_sel, ns, 16);
    else if (quick) n_ns = parse_sizes("1000,10000", ns, 16);
    else if (full) n_ns = parse_sizes("100,1000,10000,100000,1000000,10000000", ns, 16);
    else n_ns = parse_sizes("10000,1000000", ns, 16);
    if (ws_sel) n_ws = parse_sizes(ws_sel, ws, 64);
    else if (quick) n_ws = parse_sizes("1,2,8,64,1000", ws, 64);
    else n_ws = parse_sizes("1,2,3,4,6,8,12,16,24,32,48,64,128,256,512,1000,3000,10000,30000,100000", ws, 64);
    mwk_dtype dts[16];
    size_t n_dts = 0;
    if (!dtypes_sel) dtypes_sel = full ? "float64,float32,int64,int32" : "float64";
    for (int d = 0; d < 16; d++) {
        const char *nm = mwk_dtype_name((mwk_dtype)d);
        if (nm && in_list(dtypes_sel, nm)) dts[n_dts++] = (mwk_dtype)d;
    }
    if (!n_ns || !n_ws || !n_dts) {
        usage(argv[0]);
        return 2;
    }

    FILE *out = fopen(csv, "w");
    if (!out) {
        perror(csv);
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
    double load[3] = {-1, -1, -1};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
        fclose(la);
    }
    fprintf(out, "# mwk %s on %s, default target %s, supported %s; load average %.2f at start; "
                 "one thread, trailing windows, budget %.3g s per entry\n",
            ri.version, cpu, ri.target, ri.supported_targets, load[0], budget);
    fprintf(out, "stat,dtype,n,window,algorithm,target,auto,ns_per_elem,gb_per_s,x_memcpy,check\n");

    size_t nmax = 0;
    for (size_t i = 0; i < n_ns; i++)
        if (ns[i] > nmax) nmax = ns[i];
    void *x = malloc(nmax * 8), *y = malloc(nmax * 8), *ref = malloc(nmax * 8), *cpy = malloc(nmax * 8);
    if (!x || !y || !ref || !cpy) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* Naive costs n*w: the check runs on a prefix of at most CHECK_WORK
     * window-elements (but at least 256 full windows), and naive is timed
     * only where n*w <= NAIVE_WORK. */
    const double CHECK_WORK = quick ? 2e6 : 1e7, NAIVE_WORK = quick ? 1e7 : 2e7;
    int failures = 0;
    double t_start = now();
    for (size_t si = 0; si < mwk_stat_count(); si++) {
        mwk_stat stat = (mwk_stat)si;
        mwk_stat_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        if (mwk_stat_info_get(stat, &info) != MWK_OK) continue;
        if (stats_sel && !in_list(stats_sel, info.name)) continue;
        const mwk_stat_desc *desc = mwk_registry_get(stat);
        for (size_t di = 0; di < n_dts; di++) {
            mwk_dtype dt = dts[di], odt;
            if (mwk_move_out_dtype(stat, dt, &odt) != MWK_OK) continue;
            size_t ies = mwk_dtype_size(dt), oes = mwk_dtype_size(odt);
            for (size_t ni = 0; ni < n_ns; ni++) {
                size_t n = ns[ni];
                fill(x, dt, n);
                cp c = {cpy, x, n * ies};
                double t_copy = best_of(run_cp, &c, budget);
                for (size_t wi = 0; wi < n_ws; wi++) {
                    size_t w = ws[wi];
                    if (w > n || w == 0) continue;
                    /* Reference on a prefix short enough for naive. */
                    double extra = CHECK_WORK / (double)w;
                    if (extra < 256) extra = 256;
                    size_t nref = (double)n < (double)(w - 1) + extra ? n : (size_t)((double)(w - 1) + extra);
                    double xmax = max_abs(x, dt, nref);
                    call r = {stat, x, ref, dt, nref, w, MWK_OPTIONS_INIT, MWK_OK};
                    r.opt.algorithm = MWK_ALGO_NAIVE;
                    r.opt.threads = 1;
                    run(&r);
                    if (r.st != MWK_OK) {
                        fprintf(stderr, "%s naive n=%zu w=%zu: %s\n", info.name, nref, w, mwk_status_str(r.st));
                        failures++;
                        continue;
                    }
                    for (size_t ai = 0; ai < info.n_algorithms; ai++) {
                        mwk_algorithm a = info.algorithms[ai];
                        if (!mwk_stat_has_algorithm(stat, a)) continue;
                        if (a == MWK_ALGO_NAIVE && (double)n * (double)w > NAIVE_WORK) continue;
                        const mwk_algo_desc *ad = desc ? mwk_registry_algo(desc, a) : NULL;
                        int auto_ok = ad && !(ad->flags & MWK_AF_NO_AUTO);
                        tolerance tol = tol_for(info.name, a, nref, w, xmax, oes == 4);
                        char tlist[256];
                        snprintf(tlist, sizeof tlist, "%s", targets);
                        char *save = NULL;
                        for (char *tgt = strtok_r(tlist, ",", &save); tgt; tgt = strtok_r(NULL, ",", &save)) {
                            call v = {stat, x, y, dt, nref, w, MWK_OPTIONS_INIT, MWK_OK};
                            v.opt.algorithm = a;
                            v.opt.target = tgt;
                            v.opt.threads = 1;
                            run(&v);
                            int ok = v.st == MWK_OK;
                            for (size_t i = 0; ok && i < nref; i++) {
                                double got = oes == 4 ? ((float *)y)[i] : ((double *)y)[i];
                                double want = oes == 4 ? ((float *)ref)[i] : ((double *)ref)[i];
                                if (!agrees(got, want, tol)) {
                                    fprintf(stderr, "%s %s %s n=%zu w=%zu target %s: output %zu is %.17g, reference %.17g\n",
                                            info.name, mwk_algorithm_name(a), mwk_dtype_name(dt), nref, w, tgt, i, got,
                                            want);
                                    ok = 0;
                                }
                            }
                            if (!ok) failures++;
                            v.n = n;
                            double secs = ok ? best_of(run_v, &v, budget) : NAN;
                            if (v.st != MWK_OK) ok = 0, failures++;
                            double bytes = (double)n * (double)(ies + oes);
                            fprintf(out, "%s,%s,%zu,%zu,%s,%s,%s,%.4f,%.3f,%.3f,%s\n", info.name, mwk_dtype_name(dt),
                                    n, w, mwk_algorithm_name(a), tgt, auto_ok ? "yes" : "no", secs / (double)n * 1e9,
                                    bytes / secs / 1e9, secs / t_copy, ok ? "ok" : "MISMATCH");
                            fflush(out);
                        }
                    }
                }
                fprintf(stderr, "  %s %s n=%zu done (%.0f s)\n", info.name, mwk_dtype_name(dt), n, now() - t_start);
            }
        }
    }
    fclose(out);
    free(x), free(y), free(ref), free(cpy);
    if (failures) fprintf(stderr, "%d variant(s) disagreed with the reference\n", failures);
    return failures ? 1 : 0;
}
