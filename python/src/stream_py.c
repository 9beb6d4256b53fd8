/* mwk._mwk._Stream: the C half of mwk.Stream (python/mwk/_stream.py).
 *
 * A thin owner of one mwk_stream (include/mwk_stream.h). Argument checking
 * and the spelling of every option live in Python, which validates them
 * through the same entry as move_<stat> (mwk._mwk.move, so that a bad
 * argument gets move_<stat>'s own message); this type receives resolved
 * values, owns the stream, turns pushes of NumPy arrays into
 * mwk_stream_push calls with the GIL released, and serialises the state.
 *
 * Output layout (fixed at creation, kept by Python around the state bytes):
 *   oned:   (n_out[, nq])       one row, 1-D pushes
 *   axis0:  (n_out, rows[, nq]) 2-D pushes of shape (n, rows): time on axis 0
 *   else:   (rows, n_out[, nq]) 2-D pushes of shape (rows, n)
 * [, nq]: the trailing axis of a sequence of quantiles (qseq). */
#include "py_common.h"

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL mwk_ARRAY_API
#include <numpy/arrayobject.h>

#include <limits.h>
#include <string.h>

#include "mwk_stream.h"

typedef struct {
    PyObject_HEAD
    mwk_stream *s;
    /* Set (with the GIL held) while a call runs without the GIL: a second
     * thread using the same stream meanwhile gets an error, not a race. */
    int busy;
    int oned, axis0, qseq;
} StreamObject;

static PyTypeObject StreamType;

static int get_info(StreamObject *self, mwk_stream_info *info) {
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    mwk_status st = mwk_stream_get_info(self->s, info);
    if (st != MWK_OK) {
        mwk_py_raise_status("Stream", st);
        return -1;
    }
    return 0;
}

static int check_usable(StreamObject *self, const char *what) {
    if (!self->s) {
        PyErr_Format(PyExc_ValueError, "Stream.%s: the stream has no state", what);
        return -1;
    }
    if (self->busy) {
        PyErr_Format(PyExc_RuntimeError,
                     "Stream.%s: the stream is in use by another thread (a stream is not shared between threads)",
                     what);
        return -1;
    }
    return 0;
}

/* The status of a failed push/finish/restore as a Python exception. */
static void raise_stream(const char *what, mwk_status st, size_t window, uint64_t n_in) {
    switch (st) {
    case MWK_E_STATE:
        PyErr_Format(PyExc_ValueError,
                     "Stream.%s: the stream is finished (or was broken by a failed allocation); "
                     "create a new one",
                     what);
        return;
    case MWK_E_WINDOW_TOO_LONG:
        PyErr_Format(PyExc_ValueError,
                     "Stream.%s: window (=%zu) is longer than the %llu values pushed in all (move_*'s rule; "
                     "pass long_window='clip' for clipped windows instead)",
                     what, window, (unsigned long long)n_in);
        return;
    default:
        mwk_py_raise_status(what, st);
    }
}

static int out_npy(mwk_dtype t) {
    switch (t) {
    case MWK_F64: return NPY_FLOAT64;
    case MWK_F32: return NPY_FLOAT32;
    default: return -1; /* every statistic gives float64 or float32 */
    }
}

/* Run a push (x != NULL) or finish (x == NULL): outputs into a new array
 * in the object's layout. */
