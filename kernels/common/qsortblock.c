/* Moving quantiles by Suomela's sort-based filter (arXiv 1406.1717, "Median
 * filtering is equivalent to sorting"; Polars' rolling quantiles use it).
 *
 * The row is cut into blocks of w inputs, each sorted once (VQSort where
 * Highway has it). Window j = b*w + i is the union of block b's inputs i..w-1
 * (A) and block b+1's inputs 0..i-1 (B). A is a doubly linked list over its
 * sorted order from which input i is deleted at each step; B's list is
 * built by deleting its inputs in reverse order first, so that inserting
 * them in order is O(1) each (the deleted node keeps its links: "dancing
 * links"). Every quantile keeps a cursor (pa, ra, pb, rb): pa and pb are
 * nodes of A and B (or a list's tail), ra and rb count the nodes before them,
 * and the nodes before them are the ra + rb smallest of the window, in the
 * total order (value, A before B, sorted position). A delete or an insert
 * moves a cursor's rank by at most one and the count changes by at most
 * one, so moving the cursor back to the wanted rank is O(1) amortised: the
 * whole filter is O(n log w) for the sorts plus O(n) for the walk.
 *
 * Blocks sort stably with -0.0 and +0.0 as equals, so the window's order is
 * that of a stable sort of the window. NaN is absent: it never enters a
 * list, and the count (hence the ranks) varies per window. Values come out
 * only through mwk_qpos_of/mwk_q_value: bit-identical to the reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mwk_config.h"
#include "orderstat.h"
#include "qsortblock.h"

/* One block: nodes 1..m are its non-NaN inputs in sorted order, 0 is the
 * head and m+1 the tail of the list. node[i] is input i's node (0: NaN). */
typedef struct {
    double v;
    int32_t nx, pv;
} qnode; /* one cache line holds a node's value and links: w = 1e5 lives in L3 */

typedef struct {
    qnode *nd;
    int32_t *node;
    int32_t m, tail;
} qblk;

typedef struct {
    int32_t pa, ra, pb, rb;
} qcur;

#ifndef QSB_RADIX_MIN
#define QSB_RADIX_MIN 256 /* block size from which the radix sort beats VQSort (measured) */
#endif
#define QSB_RADIX11_MIN 8192 /* and from which 11-bit digits beat 8-bit ones */
#define QSB_CNT (6 * 2048)   /* counters: ceil(64 / 11) passes of 2^11 */

static size_t al64(size_t b) { return (b + 63) & ~(size_t)63; }

static size_t blk_bytes(size_t w) {
    return al64((w + 2) * sizeof(qnode)) + al64(w * sizeof(int32_t));
}

size_t mwk_q_sortblock_scratch(size_t n, size_t w) {
    (void)n;
    return 2 * blk_bytes(w) + al64(2 * w * sizeof(mwk_kv)) + al64(w * sizeof(uint64_t)) +
           QSB_CNT * sizeof(uint32_t);
}

static unsigned char *blk_carve(qblk *b, unsigned char *p, size_t w) {
    b->nd = (qnode *)p;
    p += al64((w + 2) * sizeof(qnode));
    b->node = (int32_t *)p;
    p += al64(w * sizeof(int32_t));
    return p;
}

/* Stable by key (ties keep index order): insertion sort for short runs,
 * then bottom-up merges through tmp. The portable path where VQSort is not
 * available. */
static void kv_sort_scalar(mwk_kv *a, size_t m, mwk_kv *tmp) {
    const size_t run = 16;
    for (size_t s = 0; s < m; s += run) {
        const size_t e = s + run < m ? s + run : m;
        for (size_t i = s + 1; i < e; i++) {
            const mwk_kv t = a[i];
            size_t j = i;
            while (j > s && a[j - 1].key > t.key) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = t;
        }
    }
    mwk_kv *src = a, *dst = tmp;
    for (size_t width = run; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            const size_t mid = lo + width < m ? lo + width : m;
            const size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) dst[o++] = src[j].key < src[i].key ? src[j++] : src[i++];
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        mwk_kv *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, m * sizeof *a);
}

static void u64_sort_scalar(uint64_t *a, size_t m, uint64_t *tmp) {
    const size_t run = 16;
    for (size_t s = 0; s < m; s += run) {
        const size_t e = s + run < m ? s + run : m;
        for (size_t i = s + 1; i < e; i++) {
            const uint64_t t = a[i];
            size_t j = i;
            while (j > s && a[j - 1] > t) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = t;
        }
    }
    uint64_t *src = a, *dst = tmp;
    for (size_t width = run; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            const size_t mid = lo + width < m ? lo + width : m;
            const size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) dst[o++] = src[j] < src[i] ? src[j++] : src[i++];
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, m * sizeof *a);
}

