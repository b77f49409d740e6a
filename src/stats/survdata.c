/* survdata.c - from table columns to sorted survival arrays.
 *
 * Sorting: a stable LSD radix sort of the times (non-negative doubles,
 * whose IEEE 754 bit patterns order like unsigned integers), four passes of
 * 16 bits over (key, row) pairs, O(n) and without comparisons; then a
 * stable counting sort by group (and, separately, by stratum), so that each
 * group's and each stratum's rows are in time order.  Nothing here depends
 * on how ties between an event and a censoring at the same time are
 * ordered: the kernels treat all rows at one time together.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/survdata.h"

void coh_surv_data_free(coh_surv_data *d)
{
    if (d == NULL)
        return;
    for (size_t g = 0; g < d->n_groups; g++)
        free(d->group_names[g]);
    for (size_t s = 0; s < d->n_strata; s++)
        free(d->stratum_names[s]);
    free(d->group_names);
    free(d->stratum_names);
    free(d->group_start);
    free(d->g_time);
    free(d->g_event);
    free(d->s_time);
    free(d->s_event);
    free(d->s_group);
    free(d->s_stratum);
    free(d->a_time);
    free(d->a_event);
    free(d);
}

coh_status coh_sort_times(double *time, uint64_t *payload, size_t n)
{
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    uint64_t *key2 = malloc((n ? n : 1) * sizeof *key2);
    uint64_t *pay2 = malloc((n ? n : 1) * sizeof *pay2);
    size_t *count = malloc(65536 * sizeof *count);
    if (key == NULL || key2 == NULL || pay2 == NULL || count == NULL) {
        free(key);
        free(key2);
        free(pay2);
        free(count);
        return COH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        double t = time[i] + 0.0; /* -0.0 becomes +0.0 */
        uint64_t b;
        memcpy(&b, &t, sizeof t);
        /* IEEE 754 bits order like integers once negative values have all
         * bits flipped and positive ones their sign bit set */
        key[i] = b >> 63 ? ~b : b | (UINT64_C(1) << 63);
    }
    uint64_t *k_in = key, *k_out = key2, *p_in = payload, *p_out = pay2;
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(k_in[i] >> shift) & 0xFFFF]++;
        /* skip a pass whose digit is the same for every key */
        if (n == 0 || count[(k_in[0] >> shift) & 0xFFFF] == n)
            continue;
        size_t sum = 0;
        for (size_t b = 0; b < 65536; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t b = (k_in[i] >> shift) & 0xFFFF;
            size_t to = count[b]++;
            k_out[to] = k_in[i];
            p_out[to] = p_in[i];
        }
        uint64_t *kt = k_in;
        k_in = k_out;
        k_out = kt;
        uint64_t *pt = p_in;
        p_in = p_out;
        p_out = pt;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t b = k_in[i] >> 63 ? k_in[i] & ~(UINT64_C(1) << 63) : ~k_in[i];
        memcpy(&time[i], &b, sizeof time[i]);
    }
    if (p_in != payload)
        memcpy(payload, p_in, n * sizeof *payload);
    free(key);
    free(key2);
    free(pay2);
    free(count);
    return COH_OK;
}

/* The text of row i of a column as a code value: the level for text
 * columns, the shortest decimal for numbers. */
static const char *value_text(const coh_column *c, size_t i, char *buf, size_t size)
{
    if (c->code != NULL)
        return c->levels[c->code[i]];
    coh_format_num(c->num[i], buf, size);
    return buf;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(s, list[k]) == 0)
            return true;
    return false;
}

/* A list of codes (event or censoring values), with the numeric value of
 * each code that reads as a number, so that numeric columns compare
 * numbers ("1" matches 1.0) without formatting every row as text. */
typedef struct code_list {
    const char *const *text;
    size_t n;
    double num[16];
    bool is_num[16];
} code_list;

