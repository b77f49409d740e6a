/* spec.c - the study file: read a YAML study description and check it
 * against the schema of docs/study.md (coh_study_load, coh_study_free).
 *
 * libyaml's document API (yaml_parser_load) gives a tree of nodes whose
 * marks hold 0-based lines and columns (columns count characters, not
 * bytes); every message and every coh_study_pos adds 1 to both.  The tree
 * is walked against the schema: each mapping's keys are checked first (a
 * key that is not text, unknown, or given twice), then each value for its
 * type, range or allowed words.
 *
 * Scalars are read by what the key wants, not by YAML's implicit types: a
 * string takes the text as written (so `order: [1, 2]` is "1", "2" and
 * `no` stays "no"), a number is strtod over the whole text in plain
 * decimal form, a boolean is true/false/yes/no (any case).  A key with no
 * value (`key:`, `key: ~`, `key: null`) counts as absent: its default
 * applies, or "needs a value" when it is required.  Strings are UTF-8
 * (libyaml checks; the message points at the first byte that is not) and
 * may not hold a NUL character.
 *
 * Messages point at what is wrong: a value's own position for a value of
 * the wrong type, range or word (and for an unknown endpoint), the key for
 * an unknown or duplicate key, the enclosing mapping for a missing key.
 * References to columns (table rows, Cox terms, the grouping variable,
 * endpoint columns) can only be checked once the data are read; their
 * positions are kept for coh_study_data.  References among the file's own
 * names (an analysis's endpoint) are checked after the whole file is read,
 * so that the order of the sections does not matter.
 *
 * Status: COH_EPARSE for anything wrong in the file (YAML, schema, an
 * unknown endpoint), COH_EENCODING for bytes that are not UTF-8,
 * COH_EEMPTY for an empty file, COH_EIO when it cannot be read,
 * COH_ENOMEM; COH_EINVAL only for NULL arguments, so that `cohort` exits
 * with status 1 for a wrong study file, as for any malformed input, and
 * not 2, which is for a wrong command line.
 *
 * Memory: every array is attached to the study as soon as it is
 * allocated, zeroed and with its count, so that coh_study_free releases
 * whatever a failure (including an allocation failure) left half built.
 */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cohort/study.h"
#include "core/core.h"

/* The walk's context: the file name for messages, the document, and
 * where errors go. */
typedef struct loader {
    const char *file;
    yaml_document_t *doc;
    coh_error *err;
} loader;

/* Paths in messages ("tables[0].rows") are cut at this size. */
#define PATH_MAX_LEN 256

/* ---- nodes ---------------------------------------------------------- */

static yaml_node_t *node_at(const loader *L, int index)
{
    return yaml_document_get_node(L->doc, index);
}

static coh_study_pos pos_of(const yaml_node_t *n)
{
    coh_study_pos p = {n->start_mark.line + 1, n->start_mark.column + 1};
    return p;
}

