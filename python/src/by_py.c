/* mwk._mwk.move_by: the NumPy entry of key-based (time) windows.
 *
 * move_by(stat, a, by, out, window, closed, min_count, check_sorted,
 *         nan_policy, algorithm, threads, target, ddof, q, quantiles,
 *         interpolation) -> out
 *
 * a is a 1-D array of a supported dtype, any strides; by a 1-D int64 array of
 * the same length (mwk/_by.py turns datetime64/timedelta64 keys into their
 * int64 counts and durations into key units); out a writable 1-D (n,) array,
 * or 2-D (n, k) for several quantiles, of the output dtype, any strides.
 * mwk/_by.py does the names, the duration strings and the out allocation;
 * this file calls only the public C API (mwk_move_by) with the GIL
 * released. */
#include "py_common.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <string.h>

PyObject *mwk_py_move_by(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a_obj, *by_obj, *out_obj, *target_obj, *qs_obj;
    int stat, closed, check_sorted, nan_policy, algorithm, threads, ddof, interp;
    long long window;
    Py_ssize_t min_count;
    double q;
    if (!PyArg_ParseTuple(args, "iOOOLinpiiiOidOi", &stat, &a_obj, &by_obj, &out_obj, &window,
                          &closed, &min_count, &check_sorted, &nan_policy, &algorithm, &threads,
                          &target_obj, &ddof, &q, &qs_obj, &interp))
        return NULL;
    if (!PyArray_Check(a_obj) || PyArray_NDIM((PyArrayObject *)a_obj) != 1 ||
        !PyArray_Check(by_obj) || PyArray_NDIM((PyArrayObject *)by_obj) != 1 ||
        !PyArray_Check(out_obj))
        return PyErr_Format(PyExc_TypeError, "move_by: a, by must be 1-D arrays, out an array");
    PyArrayObject *a = (PyArrayObject *)a_obj, *b = (PyArrayObject *)by_obj, *y = (PyArrayObject *)out_obj;
    const int yd = PyArray_NDIM(y);
    const npy_intp n = PyArray_DIM(a, 0);
    if (PyArray_DIM(b, 0) != n || yd < 1 || yd > 2 || PyArray_DIM(y, 0) != n)
        return PyErr_Format(PyExc_ValueError, "move_by: a, by and out must have the same length");
    if (PyArray_TYPE(b) != NPY_INT64)
        return PyErr_Format(PyExc_TypeError, "move_by: by must be int64");
    mwk_dtype xdt, ydt, want;
    if (mwk_py_array_dtype((PyObject *)a, &xdt) < 0 || mwk_py_array_dtype((PyObject *)y, &ydt) < 0)
        return PyErr_Format(PyExc_TypeError, "move_by: unsupported dtype");
    mwk_status st = mwk_move_out_dtype((mwk_stat)stat, xdt, &want);
    if (st != MWK_OK) return mwk_py_raise_status("move_by", st);
    if (ydt != want) return PyErr_Format(PyExc_TypeError, "move_by: out must have dtype %s", mwk_dtype_name(want));
    if (PyArray_FailUnlessWriteable(y, "out") < 0) return NULL;
    ptrdiff_t xs[1], bs[1], ys[2] = {1, 1};
    if (mwk_py_elem_strides((PyObject *)a, xs) < 0 || mwk_py_elem_strides((PyObject *)b, bs) < 0 ||
        mwk_py_elem_strides((PyObject *)y, ys) < 0)
        return PyErr_Format(PyExc_ValueError,
                            "move_by: arrays must be aligned, native byte order, whole-element strides");
    if (min_count < 1) return PyErr_Format(PyExc_ValueError, "min_count must be >= 1");
    if (threads < 0) return PyErr_Format(PyExc_ValueError, "threads must be None or a positive integer");

    mwk_params prm;
    mwk_params_init(&prm);
    prm.ddof = ddof;
    prm.quantile = q;
    prm.interpolation = (mwk_interpolation)interp;
    size_t k = 1;
    if (qs_obj != Py_None) {
        if (!PyArray_Check(qs_obj) || PyArray_TYPE((PyArrayObject *)qs_obj) != NPY_FLOAT64 ||
            PyArray_NDIM((PyArrayObject *)qs_obj) != 1 || !PyArray_ISCARRAY_RO((PyArrayObject *)qs_obj))
            return PyErr_Format(PyExc_TypeError, "move_by: quantiles must be a contiguous 1-D float64 array");
        prm.quantiles = (const double *)PyArray_DATA((PyArrayObject *)qs_obj);
        prm.n_quantiles = k = (size_t)PyArray_DIM((PyArrayObject *)qs_obj, 0);
    }
    if ((yd == 2) != (qs_obj != Py_None) || (yd == 2 && (size_t)PyArray_DIM(y, 1) != k))
        return PyErr_Format(PyExc_ValueError, "move_by: out must have shape (n,) or (n, len(q))");

    mwk_options o;
    mwk_options_init(&o);
    o.nan_policy = (mwk_nan_policy)nan_policy;
    o.algorithm = (mwk_algorithm)algorithm;
    o.threads = threads;
    if (target_obj != Py_None) {
        if (!PyUnicode_Check(target_obj)) return PyErr_Format(PyExc_TypeError, "target must be None or a str");
        o.target = PyUnicode_AsUTF8(target_obj);
        if (!o.target) return NULL;
    }
    const void *xp = PyArray_DATA(a);
    const int64_t *bp = (const int64_t *)PyArray_DATA(b);
    void *yp = PyArray_DATA(y);
    Py_BEGIN_ALLOW_THREADS
    st = mwk_move_by((mwk_stat)stat, &prm, xp, xdt, (size_t)n, xs[0], bp, bs[0], (int64_t)window,
                     (mwk_closed)closed, (size_t)min_count, check_sorted, yp, ys[0], ys[1], &o);
    Py_END_ALLOW_THREADS
    if (st != MWK_OK) {
        if (st == MWK_E_UNSORTED)
            return PyErr_Format(PyExc_ValueError,
                                "move_*_by: `by` is not sorted ascending (sort the rows by it "
                                "first, or pass check_sorted=False to promise that it is)");
        if (st == MWK_E_ALGORITHM)
            return PyErr_Format(PyExc_ValueError,
                                "move_*_by: this algorithm has no key-based form for this "
                                "statistic (key-based windows have 'naive' and one running "
                                "form per statistic: 'auto' picks it)");
        return mwk_py_raise_status("move_by", st);
    }
    Py_INCREF(out_obj);
    return out_obj;
}

