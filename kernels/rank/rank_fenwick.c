/* move_rank by a Fenwick-style count tree over value ranks: O(log w) per
 * window instead of the reference's O(w).
 *
 * The segment is cut into blocks of w inputs; each block's non-NaN values
 * are sorted once (by their order-preserving keys: an LSD radix sort, or
 * insertion for small blocks). Every window x[j, j+w) with j in block k lies
 * in blocks k and k+1, so merging those two sorted blocks gives each value
 * its dense rank among at most 2w (equal values share one; the key of -0.0
 * is the key of +0.0: they compare equal, as in the reference). The window's
 * values then live in counts per rank at every power-of-two granularity (a
 * Fenwick tree's information, laid out by level: O(log w) counters per
 * update or query, all in L1): `less` is a prefix count, `equal` one load,
 * the count a running total, and mwk_rank_value makes the same value from
 * the same three integers as the reference. The newest element of a
 * clipped (NaN-padded) window is its last real one (mwk_seg.valid_hi), as in
 * mwk_rank_naive. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/orderstat.h"
#include "rank_algos.h"

/* Order-preserving 64-bit key of a non-NaN double; -0.0 and +0.0 alike. */
static inline uint64_t key_of(double v) {
    union {
        double d;
        uint64_t u;
    } c;
    c.d = v + 0.0; /* -0.0 + 0.0 is +0.0 */
    return (c.u >> 63) ? ~c.u : (c.u | 0x8000000000000000ull);
}

/* Blocks up to this many values are sorted by insertion. */
#define FW_INSERTION_MAX 48

/* Scratch for a segment of n inputs and window w (n < 2^32). */
typedef struct {
    uint64_t *key, *key2; /* sorted keys per block (n); radix buffer (w) */
    uint32_t *idx, *idx2; /* their input indices (n); radix buffer (w) */
    size_t *bcnt;         /* non-NaN values per block */
    uint32_t *rank;       /* ranks of the inputs of two blocks (2w); 0: NaN */
    uint32_t *cnt;        /* the count tree over ranks 0..2w (t16) */
} fw_mem;

static size_t fw_bytes(size_t n, size_t w) {
    const size_t nb = w ? n / w + 2 : 1;
    return n * (sizeof(uint64_t) + sizeof(uint32_t)) + w * (sizeof(uint64_t) + sizeof(uint32_t)) +
           nb * sizeof(size_t) + 2 * w * sizeof(uint32_t) +
           (3 * w + 256) * sizeof(uint32_t) + 64; /* the tree: t16_size(2w) */
}

size_t mwk_rank_fenwick_scratch(size_t n, size_t w) { return fw_bytes(n, w); }

static void fw_layout(void *base, size_t n, size_t w, fw_mem *m) {
    char *p = base;
    const size_t nb = n / w + 2;
    m->key = (uint64_t *)(void *)p, p += n * sizeof(uint64_t);
    m->key2 = (uint64_t *)(void *)p, p += w * sizeof(uint64_t);
    m->bcnt = (size_t *)(void *)p, p += nb * sizeof(size_t);
    m->idx = (uint32_t *)(void *)p, p += n * sizeof(uint32_t);
    m->idx2 = (uint32_t *)(void *)p, p += w * sizeof(uint32_t);
    m->rank = (uint32_t *)(void *)p, p += 2 * w * sizeof(uint32_t);
    m->cnt = (uint32_t *)(void *)p;
}

/* Stable LSD radix sort of (k, ix)[0, c) on bytes p0..7 of the keys; a
 * pass whose digit is the same in every key (the top bytes of data within
 * a few binades) is skipped. tk, ti: c entries of room. */
static void radix_kv(uint64_t *k, uint32_t *ix, size_t c, uint64_t *tk, uint32_t *ti,
                     unsigned p0) {
    uint32_t h[8][256];
    memset(h[p0], 0, (8 - p0) * sizeof h[0]);
    for (size_t i = 0; i < c; i++) {
        const uint64_t v = k[i];
        for (unsigned p = p0; p < 8; p++) h[p][(v >> (8 * p)) & 255]++;
    }
    uint64_t *ks = k, *kd = tk;
    uint32_t *is = ix, *id = ti;
    for (unsigned p = p0; p < 8; p++) {
        const unsigned sh = 8 * p;
        uint32_t *hc = h[p];
        if (hc[(ks[0] >> sh) & 255] == c) continue;
        uint32_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            const uint32_t t = hc[d];
            hc[d] = sum;
            sum += t;
        }
        for (size_t i = 0; i < c; i++) {
            const uint32_t o = hc[(ks[i] >> sh) & 255]++;
            kd[o] = ks[i];
            id[o] = is[i];
        }
        uint64_t *t1 = ks;
        ks = kd, kd = t1;
        uint32_t *t2 = is;
        is = id, id = t2;
    }
    if (ks != k) {
        memcpy(k, ks, c * sizeof *k);
        memcpy(ix, is, c * sizeof *ix);
    }
}

