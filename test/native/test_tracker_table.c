/* libwcf table tests: every scenario runs through every mechanism (one row each, naming the kernel feature
 * it needs, SKIP with the reason when missing). Expected answers come from the test's own byte diff and
 * /proc/self/pagemap, never from the tracker; at the end the mechanisms' transcripts must be identical. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pagemap_truth.h"
#include "wcf_tracker.h"

#define MAX_REGIONS 8
#define MAX_TRACKERS 2
#define MAX_MAPS 8
#define TEXT 8192

struct truth_region {
    wcf_tracker *tracker;
    uint64_t tag;
    unsigned char *address;
    size_t length, elem_size;
    unsigned flags;
    unsigned char *before;
    int active;
};

struct ctx {
    int mechanism;
    size_t page;
    wcf_tracker *trackers[MAX_TRACKERS];
    int tracker_count;
    struct {
        void *address;
        size_t length;
    } maps[MAX_MAPS];
    int map_count;
    struct truth_region truth[MAX_REGIONS];
    int truth_count;
    char transcript[TEXT]; /* compared across mechanisms */
    char why[1024];
};

enum outcome { PASS, FAIL };

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            int used_ = snprintf(c->why, sizeof c->why, "line %d: ", __LINE__);                              \
            snprintf(c->why + used_, sizeof c->why - (size_t)used_, __VA_ARGS__);                            \
            return FAIL;                                                                                     \
        }                                                                                                    \
    } while (0)

/* open_tracker() already explains its failure in c->why; anything else is a mmap/calloc failure */
#define REQUIRE_SETUP(cond)                                                                                  \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            if (c->why[0] == 0) snprintf(c->why, sizeof c->why, "line %d: setup failed (out of memory)", __LINE__); \
            return FAIL;                                                                                     \
        }                                                                                                    \
    } while (0)

#define RUN(step)                                                                                            \
    do {                                                                                                     \
        if ((step) != PASS) return FAIL;                                                                     \
    } while (0)

static int uses_uffd(const struct ctx *c) { return c->mechanism != WCF_MECHANISM_HASH; }

static void *map_anon(struct ctx *c, size_t length, int flags) {
    void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    c->maps[c->map_count].address = p;
    c->maps[c->map_count].length = length;
    c->map_count++;
    return p;
}

static wcf_tracker *open_tracker(struct ctx *c) {
    wcf_tracker *t = NULL;
    char message[400];
    if (wcf_open(c->mechanism, &t, message, sizeof message) != 0) {
        snprintf(c->why, sizeof c->why, "wcf_open: %s", message);
        return NULL;
    }
    c->trackers[c->tracker_count++] = t;
    return t;
}

static enum outcome watch(struct ctx *c, wcf_tracker *t, uint64_t tag, void *address, size_t length,
                          size_t elem_size, unsigned flags) {
    int e = wcf_watch(t, address, length, elem_size, tag, flags);
    CHECK(e == 0, "wcf_watch(tag %llu) = %d: %s", (unsigned long long)tag, e, wcf_last_error(t));
    struct truth_region *r = &c->truth[c->truth_count++];
    *r = (struct truth_region){.tracker = t, .tag = tag, .address = address, .length = length,
                               .elem_size = elem_size, .flags = flags, .active = 1};
    r->before = malloc(length);
    CHECK(r->before != NULL, "out of memory for the test's own copy");
    memcpy(r->before, address, length);
    return PASS;
}

static enum outcome unwatch(struct ctx *c, wcf_tracker *t, uint64_t tag) {
    int e = wcf_unwatch(t, tag);
    CHECK(e == 0, "wcf_unwatch(%llu) = %d: %s", (unsigned long long)tag, e, wcf_last_error(t));
    for (int i = 0; i < c->truth_count; i++)
        if (c->truth[i].tracker == t && c->truth[i].tag == tag) c->truth[i].active = 0;
    return PASS;
}

/* Renders ranges as " tag:offset+length[flag]"; returns 0 if `out` was too small (a truncated text
 * would make two different answers compare equal). */
