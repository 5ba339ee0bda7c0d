/* The GIL's count of hand-overs to another thread, for the mutation clock (wcf_clock.c): when it moved since
 * the last event, another thread ran in between. Its own file because reading it needs CPython's internal
 * runtime state, which is included with Py_BUILD_CORE set before Python.h. CPython 3.11 only; elsewhere 0. */
#include <patchlevel.h>
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define Py_BUILD_CORE 1
#include <Python.h>
#include "internal/pycore_runtime.h"

unsigned long wcf_gil_switches(void) { return _PyRuntime.ceval.gil.switch_number; }
#else
#include <Python.h>

unsigned long wcf_gil_switches(void) { return 0; }
#endif
