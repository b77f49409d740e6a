/* design.c - from table columns to the data of a Cox model: the model
 * matrix of the terms asked for, the complete cases, the sort.
 *
 * What it builds (docs/methods.md, section 16):
 *   - a numeric column (INTEGER, DOUBLE) is one column x / step, so that
 *     the hazard ratio is per step (step 1 unless --per);
 *   - a factor (a CATEGORICAL or STRING column, or a numeric column listed
 *     as categorical) is k - 1 dummy columns, one per level other than the
 *     reference, in level order, as R's treatment contrasts; only levels
 *     with rows in the model count (R's droplevels); the reference is the
 *     first such level unless one is named (by value or label);
 *   - "a:b" is the product of the columns of a and of b, with the factors
 *     coded by their contrasts (k - 1 dummies), as R's model.matrix codes
 *     a:b when a and b are also in the model; for factor:factor the first
 *     factor's dummies vary fastest, as in R;
 *   - DATE columns are refused as terms (a duration must be derived first).
 * Rows: listwise complete cases over every term and the time, event,
 * stratum, weight and cluster columns, further limited by the filter and by
 * `row_allowed`; the reason a row is left out is counted (first reason in
 * that order: filter, outcome, covariate, other, row_allowed).  The rows are
 * sorted by stratum, then time ascending (stable: ties keep table order), as
 * cox.h requires.  Event codes and negative times are checked as
 * survdata.c does, with the same messages.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/design.h"
#include "cohort/survdata.h"
#include "core/core.h"

void coh_design_free(coh_design *d)
{
    if (d == NULL)
        return;
    for (size_t j = 0; j < d->p; j++)
        free(d->col_names[j]);
    for (size_t k = 0; k < d->n_terms; k++) {
        free(d->term_names[k]);
        free(d->term_ref[k]);
    }
    free(d->col_names);
    free(d->col_term);
    free(d->term_names);
    free(d->term_first);
    free(d->term_ncols);
    free(d->term_factor);
    free(d->term_ref);
    free(d->term_per);
    free(d);
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(s, list[k]) == 0)
            return true;
    return false;
}

/* ---- resolving the spec ------------------------------------------------- */

#define MAX_PARTS 2

/* A column used by a term, once however many terms use it. */
typedef struct var_info {
    const coh_column *c;
    bool factor;
    double per;              /* numeric: the step */
    /* factors, filled once the rows are known */
    size_t n_levels;         /* levels with rows in the model */
    char **text;             /* n_levels: label or value */
    int32_t *code;           /* n_rows: used-level index, -1 elsewhere */
    size_t ref;              /* used-level index of the reference */
} var_info;

typedef struct term_info {
    size_t n_parts;
    size_t var[MAX_PARTS];
} term_info;

/* Everything resolved from the spec, shared by build and complete_rows. */
typedef struct resolved {
    const coh_column *time, *event, *strata, *weight, *cluster;
    var_info *vars;
    size_t n_vars;
    term_info *terms;
    size_t n_terms;
} resolved;

static void resolved_free(resolved *r)
{
    for (size_t v = 0; v < r->n_vars; v++) {
        for (size_t k = 0; r->vars[v].text != NULL && k < r->vars[v].n_levels; k++)
            free(r->vars[v].text[k]);
        free(r->vars[v].text);
        free(r->vars[v].code);
    }
    free(r->vars);
    free(r->terms);
}

static coh_status need_col(const coh_table *t, const char *name, const char *role,
                           const char *what, const coh_column **out, coh_error *err)
{
    *out = coh_table_find(t, name);
    if (*out == NULL)
        return coh_error_set(err, COH_ENOTFOUND, "no column '%s' (the %s%s%s)", name, role,
                             what ? " " : "", what ? what : "");
    return COH_OK;
}

static bool listed(const char *name, const char *const *list, size_t n)
{
    return list != NULL && in_list(name, list, n);
}

