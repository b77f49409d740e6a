/* format.c - numbers as journals print them (p-values, estimates). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/format.h"

/* Drop trailing zeros after a decimal point ("0.2300" -> "0.23"). */
static void trim_zeros(char *buf)
{
    char *dot = strchr(buf, '.');
    if (dot == NULL)
        return;
    char *end = buf + strlen(buf) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
}

void coh_format_human(double v, int sig, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "NA");
        return;
    }
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", v > 0 ? "Inf" : "-Inf");
        return;
    }
    if (sig < 1)
        sig = 4;
    double a = fabs(v);
    if (a == 0) {
        snprintf(buf, size, "0");
        return;
    }
    if (a < 1e-4 || a >= 1e9) {
        snprintf(buf, size, "%.*g", sig, v);
        return;
    }
    /* decimals so that `sig` significant digits show, none past the point
     * for large numbers */
    int mag = (int)floor(log10(a)) + 1;
    int decimals = sig - mag;
    if (decimals < 0)
        decimals = 0;
    snprintf(buf, size, "%.*f", decimals, v);
    trim_zeros(buf);
}

void coh_format_p(double p, int digits, char *buf, size_t size)
{
    if (isnan(p)) {
        snprintf(buf, size, "NA");
        return;
    }
    if (p < 0.001) {
        snprintf(buf, size, "< 0.001");
        return;
    }
    /* `digits` significant digits, trailing zeros kept ("0.80", "1.0"):
     * a zero that is significant is printed, as journals do */
    int sig = digits > 0 ? digits : 2;
    /* the magnitude after rounding to `sig` digits: 0.0997 rounds to
     * 0.10 (two digits), not to 0.100; "%.*e" does the rounding */
    char e[40];
    snprintf(e, sizeof e, "%.*e", sig - 1, p);
    const char *x = strchr(e, 'e');
    int mag = x != NULL ? atoi(x + 1) + 1 : 1;
    int decimals = sig - mag;
    snprintf(buf, size, "%.*f", decimals < 0 ? 0 : decimals, p);
}
