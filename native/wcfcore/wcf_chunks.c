/* Column encoding of the chunked tables (wcf_chunks.h): every value is varint-encoded as it is appended, so a
 * flush only concatenates the columns. Mirrors chunk_codec.py; test/python/recorder checks both agree. */
#include "wcf_chunks.h"

static const char *const TABLE_NAMES[WCF_TABLE_COUNT] = {
    "steps", "frames", "frame_ends", "scopes", "bindings", "vals", "objects", "object_states", "returns",
};
static const int TABLE_COLUMNS[WCF_TABLE_COUNT] = {3, 8, 2, 4, 4, 4, 4, 6, 3};

const char *wcf_table_name(int table) { return TABLE_NAMES[table]; }

void wcf_chunks_free(WcfChunks *chunks)
{
    for (int t = 0; t < WCF_TABLE_COUNT; t++)
        for (int c = 0; c < WCF_MAX_COLUMNS; c++)
            wcf_buf_free(&chunks->tables[t].cols[c].buf);
}

void wcf_chunks_clear(WcfChunks *chunks)
{
    for (int t = 0; t < WCF_TABLE_COUNT; t++) {
        WcfTable *table = &chunks->tables[t];
        for (int c = 0; c < WCF_MAX_COLUMNS; c++) {
            table->cols[c].buf.len = 0;
            table->cols[c].prev = 0;
        }
        table->rows = 0;
    }
    chunks->failed = 0;
}

size_t wcf_chunks_bytes(const WcfChunks *chunks)
{
    size_t total = 0;
    for (int t = 0; t < WCF_TABLE_COUNT; t++)
        for (int c = 0; c < TABLE_COLUMNS[t]; c++)
            total += chunks->tables[t].cols[c].buf.len;
    return total;
}

static size_t varint_size(uint64_t value)
{
    size_t n = 1;
    while (value > 0x7F) {
        value >>= 7;
        n++;
    }
    return n;
}

