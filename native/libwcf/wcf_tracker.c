/* The public API: tracker lifecycle, the region table, page spans, collect's walk over regions, and fork
 * adoption. Delegates page-level work to the mechanism ops and byte-level work to wcf_shadow_diff.c; has
 * no kernel-specific code of its own beyond msync() as an "is it still mapped" test. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "wcf_internal.h"

#define WCF_EXPORT __attribute__((visibility("default")))

/* ---- fork: the registry lets pthread_atfork keep every tracker's lock consistent in the child ---- */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wcf_tracker *registry;
static unsigned fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void) {
    pthread_mutex_lock(&registry_lock);
    for (struct wcf_tracker *t = registry; t; t = t->next_open) pthread_mutex_lock(&t->lock);
}
static void atfork_parent(void) {
    for (struct wcf_tracker *t = registry; t; t = t->next_open) pthread_mutex_unlock(&t->lock);
    pthread_mutex_unlock(&registry_lock);
}
static void atfork_child(void) {
    fork_generation++;
    for (struct wcf_tracker *t = registry; t; t = t->next_open) pthread_mutex_unlock(&t->lock);
    pthread_mutex_unlock(&registry_lock);
}
static void install_atfork(void) { pthread_atfork(atfork_prepare, atfork_parent, atfork_child); }

