# verify.R DIR RESULTS.json - the seed study (examples/haip-recurrence)
# checked against R's survival package, live: DIR holds cohort.csv and
# flow.json from build_data.py (the analysis table rebuilt without
# Cohort); every number of Cohort's results.json for the flow, the
# Kaplan-Meier analyses (medians and their intervals, survival at the
# times, log-rank), the reverse-KM follow-up, the Cox models (24
# univariable fits, the entry screen on each term's own complete cases,
# backward elimination, the final fits, cox.zph) and Table 1's tests is
# recomputed and compared.  Exits 1 when any differs by more than 1e-8
# relative.  Run by verify.sh (make check-r).
suppressPackageStartupMessages({library(survival); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
setwd(args[1])
d  <- read.csv("cohort.csv", stringsAsFactors = FALSE, na.strings = "")
J  <- fromJSON(args[2], simplifyVector = FALSE)
flow <- fromJSON("flow.json", simplifyVector = FALSE)
cmp <- data.frame(kind=character(), key=character(), R=numeric(), cohort=numeric(), stringsAsFactors=FALSE)
add <- function(kind, key, r, c) {
  if (is.null(c)) c <- NA_real_
  if (is.null(r)) r <- NA_real_
  cmp[nrow(cmp)+1, ] <<- list(kind, key, as.numeric(r), as.numeric(c))
}
byname <- function(lst, field, val) { for (x in lst) if (identical(x[[field]], val)) return(x); NULL }

## ---- 1. flow
for (i in seq_along(flow)) {
  f <- flow[[i]]; jf <- J$flow[[i]]
  stopifnot(jf$label == f[[2]])
  add("flow", paste("flow", f[[2]]), f[[3]], jf$n)
}
add("flow", "eligible", nrow(d), byname(J$flow, "kind", "box")$n)
for (g in c("No HAIP","HAIP")) add("flow", paste("group", g), sum(d$haip == g), byname(J$flow, "label", g)$n)
for (s in J$sources) add("flow", paste("source rows", s$name), flow[[which(sapply(flow, `[[`, 2) == s$name)]][[3]], s$rows)

## ---- 2/3. Kaplan-Meier, log-rank, reverse KM
endp <- list(hdfs = c("hdfs_months","hdfs_event"), os = c("os_months","os_event"))
lv <- list(haip = c("No HAIP","HAIP"), source = c("Erasmus MC","MSKCC"),
           procedure_group = c("Resection with or without ablation","Ablation only"))
# SPSS's median and its symmetric interval (docs/methods.md 5.3, Collett
# 2015 2.4.2): t50 the first event time with S <= 0.5; SE = se S(t50) / f,
# f = (S(u) - S(l)) / (l - u), u the last event time with S >= 0.55 (time
# 0 if none), l the first with S <= 0.45; no l, no interval.
spss_median <- function(fit) {
  ev <- fit$n.event > 0
  t <- fit$time[ev]; S <- fit$surv[ev]; se <- (fit$std.err * fit$surv)[ev]
  k <- which(S <= 0.5)[1]
  if (is.na(k)) return(list(quantile = NA, lower = NA, upper = NA))
  t50 <- t[k]
  iu <- which(S >= 0.55); u <- if (length(iu)) t[max(iu)] else 0
  Su <- if (length(iu)) S[max(iu)] else 1
  il <- which(S <= 0.45)[1]
  if (is.na(il)) return(list(quantile = t50, lower = NA, upper = NA))
  f <- (Su - S[il]) / (t[il] - u)
  h <- qnorm(0.975) * se[k] / f
  list(quantile = t50, lower = t50 - h, upper = t50 + h)
}
median_of <- function(fit, spss) if (spss) spss_median(fit) else {
  q <- quantile(fit, 0.5); list(quantile = q$quantile, lower = q$lower, upper = q$upper) }

km_group <- function(sub, tv, ev, jg, tag, times, spss = FALSE) {
  fit <- survfit(Surv(sub[[tv]], sub[[ev]]) ~ 1, conf.type = "log")
  add("km n/events", paste(tag, "n"), nrow(sub), jg$n)
  add("km n/events", paste(tag, "events"), sum(sub[[ev]]), jg$events)
  q <- median_of(fit, spss)
  add("km median", paste(tag, "median"), q$quantile, jg$median$estimate)
  add("km median CI", paste(tag, "median lower"), q$lower, jg$median$lower)
  add("km median CI", paste(tag, "median upper"), q$upper, jg$median$upper)
  s <- summary(fit, times = times, extend = TRUE)
  for (k in seq_along(times)) {
    ja <- jg$at[[k]]; stopifnot(ja$time == times[k])
    add("km surv(t)", paste(tag, "S", times[k]), s$surv[k], ja$surv)
    add("km surv CI", paste(tag, "S lower", times[k]), s$lower[k], ja$lower)
    add("km surv CI", paste(tag, "S upper", times[k]), s$upper[k], ja$upper)
    add("km n/events", paste(tag, "n.risk", times[k]), s$n.risk[k], ja$n_risk)
  }
  fu_check(sub, tv, ev, jg$followup, tag, spss)
}
fu_check <- function(sub, tv, ev, jf, tag, spss = FALSE) {
  if (is.null(jf)) return(invisible())   # followup: false
  rf <- survfit(Surv(sub[[tv]], 1 - sub[[ev]]) ~ 1, conf.type = "log")
  q <- median_of(rf, spss)
  add("reverse-KM median", paste(tag, "revKM median"), q$quantile, jf$reverse_km_median)
  add("reverse-KM CI", paste(tag, "revKM lower"), q$lower, jf$reverse_km_lower)
  add("reverse-KM CI", paste(tag, "revKM upper"), q$upper, jf$reverse_km_upper)
  cen <- sub[[tv]][sub[[ev]] == 0]
  add("followup (extra)", paste(tag, "n_without_event"), length(cen), jf$n_without_event)
  add("followup (extra)", paste(tag, "censored median"), median(cen), jf$median)
  add("followup (extra)", paste(tag, "censored q1 (type7)"), quantile(cen, .25, type = 7), jf$q1)
  add("followup (extra)", paste(tag, "censored q3 (type7)"), quantile(cen, .75, type = 7), jf$q3)
}
for (js in J$survival) {
  tv <- endp[[js$endpoint]][1]; ev <- endp[[js$endpoint]][2]
  sub <- d
  if (!is.null(js$where)) { stopifnot(js$where == "sys_rec = 'Yes'"); sub <- d[!is.na(d$sys_rec) & d$sys_rec == "Yes", ] }
  times <- sapply(js$groups[[1]]$at, `[[`, "time")
  spss <- identical(js$median_ci, "spss")
  add("km n/events", paste(js$name, "N"), nrow(sub), js$n)
  if (is.null(js$by)) {
    km_group(sub, tv, ev, js$groups[[1]], js$name, times, spss)
  } else {
    by <- js$by; sub <- sub[!is.na(sub[[by]]), ]
    for (g in lv[[by]]) km_group(sub[sub[[by]] == g, ], tv, ev, byname(js$groups, "group", g), paste(js$name, g), times, spss)
    fu_check(sub, tv, ev, js$followup, paste(js$name, "overall"), spss)
    sd <- survdiff(Surv(sub[[tv]], sub[[ev]]) ~ factor(sub[[by]], levels = lv[[by]]))
    df <- length(sd$n) - 1
    add("log-rank chisq", paste(js$name, "chisq"), sd$chisq, js$test$chisq)
    add("log-rank p", paste(js$name, "p"), pchisq(sd$chisq, df, lower.tail = FALSE), js$test$p)
  }
}

## ---- 4. Cox
ref <- list(age70 = c("< 70 years", ">= 70 years"), right_sided = c("No","Yes"), t_group = c("T1-T2","T3-T4"),
            crs = c("Low (0-2)","High (3-5)"), r1_margin = c("No","Yes"), ablation_only = c("No","Yes"),
            sys_rec = c("No","Yes"), haip = c("No HAIP","HAIP"))
terms <- c("age70","right_sided","t_group","crs","r1_margin","rfi_months","rec_n_lesions","rec_largest_cm",
           "rec_cea","ablation_only","sys_rec","haip")
cd <- d
for (v in names(ref)) cd[[v]] <- factor(cd[[v]], levels = ref[[v]])
fitcox <- function(tv, ev, tt, rows) {
  f <- as.formula(paste0("Surv(", tv, ", ", ev, ") ~ ", paste(tt, collapse = " + ")))
  coxph(f, data = rows, ties = "efron")
}
termp <- function(fit, term) {   # joint Wald p of all coefficients belonging to a term
  asg <- attr(model.matrix(fit), "assign"); idx <- which(asg == match(term, attr(terms(fit), "term.labels")))
  b <- coef(fit)[idx]; V <- vcov(fit)[idx, idx, drop = FALSE]
  w <- as.numeric(t(b) %*% solve(V) %*% b); pchisq(w, length(idx), lower.tail = FALSE)
}
coefname <- function(nm, fit) {  # map R coefficient name to cohort's "term=Level" naming (display labels)
  lab <- c("age70>= 70 years" = "age70=\u2265 70 years", "crs" = NA)
  for (v in names(ref)) if (startsWith(nm, v)) {
    lvl <- substring(nm, nchar(v) + 1)
    if (v == "age70") lvl <- "\u2265 70 years"
    if (v == "crs") lvl <- "High risk (3\u20135)"
    return(paste0(v, "=", lvl))
  }
  nm
}
cmp_coefs <- function(fit, jcoefs, tag) {
  s <- summary(fit)$coefficients; ci <- summary(fit)$conf.int
  for (i in seq_len(nrow(s))) {
    nm <- coefname(rownames(s)[i]); jc <- byname(jcoefs, "name", nm)
    if (is.null(jc)) { cat("MISSING coefficient in results.json:", tag, nm, "\n"); next }
    add("cox coef", paste(tag, nm, "coef"), s[i, "coef"], jc$coef)
    add("cox se", paste(tag, nm, "se"), s[i, "se(coef)"], jc$se)
    add("cox HR", paste(tag, nm, "HR"), s[i, "exp(coef)"], jc$hr)
    add("cox HR CI", paste(tag, nm, "lower"), ci[i, "lower .95"], jc$lower)
    add("cox HR CI", paste(tag, nm, "upper"), ci[i, "upper .95"], jc$upper)
    add("cox coef p", paste(tag, nm, "p"), s[i, "Pr(>|z|)"], jc$p)
  }
}
sel_log <- list()
for (jc in J$cox) {
  tv <- endp[[jc$endpoint]][1]; ev <- endp[[jc$endpoint]][2]
  up <- c()
  for (tm in terms) {
    rows <- cd[complete.cases(cd[, c(tv, ev, tm)]), ]
    fit <- fitcox(tv, ev, tm, rows); ju <- byname(jc$univariable, "term", tm)
    add("cox n/events", paste(jc$name, "uni", tm, "n"), fit$n, ju$n)
    add("cox n/events", paste(jc$name, "uni", tm, "events"), fit$nevent, ju$events)
    up[tm] <- termp(fit, tm)
    add("cox term p", paste(jc$name, "uni", tm, "term p"), up[tm], ju$p)
    cmp_coefs(fit, ju$coefficients, paste(jc$name, "uni"))
  }
  entered <- terms[up <= 0.2]
  cat(jc$name, "entered (R):", entered, "| cohort:", unlist(jc$screened_in), "\n")
  rows <- cd[complete.cases(cd[, c(tv, ev, entered)]), ]
  cur <- entered; step <- 0; steps <- list()
  repeat {
    fit <- fitcox(tv, ev, cur, rows)
    ps <- sapply(cur, function(t) termp(fit, t))
    if (max(ps) <= 0.2 || length(cur) == 1) break
    rm <- names(which.max(ps)); step <- step + 1
    steps[[step]] <- list(term = rm, p = max(ps)); cur <- setdiff(cur, rm)
  }
  cat(jc$name, "removal steps (R):", paste(sapply(steps, function(s) sprintf("%s p=%.6g", s$term, s$p)), collapse = "; "),
      "| cohort:", paste(sapply(jc$selection, function(s) sprintf("%s(%s) p=%.6g", s$term, s$action, s$p)), collapse = "; "), "\n")
  cat(jc$name, "final terms (R):", cur, "| cohort:", unlist(jc$multivariable$terms), "\n")
  for (k in seq_along(steps)) {
    js <- jc$selection[[k]]
    if (is.null(js) || js$term != steps[[k]]$term) cat("SELECTION MISMATCH at step", k, "\n")
    else add("cox selection p", paste(jc$name, "step", k, js$term), steps[[k]]$p, js$p)
  }
  jm <- jc$multivariable
  add("cox n/events", paste(jc$name, "multi n"), fit$n, jm$n)
  add("cox n/events", paste(jc$name, "multi events"), fit$nevent, jm$events)
  add("cox loglik", paste(jc$name, "multi loglik"), fit$loglik[2], jm$loglik)
  cmp_coefs(fit, jm$coefficients, paste(jc$name, "multi"))
  ## extra: proportional hazards test (cox.zph default transform "km")
  z <- cox.zph(fit)
  for (zt in jc$zph$terms) add("zph (extra)", paste(jc$name, "zph", zt$term), z$table[zt$term, "chisq"], zt$chisq)
  add("zph (extra)", paste(jc$name, "zph global p"), z$table["GLOBAL", "p"], jc$zph$global_p)
}

## ---- 5. Table tests
for (jt in J$tables) for (r in jt$table$rows) {
  if (is.null(r$p)) next
  v <- r$variable; g <- d$haip
  if (r$kind == "variable") {
    ok <- !is.na(d[[v]])
    tb <- table(d[[v]][ok], g[ok])
    p <- suppressWarnings(chisq.test(tb, correct = FALSE)$p.value)
    add("table chi-square p", paste(jt$name, v), p, r$p)
  } else if (r$kind == "summary") {
    ok <- !is.na(d[[v]])
    p <- wilcox.test(d[[v]][ok] ~ g[ok], exact = FALSE, correct = FALSE)$p.value
    add("table Mann-Whitney p", paste(jt$name, v), p, r$p)
    gl <- list(NULL, "No HAIP", "HAIP")
    for (k in 1:3) {
      x <- d[[v]][ok]; if (!is.null(gl[[k]])) x <- x[g[ok] == gl[[k]]]
      jg <- r$groups[[k]]
      add("table summary (extra)", paste(jt$name, v, k, "n"), length(x), jg$n)
      add("table summary (extra)", paste(jt$name, v, k, "median"), median(x), jg$median)
      add("table summary (extra)", paste(jt$name, v, k, "q1 type7"), quantile(x, .25), jg$q1)
      add("table summary (extra)", paste(jt$name, v, k, "q3 type7"), quantile(x, .75), jg$q3)
    }
  }
}

## ---- summary
cmp$absdiff <- abs(cmp$R - cmp$cohort)
cmp$reldiff <- ifelse(cmp$absdiff == 0, 0, cmp$absdiff / pmax(abs(cmp$R), abs(cmp$cohort)))
write.csv(cmp, "comparison.csv", row.names = FALSE)
cat("\nNumbers compared:", nrow(cmp), " (NA on either side:", sum(is.na(cmp$absdiff)), ")\n")
agg <- do.call(rbind, lapply(split(cmp, cmp$kind), function(x) data.frame(kind = x$kind[1], n = nrow(x),
         max_abs = max(x$absdiff, na.rm = TRUE), max_rel = max(x$reldiff, na.rm = TRUE),
         worst = x$key[which.max(x$reldiff)])))
print(agg, row.names = FALSE, digits = 3)
# both NA (an interval bound that does not exist) agree
both_na <- is.na(cmp$R) & is.na(cmp$cohort)
bad <- cmp[!both_na & (is.na(cmp$reldiff) | cmp$reldiff > 1e-8), ]
cat("\nMismatches beyond 1e-8 relative:", nrow(bad), "\n")
if (nrow(bad)) print(bad, row.names = FALSE, digits = 15)
quit(status = if (nrow(bad) > 0 || nrow(cmp) < 500) 1 else 0)
