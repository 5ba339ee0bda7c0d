/* Probes once per process which tracking mechanisms this kernel allows, by trying each for real on a
 * scratch mapping rather than trusting feature bits alone. Opens no tracker; keeps no fds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wcf_internal.h"
#include "wcf_kernel_abi.h"

static struct wcf_kernel_support support;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

/* A raw userfaultfd (UFFDIO_API not yet called): privileged first, then user-mode-only faults. */
static int open_uffd_fd(int *user_mode_only) {
#ifndef SYS_userfaultfd
    (void)user_mode_only;
    return -ENOSYS;
#else
    int mode_only = 0;
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == EPERM) {
        /* vm.unprivileged_userfaultfd=0 and no CAP_SYS_PTRACE: user-mode faults only (Linux >= 5.11) */
        mode_only = 1;
        fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    }
    if (fd < 0) return -errno;
    if (user_mode_only) *user_mode_only = mode_only;
    return fd;
#endif
}

int wcf_uffd_open(uint64_t features, int *user_mode_only) {
    int fd = open_uffd_fd(user_mode_only);
    if (fd < 0) return fd;
    struct uffdio_api api = {.api = UFFD_API, .features = features};
    if (ioctl(fd, UFFDIO_API, &api) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if ((api.features & features) != features) {
        close(fd);
        return -ENOTSUP;
    }
    return fd;
}

static int write_protect(int uffd, void *p, size_t n, int on) {
    struct uffdio_writeprotect wp = {.range = {.start = (uintptr_t)p, .len = n},
                                     .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
    return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0 ? 0 : -errno;
}

static int register_wp(int uffd, void *p, size_t n) {
    struct uffdio_register reg = {.range = {.start = (uintptr_t)p, .len = n}, .mode = UFFDIO_REGISTER_MODE_WP};
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) return -errno;
    if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) return -ENOTSUP;
    return 0;
}

/* Returns the number of written pages PAGEMAP_SCAN found in [p, p+n) (re-protecting them), or -errno. */
static long scan_written(int pagemap_fd, void *p, size_t n, uintptr_t *first) {
    struct page_region vec[4];
    struct pm_scan_arg arg = {
        .size = sizeof arg,
        .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
        .start = (uintptr_t)p,
        .end = (uintptr_t)p + n,
        .vec = (uintptr_t)vec,
        .vec_len = 4,
        .category_mask = PAGE_IS_WRITTEN,
        .return_mask = PAGE_IS_WRITTEN,
    };
    long found = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
    if (found < 0) return -errno;
    long pages = 0;
    for (long i = 0; i < found; i++) pages += (long)((vec[i].end - vec[i].start) / (uintptr_t)getpagesize());
    if (found > 0 && first) *first = vec[0].start;
    return pages;
}

/* The async round trip on a scratch mapping of two pages: write page 1, scan, write page 0, scan.
 * Returns NULL when the kernel behaved, else why not (in `buf` or a literal). */
static const char *async_self_test(int uffd, int pagemap, char *p, size_t ps, char *buf, size_t size) {
    p[0] = 1; /* populate both pages: the self-test must not depend on WP_UNPOPULATED */
    p[ps] = 1;
    int e = register_wp(uffd, p, 2 * ps);
    if (e == 0) e = write_protect(uffd, p, 2 * ps, 1);
    if (e != 0) {
        snprintf(buf, size, "userfaultfd WP register/protect failed: %s", strerror(-e));
        return buf;
    }
    uintptr_t first = 0;
    p[ps] = 2;
    long pages = scan_written(pagemap, p, 2 * ps, &first);
    if (pages == -ENOTTY || pages == -EINVAL) return "kernel lacks the PAGEMAP_SCAN ioctl (needs Linux >= 6.7)";
    if (pages < 0) {
        snprintf(buf, size, "PAGEMAP_SCAN failed: %s", strerror((int)-pages));
        return buf;
    }
    if (pages != 1 || first != (uintptr_t)p + ps) {
        snprintf(buf, size, "PAGEMAP_SCAN self-test found %ld written pages, expected 1", pages);
        return buf;
    }
    p[0] = 3; /* page 1 was re-protected by that scan; now only page 0 is written */
    if (scan_written(pagemap, p, 2 * ps, &first) != 1 || first != (uintptr_t)p)
        return "PAGEMAP_SCAN did not re-protect written pages";
    return NULL;
}

