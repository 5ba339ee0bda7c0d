/* Mechanism "thread": userfaultfd write-protect with a fault-handler thread (Linux >= 5.7). A first write
 * to a protected page blocks the writer; the handler un-protects the page, queues it and wakes the writer;
 * collect re-protects queued pages. The handler takes no lock and writes only library-mapped memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wcf_internal.h"
#include "wcf_kernel_abi.h"

#define RANGE_MARK ((uintptr_t)1)

/* Publishes 1 or 2 entries at once; on a full ring sets the overflow flag instead (never blocks). */
static void ring_push(struct wcf_tracker *t, uintptr_t first, uintptr_t second, int count) {
    uint64_t head = t->fault_ring_head; /* only this thread writes head */
    uint64_t tail = __atomic_load_n(&t->fault_ring_tail, __ATOMIC_ACQUIRE);
    if (head - tail + (uint64_t)count > WCF_FAULT_RING_LEN) {
        __atomic_store_n(&t->fault_ring_overflow, 1, __ATOMIC_RELEASE);
        return;
    }
    t->fault_ring[head % WCF_FAULT_RING_LEN] = first;
    if (count == 2) t->fault_ring[(head + 1) % WCF_FAULT_RING_LEN] = second;
    __atomic_store_n(&t->fault_ring_head, head + (uint64_t)count, __ATOMIC_RELEASE);
}

/* Un-protect without waking, queue, then wake: the writer resumes only once its page is queued, so a
 * collect made after the write returns sees it. A collect slipping in before the queue entry finds the
 * write not yet done; the next collect re-protects and compares the page. No write is lost or late. */
static void resolve_fault(struct wcf_tracker *t, uintptr_t address) {
    uintptr_t page = address & ~(uintptr_t)(t->page_size - 1);
    struct uffdio_writeprotect unprotect = {.range = {.start = page, .len = t->page_size},
                                            .mode = UFFDIO_WRITEPROTECT_MODE_DONTWAKE};
    (void)ioctl(t->uffd, UFFDIO_WRITEPROTECT, &unprotect); /* fails only if unwatched meanwhile */
    ring_push(t, page, 0, 1);
    __atomic_add_fetch(&t->faults_handled, 1, __ATOMIC_RELAXED);
    struct uffdio_range range = {.start = page, .len = t->page_size};
    (void)ioctl(t->uffd, UFFDIO_WAKE, &range);
}

/* madvise(MADV_DONTNEED) zaps anonymous ptes together with their write-protection (the kernel keeps no
 * uffd-wp marker for anonymous zaps), so the page would never fault again: queue the range for re-arming.
 * The madvise caller resumes once we have read the event, and its zap finishes before its madvise
 * returns, so a collect made after that call re-arms the page. (A collect from another thread racing
 * that madvise can re-arm too early and the page goes untracked; async has no such window.) */
static void note_removed(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    ring_push(t, (start & ~(uintptr_t)(t->page_size - 1)) | RANGE_MARK, end | RANGE_MARK, 2);
}

static void *handler_main(void *arg) {
    struct wcf_tracker *t = arg;
    struct pollfd fds[2] = {{.fd = t->uffd, .events = POLLIN}, {.fd = t->handler_stop_fd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[1].revents) break;
        struct uffd_msg msgs[16];
        ssize_t n = read(t->uffd, msgs, sizeof msgs);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            break;
        }
        for (size_t i = 0; i < (size_t)n / sizeof msgs[0]; i++) {
            if (msgs[i].event == UFFD_EVENT_PAGEFAULT) resolve_fault(t, msgs[i].arg.pagefault.address);
            else if (msgs[i].event == UFFD_EVENT_REMOVE)
                note_removed(t, (uintptr_t)msgs[i].arg.remove.start, (uintptr_t)msgs[i].arg.remove.end);
        }
    }
    return NULL;
}

