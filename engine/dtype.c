/* dtype load and store: every input type to the float64 working row, and the
 * working row to the output type. Conversions are exact except int64/uint64
 * beyond 2^53 (one rounding) and the float32 output (one rounding). The
 * unit-stride loops are separate so that the compiler vectorises them. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"

size_t mwk_dtype_size(mwk_dtype d) {
    switch (d) {
    case MWK_F64:
    case MWK_I64:
    case MWK_U64: return 8;
    case MWK_F32:
    case MWK_I32:
    case MWK_U32: return 4;
    case MWK_I16:
    case MWK_U16:
    case MWK_F16: return 2;
    case MWK_I8:
    case MWK_U8:
    case MWK_BOOL: return 1;
    }
    return 0;
}

int mwk_dtype_valid(mwk_dtype d) { return (unsigned)d <= (unsigned)MWK_F16; }

/* IEEE binary16 to double, exactly (every half is a double). */
static double half_to_double(uint16_t h) {
    const unsigned sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp((double)m, -24); /* zero and subnormals */
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp((double)(m | 0x400), (int)e - 25);
    return sign ? -v : v;
}

void mwk_load_f64(const void *x, mwk_dtype dt, size_t n, ptrdiff_t s, double *dst) {
#define MWK_LOAD(T, CONV)                                                          \
    do {                                                                           \
        const T *p_ = x;                                                           \
        if (s == 1)                                                                \
            for (size_t i = 0; i < n; i++) dst[i] = CONV(p_[i]);                   \
        else                                                                       \
            for (size_t i = 0; i < n; i++) dst[i] = CONV(p_[(ptrdiff_t)i * s]);    \
    } while (0)
#define MWK_CAST(v) ((double)(v))
#define MWK_BOOLV(v) ((v) ? 1.0 : 0.0)
    switch (dt) {
    case MWK_F64: MWK_LOAD(double, MWK_CAST); break;
    case MWK_F32: MWK_LOAD(float, MWK_CAST); break;
    case MWK_I64: MWK_LOAD(int64_t, MWK_CAST); break;
    case MWK_I32: MWK_LOAD(int32_t, MWK_CAST); break;
    case MWK_I16: MWK_LOAD(int16_t, MWK_CAST); break;
    case MWK_I8: MWK_LOAD(int8_t, MWK_CAST); break;
    case MWK_U64: MWK_LOAD(uint64_t, MWK_CAST); break;
    case MWK_U32: MWK_LOAD(uint32_t, MWK_CAST); break;
    case MWK_U16: MWK_LOAD(uint16_t, MWK_CAST); break;
    case MWK_U8: MWK_LOAD(uint8_t, MWK_CAST); break;
    case MWK_BOOL: MWK_LOAD(uint8_t, MWK_BOOLV); break;
    case MWK_F16: MWK_LOAD(uint16_t, half_to_double); break;
    }
#undef MWK_LOAD
#undef MWK_CAST
#undef MWK_BOOLV
}

void mwk_store_f64(const double *src, mwk_dtype dt, size_t n, void *y, ptrdiff_t s) {
    if (dt == MWK_F32) {
        float *p = y;
        if (s == 1)
            for (size_t i = 0; i < n; i++) p[i] = (float)src[i];
        else
            for (size_t i = 0; i < n; i++) p[(ptrdiff_t)i * s] = (float)src[i];
    } else {
        double *p = y;
        if (s == 1)
            memcpy(p, src, n * sizeof(double));
        else
            for (size_t i = 0; i < n; i++) p[(ptrdiff_t)i * s] = src[i];
    }
}
