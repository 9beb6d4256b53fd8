/* move_argmax: where the window's largest value is, counted back from the
 * newest element (bottleneck's convention; kernels/common/extrema.c). */
#include "auto_table.h"
#include "common/extrema.h"

MWK_EXTREMA_STAT(mwk_stat_argmax, "argmax", 1, 1, ARGMAX_AUTO_RULES,
                 "exact: distance of the largest value from the window's newest element, "
                 "ties to the newest");
