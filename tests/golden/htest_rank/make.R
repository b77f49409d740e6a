# make.R - expected results of Cohort's rank tests, t-tests and one-way
# ANOVA (src/stats/htest_rank.c, docs/methods.md sections 20 and 21), from
# R's stats package: wilcox.test, kruskal.test, t.test, anova(lm()),
# oneway.test.
#
#   samples.csv   small samples written here: case, group (0-based), value
#   expected.csv  case, test, statistic, df, df2, p ("%.17g"; NA when R
#                 gives NA or NaN), exact (0/1), method (as R names it,
#                 without the leading space of " Two Sample t-test")
#
# Cases on tests/golden/data (rows with a missing value or group removed):
#   lung_age_sex     lung: age by sex      (x = "female", y = "male")
#   lung_karno_sex   lung: ph.karno by sex
#   lung_wtloss_ecog lung: wt.loss by ph.ecog (4 groups, one of size 1)
#   colon_nodes_rx   colon, etype == 2: nodes by rx (3 groups)
# Two-sample tests take x = the first group in sorted order, y = the second.
# Tests: wilcox (exact = NULL, correct = TRUE: R's defaults), wilcox_nocc
# (correct = FALSE), wilcox_approx (exact = FALSE), t_welch, t_student,
# kruskal, anova, anova_welch (oneway.test(v ~ g, var.equal = FALSE), on
# the cases anova runs on, left out where R stops: a group of one value).
#
# Rerun from the repository root:
#   Rscript tests/golden/htest_rank/make.R tests/golden/htest_rank
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/htest_rank"
datadir <- "tests/golden/data"

f17 <- function(v) ifelse(is.na(v) | is.nan(v), "NA", sprintf("%.17g", v))

set.seed(20261127)
samples <- list(
  s_exact4x3  = list(c(1.1, 2.3, 0.5, 4.2), c(3.3, 5.1, 2.8)),
  s_ties4x3   = list(c(1, 2, 2, 3), c(2, 4, 5)),
  s_exact49x30 = list(round(rnorm(49), 6), round(rnorm(30, 0.4), 6) + 1e-7),
  s_exact49x49 = list(round(rnorm(49), 6), round(rnorm(49, 0.5), 6) + 1e-7),
  s_approx50x10 = list(round(rnorm(50), 6), round(rnorm(10, 0.8), 6) + 1e-7),
  s_approx10x50 = list(round(rnorm(10, 0.8), 6) + 1e-7, round(rnorm(50), 6)),
  s_ties30x20 = list(round(rnorm(30) * 3), round(rnorm(20, 1) * 3)),
  s_alltied   = list(c(2, 2, 2), c(2, 2)),
  s_one1x1    = list(3, 5),
  s_one1x3    = list(3, c(5, 6, 8)),
  s_shift1x3  = list(10, c(5, 6, 8)),
  s_k3        = list(c(1, 2, 2, 5), c(3, 3, 7), c(8, 9, 2, 6, 6)),
  s_k4        = list(c(10.2, 11.9, 9.4, 10.8), c(14.1, 7.3, 19.6, 3.8, 12.5, 9.9),
                     c(12.01, 12.03, 11.98), c(2.5, 30.2, 18.7, 8.8, 25.1, 14.4, 1.9, 21.6))
)
for (nm in names(samples)) {          # no ties where the case says so
  s <- samples[[nm]]
  if (grepl("exact|approx", nm)) stopifnot(!anyDuplicated(unlist(s)))
}
sam <- do.call(rbind, lapply(names(samples), function(nm) {
  s <- samples[[nm]]
  do.call(rbind, lapply(seq_along(s), function(j)
    data.frame(case = nm, group = j - 1L, value = f17(s[[j]]))))
}))
write.csv(sam, file.path(outdir, "samples.csv"), row.names = FALSE, quote = 1)

lung <- read.csv(file.path(datadir, "lung.csv"))
colon <- read.csv(file.path(datadir, "colon.csv"))
colon <- colon[colon$etype == 2, ]
groups_of <- function(v, g) {
  ok <- !is.na(v) & !is.na(g)
  v <- v[ok]; g <- g[ok]
  lv <- sort(unique(g))
  lapply(lv, function(l) v[g == l])
}
data_cases <- list(
  lung_age_sex = groups_of(lung$age, lung$sex),
  lung_karno_sex = groups_of(lung$ph.karno, lung$sex),
  lung_wtloss_ecog = groups_of(lung$wt.loss, lung$ph.ecog),
  colon_nodes_rx = groups_of(colon$nodes, colon$rx)
)
cases <- c(samples, data_cases)

row <- function(case, test, h, df2 = NA, exact = FALSE) {
  df <- if (is.null(h$parameter)) NA else h$parameter[1]
  data.frame(case = case, test = test, statistic = f17(unname(h$statistic)),
             df = f17(unname(df)), df2 = f17(df2), p = f17(h$p.value),
             exact = as.integer(exact), method = trimws(h$method))
}
q <- function(expr) suppressWarnings(tryCatch(expr, error = function(e) NULL))
out <- list()
for (nm in names(cases)) {
  s <- cases[[nm]]
  v <- unlist(s); g <- factor(rep(seq_along(s), lengths(s)))
  if (length(s) == 2) {
    x <- s[[1]]; y <- s[[2]]
    h <- q(wilcox.test(x, y))
    if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "wilcox", h,
        exact = grepl("exact", h$method))
    h <- q(wilcox.test(x, y, correct = FALSE))
    if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "wilcox_nocc", h,
        exact = grepl("exact", h$method))
    h <- q(wilcox.test(x, y, exact = FALSE))
    if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "wilcox_approx", h)
    h <- q(t.test(x, y))
    if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "t_welch", h)
    h <- q(t.test(x, y, var.equal = TRUE))
    if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "t_student", h)
  }
  h <- q(kruskal.test(v, g))
  if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "kruskal", h)
  a <- q(anova(lm(v ~ g)))
  if (!is.null(a) && nrow(a) == 2 && length(unique(v)) > 1) {
    h <- list(statistic = a[1, "F value"], parameter = a[1, "Df"],
              p.value = a[1, "Pr(>F)"], method = "One-way analysis of variance")
    out[[length(out) + 1]] <- row(nm, "anova", h, df2 = a[2, "Df"])
    h <- q(oneway.test(v ~ g, var.equal = FALSE))
    if (!is.null(h)) out[[length(out) + 1]] <- row(nm, "anova_welch", h,
        df2 = h$parameter[2])
  }
}
exp <- do.call(rbind, out)
write.csv(exp, file.path(outdir, "expected.csv"), row.names = FALSE, quote = c(1, 2, 8))
