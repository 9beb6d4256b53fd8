/* mwk._mwk.move: the one NumPy entry for every statistic of the registry.
 *
 * It calls only the public C API (mwk_move / mwk_move_batch and the registry
 * queries), so a statistic added to the registry is reachable from NumPy
 * without touching this file. The Python package (mwk/__init__.py) turns
 * the registry, read through statistics() and options(), into bottleneck's
 * move_<stat> functions; nothing here lists statistic or algorithm names. */
#include "py_common.h"
#include "mwk_stream.h" /* mwk_move_grouped (group_offsets=) */

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <float.h>
#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Tables: the only place NumPy types meet mwk types, and the only place a   */
/* statistic parameter (mwk_params field) meets its Python keyword.         */

typedef struct {
    mwk_dtype mwk;
    int npy;
    char kind; /* NumPy's dtype.kind */
    int size;  /* bytes */
} dtype_map;

static const dtype_map DTYPES[] = {
    {MWK_F64, NPY_FLOAT64, 'f', 8}, {MWK_F32, NPY_FLOAT32, 'f', 4}, {MWK_F16, NPY_FLOAT16, 'f', 2},
    {MWK_I64, NPY_INT64, 'i', 8},   {MWK_I32, NPY_INT32, 'i', 4},   {MWK_I16, NPY_INT16, 'i', 2},
    {MWK_I8, NPY_INT8, 'i', 1},     {MWK_U64, NPY_UINT64, 'u', 8},  {MWK_U32, NPY_UINT32, 'u', 4},
    {MWK_U16, NPY_UINT16, 'u', 2},  {MWK_U8, NPY_UINT8, 'u', 1},    {MWK_BOOL, NPY_BOOL, 'b', 1},
};
#define N_DTYPES (sizeof DTYPES / sizeof DTYPES[0])

static const dtype_map *map_of_descr(PyArray_Descr *d) {
    for (size_t k = 0; k < N_DTYPES; k++)
        if (d->kind == DTYPES[k].kind && PyDataType_ELSIZE(d) == DTYPES[k].size) return &DTYPES[k];
    return NULL;
}

int mwk_py_array_dtype(PyObject *a, mwk_dtype *out) {
    const dtype_map *m = map_of_descr(PyArray_DESCR((PyArrayObject *)a));
    if (!m) return -1;
    *out = m->mwk;
    return 0;
}

int mwk_py_elem_strides(PyObject *obj, ptrdiff_t *s) {
    PyArrayObject *a = (PyArrayObject *)obj;
    const npy_intp isz = PyArray_ITEMSIZE(a);
    if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a)) return -1;
    for (int d = 0; d < PyArray_NDIM(a); d++) {
        if (PyArray_STRIDE(a, d) % isz) return -1;
        s[d] = PyArray_STRIDE(a, d) / isz;
    }
    return 0;
}

static const dtype_map *map_of_mwk(mwk_dtype t) {
    for (size_t k = 0; k < N_DTYPES; k++)
        if (DTYPES[k].mwk == t) return &DTYPES[k];
    return NULL;
}

/* A statistic parameter: its mwk_stat_info.params bit, its keyword, its kind
 * and default. PK_INT: an integer >= lo (default dflt), stored by set_int.
 * PK_CHOICE: a str, one of choice(0), choice(1), ... (the index is the C
 * enum value; default choice(dflt)), stored by set_int. PK_QUANTILE: a float in [0, 1] or a
 * sequence of them (several values per window, a trailing output axis),
 * stored in quantile / quantiles. `positional`: move_<stat> takes it right
 * after window, without a default (numpy.quantile's q); move() and the
 * Polars plugin use the C default. */
typedef enum { PK_INT, PK_CHOICE, PK_QUANTILE, PK_WEIGHTS, PK_FLOAT } param_kind;

typedef struct {
    unsigned bit;
    const char *name;
    param_kind kind;
    int positional;
    long long dflt, lo;
    const char *(*choice)(int); /* PK_CHOICE: the name of value k, NULL past the last */
    void (*set_int)(mwk_params *p, long long v);
} param_desc;

static void set_ddof(mwk_params *p, long long v) { p->ddof = (int)v; }
static void set_interp(mwk_params *p, long long v) { p->interpolation = (mwk_interpolation)v; }

/* numpy.quantile's method names, in mwk_interpolation order (the C API has
 * no name function for them). */
static const char *const INTERP_NAMES[] = {"linear", "lower", "higher", "nearest", "midpoint"};
static const char *interp_name(int k) {
    return k >= 0 && k < (int)(sizeof INTERP_NAMES / sizeof INTERP_NAMES[0]) ? INTERP_NAMES[k] : NULL;
}

static const param_desc PARAMS[] = {
    {MWK_PARAM_DDOF, "ddof", PK_INT, 0, 0, 0, NULL, set_ddof},
    {MWK_PARAM_QUANTILE, "q", PK_QUANTILE, 1, 0, 0, NULL, NULL},
    {MWK_PARAM_INTERPOLATION, "interpolation", PK_CHOICE, 0, MWK_INTERP_LINEAR, 0, interp_name, set_interp},
    /* weighted_sum / weighted_mean: PK_WEIGHTS a 1-D sequence of finite
     * floats of the window's length (None: the boxcar; the taps may also be
     * passed as window), PK_FLOAT min_weight in [0, 1]; read after the loop
     * over the others (weights_params). */
    {MWK_PARAM_WEIGHTS, "weights", PK_WEIGHTS, 0, 0, 0, NULL, NULL},
    {MWK_PARAM_WEIGHTS, "min_weight", PK_FLOAT, 0, 0, 0, NULL, NULL},
};
#define N_PARAMS (sizeof PARAMS / sizeof PARAMS[0])

/* ------------------------------------------------------------------------ */
/* Argument helpers                                                         */

