# make.R - expected results of Cohort's tests comparing survival between
# groups (src/stats/survdiff.c, docs/methods.md section 8), from R.
#
#   cases.csv    one line per case: data file, time, status, group and
#                stratum columns (empty: unstratified)
#   levels.csv   the group levels of each case, in R's factor order (the C
#                test maps its group codes through this)
#   expected.csv case, test (quoted: "fh:1,1"), what (n, observed, expected, variance, chisq,
#                df, p), i, j (0-based group indexes), value ("%.17g")
#   padjust.csv  R's p.adjust ("holm", "BH") of two p-value vectors with
#                ties and NAs (12 values, and 300 values: more than
#                survdiff.c sorts on the stack)
#   dist.csv     pchisq(x, df, lower.tail = FALSE), pnorm(z, lower.tail =
#                FALSE) and qnorm(p) at a few points, tails included
#
# Log-rank and Peto-Peto come from survival::survdiff (rho = 0 and 1), and
# so does Fleming-Harrington with gamma = 0 (survdiff's rho).  Survdiff has
# no gamma and no Gehan or Tarone-Ware weights, so those come from `wtest`
# below, written from the definition (docs/methods.md section 8); the script
# first checks that wtest reproduces survdiff for rho = 0, 0.5 and 1, and
# stops if it does not.
#
# Rerun from the repository root:
#   Rscript tests/golden/survdiff/make.R tests/golden/survdiff
# (tests/golden/check-r.sh does this into a temporary folder and compares.)
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/survdiff"
datadir <- "tests/golden/data"

# The k-sample weighted log-rank test from its definition.  At each distinct
# event time t of a stratum: n = number at risk, d = events, n_g and d_g
# per group, S(t-) the pooled Kaplan-Meier estimate just before t in the
# stratum, w = wfun(S(t-), n).  O_g += w d_g; E_g += w d n_g / n;
# V_gh += w^2 d (n - d) / (n - 1) (n_g / n) (1[g = h] - n_h / n) when n > 1.
# Chi-square over the groups with E > 0 except the first of them, as
# survdiff does.
wtest <- function(time, status, group, strat, wfun) {
  k <- nlevels(group)
  g <- as.integer(group)
  O <- E <- numeric(k)
  V <- matrix(0, k, k)
  for (s in unique(strat)) {
    i <- strat == s
    t <- time[i]; d <- status[i]; gg <- g[i]
    ut <- sort(unique(t[d == 1]))
    nr <- vapply(ut, function(u) sum(t >= u), numeric(1))
    nd <- vapply(ut, function(u) sum(t == u & d == 1), numeric(1))
    S <- cumprod(1 - nd / nr)
    Sminus <- c(1, head(S, -1))
    w <- wfun(Sminus, nr)
    for (j in seq_along(ut)) {
      rk <- tabulate(gg[t >= ut[j]], k)
      dk <- tabulate(gg[t == ut[j] & d == 1], k)
      O <- O + w[j] * dk
      E <- E + w[j] * nd[j] * rk / nr[j]
      if (nr[j] > 1)
        V <- V + w[j]^2 * nd[j] * (nr[j] - nd[j]) / (nr[j] - 1) *
          (diag(rk / nr[j], k) - outer(rk, rk) / nr[j]^2)
    }
  }
  keep <- E > 0
  b <- (O - E)[keep][-1]
  vv <- V[keep, keep, drop = FALSE][-1, -1, drop = FALSE]
  chisq <- if (sum(keep) < 2) 0 else sum(solve(vv, b) * b)
  df <- sum(keep) - 1
  list(n = tabulate(g, k), obs = O, exp = E, var = V, chisq = chisq, df = df,
       p = pchisq(chisq, df, lower.tail = FALSE))
}

fh <- function(rho, gamma) function(S, n) S^rho * (1 - S)^gamma

cases <- data.frame(
  case = c("aml_x", "lung_sex", "lung_sex_strata_ecog", "lung_ecog",
           "veteran_trt", "veteran_celltype", "veteran_trt_strata_celltype",
           "ovarian_rx"),
  file = c("aml.csv", "lung.csv", "lung.csv", "lung.csv", "veteran.csv",
           "veteran.csv", "veteran.csv", "ovarian.csv"),
  time = c("time", "time", "time", "time", "time", "time", "time", "futime"),
  status = c("status", "status", "status", "status", "status", "status",
             "status", "fustat"),
  group = c("x", "sex", "sex", "ph.ecog", "trt", "celltype", "trt", "rx"),
  strata = c("", "", "ph.ecog", "", "", "", "celltype", ""),
  stringsAsFactors = FALSE)

tests <- c("logrank", "peto", "gehan", "tarone-ware", "fh:1,1", "fh:0,1",
           "fh:0.5,0", "fh:2,0.5")