static const char *text_of(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain scalar that YAML reads as null: empty, ~, null, Null, NULL.
 * Quoted text ("null") is text. */
static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = text_of(n);
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(const loader *L, const yaml_node_t *n, size_t i)
{
    return node_at(L, n->data.sequence.items.start[i]);
}

static size_t map_len(const yaml_node_t *n)
{
    return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static yaml_node_t *map_key(const loader *L, const yaml_node_t *n, size_t i)
{
    return node_at(L, n->data.mapping.pairs.start[i].key);
}

static yaml_node_t *map_value(const loader *L, const yaml_node_t *n, size_t i)
{
    return node_at(L, n->data.mapping.pairs.start[i].value);
}

/* ---- messages ------------------------------------------------------- */

static coh_status fail_at(const loader *L, coh_status st, coh_study_pos p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* "FILE:LINE:COL: " and the message; returns st. */
static coh_status fail_at(const loader *L, coh_status st, coh_study_pos p, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return coh_error_set(L->err, st, "%s:%zu:%zu: %s", L->file, p.line, p.column, msg);
}

static coh_status nomem(const loader *L)
{
    return coh_error_set(L->err, COH_ENOMEM, "%s: out of memory", L->file);
}

/* What a node holds, for "found ...": 'text' (cut when long), nothing, a
 * list, a mapping. */
static void describe(const yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_SEQUENCE_NODE) {
        snprintf(buf, size, "a list");
    } else if (n->type == YAML_MAPPING_NODE) {
        snprintf(buf, size, "a mapping");
    } else if (is_null(n)) {
        snprintf(buf, size, "nothing");
    } else {
        char ex[64];
        coh_excerpt(text_of(n), n->data.scalar.length, ex, sizeof ex);
        snprintf(buf, size, "'%s'", ex);
    }
}

/* "'PATH' wants WANT, found X" at n. */
static coh_status wants(const loader *L, const yaml_node_t *n, const char *path, const char *want)
{
    char found[80];
    describe(n, found, sizeof found);
    return fail_at(L, COH_EPARSE, pos_of(n), "'%s' wants %s, found %s", path, want, found);
}

/* "in 'PATH'", or "at the top level" for the root mapping. */
static void where_of(const char *path, char *buf, size_t size)
{
    if (path[0] == '\0')
        snprintf(buf, size, "at the top level");
    else
        snprintf(buf, size, "in '%s'", path);
}

/* Append s to the string in buf (size bytes), cutting it to fit. */
static void append(char *buf, size_t size, const char *s)
{
    size_t used = strlen(buf), n = strlen(s);
    if (used + n >= size)
        n = size - 1 - used;
    memcpy(buf + used, s, n);
    buf[used + n] = '\0';
}

/* PATH.KEY (KEY alone at the top level), cut to fit buf. */
static void key_path(char *buf, size_t size, const char *path, const char *key)
{
    buf[0] = '\0';
    append(buf, size, path);
    if (path[0] != '\0')
        append(buf, size, ".");
    append(buf, size, key);
}

/* PATH[I], cut to fit buf. */
static void item_path(char *buf, size_t size, const char *path, size_t i)
{
    char index[32];
    snprintf(index, sizeof index, "[%zu]", i);
    buf[0] = '\0';
    append(buf, size, path);
    append(buf, size, index);
}

/* The first n words (or up to a NULL one) joined by ", ", for "expected
 * one of: ...". */
static void join_words(const char *const *words, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && words[i] != NULL && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", words[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* ---- keys of a mapping ---------------------------------------------- */

/* Check the keys of the mapping `map` at `path`: each is text without a
 * NUL, appears once, and (when `allowed` is not NULL; NULL-terminated) is
 * one of `allowed`.  The first offending key is the error. */
static coh_status check_keys(const loader *L, const yaml_node_t *map, const char *path,
                             const char *const *allowed)
{
    char where[PATH_MAX_LEN + 16];
    where_of(path, where, sizeof where);
    coh_strmap seen;
    coh_strmap_init(&seen);
    coh_status st = COH_OK;
    for (size_t i = 0; i < map_len(map) && st == COH_OK; i++) {
        const yaml_node_t *k = map_key(L, map, i);
        if (k->type != YAML_SCALAR_NODE || is_null(k)) {
            char found[80];
            describe(k, found, sizeof found);
            st = fail_at(L, COH_EPARSE, pos_of(k), "keys %s must be text, found %s", where,
                         found);
            break;
        }
        const char *key = text_of(k);
        if (strlen(key) != k->data.scalar.length) {
            st = fail_at(L, COH_EPARSE, pos_of(k), "a key %s holds a NUL character", where);
            break;
        }
        if (allowed != NULL) {
            bool known = false;
            for (size_t a = 0; allowed[a] != NULL && !known; a++)
                known = strcmp(allowed[a], key) == 0;
            if (!known) {
                char ex[64], list[400];
                coh_excerpt(key, k->data.scalar.length, ex, sizeof ex);
                join_words(allowed, SIZE_MAX, list, sizeof list);
                st = fail_at(L, COH_EPARSE, pos_of(k),
                             "unknown key '%s' %s (expected one of: %s)", ex, where, list);
                break;
            }
        }
        size_t first;
        if (coh_strmap_get(&seen, key, &first)) {
            char ex[64];
            coh_excerpt(key, k->data.scalar.length, ex, sizeof ex);
            coh_study_pos p = pos_of(map_key(L, map, first));
            st = fail_at(L, COH_EPARSE, pos_of(k), "duplicate key '%s' %s (first at %zu:%zu)",
                         ex, where, p.line, p.column);
            break;
        }
        if (coh_strmap_put(&seen, key, i) != COH_OK)
            st = nomem(L);
    }
    coh_strmap_free(&seen);
    return st;
}

/* The value of `key` in `map`, or NULL when the key is absent or has no
 * value; *key_node (if not NULL) is the key's node, or NULL when absent.
 * The keys were checked (check_keys), so there is at most one. */
static yaml_node_t *lookup(const loader *L, const yaml_node_t *map, const char *key,
                           yaml_node_t **key_node)
{
    if (key_node != NULL)
        *key_node = NULL;
    for (size_t i = 0; i < map_len(map); i++) {
        yaml_node_t *k = map_key(L, map, i);
        if (k->type == YAML_SCALAR_NODE && strcmp(text_of(k), key) == 0) {
            if (key_node != NULL)
                *key_node = k;
            yaml_node_t *v = map_value(L, map, i);
            return is_null(v) ? NULL : v;
        }
    }
    return NULL;
}

/* The value of the required `key` of `map` at `path` in *val, or the
 * error: missing (at the mapping), or no value (at the key). */
static coh_status require(const loader *L, const yaml_node_t *map, const char *path,
                          const char *key, yaml_node_t **val)
{
    yaml_node_t *k;
    *val = lookup(L, map, key, &k);
    if (*val != NULL)
        return COH_OK;
    if (k != NULL) {
        char kp[PATH_MAX_LEN];
        key_path(kp, sizeof kp, path, key);
        return fail_at(L, COH_EPARSE, pos_of(k), "'%s' needs a value", kp);
    }
    char where[PATH_MAX_LEN + 16];
    where_of(path, where, sizeof where);
    return fail_at(L, COH_EPARSE, pos_of(map), "missing required key '%s' %s", key, where);
}

/* `n` is a mapping (an error naming `path` otherwise), and its keys are
 * among `allowed`. */
static coh_status want_mapping(const loader *L, const yaml_node_t *n, const char *path,
                               const char *const *allowed)
{
    if (n->type != YAML_MAPPING_NODE)
        return wants(L, n, path, "a mapping");
    return check_keys(L, n, path, allowed);
}

/* ---- scalars -------------------------------------------------------- */

typedef enum name_rule {
    NAME_TEXT = 0,   /* any text, empty allowed */
    NAME_NONEMPTY,   /* any text but empty */
    NAME_FILE,       /* [A-Za-z0-9._-]+, not "." or "..": part of a file name */
    NAME_IDENT       /* [A-Za-z_][A-Za-z0-9_.]*: an SQL column name */
} name_rule;

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The text of the scalar `n` at `path` after checking it against `rule`. */
static coh_status scalar_text(const loader *L, const yaml_node_t *n, const char *path,
                              name_rule rule, const char **out)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return wants(L, n, path, "a string");
    const char *v = text_of(n);
    if (strlen(v) != n->data.scalar.length)
        return fail_at(L, COH_EPARSE, pos_of(n), "'%s' holds a NUL character", path);
    if (rule != NAME_TEXT && v[0] == '\0')
        return fail_at(L, COH_EPARSE, pos_of(n), "'%s' is empty", path);
    bool ok = true;
    const char *rule_text = "";
    if (rule == NAME_FILE) {
        for (const char *c = v; *c && ok; c++)
            ok = is_alpha(*c) || is_digit(*c) || *c == '.' || *c == '_' || *c == '-';
        ok = ok && strcmp(v, ".") != 0 && strcmp(v, "..") != 0;
        rule_text = "a name of letters, digits, '.', '_' and '-' (it names files)";
    } else if (rule == NAME_IDENT) {
        ok = is_alpha(v[0]) || v[0] == '_';
        for (const char *c = v + 1; *c && ok; c++)
            ok = is_alpha(*c) || is_digit(*c) || *c == '.' || *c == '_';
        rule_text = "a name that starts with a letter or '_' followed by letters, digits, "
                    "'_' or '.'";
    }
    if (!ok)
        return wants(L, n, path, rule_text);
    *out = v;
    return COH_OK;
}

/* A malloc'ed copy of the scalar `n`, checked against `rule`. */
static coh_status read_string(const loader *L, const yaml_node_t *n, const char *path,
                              name_rule rule, char **out)
{
    const char *v;
    coh_status st = scalar_text(L, n, path, rule, &v);
    if (st != COH_OK)
        return st;
    if ((*out = coh_strdup(v)) == NULL)
        return nomem(L);
    return COH_OK;
}

/* The key `k` of the free-form mapping at `path` (a variable, an endpoint,
 * a level) as a malloc'ed name.  check_keys has made it text. */
static coh_status read_key_name(const loader *L, const yaml_node_t *k, const char *path,
                                char **out)
{
    if (text_of(k)[0] == '\0')
        return fail_at(L, COH_EPARSE, pos_of(k), "an empty name in '%s'", path);
    return read_string(L, k, path, NAME_NONEMPTY, out);
}

/* Optional string `key` of `map`: left alone when absent. */
static coh_status opt_string(const loader *L, const yaml_node_t *map, const char *path,
                             const char *key, name_rule rule, char **out)
{
    yaml_node_t *v = lookup(L, map, key, NULL);
    if (v == NULL)
        return COH_OK;
    char kp[PATH_MAX_LEN];
    key_path(kp, sizeof kp, path, key);
    return read_string(L, v, kp, rule, out);
}

/* `subgroup`: the words that name the rows of `where` in the report
 * ("patients with chemotherapy at recurrence"); only beside a `where`. */
static coh_status opt_subgroup(const loader *L, const yaml_node_t *map, const char *path,
                               const char *where, char **out)
{
    yaml_node_t *v = lookup(L, map, "subgroup", NULL);
    if (v != NULL && where == NULL)
        return fail_at(L, COH_EPARSE, pos_of(v), "'%s': 'subgroup' names the rows of 'where', "
                                                 "and there is no 'where'", path);
    return opt_string(L, map, path, "subgroup", NAME_NONEMPTY, out);
}

/* Required string `key` of `map`; *pos (if not NULL) is the value's. */
static coh_status req_string(const loader *L, const yaml_node_t *map, const char *path,
                             const char *key, name_rule rule, char **out, coh_study_pos *pos)
{
    yaml_node_t *v;
    coh_status st = require(L, map, path, key, &v);
    if (st != COH_OK)
        return st;
    char kp[PATH_MAX_LEN];
    key_path(kp, sizeof kp, path, key);
    if (pos != NULL)
        *pos = pos_of(v);
    return read_string(L, v, kp, rule, out);
}

/* A decimal number: [+-] digits [. digits] [(e|E) [+-] digits], with
 * digits on at least one side of the point.  Excludes what strtod would
 * also take (hex, inf, nan, leading spaces). */
static bool is_decimal(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (is_digit(s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.') {
        i++;
        while (is_digit(s[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (!is_digit(s[i]))
            return false;
        while (is_digit(s[i]))
            i++;
    }
    return s[i] == '\0';
}

/* The scalar `n` as a finite number (`want` names it in the error). */
static coh_status read_number(const loader *L, const yaml_node_t *n, const char *path,
                              const char *want, double *out)
{
    if (n->type != YAML_SCALAR_NODE || !is_decimal(text_of(n)))
        return wants(L, n, path, want);
    char *end;
    double x = strtod(text_of(n), &end);
    if (*end != '\0' || !isfinite(x))
        return wants(L, n, path, want);
    *out = x;
    return COH_OK;
}

/* Optional number `key` of `map` between lo and hi, each bound excluded
 * when its flag says so. */
static coh_status opt_number(const loader *L, const yaml_node_t *map, const char *path,
                             const char *key, double lo, bool lo_open, double hi, bool hi_open,
                             double *out)
{
    yaml_node_t *v = lookup(L, map, key, NULL);
    if (v == NULL)
        return COH_OK;
    char kp[PATH_MAX_LEN], want[80];
    key_path(kp, sizeof kp, path, key);
    snprintf(want, sizeof want, "a number %s %g and %s %g", lo_open ? "above" : "from", lo,
             hi_open ? "below" : "at most", hi);
    double x;
    coh_status st = read_number(L, v, kp, want, &x);
    if (st != COH_OK)
        return st;
    if (x < lo || (lo_open && x == lo) || x > hi || (hi_open && x == hi))
        return wants(L, v, kp, want);
    *out = x;
    return COH_OK;
}

/* Optional whole number `key` of `map` in [lo, hi]. */
static coh_status opt_int(const loader *L, const yaml_node_t *map, const char *path,
                          const char *key, int lo, int hi, int *out)
{
    yaml_node_t *v = lookup(L, map, key, NULL);
    if (v == NULL)
        return COH_OK;
    char kp[PATH_MAX_LEN], want[80];
    key_path(kp, sizeof kp, path, key);
    snprintf(want, sizeof want, "a whole number from %d to %d", lo, hi);
    if (v->type != YAML_SCALAR_NODE)
        return wants(L, v, kp, want);
    const char *s = text_of(v);
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (!is_digit(s[i]))
        return wants(L, v, kp, want);
    while (is_digit(s[i]))
        i++;
    if (s[i] != '\0')
        return wants(L, v, kp, want);
    errno = 0;
    long x = strtol(s, NULL, 10);
    if (errno != 0 || x < lo || x > hi)
        return wants(L, v, kp, want);
    *out = (int)x;
    return COH_OK;
}

/* `a` equals the lower-case word `w`, ignoring the case of ASCII letters. */
static bool equal_nocase(const char *a, const char *w)
{
    for (; *a != '\0' && *w != '\0'; a++, w++) {
        char c = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        if (c != *w)
            return false;
    }
    return *a == *w;
}

/* Optional boolean `key` of `map`: true/false/yes/no in any case. */
static coh_status opt_bool(const loader *L, const yaml_node_t *map, const char *path,
                           const char *key, bool *out)
{
    yaml_node_t *v = lookup(L, map, key, NULL);
    if (v == NULL)
        return COH_OK;
    if (v->type == YAML_SCALAR_NODE) {
        const char *t = text_of(v);
        if (equal_nocase(t, "true") || equal_nocase(t, "yes")) {
            *out = true;
            return COH_OK;
        }
        if (equal_nocase(t, "false") || equal_nocase(t, "no")) {
            *out = false;
            return COH_OK;
        }
    }
    char kp[PATH_MAX_LEN];
    key_path(kp, sizeof kp, path, key);
    return wants(L, v, kp, "true or false");
}

/* One allowed word of an enumeration and its value. */
typedef struct word {
    const char *name;
    int value;
} word;

/* Optional word `key` of `map`, one of `words` (ended by a NULL name). */
static coh_status opt_word(const loader *L, const yaml_node_t *map, const char *path,
                           const char *key, const word *words, int *out)
{
    yaml_node_t *v = lookup(L, map, key, NULL);
    if (v == NULL)
        return COH_OK;
    if (v->type == YAML_SCALAR_NODE)
        for (size_t i = 0; words[i].name != NULL; i++)
            if (strcmp(text_of(v), words[i].name) == 0) {
                *out = words[i].value;
                return COH_OK;
            }
    char kp[PATH_MAX_LEN], list[300], found[80];
    key_path(kp, sizeof kp, path, key);
    const char *names[16];
    size_t n = 0;
    for (; words[n].name != NULL && n < 15; n++)
        names[n] = words[n].name;
    names[n] = NULL;
    join_words(names, SIZE_MAX, list, sizeof list);
    describe(v, found, sizeof found);
    return fail_at(L, COH_EPARSE, pos_of(v), "'%s' wants one of: %s (found %s)", kp, list,
                   found);
}

/* ---- lists ---------------------------------------------------------- */

/* The strings of the list `n` at `path` into *items (malloc'ed, *count of
 * them; NULL for an empty list) and their positions into *pos when pos is
 * not NULL.  `nonempty`: at least one item; `unique`: no item twice.
 * Each item is text or a number (kept as written). */
static coh_status read_string_list(const loader *L, const yaml_node_t *n, const char *path,
                                   bool nonempty, bool unique, char ***items, size_t *count,
                                   coh_study_pos **pos)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return wants(L, n, path, "a list of strings");
    size_t len = seq_len(n);
    if (len == 0) {
        if (nonempty)
            return fail_at(L, COH_EPARSE, pos_of(n), "'%s' is empty", path);
        return COH_OK;
    }
    if ((*items = calloc(len, sizeof **items)) == NULL)
        return nomem(L);
    *count = len;
    if (pos != NULL && (*pos = calloc(len, sizeof **pos)) == NULL)
        return nomem(L);
    coh_strmap seen;
    coh_strmap_init(&seen);
    coh_status st = COH_OK;
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        char ip[PATH_MAX_LEN];
        item_path(ip, sizeof ip, path, i);
        const char *v;
        if (it->type != YAML_SCALAR_NODE || is_null(it)) {
            st = wants(L, it, path, "a list of strings");
            break;
        }
        if ((st = scalar_text(L, it, ip, NAME_NONEMPTY, &v)) != COH_OK)
            break;
        size_t first;
        if (unique && coh_strmap_get(&seen, v, &first)) {
            char ex[64];
            coh_excerpt(v, strlen(v), ex, sizeof ex);
            coh_study_pos p = pos_of(seq_item(L, n, first));
            st = fail_at(L, COH_EPARSE, pos_of(it), "'%s' appears twice in '%s' (first at %zu:%zu)",
                         ex, path, p.line, p.column);
            break;
        }
        if (unique && coh_strmap_put(&seen, v, i) != COH_OK) {
            st = nomem(L);
            break;
        }
        if (((*items)[i] = coh_strdup(v)) == NULL)
            st = nomem(L);
        if (pos != NULL)
            (*pos)[i] = pos_of(it);
    }
    coh_strmap_free(&seen);
    return st;
}

/* ---- names unique within a section ---------------------------------- */

/* Records the names of one section's items, to report the second use of a
 * name with the position of the first. */
typedef struct name_set {
    coh_strmap map;
    const yaml_node_t **node; /* by index: the name's value node */
    size_t n;
} name_set;

static void name_set_free(name_set *ns)
{
    coh_strmap_free(&ns->map);
    free(ns->node);
}

/* Add the name `v` of an item of `section`, written at the node `at`. */
static coh_status name_set_add(const loader *L, name_set *ns, const char *section,
                               const char *v, const yaml_node_t *at)
{
    size_t first;
    if (coh_strmap_get(&ns->map, v, &first)) {
        char ex[64];
        coh_excerpt(v, strlen(v), ex, sizeof ex);
        coh_study_pos p = pos_of(ns->node[first]);
        return fail_at(L, COH_EPARSE, pos_of(at), "duplicate name '%s' in '%s' (first at %zu:%zu)",
                       ex, section, p.line, p.column);
    }
    const yaml_node_t **grown = realloc(ns->node, (ns->n + 1) * sizeof *grown);
    if (grown == NULL)
        return nomem(L);
    ns->node = grown;
    ns->node[ns->n] = at;
    if (coh_strmap_put(&ns->map, v, ns->n) != COH_OK)
        return nomem(L);
    ns->n++;
    return COH_OK;
}

/* Required `name` of the item `map` (at `path`, in `section`), checked by
 * `rule` and unique in `ns`. */
static coh_status item_name(const loader *L, const yaml_node_t *map, const char *path,
                            const char *section, name_rule rule, name_set *ns, char **out)
{
    yaml_node_t *v;
    coh_status st = require(L, map, path, "name", &v);
    if (st != COH_OK)
        return st;
    char kp[PATH_MAX_LEN];
    key_path(kp, sizeof kp, path, "name");
    if ((st = read_string(L, v, kp, rule, out)) != COH_OK)
        return st;
    return name_set_add(L, ns, section, *out, v);
}

/* The section `key` as a list: *len items, or an error naming it. */
static coh_status want_list(const loader *L, const yaml_node_t *n, const char *key, size_t *len)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return wants(L, n, key, "a list");
    *len = seq_len(n);
    return COH_OK;
}

/* ---- paths ---------------------------------------------------------- */

/* The folder of `file`: what comes before its last '/', "." when there is
 * none, "/" for a file at the root. */
static char *dir_of(const char *file)
{
    size_t n = strlen(file);
    while (n > 1 && file[n - 1] == '/')
        n--;
    while (n > 0 && file[n - 1] != '/')
        n--;
    if (n == 0)
        return coh_strdup(".");
    while (n > 1 && file[n - 1] == '/')
        n--;
    return coh_strndup(file, n);
}

/* `file` relative to `dir` (itself when absolute or when dir is "."). */
static char *resolve(const char *dir, const char *file)
{
    if (file[0] == '/' || strcmp(dir, ".") == 0)
        return coh_strdup(file);
    size_t nd = strlen(dir), nf = strlen(file);
    bool slash = dir[nd - 1] != '/';
    char *p = malloc(nd + slash + nf + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, nd);
    if (slash)
        p[nd] = '/';
    memcpy(p + nd + slash, file, nf + 1);
    return p;
}

/* ---- sections ------------------------------------------------------- */

static const char *const source_keys[] = {"name", "file", "table", "query", "select", "na", NULL};

static coh_status load_sources(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "sources", &len);
    if (st != COH_OK)
        return st;
    if (len == 0)
        return fail_at(L, COH_EPARSE, pos_of(n), "'sources' wants at least one source");
    if ((s->sources = calloc(len, sizeof *s->sources)) == NULL)
        return nomem(L);
    s->n_sources = len;
    name_set names = {0};
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_source *src = &s->sources[i];
        char path[PATH_MAX_LEN];
        item_path(path, sizeof path, "sources", i);
        if ((st = want_mapping(L, it, path, source_keys)) != COH_OK)
            break;
        src->pos = pos_of(it);
        if ((st = item_name(L, it, path, "sources", NAME_NONEMPTY, &names, &src->name)) != COH_OK ||
            (st = req_string(L, it, path, "file", NAME_NONEMPTY, &src->file, NULL)) != COH_OK ||
            (st = opt_string(L, it, path, "table", NAME_NONEMPTY, &src->table)) != COH_OK ||
            (st = opt_string(L, it, path, "query", NAME_NONEMPTY, &src->query)) != COH_OK ||
            (st = opt_string(L, it, path, "select", NAME_NONEMPTY, &src->select)) != COH_OK)
            break;
        if (src->table != NULL && src->query != NULL) {
            yaml_node_t *q;
            lookup(L, it, "query", &q);
            st = fail_at(L, COH_EPARSE, pos_of(q),
                         "'%s' has both 'table' and 'query': give one of them", path);
            break;
        }
        yaml_node_t *na = lookup(L, it, "na", NULL);
        if (na != NULL) {
            char kp[PATH_MAX_LEN];
            key_path(kp, sizeof kp, path, "na");
            if ((st = read_string_list(L, na, kp, false, false, &src->na, &src->n_na, NULL)) !=
                COH_OK)
                break;
        }
        if ((src->path = resolve(s->dir, src->file)) == NULL)
            st = nomem(L);
    }
    name_set_free(&names);
    return st;
}

static const char *const derive_keys[] = {"name", "expr", NULL};

static coh_status load_derive(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "derive", &len);
    if (st != COH_OK || len == 0)
        return st;
    if ((s->derive = calloc(len, sizeof *s->derive)) == NULL)
        return nomem(L);
    s->n_derive = len;
    name_set names = {0};
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_derive *d = &s->derive[i];
        char path[PATH_MAX_LEN];
        item_path(path, sizeof path, "derive", i);
        if ((st = want_mapping(L, it, path, derive_keys)) != COH_OK)
            break;
        d->pos = pos_of(it);
        if ((st = item_name(L, it, path, "derive", NAME_IDENT, &names, &d->name)) != COH_OK)
            break;
        st = req_string(L, it, path, "expr", NAME_NONEMPTY, &d->expr, NULL);
    }
    name_set_free(&names);
    return st;
}