static int render(const wcf_dirty_range *ranges, size_t count, char *out, size_t out_size) {
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        int n = snprintf(out + used, out_size - used, " %llu:%llu+%llu%s", (unsigned long long)ranges[i].tag,
                         (unsigned long long)ranges[i].offset, (unsigned long long)ranges[i].length,
                         ranges[i].flags & WCF_RANGE_REGION_GONE     ? "!gone"
                         : ranges[i].flags & WCF_RANGE_PAGE_GRANULAR ? "~page"
                                                                     : "");
        if (n < 0 || (size_t)n >= out_size - used) return 0;
        used += (size_t)n;
    }
    return 1;
}

/* The transcript keeps a digest per collect, so long answers compare exactly across mechanisms. */
static void append_transcript(struct ctx *c, const char *label, const char *text) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = text; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    size_t used = strlen(c->transcript);
    snprintf(c->transcript + used, sizeof c->transcript - used, "[%s] %zu chars %016llx %.60s\n", label,
             strlen(text), (unsigned long long)h, text);
}

#define ANSWER_TEXT (16u << 20)

/* Collects and compares with the test's own diff of every active region of tracker t, in watch order. */
static enum outcome collect_matches_truth(struct ctx *c, wcf_tracker *t, const char *label) {
    static char *expected, *actual;
    if (expected == NULL) expected = malloc(ANSWER_TEXT);
    if (actual == NULL) actual = malloc(ANSWER_TEXT);
    REQUIRE_SETUP(expected && actual);
    expected[0] = 0;
    const wcf_dirty_range *ranges;
    size_t count;
    int e = wcf_collect(t, &ranges, &count);
    CHECK(e == 0, "wcf_collect = %d: %s", e, wcf_last_error(t));
    for (int i = 0; i < c->truth_count; i++) {
        struct truth_region *r = &c->truth[i];
        if (r->tracker != t || !r->active) continue;
        truth_diff(r->tag, r->address, r->before, r->length, r->elem_size, (r->flags & WCF_WATCH_NO_SHADOW) != 0,
                   expected, ANSWER_TEXT);
    }
    CHECK(strlen(expected) < ANSWER_TEXT - 64, "%s: expected answer too long for the test's buffer", label);
    CHECK(render(ranges, count, actual, ANSWER_TEXT), "%s: answer too long for the test's buffer", label);
    if (strcmp(expected, actual) != 0) {
        size_t at = 0;
        while (expected[at] && expected[at] == actual[at]) at++;
        size_t from = at > 40 ? at - 40 : 0;
        CHECK(0, "%s: answers differ at char %zu: expected [...%.200s], tracker said [...%.200s]", label, at,
              expected + from, actual + from);
    }
    append_transcript(c, label, actual);
    return PASS;
}

static enum outcome expect_protected(struct ctx *c, const void *address, int expected, const char *label) {
    if (!uses_uffd(c)) return PASS; /* hash keeps no kernel state to look at */
    int wp = pagemap_page_is_write_protected(address);
    CHECK(wp >= 0, "cannot read /proc/self/pagemap");
    CHECK(wp == expected, "%s: pagemap says page %p is %swrite-protected", label, address, wp ? "" : "not ");
    return PASS;
}

/* Guards against a silent fallback: a uffd mechanism that quietly hashed would pass every diff check. */
static enum outcome expect_hashed_regions(struct ctx *c, wcf_tracker *t, uint64_t when_uffd, const char *label) {
    wcf_stats s;
    CHECK(wcf_get_stats(t, &s) == 0, "stats");
    uint64_t expected = uses_uffd(c) ? when_uffd : s.regions;
    CHECK(s.regions_hash == expected, "%s: %llu of %llu regions hashed, expected %llu (%s)", label,
          (unsigned long long)s.regions_hash, (unsigned long long)s.regions, (unsigned long long)expected,
          wcf_last_error(t));
    CHECK(s.mechanism == (uint32_t)c->mechanism, "tracker runs mechanism %u, asked for %d", s.mechanism,
          c->mechanism);
    return PASS;
}

