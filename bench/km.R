# bench/km.R - time R's Kaplan-Meier (survfit) and log-rank test (survdiff)
# on a CSV, for bench/run_km.sh (see bench/README.md).
#
#   Rscript bench/km.R FILE
#
# Loads FILE with data.table::fread (every thread, setDTthreads(0); an empty
# field or NA is missing, as in Cohort), then times, each on its own with
# proc.time():
#   fit  <- survfit(Surv(os_months, os_event) ~ group, data = d)
#   test <- survdiff(Surv(os_months, os_event) ~ group, data = d)
# Prints key=value lines on stdout:
#   threads=2
#   load_seconds=1.234        the fread() call alone
#   rows=10000000
#   survfit_seconds=...       survfit() alone
#   survdiff_seconds=...      survdiff() alone
#   compute_seconds=...       survfit_seconds + survdiff_seconds
#   groups=2
#   median group=0 estimate=15.17      one line per group (NA: not reached)
#   chisq=2139.4451230655227
# Numbers of the results are printed with 17 significant digits, so that
# run_km.sh can check them against `cohort km --format json`.  The medians
# are read from summary(fit)$table after the timed part (R computes them
# inside survfit's print/summary, not inside survfit itself).

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) {
  cat("usage: Rscript bench/km.R FILE\n", file = stderr())
  quit(status = 2L)
}
path <- args[1]
if (!file.exists(path)) {
  cat(sprintf("km.R: no such file: %s\n", path), file = stderr())
  quit(status = 2L)
}
for (pkg in c("data.table", "survival")) {
  if (!requireNamespace(pkg, quietly = TRUE)) {
    cat(sprintf("km.R: R package %s is not installed (apt-get install r-cran-%s)\n",
                pkg, tolower(pkg)), file = stderr())
    quit(status = 3L)
  }
}
suppressPackageStartupMessages(library(survival))

data.table::setDTthreads(0L)            # 0 = all logical CPUs
cat(sprintf("threads=%d\n", data.table::getDTthreads()))

elapsed <- function() proc.time()[["elapsed"]]

invisible(gc())
t0 <- elapsed()
d <- data.table::fread(path, na.strings = c("", "NA"), showProgress = FALSE)
t1 <- elapsed()
cat(sprintf("load_seconds=%.3f\n", t1 - t0))
cat(sprintf("rows=%d\n", nrow(d)))

t0 <- elapsed()
fit <- survfit(Surv(os_months, os_event) ~ group, data = d)
t1 <- elapsed()
test <- survdiff(Surv(os_months, os_event) ~ group, data = d)
t2 <- elapsed()
cat(sprintf("survfit_seconds=%.3f\n", t1 - t0))
cat(sprintf("survdiff_seconds=%.3f\n", t2 - t1))
cat(sprintf("compute_seconds=%.3f\n", t2 - t0))

# Results, outside the timed part.
tab <- summary(fit)$table
medians <- if (is.matrix(tab)) tab[, "median"] else tab[["median"]]
strata <- if (is.null(fit$strata)) "all" else sub("^group=", "", names(fit$strata))
cat(sprintf("groups=%d\n", length(strata)))
cat(sprintf("median group=%s estimate=%s\n", strata,
            ifelse(is.na(medians), "NA", sprintf("%.17g", medians))), sep = "")
cat(sprintf("chisq=%.17g\n", test$chisq))
