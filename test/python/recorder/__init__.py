# Tests of the Python recorder core (native/watercodeflow): record real programs in a subprocess, check SQLite.
