/* cohort/cohort.h - libcohort, the umbrella header.
 *
 * Cohort turns patient-level clinical data into a survival study.  This
 * header includes every public module:
 *
 *   status.h   the one status enum (coh_status) and the error record
 *   table.h    the columnar data table
 *   io.h       readers: CSV/TSV, SPSS/Stata/SAS (ReadStat), SQLite
 *   filter.h   keeping rows that satisfy an SQL expression
 *   desc.h     column summaries
 *   dist.h     probability distributions (GSL)
 *   survdata.h survival columns checked and sorted for the kernels
 *   km.h       Kaplan-Meier, quantiles, survival at times, RMST
 *   survdiff.h log-rank and weighted tests, pairwise adjustment
 *   cox.h      Cox regression, concordance, cox.zph, predicted survival
 *   design.h   model terms and complete cases for Cox models
 *   coxsel.h   univariable screens and variable selection
 *   htest.h    tests of descriptive tables: chi-square, Fisher, rank tests,
 *              t-test, ANOVA, standardised mean differences
 *   tabone.h   descriptive tables with group comparisons ("Table 1")
 *   outfile.h  output files written whole or not at all
 *   plot.h     figures: Kaplan-Meier with numbers at risk, forest, flow
 *   study.h    a whole study from one YAML file: load, data, run
 *   format.h   numbers as journals print them
 *   json.h     the JSON writer used for machine-readable output
 *
 * Status codes (status.h): COH_OK is 0; every fallible function returns a
 * coh_status and, where a person must read why, fills a coh_error with a
 * message naming the file, line, column or variable.
 *
 * Ownership rule: every object returned by a `*_new`, `coh_read*`, `*_fit`
 * or other constructor belongs to the caller and is released with the
 * matching `*_free` (which accepts NULL).  No function keeps or frees its
 * inputs, with one stated exception: coh_table_add_column takes the column.
 * Results that point into an input (coh_describe_result into its table) say
 * so, and the input must outlive them.
 *
 * Threads: every function is reentrant; there is no global mutable state.
 * Distinct objects may be used from different threads at once.
 */
#ifndef COHORT_COHORT_H
#define COHORT_COHORT_H

#include "cohort/status.h"
#include "cohort/table.h"
#include "cohort/io.h"
#include "cohort/desc.h"
#include "cohort/dist.h"
#include "cohort/filter.h"
#include "cohort/format.h"
#include "cohort/json.h"
#include "cohort/km.h"
#include "cohort/cox.h"
#include "cohort/design.h"
#include "cohort/coxsel.h"
#include "cohort/htest.h"
#include "cohort/outfile.h"
#include "cohort/tabone.h"
#include "cohort/plot.h"
#include "cohort/study.h"
#include "cohort/survdata.h"
#include "cohort/survdiff.h"

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *coh_version(void);

#endif
