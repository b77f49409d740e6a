/*
 * gen_survival.c - write a large synthetic clinical survival CSV for the
 * load benchmarks in bench/ (see bench/README.md).
 *
 *   gen_survival --rows N [--seed S] [--out FILE]
 *
 * Standalone: C11, libc and libm only, so the benchmark does not depend on
 * the library it measures.  The output is a function of (N, S) alone: the
 * random stream is xoshiro256** (Blackman & Vigna, 2018) seeded through
 * splitmix64, implemented below, and every row consumes the same number of
 * draws whatever the values, so row i is identical for any N >= i.
 *
 * Columns (header line, ',' delimiter, '\n' line ends, empty field = missing):
 *
 *   id          integer 1..N
 *   center      text: MSKCC (60%) or Erasmus (40%)
 *   group       0/1, Bernoulli(0.5): the treatment arm
 *   age         integer, Normal(62, 11) truncated to [18, 95]; 1% missing
 *   sex         M (55%) / F; 0.5% missing
 *   cea         double, 1 decimal, exp(Normal(1.2, 1.0)) capped at 2000;
 *               5% missing
 *   n_lesions   integer, 1 + floor(Exponential(0.8)), capped at 30
 *   size_cm     double, 2 decimals, exp(Normal(1.0, 0.5)), at least 0.10;
 *               2% missing
 *   stage       I (15%) / II (25%) / III (35%) / IV (25%); 3% missing
 *   os_months   double, 2 decimals: min(T_death, C)
 *   os_event    1 if T_death <= C, else 0 (censored)
 *   dfs_months  double, 2 decimals: min(T_recur, T_death, C); 1% missing
 *   dfs_event   1 if min(T_recur, T_death) <= C; missing with dfs_months
 *
 * The times follow a proportional-hazards model with exponential baseline:
 *   lp      = -0.4*group + 0.02*(age - 62) + b_stage + 0.15*log(1 + cea)
 *             + 0.05*(n_lesions - 1),  b_stage = 0, 0.3, 0.7, 1.3 (I..IV)
 *   T_death ~ Exponential(rate = log(2)/40 * exp(lp))        (months)
 *   T_recur ~ Exponential(rate = log(2)/20 * exp(1.1*lp))
 *   C       = min(Uniform(6, 120), Exponential(rate = 0.005))
 * (age and cea enter lp through their true values, also when the written
 * field is missing).  Times are rounded to 2 decimals and floored at 0.01,
 * so no time is zero; rounding is monotone, so dfs_months <= os_months.
 *
 * Speed: rows are formatted by hand into a 1 MiB buffer and written with
 * fwrite; no printf per field.  1e7 rows (~0.5 GB) take about 2 s.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OUT_BUF_SIZE = 1 << 20, MAX_ROW_LEN = 256 };

/* ---- random numbers ------------------------------------------------- */

typedef struct {
    uint64_t s[4];
} rng_state;

/* splitmix64 step: advances *x and returns the next output.  Used only to
 * expand the user's seed into xoshiro's 256-bit state (as its authors
 * recommend), so even seed 0 gives a good, non-zero state. */
