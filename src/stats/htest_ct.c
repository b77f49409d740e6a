/* htest_ct.c - contingency-table tests and standardised mean differences
 * (include/cohort/htest.h; docs/methods.md sections 18 and 19).
 *
 * Input: counts[r * c], row-major, r >= 1 and c >= 1, finite and >= 0
 * (Fisher: whole numbers).  Rows or columns that sum to 0 are dropped
 * first; what is left is R x C with row sums R_i, column sums C_j, total n.
 *
 * Pearson's chi-square (R's chisq.test):  E_ij = R_i C_j / n,
 *   X2 = sum_ij (|O_ij - E_ij| - Y)^2 / E_ij,   df = (R - 1)(C - 1),
 *   p = P(chi2_df > X2);  Y = 0, or with Yates's correction on a 2 x 2 table
 *   Y = min(0.5, min_ij |O_ij - E_ij|) (R's choice: never over-correct).
 *
 * Fisher's exact test, two-sided (R's fisher.test): with all margins fixed
 * a table T has probability
 *   P(T) = prod_i R_i! prod_j C_j! / (n! prod_ij T_ij!),
 * and p = sum of P(T) over the tables with P(T) <= P(observed) (1 + 1e-7)
 * (R's relative tolerance, so that tables of equal probability computed
 * with different rounding count together).  2 x 2: the hypergeometric
 * support, as R's code.  R x C: the network algorithm of Mehta and Patel
 * (1983; R's FEXACT), see fisher_network below; it gives up (p NAN, a
 * note) beyond FISHER_MAX_WORK steps rather than run for minutes.
 *
 * SMD: as tableone's ExtractSmd (Yang and Dalton 2012), see coh_smd_*.
 *
 * Log-factorials come from lgamma_r (reentrant, unlike lgamma, which sets
 * the global signgam).  No file-scope mutable state.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/dist.h"
#include "cohort/htest.h"

/* The network enumeration's budget, in steps: a child column examined, a
 * past carried on, a completion scored; a new node counts the cost of its
 * bounds.  At most about 0.7 s on one core of a 2020s x86 (a 5 x 5 table
 * with n = 75 takes 0.6 s); beyond it the p-value is reported as not
 * computed.  A budget in steps, not seconds, keeps results reproducible. */
#define FISHER_MAX_WORK 50000000UL
/* ... and entries (node, past probability) kept at one stage. */
#define FISHER_MAX_ENTRIES 1000000UL
/* Past log-probabilities closer than this are merged into one entry (their
 * weights add exactly; only the inclusion decision uses the first one, and
 * the inclusion tolerance, log(1 + 1e-7), is 100 times coarser). */
#define PAST_GRID 1e-9

static void htest_init(coh_htest *out, const char *method)
{
    out->statistic = NAN;
    out->df = NAN;
    out->df2 = NAN;
    out->p = NAN;
    out->exact = false;
    snprintf(out->method, sizeof out->method, "%s", method);
    out->note[0] = '\0';
}

static double lnfact(double x)
{
    int sign;
    return lgamma_r(x + 1.0, &sign);
}

/* Check counts and find the non-empty rows and columns: keep_r[i] and
 * keep_c[j] (caller's arrays of r and c), their numbers in *nr, *nc, the
 * total in *n.  COH_EINVAL for a negative, non-finite or (integer) a
 * fractional count. */
static coh_status table_margins(const double *counts, size_t r, size_t c, bool integer,
                                bool *keep_r, bool *keep_c, size_t *nr, size_t *nc, double *n)
{
    double total = 0;
    for (size_t i = 0; i < r; i++)
        keep_r[i] = false;
    for (size_t j = 0; j < c; j++)
        keep_c[j] = false;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            double x = counts[i * c + j];
            if (!isfinite(x) || x < 0 || (integer && x != floor(x)))
                return COH_EINVAL;
            if (x > 0) {
                keep_r[i] = true;
                keep_c[j] = true;
            }
            total += x;
        }
    *nr = 0;
    *nc = 0;
    for (size_t i = 0; i < r; i++)
        *nr += keep_r[i];
    for (size_t j = 0; j < c; j++)
        *nc += keep_c[j];
    *n = total;
    return COH_OK;
}

/* The table without its empty rows and columns, row-major, in a new block
 * (NULL when memory runs out). */
static double *table_compact(const double *counts, size_t r, size_t c, const bool *keep_r,
                             const bool *keep_c, size_t nr, size_t nc)
{
    double *x = malloc(nr * nc * sizeof *x + 1);
    if (x == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < r; i++) {
        if (!keep_r[i])
            continue;
        for (size_t j = 0; j < c; j++)
            if (keep_c[j])
                x[k++] = counts[i * c + j];
    }
    return x;
}

/* Drop empty rows and columns; *x gets the compact table (caller frees).
 * *dropped tells whether anything was dropped. */
static coh_status table_prepare(const double *counts, size_t r, size_t c, bool integer,
                                double **x, size_t *nr, size_t *nc, double *n, bool *dropped)
{
    *x = NULL;
    if (counts == NULL || r == 0 || c == 0)
        return COH_EINVAL;
    bool *keep = malloc((r + c) * sizeof *keep);
    if (keep == NULL)
        return COH_ENOMEM;
    coh_status st = table_margins(counts, r, c, integer, keep, keep + r, nr, nc, n);
    if (st == COH_OK) {
        *dropped = *nr != r || *nc != c;
        *x = table_compact(counts, r, c, keep, keep + r, *nr, *nc);
        if (*x == NULL)
            st = COH_ENOMEM;
    }
    free(keep);
    return st;
}

/* The smallest expected count R_i C_j / n over the non-empty rows and
 * columns; NAN for an empty or invalid table. */
