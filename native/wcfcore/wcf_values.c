/* Value capture of the C core: value ids for scalars and objects, object identity, object states (full or
 * delta rows), releasing what only the recorder holds. The twin of native/watercodeflow/values.py; it must
 * never run the program's code: reprs only of exact builtin scalars, containers read through their base types'
 * C storage, instances through their __dict__ and member slots, the rare rest through watercodeflow.core_helpers.
 */
#include "wcf_core.h"

static const char *const KIND_NAMES[] = {
    "opaque", "list", "tuple", "dict", "set", "frozenset", "bytearray", "deque", "instance", "ndarray",
    "numpy-scalar", "opaque", "tensor",
};

/* -- helpers and text ---------------------------------------------------------------------------------- */

PyObject *wcf_call_helper(Core *c, int h, PyObject *args)
{
    if (args == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *result = NULL;
    /* Python code close to the recursion limit would raise RecursionError inside a trace callback. */
    if (wcf_recursion_headroom(PyThreadState_Get()) > 60 && c->h[h] != NULL)
        result = PyObject_Call(c->h[h], args, NULL);
    Py_DECREF(args);
    if (result == NULL)
        wcf_clear_error();
    return result;
}

void wcf_clear_error(void)
{
    /* A Ctrl-C that arrives while a helper runs is raised inside it; hand it back to the program (it is
     * raised again at the program's next instruction) instead of swallowing it with the helper's failure. */
    int interrupted = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
    PyErr_Clear();
    if (interrupted)
        PyErr_SetInterrupt();
}

const char *wcf_utf8(PyObject *text, Py_ssize_t *len, PyObject **keep)
{
    *keep = NULL;
    if (text == NULL || !PyUnicode_Check(text))
        return NULL;
    const char *data = PyUnicode_AsUTF8AndSize(text, len);
    if (data != NULL)
        return data;
    PyErr_Clear(); /* lone surrogates: keep them visible as escapes */
    *keep = PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace");
    if (*keep == NULL) {
        PyErr_Clear();
        return NULL;
    }
    *len = PyBytes_GET_SIZE(*keep);
    return PyBytes_AS_STRING(*keep);
}

/* text cut to max_repr characters with the cut marker; consumes `text` */
static PyObject *cut_text(Core *c, PyObject *text)
{
    if (text == NULL || PyUnicode_GET_LENGTH(text) <= c->max_repr)
        return text;
    PyObject *head = PyUnicode_Substring(text, 0, c->max_repr);
    Py_DECREF(text);
    if (head == NULL)
        return NULL;
    static PyObject *mark = NULL;
    if (mark == NULL && (mark = PyUnicode_FromOrdinal(0x2026)) == NULL) {
        Py_DECREF(head);
        return NULL;
    }
    PyObject *marked = PyUnicode_Concat(head, mark);
    Py_DECREF(head);
    return marked;
}

static void val_text_row(Core *c, int64_t value_id, int64_t type_id, int64_t object_id, PyObject *text)
{
    wcf_row_val_begin(&c->out, value_id, type_id, object_id);
    Py_ssize_t len = 0;
    PyObject *keep = NULL;
    const char *data = text != NULL ? wcf_utf8(text, &len, &keep) : NULL;
    wcf_val_text(&c->out, data, len);
    Py_XDECREF(keep);
}

/* -- types --------------------------------------------------------------------------------------------- */

static int kind_from_name(PyObject *name)
{
    static const struct {
        const char *text;
        int kind;
    } table[] = {
        {"list", K_LIST},       {"tuple", K_TUPLE},         {"dict", K_DICT},
        {"set", K_SET},         {"frozenset", K_FROZENSET}, {"bytearray", K_BYTEARRAY},
        {"deque", K_DEQUE},     {"instance", K_INSTANCE},   {"ndarray", K_NDARRAY},
        {"numpy-scalar", K_NUMPY_SCALAR}, {"tensor", K_TENSOR},
    };
    if (name == NULL || !PyUnicode_Check(name))
        return K_OPAQUE;
    const char *text = PyUnicode_AsUTF8(name);
    if (text == NULL) {
        PyErr_Clear();
        return K_OPAQUE;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(text, table[i].text) == 0)
            return table[i].kind;
    return K_OPAQUE;
}

int wcf_is_scalar(Core *c, PyTypeObject *t)
{
    (void)c;
    return t == &PyLong_Type || t == &PyUnicode_Type || t == &PyFloat_Type || t == &PyBool_Type ||
           t == Py_TYPE(Py_None) || t == &PyBytes_Type || t == &PyComplex_Type;
}

static PyObject *type_text(PyObject *name) { return Py_NewRef(name); }

TypeInfo *wcf_type_info(Core *c, PyTypeObject *type)
{
    TypeInfo *ti = wcf_ptrmap_get(&c->types, type);
    if (ti != NULL)
        return ti;
    ti = calloc(1, sizeof(TypeInfo));
    if (ti == NULL)
        return NULL;
    ti->type = (PyObject *)type;
    Py_INCREF(type);
    PyObject *name = wcf_call_helper(c, H_TYPE_NAME, PyTuple_Pack(1, (PyObject *)type));
    if (name == NULL || !PyUnicode_Check(name)) {
        Py_XDECREF(name);
        name = PyUnicode_FromString(type->tp_name);
        if (name == NULL) {
            PyErr_Clear();
            name = PyUnicode_FromString("?");
            PyErr_Clear();
        }
    }
    /* one id per name, as the Python core's writer has it (the types table's names are unique): distinct
     * classes share a name when a factory makes one per call or a module is imported afresh */
    ti->type_id = name != NULL ? wcf_interned_id(c, c->type_ids, name, &c->next_type, c->type_rows, type_text)
                               : c->next_type++;
    Py_XDECREF(name);
    if (wcf_is_scalar(c, type)) {
        ti->kind = K_UNKNOWN;
    } else {
        PyObject *kind = wcf_call_helper(c, H_CLASSIFY, PyTuple_Pack(1, (PyObject *)type));
        ti->kind = kind_from_name(kind);
        Py_XDECREF(kind);
        if (ti->kind == K_INSTANCE)
            ti->slots = wcf_call_helper(c, H_SLOT_NAMES, PyTuple_Pack(1, (PyObject *)type));
    }
    if (wcf_ptrmap_put(&c->types, type, ti) < 0) {
        Py_DECREF(type);
        Py_XDECREF(ti->slots);
        free(ti);
        return NULL;
    }
    return ti;
}

/* -- scalars ------------------------------------------------------------------------------------------- */

static inline size_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)(h & (SCALAR_CACHE - 1));
}

static int64_t fixed_id(Core *c, int64_t *slot, TypeInfo *ti, int tag)
{
    if (*slot == 0) {
        *slot = c->next_value++;
        wcf_row_val_begin(&c->out, *slot, ti->type_id, -1);
        wcf_val_tag(&c->out, tag);
    }
    return *slot;
}

