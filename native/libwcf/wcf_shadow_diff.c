/* Turns "these pages may have been written" into exact changed byte ranges by comparing with the region's
 * shadow copy (and updates the shadow), or into page ranges via page hashes for NO_SHADOW regions.
 * Invariant: the loaded value that decides a reported range is the very value stored into the shadow. */
#include <string.h>

#include "wcf_internal.h"

#define BLOCK 4096

/* Changed spans, widened to whole elements and merged while they touch, then emitted once per run. */
struct run {
    size_t start, end;
    int open;
};

static inline void run_add(struct wcf_tracker *t, const struct wcf_region *r, struct run *run, size_t start,
                           size_t end) {
    size_t e = r->elem_size;
    start = start / e * e;
    end = (end + e - 1) / e * e;
    if (run->open && start <= run->end) {
        if (end > run->end) run->end = end;
        return;
    }
    if (run->open) wcf_emit_range(t, r, run->start, run->end - run->start, 0);
    run->start = start;
    run->end = end;
    run->open = 1;
}

static void diff_bytes(struct wcf_tracker *t, struct wcf_region *r, struct run *run, size_t from, size_t to) {
    const unsigned char *now_bytes = (const unsigned char *)r->address;
    for (size_t i = from; i < to; i++) {
        unsigned char now = now_bytes[i];
        if (now != r->shadow[i]) {
            r->shadow[i] = now;
            run_add(t, r, run, i, i + 1);
        }
    }
}

/* Compares [offset, offset+length) of region r exactly. Each word of user memory is loaded once and that
 * same value both decides the range and goes into the shadow, so a racing write lands in the next
 * collect, never nowhere. Words are 8-aligned from the region's start; for elements of 4 or >= 8 bytes a
 * word overlaps at most two elements, so "first to last changed byte of the word" widened to elements is
 * exact and costs one step per word; smaller elements go byte by byte. */
static void diff_block(struct wcf_tracker *t, struct wcf_region *r, size_t offset, size_t length) {
    const unsigned char *now_bytes = (const unsigned char *)r->address;
    unsigned char *was_bytes = r->shadow;
    int word_exact = r->elem_size >= 8 || r->elem_size == 4;
    struct run run = {0, 0, 0};
    size_t end = offset + length;
    size_t i = (offset + 7) / 8 * 8;
    if (i > end) i = end;
    diff_bytes(t, r, &run, offset, i);
    for (; i + 8 <= end; i += 8) {
        uint64_t now, was;
        memcpy(&now, now_bytes + i, 8);
        memcpy(&was, was_bytes + i, 8);
        if (now == was) continue;
        memcpy(was_bytes + i, &now, 8);
        uint64_t changed = now ^ was; /* little-endian: byte b of the word is bits 8b..8b+7 */
        if (word_exact) {
            size_t first = (size_t)__builtin_ctzll(changed) / 8, last = (size_t)(63 - __builtin_clzll(changed)) / 8;
            run_add(t, r, &run, i + first, i + last + 1);
        } else {
            for (size_t b = 0; b < 8; b++)
                if ((changed >> (8 * b)) & 0xff) run_add(t, r, &run, i + b, i + b + 1);
        }
    }
    diff_bytes(t, r, &run, i, end);
    if (run.open) wcf_emit_range(t, r, run.start, run.end - run.start, 0);
}

void wcf_diff_against_shadow(struct wcf_tracker *t, struct wcf_region *r, size_t offset, size_t length) {
    t->stats.compared_bytes += length;
    while (length > 0) {
        size_t n = length < BLOCK ? length : BLOCK;
        if (memcmp((const unsigned char *)r->address + offset, r->shadow + offset, n) != 0)
            diff_block(t, r, offset, n);
        offset += n;
        length -= n;
    }
}

/* Four independent multiply-xor lanes so the CPU overlaps them; not cryptographic, only a change detector
 * for NO_SHADOW regions (a collision hides a change with probability ~2^-64 per page). */
uint64_t wcf_page_hash(const unsigned char *p, size_t n) {
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h0 = n, h1 = 1, h2 = 2, h3 = 3;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        h0 = (h0 ^ w[0]) * k;
        h1 = (h1 ^ w[1]) * k;
        h2 = (h2 ^ w[2]) * k;
        h3 = (h3 ^ w[3]) * k;
    }
    for (; i < n; i++) h0 = (h0 ^ p[i]) * k;
    uint64_t h = h0 ^ (h1 * 31) ^ (h2 * 37) ^ (h3 * 41);
    return h ^ (h >> 29);
}

/* Page chunks are the real memory pages overlapping the region, so every mechanism reports the same
 * page-granular ranges for a NO_SHADOW region. */
void wcf_hash_region_pages(struct wcf_tracker *t, struct wcf_region *r, int emit) {
    uintptr_t end = r->address + r->length;
    uintptr_t page = r->address & ~(uintptr_t)(t->page_size - 1);
    for (size_t k = 0; page < end; k++, page += t->page_size) {
        uintptr_t s = page < r->address ? r->address : page;
        uintptr_t e = page + t->page_size < end ? page + t->page_size : end;
        uint64_t h = wcf_page_hash((const unsigned char *)s, e - s);
        t->stats.compared_bytes += e - s;
        if (emit && h != r->page_hashes[k]) wcf_emit_range(t, r, s - r->address, e - s, WCF_RANGE_PAGE_GRANULAR);
        r->page_hashes[k] = h;
    }
}
