/* Moving quantiles of small windows by sorting networks (the SIMD part is
 * qnetwork_hwy.cc; this file builds the networks and handles what they
 * cannot).
 *
 * The network is Batcher's odd-even merge sort over p = the power of two
 * >= w inputs (the inputs w..p-1 hold +inf), pruned twice: comparators whose
 * upper input is known padding do nothing, and, walking backwards from the
 * ranks the quantiles need, comparators that feed none of them are dropped
 * (a median of 9 keeps 25 of 63). Windows holding NaN (the count, hence the
 * ranks, differ) or -0.0 (min/max may swap which zero comes out) go through
 * the reference's own window function, so every value is the reference's
 * (the others combine through mwk_q_value or mwk_q_value_fast's formulas).
 * Windows wider than MWK_Q_NETWORK_MAX_W run the sort-based filter: correct,
 * and auto never picks the network there. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mwk_config.h"
#include "orderstat.h"
#include "qsortblock.h"

enum { QN_MAXP = 32, QN_MAXCMP = 512, QN_CHUNK = 256, QN_MAXR = 8 };

typedef struct {
    size_t p, ncmp, nr;
    uint16_t cmp[2 * QN_MAXCMP];
    uint16_t rk[2 * QN_MAXP];
    int rank_slot[QN_MAXP]; /* rank -> row of the network's output */
} qnet;

/* Batcher's odd-even merge sort for p (a power of two) inputs, then pruned
 * (see above). need[r] marks the ranks wanted. */
static void qnet_build(qnet *nt, size_t w, const unsigned char *need) {
    size_t p = 1;
    while (p < w) p <<= 1;
    nt->p = p;
    uint16_t all[2 * QN_MAXCMP];
    size_t na = 0;
    for (size_t q = 1; q < p; q <<= 1)
        for (size_t k = q; k >= 1; k >>= 1)
            for (size_t j = k % q; j + k < p; j += 2 * k)
                for (size_t i = 0; i < k && i + j + k < p; i++)
                    if ((i + j) / (2 * q) == (i + j + k) / (2 * q)) {
                        all[2 * na] = (uint16_t)(i + j);
                        all[2 * na + 1] = (uint16_t)(i + j + k);
                        na++;
                    }
    /* forward: a comparator whose upper wire holds padding (+inf, the
     * largest value) leaves both wires as they are */
    unsigned char pad[QN_MAXP], keep[QN_MAXCMP];
    for (size_t t = 0; t < p; t++) pad[t] = t >= w;
    for (size_t c = 0; c < na; c++) {
        const size_t a = all[2 * c], b = all[2 * c + 1];
        keep[c] = !pad[b];
        if (keep[c] && pad[a]) { /* the real value moves up, the padding down */
            pad[a] = 0;
            pad[b] = 1;
        }
    }
    /* backward: only what feeds a wanted rank */
    unsigned char live[QN_MAXP];
    for (size_t t = 0; t < p; t++) live[t] = t < w && need[t];
    for (size_t c = na; c-- > 0;) {
        if (!keep[c]) continue;
        const size_t a = all[2 * c], b = all[2 * c + 1];
        if (live[a] || live[b])
            live[a] = live[b] = 1;
        else
            keep[c] = 0;
    }
    nt->ncmp = 0;
    for (size_t c = 0; c < na; c++)
        if (keep[c]) {
            nt->cmp[2 * nt->ncmp] = all[2 * c];
            nt->cmp[2 * nt->ncmp + 1] = all[2 * c + 1];
            nt->ncmp++;
        }
    nt->nr = 0;
    for (size_t t = 0; t < w; t++) {
        nt->rank_slot[t] = -1;
        if (need[t]) {
            nt->rank_slot[t] = (int)nt->nr;
            nt->rk[nt->nr++] = (uint16_t)t;
        }
    }
}

/* The network on scalars, for the portable build (same comparators). */
static void qnet_scalar(const qnet *nt, const double *x, size_t nwin, size_t w, double *dst) {
    double v[QN_MAXP];
    for (size_t j = 0; j < nwin; j++) {
        for (size_t t = 0; t < nt->p; t++) v[t] = t < w ? x[j + t] : HUGE_VAL;
        for (size_t c = 0; c < nt->ncmp; c++) {
            const size_t a = nt->cmp[2 * c], b = nt->cmp[2 * c + 1];
            const double lo = v[b] < v[a] ? v[b] : v[a], hi = v[b] < v[a] ? v[a] : v[b];
            v[a] = lo;
            v[b] = hi;
        }
        for (size_t r = 0; r < nt->nr; r++) dst[r * nwin + j] = v[nt->rk[r]];
    }
}

