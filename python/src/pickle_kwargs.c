#include "pickle_kwargs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A value on the pickle machine's stack. Strings and bytes point into the input. */
typedef enum sv_kind { SV_MARK, SV_DICT, SV_NONE, SV_BOOL, SV_INT, SV_FLOAT, SV_STR, SV_BYTES } sv_kind;
typedef struct sv {
    sv_kind kind;
    int64_t i;
    double f;
    const uint8_t *s;
    size_t slen;
} sv;

#define STACK_MAX 64
#define MEMO_MAX 64

static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t rd_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; k--) v = (v << 8) | p[k];
    return v;
}

static int add_item(kw_dict *d, const sv *key, const sv *val, char *err, size_t errlen) {
    if (key->kind != SV_STR) return fail(err, errlen, "kwargs keys must be str");
    if (key->slen == 0 || key->slen >= KW_MAX_STR)
        return fail(err, errlen, "kwargs key of length %zu is not supported", key->slen);
    if (memchr(key->s, 0, key->slen)) return fail(err, errlen, "kwargs key holds a NUL byte");
    kw_item *it = NULL;
    for (int k = 0; k < d->n; k++) {
        if (strlen(d->items[k].key) == key->slen && memcmp(d->items[k].key, key->s, key->slen) == 0) {
            it = &d->items[k];
            break;
        }
    }
    if (!it) {
        if (d->n >= KW_MAX_ITEMS) return fail(err, errlen, "kwargs has more than %d items", KW_MAX_ITEMS);
        it = &d->items[d->n++];
    }
    memset(it, 0, sizeof *it);
    memcpy(it->key, key->s, key->slen);
    switch (val->kind) {
    case SV_NONE: it->type = KW_NONE; break;
    case SV_BOOL: it->type = KW_BOOL; it->i = val->i; break;
    case SV_INT: it->type = KW_INT; it->i = val->i; break;
    case SV_FLOAT: it->type = KW_FLOAT; it->f = val->f; break;
    case SV_STR:
        if (val->slen >= KW_MAX_STR || memchr(val->s, 0, val->slen))
            return fail(err, errlen, "kwargs value for '%s' is not a short string", it->key);
        it->type = KW_STR;
        memcpy(it->s, val->s, val->slen);
        break;
    case SV_BYTES:
        it->type = KW_BYTES;
        it->b = val->s;
        it->blen = val->slen;
        break;
    default:
        return fail(err, errlen, "kwargs value for '%s' has an unsupported type", it->key);
    }
    return 0;
}