/* An integer argument: rejects bool and anything without __index__. */
static int get_int(PyObject *o, const char *name, long long *v) {
    if (PyBool_Check(o) || !PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer, got %.100s", name, Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *idx = PyNumber_Index(o);
    if (!idx) return -1;
    int overflow = 0;
    *v = PyLong_AsLongLongAndOverflow(idx, &overflow);
    Py_DECREF(idx);
    if (overflow) {
        PyErr_Format(PyExc_ValueError, "%s is out of range", name);
        return -1;
    }
    if (*v == -1 && PyErr_Occurred()) return -1;
    return 0;
}

/* A str argument naming one of the values v = 0, 1, ... for which
 * name_of(v) is not NULL (the C API's own name functions). */
static int get_choice(PyObject *o, const char *what, const char *(*name_of)(int), int *which) {
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, got %.100s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    const char *s = PyUnicode_AsUTF8(o);
    if (!s) return -1;
    const char *nm;
    for (int k = 0; (nm = name_of(k)) != NULL; k++) {
        if (strcmp(s, nm) == 0) {
            *which = k;
            return 0;
        }
    }
    char allowed[256] = "";
    for (int k = 0; (nm = name_of(k)) != NULL; k++) {
        size_t used = strlen(allowed);
        snprintf(allowed + used, sizeof allowed - used, "%s'%s'", k ? ", " : "", nm);
    }
    PyErr_Format(PyExc_ValueError, "%s must be one of %s; got %R", what, allowed, o);
    return -1;
}

/* Quantiles: a float, or a 1-D sequence of them (then *k values per window,
 * in a buffer the caller frees with PyMem_Free, *seq = 1). Each in [0, 1]. */
static int get_quantiles(PyObject *o, const char *name, double *one, double **list, size_t *k, int *seq) {
    *list = NULL;
    *k = 1;
    *seq = 0;
    if (PyBool_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o)) goto type_error;
    if (PyFloat_Check(o) || PyLong_Check(o) || PyArray_IsScalar(o, Number)) {
        if (PyArray_IsScalar(o, Bool)) goto type_error;
        *one = PyFloat_AsDouble(o);
        if (*one == -1.0 && PyErr_Occurred()) return -1;
        if (!(*one >= 0.0 && *one <= 1.0)) {
            PyErr_Format(PyExc_ValueError, "%s must be in [0, 1], got %R", name, o);
            return -1;
        }
        return 0;
    }
    PyArrayObject *arr = (PyArrayObject *)PyArray_FROM_O(o);
    if (!arr) return -1;
    char kind = PyArray_DESCR(arr)->kind;
    if (kind != 'f' && kind != 'i' && kind != 'u') {
        Py_DECREF(arr);
        goto type_error;
    }
    if (PyArray_NDIM(arr) > 1) {
        Py_DECREF(arr);
        PyErr_Format(PyExc_ValueError, "%s must be a float or a 1-D sequence of floats, got %d dimensions", name,
                     PyArray_NDIM(arr));
        return -1;
    }
    PyArrayObject *d = (PyArrayObject *)PyArray_FromAny((PyObject *)arr, PyArray_DescrFromType(NPY_FLOAT64), 0, 1,
                                                        NPY_ARRAY_CARRAY_RO | NPY_ARRAY_FORCECAST, NULL);
    int ndim = PyArray_NDIM(arr);
    Py_DECREF(arr);
    if (!d) return -1;
    npy_intp len = ndim ? PyArray_DIM(d, 0) : 1;
    const double *v = (const double *)PyArray_DATA(d);
    if (len == 0) {
        Py_DECREF(d);
        PyErr_Format(PyExc_ValueError, "%s must not be empty", name);
        return -1;
    }
    for (npy_intp j = 0; j < len; j++)
        if (!(v[j] >= 0.0 && v[j] <= 1.0)) {
            PyObject *bad = PyFloat_FromDouble(v[j]);
            if (bad) PyErr_Format(PyExc_ValueError, "%s must be in [0, 1], got %R", name, bad);
            Py_XDECREF(bad);
            Py_DECREF(d);
            return -1;
        }
    if (ndim == 0) {
        *one = v[0];
        Py_DECREF(d);
        return 0;
    }
    *list = (double *)PyMem_Malloc((size_t)len * sizeof **list);
    if (!*list) {
        Py_DECREF(d);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(*list, v, (size_t)len * sizeof **list);
    Py_DECREF(d);
    *k = (size_t)len;
    *seq = 1;
    return 0;
type_error:
    PyErr_Format(PyExc_TypeError, "%s must be a float or a sequence of floats, got %.100s", name,
                 Py_TYPE(o)->tp_name);
    return -1;
}

static const char *align_name(int a) { return mwk_align_name((mwk_align)a); }
static const char *policy_name(int p) { return mwk_nan_policy_name((mwk_nan_policy)p); }
static const char *algo_name_any(int a) { return a < MWK_ALGO_COUNT ? mwk_algorithm_name((mwk_algorithm)a) : NULL; }

static int stat_info(mwk_stat s, mwk_stat_info *info) {
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    return mwk_stat_info_get(s, info) == MWK_OK ? 0 : -1;
}

/* "'auto', 'naive', ..." for a statistic's algorithms (auto first). */
static void algo_list(const mwk_stat_info *info, char *buf, size_t cap) {
    snprintf(buf, cap, "'%s'", mwk_algorithm_name(MWK_ALGO_AUTO));
    for (size_t k = 0; k < info->n_algorithms; k++) {
        size_t used = strlen(buf);
        const char *nm = mwk_algorithm_name(info->algorithms[k]);
        snprintf(buf + used, cap - used, ", '%s'", nm ? nm : "?");
    }
}

/* "'float64', 'float32', ..." */
static void dtype_list(char *buf, size_t cap) {
    buf[0] = 0;
    for (size_t k = 0; k < N_DTYPES; k++) {
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%s", k ? ", " : "", mwk_dtype_name(DTYPES[k].mwk));
    }
}

/* The statistic: its registry index or its name. */
static int get_stat(PyObject *o, mwk_stat *s) {
    size_t count = mwk_stat_count();
    if (PyUnicode_Check(o)) {
        const char *nm = PyUnicode_AsUTF8(o);
        if (!nm) return -1;
        if (mwk_stat_from_name(nm, s) == MWK_OK) return 0;
    } else if (!PyBool_Check(o) && PyIndex_Check(o)) { /* int, numpy integers */
        PyObject *idx = PyNumber_Index(o);
        if (!idx) return -1;
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(idx, &overflow);
        Py_DECREF(idx);
        if (v == -1 && PyErr_Occurred()) return -1;
        if (!overflow && v >= 0 && (unsigned long long)v < count) {
            *s = (mwk_stat)v;
            return 0;
        }
    } else {
        PyErr_Format(PyExc_TypeError, "stat must be a str (a statistic's name) or an int (its id), got %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    char allowed[512] = "";
    for (size_t k = 0; k < count; k++) {
        size_t used = strlen(allowed);
        const char *nm = mwk_stat_name((mwk_stat)k);
        snprintf(allowed + used, sizeof allowed - used, "%s'%s'", k ? ", " : "", nm ? nm : "?");
    }
    PyErr_Format(PyExc_ValueError, "stat must be one of %s; got %R", allowed, o);
    return -1;
}

/* Can the library read/write this array in place (native order, aligned,
 * byte strides a multiple of the item size)? */
static int usable_in_place(PyArrayObject *a) {
    if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a)) return 0;
    npy_intp isz = PyArray_ITEMSIZE(a);
    for (int d = 0; d < PyArray_NDIM(a); d++)
        if (PyArray_DIM(a, d) > 1 && PyArray_STRIDE(a, d) % isz != 0) return 0;
    return 1;
}

/* The byte range [lo, hi) an array spans (empty arrays span nothing). */
static void extent(PyArrayObject *a, char **lo, char **hi) {
    char *base = PyArray_BYTES(a);
    npy_intp l = 0, h = 0;
    for (int d = 0; d < PyArray_NDIM(a); d++) {
        npy_intp n = PyArray_DIM(a, d);
        if (n == 0) {
            *lo = *hi = base;
            return;
        }
        npy_intp s = PyArray_STRIDE(a, d) * (n - 1);
        if (s < 0) l += s;
        else h += s;
    }
    *lo = base + l;
    *hi = base + h + PyArray_ITEMSIZE(a);
}

/* Raise ValueError "<fname>: <what>=<repr(value)> <why>". */
static void raise_named_value(const char *fname, const char *what, const char *value, const char *why) {
    PyObject *val = PyUnicode_DecodeFSDefault(value);
    if (!val) return;
    PyErr_Format(PyExc_ValueError, "%s: %s=%R %s", fname, what, val, why);
    Py_DECREF(val);
}

/* Raise for a failed computation. Environment variables are named with
 * their value: the caller did not write them in the call that failed. */
static void raise_compute(const char *fname, mwk_status st, const mwk_options *opt) {
    char why[512];
    const char *env;
    if (st == MWK_E_THREADS && opt->threads == 0 && (env = getenv("MWK_NUM_THREADS")) != NULL) {
        raise_named_value(fname, "the environment variable MWK_NUM_THREADS", env,
                          "is not a thread count (a positive integer); fix or unset it, or pass threads=");
        return;
    }
    if (st == MWK_E_TARGET) {
        mwk_runtime_info ri;
        memset(&ri, 0, sizeof ri);
        ri.struct_size = sizeof ri;
        const char *supported = mwk_runtime_info_get(&ri) == MWK_OK ? ri.supported_targets : "?";
        if (opt->target) {
            snprintf(why, sizeof why, "names no SIMD target this CPU supports (supported: %s)", supported);
            raise_named_value(fname, "target", opt->target, why);
            return;
        }
        if ((env = getenv("MWK_TARGET")) != NULL) {
            snprintf(why, sizeof why,
                     "names no SIMD target this CPU supports (supported: %s); fix or unset it, or pass target=",
                     supported);
            raise_named_value(fname, "the environment variable MWK_TARGET", env, why);
            return;
        }
    }
    mwk_py_raise_status(fname, st);
}

/* ------------------------------------------------------------------------ */
/* move()                                                                   */

enum {
    A_STAT,
    A_A,
    A_WINDOW,
    A_MIN_COUNT,
    A_AXIS, /* positional or keyword up to here */
    A_MODE,
    A_ALGORITHM,
    A_NAN_POLICY,
    A_OUT,
    A_THREADS,
    A_TARGET,
    A_GROUP_OFFSETS,
    A_PARAM0 /* then one keyword per PARAMS entry */
};
#define N_POSITIONAL (A_AXIS + 1)
#define N_ARGS (A_PARAM0 + (int)N_PARAMS)

static const char *const ARG_NAMES[A_PARAM0] = {"stat", "a",         "window",     "min_count", "axis",  "mode",
                                                "algorithm", "nan_policy", "out",  "threads", "target",
                                                "group_offsets"};

static PyObject *g_kw[N_ARGS]; /* interned keyword names */

static const char *arg_name(int k) { return k < A_PARAM0 ? ARG_NAMES[k] : PARAMS[k - A_PARAM0].name; }

static int init_keywords(void) {
    if (g_kw[0]) return 0;
    for (int k = 0; k < N_ARGS; k++) {
        g_kw[k] = PyUnicode_InternFromString(arg_name(k));
        if (!g_kw[k]) return -1;
    }
    return 0;
}

/* Fast-call argument parsing: vals[k] = argument k or NULL. */
static int parse_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject **vals) {
    if (init_keywords() < 0) return -1;
    for (int k = 0; k < N_ARGS; k++) vals[k] = NULL;
    if (nargs > N_POSITIONAL) {
        PyErr_Format(PyExc_TypeError,
                     "move() takes at most %d positional arguments (%zd given); mode, algorithm, nan_policy, "
                     "out, threads, target and the statistic's parameters are keyword-only",
                     N_POSITIONAL, nargs);
        return -1;
    }
    for (Py_ssize_t k = 0; k < nargs; k++) vals[k] = args[k];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t j = 0; j < nkw; j++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, j);
        int found = -1;
        for (int k = 0; k < N_ARGS && found < 0; k++)
            if (key == g_kw[k]) found = k;
        for (int k = 0; k < N_ARGS && found < 0; k++)
            if (PyUnicode_Compare(key, g_kw[k]) == 0) found = k;
        if (found < 0) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "move() got an unexpected keyword argument %R", key);
            return -1;
        }
        if (vals[found]) {
            PyErr_Format(PyExc_TypeError, "move() got multiple values for argument '%s'", arg_name(found));
            return -1;
        }
        vals[found] = args[nargs + j];
    }
    for (int k = 0; k <= A_WINDOW; k++)
        if (!vals[k]) {
            PyErr_Format(PyExc_TypeError, "move() missing required argument '%s'", arg_name(k));
            return -1;
        }
    return 0;
}