double coh_min_expected(const double *counts, size_t r, size_t c)
{
    double *x, n;
    size_t nr, nc;
    bool dropped;
    if (table_prepare(counts, r, c, false, &x, &nr, &nc, &n, &dropped) != COH_OK)
        return NAN;
    double min_rs = INFINITY, min_cs = INFINITY;
    for (size_t i = 0; i < nr; i++) {
        double s = 0;
        for (size_t j = 0; j < nc; j++)
            s += x[i * nc + j];
        if (s < min_rs)
            min_rs = s;
    }
    for (size_t j = 0; j < nc; j++) {
        double s = 0;
        for (size_t i = 0; i < nr; i++)
            s += x[i * nc + j];
        if (s < min_cs)
            min_cs = s;
    }
    free(x);
    return n > 0 ? min_rs * min_cs / n : NAN;
}

/* Pearson's chi-square test as R's chisq.test on the table without its
 * empty rows and columns (R would give NaN; the note says what was
 * dropped).  Yates's correction only when `yates` and the table is 2 x 2.
 * Fewer than 2 non-empty rows or columns: statistic 0, p NAN and a note
 * (there is nothing to compare).  COH_EINVAL for bad counts, COH_EDOMAIN
 * for an all-zero table. */
coh_status coh_chisq_test(const double *counts, size_t r, size_t c, bool yates, coh_htest *out)
{
    if (out == NULL)
        return COH_EINVAL;
    htest_init(out, "Pearson's Chi-squared test");
    double *x, n;
    size_t nr, nc;
    bool dropped;
    coh_status st = table_prepare(counts, r, c, false, &x, &nr, &nc, &n, &dropped);
    if (st != COH_OK)
        return st;
    if (n <= 0) {
        free(x);
        snprintf(out->note, sizeof out->note, "all counts are 0");
        return COH_EDOMAIN;
    }
    if (nr < 2 || nc < 2) {
        free(x);
        out->statistic = 0;
        out->df = 0;
        snprintf(out->note, sizeof out->note,
                 "fewer than 2 non-empty rows or columns: nothing to test");
        return COH_OK;
    }
    double rs[2] = {0, 0};
    double *row = nr <= 2 ? rs : calloc(nr, sizeof *row);
    double *col = calloc(nc, sizeof *col);
    if (row == NULL || col == NULL) {
        if (row != rs)
            free(row);
        free(col);
        free(x);
        return COH_ENOMEM;
    }
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j < nc; j++) {
            row[i] += x[i * nc + j];
            col[j] += x[i * nc + j];
        }
    /* R: YATES <- min(0.5, abs(x - E)), one number for the whole table. */
    double correction = 0, min_e = INFINITY;
    if (yates && nr == 2 && nc == 2) {
        correction = 0.5;
        for (size_t i = 0; i < 2; i++)
            for (size_t j = 0; j < 2; j++) {
                double d = fabs(x[i * 2 + j] - row[i] * col[j] / n);
                if (d < correction)
                    correction = d;
            }
    }
    /* Summed column by column, as R's sum over the matrix. */
    double stat = 0;
    for (size_t j = 0; j < nc; j++)
        for (size_t i = 0; i < nr; i++) {
            double e = row[i] * col[j] / n;
            double d = fabs(x[i * nc + j] - e) - correction;
            stat += d * d / e;
            if (e < min_e)
                min_e = e;
        }
    if (correction > 0)
        snprintf(out->method, sizeof out->method,
                 "Pearson's Chi-squared test with Yates' continuity correction");
    out->statistic = stat;
    out->df = (double)((nr - 1) * (nc - 1));
    out->p = coh_dist_chisq_q(stat, out->df);
    int len = 0;
    if (dropped)
        len = snprintf(out->note, sizeof out->note, "empty rows or columns dropped");
    if (min_e < 5 && len >= 0 && (size_t)len < sizeof out->note)
        snprintf(out->note + len, sizeof out->note - (size_t)len,
                 "%sChi-squared approximation may be incorrect (expected count %.3g < 5)",
                 len > 0 ? "; " : "", min_e);
    if (row != rs)
        free(row);
    free(col);
    free(x);
    return COH_OK;
}

/* ---------------------------------------------------------------------
 * Fisher's exact test
 */

