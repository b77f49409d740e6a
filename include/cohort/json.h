/* cohort/json.h - a small streaming JSON writer for machine-readable output.
 *
 * Keys are written in the order the caller gives (so output is stable);
 * numbers as the shortest decimal that reads back to the same double;
 * NaN and infinities as null, never as bare tokens; strings escaped per
 * RFC 8259 (control characters as \u00XX).  Output is indented by two
 * spaces per level.
 */
#ifndef COHORT_JSON_H
#define COHORT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define COH_JSON_MAX_DEPTH 32

typedef struct coh_json {
    FILE *out;
    int depth;
    bool has_items[COH_JSON_MAX_DEPTH]; /* per level: an item was written */
    bool after_key;                     /* the next value follows a key */
} coh_json;

void coh_json_init(coh_json *j, FILE *out);
void coh_json_object_begin(coh_json *j);
void coh_json_object_end(coh_json *j);
void coh_json_array_begin(coh_json *j);
void coh_json_array_end(coh_json *j);
void coh_json_key(coh_json *j, const char *key);
void coh_json_string(coh_json *j, const char *s); /* NULL writes null */
void coh_json_number(coh_json *j, double v);      /* non-finite: null */
void coh_json_int(coh_json *j, int64_t v);
void coh_json_bool(coh_json *j, bool v);
void coh_json_null(coh_json *j);
/* A value that is already JSON text (another writer's whole document),
 * written as it is: the caller vouches that it is one valid value. */
void coh_json_raw(coh_json *j, const char *text);
/* Finish the document with a newline. */
void coh_json_end(coh_json *j);

#endif
