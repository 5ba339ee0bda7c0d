/* The two lists a collect builds: dirty page spans (from a mechanism) and the byte ranges returned to the
 * caller (aligned to elements, merged when they touch). Knows nothing about how pages were found. */
#include <errno.h>

#include "wcf_internal.h"

int wcf_emit_range(struct wcf_tracker *t, const struct wcf_region *r, size_t offset, size_t length,
                   uint32_t flags) {
    size_t e = r->elem_size;
    size_t start = offset / e * e;
    size_t end = wcf_round_up(offset + length, e);
    if (end > r->length) end = r->length;
    if (t->result_count > 0) {
        wcf_dirty_range *last = &t->results[t->result_count - 1];
        if (last->tag == r->tag && last->flags == flags && start <= last->offset + last->length &&
            start >= last->offset) {
            if (end > last->offset + last->length) last->length = end - last->offset;
            return 0;
        }
    }
    if (wcf_grow((void **)&t->results, &t->result_capacity, sizeof *t->results, t->result_count + 1) != 0)
        return wcf_fail(t, -ENOMEM, "out of memory growing the result list (%zu ranges)", t->result_count);
    wcf_dirty_range *out = &t->results[t->result_count++];
    out->tag = r->tag;
    out->offset = start;
    out->length = end - start;
    out->flags = flags;
    out->reserved = 0;
    return 0;
}

int wcf_add_dirty(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    if (t->dirty_count > 0 && t->dirty[t->dirty_count - 1].end == start) {
        t->dirty[t->dirty_count - 1].end = end;
        return 0;
    }
    if (wcf_grow((void **)&t->dirty, &t->dirty_capacity, sizeof *t->dirty, t->dirty_count + 1) != 0)
        return wcf_fail(t, -ENOMEM, "out of memory growing the dirty page list");
    t->dirty[t->dirty_count].start = start;
    t->dirty[t->dirty_count].end = end;
    t->dirty_count++;
    return 0;
}

/* In-place heapsort by start address. Not qsort(): glibc's qsort may malloc, and with the fault thread a
 * malloc touching a watched heap page while we hold the tracker lock would deadlock. */
static void sift_down(struct wcf_page_span *a, size_t root, size_t count) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count) return;
        if (child + 1 < count && a[child + 1].start > a[child].start) child++;
        if (a[root].start >= a[child].start) return;
        struct wcf_page_span tmp = a[root];
        a[root] = a[child];
        a[child] = tmp;
        root = child;
    }
}

static void sort_spans(struct wcf_page_span *a, size_t count) {
    for (size_t i = count / 2; i-- > 0;) sift_down(a, i, count);
    for (size_t end = count; end-- > 1;) {
        struct wcf_page_span tmp = a[0];
        a[0] = a[end];
        a[end] = tmp;
        sift_down(a, 0, end);
    }
}

size_t wcf_sort_merge_spans(struct wcf_page_span *spans, size_t count) {
    if (count < 2) return count;
    sort_spans(spans, count);
    size_t kept = 0;
    for (size_t i = 1; i < count; i++) {
        if (spans[i].start <= spans[kept].end) {
            if (spans[i].end > spans[kept].end) spans[kept].end = spans[i].end;
        } else {
            spans[++kept] = spans[i];
        }
    }
    return kept + 1;
}

void wcf_sort_merge_dirty(struct wcf_tracker *t) { t->dirty_count = wcf_sort_merge_spans(t->dirty, t->dirty_count); }
