/* mwk.move_mean: the NumPy binding of mwk_move_mean / mwk_move_mean_batch. */
#include "py_common.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <limits.h>
#include <string.h>

const char mwk_py_move_mean_doc[] =
    "move_mean(a, window, min_count=None, axis=-1, *, mode='trailing', algorithm='auto', "
    "nan_policy='skip', out=None, threads=None)\n--\n\n"
    "Moving window mean along one axis.\n\n"
    "A drop-in for ``bottleneck.move_mean``: with the default keyword-only\n"
    "arguments the results and the NaN / ``min_count`` semantics are bottleneck's.\n"
    "Sums are accumulated in float64 with per-window accuracy (see the C header's\n"
    "accuracy contract), so large values leaving the window do not spoil later means.\n\n"
    "Parameters\n----------\n"
    "a : array_like\n"
    "    Input, any number of dimensions (>= 1). Supported dtypes: float64,\n"
    "    float32, int64, int32 (native or byte-swapped). Other dtypes, bool\n"
    "    included, raise TypeError: convert first, e.g. ``a.astype(np.float64)``.\n"
    "    Strided views are read in place, without a copy, when every byte\n"
    "    stride is a multiple of the item size.\n"
    "window : int\n"
    "    Number of elements in the window, ``1 <= window <= a.shape[axis]``.\n"
    "min_count : int or None, optional\n"
    "    Minimum number of non-NaN values in a window for a result (else NaN),\n"
    "    ``1 <= min_count <= window``. None (default) means ``window``.\n"
    "axis : int, optional\n"
    "    Axis along which the window moves. Default -1 (the last axis).\n"
    "mode : {'trailing', 'valid', 'centered'}, optional\n"
    "    ``'trailing'`` (default, bottleneck / pandas): output i covers\n"
    "    ``a[max(0, i-window+1) : i+1]``; ``'valid'``: ``n-window+1`` outputs,\n"
    "    output i covers ``a[i : i+window]``; ``'centered'``: output i covers\n"
    "    ``a[i - window//2 : i + (window-1)//2 + 1]`` clipped to the data (the\n"
    "    windows of pandas and Polars with ``center=True``).\n"
    "algorithm : {'auto', 'naive', 'ring', 'prefix', 'fft'}, optional\n"
    "    ``'auto'`` (default) picks the fastest algorithm that keeps the\n"
    "    per-window accuracy bound; ``'fft'`` has a looser, row-relative bound\n"
    "    and is only present when the library was built with FFTW.\n"
    "nan_policy : {'skip', 'propagate'}, optional\n"
    "    ``'skip'`` (default, bottleneck): NaNs are left out and ``min_count``\n"
    "    counts the non-NaN values; ``'propagate'``: a window holding a NaN\n"
    "    gives NaN.\n"
    "out : numpy.ndarray, optional\n"
    "    Where to write the result: the output shape and dtype (float32 for\n"
    "    float32 input, float64 otherwise), writeable. It may overlap ``a``.\n"
    "threads : int or None, optional\n"
    "    Threads for inputs with ndim >= 2 (rows are spread over threads).\n"
    "    None (default) uses ``MWK_NUM_THREADS`` or all cores. Results are\n"
    "    bit-identical for any thread count.\n\n"
    "Returns\n-------\n"
    "numpy.ndarray\n"
    "    The moving means, float64 (float32 for float32 input), with the shape\n"
    "    of ``a`` except along ``axis`` in ``'valid'`` mode (``n-window+1``).\n"
    "    ``out`` itself when given.\n\n"
    "Raises\n------\n"
    "TypeError\n"
    "    An unsupported dtype, a non-integer window / min_count / axis / threads,\n"
    "    a non-str mode / algorithm / nan_policy, an ``out`` that is not an\n"
    "    ndarray or has the wrong dtype.\n"
    "ValueError\n"
    "    window, min_count, axis or threads out of range, an unknown mode /\n"
    "    algorithm / nan_policy, an algorithm missing from this build, an\n"
    "    ``out`` of the wrong shape or read-only, a 0-d input.\n"
    "MemoryError\n"
    "    The library could not allocate its scratch memory.\n\n"
    "Notes\n-----\n"
    "The GIL is released for the whole computation. Calls from many threads\n"
    "at once are safe.\n\n"
    "Examples\n--------\n"
    ">>> import numpy as np, mwk\n"
    ">>> mwk.move_mean(np.arange(5.0), 2)\n"
    "array([nan, 0.5, 1.5, 2.5, 3.5])\n"
    ">>> mwk.move_mean(np.arange(5.0), 2, mode='valid')\n"
    "array([0.5, 1.5, 2.5, 3.5])\n";

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

