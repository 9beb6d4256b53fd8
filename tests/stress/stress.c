/*
 * Thread stress for mwk, meant to run under ThreadSanitizer (and fine without).
 *
 * Phase 0 (cold start): the threads, released at once by a barrier, make the
 * process's very first mwk calls together (target resolution and the
 * thread-count policy behind pthread_once, runtime info).
 * Phase 1: all threads run every job at once, each in its own order, from an
 * empty FFT plan cache, over more FFT lengths than the cache holds (cached
 * and private plans are created and destroyed concurrently).
 * Phase 2: the same jobs single-threaded: the reference.
 * Phase 3: the caches are released, then ROUNDS rounds where all threads run
 * every job in a different order (plans are re-created concurrently again).
 * Every result of phases 1 and 3 must be bit-identical to phase 2.
 *
 * Jobs: every statistic of the registry (mwk_stat_count / mwk_stat_info_get)
 * x each of its algorithms (auto included) x every supported target x every
 * alignment x both NaN policies, the 12 dtypes taken in turn, on rows with
 * NaN/inf, with unit, doubled and negative strides, plus 2-D batches.
 * Statistics with taps (weighted_sum, weighted_mean) run with real taps
 * (zeros, negative ones, a wide range of magnitudes) and a min_weight, or
 * the boxcar, chosen per job; windows above the auto crossover (fft) too,
 * so the taps' spectra and the FFT plans are made by many threads at once.
 * FIR banks (mwk_fir_bank_batch) likewise: each algorithm (gemm with BLAS)
 * x every target, K of 1 to 4, windows for direct and for fft.
 * Streams (mwk_stream.h): every fourth job of the grid again as a stream,
 * pushed in uneven chunks, serialised and restored half-way, one stream per
 * job run (distinct streams in every thread); the single-threaded stream
 * result must also equal the job's one-call result.
 *
 *   mwk_stress [threads=8] [rounds=2]
 * Exit status 0 when everything matches, 1 otherwise (mismatches printed).
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t, strtok_r under -std=c11 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mwk.h>
#include <mwk_ewm.h>
#include <mwk_stream.h>

typedef struct job {
    mwk_stat stat;
    int ddof;
    mwk_algorithm algo;
    const char *target; /* NULL: the process target */
    mwk_dtype dt;
    mwk_align al;
    mwk_nan_policy pol;
    size_t n, w, rows;
    ptrdiff_t xs; /* element stride of x (rows: 1-D only) */
    size_t data;  /* which data set */
    size_t out_bytes;
    unsigned char *ref;
    int ewm; /* 1 + mwk_ewm_stat for an EWM job (ddof: bit 0 adjust, bit 1 ignore_na;
                algo: 0 naive, 1 scan, 2 auto), else 0 */
    size_t bank; /* K filters: an mwk_fir_bank_batch job (ddof picks min_weight), else 0 */
    size_t stream_of; /* 1 + the one-call job this stream job repeats, else 0 */
} job;

#define MAX_TARGETS 16
#define N_DATA 4
#define N_DT 12
#define MAX_N 1500
static job *JOBS;
static size_t NJOBS, CAPJOBS;
static void *DATA[N_DATA][N_DT]; /* [data set][dtype], 3*MAX_N elements (room for stride 2 / -1) */
static char TARGET_BUF[512];
static const char *TARGETS[MAX_TARGETS + 1];
static size_t NTARGETS;
/* Taps for the statistics that take them (a job uses the first w); and the
 * min_weight values a job picks from (job.ddof: bits 0-1 the min_weight,
 * bit 2 set: no taps, the boxcar). */
#define MAX_TAPS 320
static double TAPS[MAX_TAPS];
/* FIR bank jobs: K x w taps, row-major (up to 5 filters of up to 300 taps) */
#define MAX_BANK_TAPS 1500
static double BANK_TAPS[MAX_BANK_TAPS];
static const double MIN_WEIGHT[4] = {0.0, 0.5, 0.9, 1.0};
static unsigned char HAS_TAPS[64]; /* [stat]: MWK_PARAM_WEIGHTS */