const char mwk_py_move_by_doc[] =
    "move_by(stat, a, by, out, window, closed, min_count, check_sorted, nan_policy, algorithm,\n"
    "        threads, target, ddof, q, quantiles, interpolation)\n"
    "--\n\n"
    "Internal: a statistic over key-based (time) windows (see mwk.move_mean_by).";

/* The algorithm 'auto' runs for a statistic (for benchmarks and tests). */
PyObject *mwk_py_move_by_choose(PyObject *self, PyObject *args) {
    (void)self;
    int stat;
    if (!PyArg_ParseTuple(args, "i", &stat)) return NULL;
    mwk_algorithm a;
    /* The choice depends on the statistic only. Explicit threads and target
     * keep it independent of MWK_NUM_THREADS / MWK_TARGET: a malformed
     * variable must not break `import mwk` (this runs when mwk/_by.py builds
     * its functions) nor calls that name their own target. */
    mwk_options o;
    mwk_options_init(&o);
    o.threads = 1;
    o.target = "scalar";
    mwk_status st = mwk_move_by_choose((mwk_stat)stat, NULL, MWK_F64, &o, &a);
    if (st != MWK_OK) return mwk_py_raise_status("move_by_choose", st);
    return PyUnicode_FromString(mwk_algorithm_name(a));
}

const char mwk_py_move_by_choose_doc[] =
    "move_by_choose(stat)\n--\n\nInternal: the algorithm 'auto' runs for mwk.move_<stat>_by.";
