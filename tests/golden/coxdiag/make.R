# make.R - expected Cox-model diagnostics from R's survival package (3.5-3):
# concordance(fit), cox.zph(fit, transform, terms = TRUE) and
# survfit(fit, newdata =) for Cox models of the data in tests/golden/data/.
# For each model it also writes the data the C kernels take (complete
# cases, sorted by stratum then time, the model matrix as R built it) and
# the fit's coef, var and means, so that tests/unit/test_coxdiag.c can
# build a coh_cox_fit by hand without fitting.
# Rerun from the repository root:
#   Rscript tests/golden/coxdiag/make.R tests/golden/coxdiag
# (tests/golden/check-r.sh does this into a temporary folder and compares.)
# README.md in this folder says what each file holds.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/coxdiag"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

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

put <- function(d, name) {
  for (v in names(d)) if (is.numeric(d[[v]])) d[[v]] <- num(d[[v]])
  write.table(d, file.path(outdir, name), sep = ",", quote = FALSE,
              row.names = FALSE, col.names = TRUE, na = "")
}

rd <- function(name) read.csv(file.path("tests/golden/data", paste0(name, ".csv")),
                             na.strings = c("", "NA"), stringsAsFactors = FALSE)
lung <- rd("lung")
lung$agecopy <- lung$age                      # an exactly aliased column
lung$w <- 1 + ((seq_len(nrow(lung)) * 7) %% 5) / 4   # case weights 1 .. 2
veteran <- rd("veteran")
ovarian <- rd("ovarian")
colon <- rd("colon")

# Each model: a name, its data, formula (right-hand side), ties, strata
# column (or NULL), weights column (or NULL), and covariate rows for
# survfit(newdata =).
models <- list(
  list(name = "lung", data = lung, time = "time", status = "status",
       rhs = "age + sex + ph.ecog", ties = "efron", strata = NULL, weights = NULL,
       newdata = data.frame(age = c(60, 72), sex = c("male", "female"), ph.ecog = c(1, 2))),
  list(name = "lung_breslow", data = lung, time = "time", status = "status",
       rhs = "age + sex + ph.ecog", ties = "breslow", strata = NULL, weights = NULL,
       newdata = data.frame(age = 60, sex = "male", ph.ecog = 1)),
  list(name = "lung_weighted", data = lung, time = "time", status = "status",
       rhs = "age + sex + ph.ecog", ties = "efron", strata = NULL, weights = "w",
       newdata = data.frame(age = 60, sex = "male", ph.ecog = 1)),
  list(name = "lung_aliased", data = lung, time = "time", status = "status",
       rhs = "age + sex + ph.ecog + agecopy", ties = "efron", strata = NULL, weights = NULL,
       newdata = data.frame(age = 60, sex = "male", ph.ecog = 1, agecopy = 60)),
  list(name = "veteran_efron", data = veteran, time = "time", status = "status",
       rhs = "trt + celltype + karno", ties = "efron", strata = NULL, weights = NULL,
       newdata = data.frame(trt = c(1, 2), celltype = c("squamous", "smallcell"),
                            karno = c(60, 80))),
  list(name = "veteran_breslow", data = veteran, time = "time", status = "status",
       rhs = "trt + celltype + karno", ties = "breslow", strata = NULL, weights = NULL,
       newdata = data.frame(trt = c(1, 2), celltype = c("squamous", "adeno"),
                            karno = c(60, 80))),
  list(name = "ovarian", data = ovarian, time = "futime", status = "fustat",
       rhs = "age + rx + ecog.ps", ties = "efron", strata = NULL, weights = NULL,
       newdata = data.frame(age = 55, rx = 2, ecog.ps = 1)),
  list(name = "colon_sex", data = colon, time = "time", status = "status",
       rhs = "rx + age + nodes", ties = "efron", strata = "sex", weights = NULL,
       newdata = data.frame(rx = "Obs", age = 60, nodes = 3)),
  list(name = "colon_extent", data = colon, time = "time", status = "status",
       rhs = "rx + age + nodes", ties = "breslow", strata = "extent", weights = NULL,
       newdata = data.frame(rx = "Lev+5FU", age = 50, nodes = 5)))

transforms <- c("km", "identity", "rank", "log")
tab_models <- list(); tab_coef <- list(); tab_var <- list(); tab_conc <- list()
tab_zph <- list(); tab_newx <- list(); tab_pred <- list()

