/* CPython-version specifics of the recorder core: how to reach a frame's code, fast locals and last
 * instruction, a dict's version tag and entry table, and the current thread's trace function. Only this header
 * reads CPython internals (pycore_frame.h, the dict layout); supported: CPython 3.11, 3.12, 3.13 with the GIL.
 * Everything else uses the public C API. */
#ifndef WCF_COMPAT_H
#define WCF_COMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "the WaterCodeFlow C core supports CPython 3.11-3.13 (older and newer interpreters use the Python recorder)"
#endif

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#define WCF_UNDEF_BUILD_CORE
#endif
#include "internal/pycore_frame.h"
#if PY_VERSION_HEX >= 0x030D0000
#include "internal/pycore_setobject.h" /* _PySet_NextEntry moved here in 3.13 */
#endif
#ifdef WCF_UNDEF_BUILD_CORE
#undef Py_BUILD_CORE
#undef WCF_UNDEF_BUILD_CORE
#endif

#define WCF_CO_OPTIMIZED 0x0001
#define WCF_CO_GENERATOR_LIKE (0x0020 | 0x0080 | 0x0100 | 0x0200) /* generator, coroutine, iterable coro, async gen */
#define WCF_FAST_LOCAL 0x20
#define WCF_FAST_CELL 0x40
#define WCF_FAST_FREE 0x80

static inline _PyInterpreterFrame *wcf_iframe(PyFrameObject *frame) { return frame->f_frame; }

static inline PyCodeObject *wcf_iframe_code(_PyInterpreterFrame *f)
{
#if PY_VERSION_HEX >= 0x030D0000
    return (PyCodeObject *)f->f_executable;
#else
    return f->f_code;
#endif
}

static inline PyCodeObject *wcf_frame_code(PyFrameObject *frame) { return wcf_iframe_code(frame->f_frame); }

static inline PyObject *wcf_frame_globals(PyFrameObject *frame) { return frame->f_frame->f_globals; }

/* The namespace a non-optimized frame (module, class body, exec) stores its names in; may be NULL. */
static inline PyObject *wcf_frame_locals_dict(PyFrameObject *frame) { return frame->f_frame->f_locals; }

static inline int wcf_local_kind(PyCodeObject *code, int index)
{
    return (unsigned char)PyBytes_AS_STRING(code->co_localspluskinds)[index];
}

/* The value a frame's f_locals would show for fast slot `index` (borrowed), or NULL when the name is unbound
 * (or not shown, like the free variables of a class body). Cells are dereferenced; a free variable read before
 * COPY_FREE_VARS ran comes from the function's closure, as CPython's own f_locals does. */
static inline PyObject *wcf_fast_local(_PyInterpreterFrame *f, PyCodeObject *code, int index)
{
    int kind = wcf_local_kind(code, index);
    PyObject *value = f->localsplus[index];
    if (kind & WCF_FAST_FREE) {
        if (!(code->co_flags & WCF_CO_OPTIMIZED))
            return NULL;
        if (value == NULL) {
#if PY_VERSION_HEX >= 0x030C0000
            PyObject *func = f->f_funcobj;
#else
            PyObject *func = (PyObject *)f->f_func;
#endif
            PyObject *closure = func != NULL && PyFunction_Check(func) ? PyFunction_GET_CLOSURE(func) : NULL;
            int offset = code->co_nlocalsplus - code->co_nfreevars;
            if (closure == NULL || index - offset >= PyTuple_GET_SIZE(closure))
                return NULL;
            value = PyTuple_GET_ITEM(closure, index - offset);
        }
        return value != NULL && PyCell_Check(value) ? PyCell_GET(value) : value;
    }
    if ((kind & WCF_FAST_CELL) && value != NULL && PyCell_Check(value))
        return PyCell_GET(value);
    return value;
}

/* The calling thread's state without the checks of PyThreadState_Get (one thread-local read). */
static inline PyThreadState *wcf_tstate(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyThreadState_GetUnchecked();
#else
    return _PyThreadState_UncheckedGet();
#endif
}