static void code_list_init(code_list *cl, const char *const *text, size_t n)
{
    cl->text = text;
    cl->n = n;
    for (size_t k = 0; k < n && k < 16; k++) {
        char *end;
        cl->num[k] = strtod(text[k], &end);
        cl->is_num[k] = *end == '\0' && end != text[k] && isfinite(cl->num[k]);
    }
}

/* Does row i match a code?  Numbers compare numerically; text columns
 * compare the level and, failing that, its label. */
static bool matches(const coh_column *c, size_t i, const code_list *cl)
{
    if (c->num != NULL) {
        for (size_t k = 0; k < cl->n; k++) {
            if (k < 16 && cl->is_num[k]) {
                if (c->num[i] == cl->num[k])
                    return true;
            } else if (k >= 16) {
                char buf[40];
                if (strcmp(value_text(c, i, buf, sizeof buf), cl->text[k]) == 0)
                    return true;
            }
        }
        return false;
    }
    const char *level = c->levels[c->code[i]];
    if (in_list(level, cl->text, cl->n))
        return true;
    /* a numeric level (SPSS code "2") matches the code "2.0" too */
    char *end;
    double lv = strtod(level, &end);
    if (*level != '\0' && *end == '\0')
        for (size_t k = 0; k < cl->n && k < 16; k++)
            if (cl->is_num[k] && cl->num[k] == lv)
                return true;
    if (c->level_labels != NULL && c->level_labels[c->code[i]] != NULL)
        return in_list(c->level_labels[c->code[i]], cl->text, cl->n);
    return false;
}

void coh_rows_text(const size_t *rows, size_t n, char *buf, size_t size)
{
    size_t off = (size_t)snprintf(buf, size, "row%s", n == 1 ? "" : "s");
    for (size_t k = 0; k < n && k < 3 && off < size; k++)
        off += (size_t)snprintf(buf + off, size - off, "%s %zu", k ? "," : "", rows[k] + 1);
    if (n > 3 && off < size)
        snprintf(buf + off, size - off, ", ...");
}

coh_status coh_surv_event_codes(const coh_column *ce, const char *const *event_values,
                                size_t n_event_values, const char *const *censor_values,
                                size_t n_censor_values, const uint8_t *keep, uint8_t *ev,
                                coh_error *err)
{
    static const char *const one[] = {"1"}, *const zero[] = {"0"};
    const char *const *evv = event_values ? event_values : one;
    size_t n_evv = event_values ? n_event_values : 1;
    const char *const *cev = censor_values;
    size_t n_cev = n_censor_values;
    const char *other = NULL; /* the one non-event value of a two-valued column */
    char other_buf[40];
    if (cev == NULL && event_values == NULL) {
        cev = zero;
        n_cev = 1;
    }
    code_list ev_codes, cens_codes;
    code_list_init(&ev_codes, evv, n_evv);
    if (cev != NULL)
        code_list_init(&cens_codes, cev, n_cev);
    size_t bad_rows[3], n_bad = 0;
    const char *bad_value = NULL;
    char bad_buf[40];
    for (size_t i = 0; i < ce->n; i++) {
        ev[i] = 0;
        /* rows the filter excludes are not checked: "--where" can remove
         * rows with codes or times that would otherwise be errors */
        if (coh_column_is_na(ce, i) || (keep != NULL && !keep[i]))
            continue;
        if (matches(ce, i, &ev_codes)) {
            ev[i] = 1;
            continue;
        }
        if (cev != NULL && matches(ce, i, &cens_codes))
            continue;
        if (cev == NULL) {
            /* no censoring codes given: a second distinct value is the
             * censoring code, a third is an error */
            char buf[40];
            const char *v = value_text(ce, i, buf, sizeof buf);
            if (other == NULL) {
                snprintf(other_buf, sizeof other_buf, "%s", v);
                other = other_buf;
                continue;
            }
            if (strcmp(v, other) == 0)
                continue;
        }
        if (n_bad < 3)
            bad_rows[n_bad] = i;
        if (bad_value == NULL) {
            char tmp[40];
            snprintf(bad_buf, sizeof bad_buf, "%s", value_text(ce, i, tmp, sizeof tmp));
            bad_value = bad_buf;
        }
        n_bad++;
    }
    if (n_bad == 0)
        return COH_OK;
    char rows[80];
    coh_rows_text(bad_rows, n_bad, rows, sizeof rows);
    return coh_error_set(err, COH_ETYPE,
                         "column '%s' has %zu value%s that %s neither an event code nor a "
                         "censoring code (first '%s', %s); give --event-value and "
                         "--censor-value", ce->name, n_bad, n_bad == 1 ? "" : "s",
                         n_bad == 1 ? "is" : "are", bad_value, rows);
}