/* Compensated (Neumaier) sum: the p-value adds up to millions of terms. */
typedef struct ksum {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double x)
{
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

/* 2 x 2, as R: the hypergeometric density of x11 on its support lo..hi,
 * d(x) = choose(m, x) choose(nn, k - x) / choose(m + nn, k) with m, nn the
 * column sums and k the first row sum; p = sum of d(x) <= d(x11) (1 + 1e-7)
 * in support order. */
static double fisher_2x2(const double *x)
{
    double m = x[0] + x[2], nn = x[1] + x[3], k = x[0] + x[1], x11 = x[0];
    double lo = k - nn > 0 ? k - nn : 0, hi = k < m ? k : m;
    double base = lnfact(m) + lnfact(nn) + lnfact(k) + lnfact(m + nn - k) - lnfact(m + nn);
    double d_obs = base - lnfact(x11) - lnfact(m - x11) - lnfact(k - x11) -
                   lnfact(nn - k + x11);
    double thr = d_obs + log1p(1e-7);
    ksum p = {0, 0};
    for (double v = lo; v <= hi; v++) {
        double d = base - lnfact(v) - lnfact(m - v) - lnfact(k - v) - lnfact(nn - k + v);
        if (d <= thr)
            ksum_add(&p, exp(d));
    }
    double pv = p.s + p.c;
    return pv > 1 ? 1 : pv;
}

/* The network algorithm (Mehta and Patel 1983; R's FEXACT), with K "key"
 * rows and S stages (columns), K <= S.  A node at stage k is the vector of
 * the row sums left after placing columns 0..k-1, sorted (the remainder of
 * the problem does not depend on the order of the rows).  A path to it has
 * a past score, the sum of -log T_ij! over the placed cells; the table's
 * log-probability is lconst + past + (the rest of the path).  Each node
 * keeps its distinct past scores (merged on a PAST_GRID grid) with the
 * weight sum exp(past_path - past_kept) of the paths that reach it.
 *
 * For a node with remaining rows r' and columns c_k..c_{S-1}:
 *   total  = log sum over completions of exp(rest)
 *          = log N'! - sum log r'_i! - sum_{j >= k} log c_j!
 *   upper >= max(rest), lower <= min(rest), from two relaxations each (per
 *   column ignoring the row sums but not the caps r'_i, and per row): the
 *   most probable column spreads its total as evenly as the caps allow
 *   (-log x! is concave), the least probable fills the largest caps first
 *   (greedy is optimal for a Schur-convex sum).  With two columns left
 *   both are exact (two_column_exact).
 * A past with past + upper <= thr has all its completions in the tail: it
 * adds weight exp(lconst + past + total).  One with past + lower > thr has
 * none.  Only the rest are carried to the next stage, column by column.
 * A node's pasts are sorted, so for each child the decided ones are a
 * prefix and a suffix (binary search, running sums).  With two columns
 * left the last is forced: the node's completions are scored and sorted
 * once, and each past is decided by one binary search, so no path goes
 * past the next-to-last column.  The columns run in ascending order of
 * their totals (the largest ones end up in that final step). */

typedef struct fnode {
    double upper, lower, total;
    uint32_t first; /* first entry of this node at its stage, UINT32_MAX: none */
} fnode;

typedef struct fentry {
    int64_t key;    /* past on the PAST_GRID grid */
    double past;    /* the first past merged here */
    double weight;  /* sum of exp(past_path - past) */
    uint32_t node, next;
} fentry;

typedef struct fstage {
    size_t k;           /* key length */
    int *vec;           /* node vectors, k per node */
    fnode *node;
    size_t n_node, cap_node;
    uint32_t *node_hash; /* open addressing, UINT32_MAX empty */
    size_t node_slots;
    fentry *entry;
    size_t n_entry, cap_entry;
    uint32_t *entry_hash;
    size_t entry_slots;
} fstage;

static uint64_t hash_vec(const int *v, size_t k)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < k; i++) {
        h ^= (uint64_t)(uint32_t)v[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static uint64_t hash_entry(uint32_t node, int64_t key)
{
    uint64_t h = ((uint64_t)node * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)key * 0xC2B2AE3D27D4EB4FULL);
    return h ^ (h >> 31);
}

static void stage_free(fstage *s)
{
    free(s->vec);
    free(s->node);
    free(s->node_hash);
    free(s->entry);
    free(s->entry_hash);
}

static void stage_reset(fstage *s)
{
    s->n_node = 0;
    s->n_entry = 0;
    if (s->node_hash != NULL)
        memset(s->node_hash, 0xff, s->node_slots * sizeof *s->node_hash);
    if (s->entry_hash != NULL)
        memset(s->entry_hash, 0xff, s->entry_slots * sizeof *s->entry_hash);
}

/* Grow a hash index to `slots` (a power of 2) and reinsert; false: memory. */
static bool node_rehash(fstage *s, size_t slots)
{
    uint32_t *h = malloc(slots * sizeof *h);
    if (h == NULL)
        return false;
    memset(h, 0xff, slots * sizeof *h);
    for (size_t i = 0; i < s->n_node; i++) {
        size_t at = (size_t)hash_vec(s->vec + i * s->k, s->k) & (slots - 1);
        while (h[at] != UINT32_MAX)
            at = (at + 1) & (slots - 1);
        h[at] = (uint32_t)i;
    }
    free(s->node_hash);
    s->node_hash = h;
    s->node_slots = slots;
    return true;
}

static bool entry_rehash(fstage *s, size_t slots)
{
    uint32_t *h = malloc(slots * sizeof *h);
    if (h == NULL)
        return false;
    memset(h, 0xff, slots * sizeof *h);
    for (size_t i = 0; i < s->n_entry; i++) {
        size_t at = (size_t)hash_entry(s->entry[i].node, s->entry[i].key) & (slots - 1);
        while (h[at] != UINT32_MAX)
            at = (at + 1) & (slots - 1);
        h[at] = (uint32_t)i;
    }
    free(s->entry_hash);
    s->entry_hash = h;
    s->entry_slots = slots;
    return true;
}

/* The node with vector v (sorted), added if new (*is_new); UINT32_MAX when
 * memory runs out. */
static uint32_t node_find(fstage *s, const int *v, bool *is_new)
{
    *is_new = false;
    if (2 * (s->n_node + 1) > s->node_slots &&
        !node_rehash(s, s->node_slots ? 2 * s->node_slots : 1024))
        return UINT32_MAX;
    size_t at = (size_t)hash_vec(v, s->k) & (s->node_slots - 1);
    while (s->node_hash[at] != UINT32_MAX) {
        uint32_t id = s->node_hash[at];
        if (memcmp(s->vec + (size_t)id * s->k, v, s->k * sizeof *v) == 0)
            return id;
        at = (at + 1) & (s->node_slots - 1);
    }
    if (s->n_node == s->cap_node) {
        size_t cap = s->cap_node ? 2 * s->cap_node : 512;
        int *vec = realloc(s->vec, cap * s->k * sizeof *vec);
        if (vec == NULL)
            return UINT32_MAX;
        s->vec = vec;
        fnode *node = realloc(s->node, cap * sizeof *node);
        if (node == NULL)
            return UINT32_MAX;
        s->node = node;
        s->cap_node = cap;
    }
    uint32_t id = (uint32_t)s->n_node++;
    memcpy(s->vec + (size_t)id * s->k, v, s->k * sizeof *v);
    s->node[id].first = UINT32_MAX;
    s->node_hash[at] = id;
    *is_new = true;
    return id;
}

/* Add a path (past, weight) to node `id`; false when memory runs out. */
static bool entry_add(fstage *s, uint32_t id, double past, double weight)
{
    int64_t key = (int64_t)llround(past / PAST_GRID);
    if (2 * (s->n_entry + 1) > s->entry_slots &&
        !entry_rehash(s, s->entry_slots ? 2 * s->entry_slots : 4096))
        return false;
    size_t at = (size_t)hash_entry(id, key) & (s->entry_slots - 1);
    while (s->entry_hash[at] != UINT32_MAX) {
        fentry *e = &s->entry[s->entry_hash[at]];
        if (e->node == id && e->key == key) {
            e->weight += weight * exp(past - e->past);
            return true;
        }
        at = (at + 1) & (s->entry_slots - 1);
    }
    if (s->n_entry == s->cap_entry) {
        size_t cap = s->cap_entry ? 2 * s->cap_entry : 4096;
        fentry *entry = realloc(s->entry, cap * sizeof *entry);
        if (entry == NULL)
            return false;
        s->entry = entry;
        s->cap_entry = cap;
    }
    uint32_t e = (uint32_t)s->n_entry++;
    s->entry[e] = (fentry){key, past, weight, id, s->node[id].first};
    s->node[id].first = e;
    s->entry_hash[at] = e;
    return true;
}

static int cmp_int_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

/* max of -sum log x_i! over sum x_i = total, 0 <= x_i <= cap_i; caps sorted
 * ascending, m of them; total <= sum of caps. */
static double spread_even(const int *cap_asc, size_t m, int total, const double *lf)
{
    double v = 0;
    for (size_t i = 0; i < m; i++) {
        int left = (int)(m - i);
        if ((long)cap_asc[i] * left <= total) {
            v -= lf[cap_asc[i]];
            total -= cap_asc[i];
        } else {
            int q = total / left, rem = total % left;
            v -= rem * lf[q + 1] + (left - rem) * lf[q];
            return v;
        }
    }
    return v;
}

/* min of -sum log x_i!: fill the largest caps first (caps sorted
 * descending). */
static double spread_greedy(const int *cap_desc, size_t m, int total, const double *lf)
{
    double v = 0;
    for (size_t i = 0; i < m && total > 0; i++) {
        int x = cap_desc[i] < total ? cap_desc[i] : total;
        v -= lf[x];
        total -= x;
    }
    return v;
}

/* With two columns left, rest = sum_i g_i(x_i), g_i(x) = -log x! -
 * log (v_i - x)!, over sum x_i = target, 0 <= x_i <= v_i: a separable
 * concave function on a box cut by one hyperplane.  Its maximum is exact
 * by greedy unit allocation (the marginal gains log(v_i - x) - log(x + 1)
 * decrease); its minimum lies at a vertex, where all but one x_i sit at a
 * bound: k 2^(k-1) candidates, enumerated for k <= 10 (else the
 * relaxation bounds stay).  Tighter bounds decide many more nodes. */
static void two_column_exact(fnode *nd, const int *v, size_t k, int target, const double *lf)
{
    int x[64];
    for (size_t i = 0; i < k; i++)
        x[i] = 0;
    for (int u = 0; u < target; u++) {
        size_t best = k;
        double gain = -INFINITY;
        for (size_t i = 0; i < k; i++)
            if (x[i] < v[i]) {
                double g = log((double)(v[i] - x[i])) - log((double)(x[i] + 1));
                if (g > gain) {
                    gain = g;
                    best = i;
                }
            }
        if (best == k)
            return; /* cannot happen: sum v >= target */
        x[best]++;
    }
    double up = 0;
    for (size_t i = 0; i < k; i++)
        up -= lf[x[i]] + lf[v[i] - x[i]];
    /* A tiny margin: the greedy sum and the path sums round differently. */
    if (up + 1e-9 < nd->upper)
        nd->upper = up + 1e-9;
    if (k > 10)
        return;
    double low = INFINITY;
    for (size_t f = 0; f < k; f++)
        for (unsigned mask = 0; mask < (1u << (k - 1)); mask++) {
            int sum = 0;
            double val = 0;
            unsigned bit = 0;
            for (size_t i = 0; i < k; i++) {
                if (i == f)
                    continue;
                int xi = (mask >> bit++) & 1u ? v[i] : 0;
                sum += xi;
                val -= lf[xi] + lf[v[i] - xi];
            }
            int xf = target - sum;
            if (xf < 0 || xf > v[f])
                continue;
            val -= lf[xf] + lf[v[f] - xf];
            if (val < low)
                low = val;
        }
    if (low - 1e-9 > nd->lower)
        nd->lower = low - 1e-9;
}

/* Bounds and total of a node: rows v[0..k) (sorted descending), columns
 * col[stage..S) (scratch: 2 k + 2 (S - stage) ints).  Returns its cost in
 * work units, for the budget. */
static unsigned long node_bounds(fnode *nd, const int *v, size_t k, const int *col, size_t stage,
                                 size_t S, const double *lf, int *scratch)
{
    int *asc = scratch, *desc = scratch + k;
    size_t m = S - stage;
    int n_left = 0;
    double total = 0;
    for (size_t i = 0; i < k; i++) {
        n_left += v[i];
        total -= lf[v[i]];
        desc[i] = v[i];
        asc[k - 1 - i] = v[i];
    }
    for (size_t j = stage; j < S; j++)
        total -= lf[col[j]];
    total += lf[n_left];
    /* per-column relaxation, caps r' */
    double up_c = 0, lo_c = 0;
    for (size_t j = stage; j < S; j++) {
        up_c += spread_even(asc, k, col[j], lf);
        lo_c += spread_greedy(desc, k, col[j], lf);
    }
    /* per-row relaxation, caps c_j (sorted copies of the remaining columns
     * live after the k-vectors in scratch) */
    int *casc = scratch + 2 * k, *cdesc = casc + m;
    for (size_t j = 0; j < m; j++)
        cdesc[j] = col[stage + j];
    qsort(cdesc, m, sizeof *cdesc, cmp_int_desc);
    for (size_t j = 0; j < m; j++)
        casc[j] = cdesc[m - 1 - j];
    double up_r = 0, lo_r = 0;
    for (size_t i = 0; i < k; i++) {
        up_r += spread_even(casc, m, v[i], lf);
        lo_r += spread_greedy(cdesc, m, v[i], lf);
    }
    nd->total = total;
    nd->upper = up_c < up_r ? up_c : up_r;
    nd->lower = lo_c > lo_r ? lo_c : lo_r;
    unsigned long cost = k * m;
    if (m == 2) {
        two_column_exact(nd, v, k, col[stage], lf);
        cost += (unsigned long)col[stage] * k + (k <= 10 ? k << (k - 1) : 0);
    }
    return cost;
}

typedef struct fcomp {
    double score; /* -sum log x! over the two columns */
    double cum;   /* sum of exp(score_j - max score) over j <= this one */
} fcomp;

static int cmp_comp(const void *a, const void *b)
{
    double x = ((const fcomp *)a)->score, y = ((const fcomp *)b)->score;
    return (x > y) - (x < y);
}

/* The completions of a node with rows v[0..k) and two columns left, the
 * first of total `target`: their scores sorted ascending, with running
 * sums (*comp grows as needed; false when memory runs out).  More than
 * `limit` of them: stops with *n_comp = limit + 1 (the work budget). */
static bool two_column_scores(const int *v, size_t k, int target, const double *lf, fcomp **comp,
                              size_t *cap, size_t *n_comp, size_t limit)
{
    int xs[64], suffix[65];
    size_t n = 0;
    suffix[k] = 0;
    for (size_t i = k; i-- > 0;)
        suffix[i] = suffix[i + 1] + v[i];
    size_t depth = 0;
    int left = target;
    xs[0] = left - suffix[1] > 0 ? left - suffix[1] : 0;
    for (;;) {
        if (depth + 1 < k) {
            left -= xs[depth];
            depth++;
            xs[depth] = left - suffix[depth + 1] > 0 ? left - suffix[depth + 1] : 0;
            continue;
        }
        xs[depth] = left;
        double score = 0;
        for (size_t i = 0; i < k; i++)
            score -= lf[xs[i]] + lf[v[i] - xs[i]];
        if (n == *cap) {
            size_t c2 = *cap ? 2 * *cap : 1024;
            fcomp *bigger = realloc(*comp, c2 * sizeof *bigger);
            if (bigger == NULL)
                return false;
            *comp = bigger;
            *cap = c2;
        }
        (*comp)[n++].score = score;
        if (n > limit) {
            *n_comp = n;
            return true;
        }
        bool advanced = false;
        while (depth > 0) {
            depth--;
            left += xs[depth];
            int hi = left < v[depth] ? left : v[depth];
            if (xs[depth] < hi) {
                xs[depth]++;
                advanced = true;
                break;
            }
        }
        if (!advanced)
            break;
    }
    qsort(*comp, n, sizeof **comp, cmp_comp);
    ksum run = {0, 0};
    double top = (*comp)[n - 1].score;
    for (size_t i = 0; i < n; i++) {
        ksum_add(&run, exp((*comp)[i].score - top));
        (*comp)[i].cum = run.s + run.c;
    }
    *n_comp = n;
    return true;
}

/* A node's open pasts, sorted ascending, with running sums. */
typedef struct fpast {
    double past, weight;
    double cum; /* sum of weight exp(past - largest past) up to here */
} fpast;

static int cmp_past(const void *a, const void *b)
{
    double x = ((const fpast *)a)->past, y = ((const fpast *)b)->past;
    return (x > y) - (x < y);
}

static bool sorted_pasts(const fstage *cur, const fnode *nd, fpast **out, size_t *cap, size_t *n)
{
    size_t m = 0;
    for (uint32_t e = nd->first; e != UINT32_MAX; e = cur->entry[e].next) {
        const fentry *en = &cur->entry[e];
        if (en->weight == 0)
            continue;
        if (m == *cap) {
            size_t c2 = *cap ? 2 * *cap : 256;
            fpast *bigger = realloc(*out, c2 * sizeof *bigger);
            if (bigger == NULL)
                return false;
            *out = bigger;
            *cap = c2;
        }
        (*out)[m++] = (fpast){en->past, en->weight, 0};
    }
    qsort(*out, m, sizeof **out, cmp_past);
    ksum run = {0, 0};
    for (size_t i = 0; i < m; i++) {
        ksum_add(&run, (*out)[i].weight * exp((*out)[i].past - (*out)[m - 1].past));
        (*out)[i].cum = run.s + run.c;
    }
    *n = m;
    return true;
}

/* The number of pasts <= limit in a sorted list. */
static size_t past_bound(const fpast *e, size_t n, double limit)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].past <= limit)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Sum of P(T) <= P(obs)(1 + 1e-7) over the tables with the margins of
 * x[K * S] (K <= S, no empty rows or columns).  Returns the p-value, or
 * NAN with *too_big set when the budget runs out, or -1 when memory runs
 * out. */
