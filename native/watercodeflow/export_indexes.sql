-- Indexes only the plain-SQL export (export_sqlite.py) adds to the expanded copy, for the queries people write by
-- hand ("which steps ran line N", "what did this frame call"). The reader's own copy does without them: none of
-- its queries seeks on them, and steps_by_line alone took ~0.9 s of opening a 3.5M-step recording.
CREATE INDEX steps_by_line ON steps (line);
CREATE INDEX frames_by_parent ON frames (parent_id);
