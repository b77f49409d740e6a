# make.R - expected Kaplan-Meier results from R's survival package (3.5-3):
# the survfit table, quantiles with their intervals, survival at given
# times, the restricted mean and the reverse Kaplan-Meier follow-up, for
# curves of the data in tests/golden/data/ and for small synthetic edge
# cases (whose input this script also writes, as edge_*.csv).
# Rerun from the repository root:
#   Rscript tests/golden/km/make.R tests/golden/km
# (tests/golden/check-r.sh does this into a temporary folder and compares.)
# README.md in this folder says what each file holds and what R does in
# the edge cases.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/km"

conf_types <- c("log", "log-log", "plain", "logit", "arcsin")
probs <- c(0.25, 0.5, 0.75)

# Numbers as the shortest decimal that reads back to the same double (15 to
# 17 significant digits); NA, NaN and +-Inf as empty fields.
num <- function(x) vapply(x, function(v) {
  if (!is.finite(v)) return("")
  for (d in 15:17) {
    s <- sprintf("%.*g", d, v)
    if (as.numeric(s) == v) break
  }
  s
}, character(1), USE.NAMES = FALSE)

# Write a data frame as CSV: numeric columns through num(), text as is
# (no value here holds a comma or a quote), no quoting, no row names.
put <- function(d, name) {
  for (v in names(d)) if (is.numeric(d[[v]])) d[[v]] <- num(d[[v]])
  write.table(d, file.path(outdir, name), sep = ",", quote = FALSE,
              row.names = FALSE, col.names = TRUE, na = "")
}

# ---- the curves -----------------------------------------------------------
# Each curve: the data file, its time and status columns, the grouping
# column (by = "all" for the whole data set) and the level, the times for
# summary(times =) and the restricted-mean horizons.
curves <- list()
add_curve <- function(dataset, file, time_col, status_col, by, group, d,
                      times, taus) {
  curves[[length(curves) + 1]] <<- list(
    dataset = dataset, file = file, time_col = time_col,
    status_col = status_col, by = by, group = group,
    time = d[[time_col]], status = d[[status_col]],
    times = times, taus = taus)
}

# Summary times for a data curve: 0; the midpoint between two event times
# (between events); an event time exactly; the last observed time; and a
# time past the last observation.
data_times <- function(time, status) {
  ev <- sort(unique(time[status == 1]))
  k <- max(1, floor(length(ev) / 3))
  between <- if (length(ev) >= 2) (ev[k] + ev[k + 1]) / 2 else ev[1] / 2
  exact <- ev[max(1, ceiling(2 * length(ev) / 3))]
  sort(unique(c(0, between, exact, max(time), max(time) + 10)))
}

datasets <- list(
  list(name = "aml", time = "time", status = "status", by = c("x"), overall = TRUE,
       taus = c(20, 40)),
  list(name = "lung", time = "time", status = "status", by = c("sex"), overall = FALSE,
       taus = c(365, 730)),
  list(name = "veteran", time = "time", status = "status", by = c("trt", "celltype"),
       overall = FALSE, taus = c(90, 180)),
  list(name = "ovarian", time = "futime", status = "fustat", by = c("rx"), overall = FALSE,
       taus = c(365, 730)),
  list(name = "colon", time = "time", status = "status", by = c("rx"), overall = FALSE,
       taus = c(1826, 3000)))

for (ds in datasets) {
  file <- file.path("tests/golden/data", paste0(ds$name, ".csv"))
  d <- read.csv(file, na.strings = c("", "NA"), stringsAsFactors = FALSE)
  # drop rows with a missing time or status, nothing else
  d <- d[!is.na(d[[ds$time]]) & !is.na(d[[ds$status]]), ]
  if (ds$overall)
    add_curve(ds$name, file, ds$time, ds$status, "all", "all", d,
              data_times(d[[ds$time]], d[[ds$status]]), ds$taus)
  for (by in ds$by) {
    for (g in sort(unique(d[[by]]))) {
      s <- d[!is.na(d[[by]]) & d[[by]] == g, ]
      stopifnot(all(ds$taus < max(s[[ds$time]])))
      add_curve(ds$name, file, ds$time, ds$status, by, as.character(g), s,
                data_times(s[[ds$time]], s[[ds$status]]), ds$taus)
    }
  }
}