/* One dimension of the iteration over rows: extent and element strides. */
typedef struct rowdim {
    npy_intp n;
    npy_intp xs, ys;
} rowdim;

/* The weights parameters (PK_WEIGHTS, PK_FLOAT) into params; *wobj keeps
 * the taps' float64 array alive for the call (the caller releases it). */
static int weights_params(PyObject *const *vals, const mwk_stat_info *info, const char *fname,
                          long long window, mwk_params *params, PyArrayObject **wobj) {
    for (size_t k = 0; k < N_PARAMS; k++) {
        PyObject *o = vals[k];
        const param_desc *p = &PARAMS[k];
        if (!o || o == Py_None || (p->kind != PK_WEIGHTS && p->kind != PK_FLOAT)) continue;
        if (!(info->params & p->bit)) {
            PyErr_Format(PyExc_TypeError, "%s has no parameter '%s'", fname, p->name);
            return -1;
        }
        if (p->kind == PK_FLOAT) {
            if (PyBool_Check(o) || !PyNumber_Check(o)) {
                PyErr_Format(PyExc_TypeError, "%s must be a float, got %.100s", p->name, Py_TYPE(o)->tp_name);
                return -1;
            }
            const double v = PyFloat_AsDouble(o);
            if (v == -1.0 && PyErr_Occurred()) return -1;
            if (!(v >= 0.0 && v <= 1.0)) {
                PyErr_Format(PyExc_ValueError, "%s must be in [0, 1], got %R", p->name, o);
                return -1;
            }
            params->min_weight = v;
            continue;
        }
        PyArrayObject *wa = (PyArrayObject *)PyArray_FROM_OTF(o, NPY_FLOAT64, NPY_ARRAY_IN_ARRAY);
        if (!wa) return -1;
        *wobj = wa;
        if (PyArray_NDIM(wa) != 1 || PyArray_DIM(wa, 0) < 1) {
            PyErr_Format(PyExc_ValueError, "%s must be a non-empty 1-D sequence of floats", p->name);
            return -1;
        }
        const double *w = (const double *)PyArray_DATA(wa);
        const npy_intp W = PyArray_DIM(wa, 0);
        for (npy_intp i = 0; i < W; i++)
            if (!isfinite(w[i])) {
                PyErr_Format(PyExc_ValueError, "%s must be finite (weights[%zd] is %g)", p->name, (Py_ssize_t)i,
                             w[i]);
                return -1;
            }
        if ((long long)W != window) {
            PyErr_Format(PyExc_ValueError, "window (=%lld) must equal len(%s) (=%zd)", window, p->name,
                         (Py_ssize_t)W);
            return -1;
        }
        params->weights = w;
        params->n_weights = (size_t)W;
    }
    return 0;
}