/* repr of an exact builtin scalar, cut; NULL (no exception) if even that failed */
static PyObject *scalar_repr(Core *c, PyObject *obj, PyTypeObject *t)
{
    PyObject *text = NULL;
    Py_ssize_t huge = 16 * (Py_ssize_t)c->max_repr + 64;
    if (t == &PyUnicode_Type && PyUnicode_GET_LENGTH(obj) > huge) {
        PyObject *head = PyUnicode_Substring(obj, 0, c->max_repr + 1);
        text = head != NULL ? PyObject_Repr(head) : NULL;
        Py_XDECREF(head);
    } else if (t == &PyBytes_Type && PyBytes_GET_SIZE(obj) > huge) {
        PyObject *head = PyBytes_FromStringAndSize(PyBytes_AS_STRING(obj), c->max_repr + 1);
        text = head != NULL ? PyObject_Repr(head) : NULL;
        Py_XDECREF(head);
    } else {
        text = PyObject_Repr(obj);
        if (text == NULL && t == &PyLong_Type && PyErr_ExceptionMatches(PyExc_ValueError)) {
            /* CPython >= 3.11 refuses repr() of ints past sys.get_int_max_str_digits() */
            PyErr_Clear();
            text = PyUnicode_FromFormat("<int with %zu bits>", (size_t)_PyLong_NumBits(obj));
        }
    }
    if (text == NULL) {
        PyErr_Clear();
        return NULL;
    }
    text = cut_text(c, text);
    if (text == NULL)
        PyErr_Clear();
    return text;
}

static int64_t text_scalar_id(Core *c, PyObject *obj, PyTypeObject *t, TypeInfo *ti)
{
    ObjectSlot *slot = &c->object_cache[mix64((uint64_t)(uintptr_t)obj)];
    if (slot->obj == obj)
        return slot->value_id;
    int64_t id = c->next_value++;
    PyObject *text = scalar_repr(c, obj, t);
    val_text_row(c, id, ti->type_id, -1, text);
    Py_XDECREF(text);
    Py_XSETREF(slot->obj, Py_NewRef(obj));
    slot->value_id = id;
    return id;
}

static int64_t scalar_id(Core *c, PyObject *obj, PyTypeObject *t)
{
    if (t == &PyLong_Type) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (!overflow && !(v == -1 && PyErr_Occurred())) {
            if (v >= -5 && v < 1024 && c->small_ints[v + 5] != 0)
                return c->small_ints[v + 5];
            ScalarSlot *slot = &c->int_cache[mix64((uint64_t)v)];
            if (slot->value_id != 0 && slot->key == v)
                return slot->value_id;
            int64_t id;
            if (c->max_repr >= 20) {
                id = c->next_value++;
                wcf_row_val_begin(&c->out, id, c->t_int->type_id, -1);
                wcf_val_int(&c->out, v);
            } else {
                id = text_scalar_id(c, obj, t, c->t_int);
            }
            if (v >= -5 && v < 1024)
                c->small_ints[v + 5] = id;
            slot->key = v;
            slot->value_id = id;
            return id;
        }
        PyErr_Clear();
        return text_scalar_id(c, obj, t, c->t_int);
    }
    if (t == &PyUnicode_Type)
        return text_scalar_id(c, obj, t, c->t_str);
    if (t == &PyFloat_Type) {
        double d = PyFloat_AS_DOUBLE(obj);
        int64_t bits;
        memcpy(&bits, &d, 8);
        ScalarSlot *slot = &c->float_cache[mix64((uint64_t)bits)];
        if (slot->value_id != 0 && slot->key == bits)
            return slot->value_id;
        int64_t id;
        if (c->max_repr >= 24) {
            id = c->next_value++;
            wcf_row_val_begin(&c->out, id, c->t_float->type_id, -1);
            wcf_val_float(&c->out, d);
        } else {
            id = text_scalar_id(c, obj, t, c->t_float);
        }
        slot->key = bits;
        slot->value_id = id;
        return id;
    }
    if (obj == Py_None)
        return fixed_id(c, &c->none_id, c->t_none, WCF_V_NONE);
    if (obj == Py_True)
        return fixed_id(c, &c->true_id, c->t_bool, WCF_V_TRUE);
    if (obj == Py_False)
        return fixed_id(c, &c->false_id, c->t_bool, WCF_V_FALSE);
    return text_scalar_id(c, obj, t, t == &PyBytes_Type ? c->t_bytes : c->t_complex);
}

/* -- objects ------------------------------------------------------------------------------------------- */

/* Re-reads a tracked object's state at `level`; called by wcf_refresh_entry once unchanged_since_read() found
 * a change (or could not tell). */
static void refresh(Core *c, Tracked *e, int level);

/* numpy arrays, torch tensors, bytearray and the opaque kinds with the buffer protocol (array.array, mmap,
 * memoryview) go to buffer tracking, which records their element-level writes (docs/buffer-tracking.md).
 * Tensors have no buffer protocol: they are offered by kind. */
static void offer_buffer(Core *c, Tracked *e, PyObject *obj, TypeInfo *ti)
{
    if (c->buffer_track == NULL)
        return;
    PyBufferProcs *procs = Py_TYPE(obj)->tp_as_buffer;
    int candidate = ti->kind == K_NDARRAY || ti->kind == K_TENSOR || ti->kind == K_BYTEARRAY ||
                    (ti->kind == K_OPAQUE && procs != NULL && procs->bf_getbuffer != NULL);
    if (!candidate)
        return;
    e->buffer = 1;
    PyObject *watching = PyObject_CallFunction(c->buffer_track, "OLL", obj, (long long)e->object_id,
                                               (long long)(c->step < 0 ? 0 : c->step));
    if (watching == NULL) {
        wcf_internal_error(c, "buffer tracking");
        return;
    }
    if (PyObject_IsTrue(watching) == 1)
        c->buffers_watched = 1;
    Py_DECREF(watching);
    PyErr_Clear();
}

static Tracked *new_tracked(Core *c);
static void free_tracked(Core *c, Tracked *e);