static double fisher_network(const double *x, size_t K, size_t S, bool *too_big)
{
    *too_big = false;
    int *rows = calloc(K, sizeof *rows), *col = calloc(S, sizeof *col);
    int *scratch = malloc((4 * K + 2 * S + 8) * sizeof *scratch);
    double *lf = NULL;
    fcomp *comp = NULL;
    size_t cap_comp = 0, cap_open = 0;
    fpast *open_e = NULL;
    fstage st[2];
    memset(st, 0, sizeof st);
    double result = -1;
    if (rows == NULL || col == NULL || scratch == NULL)
        goto done;
    int n = 0;
    double s_obs = 0;
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < S; j++) {
            int v = (int)x[i * S + j];
            rows[i] += v;
            col[j] += v;
            n += v;
        }
    lf = malloc(((size_t)n + 2) * sizeof *lf);
    if (lf == NULL)
        goto done;
    for (int i = 0; i <= n + 1; i++)
        lf[i] = lnfact((double)i);
    for (size_t i = 0; i < K * S; i++)
        s_obs -= lf[(int)x[i]];
    double lconst = -lf[n];
    for (size_t i = 0; i < K; i++)
        lconst += lf[rows[i]];
    for (size_t j = 0; j < S; j++)
        lconst += lf[col[j]];
    /* Stages in ascending order of column total: small columns first keep
     * the early stages narrow. */
    qsort(col, S, sizeof *col, cmp_int_desc);
    for (size_t j = 0; j < S / 2; j++) {
        int t = col[j];
        col[j] = col[S - 1 - j];
        col[S - 1 - j] = t;
    }
    double thr = s_obs + log1p(1e-7);
    st[0].k = st[1].k = K;
    ksum p = {0, 0};
    unsigned long work = 0;
    int *vroot = scratch + 2 * K + 2 * S, *child = vroot + K;
    qsort(rows, K, sizeof *rows, cmp_int_desc);
    memcpy(vroot, rows, K * sizeof *rows);
    bool is_new;
    uint32_t root = node_find(&st[0], vroot, &is_new);
    if (root == UINT32_MAX)
        goto done;
    node_bounds(&st[0].node[root], vroot, K, col, 0, S, lf, scratch);
    if (!entry_add(&st[0], root, 0, 1))
        goto done;
    int *xcol = malloc(K * sizeof *xcol), *suffix = malloc((K + 1) * sizeof *suffix);
    if (xcol == NULL || suffix == NULL) {
        free(xcol);
        free(suffix);
        goto done;
    }
    bool ok = true;
    for (size_t stage = 0; stage < S && ok; stage++) {
        fstage *cur = &st[stage % 2], *next = &st[(stage + 1) % 2];
        stage_reset(next);
        for (size_t id = 0; id < cur->n_node && ok; id++) {
            fnode *nd = &cur->node[id];
            const int *v = cur->vec + id * K;
            /* decide what can be decided here */
            bool open = false;
            for (uint32_t e = nd->first; e != UINT32_MAX; e = cur->entry[e].next) {
                fentry *en = &cur->entry[e];
                if (en->past + nd->upper <= thr) {
                    ksum_add(&p, en->weight * exp(lconst + en->past + nd->total));
                    en->weight = 0;
                } else if (en->past + nd->lower > thr) {
                    en->weight = 0;
                } else
                    open = true;
            }
            if (!open || stage + 1 == S)
                continue; /* the last stage is always decided (upper = lower) */
            if (stage + 2 == S) {
                /* Two columns left: the last one is forced, so the node's
                 * completions are the vectors x of this column.  Their
                 * scores, sorted, with running sums of exp(score - max),
                 * answer every past of the node by one binary search
                 * instead of a pass over the completions. */
                size_t n_comp = 0;
                if (!two_column_scores(v, K, col[stage], lf, &comp, &cap_comp, &n_comp,
                                       work >= FISHER_MAX_WORK ? 0
                                                               : (FISHER_MAX_WORK - work) / 4)) {
                    ok = false;
                    break;
                }
                work += 4 * n_comp; /* with the sort */
                if (work > FISHER_MAX_WORK) {
                    *too_big = true;
                    ok = false;
                    break;
                }
                for (uint32_t e = nd->first; e != UINT32_MAX; e = cur->entry[e].next) {
                    const fentry *en = &cur->entry[e];
                    if (en->weight == 0)
                        continue;
                    size_t lo = 0, hi = n_comp; /* first score > thr - past */
                    while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        if (en->past + comp[mid].score <= thr)
                            lo = mid + 1;
                        else
                            hi = mid;
                    }
                    if (lo > 0)
                        ksum_add(&p, en->weight * comp[lo - 1].cum *
                                         exp(lconst + en->past + comp[n_comp - 1].score));
                    work++;
                }
                if (work > FISHER_MAX_WORK) {
                    *too_big = true;
                    ok = false;
                }
                continue;
            }
            size_t n_open = 0;
            if (!sorted_pasts(cur, nd, &open_e, &cap_open, &n_open)) {
                ok = false;
                break;
            }
            work += 2 * n_open;
            /* enumerate column `stage`: x_i <= v_i, sum = col[stage] */
            suffix[K] = 0;
            for (size_t i = K; i-- > 0;)
                suffix[i] = suffix[i + 1] + v[i];
            int target = col[stage];
            size_t depth = 0;
            int left = target;
            /* iterative odometer over x_0..x_{K-1} */
            xcol[0] = left - suffix[1] > 0 ? left - suffix[1] : 0;
            for (;;) {
                if (depth + 1 < K) {
                    left -= xcol[depth];
                    depth++;
                    xcol[depth] = left - suffix[depth + 1] > 0 ? left - suffix[depth + 1] : 0;
                    continue;
                }
                if (left <= v[depth]) {
                    /* a complete column */
                    xcol[depth] = left;
                    double score = 0;
                    for (size_t i = 0; i < K; i++) {
                        child[i] = v[i] - xcol[i];
                        score -= lf[xcol[i]];
                    }
                    /* insertion sort, descending */
                    for (size_t i = 1; i < K; i++) {
                        int t = child[i];
                        size_t j = i;
                        while (j > 0 && child[j - 1] < t) {
                            child[j] = child[j - 1];
                            j--;
                        }
                        child[j] = t;
                    }
                    uint32_t cid = node_find(next, child, &is_new);
                    if (cid == UINT32_MAX) {
                        ok = false;
                        break;
                    }
                    fnode *cn = &next->node[cid];
                    if (is_new)
                        work += node_bounds(cn, child, K, col, stage + 1, S, lf, scratch);
                    /* The node's pasts, sorted: those up to a have all
                     * their completions through this child in the tail
                     * (one term from the running sums), those from b on
                     * none; only [a, b) go on to the next stage. */
                    size_t a = past_bound(open_e, n_open, thr - score - cn->upper);
                    size_t b = past_bound(open_e, n_open, thr - score - cn->lower);
                    if (a > 0)
                        ksum_add(&p, open_e[a - 1].cum *
                                         exp(lconst + open_e[n_open - 1].past + score + cn->total));
                    work += 1 + (b - a);
                    for (size_t e = a; e < b; e++)
                        if (!entry_add(next, cid, open_e[e].past + score, open_e[e].weight)) {
                            ok = false;
                            break;
                        }
                    if (!ok)
                        break;
                    if (work > FISHER_MAX_WORK || next->n_entry > FISHER_MAX_ENTRIES) {
                        *too_big = true;
                        ok = false;
                        break;
                    }
                }
                /* advance: back up to the deepest position that can grow */
                bool advanced = false;
                while (depth > 0) {
                    depth--;
                    left += xcol[depth];
                    int hi = left < v[depth] ? left : v[depth];
                    if (xcol[depth] < hi) {
                        xcol[depth]++;
                        advanced = true;
                        break;
                    }
                }
                if (!advanced)
                    break;
            }
        }
    }
    free(xcol);
    free(suffix);
    if (*too_big)
        result = NAN;
    else if (ok) {
        result = p.s + p.c;
        if (result > 1)
            result = 1;
    }
