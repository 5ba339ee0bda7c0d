/* The mutation clock: a counter that moves whenever code ran that may have changed an existing object in
 * place. A tracked container or instance read (with everything below it) at the clock's current value cannot
 * have changed since, so wcf_refresh_entry() skips it (see wcf_values.c).
 *
 * Only under settrace on CPython 3.11, where every Python frame, traced or not, reports its call and return to
 * the trace function. The code that ran between two events is one stretch of one line of one frame (3.11
 * raises a line event whenever another line starts). It leaves the clock alone when:
 *   - it is a recorded frame's prologue (a fresh call up to its first line), or
 *   - it ran in a line that line_effects.py finds cannot write (its conditions on locals hold now) and that
 *     has no call, or one call that is seen to enter a Python function directly (not through C code), or
 *     the stretch starts after that call returned;
 *   - and no other thread of the program exists (the recorder's own threads touch no program object).
 * Anything else moves it: calls into or returns through C code, unrecorded frames, generators resuming,
 * exceptions, watch(). Under sys.monitoring (3.12+) it moves at every step. */
#include "wcf_core.h"

enum { IV_DIRTY, IV_PROLOGUE, IV_LINE, IV_AFTER_CALL };

/* condition kinds, as in line_effects.py */
enum { C_SEQUENCE = 1, C_SUBSCRIPT, C_CONTAINER, C_SCALAR };

void wcf_clock_init(Core *c)
{
    c->mclock = 1;
    c->iv_mode = IV_DIRTY;
    c->iv_rec = NULL;
    const char *off = getenv("WATERCODEFLOW_MUTATION_CLOCK");
    c->clock_on = WCF_CLOCK_SUPPORTED && !c->monitoring && c->scan_lines && !(off != NULL && off[0] == '0');
}

static int pair_of_ints(PyObject *item, long *a, long *b)
{
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2)
        return 0;
    *a = PyLong_AsLong(PyTuple_GET_ITEM(item, 0));
    *b = PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
    return !PyErr_Occurred();
}

/* Builds ci's per-line effects from line_effects.line_effects; le_state -1 when that fails. */
static void build_effects(Core *c, CodeInfo *ci)
{
    ci->le_state = -1;
    PyObject *result = wcf_call_helper(c, H_LINE_EFFECTS, PyTuple_Pack(1, ci->code));
    if (result == NULL || !PyDict_Check(result)) {
        Py_XDECREF(result);
        return;
    }
    long first = -1, last = -1;
    Py_ssize_t nconds = 0, ncalls = 0, pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(result, &pos, &key, &value)) {
        long line = PyLong_AsLong(key);
        if (line < 0 || !PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 2 ||
            !PyTuple_Check(PyTuple_GET_ITEM(value, 0)) || !PyTuple_Check(PyTuple_GET_ITEM(value, 1))) {
            PyErr_Clear();
            Py_DECREF(result);
            return;
        }
        first = first < 0 || line < first ? line : first;
        last = line > last ? line : last;
        ncalls += PyTuple_GET_SIZE(PyTuple_GET_ITEM(value, 0));
        nconds += PyTuple_GET_SIZE(PyTuple_GET_ITEM(value, 1));
    }
    int count = first < 0 ? 0 : (int)(last - first + 1);
    ci->le_usable = calloc((size_t)count + 1, 1);
    ci->le_start = calloc((size_t)count + 1, sizeof(int32_t));
    ci->le_conds = malloc(sizeof(uint32_t) * (size_t)(nconds ? nconds : 1));
    ci->le_cstart = calloc((size_t)count + 1, sizeof(int32_t));
    ci->le_calls = malloc(2 * sizeof(int32_t) * (size_t)(ncalls ? ncalls : 1));
    if (ci->le_usable == NULL || ci->le_start == NULL || ci->le_conds == NULL || ci->le_cstart == NULL ||
        ci->le_calls == NULL) {
        Py_DECREF(result);
        return;
    }
    /* counting pass, then a fill pass (dict order is not line order) */
    pos = 0;
    while (PyDict_Next(result, &pos, &key, &value)) {
        int k = (int)(PyLong_AsLong(key) - first);
        ci->le_usable[k] = 1;
        ci->le_cstart[k + 1] = (int32_t)PyTuple_GET_SIZE(PyTuple_GET_ITEM(value, 0));
        ci->le_start[k + 1] = (int32_t)PyTuple_GET_SIZE(PyTuple_GET_ITEM(value, 1));
    }
    for (int k = 0; k < count; k++) {
        ci->le_cstart[k + 1] += ci->le_cstart[k];
        ci->le_start[k + 1] += ci->le_start[k];
    }
    pos = 0;
    while (PyDict_Next(result, &pos, &key, &value)) {
        int k = (int)(PyLong_AsLong(key) - first);
        PyObject *calls = PyTuple_GET_ITEM(value, 0), *conds = PyTuple_GET_ITEM(value, 1);
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(calls); j++) {
            long start = -1, end = -1;
            if (!pair_of_ints(PyTuple_GET_ITEM(calls, j), &start, &end) || start < 0 || end <= start)
                ci->le_usable[k] = 0;
            ci->le_calls[2 * (ci->le_cstart[k] + j)] = (int32_t)start;
            ci->le_calls[2 * (ci->le_cstart[k] + j) + 1] = (int32_t)end;
        }
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(conds); j++) {
            long kind = -1, slot = -1;
            if (!pair_of_ints(PyTuple_GET_ITEM(conds, j), &kind, &slot) || kind < C_SEQUENCE || kind > C_SCALAR ||
                slot < 0 || slot >= ci->nlocals || !ci->slot_plain[slot])
                ci->le_usable[k] = 0; /* a condition this core cannot check: the line may write */
            ci->le_conds[ci->le_start[k] + j] = (uint32_t)kind << 24 | (uint32_t)(slot & 0xffffff);
        }
    }
    ci->le_first = (int)first;
    ci->le_count = count;
    Py_DECREF(result);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return;
    }
    ci->le_state = 1;
}

