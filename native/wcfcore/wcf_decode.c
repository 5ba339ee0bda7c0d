/* The reader's column decoder, _wcfcore.decode_column: the C twin of chunk_codec._decode_column (recording
 * format v2, docs/recording-format.md "Chunks"). A pure function of its arguments: it touches no recorder
 * state and needs no core lock. It decodes only well-formed columns whose values fit 64 bits; for anything
 * else (a damaged column, a wider varint, a delta sum leaving int64) it returns None and chunk_codec decodes
 * that column in Python, whose ChunkError is the reference. Every read is bounds-checked. */
#include "wcf_chunks.h"

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} Cursor;

/* 1 with a varint of at most 64 bits in *out; 0 when it runs past the column's end, is longer than ten bytes
 * or is wider than 64 bits (the Python decoder then says which, or decodes the wide value). */
static inline int read_varint(Cursor *c, uint64_t *out)
{
    if (c->p >= c->end)
        return 0;
    uint8_t byte = *c->p++;
    if (byte < 0x80) {
        *out = byte;
        return 1;
    }
    uint64_t value = byte & 0x7F;
    for (int shift = 7;; shift += 7) {
        if (c->p >= c->end)
            return 0;
        byte = *c->p++;
        if (shift == 63) { /* the tenth byte: a continuation bit is too long, a payload above 1 too wide */
            if (byte > 1)
                return 0;
            *out = value | ((uint64_t)byte << 63);
            return 1;
        }
        value |= (uint64_t)(byte & 0x7F) << shift;
        if (byte < 0x80) {
            *out = value;
            return 1;
        }
    }
}

static inline int64_t unzigzag(uint64_t value) { return (int64_t)(value >> 1) ^ -(int64_t)(value & 1); }

/* str(value), as Python prints an int */
static PyObject *int_text(int64_t value)
{
    char digits[24];
    char *end = digits + sizeof(digits), *p = end;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0)
        *--p = '-';
    PyObject *text = PyUnicode_New(end - p, 127);
    if (text != NULL)
        memcpy(PyUnicode_1BYTE_DATA(text), p, (size_t)(end - p));
    return text;
}

/* `size` bytes at the cursor as text (UTF-8, lone surrogates allowed, as chunk_codec decodes them).
 * Sets *defer instead of an exception when they run past the end or are not UTF-8. */
static PyObject *take_text(Cursor *c, uint64_t size, int *defer)
{
    if (size > (uint64_t)(c->end - c->p)) {
        *defer = 1;
        return NULL;
    }
    const char *start = (const char *)c->p;
    c->p += size;
    PyObject *text = PyUnicode_DecodeUTF8(start, (Py_ssize_t)size, "surrogatepass");
    if (text == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        *defer = 1;
    }
    return text;
}

/* One value of a `v` column (its tag byte first): a new reference, or NULL with *defer set or an exception. */
static PyObject *tagged_value(Cursor *c, PyObject *fixed_reprs, int *defer)
{
    if (c->p >= c->end) {
        *defer = 1;
        return NULL;
    }
    uint8_t tag = *c->p++;
    uint64_t raw;
    switch (tag) {
    case WCF_V_NULL:
        Py_RETURN_NONE;
    case WCF_V_TEXT:
        if (!read_varint(c, &raw)) {
            *defer = 1;
            return NULL;
        }
        return take_text(c, raw, defer);
    case WCF_V_INT:
        if (!read_varint(c, &raw)) {
            *defer = 1;
            return NULL;
        }
        return int_text(unzigzag(raw));
    case WCF_V_FLOAT: {
        if (c->end - c->p < 8) {
            *defer = 1;
            return NULL;
        }
        double number = PyFloat_Unpack8((const char *)c->p, 1);
        c->p += 8;
        if (number == -1.0 && PyErr_Occurred())
            return NULL;
        PyObject *boxed = PyFloat_FromDouble(number);
        if (boxed == NULL)
            return NULL;
        PyObject *text = PyObject_Repr(boxed);
        Py_DECREF(boxed);
        return text;
    }
    default:
        /* chunk_codec's _FIXED_VALUE_REPRS by tag; None: an unknown tag */
        if (tag < PyTuple_GET_SIZE(fixed_reprs) && PyTuple_GET_ITEM(fixed_reprs, tag) != Py_None) {
            PyObject *text = PyTuple_GET_ITEM(fixed_reprs, tag);
            Py_INCREF(text);
            return text;
        }
        *defer = 1;
        return NULL;
    }
}

