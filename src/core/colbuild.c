/* colbuild.c - growing one column while a reader streams values.
 * See colbuild.h for the kind inference and the text dictionary. */
#include "colbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define ARENA_BLOCK ((size_t)64 * 1024)

/* ---- the text dictionary --------------------------------------------- */

/* Keys of at most 8 bytes (most category codes: "M", "IV", "MSKCC") are
 * packed into a word and mixed by a bijection (odd multiply, xorshift), so
 * that equal hashes and equal lengths mean equal keys and no memcmp is
 * needed.  Longer keys use FNV-1a, 64 bit. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    if (len <= 8) {
        uint64_t x = 0;
        memcpy(&x, s, len);
        x *= 0x9E3779B97F4A7C15ULL;
        return x ^ (x >> 29);
    }
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void dict_free(cb_dict *d)
{
    /* arena blocks are chained through their first pointer-sized bytes */
    char *b = d->block;
    while (b != NULL) {
        char *prev;
        memcpy(&prev, b, sizeof prev);
        free(b);
        b = prev;
    }
    free(d->str);
    free(d->len);
    free(d->hash);
    free(d->slot);
    memset(d, 0, sizeof *d);
}

static char *arena_copy(cb_dict *d, const char *s, size_t len)
{
    size_t need = len + 1;
    if (d->block == NULL || d->block_used + need > d->block_cap) {
        /* blocks start small (a table may have thousands of text columns
         * with few levels) and double up to ARENA_BLOCK */
        size_t cap = d->block_cap ? 2 * d->block_cap : 256;
        if (cap > ARENA_BLOCK)
            cap = ARENA_BLOCK;
        if (cap < need + sizeof(char *))
            cap = need + sizeof(char *);
        char *b = malloc(cap);
        if (b == NULL)
            return NULL;
        memcpy(b, &d->block, sizeof d->block);
        d->block = b;
        d->block_cap = cap;
        d->block_used = sizeof(char *);
    }
    char *p = d->block + d->block_used;
    memcpy(p, s, len);
    p[len] = '\0';
    d->block_used += need;
    return p;
}

static coh_status dict_rehash(cb_dict *d, size_t n_slot)
{
    int32_t *slot = malloc(n_slot * sizeof *slot);
    if (slot == NULL)
        return COH_ENOMEM;
    for (size_t i = 0; i < n_slot; i++)
        slot[i] = -1;
    for (size_t k = 0; k < d->n; k++) {
        size_t j = (size_t)d->hash[k] & (n_slot - 1);
        while (slot[j] >= 0)
            j = (j + 1) & (n_slot - 1);
        slot[j] = (int32_t)k;
    }
    free(d->slot);
    d->slot = slot;
    d->n_slot = n_slot;
    return COH_OK;
}

/* Index of `s` in the dictionary, adding it if new; -1 when out of memory
 * or past INT32_MAX levels. */
static int32_t dict_intern(cb_dict *d, const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    if (d->n_slot == 0 && dict_rehash(d, 64) != COH_OK)
        return -1;
    size_t j = (size_t)h & (d->n_slot - 1);
    for (;;) {
        int32_t k = d->slot[j];
        if (k < 0)
            break;
        if (d->hash[k] == h && d->len[k] == len && (len <= 8 || memcmp(d->str[k], s, len) == 0))
            return k;
        j = (j + 1) & (d->n_slot - 1);
    }
    if (d->n >= (size_t)INT32_MAX || len > UINT32_MAX)
        return -1;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        char **str = realloc(d->str, cap * sizeof *str);
        if (str == NULL)
            return -1;
        d->str = str;
        uint32_t *ln = realloc(d->len, cap * sizeof *ln);
        if (ln == NULL)
            return -1;
        d->len = ln;
        uint64_t *hs = realloc(d->hash, cap * sizeof *hs);
        if (hs == NULL)
            return -1;
        d->hash = hs;
        d->cap = cap;
    }
    char *copy = arena_copy(d, s, len);
    if (copy == NULL)
        return -1;
    int32_t k = (int32_t)d->n;
    d->str[k] = copy;
    d->len[k] = (uint32_t)len;
    d->hash[k] = h;
    d->n++;
    d->slot[j] = k;
    /* keep the load factor at most 1/2 so that probes stay short */
    if (2 * d->n > d->n_slot && dict_rehash(d, 2 * d->n_slot) != COH_OK)
        return -1;
    return k;
}