/* ---------------- scenarios ---------------- */

static enum outcome one_byte_in_4mb(struct ctx *c) {
    size_t n = 4 << 20;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    memset(p, 7, n);
    RUN(watch(c, t, 1, p, n, 1, 0));
    RUN(expect_hashed_regions(c, t, 0, "anonymous memory"));
    RUN(expect_protected(c, p + (1 << 20), 1, "after watch"));
    p[(1 << 20) + 123] = 9;
    RUN(expect_protected(c, p + (1 << 20), 0, "written page before collect"));
    RUN(expect_protected(c, p + (2 << 20), 1, "unwritten page"));
    RUN(collect_matches_truth(c, t, "one byte"));
    RUN(expect_protected(c, p + (1 << 20), 1, "written page after collect"));
    RUN(collect_matches_truth(c, t, "nothing new"));
    return PASS;
}

static enum outcome same_value_rewrite(struct ctx *c) {
    size_t n = 16 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    memset(p, 5, n);
    RUN(watch(c, t, 1, p, n, 1, 0));
    memset(p + 3 * c->page, 5, c->page); /* written, but to the same bytes */
    RUN(expect_protected(c, p + 3 * c->page, 0, "rewritten page"));
    RUN(collect_matches_truth(c, t, "same value is no change"));
    return PASS;
}

static enum outcome unaligned_shared_page(struct ctx *c) {
    size_t n = 4 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    unsigned char *region = p + 100;
    size_t length = 5000;
    RUN(watch(c, t, 3, region, length, 1, 0));
    p[50] = 1;                     /* unwatched bytes sharing the first page */
    p[100 + 5000 + 10] = 1;        /* and the last */
    p[99] = 1;
    p[100 + 5000] = 1;
    RUN(collect_matches_truth(c, t, "writes beside the region"));
    region[0] = 1;
    region[length - 1] = 1;
    RUN(collect_matches_truth(c, t, "edges of the region"));
    return PASS;
}

static enum outcome two_regions_one_page(struct ctx *c) {
    unsigned char *p = map_anon(c, c->page, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 10, p, 2000, 4, 0));
    p[40] = 7; /* not yet collected when the next watch arms the same page again */
    RUN(watch(c, t, 11, p + 2000, c->page - 2000, 8, 0));
    RUN(collect_matches_truth(c, t, "write made before a second region joined the page"));
    p[2000 + 17] = 1;
    RUN(collect_matches_truth(c, t, "write in the second region"));
    p[3] = 2;
    p[2000 + 1000] = 2;
    RUN(collect_matches_truth(c, t, "write in both"));
    RUN(unwatch(c, t, 10));
    RUN(expect_protected(c, p, 1, "page still needed by region 11"));
    p[5] = 3;
    p[2000 + 8] = 3;
    RUN(collect_matches_truth(c, t, "after unwatching the first"));
    return PASS;
}

