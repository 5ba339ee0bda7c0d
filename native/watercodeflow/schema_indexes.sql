-- Indexes built when the recording is closed (not during the run: they would slow the hot path).
-- Readers that open a file without them (a killed run) may create them; they are pure accelerators.
CREATE INDEX IF NOT EXISTS bindings_by_scope ON bindings (scope_id, name_id, step);
CREATE INDEX IF NOT EXISTS object_states_by_object ON object_states (object_id, step);
CREATE INDEX IF NOT EXISTS steps_by_frame ON steps (frame_id, step);
CREATE INDEX IF NOT EXISTS steps_by_line ON steps (line);
CREATE INDEX IF NOT EXISTS frames_by_parent ON frames (parent_id);
