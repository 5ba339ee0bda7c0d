/* libwcf public API: find which bytes of watched memory regions were written since the last collect.
 * This header is the whole contract with callers (the Python binding, tests, bench); it must stay small
 * and C ABI-stable. Mechanisms, probing and bookkeeping live in the .c files behind it. */
#ifndef WCF_TRACKER_H
#define WCF_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WCF_TRACKER_ABI_VERSION 1

/* How dirty pages are found. All give the same answers (byte ranges that differ from the shadow copy). */
typedef enum wcf_mechanism {
    WCF_MECHANISM_AUTO = 0,         /* best available: async, else thread, else hash */
    WCF_MECHANISM_ASYNC_WP = 1,     /* userfaultfd UFFD_FEATURE_WP_ASYNC + PAGEMAP_SCAN (Linux >= 6.7) */
    WCF_MECHANISM_FAULT_THREAD = 2, /* userfaultfd WP + a fault-handler thread (Linux >= 5.7) */
    WCF_MECHANISM_HASH = 3,         /* compare every page with the shadow copy; needs no kernel feature */
} wcf_mechanism;

typedef struct wcf_tracker wcf_tracker;

/* watch() flags */
#define WCF_WATCH_NO_SHADOW 1u /* keep no shadow copy: report whole dirty pages (WCF_RANGE_PAGE_GRANULAR) */

/* wcf_dirty_range.flags */
#define WCF_RANGE_REGION_GONE 1u   /* the region's memory was unmapped; it is no longer watched (offset,length 0) */
#define WCF_RANGE_PAGE_GRANULAR 2u /* a written page of a NO_SHADOW region, not a verified byte change */

typedef struct wcf_dirty_range {
    uint64_t tag;    /* as given to wcf_watch */
    uint64_t offset; /* bytes from the region's start, aligned down to elem_size */
    uint64_t length; /* bytes, a multiple of elem_size (clipped at the region's end) */
    uint32_t flags;  /* WCF_RANGE_* */
    uint32_t reserved;
} wcf_dirty_range;

typedef struct wcf_stats {
    uint32_t mechanism;          /* wcf_mechanism actually in use */
    uint32_t user_mode_only;     /* 1: uffd opened with UFFD_USER_MODE_ONLY (unprivileged) */
    uint32_t forked_child;       /* 1: tracker inherited over fork(), now running as WCF_MECHANISM_HASH */
    uint32_t reserved;
    uint64_t regions;            /* watched regions */
    uint64_t regions_hash;       /* of which tracked by hashing (uffd registration refused, e.g. file mmap) */
    uint64_t watched_bytes;
    uint64_t shadow_bytes;
    uint64_t collects;
    uint64_t dirty_pages;        /* pages the mechanism reported written, summed over collects */
    uint64_t compared_bytes;     /* bytes compared with shadow copies, summed */
    uint64_t ranges;             /* ranges returned, summed */
    uint64_t faults_handled;     /* WCF_MECHANISM_FAULT_THREAD: write faults resolved */
    uint64_t last_collect_ns;
    uint64_t total_collect_ns;
} wcf_stats;

/* Bit (1u << m) is set for every mechanism m usable in this process. Probes the kernel once. */
unsigned wcf_available_mechanisms(void);

/* "auto", "async", "thread", "hash"; "?" for an unknown value. */
const char *wcf_mechanism_name(int mechanism);

/* Opens a tracker. Returns 0, or a negative errno with a sentence in message (if non-NULL). */
int wcf_open(int mechanism, wcf_tracker **out, char *message, size_t message_size);

/* Watches [address, address+length). elem_size (>= 1) sets the reporting granularity. The first collect
 * after watch reports changes made after watch returned. -EEXIST: tag already watched. */
int wcf_watch(wcf_tracker *tracker, void *address, size_t length, size_t elem_size, uint64_t tag,
              unsigned flags);

/* Stops watching; -ENOENT if the tag is unknown. Call before freeing the memory. */
int wcf_unwatch(wcf_tracker *tracker, uint64_t tag);

/* Reports the ranges changed since the previous collect and re-arms tracking. *ranges stays valid until
 * the next collect/close on this tracker. Ranges come grouped by region, in increasing offset. */
int wcf_collect(wcf_tracker *tracker, const wcf_dirty_range **ranges, size_t *count);

int wcf_get_stats(wcf_tracker *tracker, wcf_stats *out);

/* The sentence describing the last failure on this tracker ("" if none). */
const char *wcf_last_error(const wcf_tracker *tracker);

/* Unwatches everything, stops the handler thread, frees all memory. */
int wcf_close(wcf_tracker *tracker);

#ifdef __cplusplus
}
#endif
#endif
