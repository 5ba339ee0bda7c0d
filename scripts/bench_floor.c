/* Benchmark only (scripts/bench.py, mode "floor"): the interpreter's hooks with nothing done in them, to show
 * how much of a recorded run's ratio is the cost of being called per event at all. Like the recorder's
 * justMyCode, line events are taken only from code under a folder (the workload's): under settrace (CPython
 * <= 3.11) a C trace function that turns line events off for other frames and reads each line event's line
 * number, as the recorder's does; under sys.monitoring (>= 3.12) C callbacks that return DISABLE for other
 * code where the event can be disabled (local events) and None otherwise. Never shipped, never used by the
 * recorder. */
#include <Python.h>
#include <frameobject.h>

static PyObject *folder;  /* str: code whose co_filename starts with it gets line events */
static PyObject *disable; /* sys.monitoring.DISABLE */

static int user_code(PyCodeObject *code)
{
    return PyUnicode_Tailmatch(code->co_filename, folder, 0, PY_SSIZE_T_MAX, -1) == 1;
}

static int trace(PyObject *self, PyFrameObject *frame, int what, PyObject *arg)
{
    if (what == PyTrace_CALL) {
        PyCodeObject *code = PyFrame_GetCode(frame);
        if (!user_code(code) && PyObject_SetAttrString((PyObject *)frame, "f_trace_lines", Py_False) < 0)
            PyErr_Clear();
        Py_DECREF(code);
    } else if (what == PyTrace_LINE) {
        (void)PyFrame_GetLineNumber(frame);
    }
    return 0;
}

static PyObject *local_callback(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 0 && PyCode_Check(args[0]) && !user_code((PyCodeObject *)args[0]))
        return Py_NewRef(disable);
    Py_RETURN_NONE;
}

static PyObject *global_callback(PyObject *self, PyObject *const *args, Py_ssize_t nargs) { Py_RETURN_NONE; }

static PyMethodDef LOCAL_DEF = {"local", (PyCFunction)(void (*)(void))local_callback, METH_FASTCALL, NULL};
static PyMethodDef GLOBAL_DEF = {"global", (PyCFunction)(void (*)(void))global_callback, METH_FASTCALL, NULL};

static void keep(PyObject **slot, PyObject *value) { Py_XSETREF(*slot, Py_NewRef(value)); }

static PyObject *settrace(PyObject *self, PyObject *args)
{
    PyObject *prefix;
    if (!PyArg_ParseTuple(args, "U", &prefix))
        return NULL;
    keep(&folder, prefix);
    PyEval_SetTrace(trace, NULL);
    Py_RETURN_NONE;
}

/* monitoring_callback(folder, DISABLE, local): the callback for a local event (it may disable itself) or not */
static PyObject *monitoring_callback(PyObject *self, PyObject *args)
{
    PyObject *prefix, *disable_value;
    int local;
    if (!PyArg_ParseTuple(args, "UOp", &prefix, &disable_value, &local))
        return NULL;
    keep(&folder, prefix);
    keep(&disable, disable_value);
    return PyCFunction_New(local ? &LOCAL_DEF : &GLOBAL_DEF, NULL);
}

static PyMethodDef METHODS[] = {
    {"settrace", settrace, METH_VARARGS, NULL},
    {"monitoring_callback", monitoring_callback, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "wcf_bench_floor", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit_wcf_bench_floor(void) { return PyModule_Create(&MODULE); }
