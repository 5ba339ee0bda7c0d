/* userfaultfd page-range primitives shared by the async and fault-thread mechanisms: register + protect
 * (arm), unprotect + unregister (disarm), re-protect. Keeps no state of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "wcf_internal.h"
#include "wcf_kernel_abi.h"

int wcf_uffd_protect(struct wcf_tracker *t, uintptr_t start, uintptr_t end, int on) {
    struct uffdio_writeprotect wp = {.range = {.start = start, .len = end - start},
                                     .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
    return ioctl(t->uffd, UFFDIO_WRITEPROTECT, &wp) == 0 ? 0 : -errno;
}

int wcf_uffd_arm(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    struct uffdio_register reg = {.range = {.start = start, .len = end - start},
                                  .mode = UFFDIO_REGISTER_MODE_WP};
    if (ioctl(t->uffd, UFFDIO_REGISTER, &reg) != 0) {
        int e = errno;
        /* EBUSY: another userfaultfd (another tracker) owns this VMA; EINVAL: file mapping without WP */
        return wcf_fail(t, -e, "userfaultfd cannot write-protect %#lx-%#lx (%s); hashing this region instead",
                        (unsigned long)start, (unsigned long)end, strerror(e));
    }
    if (!(t->uffd_features & UFFD_FEATURE_WP_UNPOPULATED)) {
        /* Before Linux 6.4 WP skips never-touched anonymous pages: read-fault them in (zero page) first. */
        for (uintptr_t p = start; p < end; p += t->page_size) (void)*(volatile const char *)p;
    }
    int e = wcf_uffd_protect(t, start, end, 1);
    if (e != 0) {
        struct uffdio_range range = {.start = start, .len = end - start};
        ioctl(t->uffd, UFFDIO_UNREGISTER, &range);
        return wcf_fail(t, e, "userfaultfd write-protect of %#lx-%#lx failed (%s); hashing this region instead",
                        (unsigned long)start, (unsigned long)end, strerror(-e));
    }
    return 0;
}

void wcf_uffd_disarm(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    /* Errors are expected when the memory is already unmapped; nothing is left to undo then. */
    (void)wcf_uffd_protect(t, start, end, 0);
    struct uffdio_range range = {.start = start, .len = end - start};
    (void)ioctl(t->uffd, UFFDIO_UNREGISTER, &range);
}