done:
    stage_free(&st[0]);
    stage_free(&st[1]);
    free(rows);
    free(col);
    free(scratch);
    free(comp);
    free(open_e);
    free(lf);
    return result;
}

/* For a square table (m x m): a rough log-size of the network with the
 * rows as the stages (by_rows) or the columns: sum over the stages before
 * the last two (the smallest margins) of log choose(c_j + m - 1, m - 1),
 * the number of ways to fill a stage without pruning.  The cheaper
 * orientation can be several times faster. */
static double network_size(const double *x, size_t m, bool by_rows)
{
    double marg[64], size = 0;
    for (size_t a = 0; a < m; a++) {
        marg[a] = 0;
        for (size_t b = 0; b < m; b++)
            marg[a] += by_rows ? x[a * m + b] : x[b * m + a];
    }
    for (size_t a = 0; a < m; a++) /* ascending, as the stages run */
        for (size_t b = a + 1; b < m; b++)
            if (marg[b] < marg[a]) {
                double tmp = marg[a];
                marg[a] = marg[b];
                marg[b] = tmp;
            }
    for (size_t a = 0; a + 2 < m; a++)
        size += lnfact(marg[a] + (double)m - 1) - lnfact(marg[a]) - lnfact((double)m - 1);
    return size;
}

/* Fisher's exact test, two-sided, as R's fisher.test (no hybrid, no
 * simulation).  Empty rows and columns are dropped (as R does for r x c);
 * with fewer than 2 left only one table has the margins and p = 1.  The
 * r x c enumeration works on the transposed table when it has more rows
 * than columns.  Beyond the work budget p is NAN and the note says so.
 * COH_EINVAL for negative, fractional or non-finite counts; COH_EDOMAIN
 * for an all-zero table. */
