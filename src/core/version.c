/* version.c - the library version, from the VERSION file via the build. */
#include "cohort/cohort.h"

#ifndef COHORT_VERSION
#define COHORT_VERSION "unknown"
#endif

const char *coh_version(void)
{
    return COHORT_VERSION;
}