static Tracked *track(Core *c, PyObject *obj, TypeInfo *ti)
{
    Tracked *e = new_tracked(c);
    if (e == NULL)
        return NULL;
    if (wcf_ptrmap_put(&c->tracked, obj, e) < 0) {
        free_tracked(c, e);
        return NULL;
    }
    e->obj = Py_NewRef(obj);
    e->object_id = c->next_object++;
    e->value_id = c->next_value++;
    e->type = ti;
    e->kind = (uint8_t)ti->kind;
    e->seen_epoch = -1;
    PyObject *display = NULL;
    if (ti->kind == K_OPAQUE || ti->kind == K_UNKNOWN) {
        display = wcf_call_helper(c, H_OPAQUE_DISPLAY, PyTuple_Pack(2, obj, ti->type));
        if (display == NULL)
            display = PyUnicode_FromFormat("<%s object at %p>", Py_TYPE(obj)->tp_name, obj);
    } else if (ti->kind == K_NDARRAY || ti->kind == K_TENSOR) {
        PyObject *limit = PyLong_FromLong(c->max_repr);
        int helper = ti->kind == K_NDARRAY ? H_NDARRAY_DISPLAY : H_TENSOR_DISPLAY;
        display = limit != NULL ? wcf_call_helper(c, helper, PyTuple_Pack(2, obj, limit)) : NULL;
        Py_XDECREF(limit);
    }
    if (display != NULL && PyUnicode_Check(display))
        display = cut_text(c, display);
    if (display == NULL)
        PyErr_Clear();
    val_text_row(c, e->value_id, ti->type_id, e->object_id, display);
    Py_XDECREF(display);
    wcf_row_object(&c->out, e->object_id, ti->type_id, KIND_NAMES[ti->kind], c->step < 0 ? 0 : c->step);
    offer_buffer(c, e, obj, ti);
    return e;
}

static int64_t numpy_scalar_id(Core *c, PyObject *obj, TypeInfo *ti)
{
    PyObject *text = PyObject_Repr(obj); /* numpy's own repr of its scalar types, no user code */
    if (text == NULL)
        PyErr_Clear();
    else
        text = cut_text(c, text);
    int64_t id = c->next_value++;
    val_text_row(c, id, ti->type_id, -1, text);
    Py_XDECREF(text);
    return id;
}

static int same_raw(Tracked *e, PyObject **raw, int n);
static void refresh_nested(Core *c, Tracked *e, int level);

/* A container read before and unchanged since (same item pointers, dict version tag or set table): only its
 * nested states can have changed. Checked here, before the call to refresh(), because most re-reads at a
 * step find nothing changed. 0: changed, or not a kind this can tell; refresh() reads it. */
static inline int unchanged_since_read(Core *c, Tracked *e, int level)
{
    if (!e->expanded || level > c->sticky_level_limit)
        return 0;
    int kind = e->kind;
    if (kind == K_LIST || kind == K_TUPLE) {
        if (e->raw == NULL || Py_SIZE(e->obj) != e->length)
            return 0;
        PyObject **items = kind == K_LIST ? ((PyListObject *)e->obj)->ob_item : ((PyTupleObject *)e->obj)->ob_item;
        if (!same_raw(e, items, (int)(e->length < c->max_items ? e->length : c->max_items)))
            return 0;
    } else if (kind == K_DICT) {
        if (e->raw == NULL || !PyDict_CheckExact(e->obj) || !wcf_dict_version_reliable(e->obj) ||
            wcf_dict_version(e->obj) != e->dict_version)
            return 0;
    } else if (kind == K_SET || kind == K_FROZENSET) {
        PySetObject *set = (PySetObject *)e->obj;
        size_t bytes = sizeof(setentry) * (size_t)(set->mask + 1);
        if (e->set_copy == NULL || (void *)set->table != e->set_table || bytes != e->set_copy_bytes ||
            memcmp(set->table, e->set_copy, bytes) != 0)
            return 0;
    } else {
        return 0;
    }
    refresh_nested(c, e, level);
    return 1;
}

/* wcf_refresh_entry()'s read, when neither this step nor the mutation clock says e is known (wcf_core.h) */
int64_t wcf_refresh_entry_read(Core *c, Tracked *e, int level)
{
    e->seen_epoch = c->epoch;
    e->seen_level = level;
    int outer_cut = c->read_cut;
    c->read_cut = 0;
    e->checked_complete = 1; /* for now: a cycle back to e must not count as a cut */
    if (!unchanged_since_read(c, e, level))
        refresh(c, e, level);
    e->checked_clock = c->mclock;
    e->checked_level = level;
    e->checked_complete = !c->read_cut;
    c->read_cut |= outer_cut;
    return e->value_id;
}

int64_t wcf_value_entry(Core *c, PyObject *obj, int level, Tracked **entry)
{
    *entry = NULL;
    PyTypeObject *t = Py_TYPE(obj);
    if (wcf_is_scalar(c, t))
        return scalar_id(c, obj, t);
    Tracked *e = wcf_ptrmap_get(&c->tracked, obj);
    if (e == NULL) {
        TypeInfo *ti = wcf_type_info(c, t);
        if (ti == NULL)
            return 0;
        if (ti->kind == K_NUMPY_SCALAR)
            return numpy_scalar_id(c, obj, ti);
        e = track(c, obj, ti);
        if (e == NULL)
            return 0;
    }
    *entry = e;
    return wcf_refresh_entry(c, e, level);
}

int64_t wcf_value_id(Core *c, PyObject *obj, int level)
{
    Tracked *entry;
    return wcf_value_entry(c, obj, level, &entry);
}

/* -- object states ------------------------------------------------------------------------------------- */

static void json_str(WcfBuf *b, PyObject *text)
{
    Py_ssize_t len = 0;
    PyObject *keep = NULL;
    const char *data = wcf_utf8(text, &len, &keep);
    wcf_buf_byte(b, '"');
    if (wcf_buf_reserve(b, (size_t)len * 6 + 2) == 0) {
        uint8_t *p = b->data + b->len;
        for (Py_ssize_t i = 0; data != NULL && i < len; i++) {
            unsigned char ch = (unsigned char)data[i];
            if (ch == '"' || ch == '\\') {
                *p++ = '\\';
                *p++ = ch;
            } else if (ch < 0x20) {
                static const char hex[] = "0123456789abcdef";
                *p++ = '\\';
                *p++ = 'u';
                *p++ = '0';
                *p++ = '0';
                *p++ = (uint8_t)hex[ch >> 4];
                *p++ = (uint8_t)hex[ch & 15];
            } else {
                *p++ = ch;
            }
        }
        b->len = (size_t)(p - b->data);
    }
    wcf_buf_byte(b, '"');
    Py_XDECREF(keep);
}

