/* Thread-count policy. The environment is read once (pthread_once): getenv is
 * not safe against a concurrent setenv, and a batch must not change its mind
 * half way through a process. */
#include "threads.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "mwk_config.h"
#if MWK_HAVE_OPENMP
#include <omp.h>
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static mwk_status g_status;
static int g_threads;

static void init_once(void) {
    const char *env = getenv("MWK_NUM_THREADS");
    g_status = MWK_OK;
    if (env && *env) {
        char *end = NULL;
        errno = 0;
        long v = strtol(env, &end, 10);
        if (errno || *end || v <= 0 || v > 4096) {
            g_status = MWK_E_THREADS;
            g_threads = 1;
            return;
        }
        g_threads = (int)v;
        return;
    }
#if MWK_HAVE_OPENMP
    g_threads = omp_get_max_threads();
    if (g_threads < 1) g_threads = 1;
#else
    g_threads = 1;
#endif
}

mwk_status mwk_threads_default(int *out) {
    pthread_once(&g_once, init_once);
    *out = g_threads;
    return g_status;
}
