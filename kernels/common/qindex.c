/* Median/quantile by an order-statistic index over the values' ranks
 * (the MWK_ALGO_SKIPLIST slot: an indexable order-statistic structure,
 * any rank in O(log w), several quantiles per step for one selection each).
 *
 * Why not a linked skiplist: a core sees its whole segment at once, so the
 * values of a chunk of windows can be ranked once (an LSD radix sort, O(1)
 * per value, chunk_windows below) and the window becomes a set of integer
 * ranks. A set of ranks is a bitmap plus a Fenwick tree of per-word counts:
 * insert and delete are a bit flip and log2(n/64) counter updates, the k-th
 * rank a Fenwick descent and a select inside one 64-bit word. All of it
 * lives in a few flat arrays (n/64 counters stay in L1/L2 up to n of a
 * few million), where a skiplist chases a pointer per level and misses the
 * cache for w beyond a few thousand. The structure is deterministic (no
 * random levels) and allocates nothing per step.
 *
 * NaN is absent (no rank); -0.0 and +0.0 get the same key, so they tie as
 * the reference's comparison says; +-inf are ordinary keys. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qalgos.h"

#define DIGIT 11
#define NBUCKET (1u << DIGIT)
#define NPASS 6 /* 6 * 11 >= 64 */
#define NO_RANK UINT32_MAX

static size_t al64(size_t b) { return (b + 63) & ~(size_t)63; }

typedef struct {
    uint64_t *k0, *k1;
    uint32_t *i0, *i1;
    uint32_t *hist; /* NPASS * NBUCKET */
    uint64_t *bits;
    uint32_t *fen; /* 1-based, words + 1 entries */
    size_t words;
} qidx;

static size_t layout(qidx *t, char *p, size_t n) {
    const size_t words = (n + 63) / 64;
    size_t off = 0;
#define TAKE(field, type, count)                     \
    do {                                             \
        if (t) t->field = (type *)(void *)(p + off); \
        off += al64((count) * sizeof(type));         \
    } while (0)
    TAKE(k0, uint64_t, n);
    TAKE(k1, uint64_t, n);
    TAKE(i0, uint32_t, n);
    TAKE(i1, uint32_t, n);
    TAKE(hist, uint32_t, (size_t)NPASS * NBUCKET);
    TAKE(bits, uint64_t, words);
    TAKE(fen, uint32_t, words + 1);
#undef TAKE
    if (t) t->words = words;
    return off;
}

/* Windows per chunk: the segment is ranked a chunk at a time so that the
 * rank universe (chunk + w - 1 values) stays near the window's size; with a
 * 65536-window segment and w = 10 the values by rank would otherwise be
 * 512 KiB read at random (cache misses dominated). Re-inserting w - 1 values
 * per chunk costs at most 1/8 more. */
static size_t chunk_windows(size_t w) { return 8 * w > 4096 ? 8 * w : 4096; }

size_t mwk_q_index_scratch(size_t n, size_t w) {
    const size_t c = chunk_windows(w) + w - 1;
    return layout(NULL, NULL, c < n ? c : n);
}

/* Sortable key: unsigned order equals the doubles' order; -0.0 as +0.0. */
static uint64_t key_of(double v) {
    uint64_t u;
    if (v == 0.0) v = 0.0;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

/* Ranks the non-NaN values of x[0, n): rank[i] (NO_RANK for NaN) and the
 * values by rank, sv[r]. Returns 1 when a NaN was seen. rank aliases i1
 * and sv aliases k1 (both free once the sort is done). */
static int rank_all(qidx *t, const double *x, size_t n, uint32_t **rank_out, double **sv_out) {
    uint32_t *hist = t->hist;
    memset(hist, 0, (size_t)NPASS * NBUCKET * sizeof *hist);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        const uint64_t k = key_of(x[i]);
        t->k0[m] = k;
        t->i0[m] = (uint32_t)i;
        m++;
        for (int p = 0; p < NPASS; p++) hist[p * NBUCKET + ((k >> (p * DIGIT)) & (NBUCKET - 1))]++;
    }
    uint64_t *ka = t->k0, *kb = t->k1;
    uint32_t *ia = t->i0, *ib = t->i1;
    for (int p = 0; p < NPASS; p++) {
        uint32_t *h = hist + p * NBUCKET;
        const int shift = p * DIGIT;
        if (m == 0 || h[(ka[0] >> shift) & (NBUCKET - 1)] == m) continue; /* one bucket: no-op */
        uint32_t sum = 0;
        for (size_t b = 0; b < NBUCKET; b++) {
            const uint32_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t r = 0; r < m; r++) {
            const uint64_t k = ka[r];
            const uint32_t d = h[(k >> shift) & (NBUCKET - 1)]++;
            kb[d] = k;
            ib[d] = ia[r];
        }
        uint64_t *tk = ka;
        ka = kb, kb = tk;
        uint32_t *ti = ia;
        ia = ib, ib = ti;
    }
    /* Sorted order is (ka, ia); kb and ib are free. */
    uint32_t *rank = ib;
    double *sv = (double *)(void *)kb;
    for (size_t i = 0; i < n; i++) rank[i] = NO_RANK;
    for (size_t r = 0; r < m; r++) {
        rank[ia[r]] = (uint32_t)r;
        sv[r] = x[ia[r]];
    }
    *rank_out = rank;
    *sv_out = sv;
    return m != n;
}

static void fen_add(uint32_t *fen, size_t words, size_t word, uint32_t d) {
    for (size_t p = word + 1; p <= words; p += p & (0 - p)) fen[p] += d;
}

static void set_add(qidx *t, uint32_t r) {
    t->bits[r >> 6] |= (uint64_t)1 << (r & 63);
    fen_add(t->fen, t->words, r >> 6, 1);
}