static const char DIGIT_PAIRS[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

/* A JSON number, written into b in place, two digits per division (value ids have 6-8 digits; a memcpy call
 * per number and a division per digit were most of a state row's cost, by callgrind). */
static void json_int(WcfBuf *b, int64_t value)
{
    if (wcf_buf_reserve(b, 20) < 0) /* a sign and 19 digits; on failure the text is short, as wcf_buf_put leaves it */
        return;
    uint8_t *out = b->data + b->len;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    if (value < 0)
        *out++ = '-';
    int digits = 1;
    for (uint64_t bound = 10; digits < 20 && magnitude >= bound; bound *= 10)
        digits++;
    uint8_t *p = out + digits;
    while (magnitude >= 100) {
        unsigned pair = (unsigned)(magnitude % 100) * 2;
        magnitude /= 100;
        *--p = (uint8_t)DIGIT_PAIRS[pair + 1];
        *--p = (uint8_t)DIGIT_PAIRS[pair];
    }
    if (magnitude >= 10) {
        *--p = (uint8_t)DIGIT_PAIRS[magnitude * 2 + 1];
        *--p = (uint8_t)DIGIT_PAIRS[magnitude * 2];
    } else {
        *--p = (uint8_t)('0' + magnitude);
    }
    b->len = (size_t)(out + digits - b->data);
}

static int keyed(int kind) { return kind == K_DICT || kind == K_INSTANCE; }

/* writes the state row: full children, or the listed positions as a delta */
static void write_state(Core *c, Tracked *e, int64_t length, int64_t cut, int64_t *ids, PyObject **keys,
                        int count, const int *changed, int nchanged, int as_delta)
{
    WcfBuf *b = &c->json;
    b->len = 0;
    wcf_buf_byte(b, '[');
    int n = as_delta ? nchanged : count;
    for (int i = 0; i < n; i++) {
        int p = as_delta ? changed[i] : i;
        if (i)
            wcf_buf_byte(b, ',');
        wcf_buf_byte(b, '[');
        if (as_delta) {
            json_int(b, p);
            wcf_buf_byte(b, ',');
        }
        if (keyed(e->kind) && keys != NULL && keys[p] != NULL)
            json_str(b, keys[p]);
        else
            json_int(b, p);
        wcf_buf_byte(b, ',');
        json_int(b, ids[p]);
        wcf_buf_byte(b, ']');
    }
    wcf_buf_byte(b, ']');
    wcf_row_object_state(&c->out, e->object_id, c->step < 0 ? 0 : c->step, length, cut, as_delta,
                         (const char *)b->data, b->len);
    e->has_state = 1;
    e->length = length;
    e->cut = cut;
    e->delta_chain = as_delta ? e->delta_chain + 1 : 0;
}

static void write_empty_state(Core *c, Tracked *e, int64_t length, int64_t cut)
{
    write_state(c, e, length, cut, NULL, NULL, 0, NULL, 0, 0);
}

/* drops the references to the children last read; the arrays stay for reuse */
static void release_children(Core *c, Tracked *e)
{
    for (int i = 0; i < e->nraw; i++) {
        PyObject *item = e->raw[i];
        /* 2: this reference and a tracked entry's, nothing of the program's */
        if (c != NULL && item != NULL && Py_REFCNT(item) == 2 && !wcf_is_scalar(c, Py_TYPE(item)))
            wcf_note_dropped(c, item);
        Py_XDECREF(item);
    }
    if (e->child_keys != NULL)
        for (int i = 0; i < e->nchildren; i++)
            Py_XDECREF(e->child_keys[i]);
    e->nraw = e->nchildren = 0;
}

/* Reads the first max_items children into `out` as new references (dict/instance: key, value pairs);
 * returns how many objects it put there (-1 on failure) and the full length in *length. */
static int read_children(Core *c, Tracked *e, PyObject **out, int64_t *length)
{
    PyObject *obj = e->obj;
    int limit = c->max_items, n = 0;
    switch (e->kind) {
    case K_LIST:
    case K_TUPLE: {
        Py_ssize_t size = Py_SIZE(obj);
        PyObject **items = e->kind == K_LIST ? ((PyListObject *)obj)->ob_item : ((PyTupleObject *)obj)->ob_item;
        *length = size;
        for (Py_ssize_t i = 0; i < size && n < limit; i++)
            out[n++] = Py_NewRef(items[i]);
        return n;
    }
    case K_DICT: {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        *length = PyDict_GET_SIZE(obj);
        while (n < 2 * limit && wcf_dict_next(obj, &pos, &key, &value)) {
            out[n++] = Py_NewRef(key);
            out[n++] = Py_NewRef(value);
        }
        return n;
    }
    case K_SET:
    case K_FROZENSET: {
        Py_ssize_t pos = 0;
        PyObject *key;
        Py_hash_t hash;
        *length = PySet_GET_SIZE(obj);
        while (n < limit && _PySet_NextEntry(obj, &pos, &key, &hash)) /* the set's own table, in order */
            out[n++] = Py_NewRef(key);
        return n;
    }
    case K_DEQUE: {
        PyTypeObject *base = (PyTypeObject *)c->deque_type;
        *length = base->tp_as_sequence->sq_length(obj);
        if (*length < 0) {
            PyErr_Clear();
            return -1;
        }
        PyObject *it = base->tp_iter(obj); /* the base type's own iterator: no subclass __iter__ */
        if (it == NULL) {
            PyErr_Clear();
            return -1;
        }
        PyObject *item;
        while (n < limit && (item = PyIter_Next(it)) != NULL)
            out[n++] = item;
        Py_DECREF(it);
        if (PyErr_Occurred()) {
            PyErr_Clear();
            for (int i = 0; i < n; i++)
                Py_DECREF(out[i]);
            return -1;
        }
        return n;
    }
    case K_BYTEARRAY: {
        Py_ssize_t size = PyByteArray_GET_SIZE(obj);
        const unsigned char *bytes = (const unsigned char *)PyByteArray_AS_STRING(obj);
        *length = size;
        for (Py_ssize_t i = 0; i < size && n < limit; i++) {
            PyObject *item = PyLong_FromLong(bytes[i]);
            if (item == NULL) {
                PyErr_Clear();
                break;
            }
            out[n++] = item;
        }
        return n;
    }
    case K_INSTANCE: {
        int64_t count = 0;
        PyObject *dict = wcf_instance_dict(obj); /* the instance __dict__, no __getattribute__ */
        if (dict != NULL && PyDict_CheckExact(dict)) {
            Py_ssize_t pos = 0;
            PyObject *key, *value;
            count = PyDict_GET_SIZE(dict);
            while (n < 2 * limit && wcf_dict_next(dict, &pos, &key, &value)) {
                out[n++] = Py_NewRef(key);
                out[n++] = Py_NewRef(value);
            }
        }
        Py_XDECREF(dict);
        PyObject *slots = e->type->slots;
        if (slots != NULL && PyTuple_Check(slots)) {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(slots); i++) {
                PyObject *pair = PyTuple_GET_ITEM(slots, i);
                if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)
                    continue;
                PyObject *descr = PyTuple_GET_ITEM(pair, 1);
                if (Py_TYPE(descr) != &PyMemberDescr_Type)
                    continue;
                PyObject *value = PyMember_GetOne((const char *)obj, ((PyMemberDescrObject *)descr)->d_member);
                if (value == NULL) { /* an unset slot */
                    PyErr_Clear();
                    continue;
                }
                count++;
                if (n < 2 * limit) {
                    out[n++] = Py_NewRef(PyTuple_GET_ITEM(pair, 0));
                    out[n++] = value;
                } else {
                    Py_DECREF(value);
                }
            }
        }
        *length = count;
        return n;
    }
    default:
        *length = 0;
        return 0;
    }
}