PyObject *mwk_py_move(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    (void)self;
    PyObject *v[N_ARGS];
    if (parse_args(args, nargs, kwnames, v) < 0) return NULL;

    mwk_stat stat;
    if (get_stat(v[A_STAT], &stat) < 0) return NULL;
    mwk_stat_info info;
    if (stat_info(stat, &info) < 0) return mwk_py_raise_status("move", MWK_E_STAT);
    char fname[64] = "move_"; /* for messages; no printf on the hot path */
    strncat(fname, info.name, sizeof fname - sizeof "move_");

    mwk_options opt;
    mwk_options_init(&opt);
    mwk_params params;
    mwk_params_init(&params);

    long long window, iv;
    /* Weighted statistics: the taps may stand in window's place
     * (move_weighted_mean(a, taps)); the window is then their length. */
    PyObject *wo = v[A_WINDOW];
    if ((info.params & MWK_PARAM_WEIGHTS) &&
        ((PyArray_Check(wo) && PyArray_NDIM((PyArrayObject *)wo) > 0) || PyList_Check(wo) || PyTuple_Check(wo))) {
        for (size_t k = 0; k < N_PARAMS; k++)
            if (PARAMS[k].kind == PK_WEIGHTS) {
                if (v[A_PARAM0 + k] && v[A_PARAM0 + k] != Py_None)
                    return PyErr_Format(PyExc_TypeError, "%s: taps given twice (as window and as %s)", fname,
                                        PARAMS[k].name);
                v[A_PARAM0 + k] = v[A_WINDOW];
            }
        const Py_ssize_t len = PyObject_Length(v[A_WINDOW]);
        if (len < 0) return NULL;
        window = (long long)len;
    } else if (get_int(v[A_WINDOW], "window", &window) < 0) {
        return NULL;
    }
    if (window < 1) return PyErr_Format(PyExc_ValueError, "window must be >= 1, got %lld", window);
    if (v[A_MIN_COUNT] && v[A_MIN_COUNT] != Py_None) {
        if (get_int(v[A_MIN_COUNT], "min_count", &iv) < 0) return NULL;
        if (iv < 1 || iv > window)
            return PyErr_Format(PyExc_ValueError,
                                "min_count must be None or between 1 and window (=%lld), got %lld", window, iv);
        opt.min_count = (size_t)iv;
    }
    long long axis = -1;
    if (v[A_AXIS]) {
        if (v[A_AXIS] == Py_None)
            return PyErr_Format(PyExc_TypeError,
                                "axis must be an integer (a moving window runs along one axis), got None");
        if (get_int(v[A_AXIS], "axis", &axis) < 0) return NULL;
    }
    int which;
    if (v[A_MODE] && v[A_MODE] != Py_None) {
        if (get_choice(v[A_MODE], "mode", align_name, &which) < 0) return NULL;
        opt.align = (mwk_align)which;
    }
    if (v[A_NAN_POLICY] && v[A_NAN_POLICY] != Py_None) {
        if (get_choice(v[A_NAN_POLICY], "nan_policy", policy_name, &which) < 0) return NULL;
        opt.nan_policy = (mwk_nan_policy)which;
    }
    if (v[A_ALGORITHM] && v[A_ALGORITHM] != Py_None) {
        PyObject *o = v[A_ALGORITHM];
        if (!PyUnicode_Check(o))
            return PyErr_Format(PyExc_TypeError, "algorithm must be a str, got %.100s", Py_TYPE(o)->tp_name);
        const char *s = PyUnicode_AsUTF8(o);
        if (!s) return NULL;
        mwk_algorithm a;
        int known = mwk_algorithm_from_name(s, &a) == MWK_OK;
        int listed = known && a == MWK_ALGO_AUTO;
        for (size_t k = 0; known && !listed && k < info.n_algorithms; k++) listed = info.algorithms[k] == a;
        if (!listed) {
            char allowed[256];
            algo_list(&info, allowed, sizeof allowed);
            return PyErr_Format(PyExc_ValueError, "algorithm must be one of %s for %s; got %R", allowed, fname, o);
        }
        if (!mwk_stat_has_algorithm(stat, a))
            return PyErr_Format(PyExc_ValueError,
                                "algorithm '%s' is not available in this build of mwk (fft needs FFTW); "
                                "see mwk.runtime_info()['statistics']['%s']['algorithms']",
                                s, info.name);
        opt.algorithm = a;
    }
    if (v[A_THREADS] && v[A_THREADS] != Py_None) {
        if (get_int(v[A_THREADS], "threads", &iv) < 0) return NULL;
        if (iv < 1 || iv > INT_MAX)
            return PyErr_Format(PyExc_ValueError, "threads must be None or a positive integer, got %lld", iv);
        opt.threads = (int)iv;
    }
    if (v[A_TARGET] && v[A_TARGET] != Py_None) {
        if (!PyUnicode_Check(v[A_TARGET]))
            return PyErr_Format(PyExc_TypeError, "target must be None or a str, got %.100s",
                                Py_TYPE(v[A_TARGET])->tp_name);
        /* Valid while v[A_TARGET] lives, i.e. for the whole call. */
        opt.target = PyUnicode_AsUTF8(v[A_TARGET]);
        if (!opt.target) return NULL;
    }
    PyObject *out_obj = v[A_OUT] ? v[A_OUT] : Py_None;
    if (out_obj != Py_None && !PyArray_Check(out_obj))
        return PyErr_Format(PyExc_TypeError, "out must be None or a numpy.ndarray, got %.100s",
                            Py_TYPE(out_obj)->tp_name);
    /* group_offsets: an int64 array of n_groups + 1 offsets along the axis
     * (checked against the axis length below); the window restarts at each
     * group (mwk_move_grouped). */
    PyObject *goff_obj = v[A_GROUP_OFFSETS] && v[A_GROUP_OFFSETS] != Py_None ? v[A_GROUP_OFFSETS] : NULL;
    /* Several quantiles: nq values per window along a trailing axis (qbuf
     * is freed on every path below). */
    double *qbuf = NULL;
    size_t nq = 1;
    int qseq = 0;
    for (size_t k = 0; k < N_PARAMS; k++) {
        PyObject *o = v[A_PARAM0 + k];
        const param_desc *p = &PARAMS[k];
        if (!o || o == Py_None) continue;
        if (p->kind == PK_WEIGHTS || p->kind == PK_FLOAT) continue; /* weights_params */
        if (!(info.params & p->bit)) {
            PyMem_Free(qbuf);
            return PyErr_Format(PyExc_TypeError, "%s has no parameter '%s'", fname, p->name);
        }
        if (p->kind == PK_QUANTILE) {
            PyMem_Free(qbuf);
            qbuf = NULL;
            if (get_quantiles(o, p->name, &params.quantile, &qbuf, &nq, &qseq) < 0) return NULL;
            params.quantiles = qbuf;
            params.n_quantiles = qseq ? nq : 0;
            continue;
        }
        if (p->kind == PK_CHOICE) {
            if (get_choice(o, p->name, p->choice, &which) < 0) {
                PyMem_Free(qbuf);
                return NULL;
            }
            p->set_int(&params, which);
            continue;
        }
        if (get_int(o, p->name, &iv) < 0) {
            PyMem_Free(qbuf);
            return NULL;
        }
        if (iv < p->lo || iv > INT_MAX) {
            PyMem_Free(qbuf);
            return PyErr_Format(PyExc_ValueError, "%s must be an integer >= %lld, got %lld", p->name, p->lo, iv);
        }
        p->set_int(&params, iv);
    }

    PyArrayObject *wobj = NULL; /* the taps (weighted statistics), released on every path */
    if (weights_params(v + A_PARAM0, &info, fname, window, &params, &wobj) < 0) {
        Py_XDECREF(wobj);
        PyMem_Free(qbuf);
        return NULL;
    }

    /* ---- the input ------------------------------------------------------- */
    PyArrayObject *a;
    if (PyArray_Check(v[A_A])) { /* what PyArray_FROM_O returns for an ndarray, without its dtype discovery */
        a = (PyArrayObject *)v[A_A];
        Py_INCREF(a);
    } else if (!(a = (PyArrayObject *)PyArray_FROM_O(v[A_A]))) {
        Py_XDECREF(wobj);
        PyMem_Free(qbuf);
        return NULL;
    }
    PyArrayObject *res = NULL, *tmp = NULL, *goff = NULL;
    const dtype_map *xm = map_of_descr(PyArray_DESCR(a));
    if (!xm) {
        char allowed[256];
        dtype_list(allowed, sizeof allowed);
        PyErr_Format(PyExc_TypeError, "%s does not support dtype %S; supported dtypes are %s (convert first, e.g. "
                     "a.astype(numpy.float64))",
                     fname, (PyObject *)PyArray_DESCR(a), allowed);
        goto fail;
    }
    int ndim = PyArray_NDIM(a);
    if (ndim == 0) {
        PyErr_SetString(PyExc_ValueError, "a must have at least one dimension (got a 0-d array)");
        goto fail;
    }
    if (axis < -ndim || axis >= ndim) {
        PyErr_Format(PyExc_ValueError, "axis %lld is out of bounds for an array of dimension %d", axis, ndim);
        goto fail;
    }
    int ax = (int)(axis < 0 ? axis + ndim : axis);
    npy_intp n = PyArray_DIM(a, ax);
    /* bottleneck's rule for NumPy: a window longer than the data is an error
     * (the library's MWK_LONG_WINDOW_ERROR, the default). */
    if (goff_obj) {
        /* Groups shorter than the window are not an error: their windows are
         * clipped (pandas' groupby().rolling()); 'valid' gives them no output. */
        opt.long_window = MWK_LONG_WINDOW_CLIP;
        if (PyArray_Check(goff_obj) && PyArray_DESCR((PyArrayObject *)goff_obj)->kind != 'i' &&
            PyArray_DESCR((PyArrayObject *)goff_obj)->kind != 'u') {
            PyErr_Format(PyExc_TypeError, "%s: group_offsets must be integers, got dtype %S", fname,
                         (PyObject *)PyArray_DESCR((PyArrayObject *)goff_obj));
            goto fail;
        }
        goff = (PyArrayObject *)PyArray_FROMANY(goff_obj, NPY_INT64, 0, 0, NPY_ARRAY_CARRAY_RO);
        if (!goff) goto fail;
        if (PyArray_NDIM(goff) != 1 || PyArray_DIM(goff, 0) < 1) {
            PyErr_Format(PyExc_ValueError, "%s: group_offsets must be a 1-D array of n_groups + 1 offsets", fname);
            goto fail;
        }
        const int64_t *go = (const int64_t *)PyArray_DATA(goff);
        const npy_intp ng = PyArray_DIM(goff, 0) - 1;
        if (go[0] != 0 || go[ng] != (int64_t)n) {
            PyErr_Format(PyExc_ValueError,
                         "%s: group_offsets must start at 0 and end at the length of a along axis %d (=%lld), "
                         "got %lld ... %lld", fname, ax, (long long)n, (long long)go[0], (long long)go[ng]);
            goto fail;
        }
        for (npy_intp g = 0; g < ng; g++)
            if (go[g + 1] < go[g]) {
                PyErr_Format(PyExc_ValueError, "%s: group_offsets must be non-decreasing (offset %zd: %lld < %lld)",
                             fname, (Py_ssize_t)(g + 1), (long long)go[g + 1], (long long)go[g]);
                goto fail;
            }
    } else if ((unsigned long long)window > (unsigned long long)n) {
        PyErr_Format(PyExc_ValueError, "window (=%lld) must be <= the length of a along axis %d (=%lld)", window,
                     ax, (long long)n);
        goto fail;
    }
    if (!usable_in_place(a)) {
        /* Byte-swapped, misaligned or with a stride that is not a whole
         * number of elements: the C API cannot address it, so copy once. */
        PyArrayObject *c = (PyArrayObject *)PyArray_CastToType(a, PyArray_DescrFromType(xm->npy), 0);
        if (!c) goto fail;
        Py_DECREF(a);
        a = c;
    }

    mwk_dtype ydt;
    size_t out_n;
    mwk_status st = mwk_move_out_dtype(stat, xm->mwk, &ydt);
    if (st == MWK_OK)
        st = goff ? mwk_move_grouped_len((const int64_t *)PyArray_DATA(goff), (size_t)PyArray_DIM(goff, 0) - 1,
                                         (size_t)window, &opt, &out_n)
                  : mwk_move_len((size_t)n, (size_t)window, &opt, &out_n);
    const dtype_map *ym = st == MWK_OK ? map_of_mwk(ydt) : NULL;
    if (st == MWK_OK && !ym) st = MWK_E_INTERNAL;
    if (st != MWK_OK) {
        mwk_py_raise_status(fname, st);
        goto fail;
    }
    npy_intp yshape[NPY_MAXDIMS + 1];
    for (int d = 0; d < ndim; d++) yshape[d] = PyArray_DIM(a, d);
    yshape[ax] = (npy_intp)out_n;
    /* A sequence of quantiles adds a trailing axis, one value per q. */
    const int yndim = ndim + qseq;
    if (qseq) {
        if (yndim > NPY_MAXDIMS) {
            PyErr_Format(PyExc_ValueError, "%s: a has too many dimensions for a trailing axis of quantiles", fname);
            goto fail;
        }
        yshape[ndim] = (npy_intp)nq;
    }

    /* ---- the output ------------------------------------------------------ */
    PyArrayObject *y;
    if (out_obj != Py_None) {
        PyArrayObject *o = (PyArrayObject *)out_obj;
        PyArray_Descr *od = PyArray_DESCR(o);
        if (od->kind != ym->kind || PyDataType_ELSIZE(od) != ym->size) {
            PyErr_Format(PyExc_TypeError, "out must have dtype %s for %s of %s input, got %S", mwk_dtype_name(ydt),
                         fname, mwk_dtype_name(xm->mwk), (PyObject *)od);
            goto fail;
        }
        int same = PyArray_NDIM(o) == yndim;
        for (int d = 0; same && d < yndim; d++) same = PyArray_DIM(o, d) == yshape[d];
        if (!same) {
            PyObject *want = PyTuple_New(yndim);
            if (want)
                for (int d = 0; d < yndim; d++) PyTuple_SET_ITEM(want, d, PyLong_FromSsize_t(yshape[d]));
            PyObject *got = PyObject_GetAttrString(out_obj, "shape");
            if (want && got) PyErr_Format(PyExc_ValueError, "out must have shape %R, got %R", want, got);
            Py_XDECREF(want);
            Py_XDECREF(got);
            goto fail;
        }
        if (PyArray_FailUnlessWriteable(o, "out") < 0) goto fail;
        char *alo, *ahi, *olo, *ohi;
        extent(a, &alo, &ahi);
        extent(o, &olo, &ohi);
        int overlap = alo < ohi && olo < ahi;
        if (overlap || !usable_in_place(o)) {
            tmp = (PyArrayObject *)PyArray_SimpleNew(yndim, yshape, ym->npy);
            if (!tmp) goto fail;
            y = tmp;
        } else {
            y = o;
        }
        Py_INCREF(out_obj);
        res = o;
    } else {
        res = (PyArrayObject *)PyArray_SimpleNew(yndim, yshape, ym->npy);
        if (!res) goto fail;
        y = res;
    }

    /* ---- iteration: rows over every axis but `ax` ------------------------ */
    npy_intp xis = PyArray_ITEMSIZE(a), yis = PyArray_ITEMSIZE(y);
    rowdim dims[NPY_MAXDIMS];
    int nd = 0;
    int empty = 0;
    for (int d = 0; d < ndim; d++) {
        if (d == ax) continue;
        npy_intp len = PyArray_DIM(a, d);
        if (len == 0) empty = 1;
        if (len == 1) continue;
        dims[nd].n = len;
        dims[nd].xs = PyArray_STRIDE(a, d) / xis;
        dims[nd].ys = PyArray_STRIDE(y, d) / yis;
        nd++;
    }
    /* Merge neighbours that form one evenly strided run in both arrays. */
    for (int d = nd - 2; d >= 0; d--) {
        if (dims[d].xs == dims[d + 1].xs * dims[d + 1].n && dims[d].ys == dims[d + 1].ys * dims[d + 1].n) {
            dims[d + 1].n *= dims[d].n;
            memmove(&dims[d], &dims[d + 1], (size_t)(nd - d - 1) * sizeof dims[0]);
            nd--;
        }
    }
    /* The batch runs over the longest remaining dimension; the others loop. */
    int bd = -1;
    for (int d = 0; d < nd; d++)
        if (bd < 0 || dims[d].n > dims[bd].n) bd = d;
    size_t rows = empty ? 0 : (bd >= 0 ? (size_t)dims[bd].n : 1);
    ptrdiff_t xrs = bd >= 0 ? (ptrdiff_t)dims[bd].xs : 0, yrs = bd >= 0 ? (ptrdiff_t)dims[bd].ys : 0;
    rowdim outer[NPY_MAXDIMS];
    int no = 0;
    for (int d = 0; d < nd; d++)
        if (d != bd) outer[no++] = dims[d];

    const char *xp = PyArray_BYTES(a);
    char *yp = PyArray_BYTES(y);
    ptrdiff_t xs = PyArray_STRIDE(a, ax) / xis, ys = PyArray_STRIDE(y, ax) / yis;
    /* Value q of a window: 1 apart without a sequence of q (mwk_move_batch). */
    ptrdiff_t yqs = qseq ? PyArray_STRIDE(y, ndim) / yis : 1;
    npy_intp idx[NPY_MAXDIMS];
    memset(idx, 0, sizeof idx);
    const mwk_dtype xdt = xm->mwk;

    const int64_t *goffs = goff ? (const int64_t *)PyArray_DATA(goff) : NULL;
    const size_t ngroups = goff ? (size_t)PyArray_DIM(goff, 0) - 1 : 0;
    Py_BEGIN_ALLOW_THREADS
    if (goffs) {
        /* One grouped call per lane along the axis (rows of the batch
         * dimension, then the outer dimensions). */
        const char *xc = xp;
        char *yc = yp;
        st = MWK_OK;
        for (;;) {
            for (size_t r = 0; r < rows && st == MWK_OK; r++)
                st = mwk_move_grouped(stat, &params, xc + (ptrdiff_t)r * xrs * xis, xdt, (size_t)n, xs, goffs,
                                      ngroups, yc + (ptrdiff_t)r * yrs * yis, ys, yqs, (size_t)window, &opt);
            if (st != MWK_OK || rows == 0) break;
            int d = no - 1;
            for (; d >= 0; d--) {
                if (++idx[d] < outer[d].n) {
                    xc += outer[d].xs * xis;
                    yc += outer[d].ys * yis;
                    break;
                }
                xc -= (outer[d].n - 1) * outer[d].xs * xis;
                yc -= (outer[d].n - 1) * outer[d].ys * yis;
                idx[d] = 0;
            }
            if (d < 0) break;
        }
    } else if (ndim == 1 && !qseq) {
        st = mwk_move(stat, &params, xp, xdt, (size_t)n, xs, yp, ys, (size_t)window, &opt);
    } else if (rows == 0) {
        st = mwk_move_batch_k(stat, &params, xp, xdt, 0, (size_t)n, 0, xs, yp, 0, ys, yqs, (size_t)window, &opt);
    } else {
        const char *xc = xp;
        char *yc = yp;
        for (;;) {
            st = mwk_move_batch_k(stat, &params, xc, xdt, rows, (size_t)n, xrs, xs, yc, yrs, ys, yqs,
                                  (size_t)window, &opt);
            if (st != MWK_OK) break;
            /* odometer over the outer dimensions */
            int d = no - 1;
            for (; d >= 0; d--) {
                if (++idx[d] < outer[d].n) {
                    xc += outer[d].xs * xis;
                    yc += outer[d].ys * yis;
                    break;
                }
                xc -= (outer[d].n - 1) * outer[d].xs * xis;
                yc -= (outer[d].n - 1) * outer[d].ys * yis;
                idx[d] = 0;
            }
            if (d < 0) break;
        }
    }
    Py_END_ALLOW_THREADS

    if (st != MWK_OK) {
        raise_compute(fname, st, &opt);
        goto fail;
    }
    if (tmp) {
        if (PyArray_CopyInto(res, tmp) < 0) goto fail;
        Py_DECREF(tmp);
    }
    Py_DECREF(a);
    Py_XDECREF(goff);
    Py_XDECREF(wobj);
    PyMem_Free(qbuf);
    return (PyObject *)res;

fail:
    Py_XDECREF(goff);
    Py_XDECREF(tmp);
    Py_XDECREF(res);
    Py_XDECREF(a);
    Py_XDECREF(wobj);
    PyMem_Free(qbuf);
    return NULL;
}

