/*
 * The Arrow C Data Interface structs and the Polars expression-plugin structs
 * (polars-ffi version_0), as plain C. Layouts checked against Polars 2.1.0
 * (crates/polars-ffi/src/version_0.rs, crates/polars-arrow/src/ffi/generated.rs).
 */
#ifndef MWK_PY_ARROW_C_H
#define MWK_PY_ARROW_C_H

#include <stddef.h>
#include <stdint.h>

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/* One Polars Series: `len` chunks sharing the schema `field`. */
typedef struct SeriesExport {
    struct ArrowSchema *field;
    struct ArrowArray **arrays;
    size_t len;
    void (*release)(struct SeriesExport *);
    void *private_data;
} SeriesExport;

/* Bit 0: "parallel" (Polars runs this call in parallel with others). */
typedef struct CallerContext {
    uint64_t bitflags;
} CallerContext;

_Static_assert(sizeof(struct ArrowSchema) == 9 * sizeof(void *), "ArrowSchema layout");
_Static_assert(sizeof(struct ArrowArray) == 10 * 8 || sizeof(void *) != 8, "ArrowArray layout");
_Static_assert(sizeof(SeriesExport) == 5 * sizeof(void *), "SeriesExport layout");

#endif