/* The display of a dict key (safe_display) or an instance attribute name (as is, when a str). */
static PyObject *key_display(Core *c, int kind, PyObject *key)
{
    PyTypeObject *t = Py_TYPE(key);
    if (kind == K_INSTANCE && t == &PyUnicode_Type)
        return Py_NewRef(key);
    if (wcf_is_scalar(c, t)) {
        PyObject *text = scalar_repr(c, key, t);
        if (text != NULL)
            return text;
    }
    PyObject *limit = PyLong_FromLong(c->max_repr);
    PyObject *text = limit != NULL ? wcf_call_helper(c, H_SAFE_DISPLAY, PyTuple_Pack(2, key, limit)) : NULL;
    Py_XDECREF(limit);
    if (text == NULL || !PyUnicode_Check(text)) {
        Py_XDECREF(text);
        PyErr_Clear();
        text = PyUnicode_FromFormat("<%s object at %p>", t->tp_name, key);
        if (text == NULL)
            PyErr_Clear();
    }
    return text;
}

/* ndarrays and tensors: their state helper says (signature, size, items or None) */
static void refresh_ndarray(Core *c, Tracked *e)
{
    PyObject *limit = PyLong_FromLong(c->max_items);
    int helper = e->kind == K_NDARRAY ? H_NDARRAY_STATE : H_TENSOR_STATE;
    PyObject *state = limit != NULL ? wcf_call_helper(c, helper, PyTuple_Pack(2, e->obj, limit)) : NULL;
    Py_XDECREF(limit);
    if (state == NULL || !PyTuple_Check(state) || PyTuple_GET_SIZE(state) != 3) {
        Py_XDECREF(state);
        if (!e->has_state)
            write_empty_state(c, e, 0, 0);
        return;
    }
    PyObject *signature = PyTuple_GET_ITEM(state, 0);
    int64_t size = PyLong_AsLongLong(PyTuple_GET_ITEM(state, 1));
    PyObject *items = PyTuple_GET_ITEM(state, 2);
    if (size < 0 && PyErr_Occurred()) {
        PyErr_Clear();
        size = 0;
    }
    int same = 0;
    if (e->has_state && e->signature != NULL) {
        same = PyObject_RichCompareBool(signature, e->signature, Py_EQ);
        if (same < 0) {
            PyErr_Clear();
            same = 0;
        }
    }
    int small = PyList_Check(items);
    if (same) {
        if (small)
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
                PyObject *item = PyList_GET_ITEM(items, i);
                if (!wcf_is_scalar(c, Py_TYPE(item)))
                    wcf_value_id(c, item, c->max_depth + 1);
            }
        Py_DECREF(state);
        return;
    }
    Py_XSETREF(e->signature, Py_NewRef(signature));
    int count = small ? (int)PyList_GET_SIZE(items) : 0;
    int64_t *ids = count ? malloc(sizeof(int64_t) * (size_t)count) : NULL;
    if (count && ids == NULL)
        count = 0;
    for (int i = 0; i < count; i++)
        ids[i] = wcf_value_id(c, PyList_GET_ITEM(items, i), c->max_depth + 1);
    write_state(c, e, size, small ? 0 : size, ids, NULL, count, NULL, 0, 0);
    free(ids);
    Py_DECREF(state);
}

/* What the next refresh's fast paths compare with: the instance's __dict__ and its version, a set's table. */
static void remember_storage(Tracked *e)
{
    if (e->kind == K_INSTANCE) {
        PyObject *dict = wcf_instance_dict(e->obj);
        if (dict == NULL) {
            e->namespace = NULL;
            return;
        }
        e->namespace = PyDict_CheckExact(dict) ? (void *)dict : NULL;
        e->dict_version = wcf_dict_version(dict);
        Py_DECREF(dict);
    } else if (e->kind == K_SET || e->kind == K_FROZENSET) {
        PySetObject *set = (PySetObject *)e->obj;
        size_t bytes = sizeof(setentry) * (size_t)(set->mask + 1);
        if (bytes != e->set_copy_bytes) {
            void *copy = realloc(e->set_copy, bytes);
            if (copy == NULL) {
                free(e->set_copy);
                e->set_copy = NULL;
                e->set_copy_bytes = 0;
                return;
            }
            e->set_copy = copy;
            e->set_copy_bytes = bytes;
        }
        memcpy(e->set_copy, set->table, bytes);
        e->set_table = set->table;
    }
}

static int same_raw(Tracked *e, PyObject **raw, int n)
{
    if (e->raw == NULL || n != e->nraw)
        return 0;
    if (n > 8) /* libc's vectorized compare; a loop costs less than its call for a few items */
        return memcmp(raw, e->raw, (size_t)n * sizeof(PyObject *)) == 0;
    for (int i = 0; i < n; i++)
        if (raw[i] != e->raw[i])
            return 0;
    return 1;
}

/* the fast path: children objects unchanged; only nested states can have changed */
static void refresh_nested(Core *c, Tracked *e, int level)
{
    if (e->scalar_children || e->child_entries == NULL)
        return;
    for (int p = 0; p < e->nchildren; p++)
        if (e->child_entries[p] != NULL)
            wcf_refresh_entry(c, e->child_entries[p], level + 1);
}

/* The common mutation of a list or dict: same length, same keys in the same order, some items replaced
 * (`a[j] = x`, `d[k] += 1`). Compares the live items with the ones last read without taking references,
 * and reads only the replaced ones; the rows written are those of the full read below. 0: not this case
 * (nothing was changed), let the full read handle it. */
