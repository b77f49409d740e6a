/* table.c - columns and tables: creation, ownership, lookup. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/table.h"
#include "core.h"

const char *coh_type_name(coh_type t)
{
    switch (t) {
    case COH_DOUBLE: return "double";
    case COH_INTEGER: return "integer";
    case COH_DATE: return "date";
    case COH_CATEGORICAL: return "categorical";
    case COH_STRING: return "string";
    }
    return "unknown";
}

coh_status coh_type_parse(const char *s, coh_type *out)
{
    static const struct { const char *name; coh_type t; } names[] = {
        {"double", COH_DOUBLE},   {"number", COH_DOUBLE},
        {"numeric", COH_DOUBLE},  {"integer", COH_INTEGER},
        {"int", COH_INTEGER},     {"date", COH_DATE},
        {"categorical", COH_CATEGORICAL}, {"factor", COH_CATEGORICAL},
        {"string", COH_STRING},   {"text", COH_STRING},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].t;
            return COH_OK;
        }
    return COH_EINVAL;
}

coh_column *coh_column_new(const char *name, coh_type type, size_t n)
{
    coh_column *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    size_t cap = n ? n : 1;
    c->name = coh_strdup(name);
    c->type = type;
    c->n = n;
    c->missing = malloc(cap);
    if (coh_type_is_numeric(type))
        c->num = malloc(cap * sizeof *c->num);
    else
        c->code = malloc(cap * sizeof *c->code);
    if (c->name == NULL || c->missing == NULL || (c->num == NULL && c->code == NULL)) {
        coh_column_free(c);
        return NULL;
    }
    memset(c->missing, 1, cap);
    c->n_missing = n;
    for (size_t i = 0; i < n; i++) {
        if (c->num)
            c->num[i] = NAN;
        else
            c->code[i] = -1;
    }
    return c;
}

void coh_column_free(coh_column *c)
{
    if (c == NULL)
        return;
    for (size_t k = 0; k < c->n_levels; k++) {
        free(c->levels[k]);
        if (c->level_labels)
            free(c->level_labels[k]);
    }
    free(c->levels);
    free(c->level_labels);
    free(c->name);
    free(c->label);
    free(c->unit);
    free(c->num);
    free(c->code);
    free(c->missing);
    free(c);
}

void coh_column_set_num(coh_column *c, size_t i, double v)
{
    c->num[i] = v;
    if (c->missing != NULL && c->missing[i]) {
        c->missing[i] = 0;
        c->n_missing--;
    }
}

coh_status coh_column_set_na(coh_column *c, size_t i)
{
    if (c->missing == NULL) {
        c->missing = calloc(c->n ? c->n : 1, 1);
        if (c->missing == NULL)
            return COH_ENOMEM;
    }
    if (!c->missing[i]) {
        c->missing[i] = 1;
        c->n_missing++;
    }
    if (c->num)
        c->num[i] = NAN;
    else
        c->code[i] = -1;
    return COH_OK;
}

static coh_status replace_str(char **dst, const char *s)
{
    char *copy = NULL;
    if (s != NULL && (copy = coh_strdup(s)) == NULL)
        return COH_ENOMEM;
    free(*dst);
    *dst = copy;
    return COH_OK;
}

coh_status coh_column_set_label(coh_column *c, const char *label)
{
    return replace_str(&c->label, label);
}

coh_status coh_column_set_unit(coh_column *c, const char *unit)
{
    return replace_str(&c->unit, unit);
}

const char *coh_column_level_text(const coh_column *c, size_t k)
{
    if (c->level_labels != NULL && c->level_labels[k] != NULL)
        return c->level_labels[k];
    return c->levels[k];
}

int32_t coh_column_find_level(const coh_column *c, const char *s)
{
    for (size_t k = 0; k < c->n_levels; k++)
        if (strcmp(c->levels[k], s) == 0)
            return (int32_t)k;
    for (size_t k = 0; k < c->n_levels; k++)
        if (c->level_labels != NULL && c->level_labels[k] != NULL &&
            strcmp(c->level_labels[k], s) == 0)
            return (int32_t)k;
    return -1;
}

coh_table *coh_table_new(void)
{
    coh_table *t = calloc(1, sizeof(coh_table));
    if (t == NULL)
        return NULL;
    t->by_name = malloc(sizeof *t->by_name);
    if (t->by_name == NULL) {
        free(t);
        return NULL;
    }
    coh_strmap_init(t->by_name);
    return t;
}

void coh_table_free(coh_table *t)
{
    if (t == NULL)
        return;
    for (size_t j = 0; j < t->n_cols; j++)
        coh_column_free(t->cols[j]);
    free(t->cols);
    if (t->by_name != NULL)
        coh_strmap_free(t->by_name);
    free(t->by_name);
    free(t);
}

coh_status coh_table_add_column(coh_table *t, coh_column *col, coh_error *err)
{
    if (t->n_cols > 0 && col->n != t->n_rows) {
        coh_status st = coh_error_set(err, COH_EINVAL,
                                      "column '%s' has %zu rows, the table has %zu",
                                      col->name, col->n, t->n_rows);
        coh_column_free(col);
        return st;
    }
    if (coh_table_find(t, col->name) != NULL) {
        coh_status st = coh_error_set(err, COH_EPARSE, "duplicate column name '%s'",
                                      col->name);
        coh_column_free(col);
        return st;
    }
    if (t->n_cols == t->cap_cols) {
        size_t cap = t->cap_cols ? 2 * t->cap_cols : 16;
        coh_column **cols = realloc(t->cols, cap * sizeof *cols);
        if (cols == NULL) {
            coh_column_free(col);
            return coh_error_set(err, COH_ENOMEM, "out of memory");
        }
        t->cols = cols;
        t->cap_cols = cap;
    }
    if (coh_strmap_put(t->by_name, col->name, t->n_cols) != COH_OK) {
        coh_column_free(col);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    if (t->n_cols == 0)
        t->n_rows = col->n;
    t->cols[t->n_cols++] = col;
    return COH_OK;
}

coh_column *coh_table_find(const coh_table *t, const char *name)
{
    size_t j;
    return coh_strmap_get(t->by_name, name, &j) ? t->cols[j] : NULL;
}

size_t coh_table_bytes(const coh_table *t)
{
    size_t bytes = 0;
    for (size_t j = 0; j < t->n_cols; j++) {
        const coh_column *c = t->cols[j];
        bytes += c->n * (c->num ? sizeof *c->num : sizeof *c->code);
        if (c->missing)
            bytes += c->n;
        for (size_t k = 0; k < c->n_levels; k++)
            bytes += strlen(c->levels[k]) + 1 + sizeof(char *);
    }
    return bytes;
}
