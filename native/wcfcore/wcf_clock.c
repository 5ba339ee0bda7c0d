/* The mutation clock: a counter that moves whenever code ran that may have changed an existing object in
 * place. A tracked container or instance read (with everything below it) at the clock's current value cannot
 * have changed since, so wcf_refresh_entry() skips it (see wcf_values.c).
 *
 * It needs every start of Python code to be seen:
 *   - under settrace (3.11), every Python frame, traced or not, reports its call and return;
 *   - under sys.monitoring (3.12, 3.13), PY_START and PY_RESUME stay on for code outside the recording while
 *     the clock is on (wcf_trace.c); the first time one is turned off, the clock is off for good.
 * The code that ran between two events is one stretch of one line of one frame: a line event comes whenever
 * another line starts and at every backward jump (sys.monitoring's JUMP within a line is made one), so a
 * stretch only runs forward from where it started. It leaves the clock alone when:
 *   - it is a recorded frame's prologue (a fresh call up to its first line), or
 *   - it ran in a line that line_effects.py finds cannot write, whose conditions on locals hold now, and each
 *     of the line's calls after the stretch's start was seen entering a Python function straight from the
 *     line (so no C function ran); a `x[k] = v` into a local's exact list or dict, or a writing method of an
 *     exact list, dict or set (`x.append(v)`), does not move the clock but marks x to be read again (the
 *     step's scan of the frame reads it);
 *   - and no other thread took the GIL in between, and no other program thread exists (the recorder's own
 *     threads touch no program object).
 * Anything else moves it: calls into or returns through C code, unrecorded frames, generators resuming,
 * exceptions, watch(). */
#include "wcf_core.h"

enum { IV_DIRTY = WCF_IV_DIRTY, IV_PROLOGUE, IV_LINE, IV_AFTER_CALL };

/* condition kinds, as in line_effects.py */
enum { C_SEQUENCE = 1, C_SUBSCRIPT, C_CONTAINER, C_SCALAR, C_STORE_ITEM, C_FOR_LOOP, C_METHOD, C_LAST = C_METHOD };

#define CALLS_UNRESOLVED (-2) /* calls_done after a line event: skip the calls before the stretch's start */

void wcf_clock_init(Core *c)
{
    c->mclock = 1;
    c->ot_alone = 1; /* until only_thread() finds otherwise */
    c->iv_mode = IV_DIRTY;
    c->iv_rec = NULL;
    const char *off = getenv("WATERCODEFLOW_MUTATION_CLOCK");
    c->clock_wanted = c->scan_lines && !(off != NULL && off[0] == '0');
    /* From 3.12 settrace is built on sys.monitoring and its line events at backward jumps do not say where the
     * code goes on: the clock is judged under the C core's own sys.monitoring callbacks only there. */
    c->clock_on = c->clock_wanted && PY_VERSION_HEX < 0x030C0000;
}

static int long_at(PyObject *tuple, Py_ssize_t i, long *out)
{
    *out = PyLong_AsLong(PyTuple_GET_ITEM(tuple, i));
    return !PyErr_Occurred();
}

/* a (start, end) call range or a (kind, slot, key) condition: n ints */
static int ints_of(PyObject *item, int n, long *out)
{
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (!long_at(item, i, &out[i]))
            return 0;
    return 1;
}

