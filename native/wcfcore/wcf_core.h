/* The recorder core's state, shared by its parts: events (wcf_events.c), scopes (wcf_scopes.c), values
 * (wcf_values.c), event sources (wcf_trace.c) and the Python type (wcfcore_module.c). The C twin of
 * native/watercodeflow/recorder.py + values.py: it must write the same logical rows (docs/recording-format.md).
 * Runs inside the user's program: nothing here may raise into it; failures become notices. */
#ifndef WCF_CORE_H
#define WCF_CORE_H

#include "wcf_compat.h"
#include "wcf_chunks.h"
#include "wcf_ptrmap.h"

#define STEP_LINE 0
#define STEP_CALL 1
#define STEP_RETURN 2
#define STEP_EXCEPTION 3

/* object kinds, as in values.py classify() */
enum {
    K_UNKNOWN,
    K_LIST,
    K_TUPLE,
    K_DICT,
    K_SET,
    K_FROZENSET,
    K_BYTEARRAY,
    K_DEQUE,
    K_INSTANCE,
    K_NDARRAY,
    K_NUMPY_SCALAR,
    K_OPAQUE,
    K_TENSOR, /* torch.Tensor and subclasses: read like K_NDARRAY, through the tensor helpers */
};

/* helpers written in Python (watercodeflow/core_helpers.py) for rare, intricate cases */
enum Helper {
    H_TYPE_NAME,
    H_CLASSIFY,
    H_SLOT_NAMES,
    H_OPAQUE_DISPLAY,
    H_SAFE_DISPLAY,
    H_NDARRAY_DISPLAY,
    H_NDARRAY_STATE,
    H_TENSOR_DISPLAY,
    H_TENSOR_STATE,
    H_EXCEPTION_MESSAGE,
    H_TRACEBACK_TEXT,
    H_THREAD_NAME,
    H_LINE_STORES,
    H_LINE_EFFECTS,
    H_COUNT
};

typedef struct {
    PyObject *type; /* strong */
    int64_t type_id;
    int kind;
    PyObject *slots; /* instances: tuple of (name, member descriptor) from values._slot_names, or NULL */
} TypeInfo;

struct Scope;

typedef struct {
    PyObject *code; /* strong */
    int64_t code_id; /* 0: not recorded */
    int nlocals;     /* co_nlocalsplus */
    int64_t *slot_name_ids;   /* per fast slot, 0 until needed */
    uint8_t *slot_plain;      /* per fast slot: 1 for a plain local (no cell, no free variable) */
    PyObject *names;          /* co_names (strong): the globals this code can name */
    int64_t *global_entry;    /* per co_names entry: its index in globals_scope's entries, -1 if absent */
    struct Scope *globals_scope; /* the scope global_entry refers to */
    uint64_t globals_version;    /* that dict's version when global_entry was filled */
    int flags;                   /* co_flags */
    PyObject *co_code;           /* deoptimized bytecode for settrace's leave kind, lazily */
    /* which fast slots each line can store (core_helpers.line_stores), as CSR over lines ls_first.. */
    int ls_state;                /* 0 not built yet, 1 built, -1 unavailable (always scan every slot) */
    int ls_first, ls_count;
    int32_t *ls_start, *ls_slots;
    int32_t *ls_always; /* slots every line scan includes: cells, free variables, line-less stores */
    int ls_nalways;
    int lines_on; /* sys.monitoring: this code's LINE and JUMP events were set (wcf_code_lines) */
    /* what each line can change (line_effects.py), for the mutation clock, over lines le_first.. */
    int le_state;      /* 0 not built yet, 1 built, -1 unavailable (every line may write) */
    int le_first, le_count;
    int8_t *le_usable;   /* per line: 1 when line_effects.py lists it, 0 when it may write */
    int32_t *le_start;   /* CSR into le_conds: the line's conditions, 3 ints each (kind, slot, extra) */
    int32_t *le_conds;
    int32_t *le_cstart;  /* CSR into le_calls: the line's call instructions, [start, end) in code units */
    int32_t *le_calls;
} CodeInfo;

struct Tracked;

