# Tests of BufferTracker (native/watercodeflow/buffers.py): buffer write history reconstructed from buffer_writes.