coh_status coh_fisher_test(const double *counts, size_t r, size_t c, coh_htest *out)
{
    if (out == NULL)
        return COH_EINVAL;
    htest_init(out, "Fisher's Exact Test for Count Data");
    out->exact = true;
    double *x, n;
    size_t nr, nc;
    bool dropped;
    coh_status st = table_prepare(counts, r, c, true, &x, &nr, &nc, &n, &dropped);
    if (st != COH_OK)
        return st;
    if (n <= 0) {
        free(x);
        snprintf(out->note, sizeof out->note, "all counts are 0");
        return COH_EDOMAIN;
    }
    if (n > 1e7) {
        free(x);
        snprintf(out->note, sizeof out->note, "total count %.0f too large for an exact test", n);
        return COH_OK;
    }
    if (dropped)
        snprintf(out->note, sizeof out->note, "empty rows or columns dropped");
    if (nr < 2 || nc < 2) {
        out->p = 1;
        free(x);
        return COH_OK;
    }
    if (nr == 2 && nc == 2) {
        out->p = fisher_2x2(x);
        free(x);
        return COH_OK;
    }
    if (nr > 64 && nc > 64) { /* the key rows of the enumeration are the shorter side */
        free(x);
        snprintf(out->note, sizeof out->note,
                 "table too large for exact enumeration (%zu x %zu); use the chi-square test",
                 nr, nc);
        return COH_OK;
    }
    double *t = x;
    size_t K = nr, S = nc;
    if (nr > nc || (nr == nc && network_size(x, nr, true) < network_size(x, nr, false))) {
        t = malloc(nr * nc * sizeof *t);
        if (t == NULL) {
            free(x);
            return COH_ENOMEM;
        }
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++)
                t[j * nr + i] = x[i * nc + j];
        K = nc;
        S = nr;
    }
    bool too_big;
    double p = fisher_network(t, K, S, &too_big);
    if (t != x)
        free(t);
    free(x);
    if (too_big) {
        snprintf(out->note, sizeof out->note,
                 "table too large for exact enumeration (%zu x %zu, n = %.0f); "
                 "use the chi-square test", nr, nc, n);
        return COH_OK;
    }
    if (p < 0)
        return COH_ENOMEM;
    out->p = p;
    return COH_OK;
}

