/* Library-owned memory: anonymous mappings that never share a page with user data, so libwcf's own writes
 * can never hit a watched page. No policy here, only allocation. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wcf_internal.h"

size_t wcf_round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

void *wcf_map(size_t bytes) {
    if (bytes == 0) bytes = 1;
    void *p = mmap(NULL, wcf_round_up(bytes, page_size()), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void wcf_unmap(void *p, size_t bytes) {
    if (p != NULL) munmap(p, wcf_round_up(bytes ? bytes : 1, page_size()));
}

int wcf_grow(void **base, size_t *capacity, size_t element_size, size_t needed) {
    if (needed <= *capacity) return 0;
    size_t new_capacity = *capacity ? *capacity : 64;
    while (new_capacity < needed) new_capacity *= 2;
    size_t old_bytes = *capacity * element_size;
    old_bytes = wcf_round_up(old_bytes > 0 ? old_bytes : 1, page_size());
    size_t new_bytes = wcf_round_up(new_capacity * element_size, page_size());
    void *p;
    if (*base == NULL) {
        p = wcf_map(new_bytes);
        if (p == NULL) return -ENOMEM;
    } else {
        p = mremap(*base, old_bytes, new_bytes, MREMAP_MAYMOVE);
        if (p == MAP_FAILED) return -ENOMEM;
    }
    *base = p;
    *capacity = new_capacity;
    return 0;
}
