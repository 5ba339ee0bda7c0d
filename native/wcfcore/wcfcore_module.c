/* The extension module watercodeflow._wcfcore: the Core type the Python side (recorder_c.py) drives, and
 * the core lock. Exposes only what recorder_c.py needs; the recording logic lives in wcf_events.c,
 * wcf_scopes.c and wcf_values.c. */
#include "wcf_core.h"

#include "pythread.h"
#include <sched.h>

/* -- the core lock ------------------------------------------------------------------------------------- *
 * Every event runs under it, and so does the Python side's bookkeeping (output, watch, flush, finalize).
 * Its state is only touched with the GIL held, so a plain flag suffices; a thread that finds it taken by
 * another (which is then inside a Python call-out, having let go of the GIL) yields the GIL until it is free.
 * The same thread may take it again (the Python side holds it around calls into the core). */

void wcf_lock(Core *c, PyThreadState *ts)
{
    void *me = ts; /* a live thread's state identifies it (cheaper than asking for the thread ident) */
    if (c->busy && c->owner == me) {
        c->lock_depth++;
        return;
    }
    while (c->busy) {
        Py_BEGIN_ALLOW_THREADS
        sched_yield();
        Py_END_ALLOW_THREADS
    }
    c->busy = 1;
    c->owner = me;
    c->lock_depth = 1;
}

void wcf_unlock(Core *c)
{
    if (c->busy && --c->lock_depth == 0) {
        c->busy = 0;
        c->owner = NULL;
    }
}

/* -- the type ------------------------------------------------------------------------------------------ */

static const char *const HELPER_NAMES[H_COUNT] = {
    "type_name", "classify", "slot_names", "opaque_display", "safe_display", "ndarray_display",
    "ndarray_state", "tensor_display", "tensor_state", "exception_message", "traceback_text", "thread_name",
    "line_stores", "line_effects",
};

static int take_row_list(PyObject *rows, const char *name, PyObject **out)
{
    PyObject *list = PyDict_GetItemString(rows, name);
    if (list == NULL || !PyList_Check(list)) {
        PyErr_Format(PyExc_ValueError, "writer rows lack a list for %s", name);
        return -1;
    }
    *out = Py_NewRef(list);
    return 0;
}

