# make.R - expected cells, p-values and standardised mean differences of
# Cohort's descriptive tables (coh_tabone_build, src/report/tabone.c,
# docs/methods.md section 22), from R's stats package on the data files in
# tests/golden/data.
#
#   cases.csv     one line per variable of each table: case, file (under
#                 tests/golden/data), by (the grouping column), variable,
#                 kind (categorical or continuous; the test sets it
#                 explicitly, numeric codes such as ph.ecog included)
#   expected.csv  long: case, variable, level, column, what, value
#     case      colon_rx (colon.csv by rx: 3 groups), colon_sex (by sex
#               0/1), lung_sex (lung.csv by sex), pbc_trt (pbc.csv by trt
#               1/2; the 106 rows without trt left out), pbc_stage (pbc.csv
#               by stage 1-4; 6 rows without stage left out)
#     variable  the variable's column name; empty for the values of the
#               whole table (n, n_used, n_by_missing)
#     level     categorical n and pct: the level's stored value as text
#               (numbers as as.character gives them: "0", "0.5", "1";
#               text as it is: "f", "Lev+5FU"); empty otherwise
#     column    "All" (the overall column: every row with a group), or the
#               group's stored value as text ("Lev+5FU", "1", "female");
#               empty for values of the whole row (p, smd) or table
#               (n_used, n_by_missing)
#     what      n            count of rows (table: per column), of the level
#                            (categorical), or of non-missing values
#                            (continuous)
#               pct          100 * n / the column's non-missing values
#               missing      missing values of the variable in the column
#                            (0 written too)
#               median       median(); q1, q3: quantile(type = 7)
#               mean, sd, min, max
#               n_used       rows in the table; n_by_missing: rows left out
#                            because the grouping value is missing
#               p_pearson    chisq.test(correct = FALSE)
#               p_yates      chisq.test(correct = TRUE): R corrects 2 x 2
#                            tables only, so larger tables repeat Pearson
#               p_fisher     fisher.test (workspace = 2e8): R's FEXACT,
#                            good to about 1e-9 on these 2 x c tables but
#                            only to about 1e-6 on r x c ones (r, c >= 3),
#                            see p_fisher_enum
#               p_fisher_enum  Fisher's p by summing every table with the
#                            margins, where that is quick: 2 x c and r x 2
#                            tables (fisher_enum, from htest_ct/make.R) and
#                            the two 3 x 4 tables of pbc_stage (fisher_3x4,
#                            meeting in the middle); not written for colon
#                            differ and extent by rx (3 x 3 and 4 x 3, n =
#                            929: too many tables)
#               p_auto       p_fisher when the smallest expected count is
#                            below 5, else p_pearson
#               p_wilcox     wilcox.test(x, y) (correct = TRUE, exact as R
#                            decides: exact when n < 50 and no ties), 2
#                            groups; p_wilcox_nocorrect: correct = FALSE
#               p_kruskal    kruskal.test, > 2 groups
#               p_welch      t.test(x, y), p_student: var.equal = TRUE; 2
#                            groups
#               p_anova      oneway.test(var.equal = TRUE), > 2 groups
#               p_anova_welch oneway.test(var.equal = FALSE), > 2 groups
#               smd          as tableone (see below)
#     value     sprintf("%.17g")
#
# Contingency tables are levels x groups over the rows with both values
# present; as Cohort does, all-zero rows or columns are dropped before
# chisq.test and fisher.test (none occurs in these cases).  Levels are the
# values present among the table's rows, ordered as Cohort's CSV reader
# orders them: numbers by value, text bytewise (C locale); the groups
# likewise.
#
# tableone is not installed, so the SMDs come from smd_cont and smd_cat
# below (copied from tests/golden/htest_ct/make.R), written from the
# definition tableone's ExtractSmd implements (Yang and Dalton 2012): the
# mean over group pairs of |m1 - m2| / sqrt((s1^2 + s2^2) / 2), and of
# sqrt(T' S^- T) with T the difference of the level proportions and S the
# mean of the two multinomial covariance matrices, both without the first
# level, S^- = MASS::ginv(S).
#
# Rerun from the repository root:
#   Rscript tests/golden/tabone/make.R tests/golden/tabone
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/tabone"
datadir <- "tests/golden/data"
num <- function(x) sprintf("%.17g", x)