static enum outcome element_granularity(struct ctx *c) {
    size_t count = 100000;
    double *a = map_anon(c, count * sizeof(double), MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(a && t);
    for (size_t i = 0; i < count; i++) a[i] = (double)i;
    RUN(watch(c, t, 4, a, count * sizeof(double), sizeof(double), 0));
    a[5] += 1.0;
    RUN(collect_matches_truth(c, t, "a[5] += 1"));
    for (size_t i = 0; i < 1000; i++) a[i] += 1.0;
    RUN(collect_matches_truth(c, t, "a[:1000] += 1"));
    for (size_t i = 0; i < count; i += 997) a[i] = -1.0;
    RUN(collect_matches_truth(c, t, "a[::997] = -1"));
    return PASS;
}

/* One memory area watched eight times with different element sizes, starting at an odd address: random
 * byte writes across page edges must come back exact at every granularity. */
static enum outcome element_sizes_random_writes(struct ctx *c) {
    static const size_t sizes[] = {1, 2, 3, 4, 5, 8, 12, 16};
    size_t n = 6 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    unsigned char *area = p + 13;
    size_t length = 4 * c->page + 77;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        RUN(watch(c, t, 100 + k, area, length, sizes[k], 0));
    /* Where a page starts inside the area, an 8-byte window from the page edge would overlap three 4-byte
     * elements: change the first and the third only (the middle one must not be reported). */
    size_t page_edge = c->page - 13;
    area[page_edge] ^= 1;
    area[page_edge + 5] ^= 1;
    RUN(collect_matches_truth(c, t, "bytes around a page edge"));
    unsigned seed = 7;
    for (int round = 0; round < 6; round++) {
        int writes = round == 5 ? 3000 : 40 * (round + 1);
        for (int w = 0; w < writes; w++) {
            seed = seed * 1103515245u + 12345u;
            area[(seed >> 8) % length] ^= (unsigned char)(1u + (seed & 0x7f));
        }
        RUN(collect_matches_truth(c, t, "random writes"));
    }
    return PASS;
}

static enum outcome rearmed_after_collect(struct ctx *c) {
    size_t n = 8 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 1, p, n, 1, 0));
    for (int round = 0; round < 5; round++) {
        p[2 * c->page + (size_t)round] = (unsigned char)(round + 1);
        RUN(collect_matches_truth(c, t, "round write"));
        RUN(expect_protected(c, p + 2 * c->page, 1, "re-armed"));
    }
    return PASS;
}

static enum outcome unwatch_disarms(struct ctx *c) {
    size_t n = 8 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 1, p, 4 * c->page, 1, 0));
    RUN(watch(c, t, 2, p + 4 * c->page, 4 * c->page, 1, 0));
    RUN(unwatch(c, t, 1));
    RUN(expect_protected(c, p, 0, "unwatched page"));
    p[0] = 1;
    p[5 * c->page] = 1;
    RUN(collect_matches_truth(c, t, "only the watched one"));
    CHECK(wcf_unwatch(t, 1) == -ENOENT, "unwatching an unknown tag must fail with -ENOENT");
    CHECK(wcf_watch(t, p, 10, 1, 2, 0) == -EEXIST, "watching a tag twice must fail with -EEXIST");
    return PASS;
}

static enum outcome munmap_while_watched(struct ctx *c) {
    size_t n = 64 * c->page;
    unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p != MAP_FAILED && t);
    RUN(watch(c, t, 8, p, n, 1, 0));
    p[10] = 1;
    munmap(p, n);
    const wcf_dirty_range *ranges;
    size_t count;
    char actual[256];
    CHECK(wcf_collect(t, &ranges, &count) == 0, "collect failed: %s", wcf_last_error(t));
    CHECK(render(ranges, count, actual, sizeof actual), "unexpectedly long answer (%zu ranges)", count);
    CHECK(strcmp(actual, " 8:0+0!gone") == 0, "expected [ 8:0+0!gone], tracker said [%.200s]", actual);
    append_transcript(c, "munmap", actual);
    c->truth[c->truth_count - 1].active = 0;
    wcf_stats s;
    wcf_get_stats(t, &s);
    CHECK(s.regions == 0, "a gone region must no longer be watched (%llu left)", (unsigned long long)s.regions);
    CHECK(wcf_collect(t, &ranges, &count) == 0 && count == 0, "gone is reported once");
    return PASS;
}

static enum outcome never_touched_pages(struct ctx *c) {
    size_t n = 256 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 1, p, n, 1, WCF_WATCH_NO_SHADOW));
    p[100 * c->page + 1] = 1; /* first touch of this page happens while watched */
    RUN(collect_matches_truth(c, t, "first touch"));
    return PASS;
}

static enum outcome no_shadow_pages(struct ctx *c) {
    size_t n = 16 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    memset(p, 1, n);
    RUN(watch(c, t, 1, p + 10, n - 20, 1, WCF_WATCH_NO_SHADOW));
    p[3 * c->page + 7] = 2;
    p[4 * c->page] = 2;
    p[15 * c->page] = 2;
    RUN(collect_matches_truth(c, t, "page granular"));
    return PASS;
}