static void set_del(qidx *t, uint32_t r) {
    t->bits[r >> 6] &= ~((uint64_t)1 << (r & 63));
    fen_add(t->fen, t->words, r >> 6, (uint32_t)-1);
}

/* Position of the k-th (0-based) set bit of u (k < popcount(u)). Byte
 * counts by SWAR (no -march, so no popcnt instruction), their running sums
 * by one multiply; the byte is the number of running sums <= k. */
static unsigned select64(uint64_t u, unsigned k) {
    uint64_t b = u - ((u >> 1) & 0x5555555555555555u);
    b = (b & 0x3333333333333333u) + ((b >> 2) & 0x3333333333333333u);
    b = (b + (b >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    const uint64_t cum = b * 0x0101010101010101u; /* byte i: bits in bytes 0..i (<= 64) */
    /* Bytes whose running sum is <= k: (k + 128 - cum_i) keeps bit 7 (no
     * borrow between bytes: cum_i <= 64). */
    const uint64_t le = (((uint64_t)k * 0x0101010101010101u | 0x8080808080808080u) - cum) &
                        0x8080808080808080u;
    const unsigned byte = (unsigned)(((le >> 7) * 0x0101010101010101u) >> 56);
    if (byte) k -= (unsigned)((cum >> (8 * (byte - 1))) & 0xff);
    unsigned v = (unsigned)((u >> (8 * byte)) & 0xff);
    while (k--) v &= v - 1;
    return 8 * byte + (unsigned)__builtin_ctz(v);
}

/* The rank holding the k-th (0-based) smallest value of the set. */
static size_t set_select(const qidx *t, size_t k, size_t top) {
    size_t p = 0;
    for (size_t step = top; step; step >>= 1) {
        const size_t q = p + step;
        if (q <= t->words && t->fen[q] <= k) {
            p = q;
            k -= t->fen[q];
        }
    }
    /* Word p (0-based) holds it. */
    return (p << 6) + select64(t->bits[p], (unsigned)k);
}

/* The next rank of the set after r (one exists): the same or a nearby word,
 * else a selection. */
static size_t set_next(const qidx *t, size_t r, size_t k_next, size_t top) {
    size_t wd = r >> 6;
    uint64_t u = (r & 63) == 63 ? 0 : t->bits[wd] & (~(uint64_t)0 << ((r & 63) + 1));
    for (int tries = 0; tries < 4; tries++) {
        if (u) return (wd << 6) + (size_t)__builtin_ctzll(u);
        if (++wd >= t->words) break;
        u = t->bits[wd];
    }
    return set_select(t, k_next, top);
}

/* The full windows of x[0, n) (n >= w), K values each, into out. */
static int index_chunk(const double *x, size_t n, size_t w, const mwk_qlist *qlp, size_t K,
                       double *out, void *mem) {
    const mwk_qlist ql = *qlp;
    qidx t;
    layout(&t, mem, n);
    uint32_t *rank;
    double *sv;
    const int nan = rank_all(&t, x, n, &rank, &sv);
    memset(t.bits, 0, t.words * sizeof *t.bits);
    memset(t.fen, 0, (t.words + 1) * sizeof *t.fen);
    size_t top = 1;
    while (top * 2 <= t.words) top *= 2;

    size_t c = 0;
    for (size_t i = 0; i + 1 < w; i++)
        if (rank[i] != NO_RANK) set_add(&t, rank[i]), c++;
    const size_t m = n - w + 1;
    size_t last_c = (size_t)-1;
    mwk_qpos pos1 = {0, 0, 0.0};
    for (size_t j = 0; j < m; j++) {
        const uint32_t rin = rank[j + w - 1];
        if (rin != NO_RANK) set_add(&t, rin), c++;
        if (!c) {
            for (size_t q = 0; q < K; q++) out[j * K + q] = NAN;
        } else if (ql.k == 1) {
            if (c != last_c) last_c = c, pos1 = mwk_qpos_of(c, ql.q[0], ql.how);
            const size_t rl = set_select(&t, pos1.lo, top);
            const double a = sv[rl];
            const double b = pos1.hi == pos1.lo ? a : sv[set_next(&t, rl, pos1.hi, top)];
            out[j * K] = mwk_q_value(a, b, pos1);
        } else {
            for (size_t q = 0; q < ql.k; q++) {
                const mwk_qpos pos = mwk_qpos_of(c, ql.q[q], ql.how);
                const size_t rl = set_select(&t, pos.lo, top);
                const double a = sv[rl];
                const double b = pos.hi == pos.lo ? a : sv[set_next(&t, rl, pos.hi, top)];
                out[j * K + q] = mwk_q_value(a, b, pos);
            }
        }
        const uint32_t rout = rank[j];
        if (rout != NO_RANK) set_del(&t, rout), c--;
    }
    return nan;
}

int mwk_q_index(mwk_seg *s) {
    const size_t n = s->n, w = s->w, B = chunk_windows(w);
    if (B + w >= (size_t)UINT32_MAX) return mwk_q_naive(s);
    mwk_qlist ql;
    mwk_qlist_of(s->stat, s->params, &ql);
    void *mem = s->scratch;
    if (!mem && !(mem = malloc(mwk_q_index_scratch(n, w)))) return s->err = MWK_E_NOMEM, -1;
    const size_t m = n - w + 1;
    int nan = 0;
    for (size_t j0 = 0; j0 < m; j0 += B) {
        const size_t mj = m - j0 < B ? m - j0 : B;
        nan |= index_chunk(s->x + j0, mj + w - 1, w, &ql, s->k, s->out + j0 * s->k, mem);
    }
    if (mem != s->scratch) free(mem);
    return nan;
}