/* Find or add the variable of column c (a term's part). */
static coh_status add_var(resolved *r, const coh_column *c, const coh_design_spec *spec,
                          const char *term, size_t *index, coh_error *err)
{
    for (size_t v = 0; v < r->n_vars; v++)
        if (r->vars[v].c == c) {
            *index = v;
            return COH_OK;
        }
    if (c->type == COH_DATE)
        return coh_error_set(err, COH_ETYPE,
                             "column '%s' (term '%s') holds dates; a model term must be a "
                             "number or a category: derive a duration first (e.g. years "
                             "from '%s' to the start of follow-up)", c->name, term, c->name);
    var_info *vi = &r->vars[r->n_vars];
    memset(vi, 0, sizeof *vi);
    vi->c = c;
    vi->factor = !coh_type_is_numeric(c->type) ||
                 listed(c->name, spec->categorical, spec->n_categorical);
    vi->per = 1;
    if (!vi->factor && listed(c->name, spec->ref_column, spec->n_refs))
        return coh_error_set(err, COH_EINVAL,
                             "column '%s' is numeric; a reference level applies to factors "
                             "(list it as categorical)", c->name);
    for (size_t k = 0; k < spec->n_pers; k++)
        if (strcmp(spec->per_column[k], c->name) == 0) {
            if (vi->factor)
                return coh_error_set(err, COH_EINVAL,
                                     "column '%s' is a factor (%s); a step (per) applies to "
                                     "numeric terms only", c->name,
                                     coh_type_is_numeric(c->type) ? "listed as categorical"
                                                                  : coh_type_name(c->type));
            vi->per = spec->per_step[k];
        }
    *index = r->n_vars++;
    return COH_OK;
}

