/* Mechanism "async": userfaultfd async write-protect (Linux >= 6.7). The kernel un-protects a page on
 * its first write by itself; collect asks PAGEMAP_SCAN for written pages and re-protects them in the same
 * atomic walk. No thread, no signal. Must not touch watched memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wcf_internal.h"
#include "wcf_kernel_abi.h"

static int async_start(struct wcf_tracker *t) {
    const struct wcf_kernel_support *k = wcf_kernel_support();
    uint64_t want = UFFD_FEATURE_WP_ASYNC |
                    (k->uffd_features & (UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_HUGETLBFS_SHMEM));
    t->uffd = wcf_uffd_open(want, &t->user_mode_only);
    if (t->uffd < 0)
        return wcf_fail(t, t->uffd, "cannot open an async write-protect userfaultfd: %s", strerror(-t->uffd));
    t->uffd_features = want;
    t->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (t->pagemap_fd < 0)
        return wcf_fail(t, -errno, "cannot open /proc/self/pagemap for PAGEMAP_SCAN: %s", strerror(errno));
    t->scan_vec = wcf_map(sizeof(struct page_region) * WCF_SCAN_VEC_LEN);
    if (t->scan_vec == NULL) return wcf_fail(t, -ENOMEM, "out of memory for the PAGEMAP_SCAN buffer");
    return 0;
}

/* Scans one span; on failure the whole span counts as written (a compare, never a missed write). */
static int scan_span(struct wcf_tracker *t, const struct wcf_page_span *span) {
    struct page_region *vec = t->scan_vec;
    uintptr_t from = span->start;
    while (from < span->end) {
        struct pm_scan_arg arg = {
            .size = sizeof arg,
            .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
            .start = from,
            .end = span->end,
            .vec = (uintptr_t)vec,
            .vec_len = WCF_SCAN_VEC_LEN,
            .category_mask = PAGE_IS_WRITTEN,
            .return_mask = PAGE_IS_WRITTEN,
        };
        long found = ioctl(t->pagemap_fd, PAGEMAP_SCAN, &arg);
        if (found < 0) {
            int e = errno;
            /* EPERM: some VMA here is no longer async-WP registered (unmapped and mapped again) */
            wcf_fail(t, -e, "PAGEMAP_SCAN of %#lx-%#lx failed (%s); comparing the whole span",
                     (unsigned long)from, (unsigned long)span->end, strerror(e));
            int rc = wcf_add_dirty(t, from, span->end);
            t->stats.dirty_pages += (span->end - from) / t->page_size;
            return rc;
        }
        for (long i = 0; i < found; i++) {
            int rc = wcf_add_dirty(t, vec[i].start, vec[i].end);
            if (rc != 0) return rc;
            t->stats.dirty_pages += (vec[i].end - vec[i].start) / t->page_size;
        }
        if (arg.walk_end <= from) break; /* no progress: never spin */
        from = arg.walk_end;
    }
    return 0;
}

static int async_take_dirty(struct wcf_tracker *t) {
    int rc = 0;
    for (size_t i = 0; i < t->span_count; i++) {
        int e = scan_span(t, &t->spans[i]);
        if (e != 0) rc = e;
    }
    return rc;
}

static void async_stop(struct wcf_tracker *t) {
    if (t->pagemap_fd >= 0) close(t->pagemap_fd);
    t->pagemap_fd = -1;
    wcf_unmap(t->scan_vec, sizeof(struct page_region) * WCF_SCAN_VEC_LEN);
    t->scan_vec = NULL;
}

const struct wcf_mechanism_ops wcf_async_wp_ops = {
    .start = async_start,
    .arm = wcf_uffd_arm,
    .disarm = wcf_uffd_disarm,
    .take_dirty = async_take_dirty,
    .stop = async_stop,
};
