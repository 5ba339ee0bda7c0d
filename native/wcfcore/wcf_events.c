/* Events of the C core: turns call/line/return/exception events into steps, frames, scopes and bindings
 * (the twin of recorder.py's on_call/_enter/on_line/on_return/on_unwind/on_exception). Called by the event
 * sources in wcf_trace.c with the GIL and the core lock held; never raises into the program. */
#include "wcf_core.h"

#include "pythread.h"

#define MAX_INTERNAL_ERROR_NOTICES 50

static void append_row(Core *c, PyObject *list, PyObject *row)
{
    if (row == NULL || PyList_Append(list, row) < 0)
        wcf_internal_error(c, "writing a row");
    Py_XDECREF(row);
}

void wcf_internal_error(Core *c, const char *where)
{
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        wcf_clear_error(); /* the program's Ctrl-C, not an error of ours */
        return;
    }
    PyErr_Fetch(&type, &value, &tb);
    if (c->internal_errors++ >= MAX_INTERNAL_ERROR_NOTICES) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return;
    }
    PyObject *text = NULL;
    if (c->internal_errors == MAX_INTERNAL_ERROR_NOTICES) {
        text = PyUnicode_FromFormat("%s failed; further internal errors of this recording are not listed", where);
    } else if (value != NULL) {
        text = PyUnicode_FromFormat("%s failed: %s: %S", where, ((PyTypeObject *)type)->tp_name, value);
    } else if (type != NULL) {
        text = PyUnicode_FromFormat("%s failed: %s", where, ((PyTypeObject *)type)->tp_name);
    } else {
        text = PyUnicode_FromFormat("%s failed (out of memory?)", where);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (text == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *row = Py_BuildValue("(LsN)", (long long)(c->step < 0 ? 0 : c->step), "internal-error", text);
    if (row == NULL || PyList_Append(c->notice_rows, row) < 0)
        PyErr_Clear();
    Py_XDECREF(row);
}

/* -- ids ----------------------------------------------------------------------------------------------- */

/* The id of `key` in a table of unique texts (names, types): `ids` maps keys to ids; a new key gets the next
 * id and an (id, text) row, its text made by text_of(key) (a new reference, NULL on failure: "?"). */
int64_t wcf_interned_id(Core *c, PyObject *ids, PyObject *key, int64_t *next, PyObject *rows,
                        PyObject *(*text_of)(PyObject *))
{
    PyObject *known = PyDict_GetItemWithError(ids, key);
    if (known != NULL)
        return PyLong_AsLongLong(known);
    PyErr_Clear();
    int64_t id = (*next)++;
    PyObject *number = PyLong_FromLongLong(id);
    if (number == NULL || PyDict_SetItem(ids, key, number) < 0)
        PyErr_Clear();
    Py_XDECREF(number);
    PyObject *text = text_of(key);
    if (text == NULL) {
        PyErr_Clear();
        text = PyUnicode_FromString("?");
    }
    append_row(c, rows, Py_BuildValue("(LN)", (long long)id, text));
    return id;
}

static PyObject *name_text(PyObject *name) { return PyUnicode_Check(name) ? Py_NewRef(name) : PyObject_Repr(name); }

int64_t wcf_name_id(Core *c, PyObject *name)
{
    return wcf_interned_id(c, c->name_ids, name, &c->next_name, c->name_rows, name_text);
}

static int64_t file_id(Core *c, PyObject *path)
{
    PyObject *known = PyDict_GetItemWithError(c->file_ids, path);
    if (known != NULL)
        return PyLong_AsLongLong(known);
    PyErr_Clear();
    int64_t id = c->next_file++;
    PyObject *number = PyLong_FromLongLong(id);
    if (number == NULL || PyDict_SetItem(c->file_ids, path, number) < 0)
        PyErr_Clear();
    Py_XDECREF(number);
    append_row(c, c->file_rows, Py_BuildValue("(LO)", (long long)id, path));
    return id;
}

CodeInfo *wcf_code_info(Core *c, PyCodeObject *code)
{
    CodeInfo *ci = wcf_ptrmap_get(&c->codes, code);
    if (ci != NULL)
        return ci;
    ci = calloc(1, sizeof(CodeInfo));
    if (ci == NULL)
        return NULL;
    ci->code = Py_NewRef((PyObject *)code);
    ci->nlocals = code->co_nlocalsplus;
    ci->slot_name_ids = calloc((size_t)(ci->nlocals ? ci->nlocals : 1), sizeof(int64_t));
    ci->slot_plain = calloc((size_t)(ci->nlocals ? ci->nlocals : 1), 1);
    for (int i = 0; ci->slot_plain != NULL && i < ci->nlocals; i++)
        ci->slot_plain[i] = !(wcf_local_kind(code, i) & (WCF_FAST_CELL | WCF_FAST_FREE));
    ci->names = Py_NewRef(code->co_names);
    ci->flags = code->co_flags;
    PyObject *path = PyObject_CallOneArg(c->is_recorded, code->co_filename);
    if (path == NULL)
        wcf_internal_error(c, "deciding whether a file is recorded");
    if (path != NULL && PyUnicode_Check(path)) {
        ci->code_id = c->next_code++;
        int64_t fid = file_id(c, path);
        append_row(c, c->code_rows,
                   Py_BuildValue("(LLOOi)", (long long)ci->code_id, (long long)fid, code->co_name,
                                 code->co_qualname, code->co_firstlineno));
    }
    Py_XDECREF(path);
    if (ci->slot_name_ids == NULL || ci->slot_plain == NULL || wcf_ptrmap_put(&c->codes, code, ci) < 0) {
        Py_DECREF(ci->code);
        Py_DECREF(ci->names);
        free(ci->slot_name_ids);
        free(ci->slot_plain);
        free(ci);
        return NULL;
    }
    return ci;
}

static ThreadRec *current_thread(Core *c)
{
    PyThreadState *ts = c->busy && c->owner != NULL ? (PyThreadState *)c->owner : PyThreadState_Get();
    ThreadRec *t = wcf_ptrmap_get(&c->threads, ts);
    /* a thread state can be reused for a later thread: its id tells them apart */
    if (t != NULL && t->ident == (unsigned long)ts->id)
        return t;
    t = calloc(1, sizeof(ThreadRec));
    if (t == NULL)
        return NULL;
    unsigned long ident = PyThread_get_thread_ident();
    if (ident == c->main_ident && c->next_thread == 1) {
        t->thread_id = c->next_thread++;
    } else {
        if (c->next_thread == 1)
            c->next_thread = 2; /* thread_id 1 is kept for the main thread */
        t->thread_id = c->next_thread++;
    }
    t->ident = (unsigned long)ts->id;
    if (wcf_ptrmap_put(&c->threads, ts, t) < 0) {
        free(t);
        return NULL;
    }
    PyObject *py_ident = PyLong_FromUnsignedLong(ident);
    PyObject *name = py_ident != NULL ? wcf_call_helper(c, H_THREAD_NAME, PyTuple_Pack(1, py_ident)) : NULL;
    if (name == NULL)
        name = PyUnicode_FromFormat("Thread-%lu", ident);
    append_row(c, c->thread_rows,
               Py_BuildValue("(LONL)", (long long)t->thread_id, py_ident != NULL ? py_ident : Py_None, name,
                             (long long)(c->step + 1)));
    Py_XDECREF(py_ident);
    return t;
}

static Scope *globals_scope(Core *c, PyObject *globals)
{
    Scope *s = wcf_ptrmap_get(&c->globals_scopes, globals);
    if (s != NULL)
        return s;
    s = wcf_scope_new(c, 1, NULL);
    if (s == NULL)
        return NULL;
    s->dict = Py_NewRef(globals); /* held so its id stays unique */
    if (wcf_ptrmap_put(&c->globals_scopes, globals, s) < 0) {
        wcf_scope_unref(c, s);
        return NULL;
    }
    PyObject *module = PyDict_GetItemString(globals, "__name__");
    Py_ssize_t len = 0;
    PyObject *keep = NULL;
    const char *text = module != NULL ? wcf_utf8(module, &len, &keep) : NULL;
    wcf_row_scope(&c->out, s->scope_id, 1, -1, text, len);
    Py_XDECREF(keep);
    return s;
}

/* -- steps --------------------------------------------------------------------------------------------- */

void wcf_flush_if_due(Core *c)
{
    if (c->ndead_candidates > 0)
        wcf_release_dead(c, 1); /* the end of an event: what its scans let go */
    if (c->steps_since_flush < c->flush_every || c->in_flush)
        return;
    c->in_flush = 1;
    c->steps_since_flush = 0;
    PyObject *result = PyObject_CallNoArgs(c->on_flush);
    if (result == NULL)
        wcf_internal_error(c, "flushing the recording");
    Py_XDECREF(result);
    c->in_flush = 0;
}

static int64_t new_step(Core *c, int kind, FrameRecord *r, int line)
{
    if (c->ndead_candidates > 0)
        wcf_release_dead(c, 0); /* before this step's reads: a finalizer it runs moves the clock */
    int64_t step = ++c->step;
    c->epoch++;
    if (!c->clock_on)
        c->mclock++;
    if (c->on_fork_resume != NULL) {
        PyObject *resume = c->on_fork_resume;
        c->on_fork_resume = NULL;
        PyObject *result = PyObject_CallNoArgs(resume);
        if (result == NULL)
            wcf_internal_error(c, "restarting the recorder's thread after fork");
        Py_XDECREF(result);
        Py_DECREF(resume);
    }
    if (c->buffers_watched) {
        /* writes to watched buffers made since the last step belong to this step's state */
        PyObject *flags = PyObject_CallFunction(c->buffer_collect, "L", (long long)step);
        long bits = flags != NULL ? PyLong_AsLong(flags) : 2;
        Py_XDECREF(flags);
        if (bits < 0 || PyErr_Occurred()) {
            wcf_internal_error(c, "buffer tracking collect");
            bits = 2;
        }
        c->buffers_watched = (bits & 2) != 0;
        if (bits & 1)
            c->steps_since_flush = c->flush_every; /* buffered blobs are big: flush at this step */
    }
    wcf_row_step(&c->out, kind, r->frame_id, line);
    c->last_frame_id = r->frame_id;
    c->steps_since_flush++;
    return step;
}

void wcf_new_step_for_watch(Core *c)
{
    c->epoch++; /* watch(): re-read values, the line may have changed them since its step began */
    wcf_clock_tick(c);
}

/* -- frames -------------------------------------------------------------------------------------------- */

#define MAX_FREE_RECORDS 256

static void free_record(Core *c, FrameRecord *r)
{
    Py_CLEAR(r->frame);
    wcf_scope_unref(c, r->locals);
    if (c->nfree_records < MAX_FREE_RECORDS) {
        r->thread = (ThreadRec *)c->free_records; /* the link */
        c->free_records = r;
        c->nfree_records++;
        return;
    }
    free(r);
}

static FrameRecord *new_record(Core *c)
{
    FrameRecord *r = c->free_records;
    if (r == NULL)
        return calloc(1, sizeof(FrameRecord));
    c->free_records = (FrameRecord *)r->thread;
    c->nfree_records--;
    memset(r, 0, sizeof(FrameRecord));
    return r;
}

static int push(ThreadRec *t, FrameRecord *r)
{
    if (t->depth == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        FrameRecord **stack = realloc(t->stack, sizeof(FrameRecord *) * (size_t)cap);
        if (stack == NULL)
            return -1;
        t->stack = stack;
        t->cap = cap;
    }
    t->stack[t->depth++] = r;
    return 0;
}

static void scan_locals_only(Core *c, FrameRecord *r)
{
    PyFrameObject *frame = (PyFrameObject *)r->frame;
    if (r->locals->is_dict) {
        PyObject *locals = wcf_frame_locals_dict(frame);
        if (locals != NULL && PyDict_Check(locals))
            wcf_scan_dict(c, r->locals, locals, 0);
    } else {
        wcf_scan_fast(c, r->locals, frame, -1);
    }
}

static FrameRecord *enter(Core *c, PyObject *frame, CodeInfo *ci)
{
    ThreadRec *thread = current_thread(c);
    if (thread == NULL)
        return NULL;
    FrameRecord *parent = thread->depth ? thread->stack[thread->depth - 1] : NULL;
    PyObject *globals = wcf_frame_globals((PyFrameObject *)frame);
    Scope *gscope = globals_scope(c, globals);
    if (gscope == NULL)
        return NULL;
    FrameRecord *r = new_record(c);
    if (r == NULL)
        return NULL;
    r->frame_id = c->next_frame++;
    r->thread = thread;
    r->globals = gscope;
    r->code = ci;
    r->last_exception_step = -1;
    r->prev_line = -1;
    FrameRecord *resumed = wcf_ptrmap_remove(&c->suspended, frame);
    PyObject *flocals = wcf_frame_locals_dict((PyFrameObject *)frame);
    if (resumed != NULL) {
        r->locals = resumed->locals;
        r->locals->refs++;
        free_record(c, resumed);
    } else if ((ci->flags & WCF_CO_OPTIMIZED) || (flocals != NULL && flocals != globals)) {
        r->locals = wcf_scope_new(c, !(ci->flags & WCF_CO_OPTIMIZED), ci);
        if (r->locals == NULL) {
            free(r);
            return NULL;
        }
        wcf_row_scope(&c->out, r->locals->scope_id, 0, r->frame_id, NULL, 0);
    } else {
        r->locals = gscope;
        gscope->refs++;
    }
    r->shares_globals = r->locals == gscope;
    r->frame = Py_NewRef(frame);
    if (push(thread, r) < 0 || wcf_ptrmap_put(&c->live, frame, r) < 0) {
        if (thread->depth && thread->stack[thread->depth - 1] == r)
            thread->depth--;
        free_record(c, r);
        return NULL;
    }
    wcf_row_frame(&c->out, r->frame_id, parent != NULL ? parent->frame_id : -1, ci->code_id, thread->thread_id,
                  thread->depth - 1, r->locals->scope_id, gscope->scope_id, c->step + 1);
    /* A module's frame reports line 0 before its first instruction (3.11); steps are 1-based. */
    int line = PyFrame_GetLineNumber((PyFrameObject *)frame);
    new_step(c, STEP_CALL, r, line > 0 ? line : ((PyCodeObject *)ci->code)->co_firstlineno);
    if (c->scan_lines) {
        /* The caller ran part of its line since its last step (a comprehension's loop variable, an earlier
         * statement on the line, a walrus): its state at this step must include that. */
        if (parent != NULL && parent->frame != NULL)
            wcf_scan_frame(c, parent, parent->prev_line);
        wcf_scan_frame(c, r, -1);
    } else if (!r->shares_globals) {
        scan_locals_only(c, r); /* lite: the arguments */
    }
    wcf_flush_if_due(c);
    return r;
}

FrameRecord *wcf_on_call(Core *c, PyObject *frame)
{
    if (!c->active)
        return NULL;
    CodeInfo *ci = wcf_code_info(c, wcf_frame_code((PyFrameObject *)frame));
    if (ci == NULL || ci->code_id == 0)
        return NULL;
    FrameRecord *r = enter(c, frame, ci);
    if (wcf_error_pending(c))
        wcf_internal_error(c, "call event");
    return r;
}

void wcf_on_line(Core *c, FrameRecord *r, int line)
{
    if (!c->active)
        return;
    r->after_exception = 0;
    ThreadRec *t = r->thread;
    if (t->last_exception != NULL) {
        /* kept only while the program handles it (a bare `raise` is then no new exception); holding it longer
         * would keep its traceback's frames and their locals alive */
        PyObject *handled = PyErr_GetHandledException();
        if (handled != t->last_exception)
            Py_CLEAR(t->last_exception);
        Py_XDECREF(handled);
    }
    new_step(c, STEP_LINE, r, line);
    wcf_scan_frame(c, r, r->prev_line);
    r->prev_line = r->cur_line = line;
    wcf_maybe_sweep(c);
    if (wcf_error_pending(c))
        wcf_internal_error(c, "line event");
    wcf_flush_if_due(c);
}

/* The frame's current line: the last line step's (a return or an exception happens on it), else computed
 * from the frame's last instruction (sys.monitoring keeps no f_lineno, so that costs a line-table walk). */
static int frame_line(FrameRecord *r)
{
    return r->cur_line > 0 ? r->cur_line : PyFrame_GetLineNumber((PyFrameObject *)r->frame);
}

static void leave(Core *c, FrameRecord *r, int64_t end_step, int is_yield)
{
    wcf_row_frame_end(&c->out, r->frame_id, end_step);
    ThreadRec *t = r->thread;
    if (t->depth && t->stack[t->depth - 1] == r) {
        t->depth--;
    } else {
        for (int i = 0; i < t->depth; i++)
            if (t->stack[i] == r) {
                memmove(&t->stack[i], &t->stack[i + 1], sizeof(FrameRecord *) * (size_t)(t->depth - i - 1));
                t->depth--;
                break;
            }
    }
    wcf_ptrmap_remove(&c->live, r->frame);
    if (is_yield) {
        /* the record keeps the frame: its address cannot be reused while the generator waits */
        if (wcf_ptrmap_put(&c->suspended, r->frame, r) < 0)
            free_record(c, r);
    } else {
        free_record(c, r);
        wcf_maybe_sweep(c);
    }
}

void wcf_on_return(Core *c, FrameRecord *r, PyObject *value, int is_yield)
{
    if (!c->active)
        return;
    int64_t step = new_step(c, STEP_RETURN, r, frame_line(r));
    if (c->scan_lines)
        wcf_scan_frame(c, r, r->prev_line); /* since the last line step only the rest of that line ran */
    wcf_row_return(&c->out, step, r->frame_id, value != NULL ? wcf_value_id(c, value, 1) : -1);
    leave(c, r, step, is_yield);
    if (wcf_error_pending(c))
        wcf_internal_error(c, "return event");
    wcf_flush_if_due(c);
}

void wcf_on_unwind(Core *c, FrameRecord *r)
{
    if (!c->active)
        return;
    leave(c, r, r->last_exception_step >= 0 ? r->last_exception_step : c->step, 0);
    if (wcf_error_pending(c))
        wcf_internal_error(c, "unwind event");
}

/* The settrace tracer is back after the program removed or replaced it (sys.settrace(None) ... sys.settrace(
 * the saved one), as test.support.no_tracing and coverage tools do): `frame` is the frame whose call event
 * brought it back. Frames of this thread that left in between are ended at the last step; the others re-read
 * all their names at their next step (their lines ran unseen), and a notice says steps are missing here. */
void wcf_after_trace_gap(Core *c, PyFrameObject *frame)
{
    if (!c->active)
        return;
    PyThreadState *ts = c->busy && c->owner != NULL ? (PyThreadState *)c->owner : PyThreadState_Get();
    ThreadRec *t = wcf_ptrmap_get(&c->threads, ts);
    if (t == NULL || t->ident != (unsigned long)ts->id)
        return; /* a thread's first event (threading.settrace(saved)): nothing was missed */
    while (t->depth > 0) {
        FrameRecord *top = t->stack[t->depth - 1];
        int on_stack = 0;
        PyFrameObject *f = (PyFrameObject *)Py_XNewRef((PyObject *)frame);
        while (f != NULL && !on_stack) {
            on_stack = (PyObject *)f == top->frame;
            PyFrameObject *back = PyFrame_GetBack(f);
            Py_DECREF(f);
            f = back;
        }
        Py_XDECREF(f);
        if (on_stack)
            break;
        leave(c, top, c->step < 0 ? 0 : c->step, 0);
    }
    for (int i = 0; i < t->depth; i++)
        t->stack[i]->prev_line = -1; /* a full scan at the next step */
    wcf_clock_tick(c);
    PyObject *text = PyUnicode_FromFormat(
        "steps are missing after step %lld: the program removed or replaced the settrace tracer (sys.settrace) "
        "and set it again later; the code that ran in between is not recorded", (long long)(c->step < 0 ? 0 : c->step));
    PyObject *row = text != NULL ? Py_BuildValue("(LsN)", (long long)(c->step < 0 ? 0 : c->step), "tracer-gap", text)
                                 : NULL;
    if (row == NULL || PyList_Append(c->notice_rows, row) < 0)
        PyErr_Clear();
    Py_XDECREF(row);
}

void wcf_on_exception(Core *c, FrameRecord *r, PyObject *exc, PyObject *tb)
{
    if (!c->active)
        return;
    int64_t step = new_step(c, STEP_EXCEPTION, r, frame_line(r));
    if (c->scan_lines)
        wcf_scan_frame(c, r, r->prev_line);
    r->prev_line = -1; /* the handler's line-less instructions run next: the next line step reads everything */
    r->last_exception_step = step;
    r->after_exception = 1;
    ThreadRec *t = r->thread;
    if (exc != NULL && exc != t->last_exception) {
        Py_XSETREF(t->last_exception, Py_NewRef(exc));
        PyObject *type_name = wcf_call_helper(c, H_TYPE_NAME, PyTuple_Pack(1, (PyObject *)Py_TYPE(exc)));
        PyObject *message = wcf_call_helper(c, H_EXCEPTION_MESSAGE, PyTuple_Pack(1, exc));
        PyObject *text = wcf_call_helper(c, H_TRACEBACK_TEXT, PyTuple_Pack(2, exc, tb != NULL ? tb : Py_None));
        if (type_name == NULL)
            type_name = PyUnicode_FromString(Py_TYPE(exc)->tp_name);
        if (message == NULL)
            message = PyUnicode_FromString("");
        append_row(c, c->exception_rows,
                   Py_BuildValue("(LLNNOs)", (long long)step, (long long)r->frame_id, type_name, message,
                                 text != NULL ? text : Py_None, "raised"));
        Py_XDECREF(text);
    }
    if (wcf_error_pending(c))
        wcf_internal_error(c, "exception event");
    wcf_flush_if_due(c);
}

/* -- the end ------------------------------------------------------------------------------------------- */

void wcf_stop(Core *c)
{
    if (!c->active)
        return;
    c->active = 0;
    if (c->uninstall != NULL && c->uninstall != Py_None) {
        PyObject *result = PyObject_CallNoArgs(c->uninstall);
        if (result == NULL)
            PyErr_Clear();
        Py_XDECREF(result);
    }
}

void wcf_release_all(Core *c)
{
    WcfPtrMap *maps[] = {&c->live, &c->suspended};
    for (int m = 0; m < 2; m++) {
        WcfPtrMap *map = maps[m];
        if (map->slots == NULL)
            continue;
        for (size_t i = 0; i <= map->mask; i++)
            if (wcf_ptrmap_live(&map->slots[i]))
                free_record(c, map->slots[i].value);
        wcf_ptrmap_free(map);
    }
    if (c->globals_scopes.slots != NULL) {
        for (size_t i = 0; i <= c->globals_scopes.mask; i++)
            if (wcf_ptrmap_live(&c->globals_scopes.slots[i]))
                wcf_scope_unref(c, c->globals_scopes.slots[i].value);
        wcf_ptrmap_free(&c->globals_scopes);
    }
    if (c->threads.slots != NULL) {
        for (size_t i = 0; i <= c->threads.mask; i++)
            if (wcf_ptrmap_live(&c->threads.slots[i])) {
                ThreadRec *t = c->threads.slots[i].value;
                Py_XDECREF(t->last_exception);
                free(t->stack);
                free(t);
            }
        wcf_ptrmap_free(&c->threads);
    }
    if (c->codes.slots != NULL) {
        for (size_t i = 0; i <= c->codes.mask; i++)
            if (wcf_ptrmap_live(&c->codes.slots[i])) {
                CodeInfo *ci = c->codes.slots[i].value;
                Py_XDECREF(ci->code);
                Py_XDECREF(ci->names);
                Py_XDECREF(ci->co_code);
                free(ci->slot_name_ids);
                free(ci->slot_plain);
                free(ci->global_entry);
                free(ci->ls_start);
                free(ci->ls_slots);
                free(ci->ls_always);
                free(ci->le_usable);
                free(ci->le_start);
                free(ci->le_conds);
                free(ci->le_cstart);
                free(ci->le_calls);
                free(ci);
            }
        wcf_ptrmap_free(&c->codes);
    }
    wcf_values_free(c);
    while (c->free_records != NULL) {
        FrameRecord *r = c->free_records;
        c->free_records = (FrameRecord *)r->thread;
        free(r);
    }
    c->nfree_records = 0;
    wcf_scopes_free_lists(c);
}
