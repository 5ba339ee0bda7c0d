/* The C core's event sources: a C trace function (PyEval_SetTrace, the settrace tracer) and C callbacks for
 * sys.monitoring (CPython >= 3.12). They only translate events into wcf_on_* calls under the core lock, like
 * tracer_settrace.py / tracer_monitoring.py do for the Python recorder, and tell the mutation clock
 * (wcf_clock.c) of each; they return 0 / None (or DISABLE), never raise. */
#include "wcf_core.h"

enum { LEAVE_RETURN, LEAVE_YIELD, LEAVE_UNWIND };

/* How a frame that gets a "return" trace event is leaving (tracer_settrace.py leave_kind). */
static int leave_kind(Core *c, FrameRecord *r, PyFrameObject *frame)
{
    int lasti = wcf_frame_lasti(frame);
    if (lasti < 0)
        return LEAVE_RETURN;
    CodeInfo *ci = r->code;
    if (ci->co_code == NULL) {
        ci->co_code = PyObject_GetAttrString(ci->code, "co_code"); /* deoptimized instructions */
        if (ci->co_code == NULL || !PyBytes_Check(ci->co_code)) {
            PyErr_Clear();
            Py_CLEAR(ci->co_code);
            return LEAVE_RETURN;
        }
    }
    const unsigned char *code = (const unsigned char *)PyBytes_AS_STRING(ci->co_code);
    Py_ssize_t size = PyBytes_GET_SIZE(ci->co_code);
    if (lasti >= size)
        return LEAVE_RETURN;
    int cls = c->opcode_class[code[lasti]];
    if (cls & 1)
        return LEAVE_RETURN;
    if ((cls & 2) || (c->yield_from >= 0 && lasti + 2 < size && code[lasti + 2] == c->yield_from))
        return (ci->flags & WCF_CO_GENERATOR_LIKE) ? LEAVE_YIELD : LEAVE_RETURN;
    return LEAVE_UNWIND;
}

int wcf_trace_function(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Core *c = (Core *)obj;
    if (!c->active) {
        /* recording ended: this thread detaches at its next event */
        PyEval_SetTrace(NULL, NULL);
        return 0;
    }
    if (c->paused || (c->nuntraced && wcf_untraced_thread(c, wcf_tstate())))
        return 0;
    if (what != PyTrace_CALL && what != PyTrace_LINE && what != PyTrace_RETURN && what != PyTrace_EXCEPTION)
        return 0;
    /* CPython calls trace functions with no exception pending; should one be, it is kept intact */
    PyThreadState *ts = wcf_tstate();
    PyObject *saved_type = NULL, *saved_value = NULL, *saved_tb = NULL;
    int saved = wcf_exception_pending(ts);
    if (saved)
        PyErr_Fetch(&saved_type, &saved_value, &saved_tb);
    wcf_lock(c, ts);
    if (!c->active) { /* the recording ended while this thread waited for the lock */
        wcf_unlock(c);
        if (saved)
            PyErr_Restore(saved_type, saved_value, saved_tb);
        return 0;
    }
    FrameRecord *r;
    switch (what) {
    case PyTrace_CALL:
        if (c->clock_on)
            wcf_clock_on_event(c, wcf_iframe(frame), what, NULL, 0, -1);
        r = wcf_on_call(c, (PyObject *)frame);
        if (r == NULL || !c->scan_lines)
            frame->f_trace_lines = 0; /* no line events for code that is not recorded */
        if (c->clock_on)
            wcf_clock_entered(c, wcf_iframe(frame), r);
        break;
    case PyTrace_LINE:
        r = wcf_ptrmap_get(&c->live, frame);
        {
            int line = PyFrame_GetLineNumber(frame);
            if (c->clock_on)
                wcf_clock_on_event(c, wcf_iframe(frame), what, r, line, -1);
            if (r != NULL)
                wcf_on_line(c, r, line);
        }
        break;
    case PyTrace_RETURN:
        r = wcf_ptrmap_get(&c->live, frame);
        if (c->clock_on)
            wcf_clock_on_event(c, wcf_iframe(frame), what, r, 0, -1);
        if (r == NULL)
            break;
        if (arg == NULL) { /* the frame is left by an exception */
            wcf_on_unwind(c, r);
            break;
        }
        {
            int kind = leave_kind(c, r, frame);
            /* An exception thrown into a generator stops it at its yield: the opcode alone would call that a
             * yield, the exception event just before it says it is an unwind. */
            if (kind == LEAVE_UNWIND || (arg == Py_None && r->after_exception))
                wcf_on_unwind(c, r);
            else
                wcf_on_return(c, r, arg, kind == LEAVE_YIELD);
        }
        break;
    case PyTrace_EXCEPTION:
        if (c->clock_on)
            wcf_clock_on_event(c, wcf_iframe(frame), what, NULL, 0, -1);
        r = wcf_ptrmap_get(&c->live, frame);
        if (r != NULL && arg != NULL && PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) == 3)
            wcf_on_exception(c, r, PyTuple_GET_ITEM(arg, 1), PyTuple_GET_ITEM(arg, 2));
        break;
    }
    if (wcf_error_pending(c))
        wcf_internal_error(c, "trace event");
    wcf_unlock(c);
    if (saved)
        PyErr_Restore(saved_type, saved_value, saved_tb);
    return 0;
}