static size_t esize(mwk_dtype d) {
    switch (d) {
    case MWK_F32: case MWK_I32: case MWK_U32: return 4;
    case MWK_I16: case MWK_U16: case MWK_F16: return 2;
    case MWK_I8: case MWK_U8: case MWK_BOOL: return 1;
    default: return 8;
    }
}

static mwk_dtype out_dtype(mwk_stat s, mwk_dtype d) {
    mwk_dtype o = MWK_F64;
    if (mwk_move_out_dtype(s, d, &o) != MWK_OK) o = MWK_F64;
    return o;
}

/* float -> binary16 bits, round to nearest (finite inputs of modest size) */
static uint16_t to_f16(double v) {
    uint16_t sign = signbit(v) ? 0x8000 : 0;
    double a = fabs(v);
    if (isnan(v)) return 0x7E00;
    if (a >= 65520.0) return sign | 0x7C00;
    if (a < 0x1p-14) return sign | (uint16_t)nearbyint(a * 0x1p24);
    int e;
    double f = frexp(a, &e), q = nearbyint(f * 2048.0);
    if (q == 2048.0) q = 1024.0, e++;
    if (e - 1 + 15 >= 31) return sign | 0x7C00;
    return sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)((int)q - 1024);
}

static uint64_t rng(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void make_taps(void) {
    uint64_t s = 777;
    for (size_t i = 0; i < MAX_TAPS; i++) {
        const uint64_t r = rng(&s);
        const double u = (double)(r >> 11) * 0x1p-53;
        double v = r % 7 == 0 ? 0.0 : ldexp(u + 0.25, (int)(r % 41) - 20); /* 2^-20 .. 2^20 */
        if (r % 5 == 1) v = -v;
        TAPS[i] = v;
    }
    for (size_t i = 0; i < MAX_BANK_TAPS; i++) {
        const uint64_t r = rng(&s);
        const double u = (double)(r >> 11) * 0x1p-53;
        BANK_TAPS[i] = (r % 9 == 0 ? 0.0 : ldexp(u + 0.25, (int)(r % 21) - 10)) * (r % 3 == 1 ? -1 : 1);
    }
}

static void make_data(void) {
    uint64_t s = 12345;
    const size_t len = 3 * MAX_N;
    for (size_t k = 0; k < N_DATA; k++) {
        for (int d = 0; d < N_DT; d++) DATA[k][d] = calloc(len, 8);
        for (size_t i = 0; i < len; i++) {
            double u = (double)(rng(&s) >> 11) * 0x1p-53;
            double v = (u - 0.5) * 1000.0;
            if (k == 1 && i % 97 == 5) v = NAN;
            if (k == 2 && i % 131 == 7) v = (i & 1) ? INFINITY : -INFINITY;
            if (k == 2 && i % 173 == 11) v = NAN;
            if (k == 3) v = (i % 211 == 0) ? 1e300 : v * 1e-3; /* spike then small */
            ((double *)DATA[k][MWK_F64])[i] = v;
            ((float *)DATA[k][MWK_F32])[i] = (float)v;
            /* Integer copies: non-finite -> 0, and the 1e300 spikes clamped
             * so the conversions stay defined (UBSan float-cast-overflow). */
            double iv = isfinite(v) ? v : 0.0;
            if (iv > 1e9) iv = 1e9;
            if (iv < -1e9) iv = -1e9;
            ((int64_t *)DATA[k][MWK_I64])[i] = (int64_t)(iv * 1e6);
            ((int32_t *)DATA[k][MWK_I32])[i] = (int32_t)iv;
            ((int16_t *)DATA[k][MWK_I16])[i] = (int16_t)fmod(iv, 32768.0);
            ((int8_t *)DATA[k][MWK_I8])[i] = (int8_t)fmod(iv, 128.0);
            ((uint64_t *)DATA[k][MWK_U64])[i] = (uint64_t)fabs(iv * 1e9);
            ((uint32_t *)DATA[k][MWK_U32])[i] = (uint32_t)fabs(iv);
            ((uint16_t *)DATA[k][MWK_U16])[i] = (uint16_t)fmod(fabs(iv), 65536.0);
            ((uint8_t *)DATA[k][MWK_U8])[i] = (uint8_t)fmod(fabs(iv), 256.0);
            ((uint8_t *)DATA[k][MWK_BOOL])[i] = iv > 0 ? (uint8_t)(1 + (i % 3 == 0)) : 0;
            ((uint16_t *)DATA[k][MWK_F16])[i] = to_f16(k == 3 ? (isfinite(v) ? fmin(v, 6e4) : v) : v);
        }
    }
}

static void add_job(job j) {
    if (NJOBS == CAPJOBS) {
        CAPJOBS = CAPJOBS ? 2 * CAPJOBS : 1024;
        JOBS = realloc(JOBS, CAPJOBS * sizeof *JOBS);
        if (!JOBS) abort();
    }
    size_t out_len = j.al == MWK_ALIGN_VALID ? j.n - j.w + 1 : j.n;
    j.out_bytes = j.rows * out_len * esize(out_dtype(j.stat, j.dt)) * (j.bank ? j.bank : 1);
    j.ref = NULL;
    JOBS[NJOBS++] = j;
}

static void make_jobs(void) {
    /* n values chosen so the fft lengths differ (more than the 32-entry cache). */
    static const size_t ns[] = {1, 7, 64, 65, 97, 130, 251, 333, 480, 511, 700, 1001, 1500};
    static const size_t ws[] = {1, 2, 5, 16, 63};
    static const ptrdiff_t strides[] = {1, 2, -1};
    size_t c = 0, nstats = mwk_stat_count();
    for (size_t s = 0; s < nstats; s++) {
        mwk_stat_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        if (mwk_stat_info_get((mwk_stat)s, &info) != MWK_OK) {
            fprintf(stderr, "mwk_stat_info_get(%zu) failed\n", s);
            exit(1);
        }
        mwk_algorithm algos[MWK_ALGO_COUNT + 1];
        size_t na = 0;
        for (size_t a = 0; a < info.n_algorithms && na < MWK_ALGO_COUNT; a++)
            if (mwk_algorithm_available(info.algorithms[a])) algos[na++] = info.algorithms[a];
        algos[na++] = MWK_ALGO_AUTO;
        for (size_t t = 0; t <= NTARGETS; t++) /* t == NTARGETS: process target (NULL) */
            for (size_t a = 0; a < na; a++)
                for (int al = 0; al < 3; al++)
                    for (int pol = 0; pol < 2; pol++, c++) {
                        job j;
                        memset(&j, 0, sizeof j);
                        j.stat = (mwk_stat)s;
                        j.ddof = (info.params & MWK_PARAM_DDOF) ? (int)(c % 2) : 0;
                        /* quantile: ddof picks q and the interpolation (run_job) */
                        if (info.params & MWK_PARAM_QUANTILE) j.ddof = (int)(c % 20);
                        if (info.params & MWK_PARAM_WEIGHTS) j.ddof = (int)(c % 8), HAS_TAPS[s % 64] = 1;
                        j.algo = algos[a];
                        j.target = t < NTARGETS ? TARGETS[t] : NULL;
                        j.dt = (mwk_dtype)((c * 5 + s) % N_DT); /* every dtype, in turn */
                        j.al = (mwk_align)al;
                        j.pol = (mwk_nan_policy)pol;
                        j.n = ns[c % (sizeof ns / sizeof ns[0])];
                        j.w = ws[(c / 3) % (sizeof ws / sizeof ws[0])];
                        if (j.w > j.n) j.w = j.n;
                        j.xs = strides[c % 3];
                        j.data = c % N_DATA;
                        j.rows = 1;
                        add_job(j);
                        if (c % 4 == 0) { /* the same as a stream */
                            j.stream_of = NJOBS;
                            add_job(j);
                            j.stream_of = 0;
                        }
                        /* a batch of rows with the same settings */
                        j.rows = 3 + c % 4;
                        j.n = j.n > 400 ? 400 : j.n;
                        if (j.w > j.n) j.w = j.n;
                        j.xs = 1;
                        add_job(j);
                    }
    }
    /* EWM (include/mwk_ewm.h): every statistic x algorithm x target, both
     * adjust and ignore_na, 1-D and batches (out dtype and length as mean's). */
    for (int es = 0; es < 4; es++)
        for (size_t t = 0; t <= NTARGETS; t++)
            for (int ea = 0; ea < 3; ea++)
                for (int fl = 0; fl < 4; fl++, c++) {
                    if (ea == 1 && es >= 2) continue; /* no scan for var/std */
                    job j;
                    memset(&j, 0, sizeof j);
                    j.ewm = 1 + es;
                    j.stat = MWK_STAT_MEAN;
                    j.ddof = fl;
                    j.algo = (mwk_algorithm)ea;
                    j.target = t < NTARGETS ? TARGETS[t] : NULL;
                    j.dt = (mwk_dtype)((c * 5 + 3) % N_DT);
                    j.al = MWK_ALIGN_TRAILING;
                    j.n = ns[c % (sizeof ns / sizeof ns[0])];
                    j.w = 1;
                    j.xs = strides[c % 3];
                    j.data = c % N_DATA;
                    j.rows = 1;
                    add_job(j);
                    j.rows = 3 + c % 4;
                    j.n = j.n > 400 ? 400 : j.n;
                    j.xs = 1;
                    add_job(j);
                }
    /* Taps above the auto crossover (fft), and the same windows by every
     * other algorithm: every target, trailing and centered (clipped edges). */
    static const size_t wws[] = {161, 257, 300};
    for (size_t s = 0; s < nstats; s++) {
        mwk_stat_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        if (mwk_stat_info_get((mwk_stat)s, &info) != MWK_OK || !(info.params & MWK_PARAM_WEIGHTS)) continue;
        for (size_t a = 0; a <= info.n_algorithms; a++) {
            const mwk_algorithm al = a < info.n_algorithms ? info.algorithms[a] : MWK_ALGO_AUTO;
            if (al != MWK_ALGO_AUTO && !mwk_algorithm_available(al)) continue;
            for (size_t t = 0; t <= NTARGETS; t++, c++) {
                job j;
                memset(&j, 0, sizeof j);
                j.stat = (mwk_stat)s;
                j.ddof = (int)(c % 4); /* taps, each min_weight in turn */
                j.algo = al;
                j.target = t < NTARGETS ? TARGETS[t] : NULL;
                j.dt = c % 2 ? MWK_F32 : MWK_F64;
                j.al = c % 3 ? MWK_ALIGN_CENTERED : MWK_ALIGN_TRAILING;
                j.pol = MWK_NAN_SKIP;
                j.n = al == MWK_ALGO_NAIVE ? 400 : 640; /* naive: O(n w); fft: blocks of ~4w */
                j.w = wws[c % 3];
                j.xs = 1;
                j.data = 1 + c % 3; /* NaN, inf, spikes */
                j.rows = 1 + c % 2;
                add_job(j);
            }
        }
    }
    /* FIR banks (mwk_fir_bank_batch): each of its algorithms (gemm where BLAS
     * is built in) x every target, windows on the direct side of auto's
     * crossover and on the fft side, a few K; then fft at distinct lengths so
     * the bank's plans and the taps' spectra are made by many threads at once. */
    {
        static const mwk_algorithm balgos[] = {MWK_ALGO_AUTO, MWK_ALGO_NAIVE, MWK_ALGO_DIRECT, MWK_ALGO_FFT,
                                               MWK_ALGO_GEMM};
        static const size_t bks[] = {1, 2, 4}, bws_direct[] = {9, 40, 96}, bws_fft[] = {100, 130, 170};
        for (size_t a = 0; a < sizeof balgos / sizeof balgos[0]; a++) {
            if (balgos[a] != MWK_ALGO_AUTO && !mwk_algorithm_available(balgos[a])) continue;
            for (size_t t = 0; t <= NTARGETS; t++)
                for (int side = 0; side < 2; side++, c++) {
                    /* naive's O(n w K) at fft-sized windows costs the most under TSan
                     * and makes no plans: direct-sized windows only */
                    if (side && balgos[a] == MWK_ALGO_NAIVE) continue;
                    job j;
                    memset(&j, 0, sizeof j);
                    j.stat = MWK_STAT_WEIGHTED_SUM; /* the bank's semantics and out dtype */
                    j.bank = side ? 1 + c % 2 : bks[c % 3];
                    j.ddof = (int)(c % 4); /* min_weight */
                    j.algo = balgos[a];
                    j.target = t < NTARGETS ? TARGETS[t] : NULL;
                    j.dt = c % 2 ? MWK_F32 : MWK_F64;
                    j.al = (mwk_align)(c % 3);
                    j.pol = (mwk_nan_policy)(c / 3 % 2);
                    j.n = 240; /* short rows: the time of the whole run stays within 10% */
                    j.w = side ? bws_fft[c % 3] : bws_direct[c % 3];
                    j.xs = 1;
                    j.data = 1 + c % 3; /* NaN, inf, spikes */
                    j.rows = side ? 1 : 1 + (c / 2) % 2;
                    add_job(j);
                }
        }
        if (mwk_algorithm_available(MWK_ALGO_FFT))
            for (size_t n = 200; n < 200 + 2 * 37; n += 37) {
                job j;
                memset(&j, 0, sizeof j);
                j.stat = MWK_STAT_WEIGHTED_SUM;
                j.bank = 2 + n % 3;
                j.algo = MWK_ALGO_FFT;
                j.dt = MWK_F64;
                j.al = MWK_ALIGN_VALID;
                j.n = n;
                j.w = 98 + n % 20;
                j.xs = 1;
                j.rows = 1;
                j.data = n % N_DATA;
                j.ddof = (int)(n % 4);
                add_job(j);
            }
    }
    /* fft at many distinct lengths: plan creation races (statistics that have it) */
    for (size_t s = 0; s < nstats; s++) {
        if (!mwk_stat_has_algorithm((mwk_stat)s, MWK_ALGO_FFT)) continue;
        for (size_t n = 40; n < 40 + 48 * 23; n += 23) {
            job j;
            memset(&j, 0, sizeof j);
            j.stat = (mwk_stat)s;
            j.algo = MWK_ALGO_FFT;
            j.dt = MWK_F64;
            j.al = MWK_ALIGN_VALID;
            j.n = n;
            j.w = 9;
            j.xs = 1;
            j.rows = 1;
            j.data = n % N_DATA;
            j.ddof = (int)(n % 8); /* statistics with taps: taps or the boxcar, a min_weight */
            add_job(j);
        }
    }
}

static mwk_status run_ewm_job(const job *j, void *out) {
    static const mwk_ewm_algorithm algos[] = {MWK_EWM_ALGO_NAIVE, MWK_EWM_ALGO_SCAN, MWK_EWM_ALGO_AUTO};
    mwk_ewm_params p;
    mwk_ewm_params_init(&p);
    p.decay = MWK_EWM_SPAN, p.decay_value = 1.0 + (double)(j->n % 37);
    p.adjust = j->ddof & 1, p.ignore_na = (j->ddof >> 1) & 1, p.min_periods = j->n % 3;
    p.algorithm = algos[(int)j->algo], p.target = j->target, p.threads = 1;
    const char *base = DATA[j->data][j->dt];
    const size_t es = esize(j->dt);
    const mwk_ewm_stat st = (mwk_ewm_stat)(j->ewm - 1);
    if (j->rows == 1) {
        const char *x = j->xs < 0 ? base + (j->n - 1) * es : base;
        return mwk_ewm(st, &p, x, j->dt, j->n, j->xs, out, 1);
    }
    return mwk_ewm_batch(st, &p, base, j->dt, j->rows, j->n, (ptrdiff_t)j->n, 1, out, (ptrdiff_t)j->n, 1);
}

/* A stream over the job's row: chunks of uneven lengths (0 and 1 among
 * them), the state serialised, freed and restored half-way. */
static mwk_status run_stream_job(const job *j, const mwk_params *prm, const mwk_options *opt,
                                 const char *x, void *out) {
    const size_t es = esize(j->dt), oes = esize(out_dtype(j->stat, j->dt));
    const size_t L = j->al == MWK_ALIGN_VALID ? j->n - j->w + 1 : j->n;
    mwk_stream *s = NULL;
    mwk_status st = mwk_stream_create(j->stat, prm, j->dt, 1, j->w, opt, &s);
    if (st != MWK_OK) return st;
    size_t at = 0, done = 0, k = 0;
    int saved = 0;
    while (at < j->n && st == MWK_OK) {
        /* every fifth push empty, the others 1 .. 2w+5 values (a length
         * formula that can return 0 forever, e.g. 37 | 2w+5, would hang) */
        size_t len = k % 5 == 4 ? 0 : 1 + (k * 37 + j->n) % (2 * j->w + 5);
        k++;
        if (len > j->n - at) len = j->n - at;
        size_t got = 0;
        st = mwk_stream_push(s, x + (ptrdiff_t)at * j->xs * (ptrdiff_t)es, len, 0, j->xs,
                             (char *)out + done * oes, L - done, 0, 1, 1, &got);
        at += len, done += got;
        if (st == MWK_OK && !saved && 2 * at >= j->n) {
            saved = 1;
            size_t size = 0;
            unsigned char *blob = NULL;
            st = mwk_stream_serialize(s, NULL, 0, &size);
            if (st == MWK_OK && !(blob = malloc(size))) abort();
            if (st == MWK_OK) st = mwk_stream_serialize(s, blob, size, &size);
            mwk_stream_free(s);
            s = NULL;
            if (st == MWK_OK) st = mwk_stream_restore(blob, size, 1, &s);
            free(blob);
        }
    }
    size_t got = 0;
    if (st == MWK_OK) st = mwk_stream_finish(s, (char *)out + done * oes, L - done, 0, 1, 1, &got);
    if (st == MWK_OK && done + got != L) st = MWK_E_INTERNAL;
    mwk_stream_free(s);
    return st;
}

static mwk_status run_job(const job *j, void *out) {
    if (j->ewm) return run_ewm_job(j, out);
    mwk_options opt;
    mwk_options_init(&opt);
    opt.algorithm = j->algo;
    opt.target = j->target;
    opt.align = j->al;
    opt.nan_policy = j->pol;
    opt.threads = 1;
    if (j->bank) { /* NumPy's layout: the K values of a position adjacent */
        const size_t L = j->al == MWK_ALIGN_VALID ? j->n - j->w + 1 : j->n;
        const ptrdiff_t K = (ptrdiff_t)j->bank;
        return mwk_fir_bank_batch(BANK_TAPS, j->bank, j->w, MIN_WEIGHT[j->ddof & 3], DATA[j->data][j->dt], j->dt,
                                  j->rows, j->n, (ptrdiff_t)j->n, 1, out, (ptrdiff_t)L * K, K, 1, &opt);
    }
    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = j->ddof;
    static const double QS[4] = {0.5, 0.1, 0.9, 0.333};
    prm.quantile = QS[j->ddof % 4]; /* read only by statistics with MWK_PARAM_QUANTILE */
    prm.interpolation = (mwk_interpolation)(j->ddof % 5);
    if (HAS_TAPS[j->stat % 64]) {
        if (!(j->ddof & 4) && j->w <= MAX_TAPS) prm.weights = TAPS, prm.n_weights = j->w;
        prm.min_weight = MIN_WEIGHT[j->ddof & 3];
    }
    const char *base = DATA[j->data][j->dt];
    size_t es = esize(j->dt);
    size_t out_len = j->al == MWK_ALIGN_VALID ? j->n - j->w + 1 : j->n;
    if (j->rows == 1) {
        /* negative stride: x points at element 0, the others below it */
        const char *x = j->xs < 0 ? base + (j->n - 1) * es : base;
        if (j->stream_of) return run_stream_job(j, &prm, &opt, x, out);
        return mwk_move(j->stat, &prm, x, j->dt, j->n, j->xs, out, 1, j->w, &opt);
    }
    return mwk_move_batch(j->stat, &prm, base, j->dt, j->rows, j->n, (ptrdiff_t)j->n, 1, out,
                          (ptrdiff_t)out_len, 1, j->w, &opt);
}

typedef struct worker {
    pthread_t th;
    size_t id, rounds;
    size_t bad;
    int phase; /* 1 or 3 */
} worker;

static pthread_barrier_t BARRIER;

static size_t check_job(size_t k, const void *out, mwk_status st, size_t id, int phase) {
    const job *j = &JOBS[k];
    if (st != MWK_OK) {
        fprintf(stderr, "phase %d thread %zu job %zu: status %d (%s) (stat %s algo %s target %s dtype %s)\n",
                phase, id, k, (int)st, mwk_status_str(st), mwk_stat_name(j->stat),
                mwk_algorithm_name(j->algo), j->target ? j->target : "(process)", mwk_dtype_name(j->dt));
        return 1;
    }
    if (j->ref && memcmp(out, j->ref, j->out_bytes) != 0) {
        fprintf(stderr,
                "phase %d thread %zu job %zu: result differs from the single-threaded run "
                "(stat %s ddof %d algo %s target %s dtype %s align %s nan %s n %zu w %zu rows %zu xs %td)\n",
                phase, id, k, mwk_stat_name(j->stat), j->ddof, mwk_algorithm_name(j->algo), j->target ? j->target : "(process)",
                mwk_dtype_name(j->dt), mwk_align_name(j->al), mwk_nan_policy_name(j->pol), j->n,
                j->w, j->rows, j->xs);
        return 1;
    }
    return 0;
}

/* Phase 1 results, checked after the reference exists. */
static unsigned char **PHASE1;
static mwk_status *PHASE1_ST;
static size_t NTHREADS;

static void *work(void *arg) {
    worker *me = arg;
    unsigned char *out = malloc(3 * MAX_N * 8 * 8);
    if (!out) abort();
    pthread_barrier_wait(&BARRIER);
    if (me->phase == 1) {
        /* cold start: everything at once, in a per-thread order */
        mwk_runtime_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        if (mwk_runtime_info_get(&info) != MWK_OK) me->bad++;
        for (size_t q = 0; q < NJOBS; q++) {
            size_t k = (q * 7919 + me->id * 104729) % NJOBS;
            unsigned char *dst = PHASE1[me->id * NJOBS + k];
            PHASE1_ST[me->id * NJOBS + k] = run_job(&JOBS[k], dst);
            mwk_algorithm ch;
            if (mwk_move_choose(JOBS[k].stat, NULL, JOBS[k].dt, JOBS[k].n, JOBS[k].w, NULL, &ch) != MWK_OK)
                me->bad++;
            if (JOBS[k].bank && mwk_fir_bank_choose(JOBS[k].bank, JOBS[k].w, JOBS[k].n, NULL, &ch) != MWK_OK)
                me->bad++;
        }
    } else {
        for (size_t r = 0; r < me->rounds; r++)
            for (size_t q = 0; q < NJOBS; q++) {
                size_t k = (q * 31 + (me->id + r * NTHREADS) * 9973) % NJOBS;
                mwk_status st = run_job(&JOBS[k], out);
                me->bad += check_job(k, out, st, me->id, 3);
            }
    }
    free(out);
    return NULL;
}

static size_t run_phase(int phase, size_t nthreads, size_t rounds) {
    worker *ws = calloc(nthreads, sizeof *ws);
    pthread_barrier_init(&BARRIER, NULL, (unsigned)nthreads);
    for (size_t i = 0; i < nthreads; i++) {
        ws[i].id = i;
        ws[i].rounds = rounds;
        ws[i].phase = phase;
        if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(2);
        }
    }
    size_t bad = 0;
    for (size_t i = 0; i < nthreads; i++) {
        pthread_join(ws[i].th, NULL);
        bad += ws[i].bad;
    }
    pthread_barrier_destroy(&BARRIER);
    free(ws);
    return bad;
}

