/* Benchmark only (scripts/bench.py, mode "floor"): the interpreter's hooks with nothing done in them, to show
 * how much of a recorded run's ratio is the cost of being called per event at all. Under settrace (CPython
 * <= 3.11) a C trace function that reads each line event's line number, as the recorder's does; under
 * sys.monitoring (>= 3.12) C callbacks that return None. Never shipped, never used by the recorder. */
#include <Python.h>
#include <frameobject.h>

static long long events;

static int trace(PyObject *self, PyFrameObject *frame, int what, PyObject *arg)
{
    events++;
    if (what == PyTrace_LINE)
        (void)PyFrame_GetLineNumber(frame);
    return 0;
}

static PyObject *callback(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    events++;
    Py_RETURN_NONE;
}

static PyMethodDef CALLBACK_DEF = {"callback", (PyCFunction)(void (*)(void))callback, METH_FASTCALL, NULL};

static PyObject *settrace(PyObject *self, PyObject *unused)
{
    PyEval_SetTrace(trace, NULL);
    Py_RETURN_NONE;
}

static PyObject *monitoring_callback(PyObject *self, PyObject *unused)
{
    return PyCFunction_New(&CALLBACK_DEF, NULL);
}

static PyObject *count(PyObject *self, PyObject *unused) { return PyLong_FromLongLong(events); }

static PyMethodDef METHODS[] = {
    {"settrace", settrace, METH_NOARGS, NULL},
    {"monitoring_callback", monitoring_callback, METH_NOARGS, NULL},
    {"count", count, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "wcf_bench_floor", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit_wcf_bench_floor(void) { return PyModule_Create(&MODULE); }
