/* The pointer hash map of wcf_ptrmap.h: linear probing, power-of-two capacity, rehash at 50% use. */
#include "wcf_ptrmap.h"

#include <stdlib.h>

static size_t slot_of(const void *key, size_t mask)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
    return (size_t)h & mask;
}

int wcf_ptrmap_init(WcfPtrMap *map, size_t capacity)
{
    size_t cap = 16;
    while (cap < capacity * 2)
        cap *= 2;
    map->slots = calloc(cap, sizeof(WcfPtrEntry));
    if (map->slots == NULL)
        return -1;
    map->mask = cap - 1;
    map->count = map->used = 0;
    map->last_key = NULL;
    map->last_value = NULL;
    return 0;
}

void wcf_ptrmap_free(WcfPtrMap *map)
{
    free(map->slots);
    map->slots = NULL;
    map->mask = map->count = map->used = 0;
    map->last_key = NULL;
}

static int rehash(WcfPtrMap *map, size_t cap)
{
    WcfPtrEntry *fresh = calloc(cap, sizeof(WcfPtrEntry));
    if (fresh == NULL)
        return -1;
    for (size_t i = 0; i <= map->mask; i++) {
        WcfPtrEntry *e = &map->slots[i];
        if (!wcf_ptrmap_live(e))
            continue;
        size_t j = slot_of(e->key, cap - 1);
        while (fresh[j].key != NULL)
            j = (j + 1) & (cap - 1);
        fresh[j] = *e;
    }
    free(map->slots);
    map->slots = fresh;
    map->mask = cap - 1;
    map->used = map->count;
    return 0;
}

void *wcf_ptrmap_lookup(WcfPtrMap *map, const void *key)
{
    if (map->slots == NULL)
        return NULL; /* freed (the core released everything at the end of the recording) */
    size_t i = slot_of(key, map->mask);
    for (;;) {
        WcfPtrEntry *e = &map->slots[i];
        if (e->key == key) {
            map->last_key = key;
            map->last_value = e->value;
            return e->value;
        }
        if (e->key == NULL)
            return NULL;
        i = (i + 1) & map->mask;
    }
}

int wcf_ptrmap_put(WcfPtrMap *map, const void *key, void *value)
{
    if ((map->used + 1) * 2 > map->mask + 1) {
        size_t cap = map->mask + 1;
        if ((map->count + 1) * 4 > cap)
            cap *= 2; /* mostly live: grow; mostly tombstones: clean up at the same size */
        if (rehash(map, cap) < 0)
            return -1;
    }
    size_t i = slot_of(key, map->mask);
    WcfPtrEntry *tomb = NULL;
    for (;;) {
        WcfPtrEntry *e = &map->slots[i];
        if (e->key == key) {
            e->value = value;
            break;
        }
        if (e->key == WCF_PTRMAP_TOMBSTONE && tomb == NULL)
            tomb = e;
        if (e->key == NULL) {
            if (tomb != NULL) {
                e = tomb;
            } else {
                map->used++;
            }
            e->key = key;
            e->value = value;
            map->count++;
            break;
        }
        i = (i + 1) & map->mask;
    }
    map->last_key = key;
    map->last_value = value;
    return 0;
}

void *wcf_ptrmap_remove(WcfPtrMap *map, const void *key)
{
    if (map->last_key == key)
        map->last_key = NULL;
    if (map->slots == NULL)
        return NULL;
    size_t i = slot_of(key, map->mask);
    for (;;) {
        WcfPtrEntry *e = &map->slots[i];
        if (e->key == key) {
            void *value = e->value;
            e->key = WCF_PTRMAP_TOMBSTONE;
            e->value = NULL;
            map->count--;
            return value;
        }
        if (e->key == NULL)
            return NULL;
        i = (i + 1) & map->mask;
    }
}