static int core_init(Core *c, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"is_recorded", "helpers", "rows", "on_flush", "uninstall", "mode_lite",
                               "max_repr", "max_items", "max_depth", "opcode_table", "yield_from", NULL};
    PyObject *is_recorded, *helpers, *rows, *on_flush, *uninstall;
    int lite, max_repr, max_items, max_depth, yield_from;
    Py_buffer opcodes;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO!OOpiiiy*i", keywords, &is_recorded, &helpers,
                                     &PyDict_Type, &rows, &on_flush, &uninstall, &lite, &max_repr, &max_items,
                                     &max_depth, &opcodes, &yield_from))
        return -1;
    if (c->rows != NULL) {
        PyBuffer_Release(&opcodes);
        PyErr_SetString(PyExc_RuntimeError, "a Core is initialised once");
        return -1;
    }
    if (opcodes.len != 256 || max_repr < 1 || max_items < 1 || max_depth < 0) {
        PyBuffer_Release(&opcodes);
        PyErr_SetString(PyExc_ValueError, "bad limits or opcode table");
        return -1;
    }
    memcpy(c->opcode_class, opcodes.buf, 256);
    PyBuffer_Release(&opcodes);
    c->yield_from = yield_from;
    c->is_recorded = Py_NewRef(is_recorded);
    c->helpers = Py_NewRef(helpers);
    c->rows = Py_NewRef(rows);
    c->on_flush = Py_NewRef(on_flush);
    c->uninstall = Py_NewRef(uninstall);
    c->scan_lines = !lite;
    c->max_repr = max_repr;
    c->max_items = max_items;
    c->max_depth = max_depth;
    c->sticky_level_limit = max_depth + 16;
    wcf_clock_init(c);
    if (take_row_list(rows, "watches", &c->watch_rows) < 0 || take_row_list(rows, "names", &c->name_rows) < 0 ||
        take_row_list(rows, "types", &c->type_rows) < 0 || take_row_list(rows, "threads", &c->thread_rows) < 0 ||
        take_row_list(rows, "code", &c->code_rows) < 0 || take_row_list(rows, "files", &c->file_rows) < 0 ||
        take_row_list(rows, "exceptions", &c->exception_rows) < 0 ||
        take_row_list(rows, "notices", &c->notice_rows) < 0)
        return -1;
    for (int h = 0; h < H_COUNT; h++) {
        c->h[h] = PyObject_GetAttrString(helpers, HELPER_NAMES[h]);
        if (c->h[h] == NULL)
            return -1;
    }
    PyObject *collections = PyImport_ImportModule("collections");
    if (collections == NULL)
        return -1;
    c->deque_type = PyObject_GetAttrString(collections, "deque");
    Py_DECREF(collections);
    if (c->deque_type == NULL || !PyType_Check(c->deque_type))
        return -1;
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL)
        return -1;
    PyObject *monitoring = PyObject_GetAttrString(sys, "monitoring");
    Py_DECREF(sys);
    if (monitoring != NULL) {
        c->monitoring_disable = PyObject_GetAttrString(monitoring, "DISABLE");
        Py_DECREF(monitoring);
    }
    if (c->monitoring_disable == NULL) {
        PyErr_Clear();
        c->monitoring_disable = Py_NewRef(Py_None);
    }
    c->name_ids = PyDict_New();
    c->file_ids = PyDict_New();
    c->type_ids = PyDict_New();
    if (c->name_ids == NULL || c->file_ids == NULL || c->type_ids == NULL)
        return -1;
    if (wcf_ptrmap_init(&c->codes, 256) < 0 || wcf_ptrmap_init(&c->types, 64) < 0 ||
        wcf_ptrmap_init(&c->live, 64) < 0 || wcf_ptrmap_init(&c->suspended, 16) < 0 ||
        wcf_ptrmap_init(&c->globals_scopes, 16) < 0 || wcf_ptrmap_init(&c->threads, 8) < 0 ||
        wcf_ptrmap_init(&c->tracked, 1024) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    c->scratch_levels = c->sticky_level_limit + 3;
    size_t levels = (size_t)c->scratch_levels;
    c->scratch_raw = calloc(levels * (size_t)(2 * max_items + 2), sizeof(PyObject *));
    c->scratch_ids = calloc(levels * (size_t)(max_items + 1), sizeof(int64_t));
    c->scratch_keys = calloc(levels * (size_t)(max_items + 1), sizeof(PyObject *));
    c->scratch_entries = calloc(levels * (size_t)(max_items + 1), sizeof(Tracked *));
    if (c->scratch_raw == NULL || c->scratch_ids == NULL || c->scratch_keys == NULL || c->scratch_entries == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    c->main_ident = PyThread_get_thread_ident();
    c->step = -1;
    c->flush_every = 4096;
    c->sweep_threshold = 4096;
    c->next_frame = c->next_scope = c->next_thread = c->next_code = c->next_file = c->next_name = 1;
    c->next_type = c->next_value = c->next_object = 1;
    c->active = 1;
    c->t_int = wcf_type_info(c, &PyLong_Type);
    c->t_float = wcf_type_info(c, &PyFloat_Type);
    c->t_str = wcf_type_info(c, &PyUnicode_Type);
    c->t_bytes = wcf_type_info(c, &PyBytes_Type);
    c->t_bool = wcf_type_info(c, &PyBool_Type);
    c->t_none = wcf_type_info(c, Py_TYPE(Py_None));
    c->t_complex = wcf_type_info(c, &PyComplex_Type);
    if (!c->t_int || !c->t_float || !c->t_str || !c->t_bytes || !c->t_bool || !c->t_none || !c->t_complex) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void core_clear_refs(Core *c)
{
    Py_CLEAR(c->is_recorded);
    Py_CLEAR(c->helpers);
    Py_CLEAR(c->rows);
    Py_CLEAR(c->on_flush);
    Py_CLEAR(c->uninstall);
    Py_CLEAR(c->on_fork_resume);
    Py_CLEAR(c->buffer_track);
    Py_CLEAR(c->buffer_collect);
    Py_CLEAR(c->buffer_release);
    Py_CLEAR(c->watch_rows);
    Py_CLEAR(c->name_rows);
    Py_CLEAR(c->type_rows);
    Py_CLEAR(c->thread_rows);
    Py_CLEAR(c->code_rows);
    Py_CLEAR(c->file_rows);
    Py_CLEAR(c->exception_rows);
    Py_CLEAR(c->notice_rows);
    Py_CLEAR(c->deque_type);
    Py_CLEAR(c->monitoring_disable);
    Py_CLEAR(c->set_local_events);
    Py_CLEAR(c->line_tool);
    Py_CLEAR(c->line_events);
    for (int h = 0; h < H_COUNT; h++)
        Py_CLEAR(c->h[h]);
    Py_CLEAR(c->name_ids);
    Py_CLEAR(c->file_ids);
    Py_CLEAR(c->type_ids);
}

static void core_dealloc(Core *c)
{
    wcf_release_all(c);
    core_clear_refs(c);
    wcf_chunks_free(&c->out);
    wcf_buf_free(&c->json);
    free(c->scratch_raw);
    free(c->scratch_ids);
    free(c->scratch_keys);
    free(c->scratch_entries);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

/* -- methods ------------------------------------------------------------------------------------------- */

static PyObject *core_settrace_install(Core *c, PyObject *unused)
{
    (void)unused;
    wcf_clock_tick(c); /* events may have been missed while no trace function was set */
    PyEval_SetTrace(wcf_trace_function, (PyObject *)c);
    Py_RETURN_NONE;
}

static PyObject *core_settrace_remove(Core *c, PyObject *unused)
{
    (void)c;
    (void)unused;
    PyEval_SetTrace(NULL, NULL);
    Py_RETURN_NONE;
}

/* threading.settrace() hook: a new thread's first trace call switches it to the C trace function and hands
 * that first "call" event over to it. */
static PyObject *core_thread_bootstrap(Core *c, PyObject *args)
{
    PyObject *frame, *event, *arg;
    if (!PyArg_ParseTuple(args, "OOO", &frame, &event, &arg))
        return NULL;
    if (!c->active || !PyFrame_Check(frame))
        Py_RETURN_NONE;
    wcf_clock_tick(c);
    PyEval_SetTrace(wcf_trace_function, (PyObject *)c);
    if (PyUnicode_Check(event) && PyUnicode_CompareWithASCIIString(event, "call") == 0)
        wcf_trace_function((PyObject *)c, (PyFrameObject *)frame, PyTrace_CALL, Py_None);
    Py_RETURN_NONE;
}

/* The core called as a Python trace function: sys.gettrace() returns the core while its C trace function is set,
 * so a program that saves it, turns tracing off and restores it (sys.settrace(saved)) hands it to the
 * interpreter's Python-level trampoline, which calls it at the next call event. It takes the thread back to the
 * C trace function and handles that event; without this the interpreter would raise "not callable" into the
 * program. After the recording it only removes itself. */
static PyObject *core_call(Core *c, PyObject *args, PyObject *kwargs)
{
    PyObject *frame, *event, *arg;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "the recorder's trace function takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOO", &frame, &event, &arg))
        return NULL;
    if (!c->active || c->monitoring || !PyFrame_Check(frame)) {
        PyEval_SetTrace(NULL, NULL);
        Py_RETURN_NONE;
    }
    PyThreadState *ts = PyThreadState_Get();
    PyEval_SetTrace(wcf_trace_function, (PyObject *)c);
    if (c->paused || (c->nuntraced && wcf_untraced_thread(c, ts)))
        Py_RETURN_NONE;
    wcf_lock(c, ts);
    wcf_after_trace_gap(c, (PyFrameObject *)frame);
    if (wcf_error_pending(c))
        wcf_internal_error(c, "taking the trace back");
    wcf_unlock(c);
    if (PyUnicode_Check(event) && PyUnicode_CompareWithASCIIString(event, "call") == 0)
        wcf_trace_function((PyObject *)c, (PyFrameObject *)frame, PyTrace_CALL, Py_None);
    Py_RETURN_NONE;
}

static PyObject *core_lost_in_current_thread(Core *c, PyObject *unused)
{
    (void)unused;
    PyThreadState *ts = PyThreadState_Get();
    return PyBool_FromLong(c->active && !c->monitoring &&
                           (ts->c_tracefunc != wcf_trace_function || ts->c_traceobj != (PyObject *)c));
}

static PyObject *core_monitoring_callbacks(Core *c, PyObject *unused)
{
    (void)unused;
    c->monitoring = 1;
    c->clock_on = c->clock_wanted; /* judged by these callbacks (wcf_clock.c) */
    return wcf_monitoring_callbacks(c);
}

/* line_events_per_code(set_local_events, tool_id, mask): from now on each recorded code object gets its
 * LINE and JUMP events as local events (wcf_code_lines); line_events_per_code(None): turn them off on every
 * code object that got them, and stop. That runs as the recording stops, in the program's thread: a code
 * object that cannot be reset keeps its events (no callback is registered for them any more) and nothing is
 * raised. */
static PyObject *core_line_events_per_code(Core *c, PyObject *args)
{
    PyObject *setter, *tool = NULL, *mask = NULL;
    if (!PyArg_ParseTuple(args, "O|OO", &setter, &tool, &mask))
        return NULL;
    if (setter != Py_None) {
        if (tool == NULL || mask == NULL || !PyCallable_Check(setter)) {
            PyErr_SetString(PyExc_TypeError, "line_events_per_code(set_local_events, tool_id, mask)");
            return NULL;
        }
        Py_XSETREF(c->set_local_events, Py_NewRef(setter));
        Py_XSETREF(c->line_tool, Py_NewRef(tool));
        Py_XSETREF(c->line_events, Py_NewRef(mask));
        Py_RETURN_NONE;
    }
    if (c->set_local_events == NULL)
        Py_RETURN_NONE;
    PyObject *no_events = PyLong_FromLong(0);
    for (size_t i = 0; no_events != NULL && i <= c->codes.mask; i++) {
        if (!wcf_ptrmap_live(&c->codes.slots[i]))
            continue;
        CodeInfo *ci = c->codes.slots[i].value;
        if (!ci->lines_on)
            continue;
        ci->lines_on = 0;
        PyObject *call_args[3] = {c->line_tool, ci->code, no_events};
        PyObject *done = PyObject_Vectorcall(c->set_local_events, call_args, 3, NULL);
        if (done == NULL)
            wcf_clear_error();
        Py_XDECREF(done);
    }
    if (no_events == NULL)
        wcf_clear_error();
    Py_XDECREF(no_events);
    Py_CLEAR(c->set_local_events);
    Py_CLEAR(c->line_tool);
    Py_CLEAR(c->line_events);
    Py_RETURN_NONE;
}

static PyObject *core_cut(Core *c, PyObject *unused)
{
    (void)unused;
    if (c->out.failed) {
        wcf_chunks_clear(&c->out);
        PyErr_SetString(PyExc_MemoryError, "the recorder ran out of memory; buffered rows were lost");
        return NULL;
    }
    return wcf_chunks_cut(&c->out);
}

static PyObject *core_acquire(Core *c, PyObject *unused)
{
    (void)unused;
    wcf_lock(c, PyThreadState_Get());
    Py_RETURN_NONE;
}

static PyObject *core_release(Core *c, PyObject *unused)
{
    (void)unused;
    wcf_unlock(c);
    Py_RETURN_NONE;
}

static PyObject *core_watch(Core *c, PyObject *args)
{
    PyObject *value, *name;
    if (!PyArg_ParseTuple(args, "OU", &value, &name))
        return NULL;
    if (!c->active)
        Py_RETURN_NONE;
    wcf_lock(c, PyThreadState_Get());
    wcf_new_step_for_watch(c);
    int64_t step = c->step < 0 ? 0 : c->step;
    int64_t id = wcf_value_id(c, value, 1);
    PyObject *row = Py_BuildValue("(LOL)", (long long)step, name, (long long)id);
    if (row == NULL || PyList_Append(c->watch_rows, row) < 0)
        wcf_internal_error(c, "watch()");
    Py_XDECREF(row);
    if (PyErr_Occurred())
        wcf_internal_error(c, "watch()");
    wcf_unlock(c);
    Py_RETURN_NONE;
}

static PyObject *core_frame_id_of(Core *c, PyObject *frame)
{
    FrameRecord *r = wcf_ptrmap_get(&c->live, frame);
    if (r == NULL)
        r = wcf_ptrmap_get(&c->suspended, frame);
    if (r == NULL)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(r->frame_id);
}

static PyObject *core_stop(Core *c, PyObject *unused)
{
    (void)unused;
    wcf_stop(c);
    Py_RETURN_NONE;
}

static PyObject *core_abandon(Core *c, PyObject *unused)
{
    (void)unused;
    /* a forked child: never record into the parent's file; the lock may be held by the forking thread */
    c->active = 0;
    c->busy = 0;
    c->lock_depth = 0;
    c->owner = NULL;
    c->buffers_watched = 0;
    wcf_chunks_clear(&c->out);
    Py_RETURN_NONE;
}

/* run_untraced(fn, *args): calls fn in this thread with the thread marked as the recorder's own, from its
 * first instruction on (this is a C call: no Python event comes before the mark). */
static PyObject *core_run_untraced(Core *c, PyObject *args)
{
    if (PyTuple_GET_SIZE(args) < 1 || !PyCallable_Check(PyTuple_GET_ITEM(args, 0))) {
        PyErr_SetString(PyExc_TypeError, "run_untraced(callable, *args)");
        return NULL;
    }
    PyThreadState *ts = PyThreadState_Get();
    int marked = 0;
    if (c->nuntraced < (int)(sizeof(c->untraced) / sizeof(c->untraced[0]))) {
        c->untraced[c->nuntraced++] = ts;
        marked = 1;
    }
    PyObject *rest = PyTuple_GetSlice(args, 1, PyTuple_GET_SIZE(args));
    PyObject *result = rest != NULL ? PyObject_Call(PyTuple_GET_ITEM(args, 0), rest, NULL) : NULL;
    Py_XDECREF(rest);
    if (marked)
        for (int i = 0; i < c->nuntraced; i++)
            if (c->untraced[i] == ts) {
                c->untraced[i] = c->untraced[--c->nuntraced];
                break;
            }
    return result;
}

static PyObject *core_set_buffer_hooks(Core *c, PyObject *args)
{
    PyObject *track, *collect, *release;
    if (!PyArg_ParseTuple(args, "OOO", &track, &collect, &release))
        return NULL;
    Py_XSETREF(c->buffer_track, track == Py_None ? NULL : Py_NewRef(track));
    Py_XSETREF(c->buffer_collect, collect == Py_None ? NULL : Py_NewRef(collect));
    Py_XSETREF(c->buffer_release, release == Py_None ? NULL : Py_NewRef(release));
    if (c->buffer_collect == NULL)
        c->buffers_watched = 0;
    Py_RETURN_NONE;
}

static PyObject *core_pause(Core *c, PyObject *flag)
{
    int paused = PyObject_IsTrue(flag);
    if (paused < 0)
        return NULL;
    c->paused = paused;
    wcf_clock_tick(c); /* while paused, events are not seen */
    Py_RETURN_NONE;
}

static PyObject *core_release_objects(Core *c, PyObject *unused)
{
    (void)unused;
    /* after stop(): an event of another thread that waited for the lock must find nothing to touch (the clock's
     * record pointer included) */
    c->active = 0;
    c->clock_on = 0;
    wcf_clock_tick(c);
    wcf_release_all(c);
    Py_RETURN_NONE;
}

static PyObject *core_set_fork_resume(Core *c, PyObject *callable)
{
    Py_XSETREF(c->on_fork_resume, callable == Py_None ? NULL : Py_NewRef(callable));
    Py_RETURN_NONE;
}

static PyObject *core_get_step(Core *c, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(c->step);
}

static PyObject *core_get_active(Core *c, void *closure)
{
    (void)closure;
    return PyBool_FromLong(c->active);
}

static PyObject *core_get_pending(Core *c, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLongLong(c->out.tables[WCF_T_STEPS].rows);
}

static PyObject *core_get_last_frame_id(Core *c, void *closure)
{
    (void)closure;
    if (c->step < 0)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(c->last_frame_id);
}

static PyObject *core_get_buffered_bytes(Core *c, void *closure)
{
    (void)closure;
    return PyLong_FromSize_t(wcf_chunks_bytes(&c->out));
}

static PyObject *core_get_flush_every(Core *c, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(c->flush_every);
}

static int core_set_flush_every(Core *c, PyObject *value, void *closure)
{
    (void)closure;
    long long n = value != NULL ? PyLong_AsLongLong(value) : -1;
    if (n < 1) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "flush_every must be a positive integer");
        return -1;
    }
    c->flush_every = n;
    return 0;
}