static const char *const step_keys[] = {"include", "exclude", "when", NULL};

static coh_status load_steps(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "cohort.steps", &len);
    if (st != COH_OK || len == 0)
        return st;
    if ((s->steps = calloc(len, sizeof *s->steps)) == NULL)
        return nomem(L);
    s->n_steps = len;
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_step *step = &s->steps[i];
        char path[PATH_MAX_LEN];
        item_path(path, sizeof path, "cohort.steps", i);
        if ((st = want_mapping(L, it, path, step_keys)) != COH_OK)
            break;
        step->pos = pos_of(it);
        yaml_node_t *ik, *ek;
        lookup(L, it, "include", &ik);
        lookup(L, it, "exclude", &ek);
        if (ik != NULL && ek != NULL) {
            const yaml_node_t *second = ik->start_mark.index > ek->start_mark.index ? ik : ek;
            st = fail_at(L, COH_EPARSE, pos_of(second),
                         "'%s' has both 'include' and 'exclude': a step is one of them", path);
            break;
        }
        if (ik == NULL && ek == NULL) {
            st = fail_at(L, COH_EPARSE, pos_of(it),
                         "'%s' needs 'include' or 'exclude' (the step's label)", path);
            break;
        }
        step->include = ik != NULL;
        if ((st = req_string(L, it, path, step->include ? "include" : "exclude", NAME_NONEMPTY,
                             &step->label, NULL)) != COH_OK)
            break;
        st = req_string(L, it, path, "when", NAME_NONEMPTY, &step->when, NULL);
    }
    return st;
}