struct writer_args {
    volatile uint32_t *array;
    size_t count, stripe, stripes;
    int rounds;
};

static void *writer(void *arg) {
    struct writer_args *w = arg;
    for (int round = 1; round <= w->rounds; round++)
        for (size_t i = w->stripe; i < w->count; i += w->stripes * 61) w->array[i] = (uint32_t)round;
    return NULL;
}

static enum outcome threads_writing(struct ctx *c) {
    size_t count = (2 << 20) / sizeof(uint32_t);
    uint32_t *a = map_anon(c, count * sizeof *a, MAP_PRIVATE);
    unsigned char *seen = calloc(count, 1);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(a && t && seen);
    RUN(watch(c, t, 1, a, count * sizeof *a, sizeof *a, 0));
    RUN(expect_hashed_regions(c, t, 0, "threads"));
    enum { STRIPES = 4 };
    pthread_t threads[STRIPES];
    struct writer_args args[STRIPES];
    for (size_t s = 0; s < STRIPES; s++) {
        args[s] = (struct writer_args){.array = a, .count = count, .stripe = s, .stripes = STRIPES, .rounds = 200};
        pthread_create(&threads[s], NULL, writer, &args[s]);
    }
    size_t collects = 0;
    for (int k = 0; k < 2000; k++) { /* collect while they write */
        const wcf_dirty_range *r;
        size_t n;
        CHECK(wcf_collect(t, &r, &n) == 0, "collect: %s", wcf_last_error(t));
        for (size_t i = 0; i < n; i++)
            for (size_t e = r[i].offset / 4; e < (r[i].offset + r[i].length) / 4; e++) seen[e] = 1;
        collects++;
    }
    for (size_t s = 0; s < STRIPES; s++) pthread_join(threads[s], NULL);
    const wcf_dirty_range *r;
    size_t n;
    CHECK(wcf_collect(t, &r, &n) == 0, "final collect: %s", wcf_last_error(t));
    for (size_t i = 0; i < n; i++)
        for (size_t e = r[i].offset / 4; e < (r[i].offset + r[i].length) / 4; e++) seen[e] = 1;
    size_t written = 0, missed = 0, invented = 0;
    for (size_t e = 0; e < count; e++) {
        int was_written = a[e] != 0;
        written += was_written;
        missed += was_written && !seen[e];
        invented += !was_written && seen[e];
    }
    free(seen);
    CHECK(missed == 0 && invented == 0, "%zu of %zu written elements never reported, %zu reported but unwritten",
          missed, written, invented);
    char summary[128];
    snprintf(summary, sizeof summary, " %zu elements written, all reported once or more", written);
    append_transcript(c, "threads", summary);
    c->truth[c->truth_count - 1].active = 0;
    return PASS;
}

static enum outcome huge_buffer(struct ctx *c) {
    size_t n = (size_t)512 << 20;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    madvise(p, n, MADV_HUGEPAGE);
    for (size_t i = 0; i < n; i += 1 << 20) p[i] = 1; /* populate some, leave most untouched */
    RUN(watch(c, t, 1, p, n, 8, 0));
    RUN(expect_hashed_regions(c, t, 0, "huge buffer"));
    p[0] = 2;
    p[n / 2 + 4097] = 2;
    p[n - 1] = 2;
    RUN(collect_matches_truth(c, t, "three bytes in 512 MiB"));
    memset(p + (100 << 20), 3, 3 << 20); /* a 3 MiB write spanning huge pages */
    RUN(collect_matches_truth(c, t, "3 MiB block"));
    for (size_t page = 0; page < 70000; page++) p[page * c->page + 8] = 4; /* more pages than the fault queue */
    RUN(collect_matches_truth(c, t, "70000 pages between two collects"));
    return PASS;
}