# Synthetic edge cases (README.md says what each shows).  tau below the
# first observed time is not included: R refuses it (see README.md).
edges <- list(
  edge_midpoint = list(time = c(1, 2, 3, 4), status = c(1, 1, 1, 1),
                       times = c(0, 0.5, 2, 2.5, 4, 5), taus = c(1, 2.5, 4, 10)),
  edge_flat_end = list(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0),
                       times = c(0, 2, 4, 5), taus = c(3, 4, 10)),
  edge_early_censor = list(time = c(1, 2, 3, 4, 5, 6), status = c(0, 0, 1, 1, 0, 1),
                           times = c(0, 0.5, 1, 2.5, 3, 5.5, 6, 10), taus = c(1, 4.5, 6, 10)),
  edge_last_censored = list(time = c(1, 2, 3, 4, 5, 6), status = c(1, 0, 1, 1, 0, 0),
                            times = c(0, 5.5, 6, 7, 100), taus = c(3.5, 6, 10)),
  edge_upper_na = list(time = 1:9, status = c(1, 1, 1, 1, 1, 0, 0, 0, 0),
                       times = c(0, 4.5, 5, 9, 12), taus = c(5, 9, 20)),
  edge_ties = list(time = c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5),
                   status = c(1, 1, 0, 1, 0, 0, 1, 1, 0, 1),
                   times = c(0, 1, 2.5, 3, 6), taus = c(1, 2.5, 4, 8)),
  edge_all_censored = list(time = c(2, 4, 6), status = c(0, 0, 0),
                           times = c(0, 3, 6, 7), taus = c(2, 5, 10)),
  edge_single = list(time = 5, status = 1, times = c(0, 5, 6), taus = c(5, 10)))
for (nm in names(edges)) {
  e <- edges[[nm]]
  file <- file.path("tests/golden/km", paste0(nm, ".csv"))
  d <- data.frame(time = e$time, status = e$status)
  put(d, paste0(nm, ".csv"))
  add_curve(nm, file, "time", "status", "all", "all", d, e$times, e$taus)
}

# ---- the expected values --------------------------------------------------
key <- function(cv) data.frame(dataset = cv$dataset, by = cv$by, group = cv$group,
                               stringsAsFactors = FALSE)
fit_of <- function(time, status, ct, level)
  survfit(Surv(time, status) ~ 1, conf.type = ct, conf.int = level)

# conf.int 0.90 as well for these curves
at90 <- function(cv) (cv$dataset == "aml" && cv$by == "all") ||
  (cv$dataset == "lung") || cv$dataset == "edge_early_censor"

tab <- list(); qua <- list(); at <- list(); rms <- list(); fup <- list(); cur <- list()
pmed <- list()
for (cv in curves) {
  cur[[length(cur) + 1]] <- cbind(key(cv), file = cv$file, time_col = cv$time_col,
    status_col = cv$status_col, n = length(cv$time), n_event = sum(cv$status))
  levels <- if (at90(cv)) c(0.95, 0.90) else 0.95
  for (level in levels) for (ct in conf_types) {
    f <- fit_of(cv$time, cv$status, ct, level)
    tab[[length(tab) + 1]] <- cbind(key(cv), conf_type = ct, conf_level = level,
      time = f$time, n_risk = f$n.risk, n_event = f$n.event, n_censor = f$n.censor,
      surv = f$surv,
      std_err = f$surv * f$std.err,   # fit$std.err is on the cumulative-hazard scale
      se_cumhaz = f$std.err,          # Inf at S = 0, written empty
      lower = f$lower, upper = f$upper)
    q <- quantile(f, probs)
    qua[[length(qua) + 1]] <- cbind(key(cv), conf_type = ct, conf_level = level,
      p = probs, quantile = unname(q$quantile), lower = unname(q$lower),
      upper = unname(q$upper))
    s <- summary(f, times = cv$times, extend = TRUE)
    at[[length(at) + 1]] <- cbind(key(cv), conf_type = ct, conf_level = level,
      time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
      surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper,
      beyond = as.numeric(s$time > max(cv$time)))
    # the median as print(fit) shows it (survmean's rule, not quantile()'s)
    tb <- summary(f)$table
    pmed[[length(pmed) + 1]] <- cbind(key(cv), conf_type = ct, conf_level = level,
      median = unname(tb["median"]), lower = unname(tb[paste0(level, "LCL")]),
      upper = unname(tb[paste0(level, "UCL")]))
    r <- fit_of(cv$time, 1 - cv$status, ct, level)
    rq <- quantile(r, 0.5)
    fup[[length(fup) + 1]] <- cbind(key(cv), conf_type = ct, conf_level = level,
      median = unname(rq$quantile), lower = unname(rq$lower), upper = unname(rq$upper))
  }
  f <- fit_of(cv$time, cv$status, "log", 0.95)
  for (tau in cv$taus) {
    tb <- summary(f, rmean = tau)$table
    rms[[length(rms) + 1]] <- cbind(key(cv), tau = tau, rmean = unname(tb["rmean"]),
      se_rmean = unname(tb["se(rmean)"]))
  }
}
put(do.call(rbind, cur), "km_curves.csv")
put(do.call(rbind, tab), "km_table.csv")
put(do.call(rbind, qua), "km_quantiles.csv")
put(do.call(rbind, at), "km_at.csv")
put(do.call(rbind, rms), "km_rmst.csv")
put(do.call(rbind, fup), "km_followup.csv")
put(do.call(rbind, pmed), "km_median_print.csv")