const char mwk_py_move_doc[] =
    "move(stat, a, window, min_count=None, axis=-1, *, mode='trailing', algorithm='auto', "
    "nan_policy='skip', out=None, threads=None, target=None, group_offsets=None, ddof=None, q=None, "
    "interpolation=None, weights=None, min_weight=None)\n--\n\n"
    "Moving window statistic `stat` along one axis: the engine behind every\n"
    "``mwk.move_<stat>`` function (which document each statistic).\n\n"
    "Parameters\n----------\n"
    "stat : str or int\n"
    "    A statistic of the registry, by name (``'mean'``, ``'std'``, ...) or\n"
    "    index; see ``mwk.statistics()``.\n"
    "a : array_like\n"
    "    Input, ndim >= 1, any dtype of ``options()['dtypes']`` (every NumPy\n"
    "    integer, bool, float16/32/64). Strided, reversed and transposed views\n"
    "    are read in place; byte-swapped or misaligned arrays are copied once.\n"
    "window : int\n"
    "    ``1 <= window <= a.shape[axis]``: a longer window raises ValueError\n"
    "    (bottleneck's rule).\n"
    "min_count : int or None\n"
    "    Fewest non-NaN values a window needs for a result; None means window.\n"
    "axis : int\n"
    "    The axis the window moves along (default -1).\n"
    "group_offsets : array_like of int or None\n"
    "    n_groups + 1 offsets along the axis (0 first, non-decreasing, the\n"
    "    axis length last): the window restarts at each group\n"
    "    (mwk_move_grouped); see ``mwk.move_mean``.\n"
    "mode, algorithm, nan_policy, out, threads, target\n"
    "    As documented for ``mwk.move_mean``; ``algorithm`` must be one of the\n"
    "    statistic's (``statistics()``), ``target`` a supported SIMD target\n"
    "    for this call (None: ``MWK_TARGET`` or the best one).\n"
    "ddof, q, interpolation, ...\n"
    "    The statistic's parameters (``statistics()[i]['params']``); None means\n"
    "    the default. Passing one the statistic does not have is a TypeError.\n"
    "    ``q`` (quantile): a float in [0, 1], or a sequence of them: the output\n"
    "    then has a trailing axis of ``len(q)`` values, one pass for all.\n\n"
    "Returns\n-------\n"
    "numpy.ndarray of the output dtype (``mwk_move_out_dtype``), or ``out``.\n\n"
    "The GIL is released while the library runs.\n";