static const char *const groups_keys[] = {"variable", "label", "order", NULL};
static const char *const cohort_keys[] = {"steps", "groups", NULL};

static coh_status load_cohort(const loader *L, coh_study *s, const yaml_node_t *n)
{
    coh_status st = want_mapping(L, n, "cohort", cohort_keys);
    if (st != COH_OK)
        return st;
    yaml_node_t *steps = lookup(L, n, "steps", NULL);
    if (steps != NULL && (st = load_steps(L, s, steps)) != COH_OK)
        return st;
    yaml_node_t *g = lookup(L, n, "groups", NULL);
    if (g == NULL)
        return COH_OK;
    if ((st = want_mapping(L, g, "cohort.groups", groups_keys)) != COH_OK ||
        (st = req_string(L, g, "cohort.groups", "variable", NAME_NONEMPTY, &s->group_var,
                         &s->group_pos)) != COH_OK ||
        (st = opt_string(L, g, "cohort.groups", "label", NAME_TEXT, &s->group_label)) != COH_OK)
        return st;
    yaml_node_t *order = lookup(L, g, "order", NULL);
    if (order != NULL)
        st = read_string_list(L, order, "cohort.groups.order", false, true, &s->group_order,
                              &s->n_group_order, NULL);
    return st;
}

static const char *const variable_keys[] = {"label", "unit", "type", "digits", "levels",
                                            "reference", NULL};
static const word kind_words[] = {{"auto", COH_TABONE_AUTO},
                                  {"categorical", COH_TABONE_CATEGORICAL},
                                  {"continuous", COH_TABONE_CONTINUOUS},
                                  {NULL, 0}};

/* `levels`: a list of values, or a mapping value -> label (order kept). */
static coh_status load_levels(const loader *L, coh_study_variable *v, const yaml_node_t *n,
                              const char *path)
{
    coh_status st;
    if (n->type == YAML_SEQUENCE_NODE) {
        if ((st = read_string_list(L, n, path, true, true, &v->levels, &v->n_levels, NULL)) !=
            COH_OK)
            return st;
        if ((v->level_labels = calloc(v->n_levels, sizeof *v->level_labels)) == NULL)
            return nomem(L);
        return COH_OK;
    }
    if (n->type != YAML_MAPPING_NODE)
        return wants(L, n, path, "a list of values or a mapping of value: label");
    if ((st = check_keys(L, n, path, NULL)) != COH_OK)
        return st;
    size_t len = map_len(n);
    if (len == 0)
        return fail_at(L, COH_EPARSE, pos_of(n), "'%s' is empty", path);
    if ((v->levels = calloc(len, sizeof *v->levels)) == NULL ||
        (v->level_labels = calloc(len, sizeof *v->level_labels)) == NULL)
        return nomem(L);
    v->n_levels = len;
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *k = map_key(L, n, i), *lab = map_value(L, n, i);
        char kp[PATH_MAX_LEN];
        if ((st = read_key_name(L, k, path, &v->levels[i])) != COH_OK)
            return st;
        key_path(kp, sizeof kp, path, v->levels[i]);
        if (is_null(lab))
            continue; /* no label: the value is shown */
        if ((st = read_string(L, lab, kp, NAME_TEXT, &v->level_labels[i])) != COH_OK)
            return st;
    }
    return COH_OK;
}

static coh_status load_variable(const loader *L, coh_study_variable *v, const yaml_node_t *k,
                                const yaml_node_t *n)
{
    coh_status st = read_key_name(L, k, "variables", &v->name);
    if (st != COH_OK)
        return st;
    v->pos = pos_of(k);
    v->kind = COH_TABONE_AUTO;
    v->digits = -1;
    if (is_null(n))
        return COH_OK; /* declared with every default */
    char path[PATH_MAX_LEN];
    key_path(path, sizeof path, "variables", v->name);
    int kind = (int)v->kind;
    if ((st = want_mapping(L, n, path, variable_keys)) != COH_OK ||
        (st = opt_string(L, n, path, "label", NAME_TEXT, &v->label)) != COH_OK ||
        (st = opt_string(L, n, path, "unit", NAME_TEXT, &v->unit)) != COH_OK ||
        (st = opt_word(L, n, path, "type", kind_words, &kind)) != COH_OK ||
        (st = opt_int(L, n, path, "digits", 0, 10, &v->digits)) != COH_OK)
        return st;
    v->kind = (coh_tabone_kind)kind;
    char kp[PATH_MAX_LEN];
    yaml_node_t *lv = lookup(L, n, "levels", NULL);
    if (lv != NULL) {
        key_path(kp, sizeof kp, path, "levels");
        if ((st = load_levels(L, v, lv, kp)) != COH_OK)
            return st;
    }
    yaml_node_t *ref = lookup(L, n, "reference", NULL);
    if (ref != NULL) {
        key_path(kp, sizeof kp, path, "reference");
        if ((st = read_string(L, ref, kp, NAME_NONEMPTY, &v->reference)) != COH_OK)
            return st;
    }
    if (v->kind == COH_TABONE_CONTINUOUS && (lv != NULL || ref != NULL)) {
        const yaml_node_t *at = lv != NULL ? lv : ref;
        return fail_at(L, COH_EPARSE, pos_of(at),
                       "'%s' has 'type: continuous': 'levels' and 'reference' are for "
                       "categorical variables",
                       path);
    }
    if (v->reference != NULL && v->n_levels > 0) {
        bool found = false;
        for (size_t i = 0; i < v->n_levels && !found; i++)
            found = strcmp(v->levels[i], v->reference) == 0;
        if (!found) {
            char ex[64], list[400];
            coh_excerpt(v->reference, strlen(v->reference), ex, sizeof ex);
            join_words((const char *const *)v->levels, v->n_levels, list, sizeof list);
            return fail_at(L, COH_EPARSE, pos_of(ref),
                           "'%s' is '%s', which is not one of its levels (%s)", kp, ex, list);
        }
    }
    return COH_OK;
}

static coh_status load_variables(const loader *L, coh_study *s, const yaml_node_t *n)
{
    coh_status st = want_mapping(L, n, "variables", NULL);
    size_t len = st == COH_OK ? map_len(n) : 0;
    if (st != COH_OK || len == 0)
        return st;
    if ((s->vars = calloc(len, sizeof *s->vars)) == NULL)
        return nomem(L);
    s->n_vars = len;
    for (size_t i = 0; i < len && st == COH_OK; i++)
        st = load_variable(L, &s->vars[i], map_key(L, n, i), map_value(L, n, i));
    return st;
}

static const char *const table_keys[] = {"name",    "title", "by",   "where", "subgroup",
                                         "overall", "smd",   "rows", NULL};
static const char *const row_keys[] = {"section", NULL};

