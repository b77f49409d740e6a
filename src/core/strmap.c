/* strmap.c - a map from strings to indexes, for column names.
 *
 * Open addressing with linear probing over a power-of-two table kept at
 * most half full; FNV-1a hashing.  Keys are not copied: they must outlive
 * the map (column names do).  Lookups and inserts are expected O(1), so
 * that a table of 50 000 columns is not quadratic to build.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void coh_strmap_init(coh_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void coh_strmap_free(coh_strmap *m)
{
    free(m->key);
    free(m->val);
    coh_strmap_init(m);
}

static size_t find_slot(const coh_strmap *m, const char *key)
{
    size_t i = (size_t)hash_str(key) & (m->n_slot - 1);
    while (m->key[i] != NULL && strcmp(m->key[i], key) != 0)
        i = (i + 1) & (m->n_slot - 1);
    return i;
}

bool coh_strmap_get(const coh_strmap *m, const char *key, size_t *val)
{
    if (m->n_slot == 0)
        return false;
    size_t i = find_slot(m, key);
    if (m->key[i] == NULL)
        return false;
    if (val != NULL)
        *val = m->val[i];
    return true;
}

coh_status coh_strmap_put(coh_strmap *m, const char *key, size_t val)
{
    if (2 * (m->n + 1) > m->n_slot) {
        size_t n_slot = m->n_slot ? 2 * m->n_slot : 16;
        coh_strmap bigger = {calloc(n_slot, sizeof(char *)), calloc(n_slot, sizeof(size_t)),
                             n_slot, 0};
        if (bigger.key == NULL || bigger.val == NULL) {
            coh_strmap_free(&bigger);
            return COH_ENOMEM;
        }
        for (size_t i = 0; i < m->n_slot; i++)
            if (m->key[i] != NULL) {
                size_t s = find_slot(&bigger, m->key[i]);
                bigger.key[s] = m->key[i];
                bigger.val[s] = m->val[i];
                bigger.n++;
            }
        coh_strmap_free(m);
        *m = bigger;
    }
    size_t i = find_slot(m, key);
    if (m->key[i] == NULL)
        m->n++;
    m->key[i] = key;
    m->val[i] = val;
    return COH_OK;
}
