/*
 * Thread-safety smoke test: several pthreads call every algorithm on every
 * target (and batches) at once; every result must be bit-identical to the
 * single-threaded run.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mt_common.h"

typedef struct job {
    mwk_algorithm algo;
    const char *target;
    mwk_dtype dt;
    mwk_align al;
    size_t n, w;
    int batch;
    const void *x;
    unsigned char *ref;
    size_t out_bytes;
} job;

#define MAXJOBS 512
static job JOBS[MAXJOBS];
static size_t NJOBS;
static void *DATA[4];

static mwk_status run_job(const job *j, unsigned char *out) {
    mwk_options opt = MWK_OPTIONS_INIT;
    opt.algorithm = j->algo;
    opt.target = j->target;
    opt.align = j->al;
    opt.min_count = 1;
    if (j->batch) {
        size_t R = 4, rn = j->n / R;
        size_t ol = mt_out_len(rn, j->w, j->al);
        opt.threads = 2;
        return mwk_move_mean_batch(j->x, j->dt, R, rn, (ptrdiff_t)rn, 1, out, (ptrdiff_t)ol, 1, j->w,
                                   &opt);
    }
    return mwk_move_mean(j->x, j->dt, j->n, 1, out, 1, j->w, &opt);
}

typedef struct worker {
    int id;
    int rounds;
    size_t bad;
} worker;

static void *work(void *p) {
    worker *wk = p;
    unsigned char *out = mt_alloc(8 * 40000);
    for (int r = 0; r < wk->rounds; r++)
        for (size_t k = 0; k < NJOBS; k++) {
            const job *j = &JOBS[(k * 7 + (size_t)wk->id * 13 + (size_t)r) % NJOBS];
            memset(out, 0, j->out_bytes);
            mwk_status st = run_job(j, out);
            if (st != MWK_OK || memcmp(out, j->ref, j->out_bytes) != 0) {
                if (wk->bad < 5)
                    fprintf(stderr,
                            "THREADS worker %d: algo=%s target=%s dtype=%s align=%s n=%zu w=%zu "
                            "batch=%d status=%d: result differs from the single-threaded run\n",
                            wk->id, mt_algo_str(j->algo), j->target ? j->target : "(process)",
                            mt_dtype_str(j->dt), mt_align_str(j->al), j->n, j->w, j->batch, (int)st);
                wk->bad++;
            }
        }
    mt_free(out);
    return NULL;
}

Test(threads, concurrent_calls_match_single_thread, .timeout = 600) {
    mwk_algorithm algos[5];
    size_t na = mt_algos(algos);
    const char *const *targets;
    size_t nt = mt_targets(&targets);
    size_t n = mt_size(20000, 2000);
    for (int d = 0; d < 4; d++) {
        mt_rng r;
        mt_rng_seed(&r, 77 + (uint64_t)d);
        double *v = malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            v[i] = d >= 2 ? (double)(int64_t)(mt_rng_u64(&r) >> 44) : 1e4 + mt_rng_normal(&r);
            if (d < 2 && i % 997 == 5) v[i] = NAN;
        }
        DATA[d] = mt_from_doubles(v, n, (mwk_dtype)d);
        free(v);
    }
    size_t ws[] = {3, 101};
    NJOBS = 0;
    for (size_t a = 0; a < na; a++)
        for (size_t t = 0; t < nt; t++)
            for (int d = 0; d < 4; d++)
                for (int wi = 0; wi < 2; wi++)
                    for (int b = 0; b < 2; b++) {
                        if (NJOBS >= MAXJOBS) break;
                        job *j = &JOBS[NJOBS++];
                        j->algo = algos[a];
                        j->target = targets[t];
                        j->dt = (mwk_dtype)d;
                        j->al = (mwk_align)((a + (size_t)wi + (size_t)b) % 3);
                        j->n = (algos[a] == MWK_ALGO_NAIVE) ? n / 4 : n;
                        j->w = ws[wi];
                        j->batch = b;
                        j->x = DATA[d];
                        size_t eo = mt_elsize(mt_out_dtype(j->dt));
                        j->out_bytes = (b ? (size_t)4 * mt_out_len(j->n / 4, j->w, j->al)
                                          : mt_out_len(j->n, j->w, j->al)) * eo;
                        j->ref = mt_alloc(j->out_bytes);
                        memset(j->ref, 0, j->out_bytes);
                        mwk_status st = run_job(j, j->ref);
                        cr_assert_eq(st, MWK_OK, "single-threaded run failed: algo=%s target=%s",
                                     mt_algo_str(j->algo), j->target ? j->target : "-");
                    }
    enum { NW = 6 };
    pthread_t th[NW];
    worker wk[NW];
    for (int i = 0; i < NW; i++) {
        wk[i].id = i;
        wk[i].rounds = mt_quick() ? 1 : 2;
        wk[i].bad = 0;
        cr_assert_eq(pthread_create(&th[i], NULL, work, &wk[i]), 0);
    }
    /* meanwhile, the main thread queries runtime info repeatedly */
    for (int i = 0; i < 1000; i++) {
        mwk_runtime_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        cr_assert_eq(mwk_runtime_info_get(&info), MWK_OK);
    }
    size_t bad = 0;
    for (int i = 0; i < NW; i++) {
        pthread_join(th[i], NULL);
        bad += wk[i].bad;
    }
    for (size_t k = 0; k < NJOBS; k++) mt_free(JOBS[k].ref);
    for (int d = 0; d < 4; d++) mt_free(DATA[d]);
    cr_assert_eq(bad, 0, "%zu concurrent results differ", bad);
}