/* Check the spec's names and types and resolve its columns and terms. */
static coh_status resolve(const coh_table *t, const coh_cox_spec *surv,
                          const coh_design_spec *spec, resolved *r, coh_error *err)
{
    coh_status st;
    memset(r, 0, sizeof *r);
    if (surv->time == NULL || surv->event == NULL)
        return coh_error_set(err, COH_EINVAL, "a Cox model needs a time and an event column");
    if ((st = need_col(t, surv->time, "time", NULL, &r->time, err)) != COH_OK ||
        (st = need_col(t, surv->event, "event", NULL, &r->event, err)) != COH_OK ||
        (surv->strata && (st = need_col(t, surv->strata, "strata", NULL, &r->strata, err))) ||
        (surv->weights &&
         (st = need_col(t, surv->weights, "weights", NULL, &r->weight, err)) != COH_OK) ||
        (surv->cluster && (st = need_col(t, surv->cluster, "cluster", NULL, &r->cluster, err))))
        return st;
    if (r->time->type != COH_DOUBLE && r->time->type != COH_INTEGER)
        return coh_error_set(err, COH_ETYPE,
                             "the time column '%s' is %s; it must hold numbers (derive a "
                             "duration from dates first)", r->time->name,
                             coh_type_name(r->time->type));
    if (r->weight != NULL && r->weight->type != COH_DOUBLE && r->weight->type != COH_INTEGER)
        return coh_error_set(err, COH_ETYPE, "the weights column '%s' is %s; it must hold "
                             "numbers", r->weight->name, coh_type_name(r->weight->type));
    /* names in the lists must exist, steps must be positive */
    for (size_t k = 0; k < spec->n_categorical; k++) {
        const coh_column *c;
        if ((st = need_col(t, spec->categorical[k], "categorical", "list", &c, err)) != COH_OK)
            return st;
    }
    for (size_t k = 0; k < spec->n_refs; k++) {
        const coh_column *c;
        if ((st = need_col(t, spec->ref_column[k], "reference", "level", &c, err)) != COH_OK)
            return st;
    }
    for (size_t k = 0; k < spec->n_pers; k++) {
        const coh_column *c;
        if ((st = need_col(t, spec->per_column[k], "step", "(per)", &c, err)) != COH_OK)
            return st;
        if (!(spec->per_step[k] > 0) || !isfinite(spec->per_step[k]))
            return coh_error_set(err, COH_EINVAL, "the step for column '%s' is %g; it must be "
                                 "a positive number", c->name, spec->per_step[k]);
        if (!coh_type_is_numeric(c->type))
            return coh_error_set(err, COH_ETYPE, "column '%s' is %s; a step (per) needs a "
                                 "numeric column", c->name, coh_type_name(c->type));
    }
    size_t n_terms = spec->n_terms;
    r->terms = calloc(n_terms ? n_terms : 1, sizeof *r->terms);
    r->vars = calloc(n_terms * MAX_PARTS + 1, sizeof *r->vars);
    if (r->terms == NULL || r->vars == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    for (size_t k = 0; k < n_terms; k++) {
        const char *term = spec->terms[k];
        for (size_t j = 0; j < k; j++)
            if (strcmp(spec->terms[j], term) == 0)
                return coh_error_set(err, COH_EINVAL, "the term '%s' is given twice", term);
        const char *colon = strchr(term, ':');
        term_info *ti = &r->terms[k];
        char part[2][256];
        size_t n_parts = 1;
        if (colon == NULL) {
            snprintf(part[0], sizeof part[0], "%s", term);
        } else {
            if (strchr(colon + 1, ':') != NULL)
                return coh_error_set(err, COH_EINVAL, "the term '%s' has more than two parts; "
                                     "interactions are of two columns", term);
            snprintf(part[0], sizeof part[0], "%.*s", (int)(colon - term), term);
            snprintf(part[1], sizeof part[1], "%s", colon + 1);
            n_parts = 2;
        }
        for (size_t q = 0; q < n_parts; q++) {
            const coh_column *c = coh_table_find(t, part[q]);
            if (c == NULL)
                return coh_error_set(err, COH_ENOTFOUND, "no column '%s' (the term '%s')",
                                     part[q], term);
            if ((st = add_var(r, c, spec, term, &ti->var[q], err)) != COH_OK)
                return st;
        }
        if (n_parts == 2 && ti->var[0] == ti->var[1])
            return coh_error_set(err, COH_EINVAL, "the term '%s' multiplies a column by "
                                 "itself; give a derived column instead", term);
        ti->n_parts = n_parts;
        r->n_terms = k + 1;
    }
    return COH_OK;
}

/* Which rows are complete and allowed (use[i] = 1), with the counts, the
 * event of each row, and the checks of times, events and weights over
 * the rows the filter keeps. */
static coh_status usable_rows(const coh_table *t, const coh_cox_spec *surv, const resolved *r,
                              const uint8_t *row_allowed, uint8_t *use, uint8_t *ev,
                              coh_dropped *dropped, coh_error *err)
{
    coh_status st;
    size_t n = t->n_rows;
    coh_dropped dr = {0, 0, 0, 0, 0};
    if ((st = coh_surv_event_codes(r->event, surv->event_values, surv->n_event_values,
                                   surv->censor_values, surv->n_censor_values, surv->keep, ev,
                                   err)) != COH_OK)
        return st;
    size_t bad[3], n_bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!coh_column_is_na(r->time, i) && r->time->num[i] < 0 &&
            (surv->keep == NULL || surv->keep[i])) {
            if (n_bad < 3)
                bad[n_bad] = i;
            n_bad++;
        }
    if (n_bad > 0) {
        char rows[80];
        coh_rows_text(bad, n_bad, rows, sizeof rows);
        return coh_error_set(err, COH_EDOMAIN, "column '%s' has %zu negative value%s (%s)",
                             r->time->name, n_bad, n_bad == 1 ? "" : "s", rows);
    }
    if (r->weight != NULL) {
        n_bad = 0;
        for (size_t i = 0; i < n; i++)
            if (!coh_column_is_na(r->weight, i) && !(r->weight->num[i] > 0) &&
                (surv->keep == NULL || surv->keep[i])) {
                if (n_bad < 3)
                    bad[n_bad] = i;
                n_bad++;
            }
        if (n_bad > 0) {
            char rows[80];
            coh_rows_text(bad, n_bad, rows, sizeof rows);
            return coh_error_set(err, COH_EDOMAIN, "the weights column '%s' has %zu value%s "
                                 "that %s not positive (%s); weights must be > 0",
                                 r->weight->name, n_bad, n_bad == 1 ? "" : "s",
                                 n_bad == 1 ? "is" : "are", rows);
        }
    }
    for (size_t i = 0; i < n; i++) {
        use[i] = 0;
        if (surv->keep != NULL && !surv->keep[i]) {
            dr.filtered++;
            continue;
        }
        if (coh_column_is_na(r->time, i) || coh_column_is_na(r->event, i)) {
            dr.missing_outcome++;
            continue;
        }
        bool missing = false;
        for (size_t v = 0; v < r->n_vars && !missing; v++)
            missing = coh_column_is_na(r->vars[v].c, i);
        if (missing) {
            dr.missing_covariate++;
            continue;
        }
        if ((r->strata && coh_column_is_na(r->strata, i)) ||
            (r->weight && coh_column_is_na(r->weight, i)) ||
            (r->cluster && coh_column_is_na(r->cluster, i))) {
            dr.missing_other++;
            continue;
        }
        if (row_allowed != NULL && !row_allowed[i]) {
            dr.not_allowed++;
            continue;
        }
        use[i] = 1;
    }
    if (dropped != NULL)
        *dropped = dr;
    return COH_OK;
}