typedef struct {
    PyObject *obj; /* strong; NULL: unbound */
    struct Tracked *entry; /* obj's tracked entry, NULL for scalars (bound values are sweep roots: it stays) */
    int64_t value_id; /* 0 with obj set: a name the recording leaves out (__builtins__) */
    uint8_t is_mutable; /* a tracked container or instance: its state may change in place */
    int64_t seen;       /* dict scopes: the scan that last saw the name */
} Binding;

typedef struct Scope {
    int64_t scope_id;
    int is_dict;   /* names from a dict (globals, class bodies, exec locals) or fast slots */
    int refs;      /* frame records using it */
    /* fast slots */
    Binding *slots;
    int nslots;
    CodeInfo *code;
    int32_t *mutable_slots; /* slots bound to containers/instances, refreshed at every step */
    int nmutable, cap_mutable;
    /* dict scopes */
    PyObject *index;   /* dict: name -> index into entries */
    Binding *entries;
    PyObject **entry_names; /* strong */
    int64_t *entry_name_ids;
    int nentries, cap;
    int nbound;
    int64_t scan_mark;
    PyObject *dict;     /* globals scopes: the dict (strong), so its id stays unique */
    uint64_t version;   /* the dict's version at the last full scan */
    int fully_scanned;
} Scope;

struct ThreadRec;

typedef struct FrameRecord {
    int64_t frame_id;
    PyObject *frame; /* strong (PyFrameObject) */
    struct ThreadRec *thread;
    Scope *locals;  /* == globals for a module's own frame */
    Scope *globals;
    CodeInfo *code;
    int64_t last_exception_step; /* -1: none */
    int prev_line; /* line of this frame's last line step, -1 after a call/exception step (full scan next) */
    int cur_line;  /* the line the frame is on since its last line step (0: unknown, ask the frame) */
    int calls_done; /* the mutation clock: how many of its line's calls were seen entering Python (-1: not so) */
    int line_start; /* where its last line event started the line (code units) */
    uint8_t after_exception;
    uint8_t shares_globals;
} FrameRecord;

typedef struct ThreadRec {
    int64_t thread_id;
    unsigned long ident;
    FrameRecord **stack;
    int depth, cap;
    PyObject *last_exception; /* strong: the exception last recorded as raised, while the program handles it */
} ThreadRec;

typedef struct Tracked {
    PyObject *obj; /* strong: keeps id(obj) unique while tracked */
    int64_t object_id;
    int64_t value_id;
    TypeInfo *type;
    uint8_t kind, expanded, has_state, marked;
    uint8_t buffer; /* offered to buffer tracking: released there when the sweep forgets it */
    int64_t seen_epoch;
    int seen_level;
    /* the mutation clock (wcf_clock.c) when this entry and what it reaches were last read, at which level, and
     * whether that read went all the way down (no depth limit stopped it) */
    uint64_t checked_clock;
    int checked_level;
    uint8_t checked_complete;
    PyObject **raw; /* strong: the children last read (dict/instance: key, value, key, value, ...) */
    int nraw;
    int64_t *child_ids;   /* value ids of the recorded children */
    struct Tracked **child_entries; /* their entries (NULL for scalars): valid while this entry is, since the
                                     * sweep keeps what a kept entry's children reach */
    PyObject **child_keys; /* strong str displays (dict/instance keys); NULL entries for sequences */
    int nchildren;
    int cap_raw, cap_children; /* allocated sizes of raw and child_ids/child_keys */
    int64_t length, cut;
    int delta_chain; /* delta rows since the last full state */
    uint64_t dict_version;
    uint8_t scalar_children; /* every recorded child is a scalar (no nested state to refresh) */
    PyObject *signature;     /* ndarray, tensor: (shape, dtype, bytes-or-None), as the state helper returns it */
    void *namespace;         /* instances: the __dict__ last read (identity only, with dict_version) */
    void *set_table;         /* sets: the hash table last read (identity), and a copy of its entries */
    void *set_copy;
    size_t set_copy_bytes;
} Tracked;

#define SCALAR_CACHE 4096

typedef struct {
    int64_t key;
    int64_t value_id;
} ScalarSlot;

typedef struct {
    PyObject *obj; /* strong */
    int64_t value_id;
} ObjectSlot;