static int plain_slot(CodeInfo *ci, long slot) { return slot >= 0 && slot < ci->nlocals && ci->slot_plain[slot]; }

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
    ci->le_conds = malloc(3 * sizeof(int32_t) * (size_t)(nconds ? nconds : 1));
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
            long range[2] = {-1, -1};
            if (!ints_of(PyTuple_GET_ITEM(calls, j), 2, range) || range[0] < 0 || range[1] <= range[0])
                ci->le_usable[k] = 0;
            ci->le_calls[2 * (ci->le_cstart[k] + j)] = (int32_t)range[0];
            ci->le_calls[2 * (ci->le_cstart[k] + j) + 1] = (int32_t)range[1];
        }
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(conds); j++) {
            long cond[3] = {-1, -1, -1};
            int ok = ints_of(PyTuple_GET_ITEM(conds, j), 3, cond) && cond[0] >= C_SEQUENCE && cond[0] <= C_LAST &&
                     (cond[0] == C_FOR_LOOP || plain_slot(ci, cond[1])) && (cond[0] == C_METHOD || cond[2] == -1);
            if (!ok)
                ci->le_usable[k] = 0; /* a condition this core cannot check: the line may write */
            int32_t *at = &ci->le_conds[3 * (ci->le_start[k] + j)];
            at[0] = (int32_t)cond[0];
            at[1] = (int32_t)cond[1];
            at[2] = (int32_t)cond[2];
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

/* iterators whose next item writes nothing */
static int builtin_iterator(PyTypeObject *t)
{
    return t == &PyRangeIter_Type || t == &PyLongRangeIter_Type || t == &PyListIter_Type ||
           t == &PyListRevIter_Type || t == &PyTupleIter_Type || t == &PyDictIterKey_Type ||
           t == &PyDictIterValue_Type || t == &PyDictIterItem_Type || t == &PyDictRevIterKey_Type ||
           t == &PyDictRevIterValue_Type || t == &PyDictRevIterItem_Type || t == &PySetIter_Type ||
           t == &PyUnicodeIter_Type || t == &PyBytesIter_Type;
}

/* written by the running code: read again at this step (the step's scan of the frame reaches it) */
static void mark_written(Core *c, PyObject *obj)
{
    Tracked *e = wcf_ptrmap_get(&c->tracked, obj);
    if (e != NULL)
        e->checked_clock = 0;
}

/* Does condition `cond` hold for the stretch that ended at an event of kind `what` in frame f? */
static int condition_holds(Core *c, const int32_t *cond, _PyInterpreterFrame *f, int what)
{
    if (cond[0] == C_FOR_LOOP) {
        /* the loop went on: the iterator the stretch started with is still on top of the stack */
        int depth = wcf_iframe_stack_depth(f);
        return what == PyTrace_LINE && depth > 0 && depth == c->iv_depth && c->iv_tos != NULL &&
               f->localsplus[depth - 1] == c->iv_tos && builtin_iterator(Py_TYPE(c->iv_tos));
    }
    PyObject *value = f->localsplus[cond[1]];
    if (value == NULL)
        return 0;
    PyTypeObject *t = Py_TYPE(value);
    int seq = t == &PyList_Type || t == &PyTuple_Type;
    switch (cond[0]) {
    case C_SEQUENCE:
        return seq;
    case C_SUBSCRIPT:
        return seq || t == &PyDict_Type || t == &PyUnicode_Type || t == &PyBytes_Type;
    case C_CONTAINER:
        return seq || t == &PyDict_Type || t == &PySet_Type || t == &PyFrozenSet_Type || t == &PyUnicode_Type ||
               t == &PyBytes_Type;
    case C_SCALAR:
        return wcf_is_scalar(c, t) || t == &PyTuple_Type;
    case C_STORE_ITEM: /* its key's locals have C_SCALAR conditions of their own */
        if (!(t == &PyList_Type || t == &PyDict_Type))
            return 0;
        mark_written(c, value);
        return 1;
    case C_METHOD: {
        /* cond[2]: bits of the types that have the method (list 1, dict 2, set 4), shifted by 4 where it writes */
        int bit = t == &PyList_Type ? 1 : t == &PyDict_Type ? 2 : t == &PySet_Type ? 4 : 0;
        if (!(cond[2] & bit))
            return 0;
        if (cond[2] & (bit << 4))
            mark_written(c, value);
        return 1;
    }
    }
    return 0;
}

/* Did the stretch of code since the last event, which ran in iv_rec's frame, leave every existing object as
 * it was (but the ones it marks to be read again)? `callee`: for a call event, the frame being entered. A call
 * event that is the line's next call entering Python straight from it moves r->calls_done on. */
static int stretch_pure(Core *c, _PyInterpreterFrame *callee, int what)
{
    FrameRecord *r = c->iv_rec;
    if (c->iv_mode == IV_PROLOGUE)
        return 1;
    CodeInfo *ci = r->code;
    if (ci->le_state == 0) {
        build_effects(c, ci);
        if (PyErr_Occurred())
            PyErr_Clear();
    }
    int k = c->iv_line - ci->le_first;
    if (ci->le_state != 1 || k < 0 || k >= ci->le_count || !ci->le_usable[k] || r->calls_done == -1)
        return 0;
    const int32_t *calls = &ci->le_calls[2 * ci->le_cstart[k]];
    int ncalls = ci->le_cstart[k + 1] - ci->le_cstart[k];
    if (r->calls_done == CALLS_UNRESOLVED) {
        /* the stretch began at a line event, at r->line_start: the calls before it cannot run in it */
        int skipped = 0;
        while (skipped < ncalls && calls[2 * skipped] < r->line_start)
            skipped++;
        r->calls_done = skipped;
    }
    _PyInterpreterFrame *f = wcf_iframe((PyFrameObject *)r->frame);
    for (int32_t j = ci->le_start[k]; j < ci->le_start[k + 1]; j++)
        if (!condition_holds(c, &ci->le_conds[3 * j], f, what))
            return 0;
    int next = r->calls_done;
    if (callee != NULL && next < ncalls && !wcf_entered_from_c(callee) &&
        !(wcf_iframe_code(callee)->co_flags & WCF_CO_GENERATOR_LIKE)) {
        /* the line's next call, entering a Python function straight from it? */
        int lasti = wcf_iframe_lasti(f);
        if (lasti >= calls[2 * next] && lasti < calls[2 * next + 1]) {
            r->calls_done = next + 1;
            return 1;
        }
    }
    /* otherwise: pure if none of the line's calls is left to have run (a dunder or a callback is its own event) */
    return next == ncalls;
}

/* Is the current thread the program's only one? Another may have run between any two events. The answer is
 * kept while the interpreter's newest thread state is the same: a new thread is added at the head. */
static int only_thread(Core *c)
{
    PyThreadState *ts = (PyThreadState *)c->owner;
    PyThreadState *head = PyInterpreterState_ThreadHead(ts->interp);
    if (head == c->ot_head && ts == c->ot_self && c->nuntraced == c->ot_nuntraced)
        return c->ot_alone;
    int alone = 1;
    for (PyThreadState *t = head; t != NULL && alone; t = PyThreadState_Next(t))
        if (t != ts && !wcf_untraced_thread(c, t))
            alone = 0;
    c->ot_head = head;
    c->ot_self = ts;
    c->ot_nuntraced = c->nuntraced;
    c->ot_alone = alone;
    return alone;
}

/* sys.monitoring: may the starts of a code object outside the recording go unreported from now on (DISABLE)?
 * Not while the clock is judged. Once another program thread lives, it cannot be judged anyway: then the
 * clock is turned off for the rest of the run, and they may. */
int wcf_clock_release(Core *c)
{
    if (!c->clock_on)
        return 1;
    if (only_thread(c))
        return 0;
    c->clock_on = 0;
    wcf_clock_tick(c);
    return 1;
}

/* Called by the event sources for each event before the event is handled, so that its reads see the clock.
 * f: the event's frame; r: its record (NULL: not recorded); line: a line event's line; start: where in f the
 * code that runs next starts, for a line event made of a backward jump (-1: at f's current instruction). */
void wcf_clock_event(Core *c, _PyInterpreterFrame *f, int what, FrameRecord *r, int line, int start)
{
    int pure = 0;
    if (!c->ot_alone)
        only_thread(c); /* asked again now and then (wcf_clock_on_event): a thread may have ended or be ours */
    unsigned long switches = wcf_gil_switches((PyThreadState *)c->owner);
    if (c->iv_mode != IV_DIRTY && what != PyTrace_EXCEPTION && switches == c->iv_switches) {
        /* the stretch must have run in iv_rec's frame: the event's own, or a call's caller */
        _PyInterpreterFrame *expected = wcf_iframe((PyFrameObject *)c->iv_rec->frame);
        int in_frame = what == PyTrace_CALL ? f->previous == expected : f == expected;
        pure = in_frame && only_thread(c) && stretch_pure(c, what == PyTrace_CALL ? f : NULL, what);
    }
    c->iv_switches = switches;
    if (!pure) {
        c->mclock++;
        if (c->iv_rec != NULL)
            c->iv_rec->calls_done = -1; /* the rest of this run of its line cannot be judged */
    }
    /* what runs next */
    c->iv_mode = IV_DIRTY;
    c->iv_rec = NULL;
    if (what == PyTrace_LINE && r != NULL) {
        c->iv_mode = IV_LINE;
        c->iv_rec = r;
        c->iv_line = line;
        r->calls_done = CALLS_UNRESOLVED;
        r->line_start = start >= 0 ? start : wcf_iframe_lasti(f);
        /* the value stack's top, above the locals (a stack slot may hold NULL) */
        int depth = wcf_iframe_stack_depth(f);
        c->iv_depth = depth;
        c->iv_tos = depth > wcf_iframe_code(f)->co_nlocalsplus ? f->localsplus[depth - 1] : NULL;
    } else if (what == PyTrace_RETURN && r != NULL && !wcf_entered_from_c(f) && r->thread->depth >= 2 &&
               r->thread->stack[r->thread->depth - 1] == r) {
        /* back in the caller's line, after its call */
        FrameRecord *parent = r->thread->stack[r->thread->depth - 2];
        if (parent->frame != NULL && parent->prev_line >= 0 &&
            f->previous == wcf_iframe((PyFrameObject *)parent->frame)) {
            c->iv_mode = IV_AFTER_CALL;
            c->iv_rec = parent;
            c->iv_line = parent->prev_line;
            c->iv_depth = -1; /* a loop's iterator is not checked after a call (its line has no call) */
        }
    }
}

/* After a call event: a recorded, fresh frame runs its prologue next; anything else may write. */
void wcf_clock_entered(Core *c, _PyInterpreterFrame *f, FrameRecord *r)
{
    if (r != NULL && !(wcf_iframe_code(f)->co_flags & WCF_CO_GENERATOR_LIKE)) {
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
