/* mwk._mwk: module definition, runtime_info, status mapping. The NumPy
 * entry (move, statistics, options) is in move_py.c, the Polars plugin's
 * exported functions in polars_plugin.c. */
#include "py_common.h"

#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <string.h>

PyObject *mwk_py_raise_status(const char *func, mwk_status st) {
    if (st == MWK_E_NOMEM) return PyErr_Format(PyExc_MemoryError, "%s: %s", func, mwk_status_str(st));
    return PyErr_Format(PyExc_ValueError, "%s: %s", func, mwk_status_str(st));
}

/* "a,b,c" -> ["a", "b", "c"]; NULL -> []. */
static PyObject *split_csv(const char *s) {
    PyObject *list = PyList_New(0);
    if (!list || !s) return list;
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) {
            PyObject *item = PyUnicode_FromStringAndSize(p, (Py_ssize_t)n);
            if (!item || PyList_Append(list, item) < 0) {
                Py_XDECREF(item);
                Py_DECREF(list);
                return NULL;
            }
            Py_DECREF(item);
        }
        if (!e) break;
        p = e + 1;
    }
    return list;
}

static int set_str(PyObject *d, const char *key, const char *val) {
    PyObject *v = val ? PyUnicode_FromString(val) : (Py_INCREF(Py_None), Py_None);
    if (!v) return -1;
    int r = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return r;
}

static int set_obj(PyObject *d, const char *key, PyObject *v) {
    if (!v) return -1;
    int r = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return r;
}

static PyObject *py_runtime_info(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    mwk_status st = mwk_runtime_info_get(&info);
    if (st != MWK_OK) return mwk_py_raise_status("runtime_info", st);

    PyObject *d = PyDict_New();
    if (!d) return NULL;
    PyObject *algos = PyDict_New();
    if (!algos) goto fail;
    for (int a = MWK_ALGO_AUTO; a < MWK_ALGO_COUNT; a++) {
        const char *name = mwk_algorithm_name((mwk_algorithm)a);
        if (name && PyDict_SetItemString(algos, name, mwk_algorithm_available((mwk_algorithm)a) ? Py_True : Py_False) < 0) {
            Py_DECREF(algos);
            goto fail;
        }
    }
    PyObject *versions = Py_BuildValue("{s:z,s:z,s:z,s:z,s:s}", "mwk", info.version, "highway",
                                       info.highway_version, "fftw", info.fftw_version, "blas",
                                       info.blas, "python_build", PY_VERSION);
    if (set_str(d, "version", info.version) < 0 || set_str(d, "target", info.target) < 0 ||
        set_str(d, "target_status", info.target_status == MWK_OK ? "ok" : mwk_status_str(info.target_status)) < 0 ||
        set_str(d, "target_request", info.target_request) < 0 ||
        set_obj(d, "supported_targets", split_csv(info.supported_targets)) < 0 ||
        set_obj(d, "compiled_targets", split_csv(info.compiled_targets)) < 0 ||
        set_obj(d, "backends", split_csv(info.backends)) < 0 || set_obj(d, "algorithms", algos) < 0 ||
        set_obj(d, "max_threads", PyLong_FromLong(info.max_threads)) < 0 ||
        set_obj(d, "versions", versions) < 0)
        goto fail;
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}

static const char runtime_info_doc[] =
    "runtime_info()\n--\n\n"
    "What this process runs on.\n\n"
    "Returns\n-------\n"
    "dict\n"
    "    ``version`` (str), ``target`` (the SIMD target in use, or None when\n"
    "    ``MWK_TARGET`` names an unsupported one), ``target_status`` (``\"ok\"`` or\n"
    "    the reason calls will fail), ``target_request`` (``MWK_TARGET`` or None),\n"
    "    ``supported_targets`` and ``compiled_targets`` (lists, best first),\n"
    "    ``backends`` (list, e.g. ``[\"highway\", \"fftw\", \"openmp\"]``),\n"
    "    ``algorithms`` (every algorithm name -> available in this build, for\n"
    "    some statistic), ``max_threads`` (int)\n"
    "    and ``versions`` (dict: mwk, highway, fftw, blas, python_build; blas is\n"
    "    the BLAS behind move_fir_bank's gemm, e.g. \"openblas 0.3.21 (pthreads,\n"
    "    Zen)\", or \"none\").\n";

/* ewm_py.c: exponentially weighted statistics. */
PyObject *mwk_py_ewm(PyObject *self, PyObject *args);
extern const char mwk_py_ewm_doc[];
/* stream_py.c: the C half of mwk.Stream (type _Stream). */
int mwk_py_stream_register(PyObject *module);
/* firbank_py.c: FIR filter banks. */
PyObject *mwk_py_fir_bank(PyObject *self, PyObject *args);
extern const char mwk_py_fir_bank_doc[];
/* by_py.c: key-based (time) windows (issue 12). */
PyObject *mwk_py_move_by(PyObject *self, PyObject *args);
PyObject *mwk_py_move_by_choose(PyObject *self, PyObject *args);
extern const char mwk_py_move_by_doc[], mwk_py_move_by_choose_doc[];

static PyMethodDef methods[] = {
    {"ewm", mwk_py_ewm, METH_VARARGS, mwk_py_ewm_doc},
    {"fir_bank", mwk_py_fir_bank, METH_VARARGS, mwk_py_fir_bank_doc},
    {"move", (PyCFunction)(void (*)(void))mwk_py_move, METH_FASTCALL | METH_KEYWORDS, mwk_py_move_doc},
    {"statistics", mwk_py_statistics, METH_NOARGS, mwk_py_statistics_doc},
    {"window_taps", mwk_py_window_taps, METH_VARARGS, mwk_py_window_taps_doc},
    {"options", mwk_py_options, METH_NOARGS, mwk_py_options_doc},
    {"hampel", (PyCFunction)(void (*)(void))mwk_py_hampel, METH_VARARGS | METH_KEYWORDS, mwk_py_hampel_doc},
    {"runtime_info", py_runtime_info, METH_NOARGS, runtime_info_doc},
    {"move_by", mwk_py_move_by, METH_VARARGS, mwk_py_move_by_doc},
    {"move_by_choose", mwk_py_move_by_choose, METH_VARARGS, mwk_py_move_by_choose_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "_mwk",
    "Compiled core of mwk: the NumPy binding and the Polars expression plugin.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__mwk(void) {
    import_array();
    PyObject *m = PyModule_Create(&moddef);
    if (!m) return NULL;
    mwk_runtime_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    const char *ver = mwk_runtime_info_get(&info) == MWK_OK && info.version ? info.version : "unknown";
    if (PyModule_AddStringConstant(m, "__version__", ver) < 0 ||
        PyModule_AddIntConstant(m, "VERSION_MAJOR", MWK_VERSION_MAJOR) < 0 ||
        PyModule_AddIntConstant(m, "VERSION_MINOR", MWK_VERSION_MINOR) < 0 ||
        PyModule_AddIntConstant(m, "VERSION_PATCH", MWK_VERSION_PATCH) < 0 || mwk_py_stream_register(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