num <- function(x) sprintf("%.17g", x)
out <- character(0)
lev_out <- character(0)
for (ci in seq_len(nrow(cases))) {
  cs <- cases[ci, ]
  d <- read.csv(file.path(datadir, cs$file), stringsAsFactors = FALSE)
  used <- c(cs$time, cs$status, cs$group, if (nzchar(cs$strata)) cs$strata)
  d <- d[complete.cases(d[used]), ]
  time <- d[[cs$time]]
  status <- d[[cs$status]]
  group <- factor(d[[cs$group]])
  strat <- if (nzchar(cs$strata)) d[[cs$strata]] else rep(1, nrow(d))
  lev_out <- c(lev_out, sprintf("%s,%d,%s", cs$case, seq_along(levels(group)) - 1,
                                levels(group)))
  for (test in tests) {
    res <- switch(test,
      "gehan" = wtest(time, status, group, strat, function(S, n) n),
      "tarone-ware" = wtest(time, status, group, strat, function(S, n) sqrt(n)),
      "fh:1,1" = wtest(time, status, group, strat, fh(1, 1)),
      "fh:0,1" = wtest(time, status, group, strat, fh(0, 1)),
      "fh:2,0.5" = wtest(time, status, group, strat, fh(2, 0.5)),
      {
        rho <- switch(test, logrank = 0, peto = 1, "fh:0.5,0" = 0.5)
        sd <- if (nzchar(cs$strata))
          survdiff(Surv(time, status) ~ group + strata(strat), rho = rho)
        else survdiff(Surv(time, status) ~ group, rho = rho)
        obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
        ex <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
        df <- sum(ex > 0) - 1
        # the definition must agree with survdiff
        chk <- wtest(time, status, group, strat, fh(rho, 0))
        stopifnot(isTRUE(all.equal(chk$obs, unname(obs), tolerance = 1e-12)),
                  isTRUE(all.equal(chk$exp, unname(ex), tolerance = 1e-12)),
                  isTRUE(all.equal(chk$var, unname(sd$var), tolerance = 1e-12)),
                  isTRUE(all.equal(chk$chisq, sd$chisq, tolerance = 1e-12)))
        list(n = as.vector(sd$n), obs = unname(obs), exp = unname(ex),
             var = unname(sd$var), chisq = sd$chisq, df = df, p = sd$pvalue)
      })
    k <- nlevels(group)
    row <- function(what, i, j, v) sprintf("%s,\"%s\",%s,%d,%d,%s", cs$case, test, what, i, j, num(v))
    out <- c(out,
             row("n", 0:(k - 1), 0, res$n),
             row("observed", 0:(k - 1), 0, res$obs),
             row("expected", 0:(k - 1), 0, res$exp),
             row("variance", rep(0:(k - 1), each = k), rep(0:(k - 1), k),
                 t(res$var)),
             row("chisq", 0, 0, res$chisq),
             row("df", 0, 0, res$df),
             row("p", 0, 0, res$p))
  }
}
write.csv(cases, file.path(outdir, "cases.csv"), row.names = FALSE, quote = FALSE)
writeLines(c("case,i,level", lev_out), file.path(outdir, "levels.csv"))
writeLines(c("case,test,what,i,j,value", out), file.path(outdir, "expected.csv"))

# p.adjust: ties and NAs, a short vector and a long one.
p_short <- c(0.01, 0.04, 0.03, NA, 0.04, 0.2, 0.005, 0.04, NA, 0.9, 0.03, 1)
i <- 1:300
p_long <- round(((i * 37) %% 101) / 101, 2)^2
p_long[i %% 7 == 0] <- NA
p_long[c(5, 6, 50, 299)] <- 0.0001
pa <- character(0)
for (v in list(list("short", p_short), list("long", p_long)))
  for (m in c("holm", "BH")) {
    adj <- p.adjust(v[[2]], m)
    pa <- c(pa, sprintf("%s,%s,%d,%s,%s", v[[1]], m, seq_along(adj) - 1,
                        ifelse(is.na(v[[2]]), "NA", num(v[[2]])),
                        ifelse(is.na(adj), "NA", num(adj))))
  }
writeLines(c("set,method,i,p,adjusted", pa), file.path(outdir, "padjust.csv"))

# Distribution functions (src/dist/dist.c).
dist <- rbind(
  data.frame(fn = "chisq_q",
             x = c(0.5, 3.8414588206941236, 10.8, 25.4, 100, 1000, 0.001, 7, 150, 2, 1e-8),
             df = c(1, 1, 1, 3, 2, 1, 1, 10, 100, 0.5, 4)),
  data.frame(fn = "norm_q", x = c(-3, 0, 1.959963984540054, 5, 10, 30), df = 0),
  data.frame(fn = "norm_quantile", x = c(0.975, 0.5, 0.025, 1e-10, 0.999999), df = 0))
dist$value <- mapply(function(fn, x, df) switch(fn,
  chisq_q = pchisq(x, df, lower.tail = FALSE),
  norm_q = pnorm(x, lower.tail = FALSE),
  norm_quantile = qnorm(x)), dist$fn, dist$x, dist$df)
writeLines(c("fn,x,df,value", sprintf("%s,%s,%s,%s", dist$fn, num(dist$x), num(dist$df),
                                       num(dist$value))),
           file.path(outdir, "dist.csv"))
