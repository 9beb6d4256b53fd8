/* mwk._mwk.ewm: the NumPy entry of the exponentially weighted statistics.
 *
 * ewm(stat, a, out, decay, value, adjust, ignore_na, min_periods, bias,
 *     times, algorithm, threads, target) -> out
 *
 * a is a 2-D array (rows, n) of a supported dtype, any strides; out a 2-D
 * writable array of the output dtype with a's shape; times None or a
 * contiguous float64 array of n times. mwk/_ewm.py does the axis, the
 * decay spellings, datetime times and the out= rules, and calls this with
 * arrays it has checked; this file calls only the public C API
 * (mwk_ewm_batch) with the GIL released. */
#include "py_common.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <limits.h>
#include <string.h>

#include "mwk_ewm.h"

PyObject *mwk_py_ewm(PyObject *self, PyObject *args) {
    (void)self;
    int stat, decay, adjust, ignore_na, bias, algorithm, threads;
    double value;
    Py_ssize_t min_periods;
    PyObject *a_obj, *out_obj, *times_obj, *target_obj;
    if (!PyArg_ParseTuple(args, "iOOidppnpOiiO", &stat, &a_obj, &out_obj, &decay, &value, &adjust, &ignore_na,
                          &min_periods, &bias, &times_obj, &algorithm, &threads, &target_obj))
        return NULL;
    if (!PyArray_Check(a_obj) || PyArray_NDIM((PyArrayObject *)a_obj) != 2 || !PyArray_Check(out_obj) ||
        PyArray_NDIM((PyArrayObject *)out_obj) != 2)
        return PyErr_Format(PyExc_TypeError, "ewm: a and out must be 2-D numpy arrays");
    PyArrayObject *a = (PyArrayObject *)a_obj, *y = (PyArrayObject *)out_obj;
    if (min_periods < 0) return PyErr_Format(PyExc_ValueError, "min_periods must be >= 0, got %zd", min_periods);
    mwk_dtype xdt, ydt;
    if (mwk_py_array_dtype((PyObject *)a, &xdt) < 0 || mwk_py_array_dtype((PyObject *)y, &ydt) < 0)
        return PyErr_Format(PyExc_TypeError, "ewm: unsupported dtype");
    mwk_dtype want;
    mwk_status st = mwk_ewm_out_dtype(xdt, &want);
    if (st != MWK_OK) return mwk_py_raise_status("ewm", st);
    if (ydt != want) return PyErr_Format(PyExc_TypeError, "ewm: out must have dtype %s", mwk_dtype_name(want));
    if (PyArray_DIM(a, 0) != PyArray_DIM(y, 0) || PyArray_DIM(a, 1) != PyArray_DIM(y, 1))
        return PyErr_Format(PyExc_ValueError, "ewm: out must have a's shape");
    if (PyArray_FailUnlessWriteable(y, "out") < 0) return NULL;
    ptrdiff_t xst[2], yst[2]; /* a and y are 2-D (checked above) */
    if (mwk_py_elem_strides((PyObject *)a, xst) < 0 || mwk_py_elem_strides((PyObject *)y, yst) < 0)
        return PyErr_Format(PyExc_ValueError, "ewm: arrays must be aligned, native byte order, whole-element strides");
    const size_t rows = (size_t)PyArray_DIM(a, 0), n = (size_t)PyArray_DIM(a, 1);

    mwk_ewm_params p;
    mwk_ewm_params_init(&p);
    p.decay = (mwk_ewm_decay)decay;
    p.decay_value = value;
    p.adjust = adjust, p.ignore_na = ignore_na, p.bias = bias;
    p.min_periods = (size_t)min_periods;
    p.algorithm = (mwk_ewm_algorithm)algorithm;
    if (threads < 0) return PyErr_Format(PyExc_ValueError, "threads must be None or a positive integer");
    p.threads = threads;
    if (target_obj != Py_None) {
        if (!PyUnicode_Check(target_obj)) return PyErr_Format(PyExc_TypeError, "target must be None or a str");
        p.target = PyUnicode_AsUTF8(target_obj);
        if (!p.target) return NULL;
    }
    if (times_obj != Py_None) {
        if (!PyArray_Check(times_obj) || PyArray_TYPE((PyArrayObject *)times_obj) != NPY_FLOAT64 ||
            PyArray_NDIM((PyArrayObject *)times_obj) != 1 || !PyArray_ISCARRAY_RO((PyArrayObject *)times_obj) ||
            (size_t)PyArray_DIM((PyArrayObject *)times_obj, 0) != n)
            return PyErr_Format(PyExc_ValueError, "ewm: times must be a contiguous float64 array of length %zu", n);
        p.times = (const double *)PyArray_DATA((PyArrayObject *)times_obj);
        p.times_stride = 1;
    }
    const void *xp = PyArray_DATA(a);
    void *yp = PyArray_DATA(y);
    Py_BEGIN_ALLOW_THREADS
    st = mwk_ewm_batch((mwk_ewm_stat)stat, &p, xp, xdt, rows, n, xst[0], xst[1], yp, yst[0], yst[1]);
    Py_END_ALLOW_THREADS
    if (st != MWK_OK) {
        if (st == MWK_E_PARAMS && p.times)
            return PyErr_Format(PyExc_ValueError,
                                "ewm: times must be finite and non-decreasing (and halflife > 0): %s",
                                mwk_status_str(st));
        if (st == MWK_E_TARGET && p.target)
            return PyErr_Format(PyExc_ValueError, "ewm: target=%R names no SIMD target this CPU supports",
                                target_obj);
        return mwk_py_raise_status("ewm", st);
    }
    Py_INCREF(out_obj);
    return out_obj;
}

const char mwk_py_ewm_doc[] =
    "ewm(stat, a, out, decay, value, adjust, ignore_na, min_periods, bias, times, algorithm, threads, target)\n"
    "--\n\n"
    "Internal: the exponentially weighted statistics on a 2-D array (see mwk.ewm_mean).";
