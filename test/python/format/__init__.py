# Tests of the recording format's codec (docs/recording-format.md), independent of the recorder and reader.
