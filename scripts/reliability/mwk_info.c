/* Prints what mwk_runtime_info_get reports, one "key=value" a line; with
 * --targets only the supported targets, space-separated (for shell loops).
 * Built by scripts/reliability.sh against each build it checks. */
#include <stdio.h>
#include <string.h>
#include <mwk.h>

int main(int argc, char **argv) {
    mwk_runtime_info i;
    memset(&i, 0, sizeof i);
    i.struct_size = sizeof i;
    if (mwk_runtime_info_get(&i) != MWK_OK) return 2;
    if (argc > 1 && strcmp(argv[1], "--targets") == 0) {
        for (const char *p = i.supported_targets; *p; p++) putchar(*p == ',' ? ' ' : *p);
        putchar('\n');
        return 0;
    }
    printf("target=%s\nsupported=%s\ncompiled=%s\nbackends=%s\nhighway=%s\nstatistics=%s\n",
           i.target ? i.target : "(none)", i.supported_targets, i.compiled_targets, i.backends,
           i.highway_version ? i.highway_version : "-", i.statistics ? i.statistics : "(none)");
    return i.target_status == MWK_OK ? 0 : 1;
}
