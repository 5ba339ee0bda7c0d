/* Scopes of the C core: what the recording last wrote for each name of a frame's fast locals or of a
 * namespace dict, and the scans that write the bindings that differ (recorder.py's _scan, _scan_names,
 * _scan_frame). A dict's version tag lets a scan skip a namespace nobody modified since it last looked. */
#include "wcf_core.h"

#define MAX_FREE_SCOPES 256

/* a slot scope from the free list when one has room for `nslots` */
static Scope *reuse_slot_scope(Core *c, int nslots)
{
    Scope *s = c->free_scopes;
    if (s == NULL || s->cap < nslots)
        return NULL;
    c->free_scopes = (Scope *)s->code;
    c->nfree_scopes--;
    Binding *slots = s->slots;
    int32_t *mutable_slots = s->mutable_slots;
    int cap = s->cap, cap_mutable = s->cap_mutable;
    memset(s, 0, sizeof(Scope));
    memset(slots, 0, sizeof(Binding) * (size_t)nslots);
    s->slots = slots;
    s->cap = cap;
    s->mutable_slots = mutable_slots;
    s->cap_mutable = cap_mutable;
    return s;
}

Scope *wcf_scope_new(Core *c, int is_dict, CodeInfo *code)
{
    Scope *s = is_dict ? NULL : reuse_slot_scope(c, code->nlocals);
    if (s != NULL) {
        s->scope_id = c->next_scope++;
        s->refs = 1;
        s->code = code;
        s->nslots = code->nlocals;
        return s;
    }
    s = calloc(1, sizeof(Scope));
    if (s == NULL)
        return NULL;
    s->scope_id = c->next_scope++;
    s->is_dict = is_dict;
    s->refs = 1;
    if (is_dict) {
        s->index = PyDict_New();
        if (s->index == NULL) {
            PyErr_Clear();
            free(s);
            return NULL;
        }
    } else {
        s->code = code;
        s->nslots = code->nlocals;
        s->cap = s->nslots > 8 ? s->nslots : 8; /* slot scopes: `cap` is the slots array's size */
        s->slots = calloc((size_t)s->cap, sizeof(Binding));
        if (s->slots == NULL) {
            free(s);
            return NULL;
        }
    }
    return s;
}

void wcf_scope_unref(Core *c, Scope *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    if (s->is_dict) {
        for (int i = 0; i < s->nentries; i++) {
            if (c != NULL && s->entries[i].entry != NULL)
                wcf_note_dropped(c, s->entries[i].obj);
            Py_XDECREF(s->entries[i].obj);
            Py_XDECREF(s->entry_names[i]);
        }
        free(s->entries);
        free(s->entry_names);
        free(s->entry_name_ids);
        Py_XDECREF(s->index);
        Py_XDECREF(s->dict);
    } else {
        for (int i = 0; i < s->nslots; i++) {
            if (c != NULL) {
                c->nmutable_locals -= s->slots[i].is_mutable;
                if (s->slots[i].entry != NULL)
                    wcf_note_dropped(c, s->slots[i].obj); /* checked at the next step, once the frame is gone */
            }
            Py_XDECREF(s->slots[i].obj);
        }
        if (c != NULL && c->nfree_scopes < MAX_FREE_SCOPES) {
            s->code = (CodeInfo *)c->free_scopes;
            c->free_scopes = s;
            c->nfree_scopes++;
            return;
        }
        free(s->slots);
        free(s->mutable_slots);
    }
    free(s);
}

/* A value whose recorded state can change without a rebinding: a container or an instance (a tuple or
 * frozenset only when it holds objects that can themselves change). */
static int is_mutable_entry(Tracked *e)
{
    if (e == NULL || e->kind == K_OPAQUE || e->kind == K_UNKNOWN)
        return 0;
    if (e->kind == K_TUPLE || e->kind == K_FROZENSET)
        return e->expanded && !e->scalar_children;
    return 1;
}

/* Compares one name with what the recording has for it and writes a binding row when it differs. */
static void bind(Core *c, Scope *s, Binding *b, int64_t name_id, PyObject *obj)
{
    if (obj == NULL) {
        if (b->obj != NULL) {
            if (b->value_id != 0)
                wcf_row_binding(&c->out, c->step, s->scope_id, name_id, -1);
            if (b->entry != NULL)
                wcf_note_dropped(c, b->obj);
            Py_CLEAR(b->obj);
            b->entry = NULL;
            b->value_id = 0;
            if (!s->is_dict)
                c->nmutable_locals -= b->is_mutable;
            b->is_mutable = 0;
        }
        return;
    }
    if (b->obj == obj) {
        if (b->is_mutable)
            wcf_refresh_entry(c, b->entry, 1); /* a container or instance: its state may have changed in place */
        return;
    }
    Tracked *entry;
    int64_t id = wcf_value_entry(c, obj, 1, &entry);
    if (b->obj == NULL || b->value_id != id)
        wcf_row_binding(&c->out, c->step, s->scope_id, name_id, id);
    if (b->entry != NULL)
        wcf_note_dropped(c, b->obj);
    Py_XSETREF(b->obj, Py_NewRef(obj));
    b->entry = entry;
    b->value_id = id;
    int was_mutable = b->is_mutable;
    b->is_mutable = (uint8_t)is_mutable_entry(entry);
    if (!s->is_dict)
        c->nmutable_locals += b->is_mutable - was_mutable;
}