static int refresh_in_place(Core *c, Tracked *e, int level)
{
    int kind = e->kind;
    if (!(kind == K_LIST || kind == K_DICT) || !e->expanded || !e->has_state || e->cut < 0 || e->raw == NULL ||
        e->child_ids == NULL || e->child_entries == NULL || (kind == K_DICT && e->child_keys == NULL))
        return 0;
    PyObject *obj = e->obj;
    int step = kind == K_DICT ? 2 : 1;
    int count = e->nchildren;
    Py_ssize_t length = kind == K_LIST ? Py_SIZE(obj) : PyDict_GET_SIZE(obj);
    if (length != e->length || e->nraw != count * step || count != (length < c->max_items ? length : c->max_items))
        return 0;
    int slot_level = level < c->scratch_levels ? level : c->scratch_levels - 1;
    PyObject **fresh = c->scratch_raw + (size_t)slot_level * (size_t)(2 * c->max_items + 2);
    int *positions = (int *)(void *)(c->scratch_ids + (size_t)slot_level * (size_t)(c->max_items + 1));
    int nfresh = 0;
    PyObject **pairs;
    if (kind == K_LIST) {
        PyObject **items = ((PyListObject *)obj)->ob_item;
        for (int p = 0; p < count; p++)
            if (items[p] != e->raw[p]) {
                positions[nfresh] = p;
                fresh[nfresh++] = items[p];
            }
    } else if ((pairs = wcf_dict_pairs(obj, count)) != NULL) {
        /* the entry table is laid out as e->raw is: compared pointer by pointer, no per-item call */
        for (int p = 0; p < count; p++) {
            if (pairs[2 * p] != e->raw[2 * p])
                return 0;
            if (pairs[2 * p + 1] != e->raw[2 * p + 1]) {
                positions[nfresh] = p;
                fresh[nfresh++] = pairs[2 * p + 1];
            }
        }
    } else {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        for (int p = 0; p < count; p++) {
            if (!wcf_dict_next(obj, &pos, &key, &value) || key != e->raw[2 * p])
                return 0;
            if (value != e->raw[2 * p + 1]) {
                positions[nfresh] = p;
                fresh[nfresh++] = value;
            }
        }
    }
    if (kind == K_DICT && PyDict_CheckExact(obj))
        e->dict_version = wcf_dict_version(obj);
    if (nfresh == 0) {
        refresh_nested(c, e, level);
        return 1;
    }
    /* the replaced items: own them, then read every child in order as the full read does */
    for (int i = 0; i < nfresh; i++) {
        Py_INCREF(fresh[i]);
        PyObject **slot = &e->raw[positions[i] * step + step - 1];
        PyObject *old = *slot;
        *slot = fresh[i];
        fresh[i] = old; /* released at the end */
    }
    int nchanged = 0, next = 0;
    /* children that are all scalars have no entries to refresh: only the replaced positions are visited */
    int only_fresh = e->scalar_children;
    for (int p = 0; p < count; p++) {
        if (only_fresh) {
            if (next >= nfresh)
                break;
            p = positions[next];
        }
        if (next < nfresh && positions[next] == p) {
            next++;
            Tracked *entry = NULL;
            int64_t id = wcf_value_entry(c, e->raw[p * step + step - 1], level + 1, &entry);
            if (entry != NULL)
                e->scalar_children = 0;
            e->child_entries[p] = entry;
            if (id != e->child_ids[p]) {
                e->child_ids[p] = id;
                positions[nchanged++] = p; /* nchanged <= next: the positions still to read are intact */
            }
        } else if (e->child_entries[p] != NULL) {
            wcf_refresh_entry(c, e->child_entries[p], level + 1);
        }
    }
    if (nchanged) {
        int as_delta = e->delta_chain < 32 && nchanged * 2 <= count;
        write_state(c, e, e->length, e->cut, e->child_ids, kind == K_DICT ? e->child_keys : NULL, count, positions,
                    nchanged, as_delta);
    }
    for (int i = 0; i < nfresh; i++) {
        if (Py_REFCNT(fresh[i]) == 2 && !wcf_is_scalar(c, Py_TYPE(fresh[i])))
            wcf_note_dropped(c, fresh[i]);
        Py_DECREF(fresh[i]);
    }
    return 1;
}

