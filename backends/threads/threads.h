/* Internal: how many threads a batch call uses. */
#ifndef MWK_THREADS_H
#define MWK_THREADS_H
#include "mwk.h"
/* Default thread count: MWK_NUM_THREADS if set (must be a positive integer,
 * else MWK_E_THREADS), otherwise every core OpenMP sees (1 without OpenMP). */
mwk_status mwk_threads_default(int *out);
#endif
