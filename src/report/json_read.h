/* json_read.h - a small, strict JSON reader (header only, private to the
 * library and its tests): the study runner reads its own results.json back
 * for the "Published vs reproduced" table, and the golden tests compare
 * it with R.  Parse a
 * document into a tree and look values up by path.
 *
 *   json_node *root = json_parse(text, len, err, sizeof err);
 *   const json_node *v = json_get(root, "survival[0].groups[1].median.estimate");
 *   if (v != NULL && v->kind == JSON_NUMBER) ... v->number ...
 *   json_free(root);
 *
 * What it accepts is RFC 8259 and nothing more: one value (object, array,
 * string, number, true, false, null) with optional whitespace (space, tab,
 * CR, LF) around it; numbers by the JSON grammar (-?(0|[1-9][0-9]*)
 * (.[0-9]+)?([eE][+-]?[0-9]+)?, converted by strtod, so no NaN, Inf, hex,
 * leading "+" or "."); strings with the escapes \" \\ \/ \b \f \n \r \t
 * and \uXXXX (surrogate pairs joined, lone surrogates refused), stored as
 * UTF-8; raw bytes in strings must be valid UTF-8 and not control
 * characters.  Refused besides: trailing commas, comments, single quotes,
 * anything after the value, a key given twice in one object (results.json
 * must be unambiguous), nesting deeper than JSON_MAX_DEPTH, and a number
 * that overflows a double.  A refusal returns NULL and writes
 * "LINE:COLUMN: what" (1-based; the column counts bytes) into err.
 *
 * The tree: an object keeps its keys in document order (keys[i] names
 * items[i]); an array keeps its elements in items[]; a string's bytes are
 * in string (NUL-terminated, and string_len long: a \u0000 escape is kept
 * as a NUL byte inside).  Everything belongs to the root and is released
 * by json_free(root).
 *
 * Paths (json_get): keys separated by ".", array elements as [i] (0-based
 * decimal), e.g. "cox[0].zph.terms[2].p", "flow", "tables[0].table.rows",
 * or as [key=value], the first object of the array whose string member
 * `key` is `value` (which runs to the next "]"), e.g.
 * "cox[name=os].multivariable.coefficients[name=haip=HAIP].hr".
 * A key is the text up to the next "." or "["; keys holding those
 * characters cannot be reached this way (json_key can).  A path that does
 * not match the tree (a missing key, an index past the end, [i] on an
 * object, a key on an array, a malformed path) gives NULL.
 *
 * Header-only: every function is static inline, so a test that includes
 * it and uses part of it has no unused-function warnings.  Reentrant (no
 * file-scope state).
 */
#ifndef COHORT_TEST_JSON_READ_H
#define COHORT_TEST_JSON_READ_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