/* A str argument that must be one of names[0..count). */
static int get_choice(PyObject *o, const char *name, const char *const *names, int count, int *which) {
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, got %.100s", name, Py_TYPE(o)->tp_name);
        return -1;
    }
    const char *s = PyUnicode_AsUTF8(o);
    if (!s) return -1;
    for (int k = 0; k < count; k++) {
        if (strcmp(s, names[k]) == 0) {
            *which = k;
            return 0;
        }
    }
    char allowed[256] = "";
    for (int k = 0; k < count; k++) {
        size_t used = strlen(allowed);
        snprintf(allowed + used, sizeof allowed - used, "%s'%s'", k ? ", " : "", names[k]);
    }
    PyErr_Format(PyExc_ValueError, "%s must be one of %s; got %R", name, allowed, o);
    return -1;
}

/* mwk dtype of a numpy array, or -1. */
static int mwk_dtype_of(PyArray_Descr *d) {
    if (d->kind == 'f' && PyDataType_ELSIZE(d) == 8) return MWK_F64;
    if (d->kind == 'f' && PyDataType_ELSIZE(d) == 4) return MWK_F32;
    if (d->kind == 'i' && PyDataType_ELSIZE(d) == 8) return MWK_I64;
    if (d->kind == 'i' && PyDataType_ELSIZE(d) == 4) return MWK_I32;
    return -1;
}

static int npy_type_of(mwk_dtype t) {
    switch (t) {
    case MWK_F64: return NPY_FLOAT64;
    case MWK_F32: return NPY_FLOAT32;
    case MWK_I64: return NPY_INT64;
    default: return NPY_INT32;
    }
}

/* Can the kernel read/write this array in place (native order, aligned,
 * byte strides multiple of the item size)? */
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

/* One dimension of the iteration over rows: extent and element strides. */
typedef struct rowdim {
    npy_intp n;
    npy_intp xs, ys;
} rowdim;

