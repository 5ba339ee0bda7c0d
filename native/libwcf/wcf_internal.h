/* Internal types shared by libwcf's .c files: the tracker, its regions and the mechanism interface.
 * Not installed, not part of the ABI; nothing here is exported from libwcf.so (-fvisibility=hidden). */
#ifndef WCF_INTERNAL_H
#define WCF_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

#include "wcf_tracker.h"

/* One watched region. The shadow holds the bytes as of the last collect. */
struct wcf_region {
    uint64_t tag;
    uintptr_t address;
    size_t length;
    size_t elem_size;
    unsigned flags;            /* WCF_WATCH_* */
    int tracked_by_hash;       /* 1: not armed in the kernel; every page is compared each collect */
    int report_all_next;       /* 1: next collect reports every page (state unknown, e.g. after fork) */
    unsigned char *shadow;     /* mmap'd, length bytes; NULL with WCF_WATCH_NO_SHADOW */
    uint64_t *page_hashes;     /* mmap'd; NO_SHADOW regions tracked by hash only */
};

/* A run of whole pages [start, end). */
struct wcf_page_span {
    uintptr_t start;
    uintptr_t end;
};

struct wcf_mechanism_ops;

/* The tracker itself lives in memory libwcf mmaps, like everything the library writes while holding
 * `lock`: a write to user heap memory could hit a watched page and, with the fault thread, deadlock. */
struct wcf_tracker {
    pthread_mutex_t lock;
    int mechanism;
    const struct wcf_mechanism_ops *ops;
    size_t page_size;

    int uffd;           /* -1 for hash */
    int pagemap_fd;     /* async: PAGEMAP_SCAN target */
    uint64_t uffd_features;
    int user_mode_only;

    struct wcf_region *regions;
    size_t region_count, region_capacity;
    struct wcf_page_span *spans; /* union of armed regions' pages, sorted, disjoint, not touching */
    size_t span_count, span_capacity;
    unsigned char *span_mapped;  /* collect scratch: span i is still entirely mapped */
    size_t span_mapped_capacity;
    struct wcf_page_span *dirty; /* collect scratch: written pages, sorted, merged */
    size_t dirty_count, dirty_capacity;
    wcf_dirty_range *results;
    size_t result_count, result_capacity;
    void *scan_vec; /* async: struct page_region[WCF_SCAN_VEC_LEN] */
    uintptr_t armed_until; /* watch(): end of the last piece armed by this call */

    /* fault-handler thread */
    pthread_t handler;
    int handler_running;
    int handler_stop_fd; /* eventfd */
    /* single-producer (handler) single-consumer (collect) ring of page addresses; the handler never
     * takes `lock`, so nothing a lock holder does (a fork's atfork handlers, a write that faults) can
     * wait on it. Entries: a page address, or a removed range as (start | 1, end | 1). */
    uintptr_t *fault_ring;
    uint64_t fault_ring_head; /* written by the handler only (release) */
    uint64_t fault_ring_tail; /* written by collect only (release) */
    int fault_ring_overflow;  /* set by the handler when full: collect compares every span */
    uint64_t faults_handled;  /* atomic */
    unsigned fork_generation; /* wcf_fork_generation() when opened or last converted */
    int forked_child;
    struct wcf_tracker *next_open; /* registry of open trackers, for pthread_atfork */

    wcf_stats stats;
    char message[320];
};

/* What a mechanism does; all called with tracker->lock held (start/stop from open/close). */
struct wcf_mechanism_ops {
    int (*start)(struct wcf_tracker *t);
    /* Arms pages [start, end) not armed before. Returns 0, or a negative errno (region falls back to hash). */
    int (*arm)(struct wcf_tracker *t, uintptr_t start, uintptr_t end);
    /* Disarms pages [start, end) no region needs any more; memory may already be unmapped. */
    void (*disarm)(struct wcf_tracker *t, uintptr_t start, uintptr_t end);
    /* Fills t->dirty with pages written since last time, re-protecting them first. */
    int (*take_dirty)(struct wcf_tracker *t);
    void (*stop)(struct wcf_tracker *t);
};

extern const struct wcf_mechanism_ops wcf_async_wp_ops;
extern const struct wcf_mechanism_ops wcf_fault_thread_ops;
extern const struct wcf_mechanism_ops wcf_hash_ops;

/* wcf_probe.c */
struct wcf_kernel_support {
    unsigned mechanisms;          /* bitmask 1u << wcf_mechanism */
    uint64_t uffd_features;       /* as reported by UFFDIO_API */
    int user_mode_only;           /* only UFFD_USER_MODE_ONLY uffds can be opened */
    char async_reason[160];       /* why async is missing ("" if present) */
    char thread_reason[256];
};
const struct wcf_kernel_support *wcf_kernel_support(void);
/* Opens a userfaultfd and negotiates `features`; privileged first, then UFFD_USER_MODE_ONLY. */
int wcf_uffd_open(uint64_t features, int *user_mode_only);

/* wcf_memory.c: growable arrays in library-owned anonymous memory */
int wcf_grow(void **base, size_t *capacity, size_t element_size, size_t needed);
void *wcf_map(size_t bytes);
void wcf_unmap(void *p, size_t bytes);
size_t wcf_round_up(size_t n, size_t to);

/* wcf_shadow_diff.c */
void wcf_diff_against_shadow(struct wcf_tracker *t, struct wcf_region *r, size_t offset, size_t length);
uint64_t wcf_page_hash(const unsigned char *p, size_t n);
void wcf_hash_region_pages(struct wcf_tracker *t, struct wcf_region *r, int emit);

/* wcf_results.c */
int wcf_emit_range(struct wcf_tracker *t, const struct wcf_region *r, size_t offset, size_t length,
                   uint32_t flags);
int wcf_add_dirty(struct wcf_tracker *t, uintptr_t start, uintptr_t end);
void wcf_sort_merge_dirty(struct wcf_tracker *t);
/* Sorts by start and merges overlapping or touching spans in place; returns the new count. */
size_t wcf_sort_merge_spans(struct wcf_page_span *spans, size_t count);

/* wcf_uffd_range.c */
int wcf_uffd_protect(struct wcf_tracker *t, uintptr_t start, uintptr_t end, int on);
int wcf_uffd_arm(struct wcf_tracker *t, uintptr_t start, uintptr_t end);
void wcf_uffd_disarm(struct wcf_tracker *t, uintptr_t start, uintptr_t end);

/* wcf_tracker.c */
int wcf_fail(struct wcf_tracker *t, int error, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int wcf_page_in_spans(const struct wcf_tracker *t, uintptr_t page);

#define WCF_SCAN_VEC_LEN 512
#define WCF_FAULT_RING_LEN (1u << 16) /* pages between two collects before we fall back to a full compare */

#endif