static inline int wcf_exception_pending(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x030C0000
    return ts->current_exception != NULL;
#else
    return ts->curexc_type != NULL;
#endif
}

/* The interpreter frame running in `ts` (a sys.monitoring callback's frame), without making a frame object. */
static inline _PyInterpreterFrame *wcf_current_iframe(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x030D0000
    return ts->current_frame;
#else
    return ts->cframe != NULL ? ts->cframe->current_frame : NULL;
#endif
}

/* The frame object of the Python frame running in `ts` (sys.monitoring callbacks are called from it), or
 * NULL when the interpreter has not made one yet (then PyEval_GetFrame() makes it). */
static inline PyFrameObject *wcf_current_frame_object(PyThreadState *ts)
{
    _PyInterpreterFrame *f = wcf_current_iframe(ts);
    return f != NULL ? f->frame_obj : NULL;
}

/* Byte offset of the instruction a frame last started (settrace's f_lasti), -1 before the first. */
static inline int wcf_frame_lasti(PyFrameObject *frame) { return PyFrame_GetLasti(frame); }

/* The same for an executing frame, in code units (2 bytes), without the frame object. */
static inline int wcf_iframe_lasti(_PyInterpreterFrame *f) { return _PyInterpreterFrame_LASTI(f); }

/* The mutation clock (wcf_clock.c) needs to know whether a frame was entered from C code rather than pushed by
 * the eval loop for a call instruction, and how deep its value stack is at a line event. */
#if PY_VERSION_HEX < 0x030C0000
static inline int wcf_entered_from_c(_PyInterpreterFrame *f) { return f->is_entry; }
#else
/* from 3.12 the eval loop, entered from C, puts a shim frame owned by the C stack below the first frame */
static inline int wcf_entered_from_c(_PyInterpreterFrame *f)
{
    return f->previous == NULL || f->previous->owner == FRAME_OWNED_BY_CSTACK;
}
#endif
/* localsplus entries in use (locals, cells, then the value stack) while a trace function or a LINE / JUMP
 * callback runs (the interpreter stores it before the call); -1: unknown */
static inline int wcf_iframe_stack_depth(_PyInterpreterFrame *f) { return f->stacktop; }
/* wcf_gil.c: how many times the GIL of ts's interpreter went to another thread */
unsigned long wcf_gil_switches(PyThreadState *ts);

/* ma_version_tag changes with every mutation of a dict (CPython 3.6-3.13; deprecated for extensions from 3.12
 * but still maintained there). Equal tags mean the dict was not modified in between. */
static inline uint64_t wcf_dict_version(PyObject *dict)
{
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    return ((PyDictObject *)dict)->ma_version_tag;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}

/* Whether a dict's version tag sees every change of its items. Not for a split dict on 3.13: there an
 * instance's materialized __dict__ shares the object's inline values, and attribute stores specialized for
 * them write the values without touching the dict (so no new version). */
static inline int wcf_dict_version_reliable(PyObject *dict)
{
#if PY_VERSION_HEX >= 0x030D0000
    return ((PyDictObject *)dict)->ma_values == NULL;
#else
    (void)dict;
    return 1;
#endif
}

/* wcf_dict_next: PyDict_Next without a call per item. A combined table's entries are read in place, in
 * PyDict_Next's order; a split table (values kept apart from the shared keys) goes through PyDict_Next. *pos is
 * the next entry's index. The entry table mirrors CPython's (internal/pycore_dict.h, the same in 3.11, 3.12
 * and 3.13 with the GIL): that header cannot be included from an extension on 3.12. */
#ifdef Py_GIL_DISABLED
#error "the WaterCodeFlow C core reads dict entry tables laid out for interpreters with the GIL"
#endif
typedef struct {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind; /* WCF_DICT_KEYS_GENERAL (entries with hashes), _UNICODE or _SPLIT (entries without) */
    uint32_t dk_version;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[]; /* 1 << dk_log2_index_bytes bytes of indices, then the entries */
} WcfDictKeys;
enum { WCF_DICT_KEYS_GENERAL = 0, WCF_DICT_KEYS_UNICODE = 1, WCF_DICT_KEYS_SPLIT = 2 };

