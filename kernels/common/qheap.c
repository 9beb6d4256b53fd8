/* Median/quantile by two heaps split at the quantile's rank (bottleneck's
 * double heap, generalised from the median to any rank): `lo` is a
 * max-heap of the window's smallest values, `hi` a min-heap of the others.
 * The quantile's order statistics at ranks r and r+1 (mwk_qpos_of) are then
 * lo's top and hi's top once lo holds exactly r+1 values.
 *
 * NaN is absent: the count of values, hence r, changes as NaN enter and
 * leave the window, so after each step the heaps are rebalanced to the
 * current target (one top moves per unit of change, O(log w) each).
 *
 * Each window slot (i mod w) owns one entry; an entry records which heap
 * and position it has, so the outgoing value is replaced in place by the
 * incoming one (one sift, as bottleneck does) instead of a delete and an
 * insert. Heap entries carry their value (no indirection in the sifts).
 *
 * Several quantiles (params.n_quantiles > 1): one heap pass per quantile,
 * k times the work; MWK_ALGO_SKIPLIST is the algorithm for that case. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qalgos.h"

typedef struct {
    double v;
    uint32_t id; /* window slot */
} hent;

#define IN_NONE 0u
#define IN_LO 1u
#define IN_HI 2u

typedef struct {
    hent *lo, *hi;     /* lo: max-heap; hi: min-heap */
    size_t nlo, nhi;
    uint32_t *pos;     /* slot -> position in its heap */
    unsigned char *in; /* slot -> IN_NONE / IN_LO / IN_HI */
} qheap;

static void put(qheap *h, hent *a, size_t i, hent e) {
    a[i] = e;
    h->pos[e.id] = (uint32_t)i;
}

/* Max-heap lo. */
static void lo_up(qheap *h, size_t i) {
    hent *a = h->lo, e = a[i];
    while (i > 0) {
        const size_t p = (i - 1) >> 1;
        if (!(a[p].v < e.v)) break;
        put(h, a, i, a[p]);
        i = p;
    }
    put(h, a, i, e);
}

static void lo_down(qheap *h, size_t i) {
    hent *a = h->lo, e = a[i];
    const size_t n = h->nlo;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1].v > a[c].v) c++;
        if (!(a[c].v > e.v)) break;
        put(h, a, i, a[c]);
        i = c;
    }
    put(h, a, i, e);
}

/* Min-heap hi. */
static void hi_up(qheap *h, size_t i) {
    hent *a = h->hi, e = a[i];
    while (i > 0) {
        const size_t p = (i - 1) >> 1;
        if (!(a[p].v > e.v)) break;
        put(h, a, i, a[p]);
        i = p;
    }
    put(h, a, i, e);
}

static void hi_down(qheap *h, size_t i) {
    hent *a = h->hi, e = a[i];
    const size_t n = h->nhi;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1].v < a[c].v) c++;
        if (!(a[c].v < e.v)) break;
        put(h, a, i, a[c]);
        i = c;
    }
    put(h, a, i, e);
}

static void push_lo(qheap *h, hent e) {
    h->in[e.id] = IN_LO;
    put(h, h->lo, h->nlo, e);
    lo_up(h, h->nlo++);
}

static void push_hi(qheap *h, hent e) {
    h->in[e.id] = IN_HI;
    put(h, h->hi, h->nhi, e);
    hi_up(h, h->nhi++);
}

static hent pop_lo(qheap *h) {
    hent top = h->lo[0];
    if (--h->nlo) {
        put(h, h->lo, 0, h->lo[h->nlo]);
        lo_down(h, 0);
    }
    return top;
}

static hent pop_hi(qheap *h) {
    hent top = h->hi[0];
    if (--h->nhi) {
        put(h, h->hi, 0, h->hi[h->nhi]);
        hi_down(h, 0);
    }
    return top;
}

static void insert(qheap *h, double v, uint32_t id) {
    const hent e = {v, id};
    if (h->nlo && v <= h->lo[0].v) push_lo(h, e);
    else push_hi(h, e);
}

static void erase(qheap *h, uint32_t id) {
    const size_t i = h->pos[id];
    if (h->in[id] == IN_LO) {
        if (i != --h->nlo) {
            const double old = h->lo[i].v;
            put(h, h->lo, i, h->lo[h->nlo]);
            if (h->lo[i].v > old) lo_up(h, i);
            else lo_down(h, i);
        }
    } else {
        if (i != --h->nhi) {
            const double old = h->hi[i].v;
            put(h, h->hi, i, h->hi[h->nhi]);
            if (h->hi[i].v < old) hi_up(h, i);
            else hi_down(h, i);
        }
    }
    h->in[id] = IN_NONE;
}