static int condition_holds(Core *c, uint32_t cond, PyObject *value)
{
    if (value == NULL)
        return 0;
    PyTypeObject *t = Py_TYPE(value);
    int seq = t == &PyList_Type || t == &PyTuple_Type;
    switch (cond >> 24) {
    case C_SEQUENCE:
        return seq;
    case C_SUBSCRIPT:
        return seq || t == &PyDict_Type || t == &PyUnicode_Type || t == &PyBytes_Type;
    case C_CONTAINER:
        return seq || t == &PyDict_Type || t == &PySet_Type || t == &PyFrozenSet_Type || t == &PyUnicode_Type ||
               t == &PyBytes_Type;
    case C_SCALAR:
        return wcf_is_scalar(c, t) || t == &PyTuple_Type;
    }
    return 0;
}

/* Is the current thread the program's only one? Another may have run between any two events. */
static int only_thread(Core *c)
{
    PyThreadState *ts = wcf_tstate();
    PyThreadState *head = PyInterpreterState_ThreadHead(ts->interp);
    if (head == ts && PyThreadState_Next(ts) == NULL)
        return 1;
    for (PyThreadState *t = head; t != NULL; t = PyThreadState_Next(t))
        if (t != ts && !wcf_untraced_thread(c, t))
            return 0;
    return 1;
}

/* Did the stretch of code since the last event, which ran in iv_rec's frame, leave every existing object as
 * it was? `callee`: for a call event, the frame being entered. A call event that is one of the line's calls
 * entering Python straight from it, in order, moves r->calls_done on. */