static PyObject *run(StreamObject *self, PyArrayObject *x, const char *what) {
    mwk_stream_info info;
    if (get_info(self, &info) < 0) return NULL;
    const int ynpy = out_npy(info.out_dtype);
    if (ynpy < 0) return mwk_py_raise_status(what, MWK_E_INTERNAL);
    const size_t rows = info.rows, nq = info.n_out ? info.n_out : 1;
    size_t n = 0;
    ptrdiff_t xrs = 0, xs = 1;
    const void *xp = NULL;
    if (x) {
        ptrdiff_t s[2] = {0, 0};
        if (mwk_py_elem_strides((PyObject *)x, s) < 0) return mwk_py_raise_status(what, MWK_E_INTERNAL);
        if (self->oned) {
            n = (size_t)PyArray_DIM(x, 0);
            xs = s[0];
        } else if (self->axis0) {
            n = (size_t)PyArray_DIM(x, 0);
            xs = s[0];
            xrs = s[1];
        } else {
            n = (size_t)PyArray_DIM(x, 1);
            xrs = s[0];
            xs = s[1];
        }
        xp = PyArray_DATA(x);
    }
    size_t cap = 0;
    mwk_status st = mwk_stream_max_out(self->s, n, x == NULL, &cap);
    if (st != MWK_OK) {
        raise_stream(what, st, info.window, info.n_in);
        return NULL;
    }
    if (cap && rows > (size_t)NPY_MAX_INTP / cap / nq) return PyErr_NoMemory();
    npy_intp flat = (npy_intp)(rows * cap * nq);
    PyArrayObject *y = (PyArrayObject *)PyArray_SimpleNew(1, &flat, ynpy);
    if (!y) return NULL;
    /* Positions major (oned, axis0): a prefix of the buffer is the result.
     * Rows major: row r at r * cap * nq, compacted below. */
    const int pos_major = self->oned || self->axis0;
    const ptrdiff_t yrs = pos_major ? (ptrdiff_t)nq : (ptrdiff_t)(cap * nq);
    const ptrdiff_t ys = pos_major ? (ptrdiff_t)(rows * nq) : (ptrdiff_t)nq;
    void *yp = PyArray_DATA(y);
    size_t n_out = 0;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    if (x)
        st = mwk_stream_push(self->s, xp, n, xrs, xs, yp, cap, yrs, ys, 1, &n_out);
    else
        st = mwk_stream_finish(self->s, yp, cap, yrs, ys, 1, &n_out);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (st != MWK_OK) {
        Py_DECREF(y);
        raise_stream(what, st, info.window, info.n_in);
        return NULL;
    }
    if (n_out > cap) { /* the library promised otherwise */
        Py_DECREF(y);
        return mwk_py_raise_status(what, MWK_E_INTERNAL);
    }
    const size_t isz = (size_t)PyArray_ITEMSIZE(y);
    if (!pos_major && n_out < cap && rows > 1) {
        char *b = (char *)yp;
        for (size_t r = 1; r < rows; r++) memmove(b + r * n_out * nq * isz, b + r * cap * nq * isz, n_out * nq * isz);
    }
    npy_intp shape[3];
    int nd = 0;
    if (self->oned) {
        shape[nd++] = (npy_intp)n_out;
    } else if (self->axis0) {
        shape[nd++] = (npy_intp)n_out;
        shape[nd++] = (npy_intp)rows;
    } else {
        shape[nd++] = (npy_intp)rows;
        shape[nd++] = (npy_intp)n_out;
    }
    if (self->qseq) shape[nd++] = (npy_intp)nq;
    npy_intp total = (npy_intp)(rows * n_out * nq);
    if (total != flat) {
        PyArray_Dims d1 = {&total, 1};
        PyObject *r = PyArray_Resize(y, &d1, 0, NPY_CORDER);
        if (!r) {
            Py_DECREF(y);
            return NULL;
        }
        Py_DECREF(r);
    }
    PyArray_Dims dn = {shape, nd};
    PyObject *res = PyArray_Newshape(y, &dn, NPY_CORDER);
    Py_DECREF(y);
    return res;
}