/* Insertion sort of (k, ix)[0, c) that gives up (returns 0) after `budget`
 * moves; the array is then still a permutation of its input. */
static int insertion_kv(uint64_t *k, uint32_t *ix, size_t c, size_t budget) {
    size_t moves = 0;
    for (size_t i = 1; i < c; i++) {
        const uint64_t v = k[i];
        if (k[i - 1] <= v) continue;
        const uint32_t t = ix[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > v; j--) k[j] = k[j - 1], ix[j] = ix[j - 1];
        k[j] = v, ix[j] = t;
        moves += i - j;
        if (moves > budget) return 0;
    }
    return 1;
}

/* Sorts (k, ix)[0, c) by key (any order among equal keys: they get one
 * rank). Small blocks by insertion; others by radix on the top three
 * bytes (sign, exponent and 12 mantissa bits: one or two passes for data
 * within a few binades), which leaves only keys equal in those bits out of
 * order, then insertion; data that defeats that (many keys sharing their
 * top bits) gets the full radix sort. tk, ti: c entries of room. */
static void sort_kv(uint64_t *k, uint32_t *ix, size_t c, uint64_t *tk, uint32_t *ti) {
    if (c <= FW_INSERTION_MAX && insertion_kv(k, ix, c, SIZE_MAX)) return;
    radix_kv(k, ix, c, tk, ti, 5);
    if (insertion_kv(k, ix, c, 4 * c)) return;
    radix_kv(k, ix, c, tk, ti, 0);
}

/* The window's counts per rank in a 16-ary tree stored by level: level l
 * holds, for each aligned block of 16^l ranks, how many window values fall
 * in it (level 0: the count per rank), at cnt[off[l] + (r >> 4l)], each
 * level padded to whole groups of 16. An update is one increment per level;
 * the count of ranks below r adds, at each level, the siblings left of r's
 * node in its group of 16: a masked sum of 16 counters, vectorised. That is
 * the Fenwick tree's O(log w) with four times fewer levels, fixed trip
 * counts and no data-dependent branches. */
#define T16_MAX_LEVELS 8 /* 16^8 = 2^32 ranks */

typedef struct {
    uint32_t *cnt;
    size_t off[T16_MAX_LEVELS];
    unsigned L;
} t16;

/* Prefix masks: PMASK[k][i] = all ones for i < k. */
static const uint32_t PMASK[16][16] = {
#define R_(k)                                                                                   \
    {0u - (0 < k), 0u - (1 < k), 0u - (2 < k), 0u - (3 < k), 0u - (4 < k), 0u - (5 < k),       \
     0u - (6 < k), 0u - (7 < k), 0u - (8 < k), 0u - (9 < k), 0u - (10 < k), 0u - (11 < k),     \
     0u - (12 < k), 0u - (13 < k), 0u - (14 < k), 0u - (15 < k)}
    R_(0), R_(1), R_(2),  R_(3),  R_(4),  R_(5),  R_(6),  R_(7),
    R_(8), R_(9), R_(10), R_(11), R_(12), R_(13), R_(14), R_(15),
#undef R_
};

/* Sum of g[0, k), k < 16, g 16 counters. */
static inline size_t sum_below(const uint32_t *g, unsigned k) {
    const uint32_t *msk = PMASK[k];
#if defined(__GNUC__)
    typedef uint32_t v4u __attribute__((vector_size(16)));
    v4u acc = {0, 0, 0, 0};
    for (unsigned i = 0; i < 16; i += 4) {
        v4u v, mm;
        memcpy(&v, g + i, sizeof v);
        memcpy(&mm, msk + i, sizeof mm);
        acc += v & mm;
    }
    return (size_t)acc[0] + acc[1] + acc[2] + acc[3];
#else
    size_t s = 0;
    for (unsigned i = 0; i < 16; i++) s += g[i] & msk[i];
    return s;
#endif
}

static inline void t16_add(const t16 *t, size_t r, uint32_t delta) {
    for (unsigned l = 0; l < t->L; l++) t->cnt[t->off[l] + (r >> (4 * l))] += delta; /* may be -1 */
}

/* Window values of rank < r. */
static inline size_t t16_less(const t16 *t, size_t r) {
    size_t s = 0;
    for (unsigned l = 0; l < t->L; l++) {
        const size_t q = r >> (4 * l);
        s += sum_below(t->cnt + t->off[l] + (q & ~(size_t)15), (unsigned)(q & 15));
    }
    return s;
}

/* Counters a tree over ranks 0..d needs (within 1.07 (d + 1) + 16 * 8). */
static size_t t16_size(size_t d, unsigned *L, size_t off[T16_MAX_LEVELS]) {
    size_t total = 0;
    unsigned l = 0;
    do {
        const size_t nodes = (d >> (4 * l)) + 1;
        off[l] = total;
        total += (nodes + 15) & ~(size_t)15;
        l++;
    } while (l < T16_MAX_LEVELS && (d >> (4 * l)) > 0);
    *L = l;
    return total;
}