/* LSD radix sort of a[0, m) on bits lo_bit..63, `db` bits a pass (8, or
 * 11 for large blocks: fewer passes over a block that has left L1), stable:
 * words equal in those bits keep their order. One pass counts every digit;
 * a digit that is the same in every word (the exponent of data within one
 * binade, the zero low bits of integer-valued data) costs nothing more.
 * Measured here (AMD EPYC, AVX2, Highway 1.0.3) about twice as fast as
 * VQSort from a few hundred words up; VQSort wins below. cnt: room for
 * ceil(64 / db) * 2^db counters. */
static void u64_radix(uint64_t *a, size_t m, uint64_t *tmp, unsigned lo_bit, unsigned db,
                      uint32_t *cnt) {
    const unsigned npass = (64 - lo_bit + db - 1) / db;
    const size_t nb = (size_t)1 << db;
    const uint64_t dm = nb - 1;
    memset(cnt, 0, npass * nb * sizeof *cnt);
    for (size_t i = 0; i < m; i++) {
        const uint64_t v = a[i] >> lo_bit;
        for (unsigned p = 0; p < npass; p++) cnt[p * nb + ((v >> (db * p)) & dm)]++;
    }
    uint64_t *src = a, *dst = tmp;
    for (unsigned p = 0; p < npass; p++) {
        const unsigned sh = lo_bit + db * p;
        uint32_t *c = cnt + p * nb;
        if (c[(src[0] >> sh) & dm] == m) continue; /* one digit value: order kept */
        uint32_t sum = 0;
        for (size_t d = 0; d < nb; d++) {
            const uint32_t t = c[d];
            c[d] = sum;
            sum += t;
        }
        for (size_t i = 0; i < m; i++) dst[c[(src[i] >> sh) & dm]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, m * sizeof *a);
}

/* Sorts block x[0, len) into b. Sorting (key, index) pairs is sorting 64-bit
 * words (what VQSort is fastest at) once the index replaces the key's low
 * `bits` bits (len <= 2^bits): the words come out ordered by truncated key,
 * then index. Inputs whose truncated keys agree (equal values, or values
 * within 2^bits units in the last place: rare outside ties) are then put in
 * full-key order, stably. pk: len words; kv: 2*len pairs; cnt: the radix
 * sort's counters (QSB_CNT of them). Returns 1 if the
 * block held a NaN. */
static int blk_build(qblk *b, const double *x, size_t len, uint64_t *pk, mwk_kv *kv,
                     uint32_t *cnt, int64_t hwy_bit) {
    unsigned bits = 0;
    while (((size_t)1 << bits) < len) bits++;
    const uint64_t mask = ((uint64_t)1 << bits) - 1;
    size_t m = 0;
    int nan = 0;
    for (size_t i = 0; i < len; i++) {
        const double v = x[i];
        if (v != v) {
            b->node[i] = 0;
            nan = 1;
            continue;
        }
        pk[m++] = (mwk_q_key(v) & ~mask) | (uint64_t)i;
    }
    int done = 0;
    if (m >= QSB_RADIX_MIN) {
        /* the words start in index order: sorting above the index bits is enough */
        u64_radix(pk, m, (uint64_t *)kv, bits, m >= QSB_RADIX11_MIN ? 11 : 8, cnt);
        done = 1;
    }
#if MWK_HAVE_HWY
    if (!done && hwy_bit != 0 && m > 16) done = mwk_hwy_u64_sort(hwy_bit, pk, m) == 0;
#else
    (void)hwy_bit;
#endif
    if (!done) u64_sort_scalar(pk, m, (uint64_t *)kv);
    for (size_t r = 0; r < m;) {
        size_t e = r + 1;
        while (e < m && (pk[e] & ~mask) == (pk[r] & ~mask)) e++;
        if (e - r > 1) {
            int sorted = 1;
            for (size_t t = r; t < e; t++) {
                kv[t - r].idx = pk[t] & mask;
                kv[t - r].key = mwk_q_key(x[kv[t - r].idx]);
                sorted &= t == r || kv[t - r].key >= kv[t - r - 1].key;
            }
            if (!sorted) {
                kv_sort_scalar(kv, e - r, kv + (e - r));
                for (size_t t = r; t < e; t++) pk[t] = (pk[t] & ~mask) | kv[t - r].idx;
            }
        }
        r = e;
    }
    b->m = (int32_t)m;
    b->tail = (int32_t)m + 1;
    for (size_t r = 0; r < m; r++) {
        const size_t i = (size_t)(pk[r] & mask);
        b->nd[r + 1].v = x[i];
        b->node[i] = (int32_t)(r + 1);
    }
    for (int32_t r = 0; r <= b->tail; r++) {
        b->nd[r].nx = r + 1;
        b->nd[r].pv = r - 1;
    }
    return nan;
}

/* Empties b's list in reverse input order, so that inserting the inputs in
 * order restores each node between its stored neighbours. */
static void blk_unwind(qblk *b, size_t len) {
    for (size_t i = len; i-- > 0;) {
        const int32_t e = b->node[i];
        if (!e) continue;
        b->nd[b->nd[e].pv].nx = b->nd[e].nx;
        b->nd[b->nd[e].nx].pv = b->nd[e].pv;
    }
}

/* The cursor's node at its rank: 1 when it is in A (value *v), 0 in B. */
static inline int cur_at(const qblk *A, const qblk *B, const qcur *c, double *v) {
    if (c->pa == A->tail) {
        *v = B->nd[c->pb].v;
        return 0;
    }
    if (c->pb == B->tail || A->nd[c->pa].v <= B->nd[c->pb].v) {
        *v = A->nd[c->pa].v;
        return 1;
    }
    *v = B->nd[c->pb].v;
    return 0;
}

/* Moves the cursor to rank r (< the window's count). */
static inline void cur_seek(const qblk *A, const qblk *B, qcur *c, int32_t r) {
    while (c->ra + c->rb < r) {
        double v;
        if (cur_at(A, B, c, &v)) {
            c->pa = A->nd[c->pa].nx;
            c->ra++;
        } else {
            c->pb = B->nd[c->pb].nx;
            c->rb++;
        }
    }
    while (c->ra + c->rb > r) {
        const int32_t a = A->nd[c->pa].pv, b = B->nd[c->pb].pv;
        /* the larger of the two predecessors steps back (B's on a tie) */
        if (b > 0 && (a <= 0 || A->nd[a].v <= B->nd[b].v)) {
            c->pb = b;
            c->rb--;
        } else {
            c->pa = a;
            c->ra--;
        }
    }
}

/* Value of rank lo and of the next rank, from a cursor at rank lo. */
static inline void cur_pair(const qblk *A, const qblk *B, const qcur *c, int want_next,
                            double *lo, double *hi) {
    double v;
    const int in_a = cur_at(A, B, c, &v);
    *lo = v;
    if (!want_next) {
        *hi = v;
        return;
    }
    qcur n = *c;
    if (in_a)
        n.pa = A->nd[n.pa].nx;
    else
        n.pb = B->nd[n.pb].nx;
    cur_at(A, B, &n, hi);
}

enum { QSB_STACK_Q = 16, QSB_AHEAD = 8 };


/* The filter's loop; inlined twice so that k == 1 (median, one quantile)
 * keeps its one cursor in registers. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int sb_run(mwk_seg *s, const mwk_qlist *qlp, const size_t k, qblk *blk, qcur *cur,
                         mwk_qpos *pos, uint64_t *pk, mwk_kv *kv, uint32_t *rcnt) {
    const size_t w = s->w, n = s->n, m = n - w + 1;
    const mwk_qlist ql = *qlp;
    const int64_t hb = s->target.hwy_bit;
    const double *x = s->x;
    double *out = s->out;
    qblk *A = &blk[0], *B = &blk[1];
    int nan = blk_build(A, x, w, pk, kv, rcnt, hb);
    size_t cnt = (size_t)A->m;
    size_t pos_c = (size_t)-1; /* count the cached positions are for */
    for (size_t q = 0; q < k; q++) cur[q] = (qcur){A->nd[0].nx, 0, B->tail, 0};
    size_t base = 0; /* block A starts at x[base] */
    size_t lenB = 0; /* inputs of block B */
    for (size_t j = 0;; j++) {
        const size_t i = j - base;
        if (i == 0 && j + 1 < m) { /* block b+1 for the steps of this block */
            lenB = n - (base + w) < w ? n - (base + w) : w;
            nan |= blk_build(B, x + base + w, lenB, pk, kv, rcnt, hb);
            blk_unwind(B, lenB);
            for (size_t q = 0; q < k; q++) {
                cur[q].pb = B->tail;
                cur[q].rb = 0;
            }
        }
        /* window j */
        double *o = out + j * k;
        if (cnt == 0) {
            for (size_t q = 0; q < k; q++) o[q] = NAN;
        } else {
            if (cnt != pos_c) {
                for (size_t q = 0; q < k; q++) pos[q] = mwk_qpos_of(cnt, ql.q[q], ql.how);
                pos_c = cnt;
            }
            for (size_t q = 0; q < k; q++) {
                cur_seek(A, B, &cur[q], (int32_t)pos[q].lo);
                double lo, hi;
                cur_pair(A, B, &cur[q], pos[q].hi != pos[q].lo, &lo, &hi);
                o[q] = mwk_q_value_fast(lo, hi, pos[q]);
            }
        }
        if (j + 1 >= m) break;
        /* step: A loses input i, B gains input i */
#if defined(__GNUC__)
        if (i + QSB_AHEAD < w) { /* the nodes a few steps on: random places of a large block */
            __builtin_prefetch(&A->nd[A->node[i + QSB_AHEAD]], 1);
            if (i + QSB_AHEAD < lenB) __builtin_prefetch(&B->nd[B->node[i + QSB_AHEAD]], 1);
        }
#endif
        const int32_t e = A->node[i];
        if (e) {
            for (size_t q = 0; q < k; q++) {
                qcur *c = &cur[q];
                if (e == c->pa)
                    c->pa = A->nd[e].nx;
                else if (e < c->pa)
                    c->ra--;
            }
            A->nd[A->nd[e].pv].nx = A->nd[e].nx;
            A->nd[A->nd[e].nx].pv = A->nd[e].pv;
            cnt--;
        }
        const int32_t f = B->node[i];
        if (f) {
            B->nd[B->nd[f].pv].nx = f;
            B->nd[B->nd[f].nx].pv = f;
            const double fv = B->nd[f].v;
            for (size_t q = 0; q < k; q++) {
                qcur *c = &cur[q];
                if (f < c->pb) {
                    /* before B's cursor: among the smallest unless A's
                     * cursor node is smaller (then f is the new boundary) */
                    if (c->pa == A->tail || fv < A->nd[c->pa].v)
                        c->rb++;
                    else
                        c->pb = f;
                }
            }
            cnt++;
        }
        if (i + 1 == w) { /* A is empty: B becomes A */
            qblk *t = A;
            A = B;
            B = t;
            for (size_t q = 0; q < k; q++) { /* the old A is an empty list */
                cur[q].pa = cur[q].pb;
                cur[q].ra = cur[q].rb;
                cur[q].pb = B->tail;
                cur[q].rb = 0;
            }
            base += w;
        }
    }
    return nan;
}