typedef struct Core {
    PyObject_HEAD
    /* options */
    int scan_lines; /* not lite */
    int max_repr, max_items, max_depth, sticky_level_limit;
    int monitoring; /* event source: 1 sys.monitoring, 0 settrace */
    /* collaborators (strong) */
    PyObject *is_recorded; /* callable(filename) -> bool */
    PyObject *helpers;     /* module watercodeflow.core_helpers */
    PyObject *rows;        /* writer.rows: dict of lists for the plain tables */
    PyObject *on_flush;    /* callable() the core calls when it is time to flush */
    PyObject *uninstall;   /* callable() that removes the event source (wcf_stop calls it) */
    unsigned char opcode_class[256]; /* settrace leave kind: bit 1 return, bit 2 yield-like */
    int yield_from;        /* YIELD_FROM's opcode (3.8-3.10 only), -1 otherwise */
    /* the core lock: held during every event; waiters yield the GIL (see wcfcore_module.c) */
    int busy;
    void *owner; /* the PyThreadState holding it */
    int lock_depth;
    int64_t last_frame_id; /* frame of the last step */
    /* the recorder's own threads (flusher, progress worker): their events are never recorded nor waited on
     * (under sys.monitoring every thread gets events; theirs must not block on the core lock) */
    PyThreadState *untraced[8];
    int nuntraced;
    PyObject *on_fork_resume; /* callable or None, run at the next step (set after fork in the parent) */
    /* buffer tracking (watercodeflow/buffer_hooks.py): track(obj, object_id, step) -> watching,
     * collect(step) -> flags (1 flush now, 2 still watching), release(object_id); NULL: off */
    PyObject *buffer_track, *buffer_collect, *buffer_release;
    int buffers_watched;
    PyObject *watch_rows, *name_rows, *type_rows, *thread_rows, *code_rows, *file_rows, *exception_rows,
        *notice_rows;
    PyObject *deque_type;
    PyObject *h[16];      /* helper functions from watercodeflow.core_helpers, by enum Helper */
    PyObject *monitoring_disable; /* sys.monitoring.DISABLE */
    /* sys.monitoring: LINE and JUMP are local events, set on each recorded code object when the core first
     * sees it (wcf_code_lines), so that code outside the recording is never instrumented for lines.
     * set_local_events is sys.monitoring.set_local_events, line_tool the tool id, line_events the mask; NULL
     * while off (settrace, lite, before start and after stop). */
    PyObject *set_local_events, *line_tool, *line_events;
    /* state */
    int active;
    int paused; /* around fork(): events are ignored (not recorded, the event source stays) */
    int64_t step; /* the last step written; -1 before the first */
    int64_t epoch;
    int64_t flush_every, steps_since_flush;
    int64_t next_frame, next_scope, next_thread, next_code, next_file, next_name, next_type, next_value,
        next_object;
    PyObject *name_ids; /* dict: name -> id */
    PyObject *file_ids; /* dict: filename -> id */
    PyObject *type_ids; /* dict: type name -> id (distinct classes can share a name) */
    WcfPtrMap codes;    /* code object -> CodeInfo */
    WcfPtrMap types;    /* type -> TypeInfo */
    WcfPtrMap live;     /* frame -> FrameRecord */
    WcfPtrMap suspended; /* frame -> FrameRecord (a generator waiting to resume) */
    WcfPtrMap globals_scopes; /* globals dict -> Scope */
    WcfPtrMap threads;  /* PyThreadState -> ThreadRec */
    WcfPtrMap tracked;  /* object -> Tracked */
    unsigned long main_ident;
    int64_t sweep_threshold;
    /* objects the recorder dropped a reference to (a binding, a frame's scope, a container's old item): those
     * only the recorder still holds are released at the next step (wcf_release_dead), not at the next sweep */
    PyObject **dead_candidates;
    int ndead_candidates, cap_dead_candidates;
    /* scalar interning (caches: a value may get several ids; each id has the same display) */
    int64_t none_id, true_id, false_id;
    int64_t small_ints[1024 + 5];
    ScalarSlot int_cache[SCALAR_CACHE];
    ScalarSlot float_cache[SCALAR_CACHE];
    ObjectSlot object_cache[SCALAR_CACHE];
    TypeInfo *t_int, *t_float, *t_str, *t_bytes, *t_bool, *t_none, *t_complex;
    WcfChunks out;
    WcfBuf json;          /* scratch for children JSON */
    /* per nesting level scratch for reading children: raw (2 * max_items), ids and keys (max_items) */
    PyObject **scratch_raw;
    int64_t *scratch_ids;
    PyObject **scratch_keys;
    struct Tracked **scratch_entries;
    int scratch_levels;
    int internal_errors;  /* notices written for internal errors (bounded) */
    /* free lists: a call allocates a frame record and a slot scope, a return frees them */
    struct FrameRecord *free_records;
    int nfree_records;
    struct Scope *free_scopes; /* slot scopes, chained through `code` (reused as a link) */
    int nfree_scopes;
    struct Tracked *free_tracked; /* chained through `type` */
    int nfree_tracked;
    int in_flush;
    /* the mutation clock (wcf_clock.c) */
    int clock_on;      /* judged by the events (line steps, one tool); else it moves at every step */
    int clock_wanted;  /* line steps and not turned off by WATERCODEFLOW_MUTATION_CLOCK=0 */
    uint64_t mclock;
    int iv_mode;       /* what ran since the last event: IV_* in wcf_clock.c */
    struct FrameRecord *iv_rec; /* in which recorded frame */
    int iv_line;       /* on which line */
    int iv_depth;      /* its value stack depth at the line event that started it, and the top item then */
    PyObject *iv_tos;  /* (borrowed, compared by identity only) */
    unsigned long iv_switches; /* the GIL's hand-overs to another thread at the last event */
    PyThreadState *ot_head, *ot_self; /* only_thread()'s answer ot_alone, kept while these are unchanged */
    int ot_nuntraced, ot_alone, ot_countdown;
    int read_cut;      /* set while reading when a depth limit stops a read (wcf_values.c) */
    int64_t nmutable_locals; /* function locals bound to containers and instances: none, nothing to judge */
} Core;