int kw_parse(const uint8_t *buf, size_t len, kw_dict *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (len == 0) return 0;
    if (!buf) return fail(err, errlen, "kwargs pointer is NULL");

    sv stack[STACK_MAX];
    sv memo[MEMO_MAX];
    int sp = 0, nmemo = 0, have_dict = 0;
    size_t pos = 0;

#define NEED(k)                                                                          \
    do {                                                                                 \
        if (len - pos < (size_t)(k))                                                     \
            return fail(err, errlen, "kwargs pickle is truncated at byte %zu", pos);      \
    } while (0)
#define PUSH(v)                                                                          \
    do {                                                                                 \
        if (sp >= STACK_MAX) return fail(err, errlen, "kwargs pickle is too deep");       \
        stack[sp++] = (v);                                                               \
    } while (0)

    while (pos < len) {
        uint8_t op = buf[pos++];
        sv v;
        memset(&v, 0, sizeof v);
        switch (op) {
        case 0x80: /* PROTO */
            NEED(1);
            if (buf[pos] < 2 || buf[pos] > 5)
                return fail(err, errlen, "kwargs pickle protocol %u is not supported", buf[pos]);
            pos += 1;
            break;
        case 0x95: /* FRAME: an 8-byte length; the frame's contents follow inline */
            NEED(8);
            if (rd_le(buf + pos, 8) > len - pos - 8)
                return fail(err, errlen, "kwargs pickle frame is longer than the data");
            pos += 8;
            break;
        case '}': /* EMPTY_DICT */
            if (have_dict) return fail(err, errlen, "kwargs must be one flat dict");
            have_dict = 1;
            v.kind = SV_DICT;
            PUSH(v);
            break;
        case 0x94: /* MEMOIZE */
            if (sp == 0) return fail(err, errlen, "kwargs pickle: MEMOIZE on an empty stack");
            if (nmemo >= MEMO_MAX) return fail(err, errlen, "kwargs pickle has too many memo entries");
            memo[nmemo++] = stack[sp - 1];
            break;
        case 'q':   /* BINPUT (protocols 2-3): pickle numbers memo entries in order */
        case 'r': { /* LONG_BINPUT */
            int n = op == 'q' ? 1 : 4;
            NEED(n);
            uint64_t idx = rd_le(buf + pos, n);
            pos += (size_t)n;
            if (sp == 0 || idx != (uint64_t)nmemo || nmemo >= MEMO_MAX)
                return fail(err, errlen, "kwargs pickle: unexpected memo index");
            memo[nmemo++] = stack[sp - 1];
            break;
        }
        case 'h': /* BINGET */
        case 'j': { /* LONG_BINGET */
            int n = op == 'h' ? 1 : 4;
            NEED(n);
            uint64_t idx = rd_le(buf + pos, n);
            pos += (size_t)n;
            if (idx >= (uint64_t)nmemo) return fail(err, errlen, "kwargs pickle: bad memo index");
            if (memo[idx].kind == SV_DICT || memo[idx].kind == SV_MARK)
                return fail(err, errlen, "kwargs must be one flat dict (no references to it)");
            PUSH(memo[idx]);
            break;
        }
        case '(': /* MARK */
            v.kind = SV_MARK;
            PUSH(v);
            break;
        case 0x8c: /* SHORT_BINUNICODE */
        case 'X':  /* BINUNICODE */
        case 0x8d: { /* BINUNICODE8 */
            int n = op == 0x8c ? 1 : op == 'X' ? 4 : 8;
            NEED(n);
            uint64_t sl = rd_le(buf + pos, n);
            pos += (size_t)n;
            NEED(sl);
            v.kind = SV_STR;
            v.s = buf + pos;
            v.slen = (size_t)sl;
            pos += (size_t)sl;
            PUSH(v);
            break;
        }
        case 'C':    /* SHORT_BINBYTES (protocol 3+) */
        case 'B':    /* BINBYTES */
        case 0x8e: { /* BINBYTES8 (protocol 4+; large ones also come outside a frame) */
            int n = op == 'C' ? 1 : op == 'B' ? 4 : 8;
            NEED(n);
            uint64_t bl = rd_le(buf + pos, n);
            pos += (size_t)n;
            if (bl > (uint64_t)(len - pos)) /* compared in 64 bits: no truncation on 32-bit size_t */
                return fail(err, errlen, "kwargs pickle is truncated at byte %zu", pos);
            v.kind = SV_BYTES;
            v.s = buf + pos;
            v.slen = (size_t)bl;
            pos += (size_t)bl;
            PUSH(v);
            break;
        }
        case 'K': /* BININT1 */
            NEED(1);
            v.kind = SV_INT;
            v.i = buf[pos];
            pos += 1;
            PUSH(v);
            break;
        case 'M': /* BININT2 */
            NEED(2);
            v.kind = SV_INT;
            v.i = (int64_t)rd_le(buf + pos, 2);
            pos += 2;
            PUSH(v);
            break;
        case 'J': /* BININT: signed 32-bit */
            NEED(4);
            v.kind = SV_INT;
            v.i = (int32_t)(uint32_t)rd_le(buf + pos, 4);
            pos += 4;
            PUSH(v);
            break;
        case 0x8a: { /* LONG1: n bytes of little-endian two's complement */
            NEED(1);
            unsigned n = buf[pos++];
            if (n > 8) return fail(err, errlen, "kwargs integer does not fit in 64 bits");
            NEED(n);
            uint64_t u = n ? rd_le(buf + pos, (int)n) : 0;
            if (n > 0 && n < 8 && (buf[pos + n - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * n);
            pos += n;
            v.kind = SV_INT;
            memcpy(&v.i, &u, sizeof u);
            PUSH(v);
            break;
        }
        case 'G': { /* BINFLOAT: big-endian IEEE double */
            NEED(8);
            uint64_t u = 0;
            for (int k = 0; k < 8; k++) u = (u << 8) | buf[pos + k];
            pos += 8;
            v.kind = SV_FLOAT;
            memcpy(&v.f, &u, sizeof u);
            PUSH(v);
            break;
        }
        case 0x88: /* NEWTRUE */
        case 0x89: /* NEWFALSE */
            v.kind = SV_BOOL;
            v.i = op == 0x88;
            PUSH(v);
            break;
        case 'N': /* NONE */
            v.kind = SV_NONE;
            PUSH(v);
            break;
        case 's': /* SETITEM: dict key value */
            if (sp < 3 || stack[sp - 3].kind != SV_DICT)
                return fail(err, errlen, "kwargs pickle: SETITEM without a dict");
            if (add_item(out, &stack[sp - 2], &stack[sp - 1], err, errlen)) return -1;
            sp -= 2;
            break;
        case 'u': { /* SETITEMS: dict MARK k v k v ... */
            int m = sp - 1;
            while (m >= 0 && stack[m].kind != SV_MARK) m--;
            if (m < 1 || stack[m - 1].kind != SV_DICT || ((sp - m - 1) % 2) != 0)
                return fail(err, errlen, "kwargs pickle: SETITEMS without a dict and pairs");
            for (int k = m + 1; k < sp; k += 2)
                if (add_item(out, &stack[k], &stack[k + 1], err, errlen)) return -1;
            sp = m;
            break;
        }
        case '.': /* STOP */
            if (sp != 1 || stack[0].kind != SV_DICT)
                return fail(err, errlen, "kwargs pickle must hold exactly one dict");
            if (pos != len) return fail(err, errlen, "kwargs pickle has bytes after STOP");
            return 0;
        default:
            return fail(err, errlen,
                        "kwargs pickle opcode 0x%02x at byte %zu is not allowed (only a flat dict of "
                        "None/bool/int/float/str/bytes is accepted)",
                        op, pos - 1);
        }
    }
#undef NEED
#undef PUSH
    return fail(err, errlen, "kwargs pickle has no STOP");
}

const kw_item *kw_get(const kw_dict *d, const char *key) {
    for (int k = 0; k < d->n; k++)
        if (strcmp(d->items[k].key, key) == 0) return &d->items[k];
    return NULL;
}
