-- WaterCodeFlow recording schema. SCHEMA_VERSION 2. The one place the DDL lives; documented in
-- docs/recording-format.md (bump rule and history there). Readers and the recorder both check meta.schema_version.
-- The high-volume tables (steps, frames, frame_ends, scopes, bindings, vals, objects, object_states, returns)
-- are stored as column blobs in `chunks` (codec: native/watercodeflow/chunk_codec.py); the rest are plain rows.
PRAGMA user_version = 2;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chunks (tbl TEXT NOT NULL, seq INTEGER NOT NULL, first_row INTEGER NOT NULL,
                     row_count INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX chunks_order ON chunks (tbl, seq);
CREATE TABLE files (file_id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE code (code_id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, name TEXT NOT NULL,
                   qualname TEXT NOT NULL, first_line INTEGER NOT NULL);
CREATE TABLE threads (thread_id INTEGER PRIMARY KEY, ident INTEGER NOT NULL, name TEXT NOT NULL,
                      first_step INTEGER NOT NULL);
CREATE TABLE names (name_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE types (type_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE exceptions (step INTEGER NOT NULL, frame_id INTEGER, type TEXT NOT NULL, message TEXT NOT NULL,
                         traceback TEXT, kind TEXT NOT NULL);
CREATE TABLE output (step INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE watches (step INTEGER NOT NULL, name TEXT NOT NULL, value_id INTEGER);
CREATE TABLE notices (step INTEGER, kind TEXT NOT NULL, message TEXT NOT NULL);
-- Buffer write history (docs/buffer-tracking.md): kind is snapshot, full, diff, fingerprint, gone or layout
-- (after holds JSON text); object_id names the region for content rows.
CREATE TABLE buffer_writes (step INTEGER NOT NULL, object_id INTEGER NOT NULL, offset INTEGER NOT NULL,
                            length INTEGER NOT NULL, before BLOB, after BLOB, kind TEXT NOT NULL);