typedef enum json_kind {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_kind;

typedef struct json_node {
    json_kind kind;
    double number;            /* JSON_NUMBER */
    char *string;             /* JSON_STRING: UTF-8, NUL-terminated */
    size_t string_len;        /* its length in bytes (may hold NULs) */
    struct json_node **items; /* JSON_ARRAY: elements; JSON_OBJECT: values */
    char **keys;              /* JSON_OBJECT: keys[i] names items[i] */
    size_t *key_lens;         /* JSON_OBJECT: their lengths */
    size_t n;                 /* elements or members */
} json_node;

/* The parser's position and its first error. */
typedef struct json_parser_ {
    const char *text;
    size_t len, pos;
    char *err;
    size_t err_size;
    bool failed;
} json_parser_;

/* A growable byte buffer for strings. */
typedef struct json_buf_ {
    char *data;
    size_t len, cap;
} json_buf_;

static inline const char *json_kind_name(json_kind k)
{
    switch (k) {
    case JSON_NULL: return "null";
    case JSON_FALSE: return "false";
    case JSON_TRUE: return "true";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "?";
}

/* Release a tree (NULL is fine). */
static inline void json_free(json_node *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
    free(v->string);
    free(v);
}

/* Record the first error as "LINE:COLUMN: message" at byte `at`. */
static inline void json_fail_(json_parser_ *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (p->err == NULL || p->err_size == 0)
        return;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    int k = snprintf(p->err, p->err_size, "%zu:%zu: ", line, col);
    if (k < 0 || (size_t)k >= p->err_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->err_size - (size_t)k, fmt, ap);
    va_end(ap);
}

static inline void json_skip_ws_(json_parser_ *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static inline json_node *json_new_(json_parser_ *p, json_kind kind)
{
    json_node *v = calloc(1, sizeof *v);
    if (v == NULL)
        json_fail_(p, p->pos, "out of memory");
    else
        v->kind = kind;
    return v;
}

static inline bool json_buf_put_(json_parser_ *p, json_buf_ *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL) {
            json_fail_(p, p->pos, "out of memory");
            return false;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

/* Append code point cp as UTF-8. */
static inline bool json_buf_utf8_(json_parser_ *p, json_buf_ *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return json_buf_put_(p, b, u, n);
}

/* Four hex digits at p->pos (after "\u"); -1 when they are not. */
static inline long json_hex4_(json_parser_ *p)
{
    if (p->len - p->pos < 4)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        char c = p->text[p->pos + i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    p->pos += 4;
    return v;
}

/* Length of the valid UTF-8 sequence starting at s (n bytes left), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static inline size_t json_utf8_len_(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        k = 2, cp = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        k = 3, cp = c & 0x0Fu, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        k = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* A string, p->pos at its opening quote.  Returns the bytes (caller
 * frees) and their length, or NULL. */
static inline char *json_string_(json_parser_ *p, size_t *out_len)
{
    size_t start = p->pos;
    json_buf_ b = {NULL, 0, 0};
    p->pos++; /* the quote */
    if (!json_buf_put_(p, &b, "", 0))
        return NULL;
    for (;;) {
        if (p->pos >= p->len) {
            json_fail_(p, start, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)p->text[p->pos];
        if (c == '"') {
            p->pos++;
            *out_len = b.len;
            return b.data;
        }
        if (c < 0x20) {
            json_fail_(p, p->pos, "control character 0x%02X in a string (write it escaped)", c);
            break;
        }
        if (c != '\\') {
            size_t k = json_utf8_len_((const unsigned char *)p->text + p->pos, p->len - p->pos);
            if (k == 0) {
                json_fail_(p, p->pos, "not valid UTF-8 (byte 0x%02X)", c);
                break;
            }
            if (!json_buf_put_(p, &b, p->text + p->pos, k))
                break;
            p->pos += k;
            continue;
        }
        size_t esc = p->pos;
        p->pos++;
        if (p->pos >= p->len) {
            json_fail_(p, start, "unterminated string");
            break;
        }
        char e = p->text[p->pos++];
        const char *rep = NULL;
        switch (e) {
        case '"': rep = "\""; break;
        case '\\': rep = "\\"; break;
        case '/': rep = "/"; break;
        case 'b': rep = "\b"; break;
        case 'f': rep = "\f"; break;
        case 'n': rep = "\n"; break;
        case 'r': rep = "\r"; break;
        case 't': rep = "\t"; break;
        case 'u': break;
        default:
            json_fail_(p, esc, "unknown escape '\\%c'", e);
            free(b.data);
            return NULL;
        }
        if (rep != NULL) {
            if (!json_buf_put_(p, &b, rep, 1))
                break;
            continue;
        }
        long u = json_hex4_(p);
        if (u < 0) {
            json_fail_(p, esc, "\\u needs four hex digits");
            break;
        }
        uint32_t cp = (uint32_t)u;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            json_fail_(p, esc, "lone low surrogate \\u%04lX", u);
            break;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* a high surrogate must be followed by an escaped low one */
            long lo = -1;
            if (p->len - p->pos >= 2 && p->text[p->pos] == '\\' && p->text[p->pos + 1] == 'u') {
                p->pos += 2;
                lo = json_hex4_(p);
            }
            if (lo < 0xDC00 || lo > 0xDFFF) {
                json_fail_(p, esc, "high surrogate \\u%04lX without its low surrogate", u);
                break;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        }
        if (!json_buf_utf8_(p, &b, cp))
            break;
    }
    free(b.data);
    return NULL;
}

/* A number by JSON's grammar, converted with strtod. */
static inline json_node *json_number_(json_parser_ *p)
{
    size_t start = p->pos, i = p->pos;
    const char *t = p->text;
    if (i < p->len && t[i] == '-')
        i++;
    if (i < p->len && t[i] == '0') {
        i++;
    } else if (i < p->len && t[i] >= '1' && t[i] <= '9') {
        while (i < p->len && t[i] >= '0' && t[i] <= '9')
            i++;
    } else {
        json_fail_(p, start, "expected a value");
        return NULL;
    }
    if (i < p->len && t[i] == '.') {
        i++;
        if (i >= p->len || t[i] < '0' || t[i] > '9') {
            json_fail_(p, i, "a number needs digits after '.'");
            return NULL;
        }
        while (i < p->len && t[i] >= '0' && t[i] <= '9')
            i++;
    }
    if (i < p->len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < p->len && (t[i] == '+' || t[i] == '-'))
            i++;
        if (i >= p->len || t[i] < '0' || t[i] > '9') {
            json_fail_(p, i, "a number needs digits in its exponent");
            return NULL;
        }
        while (i < p->len && t[i] >= '0' && t[i] <= '9')
            i++;
    }
    /* strtod on a NUL-terminated copy: the text need not end after it */
    char small[64], *copy = small;
    size_t n = i - start;
    if (n >= sizeof small && (copy = malloc(n + 1)) == NULL) {
        json_fail_(p, start, "out of memory");
        return NULL;
    }
    memcpy(copy, t + start, n);
    copy[n] = '\0';
    errno = 0;
    double v = strtod(copy, NULL);
    int overflow = errno == ERANGE && (v > 1 || v < -1);
    if (copy != small)
        free(copy);
    if (overflow) {
        json_fail_(p, start, "number out of the range of a double");
        return NULL;
    }
    json_node *node = json_new_(p, JSON_NUMBER);
    if (node != NULL)
        node->number = v; /* underflow to 0 or a subnormal is kept */
    p->pos = i;
    return node;
}

static inline json_node *json_value_(json_parser_ *p, int depth);

/* Append child to v (array element or object member). */
static inline bool json_append_(json_parser_ *p, json_node *v, json_node *child, char *key,
                                size_t key_len, size_t *cap)
{
    if (v->n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        json_node **items = realloc(v->items, c * sizeof *items);
        if (items == NULL)
            goto oom;
        v->items = items;
        if (v->kind == JSON_OBJECT) {
            char **keys = realloc(v->keys, c * sizeof *keys);
            if (keys == NULL)
                goto oom;
            v->keys = keys;
            size_t *lens = realloc(v->key_lens, c * sizeof *lens);
            if (lens == NULL)
                goto oom;
            v->key_lens = lens;
        }
        *cap = c;
    }
    v->items[v->n] = child;
    if (v->kind == JSON_OBJECT) {
        v->keys[v->n] = key;
        v->key_lens[v->n] = key_len;
    }
    v->n++;
    return true;
oom:
    json_fail_(p, p->pos, "out of memory");
    json_free(child);
    free(key);
    return false;
}

/* An array or an object, p->pos at its bracket. */
static inline json_node *json_container_(json_parser_ *p, int depth)
{
    bool object = p->text[p->pos] == '{';
    char close = object ? '}' : ']';
    json_node *v = json_new_(p, object ? JSON_OBJECT : JSON_ARRAY);
    if (v == NULL)
        return NULL;
    size_t cap = 0;
    p->pos++;
    json_skip_ws_(p);
    if (p->pos < p->len && p->text[p->pos] == close) {
        p->pos++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        json_skip_ws_(p);
        if (object) {
            if (p->pos >= p->len || p->text[p->pos] != '"') {
                json_fail_(p, p->pos, p->pos < p->len && p->text[p->pos] == '}'
                                          ? "trailing comma in an object"
                                          : "expected a key (a string)");
                break;
            }
            size_t key_at = p->pos;
            if ((key = json_string_(p, &key_len)) == NULL)
                break;
            for (size_t i = 0; i < v->n; i++)
                if (v->key_lens[i] == key_len && memcmp(v->keys[i], key, key_len) == 0) {
                    json_fail_(p, key_at, "duplicate key \"%s\"", key);
                    break;
                }
            if (p->failed) {
                free(key);
                break;
            }
            json_skip_ws_(p);
            if (p->pos >= p->len || p->text[p->pos] != ':') {
                json_fail_(p, p->pos, "expected ':' after the key");
                free(key);
                break;
            }
            p->pos++;
        } else if (p->pos < p->len && p->text[p->pos] == ']') {
            json_fail_(p, p->pos, "trailing comma in an array");
            break;
        }
        json_node *child = json_value_(p, depth + 1);
        if (child == NULL) {
            free(key);
            break;
        }
        if (!json_append_(p, v, child, key, key_len, &cap))
            break;
        json_skip_ws_(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == close) {
            p->pos++;
            return v;
        }
        json_fail_(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    json_free(v);
    return NULL;
}

static inline json_node *json_value_(json_parser_ *p, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        json_fail_(p, p->pos, "nested deeper than %d", JSON_MAX_DEPTH);
        return NULL;
    }
    json_skip_ws_(p);
    if (p->pos >= p->len) {
        json_fail_(p, p->pos, "unexpected end of input");
        return NULL;
    }
    char c = p->text[p->pos];
    if (c == '{' || c == '[')
        return json_container_(p, depth);
    if (c == '"') {
        size_t len;
        char *s = json_string_(p, &len);
        if (s == NULL)
            return NULL;
        json_node *v = json_new_(p, JSON_STRING);
        if (v == NULL) {
            free(s);
            return NULL;
        }
        v->string = s;
        v->string_len = len;
        return v;
    }
    static const struct {
        const char *word;
        json_kind kind;
    } words[] = {{"true", JSON_TRUE}, {"false", JSON_FALSE}, {"null", JSON_NULL}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (p->len - p->pos >= n && memcmp(p->text + p->pos, words[i].word, n) == 0) {
            p->pos += n;
            return json_new_(p, words[i].kind);
        }
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return json_number_(p);
    json_fail_(p, p->pos, "expected a value");
    return NULL;
}

/* Parse len bytes of text (need not be NUL-terminated).  Returns the
 * tree, or NULL with "LINE:COLUMN: what" in err (err may be NULL). */
static inline json_node *json_parse(const char *text, size_t len, char *err, size_t err_size)
{
    json_parser_ p = {text, len, 0, err, err_size, false};
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    if (text == NULL) {
        json_fail_(&p, 0, "no input");
        return NULL;
    }
    json_node *v = json_value_(&p, 0);
    if (v == NULL)
        return NULL;
    json_skip_ws_(&p);
    if (p.pos < p.len) {
        json_fail_(&p, p.pos, "unexpected text after the value");
        json_free(v);
        return NULL;
    }
    return v;
}

/* Read and parse a file; err gets "PATH: ..." or "PATH:LINE:COLUMN: ...". */
static inline json_node *json_parse_file(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (err != NULL)
            snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    json_buf_ b = {NULL, 0, 0};
    json_parser_ dummy = {NULL, 0, 0, NULL, 0, false};
    char chunk[65536];
    size_t n;
    bool ok = json_buf_put_(&dummy, &b, "", 0);
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = json_buf_put_(&dummy, &b, chunk, n);
    ok = ok && !ferror(f);
    fclose(f);
    if (!ok) {
        if (err != NULL)
            snprintf(err, err_size, "%s: cannot read it", path);
        free(b.data);
        return NULL;
    }
    char msg[512];
    json_node *v = json_parse(b.data, b.len, msg, sizeof msg);
    free(b.data);
    if (v == NULL && err != NULL)
        snprintf(err, err_size, "%s:%s", path, msg);
    return v;
}

/* The member `key` (n bytes) of an object, or NULL (also when v is not
 * an object). */
static inline const json_node *json_key_n(const json_node *v, const char *key, size_t n)
{
    if (v == NULL || v->kind != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (v->key_lens[i] == n && memcmp(v->keys[i], key, n) == 0)
            return v->items[i];
    return NULL;
}

static inline const json_node *json_key(const json_node *v, const char *key)
{
    return json_key_n(v, key, strlen(key));
}

/* Element i of an array, or NULL. */
static inline const json_node *json_at(const json_node *v, size_t i)
{
    if (v == NULL || v->kind != JSON_ARRAY || i >= v->n)
        return NULL;
    return v->items[i];
}

/* The node at `path` under root (see the top of the file), or NULL; then
 * *unmatched (if not NULL) tells whether a [key=value] selector found no
 * object (the path is well formed and the array is there: "not in these
 * results", e.g. a term that a selection removed). */
static inline const json_node *json_get_why(const json_node *root, const char *path,
                                            bool *unmatched)
{
    const json_node *v = root;
    const char *s = path;
    if (unmatched != NULL)
        *unmatched = false;
    if (v == NULL || s == NULL)
        return NULL;
    bool first = true;
    while (*s != '\0') {
        if (*s == '[' && (s[1] < '0' || s[1] > '9')) {
            /* [key=value]: the first object of the array whose string
             * member `key` is `value` (which runs to the next ']') */
            const char *eq = strchr(s + 1, '='), *end = eq != NULL ? strchr(eq, ']') : NULL;
            if (eq == NULL || end == NULL || eq == s + 1 || memchr(s + 1, ']', (size_t)(eq - s - 1)))
                return NULL;
            if (v->kind != JSON_ARRAY)
                return NULL;
            const json_node *hit = NULL;
            for (size_t i = 0; i < v->n && hit == NULL; i++) {
                const json_node *m = json_key_n(v->items[i], s + 1, (size_t)(eq - s - 1));
                size_t vl = (size_t)(end - eq - 1);
                if (m != NULL && m->kind == JSON_STRING && m->string_len == vl &&
                    memcmp(m->string, eq + 1, vl) == 0)
                    hit = v->items[i];
            }
            if (hit == NULL && unmatched != NULL)
                *unmatched = true;
            v = hit;
            s = end + 1;
        } else if (*s == '[') {
            s++;
            if (*s < '0' || *s > '9')
                return NULL;
            size_t i = 0;
            while (*s >= '0' && *s <= '9') {
                if (i > (SIZE_MAX - 9) / 10)
                    return NULL;
                i = i * 10 + (size_t)(*s - '0');
                s++;
            }
            if (*s != ']')
                return NULL;
            s++;
            v = json_at(v, i);
        } else {
            if (!first) {
                if (*s != '.')
                    return NULL;
                s++;
            }
            size_t n = strcspn(s, ".[");
            if (n == 0)
                return NULL;
            v = json_key_n(v, s, n);
            s += n;
        }
        if (v == NULL)
            return NULL;
        first = false;
    }
    return v;
}

/* The node at `path` under root, or NULL. */
static inline const json_node *json_get(const json_node *root, const char *path)
{
    return json_get_why(root, path, NULL);
}

#endif