int mwk_q_sortblock(mwk_seg *s) {
    const size_t w = s->w, n = s->n;
    if (w > (size_t)INT32_MAX - 4) return s->err = MWK_E_NOMEM, -1;
    mwk_qlist ql;
    mwk_qlist_of(s->stat, s->params, &ql);
    const size_t k = ql.k;
    unsigned char *mem = s->scratch, *own = NULL;
    if (!mem) {
        own = mwk_aligned_alloc(mwk_q_sortblock_scratch(n, w));
        if (!own) return s->err = MWK_E_NOMEM, -1;
        mem = own;
    }
    qcur cst[QSB_STACK_Q], *cur = cst;
    mwk_qpos pst[QSB_STACK_Q], *pos = pst;
    void *heap = NULL;
    if (k > QSB_STACK_Q) {
        heap = malloc(k * (sizeof *cur + sizeof *pos));
        if (!heap) {
            mwk_aligned_free(own);
            return s->err = MWK_E_NOMEM, -1;
        }
        cur = heap;
        pos = (mwk_qpos *)(cur + k);
    }
    qblk blk[2];
    unsigned char *p = blk_carve(&blk[0], mem, w);
    p = blk_carve(&blk[1], p, w);
    mwk_kv *kv = (mwk_kv *)p; /* 2w pairs (see blk_build) */
    uint64_t *pk = (uint64_t *)(p + al64(2 * w * sizeof(mwk_kv)));
    uint32_t *cnt = (uint32_t *)((unsigned char *)pk + al64(w * sizeof(uint64_t)));
    blk[1].m = 0; /* B starts empty: head 0, tail 1 */
    blk[1].tail = 1;
    blk[1].nd[0].nx = 1;
    blk[1].nd[0].pv = -1;
    blk[1].nd[1].pv = 0;
    blk[1].nd[1].nx = 2;
    const int nan = k == 1 ? sb_run(s, &ql, 1, blk, cur, pos, pk, kv, cnt)
                           : sb_run(s, &ql, k, blk, cur, pos, pk, kv, cnt);
    free(heap);
    mwk_aligned_free(own);
    return nan;
}
