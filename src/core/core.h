/* core.h - small helpers shared inside libcohort (not public). */
#ifndef COHORT_CORE_H
#define COHORT_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort/status.h"

/* strdup in C11 terms; NULL in, NULL out; NULL when memory runs out. */
char *coh_strdup(const char *s);
/* Copy of the first `len` bytes of `s`, NUL-terminated. */
char *coh_strndup(const char *s, size_t len);
/* printf into a new string of its length; NULL when memory runs out (or
 * the format fails). */
char *coh_vstrprintf(const char *fmt, va_list ap);
char *coh_strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Bytes [0, len) of `s` are well-formed UTF-8.  Returns the offset of the
 * first bad byte, or `len` when all are good. */
size_t coh_utf8_check(const char *s, size_t len);

/* Copy at most `max` bytes of `s` into `buf` for quoting in a message,
 * replacing control bytes by '?' and ending with "..." when cut. */
void coh_excerpt(const char *s, size_t len, char *buf, size_t size);

/* Call fn(ctx, i) for every i in [0, n) on at most `threads` threads
 * (0: one per online core); see parallel.c. */
typedef void (*coh_par_fn)(void *ctx, size_t i);
void coh_parallel_for(size_t n, int threads, coh_par_fn fn, void *ctx);
/* Online processor cores, from 1 to 64. */
int coh_online_cores(void);

/* A map from strings (not copied) to indexes; see strmap.c. */
typedef struct coh_strmap {
    const char **key;
    size_t *val;
    size_t n_slot, n;
} coh_strmap;
void coh_strmap_init(coh_strmap *m);
void coh_strmap_free(coh_strmap *m);
/* Insert or replace. COH_ENOMEM when the table cannot grow. */
coh_status coh_strmap_put(coh_strmap *m, const char *key, size_t val);
/* Is `key` present?  Then *val (if not NULL) is its index. */
bool coh_strmap_get(const coh_strmap *m, const char *key, size_t *val);

#endif