/* -- sys.monitoring ------------------------------------------------------------------------------------ */

static PyObject *disable(Core *c) { return Py_NewRef(c->monitoring_disable); }

static PyFrameObject *current_frame(PyThreadState *ts)
{
    PyFrameObject *frame = wcf_current_frame_object(ts);
    return frame != NULL ? frame : PyEval_GetFrame();
}

static FrameRecord *current_record(Core *c, PyThreadState *ts)
{
    PyFrameObject *frame = current_frame(ts);
    return frame != NULL ? wcf_ptrmap_get(&c->live, frame) : NULL;
}

static CodeInfo *recorded_code(Core *c, PyObject *code)
{
    if (!PyCode_Check(code))
        return NULL;
    CodeInfo *ci = wcf_code_info(c, (PyCodeObject *)code);
    return ci != NULL && ci->code_id != 0 ? ci : NULL;
}

static int code_recorded(Core *c, PyObject *code) { return recorded_code(c, code) != NULL; }

void wcf_code_lines(Core *c, CodeInfo *ci)
{
    if (c->set_local_events == NULL || ci->lines_on)
        return;
    ci->lines_on = 1;
    PyObject *args[3] = {c->line_tool, ci->code, c->line_events};
    PyObject *done = PyObject_Vectorcall(c->set_local_events, args, 3, NULL);
    if (done == NULL)
        wcf_internal_error(c, "turning on the line events of recorded code");
    Py_XDECREF(done);
}

/* Each callback: take the lock, keep any exception the program is raising, dispatch, restore. */
#define BEGIN_CALLBACK(nargs_needed)                                                                       \
    Core *c = (Core *)self;                                                                                \
    if (nargs < (nargs_needed) || !c->active || c->paused)                                                 \
        Py_RETURN_NONE;                                                                                    \
    PyThreadState *ts = wcf_tstate();                                                                      \
    if (wcf_untraced_thread(c, ts))                                                                        \
        Py_RETURN_NONE;                                                                                    \
    PyObject *saved_type = NULL, *saved_value = NULL, *saved_tb = NULL;                                    \
    int saved = wcf_exception_pending(ts);                                                                 \
    if (saved)                                                                                             \
        PyErr_Fetch(&saved_type, &saved_value, &saved_tb);                                                 \
    wcf_lock(c, ts);                                                                                       \
    PyObject *result = NULL;                                                                               \
    if (!c->active) { /* the recording ended while this thread waited for the lock */                      \
        wcf_unlock(c);                                                                                     \
        if (saved)                                                                                         \
            PyErr_Restore(saved_type, saved_value, saved_tb);                                              \
        Py_RETURN_NONE;                                                                                    \
    }

