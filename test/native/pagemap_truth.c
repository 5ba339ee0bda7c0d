/* Ground truth helpers for the libwcf tests: reads /proc/self/pagemap and diffs byte by byte. Shares no
 * code with libwcf on purpose (a naive loop, not the library's word compare). */
#define _GNU_SOURCE
#include "pagemap_truth.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAGEMAP_UFFD_WP (1ULL << 57)

int pagemap_page_is_write_protected(const void *address) {
    static int fd = -1;
    if (fd < 0) fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    long ps = sysconf(_SC_PAGESIZE);
    uint64_t entry;
    off_t where = (off_t)((uintptr_t)address / (uintptr_t)ps * sizeof entry);
    if (pread(fd, &entry, sizeof entry, where) != (ssize_t)sizeof entry) return -1;
    return (entry & PAGEMAP_UFFD_WP) != 0;
}

/* Appends at *used (kept by the caller: strlen per append would be quadratic on 70000-range answers). */
static void append(char *out, size_t out_size, size_t *used, uint64_t tag, size_t start, size_t end,
                   int page_granular) {
    if (*used >= out_size) return;
    int n = snprintf(out + *used, out_size - *used, " %llu:%zu+%zu%s", (unsigned long long)tag, start,
                     end - start, page_granular ? "~page" : "");
    if (n > 0) *used += (size_t)n < out_size - *used ? (size_t)n : out_size - *used - 1;
}

void truth_diff(uint64_t tag, const unsigned char *now, unsigned char *before, size_t length, size_t elem_size,
                int page_granular, char *out, size_t out_size) {
    size_t unit = elem_size;
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    size_t head = 0; /* page-granular units follow real page boundaries of `now` */
    if (page_granular) head = (ps - (uintptr_t)now % ps) % ps;
    size_t used = strlen(out);
    int open_run = 0;
    size_t run_start = 0, run_end = 0;
    size_t pos = 0;
    while (pos < length) {
        size_t next;
        if (page_granular) next = pos == 0 && head ? head : pos + ps;
        else next = (pos / unit + 1) * unit;
        if (next > length) next = length;
        int changed = 0;
        for (size_t i = pos; i < next; i++)
            if (now[i] != before[i]) changed = 1;
        if (changed) {
            if (open_run && run_end == pos) {
                run_end = next;
            } else {
                if (open_run) append(out, out_size, &used, tag, run_start, run_end, page_granular);
                open_run = 1;
                run_start = pos;
                run_end = next;
            }
        }
        pos = next;
    }
    if (open_run) append(out, out_size, &used, tag, run_start, run_end, page_granular);
    memcpy(before, now, length);
}