/* Group codes of a column: -1 for missing; names in level order (text) or
 * numeric order (numbers). */
static coh_status group_codes(const coh_column *c, int32_t *code, char ***names, size_t *n_names)
{
    *names = NULL;
    *n_names = 0;
    if (c->code != NULL) {
        *names = calloc(c->n_levels ? c->n_levels : 1, sizeof **names);
        if (*names == NULL)
            return COH_ENOMEM;
        for (size_t k = 0; k < c->n_levels; k++) {
            const char *s = c->level_labels && c->level_labels[k] ? c->level_labels[k]
                                                                   : c->levels[k];
            if (((*names)[k] = strdup(s)) == NULL)
                return COH_ENOMEM;
            (*n_names)++;
        }
        for (size_t i = 0; i < c->n; i++)
            code[i] = c->code[i];
        return COH_OK;
    }
    /* numbers: distinct values, sorted */
    double *v = malloc((c->n ? c->n : 1) * sizeof *v);
    if (v == NULL)
        return COH_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (!coh_column_is_na(c, i))
            v[m++] = c->num[i];
    uint64_t *perm = malloc((m ? m : 1) * sizeof *perm);
    double *distinct = malloc((m ? m : 1) * sizeof *distinct);
    coh_status st = COH_ENOMEM;
    if (perm == NULL || distinct == NULL)
        goto done;
    for (size_t i = 0; i < m; i++)
        perm[i] = i;
    if ((st = coh_sort_times(v, perm, m)) != COH_OK)
        goto done;
    size_t nd = 0;
    for (size_t i = 0; i < m; i++)
        if (nd == 0 || v[i] != distinct[nd - 1])
            distinct[nd++] = v[i];
    st = COH_ENOMEM;
    if (nd > 10000) {
        st = COH_EINVAL; /* a continuous variable, not groups */
        goto done;
    }
    *names = calloc(nd ? nd : 1, sizeof **names);
    if (*names == NULL)
        goto done;
    for (size_t k = 0; k < nd; k++) {
        char buf[40];
        if (c->type == COH_DATE)
            coh_format_date(distinct[k], buf, sizeof buf);
        else
            coh_format_num(distinct[k], buf, sizeof buf);
        if (((*names)[k] = strdup(buf)) == NULL)
            goto done;
        (*n_names)++;
    }
    for (size_t i = 0; i < c->n; i++) {
        code[i] = -1;
        if (coh_column_is_na(c, i))
            continue;
        double x = c->num[i];
        size_t a = 0, b = nd; /* binary search */
        while (b - a > 1) {
            size_t mid = (a + b) / 2;
            if (distinct[mid] <= x)
                a = mid;
            else
                b = mid;
        }
        code[i] = (int32_t)a;
    }
    st = COH_OK;
done:
    free(v);
    free(perm);
    free(distinct);
    return st;
}

static coh_status find_col(const coh_table *t, const char *name, const char *role,
                           const coh_column **out, coh_error *err)
{
    *out = coh_table_find(t, name);
    if (*out == NULL)
        return coh_error_set(err, COH_ENOTFOUND, "no column '%s' (the %s)", name, role);
    return COH_OK;
}

