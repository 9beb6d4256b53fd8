/* move_max: the window's largest value (kernels/common/extrema.c). */
#include "auto_table.h"
#include "common/extrema.h"

MWK_EXTREMA_STAT(mwk_stat_max, "max", 1, 0, MAX_AUTO_RULES,
                 "exact: the largest of the window's values (inf is a value)");