static int thread_start(struct wcf_tracker *t) {
    const struct wcf_kernel_support *k = wcf_kernel_support();
    uint64_t want = k->uffd_features &
                    (UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_EVENT_REMOVE);
    t->uffd = wcf_uffd_open(want, &t->user_mode_only);
    if (t->uffd < 0)
        return wcf_fail(t, t->uffd, "cannot open a write-protect userfaultfd: %s", strerror(-t->uffd));
    t->uffd_features = want;
    t->fault_ring = wcf_map(WCF_FAULT_RING_LEN * sizeof *t->fault_ring);
    if (t->fault_ring == NULL) return wcf_fail(t, -ENOMEM, "out of memory for the fault queue");
    t->handler_stop_fd = eventfd(0, EFD_CLOEXEC);
    if (t->handler_stop_fd < 0) return wcf_fail(t, -errno, "eventfd failed: %s", strerror(errno));
    /* the handler must never run the program's signal handlers (Python's among them) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&t->handler, NULL, handler_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) return wcf_fail(t, -e, "cannot start the fault-handler thread: %s", strerror(e));
    pthread_setname_np(t->handler, "wcf-uffd-wp");
    t->handler_running = 1;
    return 0;
}

static void add_if_watched(struct wcf_tracker *t, uintptr_t page) {
    if (wcf_page_in_spans(t, page)) wcf_add_dirty(t, page, page + t->page_size);
}

static int thread_take_dirty(struct wcf_tracker *t) {
    uint64_t head = __atomic_load_n(&t->fault_ring_head, __ATOMIC_ACQUIRE);
    uint64_t tail = t->fault_ring_tail;
    /* clear overflow before draining: an overflow after this point is seen next time */
    if (__atomic_exchange_n(&t->fault_ring_overflow, 0, __ATOMIC_ACQ_REL)) {
        for (size_t i = 0; i < t->span_count; i++) wcf_add_dirty(t, t->spans[i].start, t->spans[i].end);
    }
    while (tail < head) {
        uintptr_t entry = t->fault_ring[tail % WCF_FAULT_RING_LEN];
        if (entry & RANGE_MARK) {
            uintptr_t end = t->fault_ring[(tail + 1) % WCF_FAULT_RING_LEN] & ~RANGE_MARK;
            for (uintptr_t page = entry & ~RANGE_MARK; page < end; page += t->page_size) add_if_watched(t, page);
            tail += 2;
        } else {
            add_if_watched(t, entry);
            tail += 1;
        }
    }
    __atomic_store_n(&t->fault_ring_tail, tail, __ATOMIC_RELEASE);
    wcf_sort_merge_dirty(t);
    int rc = 0;
    for (size_t i = 0; i < t->dirty_count; i++) {
        t->stats.dirty_pages += (t->dirty[i].end - t->dirty[i].start) / t->page_size;
        int e = wcf_uffd_protect(t, t->dirty[i].start, t->dirty[i].end, 1);
        if (e != 0)
            rc = wcf_fail(t, e, "re-protecting %#lx-%#lx failed: %s", (unsigned long)t->dirty[i].start,
                          (unsigned long)t->dirty[i].end, strerror(-e));
    }
    return rc;
}

/* Called without tracker->lock (close) or in a fork child, where the handler does not exist. */
static void thread_stop(struct wcf_tracker *t) {
    if (t->handler_running) {
        uint64_t one = 1;
        if (write(t->handler_stop_fd, &one, sizeof one) != (ssize_t)sizeof one) pthread_cancel(t->handler);
        pthread_join(t->handler, NULL);
        t->handler_running = 0;
    }
    if (t->handler_stop_fd >= 0) close(t->handler_stop_fd);
    t->handler_stop_fd = -1;
    wcf_unmap(t->fault_ring, WCF_FAULT_RING_LEN * sizeof *t->fault_ring);
    t->fault_ring = NULL;
}

const struct wcf_mechanism_ops wcf_fault_thread_ops = {
    .start = thread_start,
    .arm = wcf_uffd_arm,
    .disarm = wcf_uffd_disarm,
    .take_dirty = thread_take_dirty,
    .stop = thread_stop,
};