static void probe_async(size_t ps, uint64_t all_features) {
    char *why = support.async_reason;
    size_t why_size = sizeof support.async_reason;
    if (!(all_features & UFFD_FEATURE_WP_ASYNC)) {
        snprintf(why, why_size, "kernel lacks UFFD_FEATURE_WP_ASYNC (needs Linux >= 6.7)");
        return;
    }
    int uffd = wcf_uffd_open(UFFD_FEATURE_WP_ASYNC | (all_features & UFFD_FEATURE_WP_UNPOPULATED), NULL);
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    int pagemap_errno = errno;
    char *p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (uffd < 0) {
        snprintf(why, why_size, "userfaultfd with WP_ASYNC refused: %s", strerror(-uffd));
    } else if (pagemap < 0) {
        snprintf(why, why_size, "cannot open /proc/self/pagemap: %s", strerror(pagemap_errno));
    } else if (p == MAP_FAILED) {
        snprintf(why, why_size, "probe mmap failed");
    } else {
        char buf[sizeof support.async_reason];
        const char *failure = async_self_test(uffd, pagemap, p, ps, buf, sizeof buf);
        if (failure) snprintf(why, why_size, "%s", failure);
        else support.mechanisms |= 1u << WCF_MECHANISM_ASYNC_WP;
    }
    if (p != MAP_FAILED) munmap(p, 2 * ps);
    if (pagemap >= 0) close(pagemap);
    if (uffd >= 0) close(uffd);
}

static int probe_thread_round_trip(int uffd, char *p, size_t ps) {
    p[0] = 1;
    int e = register_wp(uffd, p, ps);
    if (e == 0) e = write_protect(uffd, p, ps, 1);
    if (e == 0) e = write_protect(uffd, p, ps, 0);
    return e;
}

static void probe_thread(size_t ps, uint64_t all_features) {
    char *why = support.thread_reason;
    if (support.user_mode_only) {
        /* UFFD_USER_MODE_ONLY turns a kernel-mode write fault (read(2), readinto) into EFAULT for the
         * program; async WP never faults to userspace, so only this mechanism is affected. */
        snprintf(why, sizeof support.thread_reason,
                 "needs a privileged userfaultfd (sysctl vm.unprivileged_userfaultfd=1 or CAP_SYS_PTRACE): in "
                 "user-mode-only mode the program's read(2) into watched memory would fail with EFAULT");
        return;
    }
    int uffd = wcf_uffd_open(all_features & UFFD_FEATURE_WP_UNPOPULATED, NULL);
    char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int e = 0;
    if (uffd < 0) {
        snprintf(why, sizeof support.thread_reason, "userfaultfd refused: %s", strerror(-uffd));
    } else if (p == MAP_FAILED) {
        snprintf(why, sizeof support.thread_reason, "probe mmap failed");
    } else if ((e = probe_thread_round_trip(uffd, p, ps)) != 0) {
        snprintf(why, sizeof support.thread_reason,
                 "userfaultfd write-protect mode unavailable (needs Linux >= 5.7): %s", strerror(-e));
    } else {
        support.mechanisms |= 1u << WCF_MECHANISM_FAULT_THREAD;
    }
    if (p != MAP_FAILED) munmap(p, ps);
    if (uffd >= 0) close(uffd);
}

static void probe(void) {
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    support.mechanisms = 1u << WCF_MECHANISM_HASH;
    int user_mode_only = 0;
    int uffd = open_uffd_fd(&user_mode_only);
    /* UFFDIO_API with features = 0 answers with every feature this kernel supports */
    struct uffdio_api api = {.api = UFFD_API, .features = 0};
    int e = uffd < 0 ? uffd : (ioctl(uffd, UFFDIO_API, &api) == 0 ? 0 : -errno);
    if (uffd >= 0) close(uffd);
    if (e != 0) {
        snprintf(support.async_reason, sizeof support.async_reason, "userfaultfd unavailable: %s", strerror(-e));
        snprintf(support.thread_reason, sizeof support.thread_reason, "userfaultfd unavailable: %s",
                 strerror(-e));
        return;
    }
    support.uffd_features = api.features;
    support.user_mode_only = user_mode_only;
    probe_async(ps, api.features);
    probe_thread(ps, api.features);
}

const struct wcf_kernel_support *wcf_kernel_support(void) {
    pthread_once(&probe_once, probe);
    return &support;
}