cases <- list(
  colon_rx = list(file = "colon.csv", by = "rx",
    cat = c("obstruct", "perfor", "adhere", "differ", "extent", "surg", "node4", "sex",
            "status"),
    cont = c("age", "nodes")),
  colon_sex = list(file = "colon.csv", by = "sex",
    cat = c("rx", "obstruct", "perfor", "adhere", "differ", "extent", "surg", "node4"),
    cont = c("age", "nodes")),
  lung_sex = list(file = "lung.csv", by = "sex",
    cat = c("ph.ecog", "status"),
    cont = c("age", "ph.karno", "meal.cal", "wt.loss")),
  pbc_trt = list(file = "pbc.csv", by = "trt",
    cat = c("ascites", "hepato", "spiders", "edema", "stage", "sex", "status"),
    cont = c("age", "bili", "albumin", "protime", "chol", "platelet")),
  pbc_stage = list(file = "pbc.csv", by = "stage",
    cat = c("ascites", "hepato", "spiders", "edema", "sex", "status", "trt"),
    cont = c("age", "bili", "albumin", "protime", "chol", "platelet"))
)

# Cohort's level order: numbers by value, text bytewise.
level_order <- function(x) {
  u <- unique(x[!is.na(x)])
  if (is.numeric(u)) sort(u) else sort(u, method = "radix")
}
as_text <- function(x) as.character(x)

# Fisher's p as a sum over every table with the margins of x, the tables
# whose probability is at most P(x) (1 + 1e-7), as fisher.test counts ties.
# fisher_enum: 2 x c (or r x 2) tables, from lchoose, summed smallest first
# (copied from tests/golden/htest_ct/make.R).
fisher_enum <- function(x) {
  if (nrow(x) != 2) x <- t(x)
  C <- colSums(x); R1 <- sum(x[1, ]); n <- sum(x); k <- length(C)
  g <- as.matrix(expand.grid(lapply(C[-k], function(cc) 0:cc)))
  last <- R1 - rowSums(g)
  g <- cbind(g[last >= 0 & last <= C[k], , drop = FALSE], last[last >= 0 & last <= C[k]])
  lp <- colSums(lchoose(C, t(g))) - lchoose(n, R1)
  obs <- sum(lchoose(C, x[1, ])) - lchoose(n, R1)
  sum(sort(exp(lp[lp <= obs + log1p(1e-7)])))
}
# fisher_3x4: 3 x 4 tables.  log P(table) = K - W(table), with W the sum of
# the log factorials of the cells.  The tables of the first two columns
# (left, weight wl) are grouped by the row sums they use; for each group,
# the tables of the last two columns that complete them (right, weight wr)
# are sorted, and each left table takes the suffix sum of the right ones
# with wl + wr >= W(x) - log1p(1e-7).  (pbc_stage status: 470,004,997
# tables; a full enumeration in C with long doubles agrees to 1e-13.)
fisher_3x4 <- function(x) {
  stopifnot(nrow(x) == 3, ncol(x) == 4)
  r <- rowSums(x); cc <- colSums(x); n <- sum(x)
  lf <- lfactorial(0:n)
  W <- function(...) Reduce(`+`, lapply(list(...), function(v) lf[v + 1]))
  comp <- function(cj) {        # the column's (a, b, c) within the row sums
    g <- expand.grid(a = 0:min(cj, r[1]), b = 0:min(cj, r[2]))
    g$c <- cj - g$a - g$b
    g[g$c >= 0 & g$c <= r[3], ]
  }
  c1 <- comp(cc[1]); c2 <- comp(cc[2])
  i <- rep(seq_len(nrow(c1)), nrow(c2)); j <- rep(seq_len(nrow(c2)), each = nrow(c1))
  sa <- c1$a[i] + c2$a[j]; sb <- c1$b[i] + c2$b[j]; sc <- c1$c[i] + c2$c[j]
  ok <- sa <= r[1] & sb <= r[2] & sc <= r[3]
  wl <- W(c1$a[i], c1$b[i], c1$c[i], c2$a[j], c2$b[j], c2$c[j])[ok]
  sa <- sa[ok]; sb <- sb[ok]; sc <- sc[ok]
  K <- sum(lf[r + 1]) + sum(lf[cc + 1]) - lf[n + 1]
  thr <- sum(lf[x + 1]) - log1p(1e-7)
  key <- sa * (r[2] + 1) + sb
  total <- 0
  for (k in split(seq_along(key), key)) {
    A <- r[1] - sa[k[1]]; B <- r[2] - sb[k[1]]; C <- r[3] - sc[k[1]]
    g <- expand.grid(a = 0:min(cc[3], A), b = 0:min(cc[3], B))
    g$c <- cc[3] - g$a - g$b
    g <- g[g$c >= 0 & g$c <= C & (A - g$a) + (B - g$b) + (C - g$c) == cc[4], ]
    if (nrow(g) == 0) next
    wr <- sort(W(g$a, g$b, g$c, A - g$a, B - g$b, C - g$c))
    m <- wr[1]                          # the group's most probable completion
    suffix <- rev(cumsum(rev(exp(-(wr - m)))))  # small terms first
    h <- findInterval(thr - wl[k], wr, left.open = TRUE) + 1
    s <- ifelse(h <= length(wr), suffix[pmin(h, length(wr))], 0)
    total <- total + sum(exp(K - wl[k] - m) * s)
  }
  total
}