static void refresh(Core *c, Tracked *e, int level)
{
    int kind = e->kind;
    if (kind == K_OPAQUE || kind == K_UNKNOWN) {
        if (!e->has_state)
            write_empty_state(c, e, 0, 0);
        return;
    }
    if (kind == K_NDARRAY || kind == K_TENSOR) {
        refresh_ndarray(c, e);
        return;
    }
    if (e->expanded && level > c->sticky_level_limit) {
        c->read_cut = 1;
        return; /* keep the last state rather than cut it: it is still right as far as it was read */
    }
    /* unchanged lists, tuples, dicts and sets were handled by unchanged_since_read() before this call */
    if (kind == K_INSTANCE && WCF_INSTANCE_DICT_VERSIONS && e->expanded && e->namespace != NULL &&
        (e->type->slots == NULL || PyTuple_GET_SIZE(e->type->slots) == 0)) {
        /* an unmodified __dict__ (same dict, same version tag): only nested states can have changed */
        PyObject *dict = wcf_instance_dict(e->obj);
        int same = dict != NULL && dict == e->namespace && wcf_dict_version(dict) == e->dict_version;
        Py_XDECREF(dict);
        if (same) {
            refresh_nested(c, e, level);
            return;
        }
    }
    if (refresh_in_place(c, e, level))
        return;
    if (!(e->expanded || level <= c->max_depth)) {
        c->read_cut = 1;
        /* beyond the depth limit only the length is kept; most kinds tell it without reading children */
        int64_t quick = -1;
        if (kind == K_LIST || kind == K_TUPLE)
            quick = Py_SIZE(e->obj);
        else if (kind == K_DICT)
            quick = PyDict_GET_SIZE(e->obj);
        else if (kind == K_SET || kind == K_FROZENSET)
            quick = PySet_GET_SIZE(e->obj);
        else if (kind == K_BYTEARRAY)
            quick = PyByteArray_GET_SIZE(e->obj);
        if (quick >= 0) {
            if (!e->has_state || quick != e->length)
                write_empty_state(c, e, quick, -1);
            return;
        }
    }
    int slot_level = level < c->scratch_levels ? level : c->scratch_levels - 1;
    PyObject **raw = c->scratch_raw + (size_t)slot_level * (size_t)(2 * c->max_items + 2);
    int64_t length = 0;
    int n = read_children(c, e, raw, &length);
    if (n < 0)
        return;
    int step = keyed(kind) ? 2 : 1;
    if (!(e->expanded || level <= c->max_depth)) {
        if (!e->has_state || length != e->length)
            write_empty_state(c, e, length, -1);
        for (int i = 0; i < n; i++)
            Py_DECREF(raw[i]);
        return;
    }
    int was_expanded = e->expanded;
    e->expanded = 1;
    if (kind == K_DICT && PyDict_CheckExact(e->obj))
        e->dict_version = wcf_dict_version(e->obj);
    if (was_expanded && length == e->length && same_raw(e, raw, n)) {
        for (int i = 0; i < n; i++)
            Py_DECREF(raw[i]);
        remember_storage(e);
        refresh_nested(c, e, level);
        return;
    }
    int count = n / step;
    int64_t *ids = c->scratch_ids + (size_t)slot_level * (size_t)(c->max_items + 1);
    Tracked **entries = c->scratch_entries + (size_t)slot_level * (size_t)(c->max_items + 1);
    PyObject **keys = keyed(kind) ? c->scratch_keys + (size_t)slot_level * (size_t)(c->max_items + 1) : NULL;
    int old_count = e->raw != NULL ? e->nraw / step : 0;
    int scalars_only = 1;
    for (int p = 0; p < count; p++) {
        PyObject *child = raw[p * step + step - 1];
        int scalar = wcf_is_scalar(c, Py_TYPE(child));
        scalars_only &= scalar;
        entries[p] = NULL;
        int same = p < old_count && p < e->nchildren && e->raw[p * step + step - 1] == child;
        if (same && scalar) {
            ids[p] = e->child_ids[p];
        } else if (same && e->child_entries[p] != NULL) {
            entries[p] = e->child_entries[p];
            ids[p] = wcf_refresh_entry(c, entries[p], level + 1);
        } else {
            ids[p] = wcf_value_entry(c, child, level + 1, &entries[p]);
        }
        if (keys != NULL) {
            PyObject *key = raw[p * step];
            if (p < old_count && e->raw[p * step] == key && e->child_keys != NULL && p < e->nchildren &&
                e->child_keys[p] != NULL)
                keys[p] = Py_NewRef(e->child_keys[p]);
            else
                keys[p] = key_display(c, kind, key);
        }
    }
    int64_t cut = length - count;
    /* which positions differ from the last state written */
    int prior = e->has_state && e->cut >= 0 ? e->nchildren : 0;
    int *changed = malloc(sizeof(int) * (size_t)(count + 1));
    int nchanged = 0;
    for (int p = 0; changed != NULL && p < count; p++) {
        int differs = p >= prior || ids[p] != e->child_ids[p];
        if (!differs && keys != NULL) {
            PyObject *a = keys[p], *b = e->child_keys[p];
            differs = a != b && (a == NULL || b == NULL || PyUnicode_Compare(a, b) != 0);
            if (PyErr_Occurred())
                PyErr_Clear();
        }
        if (differs)
            changed[nchanged++] = p;
    }
    if (changed == NULL || nchanged || count != prior || length != e->length || cut != e->cut || !e->has_state) {
        int as_delta = changed != NULL && e->has_state && e->cut >= 0 && e->delta_chain < 32 &&
                       nchanged * 2 <= count;
        write_state(c, e, length, cut, ids, keys, count, changed, nchanged, as_delta);
    }
    free(changed);
    /* keep what was read: the raw children (their references move over) and the recorded ids and keys;
     * the arrays are reused while they are big enough */
    release_children(c, e);
    if (n > e->cap_raw || count > e->cap_children || (keys != NULL && e->child_keys == NULL)) {
        /* one block: raw, then ids, entries and (dict/instance) keys */
        free(e->raw);
        int cap_raw = n > 4 ? n : 4, cap_children = count > 4 ? count : 4;
        size_t bytes = sizeof(PyObject *) * (size_t)cap_raw +
                       (sizeof(int64_t) + sizeof(Tracked *) + (keys != NULL ? sizeof(PyObject *) : 0)) *
                           (size_t)cap_children;
        e->raw = malloc(bytes);
        if (e->raw == NULL) {
            for (int i = 0; i < n; i++)
                Py_DECREF(raw[i]);
            if (keys != NULL)
                for (int p = 0; p < count; p++)
                    Py_XDECREF(keys[p]);
            e->child_ids = NULL;
            e->child_keys = NULL;
            e->child_entries = NULL;
            e->cap_raw = e->cap_children = 0;
            e->has_state = 0; /* the next read writes a full state again */
            return;
        }
        e->child_ids = (int64_t *)(void *)(e->raw + cap_raw);
        e->child_entries = (Tracked **)(void *)(e->child_ids + cap_children);
        e->child_keys = keys != NULL ? (PyObject **)(void *)(e->child_entries + cap_children) : NULL;
        e->cap_raw = cap_raw;
        e->cap_children = cap_children;
    }
    memcpy(e->raw, raw, sizeof(PyObject *) * (size_t)n);
    memcpy(e->child_ids, ids, sizeof(int64_t) * (size_t)count);
    /* a reused scalar id has no entry; a non-scalar child reused by identity keeps its old entry */
    for (int p = 0; p < count; p++)
        e->child_entries[p] = entries[p];
    if (keys != NULL)
        memcpy(e->child_keys, keys, sizeof(PyObject *) * (size_t)count);
    e->nraw = n;
    e->nchildren = count;
    e->scalar_children = (uint8_t)scalars_only;
    remember_storage(e);
}

/* -- lifetime ------------------------------------------------------------------------------------------ */

#define MAX_FREE_TRACKED 4096

/* Frees an entry; a few thousand go to a free list (a program that makes and drops many objects reuses them,
 * with their children block). */
static void free_tracked(Core *c, Tracked *e)
{
    /* the object first: its items are then held by the recorder's references alone if by nothing else */
    Py_CLEAR(e->obj);
    release_children(c, e);
    free(e->set_copy);
    Py_XDECREF(e->signature);
    if (c != NULL && c->nfree_tracked < MAX_FREE_TRACKED) {
        e->type = (TypeInfo *)(void *)c->free_tracked; /* the link */
        c->free_tracked = e;
        c->nfree_tracked++;
        return;
    }
    free(e->raw);
    free(e);
}

static Tracked *new_tracked(Core *c)
{
    Tracked *e = c->free_tracked;
    if (e == NULL)
        return calloc(1, sizeof(Tracked));
    c->free_tracked = (Tracked *)(void *)e->type;
    c->nfree_tracked--;
    /* keep the children block for reuse, clear the rest. Not its keys part: the next object may be of a
     * kind without keys (a list after a dict), and release_children() must then find no keys to release;
     * a keyed object finds child_keys NULL and gets a block with room for them. */
    PyObject **raw = e->raw;
    int64_t *ids = e->child_ids;
    Tracked **entries = e->child_entries;
    int cap_raw = e->cap_raw, cap_children = e->cap_children;
    memset(e, 0, sizeof(Tracked));
    e->raw = raw;
    e->child_ids = ids;
    e->child_entries = entries;
    e->cap_raw = cap_raw;
    e->cap_children = cap_children;
    return e;
}

static void mark_from(Core *c, PyObject *root, PyObject ***stack, size_t *depth, size_t *cap)
{
    if (root == NULL || wcf_is_scalar(c, Py_TYPE(root)))
        return;
    if (*depth == *cap) {
        size_t grown = *cap ? *cap * 2 : 256;
        PyObject **bigger = realloc(*stack, grown * sizeof(PyObject *));
        if (bigger == NULL)
            return;
        *stack = bigger;
        *cap = grown;
    }
    (*stack)[(*depth)++] = root;
}

void wcf_mark_scope(Core *c, Scope *s)
{
    Binding *b = s->is_dict ? s->entries : s->slots;
    int n = s->is_dict ? s->nentries : s->nslots;
    for (int i = 0; i < n; i++)
        if (b[i].obj != NULL) {
            Tracked *e = wcf_ptrmap_get(&c->tracked, b[i].obj);
            if (e != NULL)
                e->marked = 2; /* a root, to be walked */
        }
}

/* Frees a tracked entry already out of the map (the release and the sweep): buffer tracking lets it go too. */
static void forget(Core *c, Tracked *e)
{
    if (e->buffer && c->buffer_release != NULL) {
        PyObject *done = PyObject_CallFunction(c->buffer_release, "L", (long long)e->object_id);
        if (done == NULL)
            wcf_internal_error(c, "buffer tracking release");
        Py_XDECREF(done);
    }
    free_tracked(c, e);
}

