# bench/cox.R - time R's Cox regression (coxph, Efron ties) on a CSV, for
# bench/run_cox.sh (see bench/README.md).
#
#   Rscript bench/cox.R FILE
#
# Loads FILE with data.table::fread (every thread, setDTthreads(0); an empty
# field or NA is missing, as in Cohort), then times, with proc.time():
#   fit <- coxph(Surv(os_months, os_event) ~ age + sex + cea + n_lesions +
#                size_cm + stage + center + group, data = d, ties = "efron")
# on the complete cases (coxph's default na.action, na.omit).  sex, center
# (two levels each) and stage (four) are text columns, so factors with the
# first level in sort order as reference: 10 coefficients.  The timed call
# is the whole coxph() call, model frame and matrix included, as an R user
# would run it (survival 3.x's coxph also computes the concordance in it).
# Prints key=value lines on stdout:
#   threads=2
#   load_seconds=1.234        the fread() call alone
#   rows=1000000              rows read
#   fit_seconds=...           the coxph() call alone
#   n=889123                  rows used (complete cases)
#   events=...
#   iterations=4              Newton-Raphson iterations (fit$iter)
#   loglik=-1234.5            log partial likelihood at the fit (fit$loglik[2])
#   loglik_null=...           at beta = 0 (fit$loglik[1])
#   coef name=age coef=... se=...     one line per coefficient (R's names:
#                                     sexM, stageII, centerMSKCC, ...)
# Numbers of the results are printed with 17 significant digits, so that
# run_cox.sh can check them against `cohort cox --format json`.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) {
  cat("usage: Rscript bench/cox.R FILE\n", file = stderr())
  quit(status = 2L)
}
path <- args[1]
if (!file.exists(path)) {
  cat(sprintf("cox.R: no such file: %s\n", path), file = stderr())
  quit(status = 2L)
}
for (pkg in c("data.table", "survival")) {
  if (!requireNamespace(pkg, quietly = TRUE)) {
    cat(sprintf("cox.R: R package %s is not installed (apt-get install r-cran-%s)\n",
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
fit <- coxph(Surv(os_months, os_event) ~ age + sex + cea + n_lesions + size_cm +
               stage + center + group, data = d, ties = "efron")
t1 <- elapsed()
cat(sprintf("fit_seconds=%.3f\n", t1 - t0))

# Results, outside the timed part.
b <- coef(fit)
if (length(b) != 10L || anyNA(b)) {
  cat(sprintf("cox.R: expected 10 estimable coefficients, got %d (%s)\n",
              length(b), paste(names(b), collapse = ", ")), file = stderr())
  quit(status = 4L)
}
se <- sqrt(diag(fit$var))
cat(sprintf("n=%d\n", fit$n))
cat(sprintf("events=%d\n", fit$nevent))
cat(sprintf("iterations=%d\n", fit$iter))
cat(sprintf("loglik=%.17g\n", fit$loglik[2]))
cat(sprintf("loglik_null=%.17g\n", fit$loglik[1]))
cat(sprintf("coef name=%s coef=%.17g se=%.17g\n", names(b), b, se), sep = "")
