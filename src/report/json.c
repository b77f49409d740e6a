/* json.c - streaming JSON writer (RFC 8259).  See cohort/json.h. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cohort/json.h"
#include "cohort/table.h"

void coh_json_init(coh_json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->after_key = false;
    for (int i = 0; i < COH_JSON_MAX_DEPTH; i++)
        j->has_items[i] = false;
}

static void indent(coh_json *j)
{
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Separator and indentation before a value or key at the current level. */
static void before_item(coh_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->has_items[j->depth])
            fputc(',', j->out);
        indent(j);
        j->has_items[j->depth] = true;
    }
}

static void open_level(coh_json *j, char c)
{
    before_item(j);
    fputc(c, j->out);
    if (j->depth + 1 < COH_JSON_MAX_DEPTH)
        j->depth++;
    j->has_items[j->depth] = false;
}

static void close_level(coh_json *j, char c)
{
    bool had = j->has_items[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had)
        indent(j);
    fputc(c, j->out);
}

void coh_json_object_begin(coh_json *j) { open_level(j, '{'); }
void coh_json_object_end(coh_json *j) { close_level(j, '}'); }
void coh_json_array_begin(coh_json *j) { open_level(j, '['); }
void coh_json_array_end(coh_json *j) { close_level(j, ']'); }

static void write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void coh_json_key(coh_json *j, const char *key)
{
    before_item(j);
    write_string(j->out, key);
    fputs(": ", j->out);
    j->after_key = true;
}

void coh_json_string(coh_json *j, const char *s)
{
    before_item(j);
    if (s == NULL)
        fputs("null", j->out);
    else
        write_string(j->out, s);
}

void coh_json_number(coh_json *j, double v)
{
    before_item(j);
    if (!isfinite(v)) {
        fputs("null", j->out);
        return;
    }
    char buf[40];
    coh_format_num(v, buf, sizeof buf);
    fputs(buf, j->out);
}

void coh_json_int(coh_json *j, int64_t v)
{
    before_item(j);
    fprintf(j->out, "%" PRId64, v);
}

void coh_json_bool(coh_json *j, bool v)
{
    before_item(j);
    fputs(v ? "true" : "false", j->out);
}

void coh_json_null(coh_json *j)
{
    before_item(j);
    fputs("null", j->out);
}

void coh_json_end(coh_json *j)
{
    fputc('\n', j->out);
}

void coh_json_raw(coh_json *j, const char *text)
{
    before_item(j);
    /* a document's own indentation is kept; trailing line breaks go, so
     * that the enclosing document's punctuation follows the value */
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    fwrite(text, 1, len, j->out);
}
