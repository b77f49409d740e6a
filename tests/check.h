/* check.h - the tiny assertion header of Cohort's unit tests.
 *
 * Each test binary is a list of TEST functions run by main() through
 * RUN(name).  A failed check prints file:line and what differed, and counts;
 * the binary exits non-zero if any check failed.  At the end it prints
 * "<binary>: N passed, N failed" (checks, not tests), which tests/run.sh
 * adds up.
 */
#ifndef COHORT_TEST_CHECK_H
#define COHORT_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK_FAIL_(...)                                                  \
    do {                                                                  \
        fprintf(stderr, "%s:%d: FAIL ", __FILE__, __LINE__);              \
        fprintf(stderr, __VA_ARGS__);                                     \
        fputc('\n', stderr);                                              \
        check_failed++;                                                   \
    } while (0)

/* cond must hold. */
#define check(cond, what)                                                 \
    do {                                                                  \
        if (cond) check_passed++;                                         \
        else CHECK_FAIL_("%s: %s", what, #cond);                          \
    } while (0)

/* Integers equal. */
#define check_int(got, want, what)                                        \
    do {                                                                  \
        long long g_ = (long long)(got), w_ = (long long)(want);          \
        if (g_ == w_) check_passed++;                                     \
        else CHECK_FAIL_("%s: got %lld, want %lld", what, g_, w_);        \
    } while (0)

/* Strings equal (NULL equals only NULL). */
#define check_str(got, want, what)                                        \
    do {                                                                  \
        const char *g_ = (got), *w_ = (want);                             \
        if ((g_ == NULL && w_ == NULL) ||                                 \
            (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0))            \
            check_passed++;                                               \
        else CHECK_FAIL_("%s: got \"%s\", want \"%s\"", what,             \
                         g_ ? g_ : "(null)", w_ ? w_ : "(null)");         \
    } while (0)

/* `hay` contains `needle`. */
#define check_contains(hay, needle, what)                                 \
    do {                                                                  \
        const char *h_ = (hay), *n_ = (needle);                           \
        if (h_ != NULL && strstr(h_, n_) != NULL) check_passed++;         \
        else CHECK_FAIL_("%s: \"%s\" does not contain \"%s\"", what,      \
                         h_ ? h_ : "(null)", n_);                         \
    } while (0)

/* |got - want| <= tol * max(1, |want|); NaN equals only NaN. */
#define check_rel(got, want, tol, what)                                   \
    do {                                                                  \
        double g_ = (got), w_ = (want);                                   \
        double s_ = fabs(w_) > 1 ? fabs(w_) : 1;                          \
        if ((isnan(g_) && isnan(w_)) || fabs(g_ - w_) <= (tol) * s_)      \
            check_passed++;                                               \
        else CHECK_FAIL_("%s: got %.17g, want %.17g (tol %g)", what, g_,  \
                         w_, (double)(tol));                              \
    } while (0)

#define RUN(fn)                                                           \
    do {                                                                  \
        int before_ = check_failed;                                       \
        fn();                                                             \
        if (check_failed != before_)                                      \
            fprintf(stderr, "  in %s\n", #fn);                            \
    } while (0)

static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
