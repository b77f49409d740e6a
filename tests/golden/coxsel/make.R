# make.R - expected Cox model designs, univariable tests and variable
# selections from R's survival package (3.5-3), for tests/unit/test_coxsel.c
# and tests/unit/test_design.c.  R has no built-in backward elimination by
# Wald p for Cox models, so this script implements the loop of
# docs/methods.md section 17 with coxph: the rows are fixed first (complete
# in every candidate term), the entry screen fits each candidate alone on
# them (or, rows "available", each candidate on its own complete cases,
# the rows then fixed as those complete in the terms that passed), a term's test is the joint Wald statistic b' V^-1 b of its
# coefficients (or the LR test against the model without it, refitted on
# the same rows), backward removes the largest p while p > stay, forward
# adds the smallest p while p <= enter, stepwise adds and then checks
# backward, and a term it removed cannot enter again; ties go to the term
# given first.
# Rerun from the repository root:
#   Rscript tests/golden/coxsel/make.R tests/golden/coxsel
# (tests/golden/check-r.sh does this into a temporary folder and compares.)
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/coxsel"

# Numbers as the shortest decimal that reads back to the same double.
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
colon <- rd("colon")
colon <- colon[colon$etype == 2, ]   # the death rows

# Cohort's column names: "sex=male" for R's "sexmale".
cohort_names <- function(fit, d, terms) {
  out <- character(0)
  for (tt in terms) {
    if (is.factor(d[[tt]])) out <- c(out, paste0(tt, "=", levels(d[[tt]])[-1]))
    else out <- c(out, tt)
  }
  out
}

fit_terms <- function(d, tt) {
  f <- if (length(tt) == 0) Surv(time, status) ~ 1
       else as.formula(paste("Surv(time, status) ~", paste(tt, collapse = " + ")))
  coxph(f, data = d, ties = "efron")
}
loglik <- function(fit) fit$loglik[length(fit$loglik)]
model_df <- function(fit) if (is.null(fit$coefficients)) 0 else sum(!is.na(coef(fit)))

# Joint Wald test of term tt in fit: b' V^-1 b over its non-NA coefficients.
wald <- function(fit, tt) {
  idx <- fit$assign[[tt]]
  b <- coef(fit)[idx]
  ok <- !is.na(b)
  V <- vcov(fit)[idx, idx, drop = FALSE][ok, ok, drop = FALSE]
  chisq <- as.numeric(t(b[ok]) %*% solve(V, b[ok]))
  c(chisq = chisq, df = sum(ok))
}
# Test of term tt in the model of terms `model`: Wald, or LR (drop one).
term_test <- function(d, model, tt, test, fit = fit_terms(d, model)) {
  if (test == "wald") {
    w <- wald(fit, tt)
  } else {
    red <- fit_terms(d, setdiff(model, tt))
    w <- c(chisq = 2 * (loglik(fit) - loglik(red)), df = model_df(fit) - model_df(red))
  }
  c(w, p = pchisq(w[["chisq"]], w[["df"]], lower.tail = FALSE))
}

# The rows complete in `tt`'s variables (and time, status), with factors
# of the levels present only.
complete_in <- function(d, tt, factors) {
  vars <- unique(unlist(strsplit(tt, ":")))
  d <- d[complete.cases(d[, c("time", "status", vars)]), ]
  for (v in intersect(factors, vars)) d[[v]] <- factor(d[[v]])
  for (v in vars) if (is.character(d[[v]])) d[[v]] <- factor(d[[v]])
  d
}

# rows "complete": the rows fixed first (complete in every candidate), the
# screen on them; "available": the screen fits each term on its own
# complete cases, and the rows are then fixed as those complete in the
# terms that passed.
select <- function(case, d0, terms, factors, method, test, entry, stay, enter,
                   rows = "complete") {
  if (rows == "complete") {
    d <- complete_in(d0, terms, factors)
    scr <- do.call(rbind, lapply(terms, function(tt) c(term_test(d, tt, tt, test),
                                                       n = nrow(d))))
  } else {
    scr <- do.call(rbind, lapply(terms, function(tt) {
      dt <- complete_in(d0, tt, factors)
      c(term_test(dt, tt, tt, test), n = nrow(dt))
    }))
  }
  screened <- terms[scr[, "p"] <= entry]
  if (rows != "complete") d <- complete_in(d0, screened, factors)
  screen <- data.frame(case = case, term = terms, df = scr[, "df"], chisq = scr[, "chisq"],
                       p = scr[, "p"], screened = as.integer(terms %in% screened),
                       n = scr[, "n"])
  path <- data.frame(case = character(0), step = numeric(0), action = character(0),
                     term = character(0), df = numeric(0), chisq = numeric(0),
                     p = numeric(0))
  add_step <- function(action, tt, w)
    path[nrow(path) + 1, ] <<- list(case, nrow(path) + 1, action, tt, w[["df"]],
                                    w[["chisq"]], w[["p"]])
  model <- if (method == "backward") screened else character(0)
  back <- function() {   # returns the removed terms
    removed <- character(0)
    while (length(model) > 0) {
      fit <- fit_terms(d, model)
      ws <- lapply(model, function(tt) term_test(d, model, tt, test, fit))
      ps <- vapply(ws, function(w) w[["p"]], 0)
      k <- which(ps == max(ps))[1]          # ties: the first in term order
      if (!(ps[k] > stay)) break
      add_step("removed", model[k], ws[[k]])
      removed <- c(removed, model[k])
      model <<- model[-k]
    }
    removed
  }
  if (method == "backward") {
    back()
  } else {
    barred <- character(0)
    repeat {
      cand <- setdiff(screened, c(model, barred))
      if (length(cand) == 0) break
      ws <- lapply(cand, function(tt) {
        m <- terms[terms %in% c(model, tt)]  # term order, as Cohort fits
        if (test == "wald") term_test(d, m, tt, "wald")
        else {
          w <- c(chisq = 2 * (loglik(fit_terms(d, m)) - loglik(fit_terms(d, model))),
                 df = model_df(fit_terms(d, m)) - model_df(fit_terms(d, model)))
          c(w, p = pchisq(w[["chisq"]], w[["df"]], lower.tail = FALSE))
        }
      })
      ps <- vapply(ws, function(w) w[["p"]], 0)
      k <- which(ps == min(ps))[1]
      if (!(ps[k] <= enter)) break
      add_step("entered", cand[k], ws[[k]])
      model <- terms[terms %in% c(model, cand[k])]
      if (method == "stepwise") barred <- c(barred, back())
    }
  }
  fit <- fit_terms(d, model)
  final <- if (length(model) == 0) data.frame(case = character(0), column = character(0),
                                              coef = numeric(0), se = numeric(0))
           else data.frame(case = case, column = cohort_names(fit, d, model),
                           coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))))
  list(screen = screen, path = path, final = final,
       rows = data.frame(case = case, n = nrow(d), events = sum(d$status == 1),
                         n_final = length(model)))
}