static int stretch_pure(Core *c, PyFrameObject *callee)
{
    FrameRecord *r = c->iv_rec;
    if (c->iv_mode == IV_PROLOGUE)
        return 1;
    CodeInfo *ci = r->code;
    if (ci->le_state == 0)
        build_effects(c, ci);
    int k = c->iv_line - ci->le_first;
    if (ci->le_state != 1 || k < 0 || k >= ci->le_count || !ci->le_usable[k] || r->calls_done < 0)
        return 0;
    _PyInterpreterFrame *f = wcf_iframe((PyFrameObject *)r->frame);
    for (int32_t j = ci->le_start[k]; j < ci->le_start[k + 1]; j++) {
        uint32_t cond = ci->le_conds[j];
        if (!condition_holds(c, cond, f->localsplus[cond & 0xffffff]))
            return 0;
    }
    int ncalls = ci->le_cstart[k + 1] - ci->le_cstart[k];
    if (callee == NULL)
        return r->calls_done == ncalls; /* every call of the line ran, each into Python */
    /* a call event: the next call of the line, entering a Python function straight from it? Else some other
     * code (a dunder, C code calling back) runs: pure too if the line has no call left to have run */
    int next = r->calls_done;
    if (next < ncalls && !wcf_entered_from_c(wcf_iframe(callee)) &&
        !(wcf_frame_code(callee)->co_flags & WCF_CO_GENERATOR_LIKE)) {
        int lasti = wcf_iframe_lasti(f);
        const int32_t *call = &ci->le_calls[2 * (ci->le_cstart[k] + next)];
        if (lasti >= call[0] && lasti < call[1]) {
            r->calls_done = next + 1;
            return 1;
        }
    }
    return next == ncalls;
}

/* Called by the settrace function for each event before the event is handled, so that its reads see the
 * clock; r: the event frame's record (NULL: not recorded), line: a line event's line. */
void wcf_clock_event(Core *c, PyFrameObject *frame, int what, FrameRecord *r, int line)
{
    if (c->nmutable_locals <= 0) {
        wcf_clock_tick(c); /* no function has a container in a local: judging would save little */
        return;
    }
    int pure = 0;
    if (c->iv_mode != IV_DIRTY && what != PyTrace_EXCEPTION) {
        /* the stretch must have run in iv_rec's frame: the event's own, or a call's caller */
        PyObject *expected = c->iv_rec->frame;
        int in_frame = what == PyTrace_CALL
                           ? wcf_iframe(frame)->previous == wcf_iframe((PyFrameObject *)expected)
                           : (PyObject *)frame == expected;
        pure = in_frame && stretch_pure(c, what == PyTrace_CALL ? frame : NULL) && only_thread(c);
    }
    if (!pure) {
        c->mclock++;
        if (c->iv_rec != NULL)
            c->iv_rec->calls_done = -1; /* the rest of this run of its line cannot be judged */
    }
    if (PyErr_Occurred())
        PyErr_Clear();
    /* what runs next */
    c->iv_mode = IV_DIRTY;
    c->iv_rec = NULL;
    if (what == PyTrace_LINE && r != NULL) {
        c->iv_mode = IV_LINE;
        c->iv_rec = r;
        c->iv_line = line;
        r->calls_done = 0;
    } else if (what == PyTrace_RETURN && r != NULL && !wcf_entered_from_c(wcf_iframe(frame)) &&
               r->thread->depth >= 2 && r->thread->stack[r->thread->depth - 1] == r) {
        /* back in the caller's line, after its call */
        FrameRecord *parent = r->thread->stack[r->thread->depth - 2];
        if (parent->frame != NULL && parent->prev_line >= 0 &&
            wcf_iframe(frame)->previous == wcf_iframe((PyFrameObject *)parent->frame)) {
            c->iv_mode = IV_AFTER_CALL;
            c->iv_rec = parent;
            c->iv_line = parent->prev_line;
        }
    }
}

/* After a call event: a recorded, fresh frame runs its prologue next; anything else may write. */
void wcf_clock_entered(Core *c, PyFrameObject *frame, FrameRecord *r)
{
    if (r != NULL && !(wcf_frame_code(frame)->co_flags & WCF_CO_GENERATOR_LIKE)) {
        c->iv_mode = IV_PROLOGUE;
        c->iv_rec = r;
    }
}

/* Something the clock cannot judge happened (watch(), a pause): everything is re-read at the next step. */
void wcf_clock_tick(Core *c)
{
    c->mclock++;
    c->iv_mode = IV_DIRTY;
    c->iv_rec = NULL;
}