static PyObject *core_get_tracked(Core *c, void *closure)
{
    (void)closure;
    return PyLong_FromSize_t(c->tracked.count);
}

static PyMethodDef core_methods[] = {
    {"line_events_per_code", (PyCFunction)core_line_events_per_code, METH_VARARGS,
     "line_events_per_code(sys.monitoring.set_local_events, tool_id, mask) / (None): LINE and JUMP events on "
     "recorded code only."},
    {"settrace_install", (PyCFunction)core_settrace_install, METH_NOARGS,
     "Start the C trace function in the calling thread."},
    {"settrace_remove", (PyCFunction)core_settrace_remove, METH_NOARGS, "Remove it from the calling thread."},
    {"thread_bootstrap", (PyCFunction)core_thread_bootstrap, METH_VARARGS, "threading.settrace() hook."},
    {"lost_in_current_thread", (PyCFunction)core_lost_in_current_thread, METH_NOARGS,
     "True when the calling thread's trace function is no longer the core's."},
    {"monitoring_callbacks", (PyCFunction)core_monitoring_callbacks, METH_NOARGS,
     "{event name: callback} for sys.monitoring.register_callback."},
    {"cut", (PyCFunction)core_cut, METH_NOARGS, "The buffered chunked rows as [(table, rows, chunk blob)]."},
    {"acquire", (PyCFunction)core_acquire, METH_NOARGS, "Take the core lock (reentrant)."},
    {"release", (PyCFunction)core_release, METH_NOARGS, "Release the core lock."},
    {"watch", (PyCFunction)core_watch, METH_VARARGS, "watch(value, name): a watches row at this step."},
    {"frame_id_of", (PyCFunction)core_frame_id_of, METH_O, "The frame_id of a live or suspended frame."},
    {"stop", (PyCFunction)core_stop, METH_NOARGS, "Stop recording (removes the event source)."},
    {"abandon", (PyCFunction)core_abandon, METH_NOARGS, "In a forked child: drop everything buffered."},
    {"run_untraced", (PyCFunction)core_run_untraced, METH_VARARGS,
     "run_untraced(fn, *args): run fn in this thread as one of the recorder's own (events ignored)."},
    {"set_buffer_hooks", (PyCFunction)core_set_buffer_hooks, METH_VARARGS,
     "set_buffer_hooks(track, collect, release): buffer tracking (None, None, None: off)."},
    {"pause", (PyCFunction)core_pause, METH_O, "pause(True): ignore events (around fork) until pause(False)."},
    {"release_objects", (PyCFunction)core_release_objects, METH_NOARGS,
     "Drop every reference the core holds to the program's objects."},
    {"set_fork_resume", (PyCFunction)core_set_fork_resume, METH_O, "Run this callable at the next step."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef core_getset[] = {
    {"step", (getter)core_get_step, NULL, "the last step written (-1 before the first)", NULL},
    {"active", (getter)core_get_active, NULL, "recording events", NULL},
    {"pending_steps", (getter)core_get_pending, NULL, "steps buffered since the last cut", NULL},
    {"last_frame_id", (getter)core_get_last_frame_id, NULL, "frame of the last step", NULL},
    {"buffered_bytes", (getter)core_get_buffered_bytes, NULL, "encoded bytes buffered since the last cut", NULL},
    {"flush_every", (getter)core_get_flush_every, (setter)core_set_flush_every, "steps between flushes", NULL},
    {"tracked_objects", (getter)core_get_tracked, NULL, "objects whose identity the core holds", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject WcfCoreType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "watercodeflow._wcfcore.Core",
    .tp_basicsize = sizeof(Core),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The C recorder core (see native/wcfcore/wcf_core.h).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)core_init,
    .tp_dealloc = (destructor)core_dealloc,
    .tp_call = (ternaryfunc)core_call,
    .tp_methods = core_methods,
    .tp_getset = core_getset,
};

static PyMethodDef module_functions[] = {
    {"decode_column", wcf_decode_column, METH_VARARGS,
     "decode_column(encoding, data, start, end, count, fixed_reprs): the values of one chunk column, or None "
     "when chunk_codec's Python decoder must decide (wcf_decode.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef wcfcore_module = {
    PyModuleDef_HEAD_INIT, "_wcfcore", "WaterCodeFlow's C recorder core.", -1, module_functions, NULL, NULL, NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__wcfcore(void)
{
    if (PyType_Ready(&WcfCoreType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&wcfcore_module);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "Core", (PyObject *)&WcfCoreType) < 0 ||
        PyModule_AddIntConstant(module, "ABI", 1) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