static uint64_t splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void rng_seed(rng_state *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64_next(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** step: returns 64 random bits. */
static uint64_t rng_next(rng_state *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static double rng_uniform(rng_state *rng)
{
    return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Exponential with the given rate.  Uses 1 - u, which lies in (0, 1], so
 * log() never sees zero. */
static double rng_exponential(rng_state *rng, double rate)
{
    return -log(1.0 - rng_uniform(rng)) / rate;
}

/* Standard normal by Box-Muller; draws exactly two uniforms and discards
 * the second variate, which keeps the draws per row fixed and the code
 * free of cached state. */
static double rng_normal(rng_state *rng)
{
    double u1 = 1.0 - rng_uniform(rng); /* (0, 1]: log is finite */
    double u2 = rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- formatting ------------------------------------------------------ */

/* Writes the decimal digits of v at p; returns the position after them. */
static char *put_u64(char *p, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* Writes the non-negative value v rounded to `decimals` places (1 or 2) as
 * fixed-point text, e.g. 3.1 -> "3.10" for 2 places.  Values here are at
 * most a few thousand, far inside uint64_t once scaled. */
static char *put_fixed(char *p, double v, int decimals)
{
    uint64_t scale = decimals == 1 ? 10u : 100u;
    uint64_t scaled = (uint64_t)llround(v * (double)scale);
    p = put_u64(p, scaled / scale);
    *p++ = '.';
    uint64_t frac = scaled % scale;
    if (decimals == 2) {
        *p++ = (char)('0' + (int)(frac / 10));
        frac %= 10;
    }
    *p++ = (char)('0' + (int)frac);
    return p;
}

/* Copies the NUL-terminated s to p; returns the position after it. */
static char *put_str(char *p, const char *s)
{
    size_t len = strlen(s);
    memcpy(p, s, len);
    return p + len;
}

/* ---- one row --------------------------------------------------------- */

/* Rounds a time in months to 2 decimals, floored at 0.01 (see header). */
static double round_time(double months)
{
    double r = round(months * 100.0) / 100.0;
    return r < 0.01 ? 0.01 : r;
}

/* Draws row `id` and formats it, '\n' included, at p; returns the position
 * after it.  Always consumes the same number of draws (see header). */
static char *put_row(char *p, rng_state *rng, uint64_t id)
{
    static const char *const stage_name[4] = {"I", "II", "III", "IV"};
    static const double stage_coef[4] = {0.0, 0.3, 0.7, 1.3};

    int is_mskcc = rng_uniform(rng) < 0.60;
    int group = rng_uniform(rng) < 0.50;

    double age_raw = 62.0 + 11.0 * rng_normal(rng);
    if (age_raw < 18.0)
        age_raw = 18.0;
    if (age_raw > 95.0)
        age_raw = 95.0;
    long age = lround(age_raw);

    int is_male = rng_uniform(rng) < 0.55;

    double cea = exp(1.2 + rng_normal(rng));
    if (cea > 2000.0)
        cea = 2000.0;

    double n_lesions_raw = 1.0 + floor(rng_exponential(rng, 0.8));
    uint64_t n_lesions = n_lesions_raw > 30.0 ? 30u : (uint64_t)n_lesions_raw;

    double size_cm = exp(1.0 + 0.5 * rng_normal(rng));
    if (size_cm < 0.1)
        size_cm = 0.1;

    double u_stage = rng_uniform(rng);
    int stage = u_stage < 0.15 ? 0 : u_stage < 0.40 ? 1 : u_stage < 0.75 ? 2 : 3;

    double lp = -0.4 * group + 0.02 * ((double)age - 62.0) + stage_coef[stage]
                + 0.15 * log1p(cea) + 0.05 * ((double)n_lesions - 1.0);
    double t_death = rng_exponential(rng, 0.6931471805599453 / 40.0 * exp(lp));
    double t_recur = rng_exponential(rng, 0.6931471805599453 / 20.0 * exp(1.1 * lp));
    double c_admin = 6.0 + 114.0 * rng_uniform(rng);
    double c_loss = rng_exponential(rng, 0.005);
    double censor = c_admin < c_loss ? c_admin : c_loss;

    double os = t_death < censor ? t_death : censor;
    int os_event = t_death <= censor;
    double t_first = t_recur < t_death ? t_recur : t_death;
    double dfs = t_first < censor ? t_first : censor;
    int dfs_event = t_first <= censor;

    /* Missingness: one independent draw per column that can be missing. */
    int miss_age = rng_uniform(rng) < 0.01;
    int miss_sex = rng_uniform(rng) < 0.005;
    int miss_cea = rng_uniform(rng) < 0.05;
    int miss_size = rng_uniform(rng) < 0.02;
    int miss_stage = rng_uniform(rng) < 0.03;
    int miss_dfs = rng_uniform(rng) < 0.01;

    p = put_u64(p, id);
    *p++ = ',';
    p = put_str(p, is_mskcc ? "MSKCC" : "Erasmus");
    *p++ = ',';
    *p++ = group ? '1' : '0';
    *p++ = ',';
    if (!miss_age)
        p = put_u64(p, (uint64_t)age);
    *p++ = ',';
    if (!miss_sex)
        *p++ = is_male ? 'M' : 'F';
    *p++ = ',';
    if (!miss_cea)
        p = put_fixed(p, cea, 1);
    *p++ = ',';
    p = put_u64(p, n_lesions);
    *p++ = ',';
    if (!miss_size)
        p = put_fixed(p, size_cm, 2);
    *p++ = ',';
    if (!miss_stage)
        p = put_str(p, stage_name[stage]);
    *p++ = ',';
    p = put_fixed(p, round_time(os), 2);
    *p++ = ',';
    *p++ = os_event ? '1' : '0';
    *p++ = ',';
    if (!miss_dfs)
        p = put_fixed(p, round_time(dfs), 2);
    *p++ = ',';
    if (!miss_dfs)
        *p++ = dfs_event ? '1' : '0';
    *p++ = '\n';
    return p;
}

/* ---- driver ---------------------------------------------------------- */

static void usage(FILE *to)
{
    fputs("usage: gen_survival --rows N [--seed S] [--out FILE]\n"
          "  Writes N rows of synthetic survival data as CSV to FILE\n"
          "  (default: standard output).  Same N and S, same bytes.\n"
          "  S defaults to 1.\n",
          to);
}

/* Parses a whole decimal number without sign into *out; returns 0 on
 * success, -1 if text is empty, has other characters, or overflows. */
static int parse_u64(const char *text, uint64_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t rows = 0, seed = 1;
    int have_rows = 0;
    const char *out_path = NULL;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--rows") == 0) {
            if (parse_u64(val, &rows) != 0) {
                fprintf(stderr, "gen_survival: --rows expects a whole number, found '%s'\n",
                        val ? val : "");
                return 2;
            }
            have_rows = 1;
            i++;
        } else if (strcmp(arg, "--seed") == 0) {
            if (parse_u64(val, &seed) != 0) {
                fprintf(stderr, "gen_survival: --seed expects a whole number, found '%s'\n",
                        val ? val : "");
                return 2;
            }
            i++;
        } else if (strcmp(arg, "--out") == 0) {
            if (val == NULL || *val == '\0') {
                fputs("gen_survival: --out expects a file name\n", stderr);
                return 2;
            }
            out_path = val;
            i++;
        } else {
            fprintf(stderr, "gen_survival: unknown argument '%s'\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (!have_rows) {
        fputs("gen_survival: --rows N is required\n", stderr);
        usage(stderr);
        return 2;
    }

    FILE *out = stdout;
    if (out_path != NULL) {
        out = fopen(out_path, "wb");
        if (out == NULL) {
            fprintf(stderr, "gen_survival: cannot open '%s' for writing: %s\n", out_path,
                    strerror(errno));
            return 1;
        }
    }

    char *buf = malloc(OUT_BUF_SIZE);
    if (buf == NULL) {
        fputs("gen_survival: out of memory\n", stderr);
        return 1;
    }
    rng_state rng;
    rng_seed(&rng, seed);

    char *p = put_str(buf, "id,center,group,age,sex,cea,n_lesions,size_cm,stage,"
                           "os_months,os_event,dfs_months,dfs_event\n");
    int write_failed = 0;
    for (uint64_t id = 1; id <= rows && !write_failed; id++) {
        p = put_row(p, &rng, id);
        /* Flush while one more row surely fits: rows are < MAX_ROW_LEN. */
        if ((size_t)(p - buf) > OUT_BUF_SIZE - MAX_ROW_LEN) {
            size_t len = (size_t)(p - buf);
            write_failed = fwrite(buf, 1, len, out) != len;
            p = buf;
        }
    }
    size_t len = (size_t)(p - buf);
    if (!write_failed && len > 0)
        write_failed = fwrite(buf, 1, len, out) != len;
    free(buf);
    if (fflush(out) != 0)
        write_failed = 1;
    if (out != stdout && fclose(out) != 0)
        write_failed = 1;
    if (write_failed) {
        fprintf(stderr, "gen_survival: write to '%s' failed: %s\n",
                out_path ? out_path : "<stdout>", strerror(errno));
        return 1;
    }
    return 0;
}