int mwk_rank_fenwick(mwk_seg *s) {
    const double *x = s->x;
    const size_t n = s->n, w = s->w, m = n - w + 1;
    if (n > UINT32_MAX - 1) return mwk_rank_naive(s); /* indices are 32-bit */
    void *mem = s->scratch;
    if (!mem && !(mem = malloc(fw_bytes(n, w)))) return s->err = MWK_E_NOMEM, -1;
    fw_mem f;
    fw_layout(mem, n, w, &f);
    int nan = 0;

    /* Each block's non-NaN values, sorted, at the block's own offset. */
    const size_t nb = (n + w - 1) / w;
    for (size_t k = 0; k < nb; k++) {
        const size_t b0 = k * w, b1 = b0 + w < n ? b0 + w : n;
        size_t c = 0;
        for (size_t i = b0; i < b1; i++) {
            const double v = x[i];
            if (v != v) {
                nan = 1;
                continue;
            }
            f.key[b0 + c] = key_of(v);
            f.idx[b0 + c] = (uint32_t)i;
            c++;
        }
        f.bcnt[k] = c;
        sort_kv(f.key + b0, f.idx + b0, c, f.key2, f.idx2);
    }

    const size_t vhi = s->valid_hi;
    for (size_t k = 0; k * w < m; k++) {
        /* Windows j in [k*w, min(m, (k+1)*w)) lie in inputs [lo, hi). */
        const size_t lo = k * w, hi = lo + 2 * w < n ? lo + 2 * w : n;
        uint32_t *rk = f.rank;
        memset(rk, 0, (hi - lo) * sizeof *rk);
        /* Dense ranks over blocks k and k+1: merge their sorted keys. */
        const uint64_t *ka = f.key + lo, *kb = f.key + lo + w;
        const uint32_t *ia = f.idx + lo, *ib = f.idx + lo + w;
        const size_t ca = f.bcnt[k], cb = k + 1 < nb ? f.bcnt[k + 1] : 0;
        size_t a = 0, b = 0, d = 0;
        uint64_t prev = 0;
        if (ca && cb) {
            /* both lists non-empty: the first value opens rank 1 */
            prev = ka[0] < kb[0] ? ka[0] : kb[0];
            d = 1;
            while (a < ca && b < cb) { /* branch-free: the order is data */
                const uint64_t xa = ka[a], xb = kb[b];
                const uint32_t ja = ia[a], jb = ib[b];
                const size_t tb = xb < xa;
                const uint64_t kv = xa ^ ((xa ^ xb) & (0 - (uint64_t)tb));
                const uint32_t iv = ja ^ ((ja ^ jb) & (0u - (uint32_t)tb));
                b += tb;
                a += 1 - tb;
                d += kv != prev;
                prev = kv;
                rk[iv - lo] = (uint32_t)d;
            }
        }
        for (; a < ca; a++) {
            if (d == 0 || ka[a] != prev) prev = ka[a], d++;
            rk[ia[a] - lo] = (uint32_t)d;
        }
        for (; b < cb; b++) {
            if (d == 0 || kb[b] != prev) prev = kb[b], d++;
            rk[ib[b] - lo] = (uint32_t)d;
        }
        /* The tree over ranks 0..d (rank 0, NaN, is never added), built
         * for the first w - 1 values in O(d): counts per rank, then each
         * level from the one below. */
        t16 t;
        t.cnt = f.cnt;
        const size_t tot = t16_size(d, &t.L, t.off);
        memset(t.cnt, 0, tot * sizeof *t.cnt);
        size_t c = 0; /* non-NaN values in the window */
        for (size_t i = lo; i + 1 < lo + w; i++) {
            const uint32_t r = rk[i - lo];
            t.cnt[r]++;
            c += r != 0;
        }
        t.cnt[0] = 0;
        for (unsigned l = 1; l < t.L; l++) {
            const uint32_t *src = t.cnt + t.off[l - 1];
            uint32_t *dst = t.cnt + t.off[l];
            const size_t nodes = (d >> (4 * l)) + 1;
            for (size_t i = 0; i < nodes; i++) {
                uint32_t sum = 0;
                for (unsigned u = 0; u < 16; u++) sum += src[16 * i + u];
                dst[i] = sum;
            }
        }
        const size_t j1 = lo + w < m ? lo + w : m;
        for (size_t j = lo; j < j1; j++) {
            /* window x[j, j + w): add its last value, answer, drop its first */
            const uint32_t ra = rk[j + w - 1 - lo];
            if (ra) t16_add(&t, ra, 1), c++;
            size_t newest = j + w - 1;
            if (newest >= vhi) newest = vhi - 1; /* the clipped window's last */
            const uint32_t r = newest < j || newest >= hi ? 0 : rk[newest - lo];
            s->out[j] = r ? mwk_rank_value(t16_less(&t, r), t.cnt[r], c) : NAN;
            const uint32_t rd = rk[j - lo];
            if (rd) t16_add(&t, rd, (uint32_t)-1), c--;
        }
    }
    if (mem != s->scratch) free(mem);
    return nan; /* +-inf are ordinary values: only NaN changes the counts */
}