extern PyTypeObject WcfCoreType;

/* wcf_events.c */
FrameRecord *wcf_on_call(Core *c, PyObject *frame);
void wcf_on_line(Core *c, FrameRecord *r, int line);
void wcf_on_return(Core *c, FrameRecord *r, PyObject *value, int is_yield);
void wcf_on_unwind(Core *c, FrameRecord *r);
void wcf_after_trace_gap(Core *c, PyFrameObject *frame);
void wcf_on_exception(Core *c, FrameRecord *r, PyObject *exc, PyObject *tb);
CodeInfo *wcf_code_info(Core *c, PyCodeObject *code);
void wcf_internal_error(Core *c, const char *where);
void wcf_stop(Core *c);
void wcf_release_all(Core *c);
int64_t wcf_name_id(Core *c, PyObject *name);
int64_t wcf_interned_id(Core *c, PyObject *ids, PyObject *key, int64_t *next, PyObject *rows,
                        PyObject *(*text_of)(PyObject *));
void wcf_new_step_for_watch(Core *c);
void wcf_flush_if_due(Core *c);

/* wcf_scopes.c */
Scope *wcf_scope_new(Core *c, int is_dict, CodeInfo *code);
void wcf_scope_unref(Core *c, Scope *s);
/* prev_line >= 0: only what that line (and anything else) can have changed; -1: everything */
void wcf_scan_frame(Core *c, FrameRecord *r, int prev_line);
void wcf_scan_fast(Core *c, Scope *s, PyFrameObject *frame, int prev_line);
void wcf_scan_dict(Core *c, Scope *s, PyObject *dict, int force);
void wcf_mark_scope(Core *c, Scope *s);
void wcf_scopes_free_lists(Core *c);

/* wcf_values.c */
int64_t wcf_value_id(Core *c, PyObject *obj, int level);
/* the same, also giving the object's entry (NULL for scalars and untracked values) */
int64_t wcf_value_entry(Core *c, PyObject *obj, int level, struct Tracked **entry);
int64_t wcf_refresh_entry_read(Core *c, struct Tracked *e, int level);
/* Re-reads a tracked object's state (wcf_value_id without the lookup) unless this step did, or nothing can have
 * written since e and what it reaches were last read at this depth (the mutation clock, wcf_clock.c).
 * c->read_cut tells the caller whether a depth limit stopped the read short (a shallower read may see more).
 * Inline: most calls end at this check. */