#define END_CALLBACK()                                                                                     \
    if (wcf_error_pending(c))                                                                              \
        wcf_internal_error(c, "monitoring event");                                                         \
    wcf_unlock(c);                                                                                         \
    if (saved)                                                                                             \
        PyErr_Restore(saved_type, saved_value, saved_tb);                                                  \
    return result != NULL ? result : Py_NewRef(Py_None);

/* The clock (wcf_clock.c), while on, hears each event before it is handled, in settrace's terms. */
static void clock_hears(Core *c, PyThreadState *ts, int what, FrameRecord *r, int line, int start)
{
    if (!c->clock_on)
        return;
    _PyInterpreterFrame *f = wcf_current_iframe(ts);
    if (f == NULL)
        wcf_clock_tick(c);
    else
        wcf_clock_on_event(c, f, what, r, line, start);
}

/* PY_START and PY_RESUME */
static PyObject *on_start(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(2)
    CodeInfo *ci = recorded_code(c, args[0]);
    if (ci == NULL) {
        /* Code outside the recording can change anything: while the clock is judged, each of its starts must
         * be heard (wcf_clock_release) */
        if (wcf_clock_release(c))
            result = disable(c);
        else
            clock_hears(c, ts, PyTrace_CALL, NULL, 0, -1);
    } else {
        if (!ci->lines_on)
            wcf_code_lines(c, ci); /* before the code's first line runs */
        PyFrameObject *frame = current_frame(ts);
        clock_hears(c, ts, PyTrace_CALL, NULL, 0, -1);
        if (frame != NULL) {
            FrameRecord *r = wcf_on_call(c, (PyObject *)frame);
            if (c->clock_on)
                wcf_clock_entered(c, wcf_iframe(frame), r);
        }
    }
    END_CALLBACK()
}

static PyObject *on_throw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(3)
    clock_hears(c, ts, PyTrace_EXCEPTION, NULL, 0, -1);
    if (code_recorded(c, args[0])) {
        PyFrameObject *frame = current_frame(ts);
        if (frame != NULL)
            wcf_on_call(c, (PyObject *)frame);
    }
    END_CALLBACK()
}

static PyObject *leave_callback(PyObject *self, PyObject *const *args, Py_ssize_t nargs, int is_yield)
{
    BEGIN_CALLBACK(3)
    FrameRecord *r = current_record(c, ts);
    clock_hears(c, ts, PyTrace_RETURN, r, 0, -1);
    if (r != NULL)
        wcf_on_return(c, r, args[2], is_yield);
    else if (!code_recorded(c, args[0]))
        result = disable(c); /* the code's start was heard (on_start): its return need not be */
    END_CALLBACK()
}

static PyObject *on_return(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_callback(self, args, nargs, 0);
}

static PyObject *on_yield(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return leave_callback(self, args, nargs, 1);
}

static PyObject *on_raise(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(3)
    clock_hears(c, ts, PyTrace_EXCEPTION, NULL, 0, -1);
    FrameRecord *r = current_record(c, ts);
    if (r != NULL) {
        PyObject *tb = PyException_GetTraceback(args[2]);
        wcf_on_exception(c, r, args[2], tb);
        Py_XDECREF(tb);
    }
    END_CALLBACK()
}

static PyObject *on_stop_iteration(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(3)
    clock_hears(c, ts, PyTrace_EXCEPTION, NULL, 0, -1);
    /* The interpreter ended a generator/await without raising; settrace reports it as an exception event,
     * so the recording does too. */
    FrameRecord *r = current_record(c, ts);
    if (r != NULL) {
        PyObject *exc = PyObject_CallOneArg(PyExc_StopIteration, args[2]);
        if (exc != NULL)
            wcf_on_exception(c, r, exc, NULL);
        Py_XDECREF(exc);
    } else if (!code_recorded(c, args[0])) {
        result = disable(c);
    }
    END_CALLBACK()
}