/* ---- builder ---------------------------------------------------------- */

void coh_cb_init(coh_colbuild *cb)
{
    memset(cb, 0, sizeof *cb);
    cb->all_integer = true;
}

void coh_cb_free(coh_colbuild *cb)
{
    free(cb->num);
    free(cb->code);
    free(cb->missing);
    dict_free(&cb->dict);
    coh_cb_init(cb);
}

void coh_cb_reserve(coh_colbuild *cb, size_t rows)
{
    if (cb->num == NULL && cb->code == NULL && cb->missing == NULL && rows > cb->cap)
        cb->cap = rows;
}

/* Double the row capacity.  glibc serves large blocks with mmap and grows
 * them with mremap, so pages not yet written cost no memory: doubling does
 * not double the resident size. */
coh_status coh_cb_grow(coh_colbuild *cb)
{
    size_t cap = cb->cap ? 2 * cb->cap : 1024;
    if (cb->num != NULL || cb->kind == CB_NUMBER || cb->kind == CB_DATE) {
        double *p = realloc(cb->num, cap * sizeof *p);
        if (p == NULL)
            return COH_ENOMEM;
        cb->num = p;
    }
    if (cb->code != NULL || cb->kind == CB_TEXT) {
        int32_t *p = realloc(cb->code, cap * sizeof *p);
        if (p == NULL)
            return COH_ENOMEM;
        cb->code = p;
    }
    if (cb->missing != NULL) {
        uint8_t *p = realloc(cb->missing, cap);
        if (p == NULL)
            return COH_ENOMEM;
        memset(p + cb->cap, 0, cap - cb->cap);
        cb->missing = p;
    }
    cb->cap = cap;
    return COH_OK;
}

/* Give an UNKNOWN column (only missing values so far) the storage of `kind`,
 * filling the rows pushed so far with the missing marker. */
static coh_status settle_kind(coh_colbuild *cb, cb_kind kind)
{
    size_t cap = cb->cap ? cb->cap : 1024;
    if (kind == CB_TEXT) {
        cb->code = malloc(cap * sizeof *cb->code);
        if (cb->code == NULL)
            return COH_ENOMEM;
        for (size_t i = 0; i < cb->n; i++)
            cb->code[i] = -1;
    } else {
        cb->num = malloc(cap * sizeof *cb->num);
        if (cb->num == NULL)
            return COH_ENOMEM;
        for (size_t i = 0; i < cb->n; i++)
            cb->num[i] = NAN;
    }
    cb->cap = cap;
    cb->kind = kind;
    return COH_OK;
}

/* NUMBER or DATE turns TEXT: write each earlier value as text. */
static coh_status to_text(coh_colbuild *cb)
{
    size_t cap = cb->cap ? cb->cap : 1024;
    int32_t *code = malloc(cap * sizeof *code);
    if (code == NULL)
        return COH_ENOMEM;
    char buf[64];
    for (size_t i = 0; i < cb->n; i++) {
        if (cb->missing != NULL && cb->missing[i]) {
            code[i] = -1;
            continue;
        }
        if (cb->kind == CB_DATE)
            coh_format_date(cb->num[i], buf, sizeof buf);
        else
            coh_format_num(cb->num[i], buf, sizeof buf);
        int32_t k = dict_intern(&cb->dict, buf, strlen(buf));
        if (k < 0) {
            free(code);
            return COH_ENOMEM;
        }
        code[i] = k;
    }
    free(cb->num);
    cb->num = NULL;
    cb->code = code;
    cb->cap = cap;
    cb->kind = CB_TEXT;
    return COH_OK;
}