size_t mwk_q_network_scratch(size_t n, size_t w) {
    if (w > MWK_Q_NETWORK_MAX_W) return mwk_q_sortblock_scratch(n, w);
    return (size_t)QN_MAXR * QN_CHUNK * sizeof(double) + 64 * sizeof(double);
}

/* NaN or -0.0: the windows holding it leave the network. */
static inline int qn_bad(double v) { return v != v || (v == 0.0 && signbit(v)); }

int mwk_q_network(mwk_seg *s) {
    const size_t w = s->w, n = s->n, m = n - w + 1;
    if (w > MWK_Q_NETWORK_MAX_W) return mwk_q_sortblock(s);
    mwk_qlist ql;
    mwk_qlist_of(s->stat, s->params, &ql);
    const size_t k = ql.k;
    mwk_qpos pst[QN_MAXR], *pos = pst;
    unsigned char need[QN_MAXP] = {0};
    /* ranks for a full (NaN-free) window */
    size_t nr = 0;
    mwk_qpos *heap_pos = NULL;
    if (k > QN_MAXR) {
        heap_pos = malloc(k * sizeof *heap_pos);
        if (!heap_pos) return s->err = MWK_E_NOMEM, -1;
        pos = heap_pos;
    }
    for (size_t q = 0; q < k; q++) {
        pos[q] = mwk_qpos_of(w, ql.q[q], ql.how);
        nr += !need[pos[q].lo];
        need[pos[q].lo] = 1;
        nr += !need[pos[q].hi];
        need[pos[q].hi] = 1;
    }
    qnet nt;
    qnet_build(&nt, w, need);
    /* values of the network's ranks, QN_CHUNK windows at a time, and w
     * doubles for the reference's window function */
    double *mem = s->scratch, *own = NULL;
    if (!mem || nr > QN_MAXR) {
        own = malloc(((nr > QN_MAXR ? nr : QN_MAXR) * QN_CHUNK + 64) * sizeof(double));
        if (!own) {
            free(heap_pos);
            return s->err = MWK_E_NOMEM, -1;
        }
        mem = own;
    }
    double *vals = mem, *wv = mem + (nr > QN_MAXR ? nr : QN_MAXR) * QN_CHUNK;
    const double *x = s->x;
    double *out = s->out;
    int nan = 0;
    size_t j = 0, scan = 0;
    while (j < m) {
        size_t bad = scan > j ? scan : j;
        while (bad < n && !qn_bad(x[bad])) bad++;
        scan = bad + 1;
        /* windows [j, ce) end before x[bad] */
        size_t ce = bad + 1 >= w ? bad + 1 - w : 0;
        if (ce > m) ce = m;
        while (j < ce) {
            const size_t cnt = ce - j < QN_CHUNK ? ce - j : QN_CHUNK;
            int done = 0;
#if MWK_HAVE_HWY
            if (s->target.hwy_bit != 0)
                done = mwk_hwy_q_network(s->target.hwy_bit, x + j, cnt, w, nt.p, nt.cmp, nt.ncmp,
                                         nt.rk, nt.nr, vals) == 0;
#endif
            if (!done) qnet_scalar(&nt, x + j, cnt, w, vals);
            for (size_t q = 0; q < k; q++) {
                const double *va = vals + (size_t)nt.rank_slot[pos[q].lo] * cnt;
                const double *vb = vals + (size_t)nt.rank_slot[pos[q].hi] * cnt;
                double *o = out + j * k + q;
                const mwk_qpos pq = pos[q];
                if (pq.t == 0.0) {
                    for (size_t i = 0; i < cnt; i++) o[i * k] = va[i];
                } else if (pq.t == 0.5) {
                    for (size_t i = 0; i < cnt; i++)
                        o[i * k] = va[i] == vb[i] ? va[i] : va[i] * 0.5 + vb[i] * 0.5;
                } else {
                    for (size_t i = 0; i < cnt; i++) o[i * k] = mwk_q_value(va[i], vb[i], pq);
                }
            }
            j += cnt;
        }
        if (j >= m || bad >= n) continue;
        nan |= x[bad] != x[bad];
        /* windows holding x[bad]: the reference's window function */
        const size_t se = bad + 1 < m ? bad + 1 : m;
        for (; j < se; j++) nan |= mwk_q_window(x, j, j + w, &ql, wv, out + j * k) != w;
    }
    free(own);
    free(heap_pos);
    return nan;
}