static int64_t slot_name_id(Core *c, CodeInfo *ci, int slot)
{
    int64_t id = ci->slot_name_ids[slot];
    if (id == 0) {
        PyObject *all = ((PyCodeObject *)ci->code)->co_localsplusnames;
        id = wcf_name_id(c, PyTuple_GET_ITEM(all, slot));
        ci->slot_name_ids[slot] = id;
    }
    return id;
}

static void set_mutable(Scope *s, int slot, int mutable)
{
    if (mutable) {
        if (s->nmutable == s->cap_mutable) {
            int cap = s->cap_mutable ? s->cap_mutable * 2 : 8;
            int32_t *grown = realloc(s->mutable_slots, sizeof(int32_t) * (size_t)cap);
            if (grown == NULL)
                return; /* then the slot is refreshed only when a line stores it */
            s->mutable_slots = grown;
            s->cap_mutable = cap;
        }
        s->mutable_slots[s->nmutable++] = slot;
        return;
    }
    for (int k = 0; k < s->nmutable; k++)
        if (s->mutable_slots[k] == slot) {
            s->mutable_slots[k] = s->mutable_slots[--s->nmutable];
            return;
        }
}

static void scan_slot(Core *c, Scope *s, _PyInterpreterFrame *f, PyCodeObject *code, int i)
{
    if (i >= s->nslots || i >= code->co_nlocalsplus)
        return;
    CodeInfo *ci = s->code;
    PyObject *value = ci->slot_plain[i] ? f->localsplus[i] : wcf_fast_local(f, code, i);
    Binding *b = &s->slots[i];
    if (value == b->obj) {
        if (value != NULL && b->is_mutable)
            wcf_refresh_entry(c, b->entry, 1);
        return;
    }
    int was_mutable = b->is_mutable;
    bind(c, s, b, slot_name_id(c, ci, i), value);
    if (b->is_mutable != was_mutable)
        set_mutable(s, i, b->is_mutable);
}

/* Builds ci's per-line store sets (CSR) from core_helpers.line_stores; ls_state -1 when that fails. */
static void build_line_stores(Core *c, CodeInfo *ci)
{
    ci->ls_state = -1;
    PyObject *result = wcf_call_helper(c, H_LINE_STORES, PyTuple_Pack(1, ci->code));
    if (result == NULL || !PyTuple_Check(result) || PyTuple_GET_SIZE(result) != 2 ||
        !PyDict_Check(PyTuple_GET_ITEM(result, 0)) || !PyTuple_Check(PyTuple_GET_ITEM(result, 1))) {
        Py_XDECREF(result);
        return;
    }
    PyObject *by_line = PyTuple_GET_ITEM(result, 0), *lineless = PyTuple_GET_ITEM(result, 1);
    long first = -1, last = -1;
    Py_ssize_t total = 0, pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(by_line, &pos, &key, &value)) {
        long line = PyLong_AsLong(key);
        if (line < 0 || !PyTuple_Check(value)) {
            PyErr_Clear();
            Py_DECREF(result);
            return;
        }
        first = first < 0 || line < first ? line : first;
        last = line > last ? line : last;
        total += PyTuple_GET_SIZE(value);
    }
    int count = first < 0 ? 0 : (int)(last - first + 1);
    int nonplain = 0;
    for (int i = 0; i < ci->nlocals; i++)
        nonplain += !ci->slot_plain[i];
    ci->ls_start = calloc((size_t)count + 1, sizeof(int32_t));
    ci->ls_slots = malloc(sizeof(int32_t) * (size_t)(total ? total : 1));
    ci->ls_always = malloc(sizeof(int32_t) * (size_t)(nonplain + PyTuple_GET_SIZE(lineless) + 1));
    if (ci->ls_start == NULL || ci->ls_slots == NULL || ci->ls_always == NULL) {
        Py_DECREF(result);
        return;
    }
    /* counting pass, then a fill pass (dict order is not line order) */
    pos = 0;
    while (PyDict_Next(by_line, &pos, &key, &value))
        ci->ls_start[PyLong_AsLong(key) - first + 1] = (int32_t)PyTuple_GET_SIZE(value);
    for (int k = 0; k < count; k++)
        ci->ls_start[k + 1] += ci->ls_start[k];
    pos = 0;
    while (PyDict_Next(by_line, &pos, &key, &value)) {
        int32_t at = ci->ls_start[PyLong_AsLong(key) - first];
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(value); j++)
            ci->ls_slots[at + j] = (int32_t)PyLong_AsLong(PyTuple_GET_ITEM(value, j));
    }
    int n = 0;
    for (int i = 0; i < ci->nlocals; i++)
        if (!ci->slot_plain[i])
            ci->ls_always[n++] = i;
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(lineless); j++)
        ci->ls_always[n++] = (int32_t)PyLong_AsLong(PyTuple_GET_ITEM(lineless, j));
    ci->ls_nalways = n;
    ci->ls_first = (int)first;
    ci->ls_count = count;
    Py_DECREF(result);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return;
    }
    ci->ls_state = 1;
}