smd_cont <- function(v, g, lv) {
  s <- c()
  for (a in seq_along(lv)) for (b in seq_along(lv)) if (a < b) {
    va <- v[g == lv[a]]; vb <- v[g == lv[b]]
    s <- c(s, abs(mean(va) - mean(vb)) / sqrt((var(va) + var(vb)) / 2))
  }
  mean(s)
}
smd_cat <- function(x) {        # x: levels x groups counts
  p <- sweep(x, 2, colSums(x), "/")
  s <- c()
  for (a in seq_len(ncol(x))) for (b in seq_len(ncol(x))) if (a < b) {
    if (nrow(x) < 2) { s <- c(s, 0); next }
    pa <- p[, a]; pb <- p[, b]
    Ma <- diag(pa, length(pa)) - outer(pa, pa)
    Mb <- diag(pb, length(pb)) - outer(pb, pb)
    S <- ((Ma + Mb) / 2)[-1, -1, drop = FALSE]
    T <- (pa - pb)[-1]
    s <- c(s, sqrt(drop(t(T) %*% MASS::ginv(S) %*% T)))
  }
  mean(s)
}

out <- character(0)
spec_out <- character(0)
add <- function(case, variable, level, column, what, v)
  out <<- c(out, sprintf("%s,%s,%s,%s,%s,%s", case, variable, level, column, what, num(v)))