for (m in models) {
  d <- m$data
  vars <- c(m$time, m$status, all.vars(as.formula(paste("~", m$rhs))), m$strata, m$weights)
  d <- d[complete.cases(d[, vars]), ]
  st <- if (is.null(m$strata)) rep(0L, nrow(d)) else
    as.integer(factor(d[[m$strata]])) - 1L
  o <- order(st, d[[m$time]])
  d <- d[o, ]
  st <- st[o]
  rownames(d) <- NULL
  f <- paste0("Surv(", m$time, ", ", m$status, ") ~ ", m$rhs,
              if (is.null(m$strata)) "" else paste0(" + strata(", m$strata, ")"))
  d$.w <- if (is.null(m$weights)) rep(1, nrow(d)) else d[[m$weights]]
  fit <- if (is.null(m$weights))
    coxph(as.formula(f), data = d, ties = m$ties) else
    coxph(as.formula(f), data = d, ties = m$ties, weights = .w)
  X <- model.matrix(fit)
  p <- ncol(X)
  # the data the kernels take
  dat <- data.frame(time = d[[m$time]], status = d[[m$status]], stratum = st,
                    weight = d$.w)
  for (j in seq_len(p)) dat[[paste0("x", j)]] <- X[, j]
  put(dat, paste0("data_", m$name, ".csv"))
  # terms: first column (0-based) and number of columns of each
  asg <- fit$assign
  terms <- paste(vapply(asg, function(a) paste0(min(a) - 1, ":", length(a)), ""),
                 collapse = " ")
  tab_models[[length(tab_models) + 1]] <- data.frame(model = m$name,
    file = paste0("data_", m$name, ".csv"), n = nrow(d), p = p, ties = m$ties,
    n_strata = length(unique(st)), weighted = as.numeric(!is.null(m$weights)),
    terms = terms, term_names = paste(names(asg), collapse = " "))
  tab_coef[[length(tab_coef) + 1]] <- data.frame(model = m$name, j = seq_len(p) - 1,
    name = names(coef(fit)), coef = unname(coef(fit)), means = unname(fit$means))
  V <- fit$var
  tab_var[[length(tab_var) + 1]] <- data.frame(model = m$name,
    i = rep(seq_len(p) - 1, p), j = rep(seq_len(p) - 1, each = p), var = c(V))
  # concordance
  cc <- concordance(fit)
  ct <- cc$count
  if (is.matrix(ct)) ct <- colSums(ct)
  tab_conc[[length(tab_conc) + 1]] <- data.frame(model = m$name,
    concordant = unname(ct["concordant"]), discordant = unname(ct["discordant"]),
    tied_x = unname(ct["tied.x"]), tied_y = unname(ct["tied.y"]),
    tied_xy = unname(ct["tied.xy"]), estimate = unname(cc$concordance),
    std_err = sqrt(unname(cc$var)))
  # cox.zph: R drops terms whose columns are all aliased; the file keeps a
  # row for every term of the model (empty values for the dropped ones)
  for (tr in transforms) {
    z <- cox.zph(fit, transform = tr, terms = TRUE)$table
    tn <- c(names(asg), "GLOBAL")
    idx <- match(tn, rownames(z))
    tab_zph[[length(tab_zph) + 1]] <- data.frame(model = m$name, transform = tr,
      term = c(seq_along(asg) - 1, -1), term_name = tn,
      chisq = unname(z[idx, "chisq"]),
      df = ifelse(is.na(idx), 0, unname(z[idx, "df"])), p = unname(z[idx, "p"]))
  }
  # predicted survival for each newdata row
  nd <- m$newdata
  xlev <- fit$xlevels[!grepl("^strata\\(", names(fit$xlevels))]
  X2 <- model.matrix(as.formula(paste("~", m$rhs)), nd, xlev = xlev)
  X2 <- X2[, colnames(X2) != "(Intercept)", drop = FALSE]
  for (k in seq_len(nrow(nd))) {
    tab_newx[[length(tab_newx) + 1]] <- data.frame(model = m$name, curve = k - 1,
      j = seq_len(p) - 1, x = unname(X2[k, ]))
    sf <- survfit(fit, newdata = nd[k, , drop = FALSE], conf.type = "log", conf.int = 0.95)
    sfs <- if (is.null(sf$strata)) rep(0L, length(sf$time)) else
      rep(seq_along(sf$strata) - 1L, sf$strata)
    tab_pred[[length(tab_pred) + 1]] <- data.frame(model = m$name, curve = k - 1,
      stratum = sfs, time = sf$time, n_risk = sf$n.risk, n_event = sf$n.event,
      n_censor = sf$n.censor, surv = c(sf$surv), cumhaz = c(sf$cumhaz),
      se_cumhaz = c(sf$std.err), std_err = c(sf$surv * sf$std.err),
      lower = c(sf$lower), upper = c(sf$upper))
    sf90 <- survfit(fit, newdata = nd[k, , drop = FALSE], conf.type = "log", conf.int = 0.90)
    tab_pred[[length(tab_pred)]]$lower90 <- c(sf90$lower)
    tab_pred[[length(tab_pred)]]$upper90 <- c(sf90$upper)
  }
}
put(do.call(rbind, tab_models), "models.csv")
put(do.call(rbind, tab_coef), "coef.csv")
put(do.call(rbind, tab_var), "var.csv")
put(do.call(rbind, tab_conc), "concordance.csv")
put(do.call(rbind, tab_zph), "zph.csv")
put(do.call(rbind, tab_newx), "newx.csv")
put(do.call(rbind, tab_pred), "predict.csv")

# Small hand-checkable concordance cases (the test states the counts by
# hand too): a fit with one covariate x and coefficient 1, so the linear
# predictor is x - mean(x).
small <- list(
  small4 = data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 0, 1), x = c(4, 2, 3, 1)),
  small_ties = data.frame(time = c(1, 1, 2, 2, 3, 4), status = c(1, 1, 1, 0, 1, 0),
                          x = c(2, 2, 1, 3, 1, 0)))
tab_small <- list()
for (nm in names(small)) {
  s <- small[[nm]]
  put(s, paste0(nm, ".csv"))
  fit <- coxph(Surv(time, status) ~ x, data = s, init = 1, iter.max = 0)
  cc <- concordance(fit)
  ct <- cc$count
  tab_small[[length(tab_small) + 1]] <- data.frame(case = nm,
    concordant = unname(ct["concordant"]), discordant = unname(ct["discordant"]),
    tied_x = unname(ct["tied.x"]), tied_y = unname(ct["tied.y"]),
    tied_xy = unname(ct["tied.xy"]), estimate = unname(cc$concordance),
    std_err = sqrt(unname(cc$var)))
}
put(do.call(rbind, tab_small), "concordance_small.csv")