/* ------------------------------------------------------------------------ */
/* hampel()                                                                 */

static const char *const REPLACE_NAMES[] = {"median", "nan"}; /* mwk_hampel_replace order */
static const char *replace_name(int k) {
    return k >= 0 && k < (int)(sizeof REPLACE_NAMES / sizeof REPLACE_NAMES[0]) ? REPLACE_NAMES[k] : NULL;
}

/* a viewed as rows x n along `ax` (moveaxis, then a reshape that copies
 * only when the other axes cannot be flattened into one stride), readable
 * by the library in place. New reference, or NULL. */
static PyArrayObject *as_rows(PyArrayObject *a, int ax, const dtype_map *xm) {
    int ndim = PyArray_NDIM(a);
    PyArray_Dims perm;
    npy_intp order[NPY_MAXDIMS];
    int j = 0;
    for (int d = 0; d < ndim; d++)
        if (d != ax) order[j++] = d;
    order[j] = ax;
    perm.ptr = order;
    perm.len = ndim;
    PyArrayObject *t = (PyArrayObject *)PyArray_Transpose(a, &perm);
    if (!t) return NULL;
    npy_intp shape2[2] = {1, PyArray_DIM(a, ax)};
    for (int d = 0; d < ndim; d++)
        if (d != ax) shape2[0] *= PyArray_DIM(a, d);
    PyArray_Dims nd2 = {shape2, 2};
    PyArrayObject *r = (PyArrayObject *)PyArray_Newshape(t, &nd2, NPY_CORDER);
    Py_DECREF(t);
    if (!r) return NULL;
    if (!usable_in_place(r)) {
        PyArrayObject *c = (PyArrayObject *)PyArray_CastToType(r, PyArray_DescrFromType(xm->npy), 0);
        Py_DECREF(r);
        r = c;
    }
    return r;
}