coh_status coh_surv_prepare(const coh_table *t, const coh_surv_spec *spec, coh_surv_data **out,
                            coh_error *err)
{
    coh_status st;
    *out = NULL;
    const coh_column *ct, *ce, *cg = NULL, *cs = NULL;
    if ((st = find_col(t, spec->time, "time", &ct, err)) != COH_OK ||
        (st = find_col(t, spec->event, "event", &ce, err)) != COH_OK ||
        (spec->group && (st = find_col(t, spec->group, "group", &cg, err)) != COH_OK) ||
        (spec->strata && (st = find_col(t, spec->strata, "strata", &cs, err)) != COH_OK))
        return st;
    if (ct->type != COH_DOUBLE && ct->type != COH_INTEGER)
        return coh_error_set(err, COH_ETYPE,
                             "the time column '%s' is %s; it must hold numbers (derive a "
                             "duration from dates first)", ct->name, coh_type_name(ct->type));
    size_t n = t->n_rows;
    coh_surv_data *d = calloc(1, sizeof *d);
    int32_t *gcode = malloc((n ? n : 1) * sizeof *gcode);
    int32_t *scode = malloc((n ? n : 1) * sizeof *scode);
    uint8_t *ev = malloc(n ? n : 1);
    uint8_t *use = malloc(n ? n : 1);
    uint64_t *pay = NULL;
    double *tsel = NULL;
    if (d == NULL || gcode == NULL || scode == NULL || ev == NULL || use == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto fail;
    }

    /* events: the stated codes, everything else an error */
    if ((st = coh_surv_event_codes(ce, spec->event_values, spec->n_event_values,
                                   spec->censor_values, spec->n_censor_values, spec->keep, ev,
                                   err)) != COH_OK)
        goto fail;

    /* negative times */
    size_t neg_rows[3], n_neg = 0;
    for (size_t i = 0; i < n; i++)
        if (!coh_column_is_na(ct, i) && ct->num[i] < 0 && (spec->keep == NULL || spec->keep[i])) {
            if (n_neg < 3)
                neg_rows[n_neg] = i;
            n_neg++;
        }
    if (n_neg > 0) {
        char rows[80];
        coh_rows_text(neg_rows, n_neg, rows, sizeof rows);
        st = coh_error_set(err, COH_EDOMAIN, "column '%s' has %zu negative value%s (%s)",
                           ct->name, n_neg, n_neg == 1 ? "" : "s", rows);
        goto fail;
    }

    /* groups and strata */
    if (cg != NULL) {
        if ((st = group_codes(cg, gcode, &d->group_names, &d->n_groups)) != COH_OK) {
            coh_error_set(err, st, st == COH_EINVAL ? "the group column '%s' has more than "
                                                      "10000 distinct values"
                                                    : "out of memory (group column '%s')",
                          cg->name);
            goto fail;
        }
    } else {
        d->group_names = malloc(sizeof *d->group_names);
        if (d->group_names == NULL || (d->group_names[0] = strdup("all")) == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            goto fail;
        }
        d->n_groups = 1;
        memset(gcode, 0, (n ? n : 1) * sizeof *gcode);
    }
    if (cs != NULL) {
        if ((st = group_codes(cs, scode, &d->stratum_names, &d->n_strata)) != COH_OK) {
            coh_error_set(err, st, "the strata column '%s' cannot be used as strata",
                          cs->name);
            goto fail;
        }
    } else {
        d->stratum_names = malloc(sizeof *d->stratum_names);
        if (d->stratum_names == NULL || (d->stratum_names[0] = strdup("all")) == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            goto fail;
        }
        d->n_strata = 1;
        memset(scode, 0, (n ? n : 1) * sizeof *scode);
    }

    /* rows used, and why others are not */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        use[i] = 0;
        if (spec->keep != NULL && !spec->keep[i])
            d->n_filtered++;
        else if (coh_column_is_na(ct, i))
            d->n_missing_time++;
        else if (coh_column_is_na(ce, i))
            d->n_missing_event++;
        else if (gcode[i] < 0)
            d->n_missing_group++;
        else if (scode[i] < 0)
            d->n_missing_stratum++;
        else {
            use[i] = 1;
            m++;
        }
    }
    d->n = m;
    pay = malloc((m ? m : 1) * sizeof *pay);
    tsel = malloc((m ? m : 1) * sizeof *tsel);
    d->group_start = calloc(d->n_groups + 1, sizeof *d->group_start);
    d->g_time = malloc((m ? m : 1) * sizeof *d->g_time);
    d->g_event = malloc(m ? m : 1);
    d->s_time = malloc((m ? m : 1) * sizeof *d->s_time);
    d->s_event = malloc(m ? m : 1);
    d->s_group = malloc((m ? m : 1) * sizeof *d->s_group);
    d->s_stratum = malloc((m ? m : 1) * sizeof *d->s_stratum);
    d->a_time = malloc((m ? m : 1) * sizeof *d->a_time);
    d->a_event = malloc(m ? m : 1);
    size_t *sstart = calloc(d->n_strata + 1, sizeof *sstart);
    if (pay == NULL || tsel == NULL || d->group_start == NULL ||
        d->g_time == NULL || d->g_event == NULL || d->s_time == NULL || d->s_event == NULL ||
        d->s_group == NULL || d->s_stratum == NULL || d->a_time == NULL || d->a_event == NULL ||
        sstart == NULL) {
        free(sstart);
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto fail;
    }
    /* the event, group and stratum travel with the time through the sort,
     * packed as event | group << 1 | stratum << 32 (at most 10000 groups
     * or strata: group_codes refuses more) */
    for (size_t i = 0, k = 0; i < n; i++)
        if (use[i]) {
            pay[k] = (uint64_t)ev[i] | (uint64_t)(uint32_t)gcode[i] << 1 |
                     (uint64_t)(uint32_t)scode[i] << 32;
            tsel[k++] = ct->num[i];
        }
    if ((st = coh_sort_times(tsel, pay, m)) != COH_OK) {
        free(sstart);
        coh_error_set(err, st, "out of memory");
        goto fail;
    }
    /* stable counting sorts by group and by stratum, in time order */
    for (size_t k = 0; k < m; k++) {
        d->group_start[(pay[k] >> 1 & 0x7FFFFFFF) + 1]++;
        sstart[(pay[k] >> 32) + 1]++;
    }
    for (size_t g = 0; g < d->n_groups; g++)
        d->group_start[g + 1] += d->group_start[g];
    for (size_t s = 0; s < d->n_strata; s++)
        sstart[s + 1] += sstart[s];
    size_t *gpos = malloc((d->n_groups + 1) * sizeof *gpos);
    if (gpos == NULL) {
        free(sstart);
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(gpos, d->group_start, (d->n_groups + 1) * sizeof *gpos);
    for (size_t k = 0; k < m; k++) {
        uint8_t e = (uint8_t)(pay[k] & 1);
        size_t g = (size_t)(pay[k] >> 1 & 0x7FFFFFFF), s = (size_t)(pay[k] >> 32);
        size_t gp = gpos[g]++, sp = sstart[s]++;
        d->g_time[gp] = tsel[k];
        d->g_event[gp] = e;
        d->s_time[sp] = tsel[k];
        d->s_event[sp] = e;
        d->s_group[sp] = (int32_t)g;
        d->s_stratum[sp] = (int32_t)s;
        d->a_time[k] = tsel[k];
        d->a_event[k] = e;
    }
    free(gpos);
    free(sstart);
    free(pay);
    free(tsel);
    free(gcode);
    free(scode);
    free(ev);
    free(use);
    *out = d;
    return COH_OK;
fail:
    free(pay);
    free(tsel);
    free(gcode);
    free(scode);
    free(ev);
    free(use);
    coh_surv_data_free(d);
    return st;
}