static PyObject *Stream_push(StreamObject *self, PyObject *arg) {
    if (check_usable(self, "push") < 0) return NULL;
    if (!PyArray_Check(arg))
        return PyErr_Format(PyExc_TypeError, "Stream.push: expected a numpy.ndarray, got %.100s", Py_TYPE(arg)->tp_name);
    PyArrayObject *a = (PyArrayObject *)arg;
    mwk_stream_info info;
    if (get_info(self, &info) < 0) return NULL;
    mwk_dtype dt;
    if (mwk_py_array_dtype(arg, &dt) < 0 || dt != info.dtype)
        return PyErr_Format(PyExc_TypeError, "Stream.push: got dtype %S, but the stream's dtype is %s (fixed by its "
                            "creation or first push; convert first, e.g. a.astype(numpy.%s))",
                            (PyObject *)PyArray_DESCR(a), mwk_dtype_name(info.dtype), mwk_dtype_name(info.dtype));
    if (self->oned && PyArray_NDIM(a) != 1)
        return PyErr_Format(PyExc_ValueError, "Stream.push: this stream takes 1-D pushes (its first push was 1-D), got %d-D",
                            PyArray_NDIM(a));
    if (!self->oned && PyArray_NDIM(a) != 2)
        return PyErr_Format(PyExc_ValueError, "Stream.push: this stream takes 2-D pushes of %zu rows, got %d-D", info.rows,
                            PyArray_NDIM(a));
    if (!self->oned) {
        npy_intp r = PyArray_DIM(a, self->axis0 ? 1 : 0);
        if ((size_t)r != info.rows)
            return PyErr_Format(PyExc_ValueError, "Stream.push: the stream has %zu rows, the push has %zd (along axis %d)",
                                info.rows, (Py_ssize_t)r, self->axis0 ? 1 : 0);
    }
    ptrdiff_t s[2];
    PyArrayObject *x = a;
    Py_INCREF(x);
    if (mwk_py_elem_strides(arg, s) < 0) {
        /* byte-swapped or misaligned: the library cannot address it */
        Py_DECREF(x);
        x = (PyArrayObject *)PyArray_CastToType(a, PyArray_DescrNewByteorder(PyArray_DESCR(a), NPY_NATIVE), 0);
        if (!x) return NULL;
    }
    PyObject *r = run(self, x, "push");
    Py_DECREF(x);
    return r;
}

static PyObject *Stream_finish(StreamObject *self, PyObject *noargs) {
    (void)noargs;
    if (check_usable(self, "finish") < 0) return NULL;
    return run(self, NULL, "finish");
}

static PyObject *Stream_to_bytes(StreamObject *self, PyObject *noargs) {
    (void)noargs;
    if (check_usable(self, "to_bytes") < 0) return NULL;
    size_t size = 0;
    mwk_status st = mwk_stream_serialize(self->s, NULL, 0, &size);
    if (st != MWK_OK) return mwk_py_raise_status("Stream.to_bytes", st);
    if (size > (size_t)PY_SSIZE_T_MAX) return PyErr_NoMemory();
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (!b) return NULL;
    size_t got = 0;
    char *p = PyBytes_AS_STRING(b);
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    st = mwk_stream_serialize(self->s, p, size, &got);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (st != MWK_OK || got != size) {
        Py_DECREF(b);
        return mwk_py_raise_status("Stream.to_bytes", st != MWK_OK ? st : MWK_E_INTERNAL);
    }
    return b;
}

static PyObject *Stream_info(StreamObject *self, PyObject *noargs) {
    (void)noargs;
    if (check_usable(self, "info") < 0) return NULL;
    mwk_stream_info i;
    if (get_info(self, &i) < 0) return NULL;
    return Py_BuildValue("{s:s,s:s,s:s,s:s,s:s,s:n,s:n,s:n,s:K,s:K,s:n,s:O,s:O,s:O,s:O}", "stat", mwk_stat_name(i.stat),
                         "algorithm", mwk_algorithm_name(i.algorithm), "target", i.target ? i.target : "?", "dtype",
                         mwk_dtype_name(i.dtype), "out_dtype", mwk_dtype_name(i.out_dtype), "rows", (Py_ssize_t)i.rows,
                         "window", (Py_ssize_t)i.window, "n_out", (Py_ssize_t)i.n_out, "n_in",
                         (unsigned long long)i.n_in, "n_emitted", (unsigned long long)i.n_emitted, "max_held",
                         (Py_ssize_t)i.max_held, "finished", i.finished ? Py_True : Py_False, "oned",
                         self->oned ? Py_True : Py_False, "axis0", self->axis0 ? Py_True : Py_False, "qseq",
                         self->qseq ? Py_True : Py_False);
}

