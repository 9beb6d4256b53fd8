/* mwk._mwk.fir_bank: the NumPy entry of the FIR filter bank.
 *
 * fir_bank(a, taps, out, align, min_count, min_weight, nan_policy, algorithm,
 *          threads, target) -> out
 *
 * a is a 2-D array (rows, n) of a supported dtype, any strides; taps a
 * C-contiguous float64 array (K, W); out a 3-D writable array (rows, n_out,
 * K) of the output dtype, any strides. mwk/_firbank.py does the axis, the
 * names and the out= rules; this file calls only the public C API
 * (mwk_fir_bank_batch) with the GIL released. */
#include "py_common.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <string.h>

PyObject *mwk_py_fir_bank(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a_obj, *taps_obj, *out_obj, *target_obj;
    int align, nan_policy, algorithm, threads;
    Py_ssize_t min_count;
    double min_weight;
    if (!PyArg_ParseTuple(args, "OOOindiiiO", &a_obj, &taps_obj, &out_obj, &align, &min_count,
                          &min_weight, &nan_policy, &algorithm, &threads, &target_obj))
        return NULL;
    if (!PyArray_Check(a_obj) || PyArray_NDIM((PyArrayObject *)a_obj) != 2 ||
        !PyArray_Check(taps_obj) || PyArray_NDIM((PyArrayObject *)taps_obj) != 2 ||
        !PyArray_Check(out_obj) || PyArray_NDIM((PyArrayObject *)out_obj) != 3)
        return PyErr_Format(PyExc_TypeError, "fir_bank: a, taps, out must be 2-D, 2-D, 3-D arrays");
    PyArrayObject *a = (PyArrayObject *)a_obj, *t = (PyArrayObject *)taps_obj, *y = (PyArrayObject *)out_obj;
    if (PyArray_TYPE(t) != NPY_FLOAT64 || !PyArray_ISCARRAY_RO(t))
        return PyErr_Format(PyExc_TypeError, "fir_bank: taps must be C-contiguous float64");
    mwk_dtype xdt, ydt;
    if (mwk_py_array_dtype((PyObject *)a, &xdt) < 0 || mwk_py_array_dtype((PyObject *)y, &ydt) < 0)
        return PyErr_Format(PyExc_TypeError, "fir_bank: unsupported dtype");
    mwk_dtype want = (xdt == MWK_F32 || xdt == MWK_F16) ? MWK_F32 : MWK_F64;
    if (ydt != want) return PyErr_Format(PyExc_TypeError, "fir_bank: out must have dtype %s", mwk_dtype_name(want));
    const size_t rows = (size_t)PyArray_DIM(a, 0), n = (size_t)PyArray_DIM(a, 1);
    const size_t K = (size_t)PyArray_DIM(t, 0), W = (size_t)PyArray_DIM(t, 1);
    if ((size_t)PyArray_DIM(y, 0) != rows || (size_t)PyArray_DIM(y, 2) != K)
        return PyErr_Format(PyExc_ValueError, "fir_bank: out must have shape (rows, n_out, K)");
    if (PyArray_FailUnlessWriteable(y, "out") < 0) return NULL;
    ptrdiff_t xs[2], ys[3];
    if (mwk_py_elem_strides((PyObject *)a, xs) < 0 || mwk_py_elem_strides((PyObject *)y, ys) < 0)
        return PyErr_Format(PyExc_ValueError, "fir_bank: arrays must be aligned, native byte order, whole-element strides");
    if (min_count < 0) return PyErr_Format(PyExc_ValueError, "min_count must be >= 1");
    if (threads < 0) return PyErr_Format(PyExc_ValueError, "threads must be None or a positive integer");
    mwk_options o;
    mwk_options_init(&o);
    o.align = (mwk_align)align;
    o.min_count = min_count == 0 ? MWK_MIN_COUNT_WINDOW : (size_t)min_count;
    o.nan_policy = (mwk_nan_policy)nan_policy;
    o.algorithm = (mwk_algorithm)algorithm;
    o.threads = threads;
    if (target_obj != Py_None) {
        if (!PyUnicode_Check(target_obj)) return PyErr_Format(PyExc_TypeError, "target must be None or a str");
        o.target = PyUnicode_AsUTF8(target_obj);
        if (!o.target) return NULL;
    }
    /* The output length is checked by the library against the alignment. */
    size_t n_out = 0;
    mwk_status st = mwk_move_len(n, W ? W : 1, &o, &n_out);
    if (st == MWK_OK && n_out != (size_t)PyArray_DIM(y, 1))
        return PyErr_Format(PyExc_ValueError, "fir_bank: out must have %zu positions", n_out);
    const double *tp = (const double *)PyArray_DATA(t);
    const void *xp = PyArray_DATA(a);
    void *yp = PyArray_DATA(y);
    Py_BEGIN_ALLOW_THREADS
    st = mwk_fir_bank_batch(tp, K, W, min_weight, xp, xdt, rows, n, xs[0], xs[1], yp, ys[0], ys[1],
                            ys[2], &o);
    Py_END_ALLOW_THREADS
    if (st != MWK_OK) {
        if (st == MWK_E_PARAMS)
            return PyErr_Format(PyExc_ValueError,
                                "move_fir_bank: taps must be finite, with a finite sum of |taps| per "
                                "filter, and min_weight in [0, 1]");
        if (st == MWK_E_UNAVAILABLE)
            return PyErr_Format(PyExc_ValueError,
                                "move_fir_bank: algorithm not compiled into this build (fft needs "
                                "FFTW, gemm a BLAS): %s", mwk_status_str(st));
        return mwk_py_raise_status("move_fir_bank", st);
    }
    Py_INCREF(out_obj);
    return out_obj;
}

const char mwk_py_fir_bank_doc[] =
    "fir_bank(a, taps, out, align, min_count, min_weight, nan_policy, algorithm, threads, target)\n"
    "--\n\n"
    "Internal: a bank of FIR filters on a 2-D array (see mwk.move_fir_bank).";