lung_terms <- c("age", "sex", "ph.ecog", "ph.karno", "pat.karno", "meal.cal", "wt.loss")
colon_terms <- c("rx", "sex", "age", "obstruct", "perfor", "adhere", "nodes", "differ",
                 "extent", "surg", "node4")
cases <- list(
  list("lung_backward_wald", lung, lung_terms, "ph.ecog", "backward", "wald", 0.20, 0.20, 0.20),
  list("lung_backward_lr", lung, lung_terms, "ph.ecog", "backward", "lr", 0.20, 0.20, 0.20),
  list("lung_forward_wald", lung, lung_terms, "ph.ecog", "forward", "wald", 0.20, 0.20, 0.20),
  list("lung_stepwise_lr", lung, lung_terms, "ph.ecog", "stepwise", "lr", 0.50, 0.10, 0.15),
  list("colon_backward_wald", colon, colon_terms, c("differ", "extent"), "backward", "wald",
       0.25, 0.05, 0.05),
  list("colon_backward_lr", colon, colon_terms, c("differ", "extent"), "backward", "lr",
       0.25, 0.05, 0.05),
  list("colon_stepwise_wald", colon, colon_terms, c("differ", "extent"), "stepwise", "wald",
       0.25, 0.05, 0.05),
  list("lung_backward_wald_available", lung, lung_terms, "ph.ecog", "backward", "wald",
       0.20, 0.20, 0.20, "available"),
  list("lung_backward_lr_available", lung, lung_terms, "ph.ecog", "backward", "lr",
       0.50, 0.10, 0.20, "available"),
  list("colon_backward_wald_available", colon, colon_terms, c("differ", "extent"),
       "backward", "wald", 0.25, 0.05, 0.05, "available"))
res <- lapply(cases, function(a) do.call(select, a))
for (part in c("screen", "path", "final", "rows"))
  put(do.call(rbind, lapply(res, `[[`, part)), paste0(part, ".csv"))

# Univariable fits, each term on its own complete cases.
uni <- do.call(rbind, lapply(list(list("lung", lung, lung_terms, "ph.ecog"),
                                  list("colon", colon, colon_terms, c("differ", "extent"))),
  function(a) {
    d0 <- a[[2]]
    do.call(rbind, lapply(a[[3]], function(tt) {
      d <- d0[complete.cases(d0[, c("time", "status", tt)]), ]
      if (tt %in% a[[4]] || is.character(d[[tt]])) d[[tt]] <- factor(d[[tt]])
      fit <- fit_terms(d, tt)
      w <- wald(fit, tt)
      lr <- 2 * (fit$loglik[2] - fit$loglik[1])
      data.frame(dataset = a[[1]], term = tt, n = nrow(d), events = sum(d$status == 1),
                 df = w[["df"]], wald_chisq = w[["chisq"]],
                 wald_p = pchisq(w[["chisq"]], w[["df"]], lower.tail = FALSE),
                 lr_chisq = lr, lr_p = pchisq(lr, w[["df"]], lower.tail = FALSE))
    }))
  }))
put(uni, "univariable.csv")

# A model matrix for tests/unit/test_design.c: lung, sex with reference
# "male", ph.ecog as a factor, age per 10 years, and the interactions
# age:sex (numeric:factor), sex:ph.ecog (factor:factor) and
# ph.karno:meal.cal (numeric:numeric), as R codes them with the main
# effects present.  One row per complete case (row: the 1-based row of
# lung.csv), columns named as Cohort names them.
d <- lung
d$row <- seq_len(nrow(d))
d <- d[complete.cases(d[, c("time", "status", "age", "sex", "ph.ecog", "ph.karno",
                            "meal.cal")]), ]
d$sex <- relevel(factor(d$sex), ref = "male")
d$ph.ecog <- factor(d$ph.ecog)
d$age10 <- d$age / 10
mm <- model.matrix(~ age10 + sex + ph.ecog + ph.karno + meal.cal + age10:sex + sex:ph.ecog +
                     ph.karno:meal.cal, data = d)[, -1]
cn <- colnames(mm)
cn <- gsub("age10", "age", cn)
cn <- gsub("sex(female|male)", "sex=\\1", cn)
cn <- gsub("ph.ecog([0-9])", "ph.ecog=\\1", cn)
colnames(mm) <- cn
put(data.frame(row = d$row, mm, check.names = FALSE), "design_lung.csv")