static coh_status load_rows(const loader *L, coh_study_table *t, const yaml_node_t *n,
                            const char *path)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return wants(L, n, path, "a list of variable names and {section: heading}");
    size_t len = seq_len(n);
    if (len == 0)
        return fail_at(L, COH_EPARSE, pos_of(n), "'%s' is empty", path);
    if ((t->rows = calloc(len, sizeof *t->rows)) == NULL)
        return nomem(L);
    t->n_rows = len;
    coh_strmap seen;
    coh_strmap_init(&seen);
    coh_status st = COH_OK;
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_table_row *row = &t->rows[i];
        char ip[PATH_MAX_LEN];
        item_path(ip, sizeof ip, path, i);
        row->pos = pos_of(it);
        if (it->type == YAML_MAPPING_NODE) {
            if ((st = check_keys(L, it, ip, row_keys)) == COH_OK)
                st = req_string(L, it, ip, "section", NAME_NONEMPTY, &row->section, NULL);
            continue;
        }
        if (it->type != YAML_SCALAR_NODE || is_null(it)) {
            st = wants(L, it, ip, "a variable name or {section: heading}");
            break;
        }
        if ((st = read_string(L, it, ip, NAME_NONEMPTY, &row->variable)) != COH_OK)
            break;
        size_t first;
        if (coh_strmap_get(&seen, row->variable, &first)) {
            char ex[64];
            coh_excerpt(row->variable, strlen(row->variable), ex, sizeof ex);
            st = fail_at(L, COH_EPARSE, row->pos, "'%s' appears twice in '%s' (first at %zu:%zu)",
                         ex, path, t->rows[first].pos.line, t->rows[first].pos.column);
            break;
        }
        if (coh_strmap_put(&seen, row->variable, i) != COH_OK)
            st = nomem(L);
    }
    coh_strmap_free(&seen);
    return st;
}

static coh_status load_tables(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "tables", &len);
    if (st != COH_OK || len == 0)
        return st;
    if ((s->tables = calloc(len, sizeof *s->tables)) == NULL)
        return nomem(L);
    s->n_tables = len;
    for (size_t i = 0; i < len; i++)
        s->tables[i].overall = true;
    name_set names = {0};
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_table *t = &s->tables[i];
        char path[PATH_MAX_LEN], kp[PATH_MAX_LEN];
        item_path(path, sizeof path, "tables", i);
        if ((st = want_mapping(L, it, path, table_keys)) != COH_OK)
            break;
        t->pos = pos_of(it);
        yaml_node_t *rows;
        if ((st = item_name(L, it, path, "tables", NAME_FILE, &names, &t->name)) != COH_OK ||
            (st = opt_string(L, it, path, "title", NAME_TEXT, &t->title)) != COH_OK ||
            (st = opt_string(L, it, path, "by", NAME_NONEMPTY, &t->by)) != COH_OK ||
            (st = opt_string(L, it, path, "where", NAME_NONEMPTY, &t->where)) != COH_OK ||
            (st = opt_subgroup(L, it, path, t->where, &t->subgroup)) != COH_OK ||
            (st = opt_bool(L, it, path, "overall", &t->overall)) != COH_OK ||
            (st = opt_bool(L, it, path, "smd", &t->smd)) != COH_OK ||
            (st = require(L, it, path, "rows", &rows)) != COH_OK)
            break;
        key_path(kp, sizeof kp, path, "rows");
        st = load_rows(L, t, rows, kp);
    }
    name_set_free(&names);
    return st;
}

static const char *const endpoint_keys[] = {"label", "time", "event", "unit", NULL};

static coh_status load_endpoints(const loader *L, coh_study *s, const yaml_node_t *n)
{
    coh_status st = want_mapping(L, n, "endpoints", NULL);
    size_t len = st == COH_OK ? map_len(n) : 0;
    if (st != COH_OK || len == 0)
        return st;
    if ((s->endpoints = calloc(len, sizeof *s->endpoints)) == NULL)
        return nomem(L);
    s->n_endpoints = len;
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *k = map_key(L, n, i), *v = map_value(L, n, i);
        coh_study_endpoint *e = &s->endpoints[i];
        if ((st = read_key_name(L, k, "endpoints", &e->name)) != COH_OK)
            break;
        e->pos = pos_of(k);
        char path[PATH_MAX_LEN];
        key_path(path, sizeof path, "endpoints", e->name);
        if (is_null(v)) {
            st = fail_at(L, COH_EPARSE, e->pos, "'%s' needs 'time' and 'event'", path);
            break;
        }
        if ((st = want_mapping(L, v, path, endpoint_keys)) != COH_OK ||
            (st = opt_string(L, v, path, "label", NAME_TEXT, &e->label)) != COH_OK ||
            (st = req_string(L, v, path, "time", NAME_NONEMPTY, &e->time, &e->time_pos)) !=
                COH_OK ||
            (st = req_string(L, v, path, "event", NAME_NONEMPTY, &e->event, &e->event_pos)) !=
                COH_OK)
            break;
        st = opt_string(L, v, path, "unit", NAME_TEXT, &e->unit);
    }
    return st;
}

static const char *const km_keys[] = {"name",     "endpoint", "title",     "by",
                                      "where",    "subgroup", "times",     "followup",
                                      "ci",       "median_ci", "x_max",    "x_step",
                                      NULL};
static const word median_ci_words[] = {{"brookmeyer-crowley", 0}, {"spss", 1}, {NULL, 0}};

static coh_status load_survival(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "survival", &len);
    if (st != COH_OK || len == 0)
        return st;
    if ((s->km = calloc(len, sizeof *s->km)) == NULL)
        return nomem(L);
    s->n_km = len;
    for (size_t i = 0; i < len; i++) {
        s->km[i].followup = true;
        s->km[i].median_ci = -1; /* the study's option */
        s->km[i].x_max = NAN;
        s->km[i].x_step = NAN;
    }
    name_set names = {0};
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_km *k = &s->km[i];
        char path[PATH_MAX_LEN];
        item_path(path, sizeof path, "survival", i);
        if ((st = want_mapping(L, it, path, km_keys)) != COH_OK)
            break;
        k->pos = pos_of(it);
        if ((st = item_name(L, it, path, "survival", NAME_FILE, &names, &k->name)) != COH_OK ||
            (st = req_string(L, it, path, "endpoint", NAME_NONEMPTY, &k->endpoint, NULL)) !=
                COH_OK ||
            (st = opt_string(L, it, path, "title", NAME_TEXT, &k->title)) != COH_OK ||
            (st = opt_string(L, it, path, "by", NAME_NONEMPTY, &k->by)) != COH_OK ||
            (st = opt_string(L, it, path, "where", NAME_NONEMPTY, &k->where)) != COH_OK ||
            (st = opt_subgroup(L, it, path, k->where, &k->subgroup)) != COH_OK ||
            (st = opt_bool(L, it, path, "followup", &k->followup)) != COH_OK ||
            (st = opt_bool(L, it, path, "ci", &k->ci)) != COH_OK ||
            (st = opt_word(L, it, path, "median_ci", median_ci_words, &k->median_ci)) != COH_OK ||
            (st = opt_number(L, it, path, "x_max", 0, true, 1e12, false, &k->x_max)) != COH_OK ||
            (st = opt_number(L, it, path, "x_step", 0, true, 1e12, false, &k->x_step)) != COH_OK)
            break;
        if (!isnan(k->x_max) && !isnan(k->x_step) && k->x_max / k->x_step > 200) {
            st = fail_at(L, COH_EPARSE, pos_of(lookup(L, it, "x_step", NULL)),
                         "'%s.x_step' %g gives more than 200 ticks up to x_max %g", path,
                         k->x_step, k->x_max);
            break;
        }
        yaml_node_t *times = lookup(L, it, "times", NULL);
        if (times == NULL)
            continue;
        char kp[PATH_MAX_LEN];
        key_path(kp, sizeof kp, path, "times");
        const char *want = "a list of numbers >= 0";
        if (times->type != YAML_SEQUENCE_NODE) {
            st = wants(L, times, kp, want);
            break;
        }
        size_t nt = seq_len(times);
        if (nt == 0)
            continue;
        if ((k->times = calloc(nt, sizeof *k->times)) == NULL) {
            st = nomem(L);
            break;
        }
        k->n_times = nt;
        for (size_t j = 0; j < nt && st == COH_OK; j++) {
            const yaml_node_t *t = seq_item(L, times, j);
            if ((st = read_number(L, t, kp, want, &k->times[j])) == COH_OK && k->times[j] < 0)
                st = wants(L, t, kp, want);
        }
    }
    name_set_free(&names);
    return st;
}

static const char *const cox_keys[] = {"name",  "endpoint",    "title",  "where",
                                       "subgroup", "terms", "univariable", "select",
                                       "entry", "stay",  NULL};
static const word select_words[] = {{"none", COH_SELECT_NONE},
                                    {"backward", COH_SELECT_BACKWARD},
                                    {"forward", COH_SELECT_FORWARD},
                                    {"stepwise", COH_SELECT_STEPWISE},
                                    {NULL, 0}};

/* A Cox model's terms: variable names, unique, with {section: heading}
 * items between them (a heading row of the model's table before the next
 * term; none may end the list). */