static PyObject *on_unwind(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(3)
    clock_hears(c, ts, PyTrace_EXCEPTION, NULL, 0, -1);
    FrameRecord *r = current_record(c, ts);
    if (r != NULL)
        wcf_on_unwind(c, r);
    END_CALLBACK()
}

static PyObject *on_line(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(2)
    FrameRecord *r = current_record(c, ts);
    int line = (int)PyLong_AsLong(args[1]);
    clock_hears(c, ts, PyTrace_LINE, r, line, -1);
    if (r != NULL)
        wcf_on_line(c, r, line);
    else if (!code_recorded(c, args[0]))
        result = disable(c);
    END_CALLBACK()
}

static PyObject *on_jump(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    BEGIN_CALLBACK(3)
    /* A backward jump within one line (a comprehension's loop, `while x: x -= 1` on one line) is a new line
     * event under settrace but not a LINE event here; re-create it so both event sources agree. */
    long source = PyLong_AsLong(args[1]), destination = PyLong_AsLong(args[2]);
    if (destination > source || !code_recorded(c, args[0])) {
        result = disable(c);
    } else {
        PyCodeObject *code = (PyCodeObject *)args[0];
        int line = PyCode_Addr2Line(code, (int)destination);
        if (line >= 0 && line == PyCode_Addr2Line(code, (int)source)) {
            FrameRecord *r = current_record(c, ts);
            /* the code that runs next starts at the destination (the frame may still be at the jump) */
            clock_hears(c, ts, PyTrace_LINE, r, line, (int)(destination / 2));
            if (r != NULL)
                wcf_on_line(c, r, line);
        } else {
            result = disable(c);
        }
    }
    END_CALLBACK()
}

static PyMethodDef CALLBACKS[] = {
    {"PY_START", (PyCFunction)(void (*)(void))on_start, METH_FASTCALL, NULL},
    {"PY_RESUME", (PyCFunction)(void (*)(void))on_start, METH_FASTCALL, NULL},
    {"PY_THROW", (PyCFunction)(void (*)(void))on_throw, METH_FASTCALL, NULL},
    {"PY_RETURN", (PyCFunction)(void (*)(void))on_return, METH_FASTCALL, NULL},
    {"PY_YIELD", (PyCFunction)(void (*)(void))on_yield, METH_FASTCALL, NULL},
    {"RAISE", (PyCFunction)(void (*)(void))on_raise, METH_FASTCALL, NULL},
    {"PY_UNWIND", (PyCFunction)(void (*)(void))on_unwind, METH_FASTCALL, NULL},
    {"STOP_ITERATION", (PyCFunction)(void (*)(void))on_stop_iteration, METH_FASTCALL, NULL},
    {"LINE", (PyCFunction)(void (*)(void))on_line, METH_FASTCALL, NULL},
    {"JUMP", (PyCFunction)(void (*)(void))on_jump, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

/* {event name: callback} for the events this recording needs (no LINE/JUMP in lite mode). */
PyObject *wcf_monitoring_callbacks(Core *c)
{
    PyObject *callbacks = PyDict_New();
    if (callbacks == NULL)
        return NULL;
    for (PyMethodDef *def = CALLBACKS; def->ml_name != NULL; def++) {
        if (!c->scan_lines && (strcmp(def->ml_name, "LINE") == 0 || strcmp(def->ml_name, "JUMP") == 0))
            continue;
        PyObject *fn = PyCFunction_New(def, (PyObject *)c);
        if (fn == NULL || PyDict_SetItemString(callbacks, def->ml_name, fn) < 0) {
            Py_XDECREF(fn);
            Py_DECREF(callbacks);
            return NULL;
        }
        Py_DECREF(fn);
    }
    return callbacks;
}
