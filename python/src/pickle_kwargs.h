/*
 * A strict reader for the keyword arguments Polars hands to a plugin: the
 * pickle (protocol 2..5) of a small flat dict whose keys are str and whose
 * values are None, bool, int (64-bit), float, str or bytes (protocol 3 and
 * later: the taps of the weighted statistics travel as packed little-endian
 * float64, which is smaller and simpler to check than a pickled list). Any
 * other opcode is rejected, so no object is ever constructed from untrusted
 * bytes.
 */
#ifndef MWK_PY_PICKLE_KWARGS_H
#define MWK_PY_PICKLE_KWARGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum kw_type { KW_NONE, KW_BOOL, KW_INT, KW_FLOAT, KW_STR, KW_BYTES } kw_type;

#define KW_MAX_ITEMS 16
#define KW_MAX_STR 64

typedef struct kw_item {
    char key[KW_MAX_STR];
    kw_type type;
    int64_t i; /* KW_INT, KW_BOOL (0/1) */
    double f;  /* KW_FLOAT */
    char s[KW_MAX_STR];
    const uint8_t *b; /* KW_BYTES: blen bytes inside the parsed buffer (not copied:
                         valid while that buffer is, i.e. during the plugin call) */
    size_t blen;
} kw_item;

typedef struct kw_dict {
    int n;
    kw_item items[KW_MAX_ITEMS];
} kw_dict;

/* Returns 0 on success; otherwise -1 with a sentence in err. len 0 gives an
 * empty dict and buf is not read. */
int kw_parse(const uint8_t *buf, size_t len, kw_dict *out, char *err, size_t errlen);

/* The item for key, or NULL. */
const kw_item *kw_get(const kw_dict *d, const char *key);

#endif
