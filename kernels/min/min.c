/* move_min: the window's smallest value (kernels/common/extrema.c). */
#include "auto_table.h"
#include "common/extrema.h"

MWK_EXTREMA_STAT(mwk_stat_min, "min", 0, 0, MIN_AUTO_RULES,
                 "exact: the smallest of the window's values (inf is a value)");