void wcf_scan_fast(Core *c, Scope *s, PyFrameObject *frame, int prev_line)
{
    _PyInterpreterFrame *f = wcf_iframe(frame);
    PyCodeObject *code = wcf_iframe_code(f);
    CodeInfo *ci = s->code;
    if (prev_line >= 0 && ci->ls_state == 0)
        build_line_stores(c, ci);
    if (prev_line < 0 || ci->ls_state != 1 || (PyCodeObject *)ci->code != code) {
        int n = s->nslots < code->co_nlocalsplus ? s->nslots : code->co_nlocalsplus;
        for (int i = 0; i < n; i++)
            scan_slot(c, s, f, code, i);
        return;
    }
    int k = prev_line - ci->ls_first;
    if (k >= 0 && k < ci->ls_count)
        for (int32_t j = ci->ls_start[k]; j < ci->ls_start[k + 1]; j++)
            scan_slot(c, s, f, code, ci->ls_slots[j]);
    for (int j = 0; j < ci->ls_nalways; j++)
        scan_slot(c, s, f, code, ci->ls_always[j]);
    /* containers and instances may have changed in place (a callee, another thread, C code) */
    for (int j = 0; j < s->nmutable; j++) {
        Binding *b = &s->slots[s->mutable_slots[j]];
        if (b->obj != NULL && b->entry != NULL)
            wcf_refresh_entry(c, b->entry, 1);
    }
}

/* -- dict scopes --------------------------------------------------------------------------------------- */

static int entry_for(Core *c, Scope *s, PyObject *name)
{
    PyObject *index = PyDict_GetItemWithError(s->index, name);
    if (index != NULL)
        return (int)PyLong_AsLong(index);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    if (s->nentries == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        Binding *entries = realloc(s->entries, sizeof(Binding) * (size_t)cap);
        if (entries != NULL)
            s->entries = entries;
        PyObject **names = realloc(s->entry_names, sizeof(PyObject *) * (size_t)cap);
        if (names != NULL)
            s->entry_names = names;
        int64_t *ids = realloc(s->entry_name_ids, sizeof(int64_t) * (size_t)cap);
        if (ids != NULL)
            s->entry_name_ids = ids;
        if (entries == NULL || names == NULL || ids == NULL)
            return -1;
        s->cap = cap;
    }
    PyObject *number = PyLong_FromLong(s->nentries);
    if (number == NULL || PyDict_SetItem(s->index, name, number) < 0) {
        Py_XDECREF(number);
        PyErr_Clear();
        return -1;
    }
    Py_DECREF(number);
    int i = s->nentries++;
    memset(&s->entries[i], 0, sizeof(Binding));
    s->entry_names[i] = Py_NewRef(name);
    s->entry_name_ids[i] = 0;
    return i;
}

static int is_builtins_name(PyObject *name)
{
    return PyUnicode_CheckExact(name) && PyUnicode_CompareWithASCIIString(name, "__builtins__") == 0;
}

static void bind_entry(Core *c, Scope *s, int i, PyObject *value)
{
    Binding *b = &s->entries[i];
    if (value != NULL && b->obj == NULL && is_builtins_name(s->entry_names[i])) {
        b->obj = Py_NewRef(value); /* never recorded; value_id 0 marks it */
        b->value_id = 0;
        s->nbound++;
        return;
    }
    if (value != NULL && b->obj != NULL && b->value_id == 0 && b->obj != value &&
        is_builtins_name(s->entry_names[i])) {
        Py_XSETREF(b->obj, Py_NewRef(value));
        return;
    }
    if (s->entry_name_ids[i] == 0 && (value != NULL || b->obj != NULL))
        s->entry_name_ids[i] = wcf_name_id(c, s->entry_names[i]);
    int was_bound = b->obj != NULL;
    bind(c, s, b, s->entry_name_ids[i], value);
    s->nbound += (b->obj != NULL) - was_bound;
}

