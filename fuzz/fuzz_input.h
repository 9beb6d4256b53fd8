/* The fuzz input as a stream of little-endian integers: every harness draws
 * its choices from it, and a short input reads as zeros rather than failing,
 * so libFuzzer can shrink inputs freely. */
#ifndef MWK_FUZZ_INPUT_H
#define MWK_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *p;
    size_t n;
} rd;

static inline uint64_t take(rd *r, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v |= (uint64_t)(r->n ? *r->p : 0) << (8 * i);
        if (r->n) r->p++, r->n--;
    }
    return v;
}
#endif
