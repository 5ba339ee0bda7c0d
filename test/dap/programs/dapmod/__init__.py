# The package module_launch.test.ts runs as `python -m dapmod`; python -m imports it before its __main__ runs.