void wcf_note_dropped(Core *c, PyObject *obj)
{
    if (c->ndead_candidates == c->cap_dead_candidates) {
        int cap = c->cap_dead_candidates ? 2 * c->cap_dead_candidates : 64;
        PyObject **grown = realloc(c->dead_candidates, sizeof(PyObject *) * (size_t)cap);
        if (grown == NULL)
            return; /* then the sweep releases it */
        c->dead_candidates = grown;
        c->cap_dead_candidates = cap;
    }
    c->dead_candidates[c->ndead_candidates++] = obj; /* borrowed: looked up again before use */
}

/* Can freeing e's object run code, or free objects the recorder does not know (whose finalizers could)? Not
 * for an exact builtin container read whole: what it holds is scalars or tracked objects, which are judged on
 * their own when their last reference goes. */
static int may_run_code_when_freed(Core *c, Tracked *e)
{
    PyTypeObject *t = Py_TYPE(e->obj);
    int builtin = t == &PyList_Type || t == &PyTuple_Type || t == &PyDict_Type || t == &PySet_Type ||
                  t == &PyFrozenSet_Type;
    return !builtin || !e->expanded || !e->has_state || e->cut != 0 || e->length > c->max_items;
}

/* Frees the tracked objects only the recorder still holds among those it dropped a reference to: the program
 * cannot reach them any more, so under plain python they would be gone already (and their __del__ and weakref
 * callbacks run). Called at the end of each event and again at the next step: a frame's locals are dropped at
 * its return event but the frame lets them go only after it; `keep_held` keeps the ones still held for that
 * second look. Finalizers run here, unrecorded; the mutation clock moves in case they wrote anything. An
 * object the program still held at the second look is left to the sweep. */
void wcf_release_dead(Core *c, int keep_held)
{
    int ran_code = 0, kept = 0;
    while (c->ndead_candidates > kept) {
        PyObject *obj = c->dead_candidates[--c->ndead_candidates];
        Tracked *e = wcf_ptrmap_get(&c->tracked, obj);
        if (e == NULL)
            continue;
        if (Py_REFCNT(obj) != 1) {
            if (keep_held) { /* to the bottom of the list, below the ones still to look at */
                c->dead_candidates[c->ndead_candidates] = c->dead_candidates[kept];
                c->dead_candidates[kept++] = obj;
                c->ndead_candidates++;
            }
            continue;
        }
        ran_code |= may_run_code_when_freed(c, e);
        wcf_ptrmap_remove(&c->tracked, obj);
        forget(c, e); /* may note more candidates: the object's own children */
    }
    if (ran_code)
        wcf_clock_tick(c);
}

/* Releases tracked objects no recorded scope can reach (directly or through recorded children). */
void wcf_maybe_sweep(Core *c)
{
    if ((int64_t)c->tracked.count < c->sweep_threshold)
        return;
    for (size_t i = 0; i <= c->live.mask; i++)
        if (wcf_ptrmap_live(&c->live.slots[i]))
            wcf_mark_scope(c, ((FrameRecord *)c->live.slots[i].value)->locals);
    for (size_t i = 0; i <= c->suspended.mask; i++)
        if (wcf_ptrmap_live(&c->suspended.slots[i]))
            wcf_mark_scope(c, ((FrameRecord *)c->suspended.slots[i].value)->locals);
    for (size_t i = 0; i <= c->globals_scopes.mask; i++)
        if (wcf_ptrmap_live(&c->globals_scopes.slots[i]))
            wcf_mark_scope(c, (Scope *)c->globals_scopes.slots[i].value);
    PyObject **stack = NULL;
    size_t depth = 0, cap = 0;
    for (size_t i = 0; i <= c->tracked.mask; i++) {
        if (!wcf_ptrmap_live(&c->tracked.slots[i]))
            continue;
        Tracked *root = c->tracked.slots[i].value;
        if (root->marked != 2)
            continue;
        root->marked = 1;
        depth = 0;
        mark_from(c, root->obj, &stack, &depth, &cap);
        while (depth > 0) {
            Tracked *e = wcf_ptrmap_get(&c->tracked, stack[--depth]);
            if (e == NULL)
                continue;
            e->marked = 1;
            if (e->kind == K_NDARRAY || e->kind == K_TENSOR)
                continue;
            for (int k = 0; k < e->nraw; k++) {
                Tracked *child = wcf_ptrmap_get(&c->tracked, e->raw[k]);
                if (child != NULL && child->marked != 1) {
                    child->marked = 1;
                    mark_from(c, e->raw[k], &stack, &depth, &cap);
                }
            }
        }
    }
    free(stack);
    Tracked **dead = malloc(sizeof(Tracked *) * (c->tracked.count + 1));
    size_t ndead = 0;
    for (size_t i = 0; dead != NULL && i <= c->tracked.mask; i++) {
        if (!wcf_ptrmap_live(&c->tracked.slots[i]))
            continue;
        Tracked *e = c->tracked.slots[i].value;
        if (e->marked)
            e->marked = 0;
        else
            dead[ndead++] = e;
    }
    for (size_t i = 0; i < ndead; i++)
        wcf_ptrmap_remove(&c->tracked, dead[i]->obj);
    for (size_t i = 0; i < ndead; i++)
        forget(c, dead[i]);
    free(dead);
    int64_t grown = 2 * (int64_t)c->tracked.count;
    c->sweep_threshold = grown > 4096 ? grown : 4096;
}

void wcf_values_free(Core *c)
{
    free(c->dead_candidates);
    c->dead_candidates = NULL;
    c->ndead_candidates = c->cap_dead_candidates = 0;
    if (c->tracked.slots != NULL) {
        for (size_t i = 0; i <= c->tracked.mask; i++)
            if (wcf_ptrmap_live(&c->tracked.slots[i]))
                free_tracked(NULL, c->tracked.slots[i].value);
        wcf_ptrmap_free(&c->tracked);
    }
    if (c->types.slots != NULL) {
        for (size_t i = 0; i <= c->types.mask; i++)
            if (wcf_ptrmap_live(&c->types.slots[i])) {
                TypeInfo *ti = c->types.slots[i].value;
                Py_XDECREF(ti->slots);
                Py_XDECREF(ti->type);
                free(ti);
            }
        wcf_ptrmap_free(&c->types);
    }
    for (int i = 0; i < SCALAR_CACHE; i++)
        Py_CLEAR(c->object_cache[i].obj);
    while (c->free_tracked != NULL) {
        Tracked *e = c->free_tracked;
        c->free_tracked = (Tracked *)(void *)e->type;
        free(e->raw);
        free(e);
    }
    c->nfree_tracked = 0;
}
