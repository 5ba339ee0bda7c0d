-- The chunked tables of the reader's expanded copy of a recording, in the row layout of format version 1 (frames
-- with end_step, vals/objects with their type name, object_states with whole children lists); its plain tables
-- come from schema.sql. Built by recording_expand.py; never the layout of a recording file.
PRAGMA user_version = 1;
CREATE TABLE scopes (scope_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, frame_id INTEGER, module TEXT);
CREATE TABLE frames (frame_id INTEGER PRIMARY KEY, parent_id INTEGER, code_id INTEGER NOT NULL,
                     thread_id INTEGER NOT NULL, depth INTEGER NOT NULL, locals_scope INTEGER NOT NULL,
                     globals_scope INTEGER NOT NULL, call_step INTEGER NOT NULL, end_step INTEGER);
CREATE TABLE steps (step INTEGER PRIMARY KEY, kind INTEGER NOT NULL, frame_id INTEGER NOT NULL,
                    line INTEGER NOT NULL);
CREATE TABLE vals (value_id INTEGER PRIMARY KEY, type TEXT NOT NULL, repr TEXT, object_id INTEGER);
CREATE TABLE bindings (step INTEGER NOT NULL, scope_id INTEGER NOT NULL, name_id INTEGER NOT NULL,
                       value_id INTEGER);
CREATE TABLE objects (object_id INTEGER PRIMARY KEY, type TEXT NOT NULL, kind TEXT NOT NULL,
                      first_step INTEGER NOT NULL);
CREATE TABLE object_states (object_id INTEGER NOT NULL, step INTEGER NOT NULL, length INTEGER NOT NULL,
                            children TEXT NOT NULL, cut INTEGER NOT NULL);
CREATE TABLE returns (step INTEGER NOT NULL, frame_id INTEGER NOT NULL, value_id INTEGER);
