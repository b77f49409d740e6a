/* tabone.c - descriptive tables with group comparisons (cohort/tabone.h).
 *
 * What it computes, per variable and per column (an optional "All" column,
 * then one column per group of the `by` variable):
 *
 *   categorical   n_lj, the rows of level l in column j, and its percentage
 *                 100 n_lj / m_j, with m_j the non-missing values of column
 *                 j (column percent) or m_l the non-missing values of level
 *                 l over the groups (row percent).  Missing values are
 *                 counted on their own row and never enter m.
 *   continuous    over the non-missing values of the column: median and
 *                 quartiles by R's quantile type 7 (Hyndman & Fan 1996,
 *                 definition 7: x[h] + (h - floor h)(x[h+1] - x[h]) with
 *                 h = (n - 1) p, 0-based), mean, SD with divisor n - 1,
 *                 minimum and maximum.
 *
 * Tests compare the groups only (never the "All" column), on the
 * non-missing values, by the kernels of htest.h: chi-square (Pearson or
 * Yates) or Fisher for the levels x groups table, with `auto` choosing
 * Fisher when the smallest expected count m_l m_j / m is below
 * `fisher_below` (5), the rule of Cochran (1954) that SPSS and most
 * journals apply; Mann-Whitney U or Kruskal-Wallis, or t-test / one-way
 * ANOVA, for continuous variables.  SMDs are tableone's (htest.h).
 * docs/methods.md section 22 states all of it with sources.
 *
 * Nothing here is a numerical kernel: this file decides which kernel to
 * run, collects its inputs from the columns, and turns the results into
 * text.  A result that cannot be computed (no values, one group, a
 * constant variable) is shown as an en dash and explained in a warning;
 * no cell ever reads "NaN".
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/desc.h"
#include "cohort/format.h"
#include "cohort/htest.h"
#include "cohort/tabone.h"
#include "core/core.h"

#define DASH "\xe2\x80\x93" /* U+2013 EN DASH, the typographic range dash */

void coh_tabone_spec_init(coh_tabone_spec *s)
{
    memset(s, 0, sizeof *s);
    s->summary = COH_TABONE_MEDIAN_IQR;
    s->cat_test = COH_TABONE_CAT_AUTO;
    s->cont_test = COH_TABONE_CONT_RANK;
    s->wilcox_correct = true;
    s->wilcox_exact = true;
    s->overall = false;
    s->missing = COH_TABONE_MISSING_IFANY;
    s->percent = COH_TABONE_PCT_COLUMN;
    s->digits = 1;
    s->pct_digits = 1;
    s->p_digits = 2;
    s->fisher_below = 5;
    s->many_levels = 50;
    s->auto_levels = 5;
}

static void row_free(coh_tabone_row *r, size_t n_cols)
{
    free(r->variable);
    free(r->label);
    free(r->level);
    free(r->stat);
    free(r->p_text);
    free(r->smd_text);
    if (r->cells != NULL)
        for (size_t k = 0; k < n_cols; k++)
            free(r->cells[k].text);
    free(r->cells);
}

static void free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void coh_tabone_free(coh_tabone *tab)
{
    if (tab == NULL)
        return;
    free_strings(tab->col_labels, tab->n_cols);
    free_strings(tab->col_levels, tab->n_cols);
    free(tab->col_n);
    free(tab->by);
    free(tab->by_label);
    for (size_t i = 0; i < tab->n_rows; i++)
        row_free(&tab->rows[i], tab->n_cols);
    free(tab->rows);
    for (size_t i = 0; i < tab->n_tests; i++)
        free(tab->tests[i].name);
    free(tab->tests);
    free_strings(tab->notes, tab->n_notes);
    free_strings(tab->warnings, tab->n_warnings);
    free(tab);
}

/* ---- text helpers ---------------------------------------------------- */

/* printf into a new string; NULL when memory runs out. */

/* Append a printf-made string to a string list; COH_ENOMEM on failure. */
static coh_status list_add(char ***v, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static coh_status list_add(char ***v, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = coh_vstrprintf(fmt, ap);
    va_end(ap);
    char **nv = s == NULL ? NULL : realloc(*v, (*n + 1) * sizeof **v);
    if (nv == NULL) {
        free(s);
        return COH_ENOMEM;
    }
    nv[*n] = s;
    *v = nv;
    (*n)++;
    return COH_OK;
}

/* A value with `digits` decimals; "-0.0" printed as "0.0" (a negative
 * number that rounds to zero is shown without its sign); dates as ISO. */
static void fmt_value(double v, int digits, bool date, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, DASH);
        return;
    }
    if (date) {
        coh_format_date(floor(v + 0.5), buf, size);
        return;
    }
    /* beyond 1e15 the digits before the point are no longer exact and
     * too many to read: scientific notation with 4 significant digits */
    if (fabs(v) >= 1e15) {
        snprintf(buf, size, "%.4g", v);
        return;
    }
    snprintf(buf, size, "%.*f", digits, v);
    if (buf[0] == '-') {
        bool zero = true;
        for (const char *c = buf + 1; *c; c++)
            if (*c != '0' && *c != '.')
                zero = false;
        if (zero)
            memmove(buf, buf + 1, strlen(buf));
    }
}

/* ---- levels of a column ------------------------------------------------ */

/* A column seen as a factor over the rows in use: n_levels levels (value
 * text and display text), in the order shown, and each row's level code
 * (-1 for a missing value or a row not in use).  Categorical and string
 * columns keep their level order; numeric ones get their distinct values
 * in increasing order. */
typedef struct factor {
    size_t n_levels;
    char **value;     /* stored value as text */
    char **display;   /* label or value */
    int32_t *code;    /* n rows */
} factor;

