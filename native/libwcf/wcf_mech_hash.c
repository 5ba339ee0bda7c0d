/* Mechanism "hash": no kernel feature at all. Every region is tracked_by_hash, so collect compares each
 * page with the shadow copy (or its page hash for NO_SHADOW regions); cost grows with watched bytes. */
#include <errno.h>

#include "wcf_internal.h"

static int hash_start(struct wcf_tracker *t) {
    t->uffd = -1;
    return 0;
}

static int hash_arm(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    (void)t;
    (void)start;
    (void)end;
    return -ENOTSUP; /* never asked: the tracker marks regions tracked_by_hash up front */
}

static void hash_disarm(struct wcf_tracker *t, uintptr_t start, uintptr_t end) {
    (void)t;
    (void)start;
    (void)end;
}

static int hash_take_dirty(struct wcf_tracker *t) {
    (void)t;
    return 0;
}

static void hash_stop(struct wcf_tracker *t) { (void)t; }

const struct wcf_mechanism_ops wcf_hash_ops = {
    .start = hash_start,
    .arm = hash_arm,
    .disarm = hash_disarm,
    .take_dirty = hash_take_dirty,
    .stop = hash_stop,
};
