/* Growable byte buffers and the varint forms of recording format v2 (docs/recording-format.md, "Chunks").
 * Plain C, no Python objects; allocation failure is reported by wcf_buf_reserve returning -1 and leaves the
 * buffer as it was. */
#ifndef WCF_BUF_H
#define WCF_BUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} WcfBuf;

static inline int wcf_buf_grow(WcfBuf *b, size_t extra)
{
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *data = realloc(b->data, cap);
    if (data == NULL)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline int wcf_buf_reserve(WcfBuf *b, size_t extra)
{
    return b->len + extra <= b->cap ? 0 : wcf_buf_grow(b, extra);
}

static inline void wcf_buf_free(WcfBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static inline int wcf_buf_put(WcfBuf *b, const void *src, size_t n)
{
    if (wcf_buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

static inline int wcf_buf_byte(WcfBuf *b, uint8_t value)
{
    if (wcf_buf_reserve(b, 1) < 0)
        return -1;
    b->data[b->len++] = value;
    return 0;
}

static inline int wcf_buf_varint(WcfBuf *b, uint64_t value)
{
    if (wcf_buf_reserve(b, 10) < 0)
        return -1;
    uint8_t *p = b->data + b->len;
    while (value > 0x7F) {
        *p++ = (uint8_t)((value & 0x7F) | 0x80);
        value >>= 7;
    }
    *p++ = (uint8_t)value;
    b->len = (size_t)(p - b->data);
    return 0;
}

static inline uint64_t wcf_zigzag(int64_t value)
{
    return ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
}

static inline int wcf_buf_svarint(WcfBuf *b, int64_t value) { return wcf_buf_varint(b, wcf_zigzag(value)); }

#endif