for (cn in names(cases)) {
  cs <- cases[[cn]]
  d <- read.csv(file.path(datadir, cs$file), stringsAsFactors = FALSE)
  grp <- d[[cs$by]]
  add(cn, "", "", "", "n_by_missing", sum(is.na(grp)))
  d <- d[!is.na(grp), ]
  grp <- d[[cs$by]]
  glv <- level_order(grp)
  gtext <- as_text(glv)
  add(cn, "", "", "", "n_used", nrow(d))
  add(cn, "", "", "All", "n", nrow(d))
  for (k in seq_along(glv)) add(cn, "", "", gtext[k], "n", sum(grp == glv[k]))
  cols <- c(list(All = rep(TRUE, nrow(d))),
            setNames(lapply(glv, function(l) grp == l), gtext))

  for (v in cs$cat) {
    spec_out <- c(spec_out, sprintf("%s,%s,%s,%s,categorical", cn, cs$file, cs$by, v))
    x <- d[[v]]
    lv <- level_order(x)
    for (cl in names(cols)) {
      xc <- x[cols[[cl]]]
      nn <- sum(!is.na(xc))
      for (l in lv) {
        add(cn, v, as_text(l), cl, "n", sum(xc == l, na.rm = TRUE))
        add(cn, v, as_text(l), cl, "pct", 100 * sum(xc == l, na.rm = TRUE) / nn)
      }
      add(cn, v, "", cl, "missing", sum(is.na(xc)))
    }
    ok <- !is.na(x)
    tab <- unclass(table(factor(x[ok], levels = lv), factor(grp[ok], levels = glv)))
    y <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
    stopifnot(identical(dim(y), dim(tab)))
    pp <- suppressWarnings(chisq.test(y, correct = FALSE))$p.value
    py <- suppressWarnings(chisq.test(y, correct = TRUE))$p.value
    pf <- fisher.test(y, workspace = 2e8)$p.value
    emin <- min(outer(rowSums(y), colSums(y)) / sum(y))
    add(cn, v, "", "", "p_pearson", pp)
    add(cn, v, "", "", "p_yates", py)
    add(cn, v, "", "", "p_fisher", pf)
    pe <- if (min(dim(y)) == 2) fisher_enum(y)
          else if (nrow(y) == 3 && ncol(y) == 4) fisher_3x4(y) else NA
    if (!is.na(pe)) {
      # FEXACT merges network nodes whose log probabilities agree within
      # 3.45e-7 (f2xact's TOL): good to 1e-9 on 2 x c tables, not on r x c
      stopifnot(abs(pe - pf) <= (if (min(dim(y)) == 2) 1e-9 else 1e-6) * pe)
      add(cn, v, "", "", "p_fisher_enum", pe)
    }
    add(cn, v, "", "", "p_auto", if (emin < 5) pf else pp)
    add(cn, v, "", "", "smd", smd_cat(tab))
  }

  for (v in cs$cont) {
    spec_out <- c(spec_out, sprintf("%s,%s,%s,%s,continuous", cn, cs$file, cs$by, v))
    x <- d[[v]]
    for (cl in names(cols)) {
      xc <- x[cols[[cl]]]
      xo <- xc[!is.na(xc)]
      q <- quantile(xo, c(0.25, 0.75), type = 7, names = FALSE)
      add(cn, v, "", cl, "n", length(xo))
      add(cn, v, "", cl, "median", median(xo))
      add(cn, v, "", cl, "q1", q[1])
      add(cn, v, "", cl, "q3", q[2])
      add(cn, v, "", cl, "mean", mean(xo))
      add(cn, v, "", cl, "sd", sd(xo))
      add(cn, v, "", cl, "min", min(xo))
      add(cn, v, "", cl, "max", max(xo))
      add(cn, v, "", cl, "missing", sum(is.na(xc)))
    }
    ok <- !is.na(x)
    xv <- x[ok]; g <- grp[ok]
    if (length(glv) == 2) {
      a <- xv[g == glv[1]]; b <- xv[g == glv[2]]
      add(cn, v, "", "", "p_wilcox", suppressWarnings(wilcox.test(a, b))$p.value)
      add(cn, v, "", "", "p_wilcox_nocorrect",
          suppressWarnings(wilcox.test(a, b, correct = FALSE))$p.value)
      add(cn, v, "", "", "p_welch", t.test(a, b)$p.value)
      add(cn, v, "", "", "p_student", t.test(a, b, var.equal = TRUE)$p.value)
    } else {
      gf <- factor(g, levels = glv)
      add(cn, v, "", "", "p_kruskal", kruskal.test(xv, gf)$p.value)
      add(cn, v, "", "", "p_anova", oneway.test(xv ~ gf, var.equal = TRUE)$p.value)
      add(cn, v, "", "", "p_anova_welch", oneway.test(xv ~ gf, var.equal = FALSE)$p.value)
    }
    add(cn, v, "", "", "smd", smd_cont(xv, g, glv))
  }
}

writeLines(c("case,file,by,variable,kind", spec_out), file.path(outdir, "cases.csv"))
writeLines(c("case,variable,level,column,what,value", out), file.path(outdir, "expected.csv"))
