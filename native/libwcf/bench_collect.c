/* Collect micro-benchmark: µs per wcf_collect per mechanism, watched size and dirty page count, beside the
 * cost of hashing the whole buffer (what a tracker-less recorder pays every step). Prints one table;
 * asserts nothing (tests do that), but refuses to print a row whose collect missed the written pages. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "wcf_tracker.h"

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 4-lane multiply-xor over 32-byte blocks: about as fast as a non-cryptographic hash gets without SIMD. */
static uint64_t hash_buffer(const unsigned char *p, size_t n) {
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h[4] = {n, 1, 2, 3};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        for (int j = 0; j < 4; j++) h[j] = (h[j] ^ w[j]) * k;
    }
    for (; i < n; i++) h[0] = (h[0] ^ p[i]) * k;
    return h[0] ^ h[1] ^ h[2] ^ h[3];
}

static volatile uint64_t sink;

static double hash_whole_us(const unsigned char *p, size_t n) {
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now_us();
        sink += hash_buffer(p, n);
        double t = now_us() - t0;
        if (t < best) best = t;
    }
    return best;
}

struct row {
    int mechanism;
    size_t megabytes;
    size_t dirty_pages;
    int huge_pages;
};

static void run_row(const struct row *row, unsigned available) {
    const char *name = wcf_mechanism_name(row->mechanism);
    char size[32];
    snprintf(size, sizeof size, "%zu MiB%s", row->megabytes, row->huge_pages ? " THP" : "");
    if (!(available & (1u << row->mechanism))) {
        printf("| %-6s | %-11s | %5zu | %-48s |\n", name, size, row->dirty_pages, "unavailable on this kernel");
        return;
    }
    size_t n = row->megabytes << 20, ps = (size_t)sysconf(_SC_PAGESIZE), pages = n / ps;
    unsigned char *buffer = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buffer == MAP_FAILED) {
        printf("| %-6s | %-11s | mmap failed\n", name, size);
        return;
    }
    if (row->huge_pages) madvise(buffer, n, MADV_HUGEPAGE);
    memset(buffer, 1, n); /* populated, like an array that was just computed */
    wcf_tracker *t = NULL;
    char message[400];
    if (wcf_open(row->mechanism, &t, message, sizeof message) != 0 || wcf_watch(t, buffer, n, 8, 1, 0) != 0) {
        printf("| %-6s | %-11s | setup failed: %s\n", name, size, t ? wcf_last_error(t) : message);
        munmap(buffer, n);
        return;
    }
    const wcf_dirty_range *ranges;
    size_t count;
    wcf_collect(t, &ranges, &count);
    int rounds = row->mechanism == WCF_MECHANISM_HASH ? 15 : 300;
    double *collect_us = calloc((size_t)rounds, sizeof *collect_us);
    double write_us = 0;
    unsigned seed = 12345;
    int wrong = 0;
    for (int r = 0; r < rounds; r++) {
        double w0 = now_us();
        for (size_t d = 0; d < row->dirty_pages; d++) {
            seed = seed * 1103515245u + 12345u;
            buffer[(size_t)(seed % pages) * ps + (d % ps)] = (unsigned char)(r % 250 + 2); /* never 1, the fill value */
        }
        write_us += now_us() - w0;
        double t0 = now_us();
        wcf_collect(t, &ranges, &count);
        collect_us[r] = now_us() - t0;
        if (row->dirty_pages > 0 && count == 0) wrong = 1;
    }
    qsort(collect_us, (size_t)rounds, sizeof *collect_us, compare_doubles);
    double hash_us = hash_whole_us(buffer, n);
    if (wrong)
        printf("| %-6s | %-11s | %5zu | collect MISSED writes: not a valid measurement |\n", name, size,
               row->dirty_pages);
    else
        printf("| %-6s | %-11s | %5zu | %9.1f | %9.1f | %10.2f | %12.0f | %8.0fx  |\n", name, size, row->dirty_pages,
               collect_us[rounds / 2], collect_us[0],
               row->dirty_pages ? write_us / (double)rounds / (double)row->dirty_pages : 0.0, hash_us,
               hash_us / collect_us[rounds / 2]);
    fflush(stdout);
    free(collect_us);
    wcf_close(t);
    munmap(buffer, n);
}

int main(void) {
    unsigned available = wcf_available_mechanisms();
    static const struct row rows[] = {
        {WCF_MECHANISM_ASYNC_WP, 4, 2, 0},     {WCF_MECHANISM_FAULT_THREAD, 4, 2, 0},
        {WCF_MECHANISM_HASH, 4, 2, 0},         {WCF_MECHANISM_ASYNC_WP, 100, 0, 0},
        {WCF_MECHANISM_ASYNC_WP, 100, 1, 0},   {WCF_MECHANISM_ASYNC_WP, 100, 1, 1},
        {WCF_MECHANISM_FAULT_THREAD, 100, 0, 0}, {WCF_MECHANISM_FAULT_THREAD, 100, 1, 0},
        {WCF_MECHANISM_HASH, 100, 1, 0},       {WCF_MECHANISM_ASYNC_WP, 100, 64, 0},
        {WCF_MECHANISM_FAULT_THREAD, 100, 64, 0}, {WCF_MECHANISM_HASH, 100, 64, 0},
    };
    printf("libwcf collect benchmark (page %ld B). median/min: µs per wcf_collect incl. shadow compare; "
           "write µs/p: first write to a protected page; hash whole: one pass over the whole buffer\n\n",
           sysconf(_SC_PAGESIZE));
    printf("| mech   | watched     | dirty | median µs | min µs    | write µs/p | hash whole µs | hash/median |\n");
    printf("|--------|-------------|-------|-----------|-----------|------------|--------------|-----------|\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) run_row(&rows[i], available);
    return 0;
}
