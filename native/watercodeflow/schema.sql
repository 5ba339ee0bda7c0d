-- WaterCodeFlow recording schema. SCHEMA_VERSION 1. The one place the DDL lives; documented in
-- docs/recording-format.md (bump rule and history there). Readers and the recorder both check meta.schema_version.
PRAGMA user_version = 1;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (file_id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE code (code_id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, name TEXT NOT NULL,
                   qualname TEXT NOT NULL, first_line INTEGER NOT NULL);
CREATE TABLE threads (thread_id INTEGER PRIMARY KEY, ident INTEGER NOT NULL, name TEXT NOT NULL,
                      first_step INTEGER NOT NULL);
CREATE TABLE scopes (scope_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, frame_id INTEGER, module TEXT);
CREATE TABLE frames (frame_id INTEGER PRIMARY KEY, parent_id INTEGER, code_id INTEGER NOT NULL,
                     thread_id INTEGER NOT NULL, depth INTEGER NOT NULL, locals_scope INTEGER NOT NULL,
                     globals_scope INTEGER NOT NULL, call_step INTEGER NOT NULL, end_step INTEGER);
CREATE TABLE steps (step INTEGER PRIMARY KEY, kind INTEGER NOT NULL, frame_id INTEGER NOT NULL,
                    line INTEGER NOT NULL);
CREATE TABLE names (name_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE vals (value_id INTEGER PRIMARY KEY, type TEXT NOT NULL, repr TEXT, object_id INTEGER);
CREATE TABLE bindings (step INTEGER NOT NULL, scope_id INTEGER NOT NULL, name_id INTEGER NOT NULL,
                       value_id INTEGER);
CREATE TABLE objects (object_id INTEGER PRIMARY KEY, type TEXT NOT NULL, kind TEXT NOT NULL,
                      first_step INTEGER NOT NULL);
CREATE TABLE object_states (object_id INTEGER NOT NULL, step INTEGER NOT NULL, length INTEGER NOT NULL,
                            children TEXT NOT NULL, cut INTEGER NOT NULL);
CREATE TABLE returns (step INTEGER PRIMARY KEY, frame_id INTEGER NOT NULL, value_id INTEGER);
CREATE TABLE exceptions (step INTEGER NOT NULL, frame_id INTEGER, type TEXT NOT NULL, message TEXT NOT NULL,
                         traceback TEXT, kind TEXT NOT NULL);
CREATE TABLE output (step INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE watches (step INTEGER NOT NULL, name TEXT NOT NULL, value_id INTEGER);
CREATE TABLE notices (step INTEGER, kind TEXT NOT NULL, message TEXT NOT NULL);
-- Buffer write history (docs/buffer-tracking.md; added without a version bump): kind is snapshot, full, diff,
-- fingerprint, gone or layout (after holds JSON text); object_id names the region for content rows.
CREATE TABLE buffer_writes (step INTEGER NOT NULL, object_id INTEGER NOT NULL, offset INTEGER NOT NULL,
                            length INTEGER NOT NULL, before BLOB, after BLOB, kind TEXT NOT NULL);
