# make.R - expected Cox model fits from R's survival package (3.5-3),
# and the inputs they were fitted to.  For each model this script writes
#   <model>.csv   the model's data exactly as R fitted it: complete cases,
#                 sorted by (stratum, time), columns time, status, stratum
#                 (0-based codes), weight, cluster (0-based codes) when used,
#                 then the model matrix (model.matrix without intercept)
# and, for all models together,
#   models.csv    per model: ties, options and the scalar results
#   coef.csv      per model and column: coef, se, robust se, mean, aliased
#   var.csv       per model: the variance matrices (model-based, robust)
#   lp.csv        per model and row (in <model>.csv order): linear predictor
# R fits the exported matrix itself (Surv(time, status) ~ X + strata(...)),
# so both sides see the same numbers.  README.md says what each model shows.
# Rerun from the repository root:
#   Rscript tests/golden/cox/make.R tests/golden/cox
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/cox"

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
lung <- rd("lung"); veteran <- rd("veteran"); ovarian <- rd("ovarian"); colon <- rd("colon")

models <- list(); coefs <- list(); vars <- list(); lps <- list()

# One model: d the data, rhs the covariate formula (model.matrix), optional
# strata/weight/cluster column names, ties, robust (NULL: R's default),
# iter.max and init.
add <- function(name, d, rhs, strata = NULL, weight = NULL, cluster = NULL,
                ties = "efron", robust = NULL, iter.max = 20, init = NULL,
                status = NULL, extra = NULL) {
  if (!is.null(status)) d$status <- status(d)
  if (!is.null(extra)) d <- extra(d)
  need <- unique(c("time", "status", all.vars(rhs), strata, weight, cluster))
  d <- d[complete.cases(d[, need]), ]
  X <- model.matrix(rhs, d)[, -1, drop = FALSE]
  colnames(X) <- make.names(colnames(X))
  st <- if (is.null(strata)) rep(0L, nrow(d)) else as.integer(factor(d[[strata]])) - 1L
  o <- order(st, d$time)
  d <- d[o, ]; X <- X[o, , drop = FALSE]; st <- st[o]
  out <- data.frame(time = d$time, status = d$status)
  if (!is.null(strata)) out$stratum <- st
  if (!is.null(weight)) out$weight <- d[[weight]]
  if (!is.null(cluster)) out$cluster <- as.integer(factor(d[[cluster]])) - 1L
  out <- cbind(out, as.data.frame(X))
  put(out, paste0(name, ".csv"))
  # the fit, on exactly the exported numbers
  e <- read.csv(file.path(outdir, paste0(name, ".csv")))
  Xe <- as.matrix(e[, colnames(X), drop = FALSE])
  fml <- if (is.null(strata)) Surv(time, status) ~ Xe else Surv(time, status) ~ Xe + strata(stratum)
  cl <- list(formula = fml, data = e, ties = ties,
             control = coxph.control(iter.max = iter.max))
  if (!is.null(weight)) cl$weights <- e$weight
  if (!is.null(cluster)) cl$cluster <- e$cluster
  if (!is.null(robust)) cl$robust <- robust
  if (!is.null(init)) cl$init <- init
  warn <- character(0)
  fit <- withCallingHandlers(do.call(coxph, cl), warning = function(w) {
    warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  nev <- sum(e$status)
  p <- ncol(X)
  rob <- !is.null(fit$naive.var)
  naive <- if (rob) fit$naive.var else fit$var
  coef <- fit$coefficients
  infinite <- grepl("may be infinite", paste(warn, collapse = " "))
  models[[length(models) + 1]] <<- data.frame(model = name, ties = ties, n = nrow(e), p = p,
    n_events = nev, max_iter = iter.max, robust = as.integer(rob),
    init = if (is.null(init)) "" else paste(num(init), collapse = " "),
    loglik_null = fit$loglik[1], loglik = fit$loglik[length(fit$loglik)],
    score = if (nev > 0) fit$score else 0,
    wald = if (nev > 0) fit$wald.test else 0,
    lr = 2 * (fit$loglik[length(fit$loglik)] - fit$loglik[1]),
    df = sum(!is.na(coef)), iter = fit$iter,
    robust_score = if (rob) fit$rscore else NA,
    infinite_warning = as.integer(infinite),
    warnings = gsub("[,\n]", ";", paste(warn, collapse = " | ")),
    stringsAsFactors = FALSE)
  coefs[[length(coefs) + 1]] <<- data.frame(model = name, j = seq_len(p) - 1L,
    name = colnames(X), coef = unname(coef), se = sqrt(diag(naive)),
    robust_se = if (rob) sqrt(diag(fit$var)) else NA,
    mean = if (nev > 0) unname(fit$means) else unname(colMeans(X)),
    aliased = as.integer(is.na(coef) & nev > 0), stringsAsFactors = FALSE)
  ij <- expand.grid(i = seq_len(p), j = seq_len(p))
  vars[[length(vars) + 1]] <<- data.frame(model = name, i = ij$i - 1L, j = ij$j - 1L,
    var = naive[cbind(ij$i, ij$j)],
    robust_var = if (rob) fit$var[cbind(ij$i, ij$j)] else NA)
  lps[[length(lps) + 1]] <<- data.frame(model = name, row = seq_len(nrow(e)) - 1L,
    lp = if (nev > 0) unname(fit$linear.predictors) else 0)
}

lung$male <- as.integer(lung$sex == "male")
f_lung <- ~ age + male + ph.ecog
add("lung_efron", lung, f_lung)
add("lung_breslow", lung, f_lung, ties = "breslow")
add("lung_strata", lung, f_lung, strata = "inst")
add("lung_strata_breslow", lung, f_lung, strata = "inst", ties = "breslow")
lung$wt_int <- 1 + (seq_len(nrow(lung)) %% 3)
add("lung_weights", lung, f_lung, weight = "wt_int", robust = FALSE)
lung$wt_frac <- 0.5 + (seq_len(nrow(lung)) %% 7) / 4
add("lung_weights_robust", lung, f_lung, weight = "wt_frac")   # R: robust by default
add("lung_init", lung, f_lung, init = c(0.01, -0.5, 0.4))
add("lung_noconv", lung, f_lung, iter.max = 1)
# an aliased column: age copied (R: coefficient NA)
add("lung_aliased", lung, ~ age + male + age_copy + ph.ecog,
    extra = function(d) { d$age_copy <- d$age; d })
# monotone likelihood: the indicator is 1 for every death (R: "Loglik
# converged before variable 2; coefficient may be infinite")
add("lung_monotone", lung, ~ age + died,
    extra = function(d) { d$died <- d$status; d })
# no events: the first 40 rows, all censored
add("lung_noevents", lung[1:40, ], f_lung, status = function(d) rep(0L, nrow(d)))

veteran$celltype <- factor(veteran$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
f_vet <- ~ trt + celltype + karno
add("veteran_efron", veteran, f_vet)
add("veteran_breslow", veteran, f_vet, ties = "breslow")

ovarian$time <- ovarian$futime; ovarian$status <- ovarian$fustat
ovarian$id <- seq_len(nrow(ovarian))
add("ovarian_robust", ovarian, ~ age + resid.ds, robust = TRUE)
add("ovarian_cluster", ovarian, ~ age + resid.ds, cluster = "rx")
add("ovarian_breslow_robust", ovarian, ~ age + resid.ds, robust = TRUE, ties = "breslow")

colon$rx <- factor(colon$rx, levels = c("Obs", "Lev", "Lev+5FU"))
f_col <- ~ rx + nodes + age + obstruct + extent
add("colon_strata", colon, f_col, strata = "sex")
add("colon_strata_breslow", colon, f_col, strata = "sex", ties = "breslow")
colon$grp <- colon$id %% 50
add("colon_cluster", colon, f_col, strata = "sex", cluster = "grp")

put(do.call(rbind, models), "models.csv")
put(do.call(rbind, coefs), "coef.csv")
put(do.call(rbind, vars), "var.csv")
put(do.call(rbind, lps), "lp.csv")