int wcf_fail(struct wcf_tracker *t, int error, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    vsnprintf(t->message, sizeof t->message, format, ap);
    va_end(ap);
    return error;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uintptr_t page_floor(const struct wcf_tracker *t, uintptr_t a) { return a & ~(uintptr_t)(t->page_size - 1); }
static uintptr_t page_ceil(const struct wcf_tracker *t, uintptr_t a) { return page_floor(t, a + t->page_size - 1); }

static size_t region_page_count(const struct wcf_tracker *t, const struct wcf_region *r) {
    return (page_ceil(t, r->address + r->length) - page_floor(t, r->address)) / t->page_size;
}

static int range_is_mapped(const struct wcf_tracker *t, uintptr_t address, size_t length) {
    uintptr_t start = page_floor(t, address);
    return msync((void *)start, page_ceil(t, address + length) - start, MS_ASYNC) == 0 || errno != ENOMEM;
}

/* ---- spans: the union of armed regions' pages ---- */
/* Index of the first span ending after `page` (span_count if none). */
static size_t span_index(const struct wcf_tracker *t, uintptr_t page) {
    size_t lo = 0, hi = t->span_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->spans[mid].end <= page) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int wcf_page_in_spans(const struct wcf_tracker *t, uintptr_t page) {
    size_t i = span_index(t, page);
    return i < t->span_count && t->spans[i].start <= page;
}

static int rebuild_spans(struct wcf_tracker *t) {
    t->span_count = 0;
    for (size_t i = 0; i < t->region_count; i++) {
        const struct wcf_region *r = &t->regions[i];
        if (r->tracked_by_hash) continue;
        if (wcf_grow((void **)&t->spans, &t->span_capacity, sizeof *t->spans, t->span_count + 1) != 0)
            return wcf_fail(t, -ENOMEM, "out of memory for the page span table");
        t->spans[t->span_count].start = page_floor(t, r->address);
        t->spans[t->span_count].end = page_ceil(t, r->address + r->length);
        t->span_count++;
    }
    t->span_count = wcf_sort_merge_spans(t->spans, t->span_count);
    return 0;
}

/* Calls fn on the parts of [start, end) not covered by any span. Returns fn's first error. */
static int for_each_uncovered(struct wcf_tracker *t, uintptr_t start, uintptr_t end,
                              int (*fn)(struct wcf_tracker *, uintptr_t, uintptr_t)) {
    uintptr_t cursor = start;
    for (size_t i = 0; i < t->span_count && cursor < end; i++) {
        const struct wcf_page_span *s = &t->spans[i];
        if (s->end <= cursor) continue;
        if (s->start >= end) break;
        if (s->start > cursor) {
            int e = fn(t, cursor, s->start);
            if (e != 0) return e;
        }
        cursor = s->end;
    }
    return cursor < end ? fn(t, cursor, end) : 0;
}

static int disarm_piece(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    t->ops->disarm(t, start, end);
    return 0;
}

static int arm_piece(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    int e = t->ops->arm(t, start, end);
    if (e == 0) t->armed_until = end;
    return e;
}

/* ---- fork adoption: in a child the kernel state belongs to the parent ---- */

/* Without UFFD_FEATURE_EVENT_FORK the child's VMAs come unregistered and un-protected, and the handler
 * thread does not exist there; so a child's tracker becomes a hash tracker over the shadows it inherited. */
static void adopt_after_fork(struct wcf_tracker *t) {
    if (t->fork_generation == fork_generation) return;
    t->fork_generation = fork_generation;
    t->forked_child = 1;
    if (t->mechanism == WCF_MECHANISM_HASH) return;
    if (t->uffd >= 0) close(t->uffd);
    t->uffd = -1;
    t->handler_running = 0; /* that thread lives in the parent only */
    t->ops->stop(t);
    for (size_t i = 0; i < t->region_count; i++) {
        struct wcf_region *r = &t->regions[i];
        if (r->tracked_by_hash) continue;
        r->tracked_by_hash = 1;
        if (r->shadow == NULL) {
            /* no shadow and unknown dirtiness at fork: zeroed hashes make the next collect report all pages */
            r->page_hashes = wcf_map(region_page_count(t, r) * sizeof(uint64_t));
            if (r->page_hashes == NULL) r->tracked_by_hash = 0; /* cannot track; collect reports it gone */
        }
    }
    t->span_count = 0;
    t->mechanism = WCF_MECHANISM_HASH;
    t->ops = &wcf_hash_ops;
}

/* ---- public API ---- */

WCF_EXPORT unsigned wcf_available_mechanisms(void) { return wcf_kernel_support()->mechanisms; }

WCF_EXPORT const char *wcf_mechanism_name(int mechanism) {
    switch (mechanism) {
    case WCF_MECHANISM_AUTO: return "auto";
    case WCF_MECHANISM_ASYNC_WP: return "async";
    case WCF_MECHANISM_FAULT_THREAD: return "thread";
    case WCF_MECHANISM_HASH: return "hash";
    default: return "?";
    }
}

static void say(char *message, size_t size, const char *text) {
    if (message && size) snprintf(message, size, "%s", text);
}

WCF_EXPORT int wcf_open(int mechanism, wcf_tracker **out, char *message, size_t message_size) {
    say(message, message_size, "");
    if (out == NULL) return -EINVAL;
    *out = NULL;
    pthread_once(&atfork_once, install_atfork);
    const struct wcf_kernel_support *k = wcf_kernel_support();
    char why[400];
    if (mechanism == WCF_MECHANISM_AUTO) {
        if (k->mechanisms & (1u << WCF_MECHANISM_ASYNC_WP)) mechanism = WCF_MECHANISM_ASYNC_WP;
        else if (k->mechanisms & (1u << WCF_MECHANISM_FAULT_THREAD)) mechanism = WCF_MECHANISM_FAULT_THREAD;
        else mechanism = WCF_MECHANISM_HASH;
    } else if (mechanism < WCF_MECHANISM_ASYNC_WP || mechanism > WCF_MECHANISM_HASH) {
        snprintf(why, sizeof why, "unknown mechanism %d: use 0 auto, 1 async, 2 thread or 3 hash", mechanism);
        say(message, message_size, why);
        return -EINVAL;
    } else if (!(k->mechanisms & (1u << mechanism))) {
        snprintf(why, sizeof why, "mechanism '%s' is unavailable here: %s; use 'auto' or 'hash'",
                 wcf_mechanism_name(mechanism),
                 mechanism == WCF_MECHANISM_ASYNC_WP ? k->async_reason : k->thread_reason);
        say(message, message_size, why);
        return -ENOTSUP;
    }
    struct wcf_tracker *t = wcf_map(sizeof *t);
    if (t == NULL) {
        say(message, message_size, "out of memory opening a tracker");
        return -ENOMEM;
    }
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->mechanism = mechanism;
    t->ops = mechanism == WCF_MECHANISM_ASYNC_WP       ? &wcf_async_wp_ops
             : mechanism == WCF_MECHANISM_FAULT_THREAD ? &wcf_fault_thread_ops
                                                       : &wcf_hash_ops;
    t->page_size = (size_t)sysconf(_SC_PAGESIZE);
    t->uffd = t->pagemap_fd = t->handler_stop_fd = -1;
    int e = t->ops->start(t);
    if (e != 0) {
        say(message, message_size, t->message);
        t->ops->stop(t);
        if (t->uffd >= 0) close(t->uffd);
        pthread_mutex_destroy(&t->lock);
        wcf_unmap(t, sizeof *t);
        return e;
    }
    pthread_mutex_lock(&registry_lock);
    t->fork_generation = fork_generation;
    t->next_open = registry;
    registry = t;
    pthread_mutex_unlock(&registry_lock);
    *out = t;
    return 0;
}

static struct wcf_region *find_region(struct wcf_tracker *t, uint64_t tag, size_t *index) {
    for (size_t i = 0; i < t->region_count; i++)
        if (t->regions[i].tag == tag) {
            if (index) *index = i;
            return &t->regions[i];
        }
    return NULL;
}

static void free_region_memory(struct wcf_tracker *t, struct wcf_region *r) {
    wcf_unmap(r->shadow, r->length);
    wcf_unmap(r->page_hashes, region_page_count(t, r) * sizeof(uint64_t));
    r->shadow = NULL;
    r->page_hashes = NULL;
}

/* Removes region i; disarms pages no other region needs (ignoring errors for unmapped memory). */
static void remove_region(struct wcf_tracker *t, size_t i) {
    struct wcf_region gone = t->regions[i];
    free_region_memory(t, &t->regions[i]);
    memmove(&t->regions[i], &t->regions[i + 1], (t->region_count - i - 1) * sizeof *t->regions);
    t->region_count--;
    if (!gone.tracked_by_hash) {
        rebuild_spans(t);
        for_each_uncovered(t, page_floor(t, gone.address), page_ceil(t, gone.address + gone.length), disarm_piece);
    }
}

static int watch_locked(struct wcf_tracker *t, void *address, size_t length, size_t elem_size, uint64_t tag,
                        unsigned flags) {
    uintptr_t a = (uintptr_t)address;
    if (address == NULL || length == 0)
        return wcf_fail(t, -EINVAL, "watch needs a non-empty region (address %p, length %zu)", address, length);
    if (a + length < a) return wcf_fail(t, -EINVAL, "region %p + %zu wraps around", address, length);
    if (elem_size == 0) elem_size = 1;
    if (find_region(t, tag, NULL))
        return wcf_fail(t, -EEXIST, "tag %llu is already watched; unwatch it first or use another tag",
                        (unsigned long long)tag);
    if (!range_is_mapped(t, a, length))
        return wcf_fail(t, -EFAULT, "region %p + %zu is not (entirely) mapped memory", address, length);
    if (wcf_grow((void **)&t->regions, &t->region_capacity, sizeof *t->regions, t->region_count + 1) != 0)
        return wcf_fail(t, -ENOMEM, "out of memory growing the region table");
    struct wcf_region r = {.tag = tag, .address = a, .length = length, .elem_size = elem_size, .flags = flags};
    if (!(flags & WCF_WATCH_NO_SHADOW)) {
        r.shadow = wcf_map(length);
        if (r.shadow == NULL)
            return wcf_fail(t, -ENOMEM,
                            "cannot allocate a %zu-byte shadow copy; watch with WCF_WATCH_NO_SHADOW (page-granular "
                            "ranges) for buffers this large",
                            length);
    }
    /* Arm before copying: a write racing with watch() then shows up as dirty, never as silently absorbed. */
    r.tracked_by_hash = t->mechanism == WCF_MECHANISM_HASH;
    if (!r.tracked_by_hash) {
        uintptr_t start = page_floor(t, a), end = page_ceil(t, a + length);
        t->armed_until = start;
        int e = for_each_uncovered(t, start, end, arm_piece);
        if (e != 0) {
            /* Undo only what this call armed: UFFDIO_UNREGISTER would also strip a VMA owned by another
             * tracker's userfaultfd (the EBUSY case). Pages covered by other regions stay armed. */
            if (t->armed_until > start) for_each_uncovered(t, start, t->armed_until, disarm_piece);
            r.tracked_by_hash = 1;
        }
    }
    if (r.tracked_by_hash && r.shadow == NULL) {
        r.page_hashes = wcf_map(region_page_count(t, &r) * sizeof(uint64_t));
        if (r.page_hashes == NULL) return wcf_fail(t, -ENOMEM, "out of memory for page hashes");
    }
    t->regions[t->region_count++] = r;
    struct wcf_region *added = &t->regions[t->region_count - 1];
    if (added->shadow) memcpy(added->shadow, address, length);
    if (added->page_hashes) wcf_hash_region_pages(t, added, 0);
    if (!added->tracked_by_hash) return rebuild_spans(t);
    return 0;
}

WCF_EXPORT int wcf_watch(wcf_tracker *t, void *address, size_t length, size_t elem_size, uint64_t tag,
                         unsigned flags) {
    if (t == NULL) return -EINVAL;
    pthread_mutex_lock(&t->lock);
    adopt_after_fork(t);
    t->message[0] = 0;
    int e = watch_locked(t, address, length, elem_size, tag, flags);
    pthread_mutex_unlock(&t->lock);
    return e;
}

WCF_EXPORT int wcf_unwatch(wcf_tracker *t, uint64_t tag) {
    if (t == NULL) return -EINVAL;
    pthread_mutex_lock(&t->lock);
    adopt_after_fork(t);
    size_t i;
    int e = 0;
    if (find_region(t, tag, &i)) remove_region(t, i);
    else e = wcf_fail(t, -ENOENT, "tag %llu is not watched", (unsigned long long)tag);
    pthread_mutex_unlock(&t->lock);
    return e;
}

static size_t first_dirty_after(const struct wcf_tracker *t, uintptr_t address) {
    size_t lo = 0, hi = t->dirty_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->dirty[mid].end <= address) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void collect_region(struct wcf_tracker *t, struct wcf_region *r) {
    if (r->tracked_by_hash) {
        if (r->shadow) wcf_diff_against_shadow(t, r, 0, r->length);
        else wcf_hash_region_pages(t, r, 1);
        return;
    }
    uintptr_t end = r->address + r->length;
    for (size_t i = first_dirty_after(t, r->address); i < t->dirty_count && t->dirty[i].start < end; i++) {
        uintptr_t s = t->dirty[i].start > r->address ? t->dirty[i].start : r->address;
        uintptr_t e = t->dirty[i].end < end ? t->dirty[i].end : end;
        if (r->shadow) {
            wcf_diff_against_shadow(t, r, s - r->address, e - s);
        } else {
            for (uintptr_t p = s; p < e; p = page_floor(t, p) + t->page_size) {
                uintptr_t pe = page_floor(t, p) + t->page_size < e ? page_floor(t, p) + t->page_size : e;
                wcf_emit_range(t, r, p - r->address, pe - p, WCF_RANGE_PAGE_GRANULAR);
            }
        }
    }
}

WCF_EXPORT int wcf_collect(wcf_tracker *t, const wcf_dirty_range **ranges, size_t *count) {
    if (t == NULL || ranges == NULL || count == NULL) return -EINVAL;
    pthread_mutex_lock(&t->lock);
    adopt_after_fork(t);
    uint64_t started = now_ns();
    t->message[0] = 0;
    t->result_count = 0;
    t->dirty_count = 0;
    int rc = t->span_count ? t->ops->take_dirty(t) : 0;
    /* One msync per span rather than per region: many small arrays on the heap share a span. */
    int spans_checked = wcf_grow((void **)&t->span_mapped, &t->span_mapped_capacity, 1, t->span_count) == 0;
    for (size_t s = 0; spans_checked && s < t->span_count; s++)
        t->span_mapped[s] = (unsigned char)range_is_mapped(t, t->spans[s].start, t->spans[s].end - t->spans[s].start);
    for (size_t i = 0; i < t->region_count;) {
        struct wcf_region *r = &t->regions[i];
        int mapped = spans_checked && !r->tracked_by_hash && t->span_mapped[span_index(t, page_floor(t, r->address))];
        if (!mapped) mapped = range_is_mapped(t, r->address, r->length);
        /* munmap (or a realloc that moved a big block) leaves a hole: report it once and stop watching */
        if (!mapped || (r->tracked_by_hash && !r->shadow && !r->page_hashes)) {
            wcf_emit_range(t, r, 0, 0, WCF_RANGE_REGION_GONE);
            remove_region(t, i);
            spans_checked = 0; /* spans were rebuilt: indexes moved */
            continue;
        }
        collect_region(t, r);
        i++;
    }
    t->stats.collects++;
    t->stats.ranges += t->result_count;
    t->stats.last_collect_ns = now_ns() - started;
    t->stats.total_collect_ns += t->stats.last_collect_ns;
    *ranges = t->results;
    *count = t->result_count;
    pthread_mutex_unlock(&t->lock);
    /* a failed scan was already widened to "compare everything": the answer is right, so report success */
    (void)rc;
    return 0;
}

WCF_EXPORT int wcf_get_stats(wcf_tracker *t, wcf_stats *out) {
    if (t == NULL || out == NULL) return -EINVAL;
    pthread_mutex_lock(&t->lock);
    adopt_after_fork(t);
    *out = t->stats;
    out->faults_handled = __atomic_load_n(&t->faults_handled, __ATOMIC_RELAXED);
    out->mechanism = (uint32_t)t->mechanism;
    out->user_mode_only = (uint32_t)t->user_mode_only;
    out->forked_child = (uint32_t)t->forked_child;
    out->regions = t->region_count;
    out->regions_hash = out->watched_bytes = out->shadow_bytes = 0;
    for (size_t i = 0; i < t->region_count; i++) {
        out->regions_hash += t->regions[i].tracked_by_hash;
        out->watched_bytes += t->regions[i].length;
        out->shadow_bytes += t->regions[i].shadow ? t->regions[i].length : 0;
    }
    pthread_mutex_unlock(&t->lock);
    return 0;
}

WCF_EXPORT const char *wcf_last_error(const wcf_tracker *t) { return t ? t->message : "no tracker"; }

WCF_EXPORT int wcf_close(wcf_tracker *t) {
    if (t == NULL) return 0;
    pthread_mutex_lock(&registry_lock);
    for (struct wcf_tracker **p = &registry; *p; p = &(*p)->next_open)
        if (*p == t) {
            *p = t->next_open;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    pthread_mutex_lock(&t->lock);
    adopt_after_fork(t);
    for (size_t i = 0; i < t->span_count; i++) t->ops->disarm(t, t->spans[i].start, t->spans[i].end);
    t->span_count = 0;
    for (size_t i = 0; i < t->region_count; i++) free_region_memory(t, &t->regions[i]);
    pthread_mutex_unlock(&t->lock);
    t->ops->stop(t); /* without the lock: the fault thread may be waiting for it */
    if (t->uffd >= 0) close(t->uffd);
    wcf_unmap(t->regions, t->region_capacity * sizeof *t->regions);
    wcf_unmap(t->spans, t->span_capacity * sizeof *t->spans);
    wcf_unmap(t->span_mapped, t->span_mapped_capacity);
    wcf_unmap(t->dirty, t->dirty_capacity * sizeof *t->dirty);
    wcf_unmap(t->results, t->result_capacity * sizeof *t->results);
    pthread_mutex_destroy(&t->lock);
    wcf_unmap(t, sizeof *t);
    return 0;
}