static StreamObject *wrap(mwk_stream *s, int oned, int axis0, int qseq) {
    StreamObject *o = PyObject_New(StreamObject, &StreamType);
    if (!o) {
        mwk_stream_free(s);
        return NULL;
    }
    o->s = s;
    o->busy = 0;
    o->oned = oned;
    o->axis0 = axis0;
    o->qseq = qseq;
    return o;
}

/* _Stream._restore(blob, threads, oned, axis0, qseq) */
static PyObject *Stream_restore(PyObject *cls, PyObject *args) {
    (void)cls;
    Py_buffer buf;
    int threads, oned, axis0, qseq;
    if (!PyArg_ParseTuple(args, "y*ippp:_restore", &buf, &threads, &oned, &axis0, &qseq)) return NULL;
    mwk_stream *s = NULL;
    mwk_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mwk_stream_restore(buf.buf, (size_t)buf.len, threads, &s);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    if (st == MWK_E_STATE)
        return PyErr_Format(PyExc_ValueError, "Stream.from_bytes: not a valid mwk stream state (truncated, corrupt, "
                            "or from another format version or byte order)");
    if (st == MWK_E_TARGET)
        return PyErr_Format(PyExc_ValueError, "Stream.from_bytes: the state was saved on a SIMD target this CPU "
                            "does not support (see mwk.runtime_info()['supported_targets'])");
    if (st != MWK_OK) return mwk_py_raise_status("Stream.from_bytes", st);
    mwk_stream_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (mwk_stream_get_info(s, &info) != MWK_OK || (oned && info.rows != 1) || (qseq && info.n_out < 1)) {
        mwk_stream_free(s);
        return PyErr_Format(PyExc_ValueError, "Stream.from_bytes: the state does not match its layout header");
    }
    return (PyObject *)wrap(s, oned, axis0, qseq);
}

/* _Stream(stat, window, rows, dtype_probe, align, algorithm, nan_policy,
 *         min_count, long_window, threads, target, ddof, quantile,
 *         quantiles, interpolation, weights, min_weight, oned, axis0, qseq):
 * every value already checked and resolved by mwk/_stream.py. */
