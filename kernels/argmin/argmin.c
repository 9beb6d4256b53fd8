/* move_argmin: where the window's smallest value is, counted back from the
 * newest element (bottleneck's convention; kernels/common/extrema.c). */
#include "auto_table.h"
#include "common/extrema.h"

MWK_EXTREMA_STAT(mwk_stat_argmin, "argmin", 0, 1, ARGMIN_AUTO_RULES,
                 "exact: distance of the smallest value from the window's newest element, "
                 "ties to the newest");