/* The entries follow the indices: (hash, key, value) for general keys, (key, value) otherwise. Returned as
 * pointers from the first entry's key: each entry is `*stride` pointers long, its value right after its key. */
_Static_assert(sizeof(Py_hash_t) == sizeof(PyObject *), "a dict entry's hash is pointer-sized");
static inline PyObject **wcf_dict_entries(WcfDictKeys *keys, size_t *stride)
{
    PyObject **table = (PyObject **)(void *)(keys->dk_indices + ((size_t)1 << keys->dk_log2_index_bytes));
    int general = keys->dk_kind == WCF_DICT_KEYS_GENERAL;
    *stride = general ? 3 : 2;
    return general ? table + 1 : table;
}

static inline int wcf_dict_next(PyObject *dict, Py_ssize_t *pos, PyObject **key, PyObject **value)
{
    PyDictObject *mp = (PyDictObject *)dict;
    if (mp->ma_values != NULL)
        return PyDict_Next(dict, pos, key, value);
    WcfDictKeys *keys = (WcfDictKeys *)(void *)mp->ma_keys;
    Py_ssize_t i = *pos, n = keys->dk_nentries;
    if (i < 0)
        return 0;
    size_t stride;
    PyObject **entries = wcf_dict_entries(keys, &stride);
    while (i < n && entries[(size_t)i * stride + 1] == NULL)
        i++;
    if (i >= n)
        return 0;
    *key = entries[(size_t)i * stride];
    *value = entries[(size_t)i * stride + 1];
    *pos = i + 1;
    return 1;
}

/* A dict's entry table as [key, value, key, value, ...] when it holds exactly `count` entries in that layout: a
 * combined table of str keys with no deleted entry among them. NULL otherwise (use wcf_dict_next). */
static inline PyObject **wcf_dict_pairs(PyObject *dict, Py_ssize_t count)
{
    PyDictObject *mp = (PyDictObject *)dict;
    if (mp->ma_values != NULL)
        return NULL;
    WcfDictKeys *keys = (WcfDictKeys *)(void *)mp->ma_keys;
    if (keys->dk_kind != WCF_DICT_KEYS_UNICODE || keys->dk_nentries != count || mp->ma_used != count)
        return NULL;
    size_t stride;
    return wcf_dict_entries(keys, &stride);
}

/* An instance's __dict__ (new reference), or NULL (no exception) when it has none yet: reading must not make
 * one. Where the type keeps the dict pointer itself (C types such as functools.partial, which flattens a nested
 * partial only while its __dict__ is NULL), the pointer is read; a managed dict (instances of classes, 3.11+)
 * is asked for with PyObject_GenericGetDict, whose materializing the inline values is invisible to the program. */
static inline PyObject *wcf_instance_dict(PyObject *obj)
{
    PyTypeObject *t = Py_TYPE(obj);
    if (t->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        PyObject *dict = PyObject_GenericGetDict(obj, NULL);
        if (dict == NULL)
            PyErr_Clear();
        return dict;
    }
    PyObject **slot = t->tp_dictoffset != 0 ? _PyObject_GetDictPtr(obj) : NULL;
    return slot != NULL ? Py_XNewRef(*slot) : NULL;
}

/* instance __dict__ versions are usable before 3.13 (see wcf_dict_version_reliable) */
#define WCF_INSTANCE_DICT_VERSIONS (PY_VERSION_HEX < 0x030D0000)

/* Frames left before the interpreter raises RecursionError in this thread; helpers written in Python are
 * not called closer to the limit than this (a RecursionError inside a trace callback is fatal on 3.11). */
static inline int wcf_recursion_headroom(PyThreadState *tstate)
{
#if PY_VERSION_HEX >= 0x030C0000
    return tstate->py_recursion_remaining;
#else
    return tstate->recursion_remaining;
#endif
}

#endif