static PyObject *Stream_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    (void)type;
    static char *kw[] = {"stat", "window", "rows", "dtype_probe", "align", "algorithm", "nan_policy", "min_count",
                         "long_window", "threads", "target", "ddof", "quantile", "quantiles", "interpolation",
                         "weights", "min_weight", "oned", "axis0", "qseq", NULL};
    int stat, align, nan_policy, long_window, threads, ddof, interp, oned, axis0, qseq;
    Py_ssize_t window, rows, min_count;
    PyObject *probe, *target_obj, *q_obj, *w_obj;
    const char *algo;
    double quantile, min_weight;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "innOisinii" "OidOiOdppp:_Stream", kw, &stat, &window, &rows, &probe,
                                     &align, &algo, &nan_policy, &min_count, &long_window, &threads, &target_obj, &ddof,
                                     &quantile, &q_obj, &interp, &w_obj, &min_weight, &oned, &axis0, &qseq))
        return NULL;
    if (!PyArray_Check(probe)) return PyErr_Format(PyExc_TypeError, "_Stream: dtype_probe must be an ndarray");
    if (window < 1 || rows < 1 || min_count < 0)
        return PyErr_Format(PyExc_ValueError, "_Stream: window and rows must be >= 1");
    mwk_dtype dt;
    if (mwk_py_array_dtype(probe, &dt) < 0)
        return PyErr_Format(PyExc_TypeError, "Stream does not support dtype %S",
                            (PyObject *)PyArray_DESCR((PyArrayObject *)probe));
    mwk_options opt;
    mwk_options_init(&opt);
    opt.align = (mwk_align)align;
    opt.nan_policy = (mwk_nan_policy)nan_policy;
    opt.long_window = (mwk_long_window)long_window;
    if (min_count > 0) opt.min_count = (size_t)min_count;
    opt.threads = threads;
    if (mwk_algorithm_from_name(algo, &opt.algorithm) != MWK_OK)
        return PyErr_Format(PyExc_ValueError, "_Stream: unknown algorithm %s", algo);
    if (target_obj != Py_None) {
        if (!PyUnicode_Check(target_obj)) return PyErr_Format(PyExc_TypeError, "target must be None or a str");
        opt.target = PyUnicode_AsUTF8(target_obj); /* lives as long as args */
        if (!opt.target) return NULL;
    }
    mwk_params params;
    mwk_params_init(&params);
    params.ddof = ddof;
    params.quantile = quantile;
    params.interpolation = (mwk_interpolation)interp;
    params.min_weight = min_weight;
    PyArrayObject *qa = NULL, *wa = NULL;
    if (q_obj != Py_None) {
        qa = (PyArrayObject *)PyArray_FROM_OTF(q_obj, NPY_FLOAT64, NPY_ARRAY_IN_ARRAY);
        if (!qa) return NULL;
        params.quantiles = (const double *)PyArray_DATA(qa);
        params.n_quantiles = (size_t)PyArray_SIZE(qa);
    }
    if (w_obj != Py_None) {
        wa = (PyArrayObject *)PyArray_FROM_OTF(w_obj, NPY_FLOAT64, NPY_ARRAY_IN_ARRAY);
        if (!wa) {
            Py_XDECREF(qa);
            return NULL;
        }
        params.weights = (const double *)PyArray_DATA(wa);
        params.n_weights = (size_t)PyArray_SIZE(wa);
    }
    mwk_stream *s = NULL;
    mwk_status st = mwk_stream_create((mwk_stat)stat, &params, dt, (size_t)rows, (size_t)window, &opt, &s);
    Py_XDECREF(qa); /* the stream copied them */
    Py_XDECREF(wa);
    if (st != MWK_OK) {
        if (st == MWK_E_TARGET && opt.target)
            return PyErr_Format(PyExc_ValueError, "Stream: target=%R names no SIMD target this CPU supports (see "
                                "mwk.runtime_info()['supported_targets'])", target_obj);
        return mwk_py_raise_status("Stream", st);
    }
    return (PyObject *)wrap(s, oned, axis0, qseq);
}

static void Stream_dealloc(StreamObject *self) {
    mwk_stream_free(self->s);
    PyObject_Free(self);
}

static PyMethodDef stream_methods[] = {
    {"push", (PyCFunction)Stream_push, METH_O, "push(x): the outputs that became final (GIL released)."},
    {"finish", (PyCFunction)Stream_finish, METH_NOARGS, "finish(): the remaining outputs."},
    {"to_bytes", (PyCFunction)Stream_to_bytes, METH_NOARGS, "to_bytes(): mwk_stream_serialize's bytes."},
    {"info", (PyCFunction)Stream_info, METH_NOARGS, "info(): mwk_stream_get_info as a dict."},
    {"_restore", (PyCFunction)Stream_restore, METH_VARARGS | METH_CLASS,
     "_restore(blob, threads, oned, axis0, qseq): a stream from mwk_stream_serialize's bytes."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject StreamType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mwk._mwk._Stream",
    .tp_basicsize = sizeof(StreamObject),
    .tp_dealloc = (destructor)Stream_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The C half of mwk.Stream (one mwk_stream); use mwk.Stream.",
    .tp_methods = stream_methods,
    .tp_new = Stream_new,
};

int mwk_py_stream_register(PyObject *module) {
    if (PyType_Ready(&StreamType) < 0) return -1;
    Py_INCREF(&StreamType);
    if (PyModule_AddObject(module, "_Stream", (PyObject *)&StreamType) < 0) {
        Py_DECREF(&StreamType);
        return -1;
    }
    return 0;
}