/* Cold start of the dispatch state: the first calls of the process, made by
 * all threads at once (pthread_once in target selection and thread policy).
 * The supported targets are only known after that, so the job list is built
 * afterwards; the FFT plan cache is still empty when phase 1 starts. */
static void *probe(void *arg) {
    (void)arg;
    pthread_barrier_wait(&BARRIER);
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    mwk_algorithm ch;
    if (mwk_runtime_info_get(&info) != MWK_OK ||
        mwk_move_mean_choose(MWK_F64, 100, 10, NULL, &ch) != MWK_OK)
        fprintf(stderr, "cold-start call failed\n");
    return NULL;
}

int main(int argc, char **argv) {
    NTHREADS = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 8;
    size_t rounds = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 2;
    if (NTHREADS < 1) NTHREADS = 1;

    /* Cold concurrent initialisation of the dispatch state. */
    {
        pthread_t th[64];
        size_t k = NTHREADS < 64 ? NTHREADS : 64;
        pthread_barrier_init(&BARRIER, NULL, (unsigned)k);
        for (size_t i = 0; i < k; i++) pthread_create(&th[i], NULL, probe, NULL);
        for (size_t i = 0; i < k; i++) pthread_join(th[i], NULL);
        pthread_barrier_destroy(&BARRIER);
    }
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (mwk_runtime_info_get(&info) != MWK_OK || info.target_status != MWK_OK) {
        fprintf(stderr, "mwk_runtime_info_get failed or MWK_TARGET is bad\n");
        return 1;
    }
    snprintf(TARGET_BUF, sizeof TARGET_BUF, "%s", info.supported_targets);
    char *save = NULL;
    for (char *t = strtok_r(TARGET_BUF, ",", &save); t && NTARGETS < MAX_TARGETS;
         t = strtok_r(NULL, ",", &save))
        TARGETS[NTARGETS++] = t;

    make_data();
    make_taps();
    make_jobs();
    printf("mwk_stress: %zu threads, %zu jobs, targets %s, backends %s\n", NTHREADS, NJOBS,
           info.supported_targets, info.backends);

    PHASE1 = calloc(NTHREADS * NJOBS, sizeof *PHASE1);
    PHASE1_ST = calloc(NTHREADS * NJOBS, sizeof *PHASE1_ST);
    for (size_t i = 0; i < NTHREADS * NJOBS; i++) {
        PHASE1[i] = malloc(JOBS[i % NJOBS].out_bytes);
        if (!PHASE1[i]) abort();
    }

    /* Phase 1: FFT plans created concurrently from an empty cache. */
    size_t bad = run_phase(1, NTHREADS, 0);

    /* Phase 2: single-threaded reference, from an empty cache again. */
    mwk_release_caches();
    for (size_t k = 0; k < NJOBS; k++) {
        JOBS[k].ref = malloc(JOBS[k].out_bytes);
        mwk_status st = run_job(&JOBS[k], JOBS[k].ref);
        if (st != MWK_OK) {
            fprintf(stderr, "reference job %zu: status %s (stat %s algo %s dtype %s)\n", k, mwk_status_str(st),
                    mwk_stat_name(JOBS[k].stat), mwk_algorithm_name(JOBS[k].algo), mwk_dtype_name(JOBS[k].dt));
            bad++;
        }
    }
    for (size_t k = 0; k < NJOBS; k++) {
        const job *j = &JOBS[k];
        if (!j->stream_of || !j->ref || !JOBS[j->stream_of - 1].ref) continue;
        if (memcmp(j->ref, JOBS[j->stream_of - 1].ref, j->out_bytes) != 0) {
            fprintf(stderr, "stream job %zu differs from the one call (stat %s algo %s dtype %s align %s n %zu w %zu xs %td)\n",
                    k, mwk_stat_name(j->stat), mwk_algorithm_name(j->algo), mwk_dtype_name(j->dt),
                    mwk_align_name(j->al), j->n, j->w, j->xs);
            bad++;
        }
    }
    for (size_t i = 0; i < NTHREADS * NJOBS; i++)
        bad += check_job(i % NJOBS, PHASE1[i], PHASE1_ST[i], i / NJOBS, 1);

    /* Phase 3: caches dropped, then all threads, several rounds. */
    mwk_release_caches();
    bad += run_phase(3, NTHREADS, rounds);

    for (size_t i = 0; i < NTHREADS * NJOBS; i++) free(PHASE1[i]);
    free(PHASE1);
    free(PHASE1_ST);
    for (size_t k = 0; k < NJOBS; k++) free(JOBS[k].ref);
    free(JOBS);
    for (size_t k = 0; k < N_DATA; k++)
        for (int d = 0; d < N_DT; d++) free(DATA[k][d]);
    mwk_release_caches();
    printf("mwk_stress: %s (%zu problems)\n", bad ? "FAILED" : "ok", bad);
    return bad ? 1 : 0;
}