coh_status coh_complete_rows(const coh_table *t, const coh_cox_spec *surv,
                             const coh_design_spec *spec, uint8_t *out, coh_error *err)
{
    resolved r;
    coh_status st = resolve(t, surv, spec, &r, err);
    uint8_t *ev = NULL;
    if (st == COH_OK) {
        ev = malloc(t->n_rows ? t->n_rows : 1);
        st = ev == NULL ? coh_error_set(err, COH_ENOMEM, "out of memory")
                        : usable_rows(t, surv, &r, NULL, out, ev, NULL, err);
    }
    free(ev);
    resolved_free(&r);
    return st;
}

/* ---- codes of the used rows --------------------------------------------- */

/* Code the used rows of column c 0..k-1 in level order (text columns) or
 * numeric order (numbers), only values that occur in used rows counting;
 * code[i] = -1 for other rows.  When `text` is not NULL it receives the
 * display text of each code (level label or value; a number's shortest
 * decimal). */
static coh_status used_codes(const coh_column *c, const uint8_t *use, int32_t *code,
                             size_t *n_codes, char ***text)
{
    size_t n = c->n, k = 0;
    coh_status st = COH_ENOMEM;
    if (text != NULL)
        *text = NULL;
    if (c->code != NULL) {
        int32_t *map = malloc((c->n_levels ? c->n_levels : 1) * sizeof *map);
        if (map == NULL)
            return COH_ENOMEM;
        for (size_t l = 0; l < c->n_levels; l++)
            map[l] = -1;
        for (size_t i = 0; i < n; i++)
            if (use[i])
                map[c->code[i]] = 0;
        for (size_t l = 0; l < c->n_levels; l++)
            if (map[l] == 0)
                map[l] = (int32_t)k++;
        for (size_t i = 0; i < n; i++)
            code[i] = use[i] ? map[c->code[i]] : -1;
        if (text != NULL && (*text = calloc(k ? k : 1, sizeof **text)) != NULL) {
            st = COH_OK;
            for (size_t l = 0; l < c->n_levels; l++)
                if (map[l] >= 0 &&
                    ((*text)[map[l]] = coh_strdup(coh_column_level_text(c, l))) == NULL)
                    st = COH_ENOMEM;
        } else if (text == NULL) {
            st = COH_OK;
        }
        free(map);
        *n_codes = k;
        return st;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += use[i];
    double *v = malloc((m ? m : 1) * sizeof *v);
    uint64_t *row = malloc((m ? m : 1) * sizeof *row);
    if (v == NULL || row == NULL)
        goto done;
    for (size_t i = 0, j = 0; i < n; i++)
        if (use[i]) {
            v[j] = c->num[i];
            row[j++] = i;
        }
    if ((st = coh_sort_times(v, row, m)) != COH_OK)
        goto done;
    st = COH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        code[i] = -1;
    for (size_t j = 0; j < m; j++) {
        if (j > 0 && v[j] != v[j - 1])
            k++;
        code[row[j]] = (int32_t)k;
    }
    k = m > 0 ? k + 1 : 0;
    *n_codes = k;
    if (text != NULL) {
        if ((*text = calloc(k ? k : 1, sizeof **text)) == NULL)
            goto done;
        for (size_t j = 0, l = 0; j < m; j++)
            if (j == 0 || v[j] != v[j - 1]) {
                char buf[40];
                if (c->type == COH_DATE)
                    coh_format_date(v[j], buf, sizeof buf);
                else
                    coh_format_num(v[j], buf, sizeof buf);
                if (((*text)[l++] = coh_strdup(buf)) == NULL)
                    goto done;
            }
    }
    st = COH_OK;
done:
    free(v);
    free(row);
    return st;
}

/* The reference level of factor vi: the level named in spec (by value or
 * label, or by number for a numeric column), else the first used one. */
static coh_status find_ref(var_info *vi, const coh_design_spec *spec, const uint8_t *use,
                           coh_error *err)
{
    const char *want = NULL;
    for (size_t k = 0; k < spec->n_refs; k++)
        if (strcmp(spec->ref_column[k], vi->c->name) == 0)
            want = spec->ref_level[k];
    vi->ref = 0;
    if (want == NULL)
        return COH_OK;
    const coh_column *c = vi->c;
    int32_t found = -1; /* used-level index */
    bool exists = false;
    if (c->code != NULL) {
        int32_t l = coh_column_find_level(c, want);
        if (l >= 0) {
            exists = true;
            for (size_t i = 0; i < c->n && found < 0; i++)
                if (use[i] && c->code[i] == l)
                    found = vi->code[i];
        }
    } else {
        char *end;
        double x = strtod(want, &end);
        bool is_num = *want != '\0' && *end == '\0';
        for (size_t i = 0; i < c->n && found < 0; i++)
            if (!coh_column_is_na(c, i) && is_num && c->num[i] == x) {
                exists = true;
                if (use[i])
                    found = vi->code[i];
            }
        for (size_t k = 0; k < vi->n_levels && found < 0; k++)
            if (strcmp(vi->text[k], want) == 0)
                found = (int32_t)k, exists = true;
    }
    if (found >= 0) {
        vi->ref = (size_t)found;
        return COH_OK;
    }
    /* the levels, for the message */
    char list[600];
    size_t off = 0;
    list[0] = '\0';
    size_t n_list = c->code != NULL ? c->n_levels : vi->n_levels;
    for (size_t k = 0; k < n_list && off < sizeof list - 8; k++) {
        const char *s = c->code != NULL ? coh_column_level_text(c, k) : vi->text[k];
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", k ? ", " : "", s);
    }
    if (off >= sizeof list - 8)
        snprintf(list + sizeof list - 8, 8, ", ...");
    if (exists)
        return coh_error_set(err, COH_EINVAL, "the reference level '%s' of column '%s' has no "
                             "rows in the model (levels: %s)", want, c->name, list);
    return coh_error_set(err, COH_EINVAL, "column '%s' has no level '%s' (levels: %s)",
                         c->name, want, list);
}

/* ---- the design and the data -------------------------------------------- */

/* Columns a variable contributes: 1 for a number, its dummies for a
 * factor. */
static size_t var_ncols(const var_info *vi)
{
    return vi->factor ? (vi->n_levels > 0 ? vi->n_levels - 1 : 0) : 1;
}

/* The used level of a factor's dummy column q (levels in order, the
 * reference skipped). */
static size_t dummy_level(const var_info *vi, size_t q)
{
    return q < vi->ref ? q : q + 1;
}

/* Name of column q of variable vi: "age", or "sex=female". */
/* The name of column q of variable vi ("sex=male", "age"), allocated to
 * its length (NULL when out of memory). */
static char *var_col_name(const var_info *vi, size_t q)
{
    if (vi->factor)
        return coh_strprintf("%s=%s", vi->c->name, vi->text[dummy_level(vi, q)]);
    return coh_strdup(vi->c->name);
}

/* Value of column q of variable vi at row i. */
static double var_value(const var_info *vi, size_t q, size_t i)
{
    if (vi->factor)
        return (size_t)vi->code[i] == dummy_level(vi, q) ? 1.0 : 0.0;
    return vi->c->num[i] / vi->per;
}

#define XT_BLOCK ((size_t)65536)

typedef struct xt_job {
    const resolved *r;
    const coh_design *d;
    const size_t *trow;  /* table row of each table-order index */
    const size_t *pos;   /* time-order place of each table-order index */
    double *x;           /* the model matrix, time order */
    size_t m, p;
} xt_job;

/* Table-order rows [k XT_BLOCK, (k + 1) XT_BLOCK) of the model matrix,
 * each written to its time-order place. */
static void xt_block(void *ctx, size_t k)
{
    const xt_job *job = ctx;
    const resolved *r = job->r;
    size_t lo = k * XT_BLOCK, hi = lo + XT_BLOCK < job->m ? lo + XT_BLOCK : job->m;
    for (size_t c = lo; c < hi; c++) {
        size_t i = job->trow[c];
        double *x = job->x + job->pos[c] * job->p;
        for (size_t k2 = 0; k2 < r->n_terms; k2++) {
            const term_info *ti = &r->terms[k2];
            const var_info *a = &r->vars[ti->var[0]];
            const var_info *b = ti->n_parts == 2 ? &r->vars[ti->var[1]] : NULL;
            size_t na = var_ncols(a), nb = b ? var_ncols(b) : 1;
            size_t j = job->d->term_first[k2];
            for (size_t qb = 0; qb < nb; qb++)
                for (size_t qa = 0; qa < na; qa++)
                    x[j++] = var_value(a, qa, i) * (b ? var_value(b, qb, i) : 1.0);
        }
    }
}

static coh_status design_new(const coh_design_spec *spec, const resolved *r, coh_design **out)
{
    coh_design *d = calloc(1, sizeof *d);
    if (d == NULL)
        return COH_ENOMEM;
    size_t nt = r->n_terms, p = 0;
    for (size_t k = 0; k < nt; k++) {
        const term_info *ti = &r->terms[k];
        size_t cols = var_ncols(&r->vars[ti->var[0]]);
        if (ti->n_parts == 2)
            cols *= var_ncols(&r->vars[ti->var[1]]);
        p += cols;
    }
    d->term_names = calloc(nt ? nt : 1, sizeof *d->term_names);
    d->term_first = calloc(nt ? nt : 1, sizeof *d->term_first);
    d->term_ncols = calloc(nt ? nt : 1, sizeof *d->term_ncols);
    d->term_factor = calloc(nt ? nt : 1, sizeof *d->term_factor);
    d->term_ref = calloc(nt ? nt : 1, sizeof *d->term_ref);
    d->term_per = calloc(nt ? nt : 1, sizeof *d->term_per);
    d->col_names = calloc(p ? p : 1, sizeof *d->col_names);
    d->col_term = calloc(p ? p : 1, sizeof *d->col_term);
    if (d->term_names == NULL || d->term_first == NULL || d->term_ncols == NULL ||
        d->term_factor == NULL || d->term_ref == NULL || d->term_per == NULL ||
        d->col_names == NULL || d->col_term == NULL) {
        /* p stays 0 and n_terms counts NULL names: coh_design_free copes */
        coh_design_free(d);
        return COH_ENOMEM;
    }
    d->n_terms = nt;
    size_t j = 0;
    for (size_t k = 0; k < nt; k++) {
        const term_info *ti = &r->terms[k];
        const var_info *a = &r->vars[ti->var[0]];
        const var_info *b = ti->n_parts == 2 ? &r->vars[ti->var[1]] : NULL;
        if ((d->term_names[k] = coh_strdup(spec->terms[k])) == NULL)
            goto oom;
        d->term_first[k] = j;
        d->term_factor[k] = a->factor || (b && b->factor);
        d->term_per[k] = (a->factor ? 1 : a->per) * (b && !b->factor ? b->per : 1);
        /* the reference of the term's (first) factor */
        const var_info *f = a->factor ? a : (b && b->factor ? b : NULL);
        if (f != NULL && f->n_levels > 0 && (d->term_ref[k] = coh_strdup(f->text[f->ref])) == NULL)
            goto oom;
        size_t na = var_ncols(a), nb = b ? var_ncols(b) : 1;
        /* R's model.matrix: the first part varies fastest */
        for (size_t qb = 0; qb < nb; qb++)
            for (size_t qa = 0; qa < na; qa++) {
                char *sa = var_col_name(a, qa), *sb = b != NULL ? var_col_name(b, qb) : NULL;
                char *name = sa == NULL || (b != NULL && sb == NULL) ? NULL
                             : b != NULL ? coh_strprintf("%s:%s", sa, sb)
                                         : sa;
                if (name != sa)
                    free(sa);
                free(sb);
                if ((d->col_names[j] = name) == NULL)
                    goto oom;
                d->col_term[j] = k;
                d->p = ++j;
            }
        d->term_ncols[k] = na * nb;
    }
    *out = d;
    return COH_OK;
oom:
    coh_design_free(d);
    return COH_ENOMEM;
}

coh_status coh_cox_data_build(const coh_table *t, const coh_cox_spec *surv,
                              const coh_design_spec *spec, const uint8_t *row_allowed,
                              coh_design **design, coh_cox_data **data, coh_dropped *dropped,
                              coh_error *err)
{
    *design = NULL;
    *data = NULL;
    size_t n = t->n_rows;
    resolved r;
    coh_status st = resolve(t, surv, spec, &r, err);
    uint8_t *use = malloc(n ? n : 1), *ev = malloc(n ? n : 1);
    int32_t *scode = NULL, *ccode = NULL;
    double *tsort = NULL;
    uint64_t *row = NULL;
    size_t *trow = NULL;
    size_t *pos = NULL;
    coh_design *d = NULL;
    coh_cox_data *cd = NULL;
    if (st != COH_OK)
        goto fail;
    if (use == NULL || ev == NULL)
        goto oom;
    if ((st = usable_rows(t, surv, &r, row_allowed, use, ev, dropped, err)) != COH_OK)
        goto fail;
    /* factors: levels of the used rows, the reference */
    for (size_t v = 0; v < r.n_vars; v++) {
        var_info *vi = &r.vars[v];
        if (!vi->factor)
            continue;
        if ((vi->code = malloc((n ? n : 1) * sizeof *vi->code)) == NULL ||
            used_codes(vi->c, use, vi->code, &vi->n_levels, &vi->text) != COH_OK)
            goto oom;
        if ((st = find_ref(vi, spec, use, err)) != COH_OK)
            goto fail;
    }
    if (design_new(spec, &r, &d) != COH_OK)
        goto oom;
    size_t m = 0, n_strata = 1, n_clusters = 0;
    for (size_t i = 0; i < n; i++)
        m += use[i];
    scode = malloc((n ? n : 1) * sizeof *scode);
    ccode = malloc((n ? n : 1) * sizeof *ccode);
    tsort = malloc((m ? m : 1) * sizeof *tsort);
    row = malloc((m ? m : 1) * sizeof *row);
    cd = calloc(1, sizeof *cd);
    if (scode == NULL || ccode == NULL || tsort == NULL || row == NULL || cd == NULL)
        goto oom;
    if (r.strata != NULL && used_codes(r.strata, use, scode, &n_strata, NULL) != COH_OK)
        goto oom;
    if (r.cluster != NULL && used_codes(r.cluster, use, ccode, &n_clusters, NULL) != COH_OK)
        goto oom;
    if (r.strata == NULL || n_strata == 0)
        n_strata = 1;
    /* sort: time ascending (stable radix sort), then a stable counting
     * sort by stratum */
    /* the sort carries each used row's position in table order (c); trow
     * maps it back to the table row */
    trow = malloc((m ? m : 1) * sizeof *trow);
    if (trow == NULL)
        goto oom;
    for (size_t i = 0, k = 0; i < n; i++)
        if (use[i]) {
            tsort[k] = r.time->num[i];
            trow[k] = i;
            row[k] = k;
            k++;
        }
    if (coh_sort_times(tsort, row, m) != COH_OK)
        goto oom;
    size_t p = d->p;
    cd->n = m;
    cd->p = p;
    cd->n_strata = n_strata;
    cd->n_clusters = n_clusters;
    cd->time = malloc((m ? m : 1) * sizeof *cd->time);
    cd->event = malloc(m ? m : 1);
    cd->x = malloc((m * p > 0 ? m * p : 1) * sizeof *cd->x);
    cd->row = malloc((m ? m : 1) * sizeof *cd->row);
    if (cd->time == NULL || cd->event == NULL || cd->x == NULL || cd->row == NULL)
        goto oom;
    if (r.strata != NULL && (cd->stratum = malloc((m ? m : 1) * sizeof *cd->stratum)) == NULL)
        goto oom;
    if (r.weight != NULL && (cd->weight = malloc((m ? m : 1) * sizeof *cd->weight)) == NULL)
        goto oom;
    if (r.cluster != NULL && (cd->cluster = malloc((m ? m : 1) * sizeof *cd->cluster)) == NULL)
        goto oom;
    size_t *start = calloc(n_strata + 1, sizeof *start);
    pos = malloc((m ? m : 1) * sizeof *pos);
    if (start == NULL || pos == NULL) {
        free(start);
        goto oom;
    }
    for (size_t k = 0; k < m; k++)
        start[(r.strata ? (size_t)scode[trow[row[k]]] : 0) + 1]++;
    for (size_t s = 0; s < n_strata; s++)
        start[s + 1] += start[s];
    /* Each row's place in time order first (pos, by table-order index c);
     * then the model matrix is written straight into those places, its
     * rows taken in table order so that every source column is read
     * forwards, in blocks on both cores.  (Gathering values in time order
     * was a random read per value; a table-order copy moved afterwards
     * cost a second 8 n p bytes of fresh memory.) */
    for (size_t k = 0; k < m; k++) {
        size_t c = (size_t)row[k], i = trow[c];
        size_t s = r.strata ? (size_t)scode[i] : 0;
        size_t o = start[s]++;
        pos[c] = o;
        cd->time[o] = tsort[k];
        cd->event[o] = ev[i];
        cd->row[o] = i;
        if (cd->stratum)
            cd->stratum[o] = (int32_t)s;
        if (cd->weight)
            cd->weight[o] = r.weight->num[i];
        if (cd->cluster)
            cd->cluster[o] = ccode[i];
    }
    xt_job job = {&r, d, trow, pos, cd->x, m, p};
    coh_parallel_for((m + XT_BLOCK - 1) / XT_BLOCK, 0, xt_block, &job);
    free(start);
    free(use);
    free(ev);
    free(scode);
    free(ccode);
    free(tsort);
    free(row);
    free(trow);
    free(pos);
    resolved_free(&r);
    *design = d;
    *data = cd;
    return COH_OK;
oom:
    st = coh_error_set(err, COH_ENOMEM, "out of memory");
fail:
    free(use);
    free(ev);
    free(scode);
    free(ccode);
    free(tsort);
    free(row);
    free(trow);
    free(pos);
    resolved_free(&r);
    coh_design_free(d);
    if (cd != NULL)
        coh_cox_data_free(cd);
    return st;
}