static coh_status load_terms(const loader *L, coh_study_cox *c, const yaml_node_t *n,
                             const char *path)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return wants(L, n, path, "a list of variable names and {section: heading}");
    size_t len = seq_len(n), n_terms = 0;
    for (size_t i = 0; i < len; i++)
        n_terms += seq_item(L, n, i)->type != YAML_MAPPING_NODE;
    if (n_terms == 0)
        return fail_at(L, COH_EPARSE, pos_of(n), "'%s' has no term", path);
    if ((c->terms = calloc(n_terms, sizeof *c->terms)) == NULL ||
        (c->term_pos = calloc(n_terms, sizeof *c->term_pos)) == NULL ||
        (c->term_section = calloc(n_terms, sizeof *c->term_section)) == NULL)
        return nomem(L);
    coh_strmap seen;
    coh_strmap_init(&seen);
    coh_status st = COH_OK;
    char *section = NULL;
    coh_study_pos section_pos = {0, 0};
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        char ip[PATH_MAX_LEN];
        item_path(ip, sizeof ip, path, i);
        if (it->type == YAML_MAPPING_NODE) {
            if ((st = check_keys(L, it, ip, row_keys)) != COH_OK)
                break;
            if (section != NULL) {
                st = fail_at(L, COH_EPARSE, pos_of(it),
                             "'%s': two sections in a row (the first at %zu:%zu has no term)",
                             ip, section_pos.line, section_pos.column);
                break;
            }
            section_pos = pos_of(it);
            st = req_string(L, it, ip, "section", NAME_NONEMPTY, &section, NULL);
            continue;
        }
        if (it->type != YAML_SCALAR_NODE || is_null(it)) {
            st = wants(L, it, ip, "a variable name or {section: heading}");
            break;
        }
        size_t k = c->n_terms;
        c->term_pos[k] = pos_of(it);
        if ((st = read_string(L, it, ip, NAME_NONEMPTY, &c->terms[k])) != COH_OK)
            break;
        c->n_terms++;
        c->term_section[k] = section;
        section = NULL;
        size_t first;
        if (coh_strmap_get(&seen, c->terms[k], &first)) {
            char ex[64];
            coh_excerpt(c->terms[k], strlen(c->terms[k]), ex, sizeof ex);
            st = fail_at(L, COH_EPARSE, c->term_pos[k],
                         "'%s' appears twice in '%s' (first at %zu:%zu)", ex, path,
                         c->term_pos[first].line, c->term_pos[first].column);
            break;
        }
        if (coh_strmap_put(&seen, c->terms[k], k) != COH_OK)
            st = nomem(L);
    }
    if (st == COH_OK && section != NULL)
        st = fail_at(L, COH_EPARSE, section_pos, "'%s': the last section has no term after it",
                     path);
    free(section);
    coh_strmap_free(&seen);
    return st;
}

static coh_status load_cox(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "cox", &len);
    if (st != COH_OK || len == 0)
        return st;
    if ((s->cox = calloc(len, sizeof *s->cox)) == NULL)
        return nomem(L);
    s->n_cox = len;
    for (size_t i = 0; i < len; i++) {
        s->cox[i].univariable = true;
        s->cox[i].method = COH_SELECT_NONE;
        s->cox[i].entry = NAN;
        s->cox[i].stay = 0.2;
    }
    name_set names = {0};
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_cox *c = &s->cox[i];
        char path[PATH_MAX_LEN], kp[PATH_MAX_LEN];
        item_path(path, sizeof path, "cox", i);
        if ((st = want_mapping(L, it, path, cox_keys)) != COH_OK)
            break;
        c->pos = pos_of(it);
        int method = (int)c->method;
        yaml_node_t *terms;
        if ((st = item_name(L, it, path, "cox", NAME_FILE, &names, &c->name)) != COH_OK ||
            (st = req_string(L, it, path, "endpoint", NAME_NONEMPTY, &c->endpoint, NULL)) !=
                COH_OK ||
            (st = opt_string(L, it, path, "title", NAME_TEXT, &c->title)) != COH_OK ||
            (st = opt_string(L, it, path, "where", NAME_NONEMPTY, &c->where)) != COH_OK ||
            (st = opt_subgroup(L, it, path, c->where, &c->subgroup)) != COH_OK ||
            (st = require(L, it, path, "terms", &terms)) != COH_OK)
            break;
        key_path(kp, sizeof kp, path, "terms");
        if ((st = load_terms(L, c, terms, kp)) != COH_OK ||
            (st = opt_bool(L, it, path, "univariable", &c->univariable)) != COH_OK ||
            (st = opt_word(L, it, path, "select", select_words, &method)) != COH_OK ||
            (st = opt_number(L, it, path, "entry", 0, true, 1, false, &c->entry)) != COH_OK ||
            (st = opt_number(L, it, path, "stay", 0, true, 1, false, &c->stay)) != COH_OK)
            break;
        c->method = (coh_select_method)method;
        c->select = c->method != COH_SELECT_NONE;
    }
    name_set_free(&names);
    return st;
}

static const char *const option_keys[] = {
    "ties",  "conf_type", "conf_level", "median_ci", "test",     "tests",       "continuous_test",
    "mw_continuity", "summary", "digits", "p_digits", "select_test", "screen_rows", NULL};
static const word ties_words[] = {{"efron", COH_TIES_EFRON}, {"breslow", COH_TIES_BRESLOW},
                                  {NULL, 0}};
static const word conf_words[] = {{"log", COH_CONF_LOG},       {"log-log", COH_CONF_LOGLOG},
                                  {"plain", COH_CONF_PLAIN},   {"logit", COH_CONF_LOGIT},
                                  {"arcsin", COH_CONF_ARCSIN}, {"none", COH_CONF_NONE},
                                  {NULL, 0}};
static const word test_words[] = {{"logrank", COH_TEST_LOGRANK},
                                  {"peto", COH_TEST_PETO},
                                  {"gehan", COH_TEST_GEHAN},
                                  {"tarone-ware", COH_TEST_TARONE_WARE},
                                  {NULL, 0}};
static const word cat_test_words[] = {{"auto", COH_TABONE_CAT_AUTO},
                                      {"pearson", COH_TABONE_CAT_PEARSON},
                                      {"yates", COH_TABONE_CAT_YATES},
                                      {"fisher", COH_TABONE_CAT_FISHER},
                                      {"none", COH_TABONE_CAT_NONE},
                                      {NULL, 0}};
static const word cont_test_words[] = {{"rank", COH_TABONE_CONT_RANK},
                                       {"welch", COH_TABONE_CONT_WELCH},
                                       {"student", COH_TABONE_CONT_STUDENT},
                                       {"none", COH_TABONE_CONT_NONE},
                                       {NULL, 0}};
static const word summary_words[] = {{"median-iqr", COH_TABONE_MEDIAN_IQR},
                                     {"mean-sd", COH_TABONE_MEAN_SD},
                                     {"both", COH_TABONE_BOTH},
                                     {NULL, 0}};
static const word select_test_words[] = {{"wald", COH_SELECT_WALD}, {"lr", COH_SELECT_LR},
                                         {NULL, 0}};
static const word screen_rows_words[] = {{"available", COH_SCREEN_AVAILABLE},
                                         {"complete", COH_SCREEN_COMPLETE},
                                         {NULL, 0}};

static coh_status load_options(const loader *L, coh_study_options *o, const yaml_node_t *n)
{
    const char *p = "options";
    coh_status st = want_mapping(L, n, p, option_keys);
    int ties = (int)o->ties, conf = (int)o->conf_type, spss = o->median_ci_spss,
        test = (int)o->test, cat = (int)o->cat_test, cont = (int)o->cont_test,
        summary = (int)o->summary, sel = (int)o->select_test, rows = (int)o->screen_rows;
    if (st != COH_OK || (st = opt_word(L, n, p, "ties", ties_words, &ties)) != COH_OK ||
        (st = opt_word(L, n, p, "conf_type", conf_words, &conf)) != COH_OK ||
        (st = opt_number(L, n, p, "conf_level", 0, true, 1, true, &o->conf_level)) != COH_OK ||
        (st = opt_word(L, n, p, "median_ci", median_ci_words, &spss)) != COH_OK ||
        (st = opt_word(L, n, p, "test", test_words, &test)) != COH_OK ||
        (st = opt_word(L, n, p, "tests", cat_test_words, &cat)) != COH_OK ||
        (st = opt_word(L, n, p, "continuous_test", cont_test_words, &cont)) != COH_OK ||
        (st = opt_bool(L, n, p, "mw_continuity", &o->mw_continuity)) != COH_OK ||
        (st = opt_word(L, n, p, "summary", summary_words, &summary)) != COH_OK ||
        (st = opt_int(L, n, p, "digits", 0, 10, &o->digits)) != COH_OK ||
        (st = opt_int(L, n, p, "p_digits", 1, 6, &o->p_digits)) != COH_OK ||
        (st = opt_word(L, n, p, "select_test", select_test_words, &sel)) != COH_OK ||
        (st = opt_word(L, n, p, "screen_rows", screen_rows_words, &rows)) != COH_OK)
        return st;
    o->ties = (coh_ties)ties;
    o->conf_type = (coh_conf_type)conf;
    o->median_ci_spss = spss != 0;
    o->test = (coh_test_kind)test;
    o->cat_test = (coh_tabone_cat_test)cat;
    o->cont_test = (coh_tabone_cont_test)cont;
    o->summary = (coh_tabone_summary)summary;
    o->select_test = (coh_select_test)sel;
    o->screen_rows = (coh_screen_rows)rows;
    return COH_OK;
}

/* ---- the whole file ------------------------------------------------- */

