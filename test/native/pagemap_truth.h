/* Ground truth for the libwcf table tests, independent of the tracker: /proc/self/pagemap's uffd-wp bit
 * (is a page write-protected right now?) and a byte-by-byte diff against a copy the test keeps itself. */
#ifndef PAGEMAP_TRUTH_H
#define PAGEMAP_TRUTH_H

#include <stddef.h>
#include <stdint.h>

/* 1: the page holding `address` is userfaultfd write-protected; 0: not; -1: pagemap unreadable. */
int pagemap_page_is_write_protected(const void *address);

/* Appends the ranges where `now` differs from `before` (elements of elem_size bytes, merged when adjacent),
 * as " tag:offset+length" (page_granular: the real memory pages under `now`, " tag:offset+length~page"),
 * then copies now into before. */
void truth_diff(uint64_t tag, const unsigned char *now, unsigned char *before, size_t length, size_t elem_size,
                int page_granular, char *out, size_t out_size);

#endif