/* ---------------------------------------------------------------------
 * Standardised mean differences (tableone, Yang and Dalton 2012)
 */

/* Continuous: groups g[i] in 0..k-1; for each pair of non-empty groups
 * |m_a - m_b| / sqrt((s2_a + s2_b) / 2) with sample variances (n - 1),
 * averaged over the pairs.  Two equal means with zero variances give 0,
 * different ones Inf.  Fewer than 2 non-empty groups, or a non-empty group
 * with one value (no variance): *out NAN and COH_EDOMAIN.  Means and
 * variances by two passes (mean first), for accuracy. */
coh_status coh_smd_continuous(const double *v, const int *g, size_t n, size_t k, double *out)
{
    if (out == NULL)
        return COH_EINVAL;
    *out = NAN;
    if ((v == NULL || g == NULL) && n > 0)
        return COH_EINVAL;
    if (k == 0)
        return COH_EDOMAIN;
    double *acc = calloc(3 * k, sizeof *acc); /* count, mean, ss */
    if (acc == NULL)
        return COH_ENOMEM;
    double *cnt = acc, *mean = acc + k, *ss = acc + 2 * k;
    coh_status st = COH_OK;
    for (size_t i = 0; i < n; i++) {
        if (g[i] < 0 || (size_t)g[i] >= k || !isfinite(v[i])) {
            st = COH_EINVAL;
            goto done;
        }
        cnt[g[i]]++;
        mean[g[i]] += v[i];
    }
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0)
            mean[j] /= cnt[j];
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - mean[g[i]];
        ss[g[i]] += d * d;
    }
    double sum = 0;
    size_t pairs = 0, groups = 0;
    for (size_t a = 0; a < k; a++) {
        if (cnt[a] == 0)
            continue;
        if (cnt[a] < 2) {
            st = COH_EDOMAIN;
            goto done;
        }
        groups++;
        for (size_t b = a + 1; b < k; b++) {
            if (cnt[b] < 2)
                continue; /* empty: skipped; one value: caught at b's turn */
            double s2 = (ss[a] / (cnt[a] - 1) + ss[b] / (cnt[b] - 1)) / 2;
            double diff = fabs(mean[a] - mean[b]);
            sum += diff == 0 ? 0 : s2 > 0 ? diff / sqrt(s2) : INFINITY;
            pairs++;
        }
    }
    if (groups < 2) {
        st = COH_EDOMAIN;
        goto done;
    }
    *out = sum / (double)pairs;