static void set_defaults(coh_study_options *o)
{
    o->ties = COH_TIES_EFRON;
    o->conf_type = COH_CONF_LOG;
    o->conf_level = 0.95;
    o->median_ci_spss = false;
    o->test = COH_TEST_LOGRANK;
    o->cat_test = COH_TABONE_CAT_AUTO;
    o->cont_test = COH_TABONE_CONT_RANK;
    o->mw_continuity = true;
    o->summary = COH_TABONE_MEDIAN_IQR;
    o->digits = 1;
    o->p_digits = 2;
    o->select_test = COH_SELECT_WALD;
    o->screen_rows = COH_SCREEN_AVAILABLE;
}

/* Each analysis of `section` (survival or cox) names a defined endpoint;
 * the error points at the `endpoint` value. */
static coh_status check_endpoints(const loader *L, const coh_study *s, const yaml_node_t *root,
                                  const char *section)
{
    const yaml_node_t *list = lookup(L, root, section, NULL);
    if (list == NULL)
        return COH_OK;
    for (size_t i = 0; i < seq_len(list); i++) {
        const yaml_node_t *v = lookup(L, seq_item(L, list, i), "endpoint", NULL);
        const char *name = text_of(v);
        bool found = false;
        for (size_t e = 0; e < s->n_endpoints && !found; e++)
            found = strcmp(s->endpoints[e].name, name) == 0;
        if (found)
            continue;
        char path[PATH_MAX_LEN], ex[64], list_text[400] = "";
        item_path(path, sizeof path, section, i);
        coh_excerpt(name, strlen(name), ex, sizeof ex);
        size_t used = 0;
        for (size_t e = 0; e < s->n_endpoints && used < sizeof list_text; e++) {
            int k = snprintf(list_text + used, sizeof list_text - used, "%s%s", e ? ", " : "",
                             s->endpoints[e].name);
            used += k > 0 ? (size_t)k : 0;
        }
        if (s->n_endpoints == 0)
            return fail_at(L, COH_EPARSE, pos_of(v),
                           "'%s.endpoint': unknown endpoint '%s' (the file defines no "
                           "'endpoints')",
                           path, ex);
        return fail_at(L, COH_EPARSE, pos_of(v),
                       "'%s.endpoint': unknown endpoint '%s' (endpoints: %s)", path, ex,
                       list_text);
    }
    return COH_OK;
}

static const char *const top_keys[] = {"study",     "title",    "description", "sources",
                                       "derive",    "cohort",   "variables",   "tables",
                                       "endpoints", "survival", "cox",         "options",
                                       "published", "published_note", NULL};

static const char *const published_keys[] = {"label",  "published", "value",  "lower",   "upper",
                                             "digits", "scale",     "format", "optional", NULL};
static const word format_words[] = {{"number", 0}, {"p", 1}, {NULL, 0}};

static coh_status load_published(const loader *L, coh_study *s, const yaml_node_t *n)
{
    size_t len = 0;
    coh_status st = want_list(L, n, "published", &len);
    if (st != COH_OK || len == 0)
        return st;
    if ((s->published = calloc(len, sizeof *s->published)) == NULL)
        return nomem(L);
    s->n_published = len;
    for (size_t i = 0; i < len; i++) {
        s->published[i].digits = 2;
        s->published[i].scale = 1;
    }
    for (size_t i = 0; i < len && st == COH_OK; i++) {
        const yaml_node_t *it = seq_item(L, n, i);
        coh_study_published *p = &s->published[i];
        char path[PATH_MAX_LEN];
        item_path(path, sizeof path, "published", i);
        if ((st = want_mapping(L, it, path, published_keys)) != COH_OK)
            break;
        p->pos = pos_of(it);
        if ((st = req_string(L, it, path, "label", NAME_NONEMPTY, &p->label, NULL)) != COH_OK ||
            (st = req_string(L, it, path, "published", NAME_NONEMPTY, &p->published, NULL)) !=
                COH_OK ||
            (st = req_string(L, it, path, "value", NAME_NONEMPTY, &p->value, NULL)) != COH_OK ||
            (st = opt_string(L, it, path, "lower", NAME_NONEMPTY, &p->lower)) != COH_OK ||
            (st = opt_string(L, it, path, "upper", NAME_NONEMPTY, &p->upper)) != COH_OK ||
            (st = opt_int(L, it, path, "digits", 0, 6, &p->digits)) != COH_OK ||
            (st = opt_number(L, it, path, "scale", 0, true, 1e9, false, &p->scale)) != COH_OK)
            break;
        int fmt = 0;
        if ((st = opt_word(L, it, path, "format", format_words, &fmt)) != COH_OK ||
            (st = opt_bool(L, it, path, "optional", &p->optional)) != COH_OK)
            break;
        p->p_value = fmt == 1;
        if (p->p_value && (p->lower != NULL || p->upper != NULL ||
                           lookup(L, it, "scale", NULL) != NULL ||
                           lookup(L, it, "digits", NULL) != NULL)) {
            st = fail_at(L, COH_EPARSE, p->pos,
                         "'%s' has 'format: p': a p-value is shown as the report's p-values, "
                         "without 'lower', 'upper', 'scale' or 'digits'", path);
            break;
        }
    }
    return st;
}

/* The files of tables/ are one namespace: a descriptive table NAME, a
 * survival analysis's km_NAME and a Cox model's cox_NAME must not name
 * the same file (one would overwrite the other). */
static coh_status check_table_files(const loader *L, const coh_study *s)
{
    size_t n = s->n_tables + s->n_km + s->n_cox;
    char **names = calloc(n ? n : 1, sizeof *names);
    const char **what = calloc(n ? n : 1, sizeof *what);
    const coh_study_pos **pos = calloc(n ? n : 1, sizeof *pos);
    coh_strmap seen;
    coh_strmap_init(&seen);
    coh_status st = COH_OK;
    if (names == NULL || what == NULL || pos == NULL)
        st = nomem(L);
    size_t k = 0;
    for (size_t i = 0; st == COH_OK && i < n; i++, k++) {
        const char *name, *prefix;
        if (i < s->n_tables) {
            name = s->tables[i].name, prefix = "", what[k] = "table", pos[k] = &s->tables[i].pos;
        } else if (i < s->n_tables + s->n_km) {
            const coh_study_km *a = &s->km[i - s->n_tables];
            name = a->name, prefix = "km_", what[k] = "survival", pos[k] = &a->pos;
        } else {
            const coh_study_cox *c = &s->cox[i - s->n_tables - s->n_km];
            name = c->name, prefix = "cox_", what[k] = "cox", pos[k] = &c->pos;
        }
        size_t len = strlen(prefix) + strlen(name) + 1;
        if ((names[k] = malloc(len)) == NULL) {
            st = nomem(L);
            break;
        }
        snprintf(names[k], len, "%s%s", prefix, name);
        /* compared without case: macOS and Windows file systems ignore it */
        for (char *q = names[k]; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q - 'A' + 'a');
        size_t first;
        if (coh_strmap_get(&seen, names[k], &first)) {
            st = fail_at(L, COH_EPARSE, *pos[k],
                         "%s '%s' writes tables/%s%s.csv, as %s '%s' does (at %zu:%zu); rename "
                         "one",
                         what[k], name, prefix, name, what[first],
                         first < s->n_tables ? s->tables[first].name
                         : first < s->n_tables + s->n_km ? s->km[first - s->n_tables].name
                                                         : s->cox[first - s->n_tables - s->n_km].name,
                         pos[first]->line, pos[first]->column);
            k++;
            break;
        }
        if (coh_strmap_put(&seen, names[k], k) != COH_OK)
            st = nomem(L);
    }
    for (size_t i = 0; i < k && names != NULL; i++)
        free(names[i]);
    free(names);
    free(what);
    free(pos);
    coh_strmap_free(&seen);
    return st;
}

/* Walk the root mapping: its keys, each section in the file's order, the
 * required keys, then the references between sections. */
static coh_status load_root(const loader *L, coh_study *s, const yaml_node_t *root)
{
    if (root->type != YAML_MAPPING_NODE) {
        char found[80];
        describe(root, found, sizeof found);
        return fail_at(L, COH_EPARSE, pos_of(root),
                       "a study file is a mapping of keys (study, sources, ...), found %s",
                       found);
    }
    coh_status st = check_keys(L, root, "", top_keys);
    for (size_t i = 0; i < map_len(root) && st == COH_OK; i++) {
        const char *key = text_of(map_key(L, root, i));
        const yaml_node_t *v = map_value(L, root, i);
        if (is_null(v))
            continue; /* as if absent; required keys are checked below */
        if (strcmp(key, "study") == 0)
            st = read_string(L, v, "study", NAME_FILE, &s->name);
        else if (strcmp(key, "title") == 0)
            st = read_string(L, v, "title", NAME_TEXT, &s->title);
        else if (strcmp(key, "description") == 0)
            st = read_string(L, v, "description", NAME_TEXT, &s->description);
        else if (strcmp(key, "sources") == 0)
            st = load_sources(L, s, v);
        else if (strcmp(key, "derive") == 0)
            st = load_derive(L, s, v);
        else if (strcmp(key, "cohort") == 0)
            st = load_cohort(L, s, v);
        else if (strcmp(key, "variables") == 0)
            st = load_variables(L, s, v);
        else if (strcmp(key, "tables") == 0)
            st = load_tables(L, s, v);
        else if (strcmp(key, "endpoints") == 0)
            st = load_endpoints(L, s, v);
        else if (strcmp(key, "survival") == 0)
            st = load_survival(L, s, v);
        else if (strcmp(key, "cox") == 0)
            st = load_cox(L, s, v);
        else if (strcmp(key, "options") == 0)
            st = load_options(L, &s->options, v);
        else if (strcmp(key, "published") == 0)
            st = load_published(L, s, v);
        else if (strcmp(key, "published_note") == 0)
            st = read_string(L, v, "published_note", NAME_TEXT, &s->published_note);
    }
    yaml_node_t *unused;
    if (st == COH_OK)
        st = require(L, root, "", "study", &unused);
    if (st == COH_OK)
        st = require(L, root, "", "sources", &unused);
    if (st == COH_OK)
        st = check_endpoints(L, s, root, "survival");
    if (st == COH_OK)
        st = check_endpoints(L, s, root, "cox");
    if (st == COH_OK)
        st = check_table_files(L, s);
    return st;
}

