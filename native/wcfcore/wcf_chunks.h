/* The recorder core's output buffers: one column set per chunked table of recording format v2, encoded as
 * rows arrive (docs/recording-format.md, "Physical storage"), cut into chunk blobs at each flush.
 * Knows the column layouts of native/watercodeflow/chunk_codec.py and nothing about frames or values. */
#ifndef WCF_CHUNKS_H
#define WCF_CHUNKS_H

#include "wcf_compat.h"
#include "wcf_buf.h"

enum {
    WCF_T_STEPS,
    WCF_T_FRAMES,
    WCF_T_FRAME_ENDS,
    WCF_T_SCOPES,
    WCF_T_BINDINGS,
    WCF_T_VALS,
    WCF_T_OBJECTS,
    WCF_T_OBJECT_STATES,
    WCF_T_RETURNS,
    WCF_TABLE_COUNT
};

#define WCF_MAX_COLUMNS 8

/* value tags of the `v` encoding */
enum { WCF_V_NULL, WCF_V_TEXT, WCF_V_INT, WCF_V_FLOAT, WCF_V_TRUE, WCF_V_FALSE, WCF_V_NONE };

typedef struct {
    WcfBuf buf;
    int64_t prev; /* for delta columns */
} WcfColumn;

typedef struct {
    WcfColumn cols[WCF_MAX_COLUMNS];
    uint64_t rows; /* rows buffered since the last cut */
} WcfTable;

typedef struct {
    WcfTable tables[WCF_TABLE_COUNT];
    int failed; /* memory ran out while appending: the buffered rows are incomplete */
} WcfChunks;

void wcf_chunks_free(WcfChunks *chunks);
void wcf_chunks_clear(WcfChunks *chunks);
size_t wcf_chunks_bytes(const WcfChunks *chunks);
const char *wcf_table_name(int table);
/* The buffered rows as a list of (table name, row_count, bytes) for the writer's add_chunk, in table order;
 * empties the buffers. NULL with an exception set on failure. */
PyObject *wcf_chunks_cut(WcfChunks *chunks);

/* Row appenders: columns in the order of chunk_codec.CHUNKED_TABLES. A NULL-able id is given as -1. */
void wcf_row_step(WcfChunks *c, int kind, int64_t frame_id, int64_t line);
void wcf_row_frame(WcfChunks *c, int64_t frame_id, int64_t parent_id, int64_t code_id, int64_t thread_id,
                   int64_t depth, int64_t locals_scope, int64_t globals_scope, int64_t call_step);
void wcf_row_frame_end(WcfChunks *c, int64_t frame_id, int64_t end_step);
void wcf_row_scope(WcfChunks *c, int64_t scope_id, int kind, int64_t frame_id, const char *module,
                   Py_ssize_t module_len);
void wcf_row_binding(WcfChunks *c, int64_t step, int64_t scope_id, int64_t name_id, int64_t value_id);
/* vals: the repr column is written by one of the wcf_val_* calls right after wcf_row_val_begin */
void wcf_row_val_begin(WcfChunks *c, int64_t value_id, int64_t type_id, int64_t object_id);
void wcf_val_text(WcfChunks *c, const char *text, Py_ssize_t len);
void wcf_val_int(WcfChunks *c, int64_t value);
void wcf_val_float(WcfChunks *c, double value);
void wcf_val_tag(WcfChunks *c, int tag);
void wcf_row_object(WcfChunks *c, int64_t object_id, int64_t type_id, const char *kind, int64_t first_step);
void wcf_row_object_state(WcfChunks *c, int64_t object_id, int64_t step, int64_t length, int64_t cut,
                          int delta, const char *children, size_t children_len);
void wcf_row_return(WcfChunks *c, int64_t step, int64_t frame_id, int64_t value_id);

/* The reader's side (wcf_decode.c): _wcfcore.decode_column, chunk_codec._decode_column's C twin. */
PyObject *wcf_decode_column(PyObject *module, PyObject *args);

#endif