/* b (rows x n, C order) back in the layout of a: the inverse of as_rows. */
static PyObject *from_rows(PyArrayObject *b, PyArrayObject *a, int ax) {
    int ndim = PyArray_NDIM(a);
    npy_intp shp[NPY_MAXDIMS], order[NPY_MAXDIMS];
    int j = 0;
    for (int d = 0; d < ndim; d++)
        if (d != ax) shp[j++] = PyArray_DIM(a, d);
    shp[j] = PyArray_DIM(a, ax);
    PyArray_Dims nd = {shp, ndim};
    PyArrayObject *r = (PyArrayObject *)PyArray_Newshape(b, &nd, NPY_CORDER);
    if (!r) return NULL;
    /* moved axis back: position ax takes the last axis */
    j = 0;
    for (int d = 0; d < ndim; d++) order[d] = d == ax ? ndim - 1 : j++;
    PyArray_Dims perm = {order, ndim};
    PyObject *t = PyArray_Transpose(r, &perm);
    Py_DECREF(r);
    return t;
}

PyObject *mwk_py_hampel(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    static char *kwlist[] = {"a", "window", "n_sigmas", "axis", "replace", "return_mask", "min_count",
                             "threads", "algorithm", "target", NULL};
    PyObject *a_obj, *w_obj, *sig_obj = NULL, *axis_obj = NULL, *rep_obj = NULL, *mask_obj = NULL,
                             *mc_obj = NULL, *thr_obj = NULL, *alg_obj = NULL, *tgt_obj = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O$OOOOOOO:hampel", kwlist, &a_obj, &w_obj, &sig_obj,
                                     &axis_obj, &rep_obj, &mask_obj, &mc_obj, &thr_obj, &alg_obj, &tgt_obj))
        return NULL;
    const char *fname = "hampel";
    mwk_options opt;
    mwk_options_init(&opt);
    /* Edge windows are clipped to the row (the header's windows); a window
     * longer than the row is clipped too. */
    opt.long_window = MWK_LONG_WINDOW_CLIP;
    long long window, iv;
    if (get_int(w_obj, "window", &window) < 0) return NULL;
    if (window < 1) return PyErr_Format(PyExc_ValueError, "window must be >= 1, got %lld", window);
    double n_sigmas = 3.0;
    if (sig_obj && sig_obj != Py_None) {
        if (PyBool_Check(sig_obj) || !PyNumber_Check(sig_obj))
            return PyErr_Format(PyExc_TypeError, "n_sigmas must be a number, got %.100s", Py_TYPE(sig_obj)->tp_name);
        n_sigmas = PyFloat_AsDouble(sig_obj);
        if (n_sigmas == -1.0 && PyErr_Occurred()) return NULL;
        if (!(n_sigmas >= 0.0 && n_sigmas <= DBL_MAX))
            return PyErr_Format(PyExc_ValueError, "n_sigmas must be finite and >= 0, got %R", sig_obj);
    }
    long long axis = -1;
    if (axis_obj) {
        if (axis_obj == Py_None)
            return PyErr_Format(PyExc_TypeError, "axis must be an integer (the window runs along one axis), got None");
        if (get_int(axis_obj, "axis", &axis) < 0) return NULL;
    }
    int which = MWK_HAMPEL_MEDIAN;
    if (rep_obj && rep_obj != Py_None && get_choice(rep_obj, "replace", replace_name, &which) < 0) return NULL;
    const mwk_hampel_replace replace = (mwk_hampel_replace)which;
    int want_mask = 0;
    if (mask_obj && (want_mask = PyObject_IsTrue(mask_obj)) < 0) return NULL;
    if (mc_obj && mc_obj != Py_None) {
        if (get_int(mc_obj, "min_count", &iv) < 0) return NULL;
        if (iv < 1 || iv > window)
            return PyErr_Format(PyExc_ValueError, "min_count must be None or between 1 and window (=%lld), got %lld",
                                window, iv);
        opt.min_count = (size_t)iv;
    }
    if (thr_obj && thr_obj != Py_None) {
        if (get_int(thr_obj, "threads", &iv) < 0) return NULL;
        if (iv < 1 || iv > INT_MAX)
            return PyErr_Format(PyExc_ValueError, "threads must be None or a positive integer, got %lld", iv);
        opt.threads = (int)iv;
    }
    if (alg_obj && alg_obj != Py_None) {
        if (get_choice(alg_obj, "algorithm", algo_name_any, &which) < 0) return NULL;
        opt.algorithm = (mwk_algorithm)which;
    }
    if (tgt_obj && tgt_obj != Py_None) {
        if (!PyUnicode_Check(tgt_obj))
            return PyErr_Format(PyExc_TypeError, "target must be None or a str, got %.100s", Py_TYPE(tgt_obj)->tp_name);
        opt.target = PyUnicode_AsUTF8(tgt_obj);
        if (!opt.target) return NULL;
    }

    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(a_obj);
    if (!a) return NULL;
    PyArrayObject *x = NULL, *y = NULL, *m = NULL;
    PyObject *yr = NULL, *mr = NULL;
    const dtype_map *xm = map_of_descr(PyArray_DESCR(a));
    if (!xm) {
        char allowed[256];
        dtype_list(allowed, sizeof allowed);
        PyErr_Format(PyExc_TypeError, "hampel does not support dtype %S; supported dtypes are %s",
                     (PyObject *)PyArray_DESCR(a), allowed);
        goto fail;
    }
    int ndim = PyArray_NDIM(a);
    if (ndim == 0) {
        PyErr_SetString(PyExc_ValueError, "a must have at least one dimension (got a 0-d array)");
        goto fail;
    }
    if (axis < -ndim || axis >= ndim) {
        PyErr_Format(PyExc_ValueError, "axis %lld is out of bounds for an array of dimension %d", axis, ndim);
        goto fail;
    }
    int ax = (int)(axis < 0 ? axis + ndim : axis);
    if (!(x = as_rows(a, ax, xm))) goto fail;
    npy_intp rows = PyArray_DIM(x, 0), n = PyArray_DIM(x, 1);
    const int ynpy = xm->mwk == MWK_F32 || xm->mwk == MWK_F16 ? NPY_FLOAT32 : NPY_FLOAT64;
    npy_intp shape2[2] = {rows, n};
    if (!(y = (PyArrayObject *)PyArray_SimpleNew(2, shape2, ynpy))) goto fail;
    if (want_mask && !(m = (PyArrayObject *)PyArray_ZEROS(2, shape2, NPY_BOOL, 0))) goto fail;
    if (rows > 0 && n > 0) {
        npy_intp xis = PyArray_ITEMSIZE(x);
        const char *xp = PyArray_BYTES(x);
        ptrdiff_t xrs = PyArray_STRIDE(x, 0) / xis, xs = PyArray_STRIDE(x, 1) / xis;
        void *yp = PyArray_DATA(y);
        uint8_t *mp = m ? (uint8_t *)PyArray_DATA(m) : NULL;
        mwk_status st;
        Py_BEGIN_ALLOW_THREADS
        st = mwk_hampel_batch(xp, xm->mwk, (size_t)rows, (size_t)n, xrs, xs, yp, (ptrdiff_t)n, 1, mp,
                              mp ? (ptrdiff_t)n : 0, mp ? 1 : 0, NULL, (size_t)window, n_sigmas, replace, &opt);
        Py_END_ALLOW_THREADS
        if (st != MWK_OK) {
            raise_compute(fname, st, &opt);
            goto fail;
        }
    }
    if (!(yr = from_rows(y, a, ax))) goto fail;
    if (m && !(mr = from_rows(m, a, ax))) goto fail;
    Py_DECREF(a);
    Py_DECREF(x);
    Py_DECREF(y);
    Py_XDECREF(m);
    if (!want_mask) return yr;
    PyObject *tup = PyTuple_Pack(2, yr, mr);
    Py_DECREF(yr);
    Py_DECREF(mr);
    return tup;
