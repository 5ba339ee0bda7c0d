-- Indexes of the expanded copy (expanded_schema.sql), built after its rows are loaded (faster than maintaining
-- them row by row). They are what the reader's point queries (scope_values, stack_queries) seek on.
CREATE INDEX bindings_by_scope ON bindings (scope_id, name_id, step);
CREATE INDEX object_states_by_object ON object_states (object_id, step);
CREATE INDEX steps_by_frame ON steps (frame_id, step);