done:
    free(acc);
    return st;
}

/* T' S^+ T for a symmetric positive semi-definite S (m x m, overwritten):
 * eigenvalues by cyclic Jacobi rotations, then the Moore-Penrose inverse
 * as MASS::ginv: eigenvalues <= sqrt(DBL_EPSILON) * the largest are
 * treated as 0. */
static double quad_pinv(double *S, double *V, double *t, size_t m)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            V[i * m + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (size_t i = 0; i < m; i++) {
            diag += S[i * m + i] * S[i * m + i];
            for (size_t j = i + 1; j < m; j++)
                off += S[i * m + j] * S[i * m + j];
        }
        if (off <= 1e-32 * diag || off == 0)
            break;
        for (size_t p = 0; p < m; p++)
            for (size_t q = p + 1; q < m; q++) {
                double apq = S[p * m + q];
                if (apq == 0)
                    continue;
                double theta = (S[q * m + q] - S[p * m + p]) / (2 * apq);
                double tn = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double cs = 1 / sqrt(tn * tn + 1), sn = tn * cs;
                for (size_t i = 0; i < m; i++) { /* columns p, q */
                    double sp = S[i * m + p], sq = S[i * m + q];
                    S[i * m + p] = cs * sp - sn * sq;
                    S[i * m + q] = sn * sp + cs * sq;
                }
                for (size_t i = 0; i < m; i++) { /* rows p, q */
                    double sp = S[p * m + i], sq = S[q * m + i];
                    S[p * m + i] = cs * sp - sn * sq;
                    S[q * m + i] = sn * sp + cs * sq;
                }
                for (size_t i = 0; i < m; i++) {
                    double vp = V[i * m + p], vq = V[i * m + q];
                    V[i * m + p] = cs * vp - sn * vq;
                    V[i * m + q] = sn * vp + cs * vq;
                }
            }
    }
    double lmax = 0;
    for (size_t i = 0; i < m; i++)
        if (fabs(S[i * m + i]) > lmax)
            lmax = fabs(S[i * m + i]);
    double q = 0;
    for (size_t e = 0; e < m; e++) {
        double lambda = S[e * m + e];
        if (lambda <= 1.4901161193847656e-08 * lmax || lambda <= 0)
            continue;
        double proj = 0;
        for (size_t i = 0; i < m; i++)
            proj += V[i * m + e] * t[i];
        q += proj * proj / lambda;
    }
    return q;
}

/* Categorical: counts r levels x c groups.  For each pair of non-empty
 * groups a, b with level proportions p_a, p_b: T = (p_a - p_b) without the
 * first level, S = (M(p_a) + M(p_b)) / 2 without the first level, where
 * M(p) = diag(p) - p p' (the multinomial covariance), and
 * SMD = sqrt(T' S^+ T) (S^+ the Moore-Penrose inverse, as tableone's
 * MASS::ginv); averaged over the pairs.  One level: 0.  Fewer than 2
 * non-empty groups: *out NAN and COH_EDOMAIN.  COH_EINVAL for bad counts. */
coh_status coh_smd_categorical(const double *counts, size_t r, size_t c, double *out)
{
    if (out == NULL)
        return COH_EINVAL;
    *out = NAN;
    if (counts == NULL || r == 0 || c == 0)
        return COH_EINVAL;
    for (size_t i = 0; i < r * c; i++)
        if (!isfinite(counts[i]) || counts[i] < 0)
            return COH_EINVAL;
    size_t m = r - 1;
    double *work = malloc((c + r * c + 2 * m * m + m + 1) * sizeof *work);
    if (work == NULL)
        return COH_ENOMEM;
    double *tot = work, *prop = tot + c, *S = prop + r * c, *V = S + m * m, *t = V + m * m;
    size_t groups = 0;
    for (size_t j = 0; j < c; j++) {
        tot[j] = 0;
        for (size_t i = 0; i < r; i++)
            tot[j] += counts[i * c + j];
        groups += tot[j] > 0;
        for (size_t i = 0; i < r; i++)
            prop[i * c + j] = tot[j] > 0 ? counts[i * c + j] / tot[j] : 0;
    }
    if (groups < 2) {
        free(work);
        return COH_EDOMAIN;
    }
    double sum = 0;
    size_t pairs = 0;
    for (size_t a = 0; a < c; a++)
        for (size_t b = a + 1; b < c; b++) {
            if (tot[a] == 0 || tot[b] == 0)
                continue;
            pairs++;
            if (m == 0)
                continue;
            for (size_t i = 0; i < m; i++) {
                double pa = prop[(i + 1) * c + a], pb = prop[(i + 1) * c + b];
                t[i] = pa - pb;
                for (size_t l = 0; l < m; l++) {
                    double qa = prop[(l + 1) * c + a], qb = prop[(l + 1) * c + b];
                    S[i * m + l] = ((i == l ? pa : 0) - pa * qa + (i == l ? pb : 0) - pb * qb) / 2;
                }
            }
            double q = quad_pinv(S, V, t, m);
            sum += sqrt(q > 0 ? q : 0);
        }
    *out = sum / (double)pairs;
    free(work);
    return COH_OK;
}
