/* test_km.c - Kaplan-Meier on data small enough to work by hand, and the
 * preparation of survival columns (checks, sorting, dropped rows). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"

/* Times 1, 2+, 3, 3, 5+ (+ censored): at t=1, 5 at risk, 1 event:
 * S = 4/5; t=2: censoring; t=3: 3 at risk, 2 events: S = 4/5 * 1/3 = 4/15;
 * t=5: censoring.  Greenwood: v(1) = 1/(5*4) = 0.05;
 * v(3) = 0.05 + 2/(3*1) = 0.71666...  */
static void test_by_hand(void)
{
    double t[] = {1, 2, 3, 3, 5};
    uint8_t e[] = {1, 0, 1, 1, 0};
    coh_km *km;
    check_int(coh_km_fit(t, e, 5, COH_CONF_LOG, 0.95, &km), COH_OK, "fit");
    check_int(km->n_times, 4, "distinct times");
    check_int(km->n_events, 3, "events");
    check_rel(km->surv[0], 0.8, 1e-15, "S(1)");
    check_rel(km->surv[1], 0.8, 1e-15, "S(2) unchanged by a censoring");
    check_rel(km->surv[2], 4.0 / 15.0, 1e-15, "S(3)");
    check_rel(km->n_risk[2], 3, 0, "3 at risk at t=3");
    check_rel(km->std_err[0], 0.8 * sqrt(0.05), 1e-15, "Greenwood at 1");
    check_rel(km->std_err[2], 4.0 / 15.0 * sqrt(0.05 + 2.0 / 3.0), 1e-15, "Greenwood at 3");
    double z = coh_dist_norm_quantile(0.975);
    check_rel(z, 1.959963984540054, 1e-15, "z");
    check_rel(km->lower[0], exp(log(0.8) - z * sqrt(0.05)), 1e-15, "log CI lower");
    check_rel(km->upper[0], fmin(1, exp(log(0.8) + z * sqrt(0.05))), 1e-15, "log CI upper");

    /* median: S first <= 0.5 at t = 3 */
    coh_km_quantile q;
    coh_km_median_r(km, &q);
    check_rel(q.estimate, 3, 0, "median");
    /* RMST to 4: 1*1 + (3-1)*0.8 + (4-3)*4/15 */
    coh_rmst r;
    coh_km_rmst(km, 4, &r);
    check_rel(r.estimate, 1 + 1.6 + 4.0 / 15.0, 1e-15, "RMST");
    /* se: A(t=1) = area from 1 to 4 = 1.6 + 4/15; A(3) = 4/15;
     * var = A1^2 * 1/(5*4) + A3^2 * 2/(3*1) */
    double a1 = 1.6 + 4.0 / 15.0, a3 = 4.0 / 15.0;
    check_rel(r.std_err, sqrt(a1 * a1 * 0.05 + a3 * a3 * 2.0 / 3.0), 1e-14, "RMST se");
    /* at times 0, 2.5, 10 */
    double at[] = {0, 2.5, 10};
    coh_km_at a[3];
    coh_km_at_times(km, at, 3, a);
    check_rel(a[0].surv, 1, 0, "S(0)");
    check_rel(a[0].n_risk, 5, 0, "5 at risk at 0");
    check_rel(a[1].surv, 0.8, 0, "S(2.5)");
    check_rel(a[1].n_risk, 3, 0, "3 at risk at 2.5");
    check_rel(a[1].n_event, 1, 0, "1 event in (0, 2.5]");
    check_rel(a[1].n_censor, 1, 0, "1 censoring in (0, 2.5]");
    check(a[2].beyond && a[2].n_risk == 0, "after the last time");
    coh_km_free(km);
}

/* Four events at 1, 2, 3, 4: S = 0.75, 0.5, 0.25, 0 -> the median sits on
 * a flat stretch at exactly 0.5 from 2 to 3: the midpoint 2.5 (R). */
static void test_midpoint(void)
{
    double t[] = {1, 2, 3, 4};
    uint8_t e[] = {1, 1, 1, 1};
    coh_km *km;
    coh_km_fit(t, e, 4, COH_CONF_PLAIN, 0.95, &km);
    coh_km_quantile q;
    coh_km_median_r(km, &q);
    check_rel(q.estimate, 2.5, 0, "print median midpoint");
    coh_km_quantile_r(km, 0.5, &q);
    check_rel(q.estimate, 2.5, 0, "quantile median midpoint");
    coh_km_quantile_r(km, 0.25, &q);
    check_rel(q.estimate, 1.5, 0, "first quartile midpoint");
    /* the last subject dies: S = 0, standard error undefined, as R */
    check(km->surv[3] == 0 && isnan(km->std_err[3]), "S = 0: std err NaN");
    coh_km_free(km);

    /* no events: nothing reached */
    uint8_t none[] = {0, 0, 0, 0};
    coh_km_fit(t, none, 4, COH_CONF_LOG, 0.95, &km);
    coh_km_median_r(km, &q);
    check(isnan(q.estimate) && isnan(q.lower) && isnan(q.upper), "median not reached");
    coh_km_median_spss(km, &q);
    check(isnan(q.estimate), "SPSS median not reached");
    coh_km_free(km);

    /* an empty curve */
    check_int(coh_km_fit(t, e, 0, COH_CONF_LOG, 0.95, &km), COH_OK, "empty fit");
    check_int(km->n_times, 0, "no rows");
    coh_km_quantile_r(km, 0.5, &q);
    check(isnan(q.estimate), "empty: no median");
    coh_km_free(km);
    check_int(coh_km_fit(t, e, 4, COH_CONF_LOG, 1.5, &km), COH_EINVAL, "bad level");
}

