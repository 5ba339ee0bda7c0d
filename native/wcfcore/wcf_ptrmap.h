/* An open-addressing hash map from pointers (object identities) to pointers, with deletion. Holds no
 * references: owners decide what keeps the keys alive. Used for code objects, frames, tracked objects, types. */
#ifndef WCF_PTRMAP_H
#define WCF_PTRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const void *key; /* NULL: empty; WCF_PTRMAP_TOMBSTONE: deleted */
    void *value;
} WcfPtrEntry;

typedef struct {
    WcfPtrEntry *slots;
    size_t mask;  /* capacity - 1 (capacity is a power of two) */
    size_t count; /* live entries */
    size_t used;  /* live + tombstones */
    /* one-entry cache: most lookups repeat the previous key (the same frame, the same code) */
    const void *last_key;
    void *last_value;
} WcfPtrMap;

#define WCF_PTRMAP_TOMBSTONE ((const void *)1)

int wcf_ptrmap_init(WcfPtrMap *map, size_t capacity);
void wcf_ptrmap_free(WcfPtrMap *map);
/* -1 when memory runs out (the map is unchanged). */
int wcf_ptrmap_put(WcfPtrMap *map, const void *key, void *value);
void *wcf_ptrmap_remove(WcfPtrMap *map, const void *key);
void *wcf_ptrmap_lookup(WcfPtrMap *map, const void *key);

static inline void *wcf_ptrmap_get(WcfPtrMap *map, const void *key)
{
    if (key == map->last_key)
        return map->last_value;
    return wcf_ptrmap_lookup(map, key);
}

/* Iteration: for (size_t i = 0; i <= map->mask; i++) if (wcf_ptrmap_live(&map->slots[i])) ... */
static inline int wcf_ptrmap_live(const WcfPtrEntry *e) { return e->key != NULL && e->key != WCF_PTRMAP_TOMBSTONE; }

#endif
