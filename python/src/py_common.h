#ifndef MWK_PY_COMMON_H
#define MWK_PY_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mwk.h"

/* Raise the Python exception for a failed mwk call: MemoryError for
 * MWK_E_NOMEM, ValueError with mwk_status_str's sentence otherwise. */
PyObject *mwk_py_raise_status(const char *func, mwk_status st);
/* The mwk dtype of NumPy array `a` (by kind and item size, move_py.c's
 * table): 0, or -1 when mwk has no such dtype. */
int mwk_py_array_dtype(PyObject *a, mwk_dtype *out);
/* a's strides in elements, one per dimension: 0, or -1 when the array cannot
 * be read in place (byte-swapped, misaligned, or a stride not a multiple of
 * the item size). */
int mwk_py_elem_strides(PyObject *a, ptrdiff_t *s);

/* move_py.c: the generic NumPy entry and the registry it reads. */
PyObject *mwk_py_move(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
extern const char mwk_py_move_doc[];
PyObject *mwk_py_window_taps(PyObject *self, PyObject *args);
extern const char mwk_py_window_taps_doc[];
PyObject *mwk_py_statistics(PyObject *self, PyObject *noargs);
extern const char mwk_py_statistics_doc[];
PyObject *mwk_py_options(PyObject *self, PyObject *noargs);
extern const char mwk_py_options_doc[];
PyObject *mwk_py_hampel(PyObject *self, PyObject *args, PyObject *kwargs);
extern const char mwk_py_hampel_doc[];

#endif