coh_status coh_cb_to_text(coh_colbuild *cb)
{
    if (cb->kind == CB_TEXT)
        return COH_OK;
    if (cb->kind == CB_UNKNOWN)
        return settle_kind(cb, CB_TEXT);
    return to_text(cb);
}

coh_status coh_cb_push_num_slow(coh_colbuild *cb, double v, cb_kind kind)
{
    coh_status st;
    if (cb->kind == CB_UNKNOWN) {
        if ((st = settle_kind(cb, kind)) != COH_OK)
            return st;
    } else if (cb->kind != kind) {
        /* number into DATE/TEXT or date into NUMBER/TEXT: the column is text */
        if (cb->kind != CB_TEXT && (st = to_text(cb)) != COH_OK)
            return st;
        char buf[64];
        if (kind == CB_DATE)
            coh_format_date(v, buf, sizeof buf);
        else
            coh_format_num(v, buf, sizeof buf);
        return coh_cb_push_text(cb, buf, strlen(buf));
    }
    if (cb->n == cb->cap && (st = coh_cb_grow(cb)) != COH_OK)
        return st;
    return coh_cb_push_value(cb, v, kind);
}

coh_status coh_cb_push_na(coh_colbuild *cb)
{
    coh_status st;
    if (cb->n == cb->cap && (st = coh_cb_grow(cb)) != COH_OK)
        return st;
    if (cb->missing == NULL) {
        cb->missing = calloc(cb->cap, 1);
        if (cb->missing == NULL)
            return COH_ENOMEM;
    }
    if (cb->kind == CB_TEXT)
        cb->code[cb->n] = -1;
    else if (cb->kind != CB_UNKNOWN)
        cb->num[cb->n] = NAN;
    cb->missing[cb->n++] = 1;
    cb->n_missing++;
    return COH_OK;
}

coh_status coh_cb_push_text(coh_colbuild *cb, const char *s, size_t len)
{
    coh_status st;
    if (cb->kind == CB_UNKNOWN) {
        if ((st = settle_kind(cb, CB_TEXT)) != COH_OK)
            return st;
    } else if (cb->kind != CB_TEXT) {
        if ((st = to_text(cb)) != COH_OK)
            return st;
    }
    if (cb->n == cb->cap && (st = coh_cb_grow(cb)) != COH_OK)
        return st;
    int32_t k = dict_intern(&cb->dict, s, len);
    if (k < 0)
        return COH_ENOMEM;
    cb->code[cb->n++] = k;
    return COH_OK;
}

coh_status coh_cb_append(coh_colbuild *dst, coh_colbuild *src)
{
    coh_status st;
    if (src->kind != CB_UNKNOWN && dst->kind != CB_UNKNOWN && src->kind != dst->kind)
        return COH_ETYPE;
    if (dst->kind == CB_UNKNOWN && src->kind != CB_UNKNOWN &&
        (st = settle_kind(dst, src->kind)) != COH_OK)
        return st;
    size_t total = dst->n + src->n;
    while (dst->cap < total)
        if ((st = coh_cb_grow(dst)) != COH_OK)
            return st;
    if (src->missing != NULL && dst->missing == NULL) {
        dst->missing = calloc(dst->cap, 1);
        if (dst->missing == NULL)
            return COH_ENOMEM;
    }
    if (dst->kind == CB_TEXT) {
        /* re-intern src's levels in dst's dictionary, then remap its codes */
        int32_t *map = malloc((src->dict.n ? src->dict.n : 1) * sizeof *map);
        if (map == NULL)
            return COH_ENOMEM;
        for (size_t k = 0; k < src->dict.n; k++) {
            map[k] = dict_intern(&dst->dict, src->dict.str[k], src->dict.len[k]);
            if (map[k] < 0) {
                free(map);
                return COH_ENOMEM;
            }
        }
        for (size_t i = 0; i < src->n; i++) {
            int32_t c = src->kind == CB_TEXT ? src->code[i] : -1;
            dst->code[dst->n + i] = c < 0 ? -1 : map[c];
        }
        free(map);
    } else if (dst->kind != CB_UNKNOWN) {
        if (src->kind == CB_UNKNOWN)
            for (size_t i = 0; i < src->n; i++)
                dst->num[dst->n + i] = NAN;
        else
            memcpy(dst->num + dst->n, src->num, src->n * sizeof *src->num);
    }
    if (src->missing != NULL)
        memcpy(dst->missing + dst->n, src->missing, src->n);
    dst->all_integer = dst->all_integer && src->all_integer;
    dst->n = total;
    dst->n_missing += src->n_missing;
    coh_cb_free(src);
    return COH_OK;
}

