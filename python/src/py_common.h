#ifndef MWK_PY_COMMON_H
#define MWK_PY_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mwk.h"

/* Raise the Python exception for a failed mwk call: MemoryError for
 * MWK_E_NOMEM, ValueError with mwk_status_str's sentence otherwise. */
PyObject *mwk_py_raise_status(const char *func, mwk_status st);

PyObject *mwk_py_move_mean(PyObject *self, PyObject *args, PyObject *kwds);
extern const char mwk_py_move_mean_doc[];

#endif
