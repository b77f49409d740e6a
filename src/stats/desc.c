/* desc.c - column summaries: n, missing, min, median, max, level counts.
 *
 * Median: R's quantile type 7 (Hyndman & Fan 1996, definition 7) at p:
 *   h = (n - 1) p,  f = h - floor h,  Q = (1 - f) x[floor h] + f x[floor h + 1]
 * on the sorted non-missing values (0-based), found by selection
 * (Hoare's quickselect, expected O(n)) rather than a full sort.  See
 * docs/methods.md, section 1.
 *
 * Inputs: a coh_table; missing values (the column's mask) are excluded.
 * Output: a coh_describe_result owned by the caller.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/desc.h"
#include "core/core.h"

static void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Put the k-th smallest of x[0..n) at x[k], smaller ones before it. */
static void select_kth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        /* median of three as pivot guards against sorted input */
        size_t mid = lo + (hi - lo) / 2;
        if (x[mid] < x[lo]) swap(&x[mid], &x[lo]);
        if (x[hi] < x[lo]) swap(&x[hi], &x[lo]);
        if (x[hi] < x[mid]) swap(&x[hi], &x[mid]);
        double pivot = x[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot) i++;
            while (x[j] > pivot) j--;
            if (i <= j) {
                swap(&x[i], &x[j]);
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double coh_quantile7_inplace(double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    select_kth(x, n, lo);
    double q = x[lo];
    if (lo + 1 < n && h > (double)lo) {
        /* the next order statistic is the minimum of the part above lo */
        double next = x[lo + 1];
        for (size_t i = lo + 2; i < n; i++)
            if (x[i] < next)
                next = x[i];
        /* R's form (quantile.default): interpolate only between different
         * values, as (1 - f) q + f next, which cannot overflow where
         * q + f (next - q) can (next - q may exceed DBL_MAX) */
        double f = h - (double)lo;
        if (next != q)
            q = (1 - f) * q + f * next;
    }
    return q;
}

void coh_describe_free(coh_describe_result *r)
{
    if (r == NULL)
        return;
    for (size_t j = 0; j < r->n_cols; j++)
        free(r->cols[j].level_counts);
    free(r->cols);
    free(r);
}

typedef struct describe_job {
    const coh_table *t;
    coh_describe_result *r;
    coh_status *status;
} describe_job;

/* Summarise column j (one work item of coh_parallel_for). */
static void describe_column(void *arg, size_t j)
{
    describe_job *job = arg;
    const coh_column *c = job->t->cols[j];
    coh_col_summary *s = &job->r->cols[j];
    s->col = c;
    s->n_missing = c->n_missing;
    s->n = c->n - c->n_missing;
    s->min = s->median = s->max = NAN;
    job->status[j] = COH_OK;
    if (coh_type_is_numeric(c->type)) {
        if (s->n == 0)
            return;
        /* selection reorders its input, so it works on a copy */
        double *scratch = malloc(s->n * sizeof *scratch);
        if (scratch == NULL) {
            job->status[j] = COH_ENOMEM;
            return;
        }
        size_t m = 0;
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < c->n; i++) {
            if (coh_column_is_na(c, i))
                continue;
            double v = c->num[i];
            scratch[m++] = v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        s->min = lo;
        s->max = hi;
        s->median = coh_quantile7_inplace(scratch, m, 0.5);
        free(scratch);
    } else {
        s->level_counts = calloc(c->n_levels ? c->n_levels : 1, sizeof *s->level_counts);
        if (s->level_counts == NULL) {
            job->status[j] = COH_ENOMEM;
            return;
        }
        for (size_t i = 0; i < c->n; i++)
            if (c->code[i] >= 0)
                s->level_counts[c->code[i]]++;
        for (size_t k = 0; k < c->n_levels; k++)
            s->n_levels_used += s->level_counts[k] > 0;
    }
}

coh_status coh_describe(const coh_table *t, int threads, coh_describe_result **out)
{
    *out = NULL;
    coh_describe_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return COH_ENOMEM;
    r->n_rows = t->n_rows;
    r->n_cols = t->n_cols;
    r->cols = calloc(t->n_cols ? t->n_cols : 1, sizeof *r->cols);
    coh_status *status = calloc(t->n_cols ? t->n_cols : 1, sizeof *status);
    if (r->cols == NULL || status == NULL) {
        free(status);
        coh_describe_free(r);
        return COH_ENOMEM;
    }
    describe_job job = {t, r, status};
    coh_parallel_for(t->n_cols, threads, describe_column, &job);
    coh_status st = COH_OK;
    for (size_t j = 0; j < t->n_cols; j++)
        if (status[j] != COH_OK)
            st = status[j];
    free(status);
    if (st != COH_OK) {
        coh_describe_free(r);
        return st;
    }
    *out = r;
    return COH_OK;
}