static enum outcome fork_child(struct ctx *c) {
    size_t n = 32 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 1, p, n, 1, 0));
    p[100] = 1; /* written before fork, not yet collected */
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork failed");
    if (pid == 0) {
        close(pipefd[0]);
        p[5 * c->page] = 2; /* the child's tracker must see this without the parent's kernel state */
        char line[1024] = "ok";
        struct ctx *child = c;
        if (collect_matches_truth(child, t, "child") != PASS) snprintf(line, sizeof line, "%.900s", child->why);
        wcf_stats s;
        wcf_get_stats(t, &s);
        if (strcmp(line, "ok") == 0 && (!s.forked_child || s.mechanism != WCF_MECHANISM_HASH))
            snprintf(line, sizeof line, "child tracker not adopted (forked_child %u, mechanism %u)",
                     s.forked_child, s.mechanism);
        wcf_close(t);
        if (write(pipefd[1], line, strlen(line) + 1) < 0) _exit(2);
        _exit(0);
    }
    close(pipefd[1]);
    char line[1024] = "";
    ssize_t got = read(pipefd[0], line, sizeof line - 1);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(got > 0 && WIFEXITED(status), "child died (status %d)", status);
    CHECK(strcmp(line, "ok") == 0, "in the child: %.900s", line);
    RUN(collect_matches_truth(c, t, "parent after fork"));
    RUN(expect_protected(c, p + 5 * c->page, 1, "parent's page stays armed"));
    p[6 * c->page] = 3;
    RUN(collect_matches_truth(c, t, "parent keeps tracking"));
    return PASS;
}

static enum outcome shared_anonymous_mapping(struct ctx *c) {
    size_t n = 64 * c->page; /* what Python's mmap.mmap(-1, n) gives: shmem */
    unsigned char *p = map_anon(c, n, MAP_SHARED);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 1, p, n, 1, 0));
    RUN(expect_hashed_regions(c, t, 0, "shmem"));
    p[7 * c->page + 3] = 1;
    RUN(collect_matches_truth(c, t, "shmem write"));
    return PASS;
}

static enum outcome file_mapping_falls_back(struct ctx *c) {
    char path[] = "/tmp/wcf-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(path);
    size_t n = 16 * c->page;
    CHECK(ftruncate(fd, (off_t)n) == 0, "ftruncate");
    unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    CHECK(p != MAP_FAILED, "mmap file");
    c->maps[c->map_count].address = p;
    c->maps[c->map_count++].length = n;
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(t);
    RUN(watch(c, t, 1, p, n, 1, 0));
    /* async WP accepts any VMA (Linux 6.7 vma_can_userfault: wp_async); sync WP only anon/shmem/hugetlb */
    RUN(expect_hashed_regions(c, t, c->mechanism == WCF_MECHANISM_ASYNC_WP ? 0 : 1, "file mapping"));
    p[9 * c->page] = 1;
    RUN(collect_matches_truth(c, t, "file page write"));
    return PASS;
}

static enum outcome two_trackers_one_buffer(struct ctx *c) {
    size_t n = 16 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *first = open_tracker(c);
    wcf_tracker *second = first ? open_tracker(c) : NULL;
    REQUIRE_SETUP(p && first && second);
    RUN(watch(c, first, 1, p, n, 1, 0));
    RUN(watch(c, second, 2, p, n, 1, 0)); /* the VMA already belongs to first's uffd: hash fallback */
    RUN(expect_hashed_regions(c, first, 0, "first tracker"));
    RUN(expect_hashed_regions(c, second, 1, "second tracker"));
    p[3 * c->page] = 1;
    RUN(collect_matches_truth(c, first, "first tracker"));
    RUN(collect_matches_truth(c, second, "second tracker"));
    RUN(unwatch(c, second, 2));
    RUN(expect_protected(c, p + 3 * c->page, 1, "second's unwatch leaves first's protection"));
    p[4 * c->page] = 1;
    RUN(collect_matches_truth(c, first, "first after second unwatched"));
    return PASS;
}