/* The next value of a column of `encoding` other than `v`: a new reference, or NULL with *defer set or an
 * exception. `sum` is a `d` column's running sum. */
static inline PyObject *plain_value(int encoding, Cursor *c, int64_t *sum, int *defer)
{
    uint64_t raw;
    if (!read_varint(c, &raw)) {
        *defer = 1;
        return NULL;
    }
    switch (encoding) {
    case 'u':
        return PyLong_FromUnsignedLongLong(raw);
    case 's':
        return PyLong_FromLongLong(unzigzag(raw));
    case 'd': {
        int64_t delta = unzigzag(raw);
        if ((delta > 0 && *sum > INT64_MAX - delta) || (delta < 0 && *sum < INT64_MIN - delta)) {
            *defer = 1; /* a sum past int64: the Python decoder computes it exactly */
            return NULL;
        }
        *sum += delta;
        return PyLong_FromLongLong(*sum);
    }
    case 'n':
        return raw == 0 ? Py_NewRef(Py_None) : PyLong_FromUnsignedLongLong(raw - 1);
    default: /* 't' */
        return raw == 0 ? Py_NewRef(Py_None) : take_text(c, raw - 1, defer);
    }
}

/* The `count` values of one column as a new list; NULL with *defer set (the Python decoder takes over) or
 * with an exception. */
static PyObject *decode_values(int encoding, Cursor *c, Py_ssize_t count, PyObject *fixed_reprs, int *defer)
{
    PyObject *out = PyList_New(count);
    if (out == NULL)
        return NULL;
    int64_t sum = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = encoding == 'v' ? tagged_value(c, fixed_reprs, defer) : plain_value(encoding, c, &sum, defer);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, item);
    }
    if (c->p != c->end) { /* bytes left over after the last value */
        *defer = 1;
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* decode_column(encoding, data, start, end, count, fixed_reprs): the `count` values of the column held in
 * data[start:end] (a list of int, str and None, as chunk_codec._decode_column returns them), or None when the
 * Python decoder must decide (see the top comment). `fixed_reprs` maps a tag to its display, or None. */
PyObject *wcf_decode_column(PyObject *module, PyObject *args)
{
    int encoding;
    PyObject *data, *fixed_reprs;
    Py_ssize_t start, end, count;
    (void)module;
    if (!PyArg_ParseTuple(args, "CO!nnnO!:decode_column", &encoding, &PyBytes_Type, &data, &start, &end, &count,
                          &PyTuple_Type, &fixed_reprs))
        return NULL;
    if (start < 0 || end < start || end > PyBytes_GET_SIZE(data)) {
        PyErr_SetString(PyExc_ValueError, "decode_column: the column is not inside the data");
        return NULL;
    }
    /* Every value takes at least one byte: more values than bytes (or fewer than none) cannot decode, and
     * the Python decoder says why without this allocating a list for them. */
    if (count < 0 || count > end - start ||
        (encoding != 'u' && encoding != 's' && encoding != 'd' && encoding != 'n' && encoding != 't' &&
         encoding != 'v'))
        Py_RETURN_NONE;
    const uint8_t *base = (const uint8_t *)PyBytes_AS_STRING(data);
    Cursor cursor = {base + start, base + end};
    int defer = 0;
    PyObject *out = decode_values(encoding, &cursor, count, fixed_reprs, &defer);
    if (out == NULL && defer && !PyErr_Occurred())
        Py_RETURN_NONE;
    return out;
}