PyObject *wcf_chunks_cut(WcfChunks *chunks)
{
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (int t = 0; t < WCF_TABLE_COUNT; t++) {
        WcfTable *table = &chunks->tables[t];
        if (table->rows == 0)
            continue;
        size_t size = 1;
        for (int c = 0; c < TABLE_COLUMNS[t]; c++)
            size += varint_size(table->cols[c].buf.len) + table->cols[c].buf.len;
        PyObject *blob = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
        if (blob == NULL)
            goto fail;
        uint8_t *p = (uint8_t *)PyBytes_AS_STRING(blob);
        *p++ = 0; /* flags: not compressed */
        for (int c = 0; c < TABLE_COLUMNS[t]; c++) {
            WcfBuf *col = &table->cols[c].buf;
            uint64_t n = col->len;
            while (n > 0x7F) {
                *p++ = (uint8_t)((n & 0x7F) | 0x80);
                n >>= 7;
            }
            *p++ = (uint8_t)n;
            if (col->len)
                memcpy(p, col->data, col->len);
            p += col->len;
        }
        PyObject *item = Py_BuildValue("(sKN)", TABLE_NAMES[t], (unsigned long long)table->rows, blob);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    wcf_chunks_clear(chunks);
    return list;
fail:
    Py_DECREF(list);
    return NULL;
}

/* -- appenders --------------------------------------------------------------------------------------- */

static inline void col_u(WcfChunks *c, WcfColumn *col, uint64_t v)
{
    if (wcf_buf_varint(&col->buf, v) < 0)
        c->failed = 1;
}

static inline void col_s(WcfChunks *c, WcfColumn *col, int64_t v) { col_u(c, col, wcf_zigzag(v)); }

static inline void col_d(WcfChunks *c, WcfColumn *col, int64_t v)
{
    col_u(c, col, wcf_zigzag(v - col->prev));
    col->prev = v;
}

static inline void col_n(WcfChunks *c, WcfColumn *col, int64_t v) { col_u(c, col, v < 0 ? 0 : (uint64_t)v + 1); }

static void col_t(WcfChunks *c, WcfColumn *col, const char *text, size_t len)
{
    if (text == NULL) {
        col_u(c, col, 0);
        return;
    }
    col_u(c, col, (uint64_t)len + 1);
    if (wcf_buf_put(&col->buf, text, len) < 0)
        c->failed = 1;
}

void wcf_row_step(WcfChunks *c, int kind, int64_t frame_id, int64_t line)
{
    WcfTable *t = &c->tables[WCF_T_STEPS];
    col_u(c, &t->cols[0], (uint64_t)kind);
    col_d(c, &t->cols[1], frame_id);
    col_d(c, &t->cols[2], line);
    t->rows++;
}

void wcf_row_frame(WcfChunks *c, int64_t frame_id, int64_t parent_id, int64_t code_id, int64_t thread_id,
                   int64_t depth, int64_t locals_scope, int64_t globals_scope, int64_t call_step)
{
    WcfTable *t = &c->tables[WCF_T_FRAMES];
    col_d(c, &t->cols[0], frame_id);
    col_n(c, &t->cols[1], parent_id);
    col_u(c, &t->cols[2], (uint64_t)code_id);
    col_u(c, &t->cols[3], (uint64_t)thread_id);
    col_u(c, &t->cols[4], (uint64_t)depth);
    col_d(c, &t->cols[5], locals_scope);
    col_u(c, &t->cols[6], (uint64_t)globals_scope);
    col_d(c, &t->cols[7], call_step);
    t->rows++;
}

void wcf_row_frame_end(WcfChunks *c, int64_t frame_id, int64_t end_step)
{
    WcfTable *t = &c->tables[WCF_T_FRAME_ENDS];
    col_d(c, &t->cols[0], frame_id);
    col_d(c, &t->cols[1], end_step);
    t->rows++;
}

void wcf_row_scope(WcfChunks *c, int64_t scope_id, int kind, int64_t frame_id, const char *module,
                   Py_ssize_t module_len)
{
    WcfTable *t = &c->tables[WCF_T_SCOPES];
    col_d(c, &t->cols[0], scope_id);
    col_u(c, &t->cols[1], (uint64_t)kind);
    col_n(c, &t->cols[2], frame_id);
    col_t(c, &t->cols[3], module, (size_t)module_len);
    t->rows++;
}

void wcf_row_binding(WcfChunks *c, int64_t step, int64_t scope_id, int64_t name_id, int64_t value_id)
{
    WcfTable *t = &c->tables[WCF_T_BINDINGS];
    col_d(c, &t->cols[0], step);
    col_d(c, &t->cols[1], scope_id);
    col_d(c, &t->cols[2], name_id);
    col_n(c, &t->cols[3], value_id);
    t->rows++;
}

void wcf_row_val_begin(WcfChunks *c, int64_t value_id, int64_t type_id, int64_t object_id)
{
    WcfTable *t = &c->tables[WCF_T_VALS];
    col_d(c, &t->cols[0], value_id);
    col_u(c, &t->cols[1], (uint64_t)type_id);
    col_n(c, &t->cols[3], object_id);
    t->rows++;
}

void wcf_val_text(WcfChunks *c, const char *text, Py_ssize_t len)
{
    WcfColumn *col = &c->tables[WCF_T_VALS].cols[2];
    if (text == NULL) {
        col_u(c, col, WCF_V_NULL);
        return;
    }
    col_u(c, col, WCF_V_TEXT);
    col_u(c, col, (uint64_t)len);
    if (wcf_buf_put(&col->buf, text, (size_t)len) < 0)
        c->failed = 1;
}

void wcf_val_int(WcfChunks *c, int64_t value)
{
    WcfColumn *col = &c->tables[WCF_T_VALS].cols[2];
    col_u(c, col, WCF_V_INT);
    col_s(c, col, value);
}

void wcf_val_float(WcfChunks *c, double value)
{
    WcfColumn *col = &c->tables[WCF_T_VALS].cols[2];
    uint8_t bytes[9];
    bytes[0] = WCF_V_FLOAT;
    memcpy(bytes + 1, &value, 8); /* x86-64 and aarch64 Linux are little-endian, as the format requires */
    if (wcf_buf_put(&col->buf, bytes, 9) < 0)
        c->failed = 1;
}

void wcf_val_tag(WcfChunks *c, int tag) { col_u(c, &c->tables[WCF_T_VALS].cols[2], (uint64_t)tag); }

void wcf_row_object(WcfChunks *c, int64_t object_id, int64_t type_id, const char *kind, int64_t first_step)
{
    WcfTable *t = &c->tables[WCF_T_OBJECTS];
    col_d(c, &t->cols[0], object_id);
    col_u(c, &t->cols[1], (uint64_t)type_id);
    col_t(c, &t->cols[2], kind, strlen(kind));
    col_d(c, &t->cols[3], first_step);
    t->rows++;
}

void wcf_row_object_state(WcfChunks *c, int64_t object_id, int64_t step, int64_t length, int64_t cut,
                          int delta, const char *children, size_t children_len)
{
    WcfTable *t = &c->tables[WCF_T_OBJECT_STATES];
    col_d(c, &t->cols[0], object_id);
    col_d(c, &t->cols[1], step);
    col_u(c, &t->cols[2], (uint64_t)length);
    col_s(c, &t->cols[3], cut);
    col_u(c, &t->cols[4], (uint64_t)delta);
    col_t(c, &t->cols[5], children, children_len);
    t->rows++;
}

void wcf_row_return(WcfChunks *c, int64_t step, int64_t frame_id, int64_t value_id)
{
    WcfTable *t = &c->tables[WCF_T_RETURNS];
    col_d(c, &t->cols[0], step);
    col_d(c, &t->cols[1], frame_id);
    col_n(c, &t->cols[2], value_id);
    t->rows++;
}