/* The slot's value becomes v (the slot is in a heap): one sift when v stays
 * on its side; across the split, v trades places with the other side's top. */
static void replace(qheap *h, uint32_t id, double v) {
    const size_t i = h->pos[id];
    if (h->in[id] == IN_LO) {
        if (h->nhi && v > h->hi[0].v) {
            /* hi's top t joins lo where the slot was (t >= every lo value:
             * sift up), the slot becomes hi's top (v > t: sift down). */
            const hent t = h->hi[0];
            h->in[t.id] = IN_LO;
            put(h, h->lo, i, t);
            lo_up(h, i);
            h->in[id] = IN_HI;
            put(h, h->hi, 0, (hent){v, id});
            hi_down(h, 0);
            return;
        }
        const double old = h->lo[i].v;
        h->lo[i].v = v;
        if (v > old) lo_up(h, i);
        else lo_down(h, i);
    } else {
        if (h->nlo && v < h->lo[0].v) {
            const hent t = h->lo[0];
            h->in[t.id] = IN_HI;
            put(h, h->hi, i, t);
            hi_up(h, i);
            h->in[id] = IN_LO;
            put(h, h->lo, 0, (hent){v, id});
            lo_down(h, 0);
            return;
        }
        const double old = h->hi[i].v;
        h->hi[i].v = v;
        if (v < old) hi_up(h, i);
        else hi_down(h, i);
    }
}

/* lo holds exactly `target` values afterwards. */
static void rebalance(qheap *h, size_t target) {
    while (h->nlo > target) push_hi(h, pop_lo(h));
    while (h->nlo < target && h->nhi) push_lo(h, pop_hi(h));
}

size_t mwk_q_heap_scratch(size_t n, size_t w) {
    (void)n;
    const size_t a = (w * sizeof(hent) + 63) & ~(size_t)63;
    const size_t b = (w * sizeof(uint32_t) + 63) & ~(size_t)63;
    return 2 * a + b + w + 64;
}

/* One quantile q, written to out[j*stride]. Returns 1 when a NaN was seen. */
static int heap_pass(const double *x, size_t n, size_t w, double q, mwk_interpolation how,
                     double *out, size_t stride, void *mem) {
    qheap h;
    char *p = mem;
    const size_t a = (w * sizeof(hent) + 63) & ~(size_t)63;
    const size_t b = (w * sizeof(uint32_t) + 63) & ~(size_t)63;
    h.lo = (hent *)p;
    h.hi = (hent *)(p + a);
    h.pos = (uint32_t *)(p + 2 * a);
    h.in = (unsigned char *)(p + 2 * a + b);
    h.nlo = h.nhi = 0;
    memset(h.in, IN_NONE, w);

    int nan = 0;
    for (size_t i = 0; i + 1 < w; i++) {
        if (isnan(x[i])) nan = 1;
        else insert(&h, x[i], (uint32_t)i);
    }
    const size_t m = n - w + 1;
    size_t last_c = (size_t)-1;
    mwk_qpos pos = {0, 0, 0.0};
    size_t slot = w - 1;
    for (size_t j = 0; j < m; j++) {
        const double v = x[j + w - 1];
        const uint32_t id = (uint32_t)slot;
        if (isnan(v)) {
            nan = 1;
            if (h.in[id] != IN_NONE) erase(&h, id);
        } else if (h.in[id] != IN_NONE) {
            replace(&h, id, v);
        } else {
            insert(&h, v, id);
        }
        if (++slot == w) slot = 0;
        const size_t c = h.nlo + h.nhi;
        if (c != last_c) {
            last_c = c;
            if (c) pos = mwk_qpos_of(c, q, how);
        }
        if (!c) {
            rebalance(&h, 0);
            out[j * stride] = NAN;
            continue;
        }
        rebalance(&h, pos.lo + 1);
        const double lo = h.lo[0].v;
        const double hi = pos.hi == pos.lo ? lo : h.hi[0].v;
        out[j * stride] = mwk_q_value(lo, hi, pos);
    }
    return nan;
}

int mwk_q_heap(mwk_seg *s) {
    mwk_qlist ql;
    mwk_qlist_of(s->stat, s->params, &ql);
    if (s->w > UINT32_MAX) return mwk_q_naive(s);
    void *mem = s->scratch;
    if (!mem && !(mem = malloc(mwk_q_heap_scratch(s->n, s->w)))) return s->err = MWK_E_NOMEM, -1;
    int nan = 0;
    for (size_t q = 0; q < ql.k; q++)
        nan |= heap_pass(s->x, s->n, s->w, ql.q[q], ql.how, s->out + q, s->k, mem);
    if (mem != s->scratch) free(mem);
    return nan;
}
