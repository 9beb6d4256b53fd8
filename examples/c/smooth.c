/* Smooths a noisy ramp with a moving mean of window 1000 and prints a few
 * values: the C side of mwk in one page. Build with CMake (CMakeLists.txt
 * beside this file: find_package(mwk), target mwk::mwk) or with pkg-config:
 *   cc smooth.c $(pkg-config --cflags --libs mwk) -lm -o smooth
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <mwk.h>

int main(void) {
    enum { N = 30000, W = 1000 };
    static double x[N], y[N - W + 1];
    for (int i = 0; i < N; i++) x[i] = i + sin(i * 0.37); /* ramp + wobble */

    mwk_runtime_info info = {0};
    info.struct_size = sizeof info;
    if (mwk_runtime_info_get(&info) == MWK_OK)
        printf("mwk %s, SIMD target %s, backends %s\n", info.version,
               info.target ? info.target : "(none)", info.backends);

    mwk_options opt;
    mwk_options_init(&opt);      /* always: the struct carries its own size */
    opt.align = MWK_ALIGN_VALID; /* n - w + 1 outputs, every window full */
    mwk_status st = mwk_move_mean(x, MWK_F64, N, 1, y, 1, W, &opt);
    if (st != MWK_OK) {
        fprintf(stderr, "mwk_move_mean: %s\n", mwk_status_str(st));
        return 1;
    }
    /* the mean of i over a window starting at k is k + (W - 1) / 2 */
    double worst = 0;
    for (int k = 0; k < N - W + 1; k++) {
        double e = fabs(y[k] - (k + (W - 1) / 2.0));
        if (e > worst) worst = e;
    }
    printf("y[0] = %.4f, y[%d] = %.4f, largest distance from the ramp's mean %.3g\n", y[0], N - W,
           y[N - W], worst);
    return worst < 0.01 ? 0 : 1; /* the wobble averages out over 1000 samples */
}
