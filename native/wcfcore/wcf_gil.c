/* The GIL's count of hand-overs to another thread, for the mutation clock (wcf_clock.c): when it moved since
 * the last event, another thread ran in between. Its own file because reading it needs CPython's internal
 * runtime state, which is included with Py_BUILD_CORE set before Python.h. On 3.11 the GIL is the runtime's;
 * from 3.12 each interpreter has its own (reached from the thread state). */
#include <patchlevel.h>
#define Py_BUILD_CORE 1
#include <Python.h>
#if PY_VERSION_HEX >= 0x030C0000
#include "internal/pycore_interp.h"
#else
#include "internal/pycore_runtime.h"
#endif

unsigned long wcf_gil_switches(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x030C0000
    return ts->interp->ceval.gil->switch_number;
#else
    (void)ts;
    return _PyRuntime.ceval.gil.switch_number;
#endif
}