/* ---- finishing -------------------------------------------------------- */

/* Is the whole string a plain decimal number ([+-]digits[.digits][e[+-]digits],
 * no hex, no inf or nan)?  Then *out is its value.  For level ordering. */
static bool as_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0')
        return false;
    double v = strtod(s, NULL);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

void coh_level_key_set(coh_level_key *k, const char *s, size_t old)
{
    k->s = s;
    k->is_num = as_number(s, &k->v);
    k->old = old;
}

/* Numbers before text; numbers by value, text bytewise (C locale, so the
 * order does not depend on the machine's language settings).  Equal values
 * written differently ("1", "1.0", "01") fall back to their bytes, so that
 * the order is total and never depends on row order (qsort is not stable). */
int coh_level_key_cmp(const void *a, const void *b)
{
    const coh_level_key *x = a, *y = b;
    if (x->is_num && y->is_num && x->v != y->v)
        return x->v > y->v ? 1 : -1;
    if (x->is_num != y->is_num)
        return x->is_num ? -1 : 1;
    return strcmp(x->s, y->s);
}

/* Copy the dictionary's levels, sorted, into col->levels and recode. */
static coh_status take_levels(coh_colbuild *cb, coh_column *col)
{
    size_t nl = cb->dict.n;
    coh_level_key *key = malloc((nl ? nl : 1) * sizeof *key);
    int32_t *map = malloc((nl ? nl : 1) * sizeof *map);
    col->levels = calloc(nl ? nl : 1, sizeof *col->levels);
    if (key == NULL || map == NULL || col->levels == NULL) {
        free(key);
        free(map);
        return COH_ENOMEM;
    }
    col->n_levels = nl; /* so that coh_column_free frees what was copied */
    for (size_t k = 0; k < nl; k++)
        coh_level_key_set(&key[k], cb->dict.str[k], k);
    qsort(key, nl, sizeof *key, coh_level_key_cmp);
    for (size_t k = 0; k < nl; k++) {
        map[key[k].old] = (int32_t)k;
        col->levels[k] = coh_strdup(key[k].s);
        if (col->levels[k] == NULL) {
            free(key);
            free(map);
            return COH_ENOMEM;
        }
    }
    for (size_t i = 0; i < cb->n; i++)
        if (cb->code[i] >= 0)
            cb->code[i] = map[cb->code[i]];
    free(key);
    free(map);
    return COH_OK;
}

