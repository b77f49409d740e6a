#!/usr/bin/env Rscript
# tests/data/readstat/make.R - writes the small SPSS, Stata and SAS files that
# tests/unit/test_readstat.c reads, so that the expected values in that test
# can be traced to this script.
#
# Rerun from the repository root (needs R with haven >= 2.4):
#
#     Rscript tests/data/readstat/make.R
#
# It overwrites labelled.sav, labelled.zsav and labelled.dta beside this
# script (small.sas7bdat comes from make_sas7bdat.c, see the end of this
# file); README.md lists what each file holds.  The files are deterministic
# except for the creation timestamps in their headers.
suppressPackageStartupMessages(library(haven))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
dir <- if (length(script) == 1) dirname(normalizePath(script)) else "."

## SPSS: six rows.
##   arm    numeric, labels 1 "Control", 2 "Treatment", 3 "Placebo" (3 never
##          occurs), -99 "Refused"; values 1 2 2 1 4 -99 (4 occurs but has no
##          label); -99 is a discrete user-missing value; variable label
##          "Treatment arm"
##   score  numeric with decimals, user-missing range 90..95:
##          1.5 92 3.25 NA 5 6 (so 92 is missing)
##   sex    string with labels "F" "Female", "M" "Male": F M M F "" M
##   dob    date (haven writes SPSS format DATE11): 1950-03-01 1961-12-31
##          1970-01-01 NA 2000-02-29 1899-12-31
##   os     integer months, variable label "Overall survival (months)"
sav <- data.frame(
  arm = labelled_spss(c(1, 2, 2, 1, 4, -99),
                      labels = c(Control = 1, Treatment = 2, Placebo = 3,
                                 Refused = -99),
                      na_values = -99, label = "Treatment arm"),
  score = labelled_spss(c(1.5, 92, 3.25, NA, 5, 6), na_range = c(90, 95)),
  sex = labelled(c("F", "M", "M", "F", "", "M"),
                 labels = c(Female = "F", Male = "M")),
  dob = as.Date(c("1950-03-01", "1961-12-31", "1970-01-01", NA,
                  "2000-02-29", "1899-12-31")),
  os = c(12L, 30L, 7L, 44L, 0L, 18L)
)
attr(sav$os, "label") <- "Overall survival (months)"
write_sav(sav, file.path(dir, "labelled.sav"))
write_sav(sav, file.path(dir, "labelled.zsav"), compress = "zsav")

## Stata: five rows.
##   stage  value labels 1 "I" 2 "II" 3 "III" 4 "IV" (4 never occurs),
##          values 1 2 3 .a 2, .a labelled "Unknown" (tagged missing)
##   dx     %td date: 2010-01-15 2012-06-30 NA 1960-01-01 1959-12-31
##   age    double 61.5 70 NA 55.25 48
dta <- data.frame(
  stage = labelled(c(1, 2, 3, tagged_na("a"), 2),
                   labels = c(I = 1, II = 2, III = 3, IV = 4,
                              Unknown = tagged_na("a")),
                   label = "Tumour stage"),
  dx = as.Date(c("2010-01-15", "2012-06-30", NA, "1960-01-01", "1959-12-31")),
  age = c(61.5, 70, NA, 55.25, 48)
)
write_dta(dta, file.path(dir, "labelled.dta"), version = 14)

## SAS: small.sas7bdat is NOT written here.  haven::write_sas works but
## writes the 64-bit SAS layout, 16 KB for four rows; make_sas7bdat.c beside
## this script writes the 32-bit layout (9 KB) with ReadStat's writer API.