static enum outcome kernel_writes(struct ctx *c) {
    size_t n = 8 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    RUN(watch(c, t, 1, p, n, 1, 0));
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    CHECK(write(pipefd[1], "kernel wrote this", 17) == 17, "pipe write");
    /* read(2) stores through copy_to_user: a kernel-mode write into protected memory (file.readinto) */
    ssize_t got = read(pipefd[0], p + 3 * c->page - 5, 17);
    int e = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    CHECK(got == 17, "read(2) into watched memory returned %zd (%s)", got, got < 0 ? strerror(e) : "short");
    RUN(collect_matches_truth(c, t, "read(2) into the buffer"));
    return PASS;
}

static enum outcome madvise_dontneed(struct ctx *c) {
    size_t n = 64 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    memset(p, 1, n);
    RUN(watch(c, t, 1, p, n, 1, 0));
    CHECK(madvise(p + 3 * c->page, 2 * c->page, MADV_DONTNEED) == 0, "madvise"); /* pages now read as 0 */
    RUN(collect_matches_truth(c, t, "zapped pages read as zero"));
    p[3 * c->page + 5] = 9; /* the zap dropped the kernel's write-protection: the tracker must re-arm */
    RUN(collect_matches_truth(c, t, "write to a zapped page"));
    p[4 * c->page + 6] = 9;
    RUN(collect_matches_truth(c, t, "and again"));
    return PASS;
}

struct spinner_args {
    volatile unsigned char *p;
    size_t length;
    volatile int stop;
};

static void *spinner(void *arg) {
    struct spinner_args *s = arg;
    for (unsigned v = 0; !s->stop; v++) s->p[(v * 4099) % s->length] = (unsigned char)v;
    return NULL;
}

static enum outcome unwatch_and_close_while_writing(struct ctx *c) {
    size_t n = 64 * c->page;
    unsigned char *p = map_anon(c, n, MAP_PRIVATE);
    wcf_tracker *t = open_tracker(c);
    REQUIRE_SETUP(p && t);
    struct spinner_args args = {.p = p, .length = n, .stop = 0};
    pthread_t thread;
    pthread_create(&thread, NULL, spinner, &args);
    alarm(20); /* a writer left asleep in a fault would hang here: die loudly instead */
    for (int i = 0; i < 50; i++) {
        CHECK(wcf_watch(t, p, n, 1, 1, 0) == 0, "watch: %s", wcf_last_error(t));
        const wcf_dirty_range *r;
        size_t count;
        CHECK(wcf_collect(t, &r, &count) == 0, "collect");
        CHECK(wcf_unwatch(t, 1) == 0, "unwatch");
    }
    CHECK(wcf_watch(t, p, n, 1, 1, 0) == 0, "watch: %s", wcf_last_error(t));
    wcf_close(t); /* with the region still watched and the writer still writing */
    c->trackers[--c->tracker_count] = NULL;
    usleep(20000);
    args.stop = 1;
    pthread_join(thread, NULL);
    alarm(0);
    RUN(expect_protected(c, p, 0, "after close"));
    append_transcript(c, "churn", " ok");
    return PASS;
}

/* ---------------- the table ---------------- */

struct scenario {
    const char *name;
    enum outcome (*run)(struct ctx *);
};

static const struct scenario scenarios[] = {
    {"one_byte_in_4mb", one_byte_in_4mb},
    {"same_value_rewrite", same_value_rewrite},
    {"unaligned_shared_page", unaligned_shared_page},
    {"two_regions_one_page", two_regions_one_page},
    {"element_granularity", element_granularity},
    {"element_sizes_random_writes", element_sizes_random_writes},
    {"rearmed_after_collect", rearmed_after_collect},
    {"unwatch_disarms", unwatch_disarms},
    {"munmap_while_watched", munmap_while_watched},
    {"never_touched_pages", never_touched_pages},
    {"no_shadow_pages", no_shadow_pages},
    {"threads_writing", threads_writing},
    {"huge_buffer_512mb", huge_buffer},
    {"fork_child", fork_child},
    {"shared_anonymous_mapping", shared_anonymous_mapping},
    {"file_mapping_falls_back", file_mapping_falls_back},
    {"two_trackers_one_buffer", two_trackers_one_buffer},
    {"kernel_writes", kernel_writes},
    {"madvise_dontneed", madvise_dontneed},
    {"unwatch_and_close_while_writing", unwatch_and_close_while_writing},
};
#define SCENARIO_COUNT (sizeof scenarios / sizeof scenarios[0])