/* Every name of `dict` against the scope (recorder.py _scan); `force` ignores the version shortcut. */
void wcf_scan_dict(Core *c, Scope *s, PyObject *dict, int force)
{
    uint64_t version = wcf_dict_version(dict);
    if (!force && s->fully_scanned && version == s->version && wcf_dict_version_reliable(dict)) {
        for (int i = 0; i < s->nentries; i++)
            if (s->entries[i].obj != NULL && s->entries[i].is_mutable)
                wcf_refresh_entry(c, s->entries[i].entry, 1);
        return;
    }
    int64_t mark = ++s->scan_mark;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    int seen_bound = 0;
    while (wcf_dict_next(dict, &pos, &key, &value)) {
        Py_INCREF(key);
        Py_INCREF(value);
        int i = entry_for(c, s, key);
        if (i >= 0) {
            bind_entry(c, s, i, value);
            s->entries[i].seen = mark;
            seen_bound += s->entries[i].obj != NULL;
        }
        Py_DECREF(value);
        Py_DECREF(key);
    }
    if (s->nbound != seen_bound) {
        /* names the dict no longer has */
        for (int i = 0; i < s->nentries; i++)
            if (s->entries[i].obj != NULL && s->entries[i].seen != mark)
                bind_entry(c, s, i, NULL);
    }
    s->version = wcf_dict_version(dict);
    s->fully_scanned = 1;
}

/* The globals a function's code names (co_names), recorder.py _scan_names; skipped while the dict is
 * unmodified since this code last read them, except for the containers they hold. */
static void scan_names(Core *c, Scope *s, PyObject *dict, CodeInfo *ci)
{
    PyObject *names = ci->names;
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    uint64_t version = wcf_dict_version(dict);
    if (ci->globals_scope == s && ci->globals_version == version && ci->global_entry != NULL &&
        wcf_dict_version_reliable(dict)) {
        for (Py_ssize_t k = 0; k < n; k++) {
            int64_t i = ci->global_entry[k];
            if (i >= 0 && s->entries[i].obj != NULL && s->entries[i].is_mutable)
                wcf_refresh_entry(c, s->entries[i].entry, 1);
        }
        return;
    }
    if (ci->global_entry == NULL) {
        ci->global_entry = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
        if (ci->global_entry == NULL)
            return;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *name = PyTuple_GET_ITEM(names, k);
        PyObject *value = PyDict_GetItemWithError(dict, name);
        if (value == NULL && PyErr_Occurred())
            PyErr_Clear();
        PyObject *known = PyDict_GetItemWithError(s->index, name);
        int i = -1;
        if (known != NULL)
            i = (int)PyLong_AsLong(known);
        else if (PyErr_Occurred())
            PyErr_Clear();
        if (value == NULL) {
            if (i >= 0 && s->entries[i].obj != NULL)
                bind_entry(c, s, i, NULL);
            ci->global_entry[k] = i;
            continue;
        }
        if (i < 0)
            i = entry_for(c, s, name);
        if (i >= 0) {
            Py_INCREF(value);
            bind_entry(c, s, i, value);
            Py_DECREF(value);
        }
        ci->global_entry[k] = i;
    }
    ci->globals_scope = s;
    ci->globals_version = wcf_dict_version(dict);
}

void wcf_scan_frame(Core *c, FrameRecord *r, int prev_line)
{
    PyFrameObject *frame = (PyFrameObject *)r->frame;
    if (frame == NULL)
        return;
    PyObject *globals = wcf_frame_globals(frame);
    if (r->shares_globals) {
        wcf_scan_dict(c, r->globals, globals, 0);
        return;
    }
    if (r->locals->is_dict) {
        PyObject *locals = wcf_frame_locals_dict(frame);
        if (locals != NULL && PyDict_Check(locals))
            wcf_scan_dict(c, r->locals, locals, 0);
    } else {
        wcf_scan_fast(c, r->locals, frame, prev_line);
    }
    if (r->globals->fully_scanned)
        scan_names(c, r->globals, globals, r->code);
    else
        wcf_scan_dict(c, r->globals, globals, 1);
}

void wcf_scopes_free_lists(Core *c)
{
    while (c->free_scopes != NULL) {
        Scope *s = c->free_scopes;
        c->free_scopes = (Scope *)s->code;
        free(s->slots);
        free(s->mutable_slots);
        free(s);
    }
    c->nfree_scopes = 0;
}