PyObject *mwk_py_move_mean(PyObject *self, PyObject *args, PyObject *kwds) {
    (void)self;
    static char *kwlist[] = {"a",         "window", "min_count", "axis",    "mode",
                             "algorithm", "nan_policy", "out",   "threads", NULL};
    PyObject *a_obj, *window_obj, *min_count_obj = Py_None, *axis_obj = NULL;
    PyObject *mode_obj = NULL, *algo_obj = NULL, *nan_obj = NULL, *out_obj = Py_None,
             *threads_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|OO$OOOOO:move_mean", kwlist, &a_obj, &window_obj,
                                     &min_count_obj, &axis_obj, &mode_obj, &algo_obj, &nan_obj,
                                     &out_obj, &threads_obj))
        return NULL;

    mwk_options opt;
    mwk_options_init(&opt);

    long long window, v;
    if (get_int(window_obj, "window", &window) < 0) return NULL;
    if (window < 1) return PyErr_Format(PyExc_ValueError, "window must be >= 1, got %lld", window);
    if (min_count_obj != Py_None) {
        if (get_int(min_count_obj, "min_count", &v) < 0) return NULL;
        if (v < 1 || v > window)
            return PyErr_Format(PyExc_ValueError,
                                "min_count must be None or between 1 and window (=%lld), got %lld", window, v);
        opt.min_count = (size_t)v;
    }
    long long axis = -1;
    if (axis_obj) {
        if (axis_obj == Py_None)
            return PyErr_Format(PyExc_TypeError,
                                "axis must be an integer (a moving window runs along one axis), got None");
        if (get_int(axis_obj, "axis", &axis) < 0) return NULL;
    }
    static const char *const modes[] = {"trailing", "valid", "centered"};
    static const mwk_align mode_vals[] = {MWK_ALIGN_TRAILING, MWK_ALIGN_VALID, MWK_ALIGN_CENTERED};
    int which;
    if (mode_obj) {
        if (get_choice(mode_obj, "mode", modes, 3, &which) < 0) return NULL;
        opt.align = mode_vals[which];
    }
    static const char *const algos[] = {"auto", "naive", "ring", "prefix", "fft"};
    static const mwk_algorithm algo_vals[] = {MWK_ALGO_AUTO, MWK_ALGO_NAIVE, MWK_ALGO_RING, MWK_ALGO_PREFIX,
                                              MWK_ALGO_FFT};
    if (algo_obj) {
        if (get_choice(algo_obj, "algorithm", algos, 5, &which) < 0) return NULL;
        opt.algorithm = algo_vals[which];
        if (!mwk_algorithm_available(opt.algorithm))
            return PyErr_Format(PyExc_ValueError,
                                "algorithm '%s' is not available in this build of mwk (fft needs FFTW); "
                                "see mwk.runtime_info()['algorithms']",
                                algos[which]);
    }
    static const char *const policies[] = {"skip", "propagate"};
    static const mwk_nan_policy policy_vals[] = {MWK_NAN_SKIP, MWK_NAN_PROPAGATE};
    if (nan_obj) {
        if (get_choice(nan_obj, "nan_policy", policies, 2, &which) < 0) return NULL;
        opt.nan_policy = policy_vals[which];
    }
    if (threads_obj != Py_None) {
        if (get_int(threads_obj, "threads", &v) < 0) return NULL;
        if (v < 1 || v > INT_MAX)
            return PyErr_Format(PyExc_ValueError, "threads must be None or a positive integer, got %lld", v);
        opt.threads = (int)v;
    }
    if (out_obj != Py_None && !PyArray_Check(out_obj))
        return PyErr_Format(PyExc_TypeError, "out must be None or a numpy.ndarray, got %.100s",
                            Py_TYPE(out_obj)->tp_name);

    /* ---- the input ------------------------------------------------------- */
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(a_obj);
    if (!a) return NULL;
    PyArrayObject *res = NULL, *tmp = NULL;
    int dt = mwk_dtype_of(PyArray_DESCR(a));
    if (dt < 0) {
        PyErr_Format(PyExc_TypeError,
                     "move_mean does not support dtype %S; supported dtypes are float64, float32, int64, "
                     "int32 (convert first, e.g. a.astype(numpy.float64))",
                     (PyObject *)PyArray_DESCR(a));
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
    if ((unsigned long long)window > (unsigned long long)n) {
        PyErr_Format(PyExc_ValueError, "window (=%lld) must be <= the length of a along axis %d (=%lld)", window,
                     ax, (long long)n);
        goto fail;
    }
    if (!usable_in_place(a)) {
        /* Byte-swapped, misaligned or with a stride that is not a whole
         * number of elements: the C API cannot address it, so copy once. */
        PyArrayObject *c = (PyArrayObject *)PyArray_CastToType(a, PyArray_DescrFromType(npy_type_of((mwk_dtype)dt)), 0);
        if (!c) goto fail;
        Py_DECREF(a);
        a = c;
    }

    mwk_dtype ydt;
    size_t out_n;
    mwk_status st = mwk_move_mean_out_dtype((mwk_dtype)dt, &ydt);
    if (st == MWK_OK) st = mwk_move_mean_out_len((size_t)n, (size_t)window, opt.align, &out_n);
    if (st != MWK_OK) {
        mwk_py_raise_status("move_mean", st);
        goto fail;
    }
    int ynpy = npy_type_of(ydt);
    npy_intp yshape[NPY_MAXDIMS];
    for (int d = 0; d < ndim; d++) yshape[d] = PyArray_DIM(a, d);
    yshape[ax] = (npy_intp)out_n;

    /* ---- the output ------------------------------------------------------ */
    PyArrayObject *y;
    if (out_obj != Py_None) {
        PyArrayObject *o = (PyArrayObject *)out_obj;
        PyArray_Descr *od = PyArray_DESCR(o);
        if (od->kind != 'f' || PyDataType_ELSIZE(od) != (ydt == MWK_F32 ? 4 : 8)) {
            PyErr_Format(PyExc_TypeError, "out must have dtype %s for %s input, got %S",
                         ydt == MWK_F32 ? "float32" : "float64", mwk_dtype_name((mwk_dtype)dt), (PyObject *)od);
            goto fail;
        }
        int same = PyArray_NDIM(o) == ndim;
        for (int d = 0; same && d < ndim; d++) same = PyArray_DIM(o, d) == yshape[d];
        if (!same) {
            PyObject *want = PyTuple_New(ndim);
            if (want)
                for (int d = 0; d < ndim; d++) PyTuple_SET_ITEM(want, d, PyLong_FromSsize_t(yshape[d]));
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
            tmp = (PyArrayObject *)PyArray_SimpleNew(ndim, yshape, ynpy);
            if (!tmp) goto fail;
            y = tmp;
        } else {
            y = o;
        }
        Py_INCREF(out_obj);
        res = o;
    } else {
        res = (PyArrayObject *)PyArray_SimpleNew(ndim, yshape, ynpy);
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
    npy_intp idx[NPY_MAXDIMS];
    memset(idx, 0, sizeof idx);

    Py_BEGIN_ALLOW_THREADS
    if (ndim == 1) {
        st = mwk_move_mean(xp, (mwk_dtype)dt, (size_t)n, xs, yp, ys, (size_t)window, &opt);
    } else if (rows == 0) {
        st = mwk_move_mean_batch(xp, (mwk_dtype)dt, 0, (size_t)n, 0, xs, yp, 0, ys, (size_t)window, &opt);
    } else {
        const char *xc = xp;
        char *yc = yp;
        for (;;) {
            st = mwk_move_mean_batch(xc, (mwk_dtype)dt, rows, (size_t)n, xrs, xs, yc, yrs, ys, (size_t)window, &opt);
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
        mwk_py_raise_status("move_mean", st);
        goto fail;
    }
    if (tmp) {
        if (PyArray_CopyInto(res, tmp) < 0) goto fail;
        Py_DECREF(tmp);
    }
    Py_DECREF(a);
    return (PyObject *)res;

fail:
    Py_XDECREF(tmp);
    Py_XDECREF(res);
    Py_XDECREF(a);
    return NULL;
}