/* Line and column (1-based, columns in characters) of byte `offset` of
 * `text`, for libyaml's reader errors, which give only the offset. */
static coh_study_pos pos_of_offset(const char *text, size_t len, size_t offset)
{
    coh_study_pos p = {1, 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            p.line++;
            p.column = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            p.column++;
        }
    }
    return p;
}

/* The byte at 0-based `line` and character `column` of `text`, or 0. */
static char char_at(const char *text, size_t len, size_t line, size_t column)
{
    size_t i = 0;
    for (size_t l = 0; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (size_t c = 0; i < len && text[i] != '\n'; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80)
            continue;
        if (c++ == column)
            return text[i];
    }
    return 0;
}

/* The parser's error as "FILE:LINE:COL: YAML: problem (context at L:C)".
 * Bytes that are not UTF-8 are placed at the first bad byte (libyaml
 * gives the byte where it noticed); a tab where a token should start gets
 * a hint, since YAML does not indent with tabs. */
static coh_status yaml_failure(const loader *L, const yaml_parser_t *parser, const char *text,
                               size_t len)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return nomem(L);
    const char *problem = parser->problem != NULL ? parser->problem : "malformed input";
    if (parser->error == YAML_READER_ERROR) {
        size_t bad = coh_utf8_check(text, len);
        if (strstr(problem, "UTF-8") != NULL && bad < len)
            return fail_at(L, COH_EENCODING, pos_of_offset(text, len, bad),
                           "not valid UTF-8 (byte 0x%02X): the study file must be UTF-8 text",
                           (unsigned)(unsigned char)text[bad]);
        coh_study_pos p = pos_of_offset(text, len, parser->problem_offset);
        if (parser->problem_value >= 0)
            return fail_at(L, COH_EPARSE, p, "YAML: %s (byte 0x%02X)", problem,
                           (unsigned)parser->problem_value & 0xFFu);
        return fail_at(L, COH_EPARSE, p, "YAML: %s", problem);
    }
    coh_study_pos p = {parser->problem_mark.line + 1, parser->problem_mark.column + 1};
    const char *hint = char_at(text, len, parser->problem_mark.line,
                               parser->problem_mark.column) == '\t'
                           ? "; YAML indents with spaces, not tabs"
                           : "";
    if (parser->context != NULL)
        return fail_at(L, COH_EPARSE, p, "YAML: %s (%s at %zu:%zu)%s", problem, parser->context,
                       parser->context_mark.line + 1, parser->context_mark.column + 1, hint);
    return fail_at(L, COH_EPARSE, p, "YAML: %s%s", problem, hint);
}

/* The whole of `path` into a malloc'ed buffer (*len bytes, NUL after). */
static coh_status read_file(const char *path, char **text, size_t *len, coh_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return coh_error_set(err, COH_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    coh_status st = buf == NULL ? COH_ENOMEM : COH_OK;
    while (st == COH_OK) {
        if (cap - n < 2) {
            char *grown = realloc(buf, cap * 2);
            if (grown == NULL) {
                st = COH_ENOMEM;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (st == COH_OK && ferror(f))
        st = coh_error_set(err, COH_EIO, "%s: cannot read: %s", path, strerror(errno));
    else if (st == COH_ENOMEM)
        coh_error_set(err, COH_ENOMEM, "%s: out of memory", path);
    fclose(f);
    if (st != COH_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return COH_OK;
}

coh_status coh_study_load(const char *path, coh_study **out, coh_error *err)
{
    if (out == NULL)
        return coh_error_set(err, COH_EINVAL, "coh_study_load: no place for the result");
    *out = NULL;
    if (path == NULL)
        return coh_error_set(err, COH_EINVAL, "coh_study_load: no study file given");
    coh_error_clear(err);

    char *text = NULL;
    size_t len = 0;
    coh_status st = read_file(path, &text, &len, err);
    if (st != COH_OK)
        return st;

    coh_study *s = calloc(1, sizeof *s);
    if (s == NULL || (s->file = coh_strdup(path)) == NULL ||
        (s->dir = dir_of(path)) == NULL) {
        free(text);
        coh_study_free(s);
        return coh_error_set(err, COH_ENOMEM, "%s: out of memory", path);
    }
    set_defaults(&s->options);

    yaml_parser_t parser;
    yaml_document_t doc, extra;
    loader L = {path, &doc, err};
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        coh_study_free(s);
        return coh_error_set(err, COH_ENOMEM, "%s: out of memory", path);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        st = yaml_failure(&L, &parser, text, len);
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root == NULL) {
            coh_study_pos p = {1, 1};
            st = fail_at(&L, COH_EEMPTY, p,
                         "the study file is empty (it needs at least 'study' and 'sources')");
        } else {
            st = load_root(&L, s, root);
        }
        /* One document per file: a second one is an error, not ignored. */
        if (st == COH_OK) {
            if (!yaml_parser_load(&parser, &extra)) {
                st = yaml_failure(&L, &parser, text, len);
            } else {
                if (yaml_document_get_root_node(&extra) != NULL) {
                    coh_study_pos p = {extra.start_mark.line + 1, extra.start_mark.column + 1};
                    st = fail_at(&L, COH_EPARSE, p,
                                 "a study file holds one YAML document; a second one starts "
                                 "here");
                }
                yaml_document_delete(&extra);
            }
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    free(text);
    if (st != COH_OK) {
        coh_study_free(s);
        return st;
    }
    *out = s;
    return COH_OK;
}

static void free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void coh_study_free(coh_study *s)
{
    if (s == NULL)
        return;
    free(s->file);
    free(s->dir);
    free(s->name);
    free(s->title);
    free(s->description);
    for (size_t i = 0; i < s->n_published; i++) {
        coh_study_published *p = &s->published[i];
        free(p->label);
        free(p->published);
        free(p->value);
        free(p->lower);
        free(p->upper);
    }
    free(s->published);
    free(s->published_note);
    for (size_t i = 0; i < s->n_sources; i++) {
        coh_study_source *x = &s->sources[i];
        free(x->name);
        free(x->file);
        free(x->path);
        free(x->table);
        free(x->query);
        free(x->select);
        free_strings(x->na, x->n_na);
    }
    free(s->sources);
    for (size_t i = 0; i < s->n_derive; i++) {
        free(s->derive[i].name);
        free(s->derive[i].expr);
    }
    free(s->derive);
    for (size_t i = 0; i < s->n_steps; i++) {
        free(s->steps[i].label);
        free(s->steps[i].when);
    }
    free(s->steps);
    free(s->group_var);
    free(s->group_label);
    free_strings(s->group_order, s->n_group_order);
    for (size_t i = 0; i < s->n_vars; i++) {
        coh_study_variable *v = &s->vars[i];
        free(v->name);
        free(v->label);
        free(v->unit);
        free_strings(v->levels, v->n_levels);
        free_strings(v->level_labels, v->n_levels);
        free(v->reference);
    }
    free(s->vars);
    for (size_t i = 0; i < s->n_tables; i++) {
        coh_study_table *t = &s->tables[i];
        free(t->name);
        free(t->title);
        free(t->by);
        free(t->where);
        free(t->subgroup);
        for (size_t j = 0; j < t->n_rows; j++) {
            free(t->rows[j].section);
            free(t->rows[j].variable);
        }
        free(t->rows);
    }
    free(s->tables);
    for (size_t i = 0; i < s->n_endpoints; i++) {
        coh_study_endpoint *e = &s->endpoints[i];
        free(e->name);
        free(e->label);
        free(e->time);
        free(e->event);
        free(e->unit);
    }
    free(s->endpoints);
    for (size_t i = 0; i < s->n_km; i++) {
        free(s->km[i].name);
        free(s->km[i].title);
        free(s->km[i].endpoint);
        free(s->km[i].by);
        free(s->km[i].where);
        free(s->km[i].subgroup);
        free(s->km[i].times);
    }
    free(s->km);
    for (size_t i = 0; i < s->n_cox; i++) {
        coh_study_cox *c = &s->cox[i];
        free(c->name);
        free(c->title);
        free(c->endpoint);
        free(c->where);
        free(c->subgroup);
        free_strings(c->terms, c->n_terms);
        free_strings(c->term_section, c->n_terms);
        free(c->term_pos);
    }
    free(s->cox);
    free(s);
}