coh_status coh_cb_finish(coh_colbuild *cb, const char *name, int declared,
                         size_t max_levels, coh_column **out, coh_error *err)
{
    coh_status st;
    *out = NULL;
    if (max_levels == 0)
        max_levels = 50;
    bool want_text = declared == COH_CATEGORICAL || declared == COH_STRING;
    if (want_text && cb->kind != CB_TEXT && (st = coh_cb_to_text(cb)) != COH_OK)
        return coh_error_set(err, st, "out of memory");
    if (cb->kind == CB_TEXT && declared >= 0 && !want_text)
        return coh_error_set(err, COH_ETYPE, "declared %s but holds text",
                             coh_type_name((coh_type)declared));
    if (cb->kind == CB_NUMBER && declared == COH_DATE)
        return coh_error_set(err, COH_ETYPE, "declared date but holds numbers");
    if (cb->kind == CB_DATE && (declared == COH_DOUBLE || declared == COH_INTEGER))
        return coh_error_set(err, COH_ETYPE, "declared %s but holds dates",
                             coh_type_name((coh_type)declared));

    coh_column *col = calloc(1, sizeof *col);
    if (col == NULL || (col->name = coh_strdup(name)) == NULL) {
        free(col);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    col->n = cb->n;
    col->n_missing = cb->n_missing;
    size_t cap = cb->n ? cb->n : 1;
    if (cb->kind == CB_TEXT) {
        if ((st = take_levels(cb, col)) != COH_OK) {
            coh_column_free(col);
            return coh_error_set(err, st, "out of memory");
        }
        size_t nonmissing = cb->n - cb->n_missing;
        if (declared >= 0)
            col->type = (coh_type)declared;
        else if (col->n_levels <= max_levels &&
                 (col->n_levels <= 2 || col->n_levels < nonmissing))
            col->type = COH_CATEGORICAL;
        else
            col->type = COH_STRING;
        /* shrink to the rows used; realloc of a large block is an mremap */
        int32_t *code = realloc(cb->code, cap * sizeof *code);
        col->code = code ? code : cb->code;
        cb->code = NULL;
    } else {
        if (cb->kind == CB_UNKNOWN) {
            cb->num = malloc(cap * sizeof *cb->num);
            if (cb->num == NULL) {
                coh_column_free(col);
                return coh_error_set(err, COH_ENOMEM, "out of memory");
            }
            for (size_t i = 0; i < cb->n; i++)
                cb->num[i] = NAN;
        }
        if (cb->kind == CB_DATE) {
            /* years 0 to 9999 only: the range ISO 8601 text can show, and
             * far beyond any clinical record */
            for (size_t i = 0; i < cb->n; i++)
                if (isfinite(cb->num[i]) &&
                    (cb->num[i] < COH_DATE_MIN || cb->num[i] > COH_DATE_MAX)) {
                    coh_column_free(col);
                    return coh_error_set(err, COH_ETYPE,
                                         "row %zu holds a date outside the years 0 to 9999",
                                         i + 1);
                }
        }
        if (cb->kind == CB_DATE)
            col->type = COH_DATE;
        else if (declared == COH_DOUBLE || declared == COH_INTEGER)
            col->type = (coh_type)declared;
        else if (declared == COH_DATE)
            col->type = COH_DATE; /* all missing */
        else
            col->type = cb->kind == CB_NUMBER && cb->all_integer ? COH_INTEGER : COH_DOUBLE;
        if (col->type == COH_INTEGER && !cb->all_integer) {
            coh_column_free(col);
            return coh_error_set(err, COH_ETYPE, "declared integer but holds fractions");
        }
        double *num = realloc(cb->num, cap * sizeof *num);
        col->num = num ? num : cb->num;
        cb->num = NULL;
    }
    if (cb->missing != NULL && cb->n_missing > 0) {
        uint8_t *m = realloc(cb->missing, cap);
        col->missing = m ? m : cb->missing;
        cb->missing = NULL;
    }
    coh_cb_free(cb);
    *out = col;
    return COH_OK;
}

/* ---- number and date text ------------------------------------------------ */

void coh_format_num(double v, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "NA" : v > 0 ? "Inf" : "-Inf");
        return;
    }
    /* 15 significant digits suffice for most values; subnormals can need
     * far fewer (5e-324), so for them the search starts at 1 */
    int first = fabs(v) < 2.2250738585072014e-308 && v != 0 ? 1 : 15;
    for (int prec = first; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Howard Hinnant's days_from_civil / civil_from_days: exact for the
 * proleptic Gregorian calendar, no tables, no time zones. */
int64_t coh_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (int64_t)(m > 2 ? m - 3 : m + 9);
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void coh_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void coh_format_date(double days, char *buf, size_t size)
{
    if (!isfinite(days) || days < COH_DATE_MIN || days > COH_DATE_MAX) {
        snprintf(buf, size, "NA");
        return;
    }
    int64_t y;
    unsigned m, d;
    coh_civil_from_days((int64_t)floor(days), &y, &m, &d);
    snprintf(buf, size, "%04lld-%02u-%02u", (long long)y, m, d);
}