/* SPSS median by hand: ten events at 1..10, S drops by 0.1 each time.
 * Median: first S <= 0.5 at t = 5.  u: last S >= 0.55 at t = 4 (S 0.6);
 * l: first S <= 0.45 at t = 6 (S 0.4); f = 0.2 / 2 = 0.1;
 * SE = se S(5) / f, se S(5) = sqrt(0.5 * 0.5 / 10) (Greenwood, no censoring). */
static void test_spss_median(void)
{
    double t[10];
    uint8_t e[10];
    for (int i = 0; i < 10; i++) {
        t[i] = i + 1;
        e[i] = 1;
    }
    coh_km *km;
    coh_km_fit(t, e, 10, COH_CONF_LOG, 0.95, &km);
    coh_km_quantile q;
    coh_km_median_spss(km, &q);
    double se = sqrt(0.25 / 10) / 0.1;
    check_rel(q.estimate, 5, 0, "SPSS median");
    check_rel(q.std_err, se, 1e-12, "SPSS median SE");
    check_rel(q.lower, 5 - coh_dist_norm_quantile(0.975) * se, 1e-12, "symmetric lower");
    check_rel(q.upper, 5 + coh_dist_norm_quantile(0.975) * se, 1e-12, "symmetric upper");
    coh_km_free(km);
}

static void test_prepare(void)
{
    const char *csv = "t,s,g\n3,1,b\n1,0,a\n2,1,b\n,1,a\n5,1,\n4,0,a\n2,0,a\n";
    coh_table *tab;
    coh_error err;
    check_int(coh_read_csv_mem(csv, strlen(csv), "p.csv", NULL, &tab, &err), COH_OK, "read");
    coh_surv_spec spec = {"t", "s", NULL, 0, NULL, 0, "g", NULL, NULL};
    coh_surv_data *d;
    check_int(coh_surv_prepare(tab, &spec, &d, &err), COH_OK, "prepare");
    check_int(d->n, 5, "rows used");
    check_int(d->n_missing_time, 1, "missing time");
    check_int(d->n_missing_group, 1, "missing group");
    check_int(d->n_groups, 2, "groups");
    check_str(d->group_names[0], "a", "group a first");
    check_int(d->group_start[1], 3, "3 rows in a");
    check(d->g_time[0] == 1 && d->g_time[1] == 2 && d->g_time[2] == 4, "a sorted by time");
    check(d->g_time[3] == 2 && d->g_time[4] == 3, "b sorted by time");
    check(d->g_event[3] == 1 && d->g_event[0] == 0, "events travel with times");
    check(d->a_time[0] == 1 && d->a_time[4] == 4, "all rows sorted");
    coh_surv_data_free(d);

    /* bad codes and negative times */
    const char *bad = "t,s\n1,1\n-2,0\n3,2\n";
    coh_table *tb;
    coh_read_csv_mem(bad, strlen(bad), "b.csv", NULL, &tb, &err);
    coh_surv_spec sb = {"t", "s", NULL, 0, NULL, 0, NULL, NULL, NULL};
    check_int(coh_surv_prepare(tb, &sb, &d, &err), COH_ETYPE, "event code 2");
    check_contains(err.msg, "first '2', row 3", "names value and row");
    const char *ev[] = {"1", "2"}, *cz[] = {"0"};
    coh_surv_spec sb2 = {"t", "s", ev, 2, cz, 1, NULL, NULL, NULL};
    check_int(coh_surv_prepare(tb, &sb2, &d, &err), COH_EDOMAIN, "negative time");
    check_contains(err.msg, "column 't' has 1 negative value (row 2)", "names the row");
    coh_surv_spec sb3 = {"nope", "s", NULL, 0, NULL, 0, NULL, NULL, NULL};
    check_int(coh_surv_prepare(tb, &sb3, &d, &err), COH_ENOTFOUND, "unknown column");
    coh_table_free(tb);
    coh_table_free(tab);

    /* the radix sort is stable and orders like a comparison sort */
    size_t n = 100000;
    double *v = malloc(n * sizeof *v);
    uint64_t *p = malloc(n * sizeof *p);
    unsigned long long s = 99;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (double)((s >> 33) % 5000) / 7.0;
        p[i] = i;
    }
    double *orig = malloc(n * sizeof *orig);
    memcpy(orig, v, n * sizeof *v);
    coh_sort_times(v, p, n);
    int bad_order = 0;
    for (size_t i = 1; i < n; i++)
        bad_order += v[i] < v[i - 1] || (v[i] == v[i - 1] && p[i] < p[i - 1]) ||
                     orig[p[i]] != v[i];
    check_int(bad_order, 0, "sorted, stable, payload with its key");
    free(v);
    free(p);
    free(orig);
}

int main(void)
{
    RUN(test_by_hand);
    RUN(test_midpoint);
    RUN(test_spss_median);
    RUN(test_prepare);
    return check_report("test_km");
}