struct mechanism_row {
    int mechanism;
    const char *needs; /* the kernel feature, as printed on SKIP */
};

static const struct mechanism_row mechanisms[] = {
    {WCF_MECHANISM_ASYNC_WP, "userfaultfd UFFD_FEATURE_WP_ASYNC + PAGEMAP_SCAN (Linux >= 6.7)"},
    {WCF_MECHANISM_FAULT_THREAD, "userfaultfd write-protect mode (Linux >= 5.7)"},
    {WCF_MECHANISM_HASH, "nothing (portable)"},
};
#define MECHANISM_COUNT (sizeof mechanisms / sizeof mechanisms[0])

static void cleanup(struct ctx *c) {
    alarm(0); /* a scenario that failed early may have left its watchdog armed */
    for (int i = 0; i < c->tracker_count; i++) wcf_close(c->trackers[i]);
    for (int i = 0; i < c->truth_count; i++) free(c->truth[i].before);
    for (int i = 0; i < c->map_count; i++) munmap(c->maps[i].address, c->maps[i].length);
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL; /* optional scenario name filter */
    static char transcripts[SCENARIO_COUNT][MECHANISM_COUNT][TEXT];
    int passed = 0, failed = 0, skipped = 0;
    unsigned available = wcf_available_mechanisms();
    for (size_t s = 0; s < SCENARIO_COUNT; s++) {
        if (only && strcmp(only, scenarios[s].name) != 0) continue;
        for (size_t m = 0; m < MECHANISM_COUNT; m++) {
            const char *mech = wcf_mechanism_name(mechanisms[m].mechanism);
            transcripts[s][m][0] = 0;
            if (!(available & (1u << mechanisms[m].mechanism))) {
                wcf_tracker *probe = NULL;
                char reason[400];
                wcf_open(mechanisms[m].mechanism, &probe, reason, sizeof reason);
                printf("SKIP %-6s %-26s needs %s: %s\n", mech, scenarios[s].name, mechanisms[m].needs, reason);
                skipped++;
                continue;
            }
            struct ctx *c = calloc(1, sizeof *c);
            c->mechanism = mechanisms[m].mechanism;
            c->page = (size_t)sysconf(_SC_PAGESIZE);
            enum outcome o = scenarios[s].run(c);
            if (o == PASS) {
                printf("PASS %-6s %s\n", mech, scenarios[s].name);
                snprintf(transcripts[s][m], TEXT, "%s", c->transcript);
                passed++;
            } else {
                printf("FAIL %-6s %s: %s\n", mech, scenarios[s].name, c->why);
                failed++;
            }
            fflush(stdout);
            cleanup(c);
            free(c);
        }
        /* all mechanisms that ran must have given the same answers, collect for collect */
        const char *reference = NULL;
        const char *reference_name = NULL;
        for (size_t m = 0; m < MECHANISM_COUNT; m++) {
            if (transcripts[s][m][0] == 0) continue;
            if (reference == NULL) {
                reference = transcripts[s][m];
                reference_name = wcf_mechanism_name(mechanisms[m].mechanism);
            } else if (strcmp(reference, transcripts[s][m]) != 0) {
                printf("FAIL same-answers %s: %s and %s differ:\n%s---\n%s", scenarios[s].name, reference_name,
                       wcf_mechanism_name(mechanisms[m].mechanism), reference, transcripts[s][m]);
                failed++;
            } else {
                passed++;
                printf("PASS same-answers %s: %s == %s\n", scenarios[s].name, reference_name,
                       wcf_mechanism_name(mechanisms[m].mechanism));
            }
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