static inline int64_t wcf_refresh_entry(Core *c, struct Tracked *e, int level)
{
    if ((e->seen_epoch == c->epoch && (level >= e->seen_level || e->expanded)) ||
        (e->checked_clock == c->mclock && (level >= e->checked_level || e->checked_complete))) {
        c->read_cut |= !e->checked_complete;
        return e->value_id;
    }
    return wcf_refresh_entry_read(c, e, level);
}
TypeInfo *wcf_type_info(Core *c, PyTypeObject *type);
void wcf_maybe_sweep(Core *c);
void wcf_release_dead(Core *c, int keep_held);
void wcf_note_dropped(Core *c, PyObject *obj);
void wcf_values_free(Core *c);
int wcf_is_scalar(Core *c, PyTypeObject *type);
/* PyErr_Clear, except that a KeyboardInterrupt is handed back to the program (PyErr_SetInterrupt) */
void wcf_clear_error(void);
/* calls helper `h` with `args` (a new tuple, consumed); NULL without an exception on failure */
PyObject *wcf_call_helper(Core *c, int h, PyObject *args);
/* text of a str for JSON/text columns (UTF-8, lone surrogates escaped); NULL on failure (cleared) */
const char *wcf_utf8(PyObject *text, Py_ssize_t *len, PyObject **keep);

/* wcf_clock.c: the mutation clock */
void wcf_clock_init(Core *c);
void wcf_clock_event(Core *c, _PyInterpreterFrame *f, int what, FrameRecord *r, int line, int start);
void wcf_clock_entered(Core *c, _PyInterpreterFrame *f, FrameRecord *r);
void wcf_clock_tick(Core *c);
int wcf_clock_release(Core *c);
#define WCF_IV_DIRTY 0

/* The event sources' entry to the clock (events in settrace's terms: PyTrace_CALL, _LINE, _RETURN, _EXCEPTION;
 * see wcf_clock_event): judging pays only while some function has a container or an instance in a local, and
 * can succeed only while no other program thread lives; otherwise the clock moves. (Judging also while
 * objects with nested objects are tracked, such as trees a function returns, saved fewer re-reads than it
 * cost on the recursion benchmark.) */
static inline void wcf_clock_on_event(Core *c, _PyInterpreterFrame *f, int what, FrameRecord *r, int line,
                                      int start)
{
    /* while other program threads live, the clock moves at every event: they are looked for again now and then */
    if (c->nmutable_locals > 0 && (c->ot_alone || ++c->ot_countdown >= 4096)) {
        c->ot_countdown = 0;
        wcf_clock_event(c, f, what, r, line, start);
        return;
    }
    c->mclock++;
    c->iv_mode = WCF_IV_DIRTY;
    c->iv_rec = NULL;
}

/* wcf_trace.c: the event sources */
int wcf_trace_function(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);
PyObject *wcf_monitoring_callbacks(Core *c);
/* Sets the local LINE and JUMP events of a recorded code object (while c->set_local_events is set). */
void wcf_code_lines(Core *c, CodeInfo *ci);

static inline int wcf_untraced_thread(Core *c, PyThreadState *ts)
{
    for (int i = 0; i < c->nuntraced; i++)
        if (c->untraced[i] == ts)
            return 1;
    return 0;
}

/* wcfcore_module.c: the core lock */
void wcf_lock(Core *c, PyThreadState *ts);
void wcf_unlock(Core *c);

/* PyErr_Occurred() for code under the core lock, from the holder's thread state: no thread-local read (from an
 * extension module on 3.13 each one is a __tls_get_addr call, ~2% of a recursion's instructions by callgrind) */
static inline int wcf_error_pending(Core *c)
{
    return c->busy && c->owner != NULL ? wcf_exception_pending((PyThreadState *)c->owner) : PyErr_Occurred() != NULL;
}

#endif