fail:
    Py_XDECREF(yr);
    Py_XDECREF(mr);
    Py_XDECREF(m);
    Py_XDECREF(y);
    Py_XDECREF(x);
    Py_DECREF(a);
    return NULL;
}

const char mwk_py_hampel_doc[] =
    "hampel(a, window, n_sigmas=3.0, *, axis=-1, replace='median', return_mask=False, min_count=None, "
    "threads=None, algorithm='auto', target=None)\n--\n\n"
    "The Hampel filter (mwk_hampel_batch); documented as ``mwk.hampel``.\n";

/* ------------------------------------------------------------------------ */
/* The registry, for the Python package                                     */

static int dict_set(PyObject *d, const char *key, PyObject *val) {
    if (!val) return -1;
    int r = PyDict_SetItemString(d, key, val);
    Py_DECREF(val);
    return r;
}

static PyObject *stat_dict(mwk_stat s) {
    mwk_stat_info info;
    if (stat_info(s, &info) < 0) return mwk_py_raise_status("statistics", MWK_E_INTERNAL);
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    PyObject *params = PyDict_New(), *algos = PyDict_New(), *positional = PyList_New(0);
    if (!params || !algos || !positional) goto fail;
    mwk_params defaults;
    mwk_params_init(&defaults);
    for (size_t k = 0; k < N_PARAMS; k++) {
        const param_desc *p = &PARAMS[k];
        if (!(info.params & p->bit)) continue;
        PyObject *dv = p->kind == PK_QUANTILE ? PyFloat_FromDouble(defaults.quantile)
                       : p->kind == PK_FLOAT  ? PyFloat_FromDouble(defaults.min_weight)
                       : p->kind == PK_WEIGHTS ? (Py_INCREF(Py_None), Py_None)
                       : p->kind == PK_CHOICE ? PyUnicode_FromString(p->choice((int)p->dflt))
                                              : PyLong_FromLongLong(p->dflt);
        if (dict_set(params, p->name, dv) < 0) goto fail;
        if (p->positional) {
            PyObject *nm = PyUnicode_FromString(p->name);
            if (!nm || PyList_Append(positional, nm) < 0) {
                Py_XDECREF(nm);
                goto fail;
            }
            Py_DECREF(nm);
        }
    }
    /* auto first, then the registry's order (reference first); value:
     * compiled into this build. */
    if (PyDict_SetItemString(algos, mwk_algorithm_name(MWK_ALGO_AUTO), Py_True) < 0) goto fail;
    for (size_t k = 0; k < info.n_algorithms; k++) {
        const char *nm = mwk_algorithm_name(info.algorithms[k]);
        if (!nm) continue;
        if (PyDict_SetItemString(algos, nm, mwk_stat_has_algorithm(s, info.algorithms[k]) ? Py_True : Py_False) < 0)
            goto fail;
    }
    PyObject *p = params, *al = algos, *pos = positional;
    params = algos = positional = NULL;
    if (dict_set(d, "name", PyUnicode_FromString(info.name)) < 0 || dict_set(d, "id", PyLong_FromLong((long)s)) < 0 ||
        dict_set(d, "params", p) < 0 || dict_set(d, "positional", pos) < 0 || dict_set(d, "algorithms", al) < 0 ||
        dict_set(d, "keeps_float32", PyBool_FromLong(info.float_output_keeps_f32)) < 0 ||
        dict_set(d, "contract", PyUnicode_FromString(info.contract ? info.contract : "")) < 0)
        goto fail;
    return d;
fail:
    Py_XDECREF(params);
    Py_XDECREF(algos);
    Py_XDECREF(positional);
    Py_DECREF(d);
    return NULL;
}

PyObject *mwk_py_statistics(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    size_t count = mwk_stat_count();
    PyObject *list = PyList_New((Py_ssize_t)count);
    if (!list) return NULL;
    for (size_t k = 0; k < count; k++) {
        PyObject *d = stat_dict((mwk_stat)k);
        if (!d) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)k, d);
    }
    return list;
}

const char mwk_py_statistics_doc[] =
    "statistics()\n--\n\n"
    "The library's registry of statistics, in registry order: a list of dicts\n"
    "with ``name`` (the ``move_<name>`` suffix), ``id``, ``params`` (keyword ->\n"
    "default, e.g. ``{'ddof': 0}``; ``{'q': 0.5, 'interpolation': 'linear'}``),\n"
    "``positional`` (the params ``move_<name>`` takes right after ``window``,\n"
    "without a default, e.g. ``['q']``), ``algorithms`` (name -> compiled into this\n"
    "build; ``'auto'`` first, then the reference), ``keeps_float32`` (float32\n"
    "and float16 input give float32 output) and ``contract`` (the accuracy\n"
    "contract, one sentence).\n";

static PyObject *names_list(const char *(*name_of)(int)) {
    PyObject *l = PyList_New(0);
    const char *nm;
    for (int k = 0; l && (nm = name_of(k)) != NULL; k++) {
        PyObject *s = PyUnicode_FromString(nm);
        if (!s || PyList_Append(l, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(l);
            return NULL;
        }
        Py_DECREF(s);
    }
    return l;
}

static const char *dtype_name_int(int k) { return k < (int)N_DTYPES ? mwk_dtype_name(DTYPES[k].mwk) : NULL; }

PyObject *mwk_py_options(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    mwk_options opt;
    mwk_options_init(&opt);
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    PyObject *defaults = Py_BuildValue("{s:s,s:s,s:s}", "mode", mwk_align_name(opt.align), "algorithm",
                                       mwk_algorithm_name(opt.algorithm), "nan_policy",
                                       mwk_nan_policy_name(opt.nan_policy));
    if (dict_set(d, "mode", names_list(align_name)) < 0 || dict_set(d, "nan_policy", names_list(policy_name)) < 0 ||
        dict_set(d, "algorithm", names_list(algo_name_any)) < 0 ||
        dict_set(d, "dtypes", names_list(dtype_name_int)) < 0 || dict_set(d, "defaults", defaults) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

const char mwk_py_options_doc[] =
    "options()\n--\n\n"
    "The choices every statistic shares, from the C API: ``mode``,\n"
    "``nan_policy`` and ``algorithm`` (every algorithm name, in enum order),\n"
    "``dtypes`` (input dtypes, NumPy names) and ``defaults`` (mode,\n"
    "algorithm, nan_policy).\n";

/* ------------------------------------------------------------------------ */
/* Named windows (weighted statistics' window_type=)                        */

const char mwk_py_window_taps_doc[] =
    "window_taps(name, window, param=0.0)\n--\n\n"
    "Taps of a named window as scipy.signal.windows.<name>(window, sym=True)\n"
    "(pandas' rolling(win_type=)): a float64 array of length window. param is\n"
    "gaussian's std or exponential's tau (> 0), ignored by the others (C:\n"
    "mwk_window_taps).";

PyObject *mwk_py_window_taps(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    Py_ssize_t w;
    double param = 0.0;
    if (!PyArg_ParseTuple(args, "sn|d:window_taps", &name, &w, &param)) return NULL;
    if (w < 1) return PyErr_Format(PyExc_ValueError, "window must be >= 1, got %zd", w);
    npy_intp dim = (npy_intp)w;
    PyArrayObject *r = (PyArrayObject *)PyArray_SimpleNew(1, &dim, NPY_FLOAT64);
    if (!r) return NULL;
    mwk_status st = mwk_window_taps(name, (size_t)w, param, (double *)PyArray_DATA(r));
    if (st != MWK_OK) {
        Py_DECREF(r);
        return PyErr_Format(PyExc_ValueError,
                            "window_taps: unknown window type %s, or its parameter out of range (gaussian's std "
                            "and exponential's tau must be > 0)", name);
    }
    return (PyObject *)r;
}