static void factor_free(factor *f)
{
    free_strings(f->value, f->n_levels);
    free_strings(f->display, f->n_levels);
    free(f->code);
    memset(f, 0, sizeof *f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Number text of a numeric level: ISO for dates, shortest decimal else. */
static void num_text(const coh_column *c, double v, char *buf, size_t size)
{
    if (c->type == COH_DATE)
        coh_format_date(v, buf, size);
    else
        coh_format_num(v, buf, size);
}

static coh_status factor_make(const coh_column *c, const uint8_t *use, factor *f)
{
    memset(f, 0, sizeof *f);
    size_t n = c->n;
    f->code = malloc((n ? n : 1) * sizeof *f->code);
    if (f->code == NULL)
        return COH_ENOMEM;
    if (!coh_type_is_numeric(c->type)) {
        f->n_levels = c->n_levels;
        f->value = calloc(c->n_levels ? c->n_levels : 1, sizeof *f->value);
        f->display = calloc(c->n_levels ? c->n_levels : 1, sizeof *f->display);
        if (f->value == NULL || f->display == NULL)
            return COH_ENOMEM;
        for (size_t k = 0; k < c->n_levels; k++) {
            f->value[k] = coh_strdup(c->levels[k]);
            f->display[k] = coh_strdup(coh_column_level_text(c, k));
            if (f->value[k] == NULL || f->display[k] == NULL)
                return COH_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            f->code[i] = use[i] && !coh_column_is_na(c, i) ? c->code[i] : -1;
        return COH_OK;
    }
    /* numeric: distinct values of the rows in use, increasing */
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return COH_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (use[i] && !coh_column_is_na(c, i) && isfinite(c->num[i]))
            v[m++] = c->num[i];
    qsort(v, m, sizeof *v, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || v[i] != v[u - 1])
            v[u++] = v[i];
    f->value = calloc(u ? u : 1, sizeof *f->value);
    f->display = calloc(u ? u : 1, sizeof *f->display);
    if (f->value == NULL || f->display == NULL) {
        free(v);
        return COH_ENOMEM;
    }
    f->n_levels = u;
    for (size_t k = 0; k < u; k++) {
        char buf[40];
        num_text(c, v[k], buf, sizeof buf);
        f->value[k] = coh_strdup(buf);
        f->display[k] = coh_strdup(buf);
        if (f->value[k] == NULL || f->display[k] == NULL) {
            free(v);
            return COH_ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        f->code[i] = -1;
        if (!use[i] || coh_column_is_na(c, i) || !isfinite(c->num[i]))
            continue;
        const double *hit = bsearch(&c->num[i], v, u, sizeof *v, cmp_double);
        f->code[i] = (int32_t)(hit - v);
    }
    free(v);
    return COH_OK;
}

/* Put the levels named in `order` (by value or display text) first, the
 * others after them in their order.  COH_EINVAL with a message when a
 * name matches no level. */
static coh_status factor_reorder(factor *f, size_t n_rows, const char *const *order,
                                 size_t n_order, const char *var, coh_error *err)
{
    if (order == NULL || n_order == 0)
        return COH_OK;
    size_t L = f->n_levels;
    size_t *perm = malloc((L ? L : 1) * sizeof *perm);     /* new -> old */
    int32_t *inv = malloc((L ? L : 1) * sizeof *inv);      /* old -> new */
    if (perm == NULL || inv == NULL) {
        free(perm);
        free(inv);
        return COH_ENOMEM;
    }
    for (size_t k = 0; k < L; k++)
        inv[k] = -1;
    size_t m = 0;
    for (size_t o = 0; o < n_order; o++) {
        size_t k = 0;
        while (k < L && strcmp(f->value[k], order[o]) != 0 && strcmp(f->display[k], order[o]) != 0)
            k++;
        if (k == L) {
            free(perm);
            free(inv);
            return coh_error_set(err, COH_EINVAL, "variable '%s' has no level '%s'", var,
                                 order[o]);
        }
        if (inv[k] >= 0) {
            free(perm);
            free(inv);
            return coh_error_set(err, COH_EINVAL, "level '%s' of '%s' is given twice", order[o],
                                 var);
        }
        inv[k] = (int32_t)m;
        perm[m++] = k;
    }
    for (size_t k = 0; k < L; k++)
        if (inv[k] < 0) {
            inv[k] = (int32_t)m;
            perm[m++] = k;
        }
    char **nv = malloc((L ? L : 1) * sizeof *nv), **nd = malloc((L ? L : 1) * sizeof *nd);
    if (nv == NULL || nd == NULL) {
        free(nv);
        free(nd);
        free(perm);
        free(inv);
        return COH_ENOMEM;
    }
    for (size_t k = 0; k < L; k++) {
        nv[k] = f->value[perm[k]];
        nd[k] = f->display[perm[k]];
    }
    free(f->value);
    free(f->display);
    f->value = nv;
    f->display = nd;
    free(perm);
    /* the codes follow the levels; rows not in use keep -1 */
    for (size_t i = 0; i < n_rows; i++)
        if (f->code[i] >= 0)
            f->code[i] = inv[f->code[i]];
    free(inv);
    return COH_OK;
}

/* ---- the table under construction -------------------------------------- */

typedef struct builder {
    const coh_tabone_spec *spec;
    coh_tabone *tab;
    const int32_t *grp;  /* group of each row, 0..G-1, or -1: not in the table */
    size_t n;            /* rows of the data */
    size_t G;            /* groups compared */
    size_t C;            /* columns: the overall one (if any) and the groups */
    size_t off;          /* column of group 0 */
    size_t cap_rows;
    bool used_auto_fisher;
    bool any_categorical, any_continuous;
    coh_error *err;
} builder;

/* Append a row of `kind` with its first-column text; its cells (none for
 * a section) have NAN numbers and no text yet.  *out is its index. */
static coh_status row_add(builder *b, coh_tabone_row_kind kind, const char *variable,
                          const char *label, size_t *out)
{
    coh_tabone *tab = b->tab;
    if (tab->n_rows == b->cap_rows) {
        size_t cap = b->cap_rows ? 2 * b->cap_rows : 16;
        coh_tabone_row *nr = realloc(tab->rows, cap * sizeof *nr);
        if (nr == NULL)
            return COH_ENOMEM;
        tab->rows = nr;
        b->cap_rows = cap;
    }
    coh_tabone_row *r = &tab->rows[tab->n_rows];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->p = NAN;
    r->smd = NAN;
    r->test = -1;
    tab->n_rows++; /* counted now so that coh_tabone_free sees it */
    r->label = coh_strdup(label);
    if (r->label == NULL || (variable != NULL && (r->variable = coh_strdup(variable)) == NULL))
        return COH_ENOMEM;
    if (kind != COH_TABONE_ROW_SECTION) {
        r->cells = calloc(b->C, sizeof *r->cells);
        if (r->cells == NULL)
            return COH_ENOMEM;
        for (size_t k = 0; k < b->C; k++) {
            coh_tabone_cell *c = &r->cells[k];
            c->n = c->pct = c->median = c->q1 = c->q3 = NAN;
            c->mean = c->sd = c->min = c->max = NAN;
        }
    }
    *out = tab->n_rows - 1;
    return COH_OK;
}

/* Index of the test called `name` in the footnotes, added when new; -1
 * when memory runs out. */
static int test_index(builder *b, const char *name)
{
    coh_tabone *tab = b->tab;
    for (size_t i = 0; i < tab->n_tests; i++)
        if (strcmp(tab->tests[i].name, name) == 0)
            return (int)i;
    coh_tabone_test *nt = realloc(tab->tests, (tab->n_tests + 1) * sizeof *nt);
    if (nt == NULL)
        return -1;
    tab->tests = nt;
    nt[tab->n_tests].name = coh_strdup(name);
    if (nt[tab->n_tests].name == NULL)
        return -1;
    nt[tab->n_tests].footnote = (int)tab->n_tests + 1;
    return (int)tab->n_tests++;
}

/* Record on row `ri` the result of test `name`.  When p is NAN the test
 * gave no answer: the row shows a dash, the test is not listed in the
 * footnotes (no row would carry its mark), and a warning gives `why`. */
static coh_status row_set_test(builder *b, size_t ri, const char *name, double p,
                               const char *var, const char *why)
{
    coh_tabone_row *r = &b->tab->rows[ri];
    r->p = isfinite(p) ? p : NAN;
    if (isfinite(p)) {
        int t = test_index(b, name);
        if (t < 0)
            return COH_ENOMEM;
        r = &b->tab->rows[ri];
        r->test = t;
        char buf[32];
        coh_format_p(p, b->spec->p_digits, buf, sizeof buf);
        r->p_text = coh_strdup(buf);
    } else {
        r->p_text = coh_strdup(DASH);
        if (list_add(&b->tab->warnings, &b->tab->n_warnings, "'%s': %s not computed: %s", var,
                     name, why != NULL && why[0] ? why : "the data do not allow it") != COH_OK)
            return COH_ENOMEM;
    }
    return r->p_text == NULL ? COH_ENOMEM : COH_OK;
}

static coh_status row_set_smd(builder *b, size_t ri, double smd)
{
    coh_tabone_row *r = &b->tab->rows[ri];
    r->smd = isfinite(smd) ? smd : NAN;
    char buf[352];
    if (isfinite(smd))
        snprintf(buf, sizeof buf, "%.3f", smd);
    else
        snprintf(buf, sizeof buf, DASH);
    r->smd_text = coh_strdup(buf);
    return r->smd_text == NULL ? COH_ENOMEM : COH_OK;
}

/* The label a variable is shown under. */
static const char *var_label(const coh_tabone_var *v, const coh_column *c)
{
    if (v->label != NULL && v->label[0])
        return v->label;
    if (c->label != NULL && c->label[0])
        return c->label;
    return c->name;
}

/* "n (p%)" or "n" when there is no denominator. */
static char *count_text(double n, double pct, int pct_digits)
{
    if (!isfinite(pct))
        return coh_strprintf("%.0f", n);
    return coh_strprintf("%.0f (%.*f%%)", n, pct_digits, pct);
}

/* The Missing row of a variable: counts per column, no percentages. */
static coh_status missing_row(builder *b, const char *var, const double *miss)
{
    const coh_tabone_spec *s = b->spec;
    double total = 0;
    for (size_t k = 0; k < b->C; k++)
        total += miss[k];
    if (s->missing == COH_TABONE_MISSING_NO ||
        (s->missing == COH_TABONE_MISSING_IFANY && total == 0))
        return COH_OK;
    size_t ri;
    coh_status st = row_add(b, COH_TABONE_ROW_MISSING, var, "Missing", &ri);
    if (st != COH_OK)
        return st;
    for (size_t k = 0; k < b->C; k++) {
        coh_tabone_cell *c = &b->tab->rows[ri].cells[k];
        c->n = miss[k];
        if ((c->text = coh_strprintf("%.0f", miss[k])) == NULL)
            return COH_ENOMEM;
    }
    return COH_OK;
}

/* The number a level's stored value spells, or NAN: labelled numeric
 * columns of SPSS, Stata and SAS files store their codes as text ("1",
 * "2.5") with the labels beside them. */
static double level_number(const char *v)
{
    char *end;
    double x = strtod(v, &end);
    return end != v && *end == '\0' && isfinite(x) ? x : NAN;
}

/* Is `col` a categorical column whose every level is a number (a labelled
 * numeric variable, which can also be summarised as a number)? */
static bool numeric_levels(const coh_column *col)
{
    if (col->type != COH_CATEGORICAL || col->n_levels == 0)
        return false;
    for (size_t k = 0; k < col->n_levels; k++)
        if (isnan(level_number(col->levels[k])))
            return false;
    return true;
}

/* ---- categorical variables ----------------------------------------------- */

/* The test of a levels x groups table (L x G, row-major) on row `ri`. */
static coh_status cat_test(builder *b, size_t ri, const char *var, const double *tabg, size_t L)
{
    const coh_tabone_spec *s = b->spec;
    size_t G = b->G;
    coh_htest h;
    coh_status st;
    double total = 0;
    for (size_t i = 0; i < L * G; i++)
        total += tabg[i];
    const char *pearson = "Pearson's chi-square test";
    if (total == 0)
        return row_set_test(b, ri, s->cat_test == COH_TABONE_CAT_FISHER ? "Fisher's exact test" : pearson,
                            NAN, var, "no non-missing values in the groups compared");
    /* one level or one group with values: nothing to compare.  (Fisher's
     * kernel would say p = 1, the chi-square kernel NaN; R's tests stop.
     * A table shows a dash and says why.) */
    size_t rows_used = 0, cols_used = 0;
    for (size_t l = 0; l < L; l++) {
        double sum = 0;
        for (size_t g = 0; g < G; g++)
            sum += tabg[l * G + g];
        rows_used += sum > 0;
    }
    for (size_t g = 0; g < G; g++) {
        double sum = 0;
        for (size_t l = 0; l < L; l++)
            sum += tabg[l * G + g];
        cols_used += sum > 0;
    }
    if (rows_used < 2 || cols_used < 2)
        return row_set_test(b, ri, s->cat_test == COH_TABONE_CAT_FISHER ? "Fisher's exact test" : pearson,
                            NAN, var, rows_used < 2 ? "one value only among the groups compared"
                                                    : "only one group has values");
    coh_tabone_cat_test which = s->cat_test;
    if (which == COH_TABONE_CAT_AUTO) {
        double me = coh_min_expected(tabg, L, G);
        which = isfinite(me) && me < s->fisher_below ? COH_TABONE_CAT_FISHER
                                                      : COH_TABONE_CAT_PEARSON;
    }
    if (which == COH_TABONE_CAT_FISHER) {
        st = coh_fisher_test(tabg, L, G, &h);
        if (st == COH_ENOMEM)
            return st;
        if (st == COH_OK && isfinite(h.p)) {
            if (s->cat_test == COH_TABONE_CAT_AUTO)
                b->used_auto_fisher = true; /* the footnote is owed only now */
            return row_set_test(b, ri, "Fisher's exact test", h.p, var, NULL);
        }
        if (s->cat_test == COH_TABONE_CAT_FISHER || st != COH_OK || strstr(h.note, "too large") == NULL)
            return row_set_test(b, ri, "Fisher's exact test", NAN, var,
                                h.note[0] ? h.note : "nothing to compare");
        /* auto: the table is too large for exact enumeration within the
         * budget; the chi-square test is the usable answer, and said so. */
        if (list_add(&b->tab->warnings, &b->tab->n_warnings,
                     "'%s': Fisher's exact test is too large to enumerate; Pearson's "
                     "chi-square test is shown instead", var) != COH_OK)
            return COH_ENOMEM;
        which = COH_TABONE_CAT_PEARSON;
    }
    st = coh_chisq_test(tabg, L, G, which == COH_TABONE_CAT_YATES, &h);
    if (st == COH_ENOMEM)
        return st;
    const char *name = strstr(h.method, "Yates") != NULL
                           ? "Chi-square test with Yates's continuity correction"
                           : pearson;
    return row_set_test(b, ri, name, st == COH_OK ? h.p : NAN, var,
                        h.note[0] ? h.note : "nothing to compare");
}

static coh_status add_categorical(builder *b, const coh_tabone_var *v, const coh_column *col,
                                  const uint8_t *use)
{
    const coh_tabone_spec *s = b->spec;
    coh_tabone *tab = b->tab;
    size_t C = b->C, G = b->G, off = b->off;
    factor f;
    double *counts = NULL, *tabg = NULL;
    coh_status st = factor_make(col, use, &f);
    if (st == COH_OK)
        st = factor_reorder(&f, b->n, v->levels, v->n_levels, col->name, b->err);
    if (st != COH_OK)
        goto done;
    size_t L = f.n_levels;
    counts = calloc((L + 2) * C, sizeof *counts); /* then missing, non-missing */
    tabg = calloc(L * G + 1, sizeof *tabg);
    if (counts == NULL || tabg == NULL) {
        st = COH_ENOMEM;
        goto done;
    }
    double *miss = counts + L * C;
    for (size_t i = 0; i < b->n; i++) {
        if (b->grp[i] < 0)
            continue;
        size_t g = (size_t)b->grp[i];
        double *rowc = f.code[i] < 0 ? miss : counts + (size_t)f.code[i] * C;
        rowc[off + g] += 1;
        if (off)
            rowc[0] += 1;
    }
    if (L > s->many_levels &&
        (st = list_add(&tab->warnings, &tab->n_warnings, "'%s' has %zu levels; %s", col->name, L,
                       coh_type_is_numeric(col->type) || numeric_levels(col)
                           ? "consider treating it as continuous"
                           : "consider grouping its levels")) != COH_OK)
        goto done;
    size_t vi;
    if ((st = row_add(b, COH_TABONE_ROW_VARIABLE, col->name, var_label(v, col), &vi)) != COH_OK)
        goto done;
    /* denominators: non-missing per column, and per level over the groups */
    double *nonmiss = counts + (L + 1) * C;
    for (size_t k = 0; k < C; k++) {
        nonmiss[k] = 0;
        for (size_t l = 0; l < L; l++)
            nonmiss[k] += counts[l * C + k];
    }
    for (size_t l = 0; l < L; l++) {
        size_t ri;
        if ((st = row_add(b, COH_TABONE_ROW_LEVEL, col->name, f.display[l], &ri)) != COH_OK)
            goto done;
        coh_tabone_row *r = &tab->rows[ri];
        if ((r->level = coh_strdup(f.value[l])) == NULL) {
            st = COH_ENOMEM;
            goto done;
        }
        double level_total = 0;
        for (size_t g = 0; g < G; g++)
            level_total += counts[l * C + off + g];
        for (size_t k = 0; k < C; k++) {
            double nlk = counts[l * C + k];
            double den = s->percent == COH_TABONE_PCT_ROW ? level_total : nonmiss[k];
            coh_tabone_cell *c = &r->cells[k];
            c->n = nlk;
            c->pct = den > 0 ? 100.0 * nlk / den : NAN;
            if ((c->text = count_text(nlk, c->pct, s->pct_digits)) == NULL) {
                st = COH_ENOMEM;
                goto done;
            }
        }
    }
    if ((st = missing_row(b, col->name, miss)) != COH_OK)
        goto done;
    if (G >= 2) {
        for (size_t l = 0; l < L; l++)
            for (size_t g = 0; g < G; g++)
                tabg[l * G + g] = counts[l * C + off + g];
        if (s->cat_test != COH_TABONE_CAT_NONE && (st = cat_test(b, vi, col->name, tabg, L)) != COH_OK)
            goto done;
        if (s->smd) {
            /* as for continuous variables: every group needs values */
            double smd = NAN;
            bool all_groups = L > 0;
            for (size_t g = 0; g < G && all_groups; g++)
                all_groups = nonmiss[off + g] > 0;
            if (all_groups) {
                st = coh_smd_categorical(tabg, L, G, &smd);
                if (st == COH_ENOMEM)
                    goto done;
            }
            if ((st = row_set_smd(b, vi, smd)) != COH_OK)
                goto done;
        }
    }
    b->any_categorical = true;
    st = COH_OK;
done:
    factor_free(&f);
    free(counts);
    free(tabg);
    return st;
}

/* ---- continuous variables ------------------------------------------------ */

typedef struct cont_stats {
    double n, median, q1, q3, mean, sd, min, max;
} cont_stats;

/* Summaries of x[0..m), which it sorts.  NAN where undefined (m = 0; SD
 * for m = 1).  Mean and SD in two passes (the mean first, then the squared
 * deviations from it), which loses no precision to cancellation; the sums
 * run over the sorted values, so that the result does not depend on the
 * order of the rows to the last bit. */
static void cont_summary(double *x, size_t m, cont_stats *o)
{
    o->n = (double)m;
    o->median = o->q1 = o->q3 = o->mean = o->sd = o->min = o->max = NAN;
    if (m == 0)
        return;
    qsort(x, m, sizeof *x, cmp_double);
    double sum = 0, lo = x[0], hi = x[0];
    for (size_t i = 0; i < m; i++) {
        sum += x[i];
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    o->min = lo;
    o->max = hi;
    /* Values near DBL_MAX overflow the plain sums; then everything is
     * divided by the largest magnitude first (the results are the same
     * up to rounding, and finite whenever they can be). */
    double scale = fmax(fabs(lo), fabs(hi));
    o->mean = sum / (double)m;
    if (!isfinite(o->mean)) {
        sum = 0;
        for (size_t i = 0; i < m; i++)
            sum += x[i] / scale;
        o->mean = sum / (double)m * scale;
    }
    if (m > 1) {
        double ss = 0;
        for (size_t i = 0; i < m; i++)
            ss += (x[i] - o->mean) * (x[i] - o->mean);
        o->sd = sqrt(ss / (double)(m - 1));
        if (!isfinite(o->sd) && isfinite(o->mean)) {
            ss = 0;
            for (size_t i = 0; i < m; i++) {
                double d = x[i] / scale - o->mean / scale;
                ss += d * d;
            }
            o->sd = sqrt(ss / (double)(m - 1)) * scale;
        }
    }
    o->q1 = coh_quantile7_inplace(x, m, 0.25);
    o->median = coh_quantile7_inplace(x, m, 0.5);
    o->q3 = coh_quantile7_inplace(x, m, 0.75);
}

enum { LINE_MEDIAN_IQR, LINE_MEAN_SD, LINE_MIN_MAX };

/* The separator of a range: an en dash ("53–69"), but " to " when an end
 * is negative or a date, where a dash would read as a minus sign or run
 * into the date's own hyphens ("-7.5 to -2.0", "2001-03-04 to 2009-10-11"). */
static const char *range_sep(const char *lo, const char *hi, bool date)
{
    return date || lo[0] == '-' || hi[0] == '-' ? " to " : DASH;
}

static char *cont_text(int line, const cont_stats *o, int digits, bool date)
{
    if (o->n == 0)
        return coh_strdup(DASH);
    char a[352], q1[352], q3[352]; /* %.10f of DBL_MAX: 309 + 12 bytes */
    switch (line) {
    case LINE_MEDIAN_IQR:
        fmt_value(o->median, digits, date, a, sizeof a);
        fmt_value(o->q1, digits, date, q1, sizeof q1);
        fmt_value(o->q3, digits, date, q3, sizeof q3);
        return coh_strprintf("%s (%s%s%s)", a, q1, range_sep(q1, q3, date), q3);
    case LINE_MEAN_SD:
        fmt_value(o->mean, digits, date, a, sizeof a);
        fmt_value(o->sd, digits, false, q1, sizeof q1);
        return coh_strprintf("%s (%s%s)", a, q1, date && isfinite(o->sd) ? " days" : "");
    default:
        fmt_value(o->min, digits, date, a, sizeof a);
        fmt_value(o->max, digits, date, q3, sizeof q3);
        return coh_strprintf("%s%s%s", a, range_sep(a, q3, date), q3);
    }
}

/* The test of a continuous variable: values v with groups g (m of them),
 * `cnt` per group; the two-group tests get the groups' slices of `byg`
 * (values sorted by group, group k from start[k]). */
static coh_status cont_test(builder *b, size_t ri, const char *var, const double *v,
                            const int *g, size_t m, const double *byg, const size_t *start,
                            const size_t *cnt)
{
    const coh_tabone_spec *s = b->spec;
    coh_htest h;
    coh_status st;
    const char *name;
    if (b->G == 2) {
        const double *x = byg + start[0], *y = byg + start[1];
        if (s->cont_test == COH_TABONE_CONT_RANK) {
            st = coh_wilcox_test(x, cnt[0], y, cnt[1], s->wilcox_correct, s->wilcox_exact, &h);
            name = h.exact ? "Mann-Whitney U test (exact)"
                   : s->wilcox_correct
                       ? "Mann-Whitney U test (normal approximation with continuity correction)"
                       : "Mann-Whitney U test (normal approximation)";
        } else {
            bool student = s->cont_test == COH_TABONE_CONT_STUDENT;
            st = coh_t_test(x, cnt[0], y, cnt[1], student, &h);
            name = student ? "Student's t-test" : "Welch's t-test";
        }
        if (cnt[0] == 0 || cnt[1] == 0) {
            snprintf(h.note, sizeof h.note, "a group has no values");
            h.p = NAN;
        }
    } else {
        if (s->cont_test == COH_TABONE_CONT_RANK) {
            st = coh_kruskal_test(v, g, m, b->G, &h);
            name = "Kruskal-Wallis test";
        } else if (s->cont_test == COH_TABONE_CONT_WELCH) {
            st = coh_welch_anova_test(v, g, m, b->G, &h);
            name = "Welch's one-way ANOVA (not assuming equal variances)";
        } else {
            st = coh_anova_test(v, g, m, b->G, &h);
            name = "One-way analysis of variance";
        }
    }
    if (st == COH_ENOMEM)
        return st;
    return row_set_test(b, ri, name, st == COH_OK ? h.p : NAN, var,
                        h.note[0] ? h.note : "the data do not allow it");
}

static coh_status add_continuous(builder *b, const coh_tabone_var *v, const coh_column *col)
{
    const coh_tabone_spec *s = b->spec;
    coh_tabone *tab = b->tab;
    size_t C = b->C, G = b->G, off = b->off;
    bool labelled = numeric_levels(col);
    if (!coh_type_is_numeric(col->type) && !labelled)
        return coh_error_set(b->err, COH_EINVAL,
                             "variable '%s' holds text (%s): it can only be shown as categorical",
                             col->name, coh_type_name(col->type));
    int digits = v->digits >= 0 ? v->digits : s->digits;
    bool date = col->type == COH_DATE;
    coh_status st = COH_OK;
    double *level_num = NULL; /* labelled numeric: the number of each level */
    if (labelled) {
        level_num = malloc(col->n_levels * sizeof *level_num);
        if (level_num == NULL)
            return COH_ENOMEM;
        for (size_t k = 0; k < col->n_levels; k++)
            level_num[k] = level_number(col->levels[k]);
    }
    /* one block: values and groups of the rows in the table, values sorted
     * by group, a scratch copy for the quantiles, counts per column */
    size_t n = b->n;
    double *vals = malloc((3 * n + 1) * sizeof *vals);
    int *g = malloc((n + 1) * sizeof *g);
    size_t *start = calloc(2 * G + 1, sizeof *start);
    double *miss = calloc(C, sizeof *miss);
    cont_stats *cs = calloc(C, sizeof *cs);
    if (vals == NULL || g == NULL || start == NULL || miss == NULL || cs == NULL) {
        st = COH_ENOMEM;
        goto done;
    }
    double *byg = vals + n, *scratch = vals + 2 * n;
    size_t *cnt = start + G, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (b->grp[i] < 0)
            continue;
        size_t gi = (size_t)b->grp[i];
        double x = coh_column_is_na(col, i) ? NAN
                   : labelled             ? level_num[col->code[i]]
                                          : col->num[i];
        if (!isfinite(x)) {
            miss[off + gi] += 1;
            if (off)
                miss[0] += 1;
            continue;
        }
        vals[m] = x;
        g[m++] = (int)gi;
        cnt[gi]++;
    }
    for (size_t k = 1; k < G; k++)
        start[k] = start[k - 1] + cnt[k - 1];
    {
        size_t *pos = calloc(G, sizeof *pos);
        if (pos == NULL) {
            st = COH_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < m; i++)
            byg[start[g[i]] + pos[g[i]]++] = vals[i];
        free(pos);
    }
    /* Each group's values sorted, and the groups in order: the tests and
     * SMDs then see the same sequence whatever the order of the rows, and
     * their sums round alike (row-order invariance to the last bit). */
    for (size_t k = 0; k < G; k++)
        qsort(byg + start[k], cnt[k], sizeof *byg, cmp_double);
    for (size_t k = 0; k < G; k++)
        for (size_t i = start[k]; i < start[k] + cnt[k]; i++)
            g[i] = (int)k;
    for (size_t k = 0; k < C; k++) {
        const double *src = off && k == 0 ? vals : byg + start[k - off];
        size_t len = off && k == 0 ? m : cnt[k - off];
        memcpy(scratch, src, len * sizeof *scratch);
        cont_summary(scratch, len, &cs[k]);
    }
    int lines[3], n_lines = 0;
    if (s->summary != COH_TABONE_MEAN_SD)
        lines[n_lines++] = LINE_MEDIAN_IQR;
    if (s->summary != COH_TABONE_MEDIAN_IQR)
        lines[n_lines++] = LINE_MEAN_SD;
    if (s->minmax)
        lines[n_lines++] = LINE_MIN_MAX;
    static const char *const line_stat[] = {"median_iqr", "mean_sd", "min_max"};
    static const char *const line_name[] = {"median (IQR)", "mean (SD)", "min" DASH "max"};
    size_t first = 0;
    for (int li = 0; li < n_lines; li++) {
        int line = lines[li];
        char *label = li == 0 ? coh_strprintf("%s, %s", var_label(v, col), line_name[line])
                              : coh_strdup(line_name[line]);
        if (label == NULL) {
            st = COH_ENOMEM;
            goto done;
        }
        size_t ri;
        st = row_add(b, COH_TABONE_ROW_SUMMARY, col->name, label, &ri);
        free(label);
        if (st != COH_OK)
            goto done;
        /* the p-value and SMD go on the line the test is about: the
         * mean line for t-tests and ANOVA when there is one, else the first */
        bool means = s->cont_test == COH_TABONE_CONT_WELCH || s->cont_test == COH_TABONE_CONT_STUDENT;
        if (li == 0 || (means && line == LINE_MEAN_SD))
            first = ri;
        coh_tabone_row *r = &tab->rows[ri];
        if ((r->stat = coh_strdup(line_stat[line])) == NULL) {
            st = COH_ENOMEM;
            goto done;
        }
        for (size_t k = 0; k < C; k++) {
            coh_tabone_cell *c = &r->cells[k];
            c->n = cs[k].n;
            if (line == LINE_MEDIAN_IQR) {
                c->median = cs[k].median;
                c->q1 = cs[k].q1;
                c->q3 = cs[k].q3;
            } else if (line == LINE_MEAN_SD) {
                c->mean = cs[k].mean;
                c->sd = cs[k].sd;
            } else {
                c->min = cs[k].min;
                c->max = cs[k].max;
            }
            if ((c->text = cont_text(line, &cs[k], digits, date)) == NULL) {
                st = COH_ENOMEM;
                goto done;
            }
        }
    }
    if ((st = missing_row(b, col->name, miss)) != COH_OK)
        goto done;
    if (m == 0 && (st = list_add(&tab->warnings, &tab->n_warnings,
                                 "'%s': every value is missing", col->name)) != COH_OK)
        goto done;
    if (G >= 2) {
        /* constant within every group with values: worth a word, since
         * the tests then rest on the differences between groups alone */
        bool constant = false; /* some group has 2 or more values, all equal */
        for (size_t k = 0; k < G; k++)
            if (cnt[k] > 1) {
                constant = cs[off + k].min == cs[off + k].max;
                if (!constant)
                    break;
            }
        if (constant &&
            (st = list_add(&tab->warnings, &tab->n_warnings, "'%s' is constant within each group",
                           col->name)) != COH_OK)
            goto done;
        if (s->cont_test != COH_TABONE_CONT_NONE &&
            (st = cont_test(b, first, col->name, byg, g, m, byg, start, cnt)) != COH_OK)
            goto done;
        if (s->smd) {
            /* tableone: a group without values makes the SMD undefined
             * (NA), rather than an average over the other pairs */
            double smd = NAN;
            bool all_groups = true;
            for (size_t k = 0; k < G; k++)
                all_groups = all_groups && cnt[k] > 0;
            if (all_groups) {
                st = coh_smd_continuous(byg, g, m, G, &smd);
                if (st == COH_ENOMEM)
                    goto done;
            }
            if ((st = row_set_smd(b, first, smd)) != COH_OK)
                goto done;
        }
    }
    b->any_continuous = true;
    st = COH_OK;
done:
    free(level_num);
    free(vals);
    free(g);
    free(start);
    free(miss);
    free(cs);
    return st;
}

/* ---- the whole table ------------------------------------------------------ */

/* Is `col` shown as categorical?  `auto` rule in tabone.h: integer columns
 * with few distinct values are codes.  The values are counted over the
 * whole column, not the rows in use, so that a subset (--where) shows a
 * variable the way the full data do. */
static bool is_categorical(const coh_tabone_spec *s, const coh_tabone_var *v,
                           const coh_column *col, bool *by_rule)
{
    *by_rule = false;
    if (v->kind != COH_TABONE_AUTO)
        return v->kind == COH_TABONE_CATEGORICAL;
    if (!coh_type_is_numeric(col->type))
        return true;
    if (col->type != COH_INTEGER || s->auto_levels == 0)
        return false;
    double seen[64];
    size_t n_seen = 0, cap = s->auto_levels < 64 ? s->auto_levels : 63;
    for (size_t i = 0; i < col->n; i++) {
        if (coh_column_is_na(col, i))
            continue;
        size_t k = 0;
        while (k < n_seen && seen[k] != col->num[i])
            k++;
        if (k == n_seen) {
            if (n_seen == cap)
                return false;
            seen[n_seen++] = col->num[i];
        }
    }
    *by_rule = n_seen > 0;
    return n_seen > 0;
}

/* The columns of the table from the grouping variable: fills b->grp (the
 * caller's array of n), the column labels and sizes. */
static coh_status make_columns(builder *b, const coh_table *t, int32_t *grp)
{
    const coh_tabone_spec *s = b->spec;
    coh_tabone *tab = b->tab;
    size_t n = t->n_rows;
    uint8_t *use = malloc(n ? n : 1);
    if (use == NULL)
        return COH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        use[i] = s->keep == NULL || s->keep[i];
    coh_status st = COH_OK;
    factor f = {0};
    size_t *size = NULL;
    const char *overall = s->overall_label != NULL ? s->overall_label : "All";
    size_t n_use = 0;
    for (size_t i = 0; i < n; i++)
        n_use += use[i];
    if (n_use == 0) {
        st = n == 0 ? coh_error_set(b->err, COH_EDOMAIN, "the data have no rows")
                    : coh_error_set(b->err, COH_EDOMAIN,
                                    "no rows to summarise: the row selection keeps none of "
                                    "the %zu rows", n);
        goto done;
    }
    if (s->by == NULL) {
        b->G = 1;
        b->C = 1;
        b->off = 0;
        tab->has_overall = false;
        tab->n_groups = 1;
        tab->col_labels = calloc(1, sizeof(char *));
        tab->col_levels = calloc(1, sizeof(char *));
        tab->col_n = calloc(1, sizeof(double));
        if (tab->col_labels == NULL || tab->col_levels == NULL || tab->col_n == NULL) {
            st = COH_ENOMEM;
            goto done;
        }
        tab->n_cols = 1;
        if ((tab->col_labels[0] = coh_strdup(overall)) == NULL) {
            st = COH_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            grp[i] = use[i] ? 0 : -1;
            tab->n_used += use[i];
        }
        tab->col_n[0] = (double)tab->n_used;
        goto done;
    }
    const coh_column *bc = coh_table_find(t, s->by);
    if (bc == NULL) {
        st = coh_error_set(b->err, COH_ENOTFOUND, "grouping variable '%s': no such column", s->by);
        goto done;
    }
    tab->by = coh_strdup(bc->name);
    tab->by_label = coh_strdup(bc->label != NULL && bc->label[0] ? bc->label : bc->name);
    if (tab->by == NULL || tab->by_label == NULL) {
        st = COH_ENOMEM;
        goto done;
    }
    if ((st = factor_make(bc, use, &f)) != COH_OK ||
        (st = factor_reorder(&f, n, s->by_levels, s->n_by_levels, bc->name, b->err)) != COH_OK)
        goto done;
    size = calloc(f.n_levels + 1, sizeof *size);
    int32_t *map = malloc((f.n_levels + 1) * sizeof *map); /* level -> group */
    if (size == NULL || map == NULL) {
        free(map);
        st = COH_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!use[i])
            continue;
        if (f.code[i] < 0)
            tab->n_by_missing++;
        else
            size[f.code[i]]++;
    }
    size_t G = 0;
    for (size_t k = 0; k < f.n_levels; k++)
        map[k] = size[k] > 0 ? (int32_t)G++ : -1;
    for (size_t i = 0; i < n; i++)
        grp[i] = use[i] && f.code[i] >= 0 ? map[f.code[i]] : -1;
    if (G == 0) {
        free(map);
        st = coh_error_set(b->err, COH_EDOMAIN,
                           "grouping variable '%s': no row has a value (%zu rows, all missing)",
                           bc->name, tab->n_by_missing);
        goto done;
    }
    b->G = G;
    b->off = s->overall ? 1 : 0;
    b->C = G + b->off;
    tab->has_overall = s->overall;
    tab->n_groups = G;
    tab->col_labels = calloc(b->C, sizeof(char *));
    tab->col_levels = calloc(b->C, sizeof(char *));
    tab->col_n = calloc(b->C, sizeof(double));
    if (tab->col_labels == NULL || tab->col_levels == NULL || tab->col_n == NULL) {
        free(map);
        st = COH_ENOMEM;
        goto done;
    }
    tab->n_cols = b->C;
    if (b->off && (tab->col_labels[0] = coh_strdup(overall)) == NULL) {
        free(map);
        st = COH_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < f.n_levels; k++) {
        if (map[k] < 0)
            continue;
        size_t j = b->off + (size_t)map[k];
        tab->col_labels[j] = coh_strdup(f.display[k]);
        tab->col_levels[j] = coh_strdup(f.value[k]);
        tab->col_n[j] = (double)size[k];
        tab->n_used += size[k];
        if (tab->col_labels[j] == NULL || tab->col_levels[j] == NULL) {
            free(map);
            st = COH_ENOMEM;
            goto done;
        }
    }
    if (b->off)
        tab->col_n[0] = (double)tab->n_used;
    for (size_t k = 0; k < f.n_levels && st == COH_OK; k++)
        if (map[k] < 0)
            st = list_add(&tab->notes, &tab->n_notes, "%s '%s' has no rows and is not shown.",
                          tab->by_label, f.display[k]);
    free(map);
    if (st != COH_OK)
        goto done;
    if (G == 1 && (st = list_add(&tab->warnings, &tab->n_warnings,
                                 "grouping variable '%s' has one level ('%s') among the rows "
                                 "used: there is nothing to compare, so no p-values or SMDs",
                                 bc->name, tab->col_labels[b->off])) != COH_OK)
        goto done;
    if (tab->n_by_missing > 0)
        st = list_add(&tab->notes, &tab->n_notes,
                      "%zu row%s with a missing value of %s %s left out.", tab->n_by_missing,
                      tab->n_by_missing == 1 ? "" : "s", tab->by_label,
                      tab->n_by_missing == 1 ? "is" : "are");
done:
    factor_free(&f);
    free(size);
    free(use);
    return st;
}

static coh_status check_spec(const coh_table *t, const coh_tabone_spec *s, coh_error *err)
{
    if (t == NULL || s == NULL)
        return coh_error_set(err, COH_EINVAL, "no data or no table specification");
    if (s->n_vars == 0 || s->vars == NULL)
        return coh_error_set(err, COH_EINVAL, "no variables to show");
    if (s->digits < 0 || s->digits > 10)
        return coh_error_set(err, COH_EINVAL, "digits must be 0 to 10, not %d", s->digits);
    if (s->pct_digits < 0 || s->pct_digits > 6)
        return coh_error_set(err, COH_EINVAL, "percent digits must be 0 to 6, not %d",
                             s->pct_digits);
    if (s->p_digits < 1 || s->p_digits > 6)
        return coh_error_set(err, COH_EINVAL, "p digits must be 1 to 6, not %d", s->p_digits);
    if (!(s->fisher_below >= 0))
        return coh_error_set(err, COH_EINVAL, "the expected-count threshold must be >= 0");
    for (size_t i = 0; i < s->n_vars; i++) {
        const coh_tabone_var *v = &s->vars[i];
        if (v->name == NULL || coh_table_find(t, v->name) == NULL)
            return coh_error_set(err, COH_ENOTFOUND, "variable '%s': no such column",
                                 v->name ? v->name : "(null)");
        if (s->by != NULL && strcmp(v->name, s->by) == 0)
            return coh_error_set(err, COH_EINVAL,
                                 "variable '%s' is the grouping variable; it cannot also be a row",
                                 v->name);
        if (v->digits > 10)
            return coh_error_set(err, COH_EINVAL, "digits of '%s' must be 0 to 10, not %d",
                                 v->name, v->digits);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->vars[j].name, v->name) == 0)
                return coh_error_set(err, COH_EINVAL, "variable '%s' is listed twice", v->name);
    }
    return COH_OK;
}

/* The footnotes that say how the cells were computed. */
static coh_status method_notes(builder *b)
{
    const coh_tabone_spec *s = b->spec;
    coh_tabone *tab = b->tab;
    coh_status st = COH_OK;
    if (b->any_categorical)
        st = list_add(&tab->notes, &tab->n_notes,
                      "Categorical variables: n (%%), percentages of the non-missing values %s; "
                      "missing values are counted on their own row and left out of the "
                      "percentages.",
                      s->percent == COH_TABONE_PCT_ROW ? "of each level across the groups"
                                                       : "in each column");
    if (st == COH_OK && b->any_continuous) {
        const char *what = s->summary == COH_TABONE_MEDIAN_IQR ? "median (IQR)"
                           : s->summary == COH_TABONE_MEAN_SD  ? "mean (SD)"
                                                               : "median (IQR) and mean (SD)";
        st = list_add(&tab->notes, &tab->n_notes,
                      "Continuous variables: %s%s; quartiles by R's quantile type 7 "
                      "(Hyndman and Fan 1996); SD with divisor n - 1.",
                      what, s->minmax ? ", and min" DASH "max" : "");
    }
    if (st == COH_OK && b->used_auto_fisher)
        st = list_add(&tab->notes, &tab->n_notes,
                      "Fisher's exact test was used where an expected count was below %g, "
                      "Pearson's chi-square test (without continuity correction) otherwise.",
                      s->fisher_below);
    if (st == COH_OK && s->smd && b->G >= 2)
        st = list_add(&tab->notes, &tab->n_notes,
                      "SMD: standardised mean difference as R's tableone computes it%s.",
                      b->G > 2 ? " (the mean over all pairs of groups)" : "");
    return st;
}

coh_status coh_tabone_build(const coh_table *t, const coh_tabone_spec *spec, coh_tabone **out,
                            coh_error *err)
{
    *out = NULL;
    coh_status st = check_spec(t, spec, err);
    if (st != COH_OK)
        return st;
    coh_tabone *tab = calloc(1, sizeof *tab);
    int32_t *grp = malloc((t->n_rows ? t->n_rows : 1) * sizeof *grp);
    if (tab == NULL || grp == NULL) {
        free(tab);
        free(grp);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    tab->spec = *spec;
    tab->spec.by = NULL;
    tab->spec.by_levels = NULL;
    tab->spec.n_by_levels = 0;
    tab->spec.vars = NULL;
    tab->spec.n_vars = 0;
    tab->spec.keep = NULL;
    tab->spec.overall_label = NULL;
    builder b = {.spec = spec, .tab = tab, .grp = grp, .n = t->n_rows, .err = err};
    coh_error_clear(err);
    if ((st = make_columns(&b, t, grp)) != COH_OK)
        goto fail;
    if (tab->n_used == 0) {
        st = coh_error_set(err, COH_EDOMAIN, "no rows to summarise");
        goto fail;
    }
    size_t ri;
    if ((st = row_add(&b, COH_TABONE_ROW_N, NULL, "n", &ri)) != COH_OK)
        goto fail;
    for (size_t k = 0; k < b.C; k++) {
        coh_tabone_cell *c = &tab->rows[ri].cells[k];
        c->n = tab->col_n[k];
        if ((c->text = coh_strprintf("%.0f", c->n)) == NULL) {
            st = COH_ENOMEM;
            goto fail;
        }
    }
    for (size_t i = 0; i < spec->n_vars; i++) {
        const coh_tabone_var *v = &spec->vars[i];
        const coh_column *col = coh_table_find(t, v->name);
        if (v->section != NULL && v->section[0] &&
            (st = row_add(&b, COH_TABONE_ROW_SECTION, NULL, v->section, &ri)) != COH_OK)
            goto fail;
        bool by_rule;
        if (is_categorical(spec, v, col, &by_rule)) {
            if (v->digits >= 0) {
                st = coh_error_set(err, COH_EINVAL,
                                   "digits are given for '%s', which is shown as categorical "
                                   "(digits apply to continuous variables)", col->name);
                goto fail;
            }
            if (by_rule &&
                (st = list_add(&tab->notes, &tab->n_notes,
                               "'%s' holds whole numbers with at most %zu distinct values and "
                               "is shown as categorical.", col->name, spec->auto_levels)) != COH_OK)
                goto fail;
            uint8_t *use = malloc(t->n_rows ? t->n_rows : 1);
            if (use == NULL) {
                st = COH_ENOMEM;
                goto fail;
            }
            for (size_t r = 0; r < t->n_rows; r++)
                use[r] = grp[r] >= 0;
            st = add_categorical(&b, v, col, use);
            free(use);
        } else {
            if (v->levels != NULL && v->n_levels > 0) {
                st = coh_error_set(err, COH_EINVAL,
                                   "levels are given for '%s', which is shown as continuous "
                                   "(show it as categorical to order its levels)", col->name);
                goto fail;
            }
            st = add_continuous(&b, v, col);
        }
        if (st != COH_OK)
            goto fail;
    }
    if ((st = method_notes(&b)) != COH_OK)
        goto fail;
    /* rows without a test or SMD get empty text, so writers need not test */
    for (size_t r = 0; r < tab->n_rows; r++) {
        coh_tabone_row *row = &tab->rows[r];
        if ((row->p_text == NULL && (row->p_text = coh_strdup("")) == NULL) ||
            (row->smd_text == NULL && (row->smd_text = coh_strdup("")) == NULL)) {
            st = COH_ENOMEM;
            goto fail;
        }
        if (row->cells != NULL)
            for (size_t k = 0; k < b.C; k++)
                if (row->cells[k].text == NULL && (row->cells[k].text = coh_strdup("")) == NULL) {
                    st = COH_ENOMEM;
                    goto fail;
                }
    }
    free(grp);
    *out = tab;
    return COH_OK;
fail:
    if (st == COH_ENOMEM)
        coh_error_set(err, COH_ENOMEM, "out of memory");
    free(grp);
    coh_tabone_free(tab);
    return st;
}
