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
    uint32_t *cnt;        /* the level counts over ranks 0..2w (lv_add) */
} fw_mem;

static size_t fw_bytes(size_t n, size_t w) {
    const size_t nb = w ? n / w + 2 : 1;
    return n * (sizeof(uint64_t) + sizeof(uint32_t)) + w * (sizeof(uint64_t) + sizeof(uint32_t)) +
           nb * sizeof(size_t) + 2 * w * sizeof(uint32_t) +
           2 * (4 * w + 2) * sizeof(uint32_t) + 64; /* the levels: 2P, P <= 2(2w) */
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

/* Sorts (k, ix)[0, c) by key (any order among equal keys: they get one
 * rank). tk, ti: c entries of room. */
static void sort_kv(uint64_t *k, uint32_t *ix, size_t c, uint64_t *tk, uint32_t *ti) {
    if (c <= FW_INSERTION_MAX) {
        for (size_t i = 1; i < c; i++) {
            const uint64_t v = k[i];
            const uint32_t t = ix[i];
            size_t j = i;
            for (; j > 0 && k[j - 1] > v; j--) k[j] = k[j - 1], ix[j] = ix[j - 1];
            k[j] = v, ix[j] = t;
        }
        return;
    }
    /* LSD radix, 8 bits a pass; a pass whose digit is the same in every
     * key (the top bytes of data within a few binades) is skipped. */
    uint32_t h[8][256];
    memset(h, 0, sizeof h);
    for (size_t i = 0; i < c; i++) {
        const uint64_t v = k[i];
        for (unsigned p = 0; p < 8; p++) h[p][(v >> (8 * p)) & 255]++;
    }
    uint64_t *ks = k, *kd = tk;
    uint32_t *is = ix, *id = ti;
    for (unsigned p = 0; p < 8; p++) {
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

/* The counts per rank at every power-of-two granularity: with P a power of
 * two above every rank, level l (0 <= l < log2 P) holds, for each aligned
 * block of 2^l ranks, how many window values fall in it (level 0 is the
 * count per rank), at cnt[2P - (2P >> l) + block]. An update touches one
 * counter per level, a prefix count reads at most one per level: the
 * Fenwick tree's O(log w) with a fixed trip count, addresses computed rather
 * than loaded, and no data-dependent loop exits to mispredict. */
static inline void lv_add(uint32_t *cnt, size_t P2, unsigned L, size_t r, uint32_t delta) {
    for (unsigned l = 0; l < L; l++) cnt[P2 - (P2 >> l) + (r >> l)] += delta; /* delta may be -1 */
}

/* Values of rank < r: the aligned blocks that tile [0, r), one per set bit
 * of r: at level l, block (r >> l) - 1 when bit l of r is set. */
static inline size_t lv_less(const uint32_t *cnt, size_t P2, unsigned L, size_t r) {
    size_t s = 0;
    for (unsigned l = 0; l < L; l++) {
        const size_t q = r >> l, b = q & 1;
        s += (size_t)cnt[P2 - (P2 >> l) + q - b] & (0 - b);
    }
    return s;
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
        while (a < ca || b < cb) {
            uint64_t kv;
            uint32_t iv;
            if (b == cb || (a < ca && ka[a] <= kb[b]))
                kv = ka[a], iv = ia[a], a++;
            else
                kv = kb[b], iv = ib[b], b++;
            if (d == 0 || kv != prev) prev = kv, d++;
            rk[iv - lo] = (uint32_t)d;
        }
        /* Levels over ranks 0..d (rank 0, NaN, is never added), built for
         * the first w - 1 values in O(d): counts per rank, then pairwise. */
        unsigned L = 1;
        while (((size_t)1 << L) <= d) L++;
        const size_t P = (size_t)1 << L, P2 = 2 * P;
        uint32_t *cnt = f.cnt;
        memset(cnt, 0, P * sizeof *cnt);
        size_t c = 0; /* non-NaN values in the window */
        for (size_t i = lo; i + 1 < lo + w; i++) {
            const uint32_t r = rk[i - lo];
            cnt[r]++;
            c += r != 0;
        }
        cnt[0] = 0;
        for (unsigned l = 1; l < L; l++) {
            const uint32_t *src = cnt + P2 - (P2 >> (l - 1));
            uint32_t *dst = cnt + P2 - (P2 >> l);
            for (size_t i = 0; i < (P >> l); i++) dst[i] = src[2 * i] + src[2 * i + 1];
        }
        const size_t j1 = lo + w < m ? lo + w : m;
        for (size_t j = lo; j < j1; j++) {
            /* window x[j, j + w): add its last value, answer, drop its first */
            const uint32_t ra = rk[j + w - 1 - lo];
            if (ra) lv_add(cnt, P2, L, ra, 1), c++;
            size_t newest = j + w - 1;
            if (newest >= vhi) newest = vhi - 1; /* the clipped window's last */
            const uint32_t r = newest < j || newest >= hi ? 0 : rk[newest - lo];
            s->out[j] = r ? mwk_rank_value(lv_less(cnt, P2, L, r), cnt[r], c) : NAN;
            const uint32_t rd = rk[j - lo];
            if (rd) lv_add(cnt, P2, L, rd, (uint32_t)-1), c--;
        }
    }
    if (mem != s->scratch) free(mem);
    return nan; /* +-inf are ordinary values: only NaN changes the counts */
}
