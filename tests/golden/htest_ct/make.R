# make.R - expected results of Cohort's contingency-table tests and
# standardised mean differences (src/stats/htest_ct.c, docs/methods.md
# sections 18 and 19), from R.
#
#   tables.csv    the tables, long: case, i (row), j (column), count
#                 (0-based; rows are the variable's levels, columns the
#                 groups); real data cross-tabulated here with table(),
#                 complete cases, levels in R's factor order; and small
#                 hand-made tables for Fisher's r x c test
#   expected.csv  case, test (chisq, yates, fisher, fisher_enum, smd), what (statistic,
#                 df, p, value), value ("%.17g")
#   smd_cont.csv  continuous SMDs on real data: case, file, variable,
#                 group, value (complete cases of variable and group)
#
# chisq.test and fisher.test are R's (stats).  tableone is not installed,
# so the SMDs come from `smd_cont` and `smd_cat` below, written by hand
# from the definition that tableone's ExtractSmd implements (Yang and
# Dalton 2012): the mean over group pairs of |m1 - m2| / sqrt((s1^2 +
# s2^2) / 2), and sqrt(T' S^- T) with T the difference of the level
# proportions and S the mean of the two multinomial covariance matrices,
# both without the first level, S^- = MASS::ginv(S).
#
# Rerun from the repository root:
#   Rscript tests/golden/htest_ct/make.R tests/golden/htest_ct
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/htest_ct"
datadir <- "tests/golden/data"
num <- function(x) sprintf("%.17g", x)

colon <- read.csv(file.path(datadir, "colon.csv"), stringsAsFactors = FALSE)
colon <- colon[colon$etype == 2, ]          # one row per patient (death)
lung <- read.csv(file.path(datadir, "lung.csv"), stringsAsFactors = FALSE)

xtab <- function(d, var, grp) {
  ok <- complete.cases(d[c(var, grp)])
  unclass(table(d[[var]][ok], d[[grp]][ok]))
}

tabs <- list(
  colon_sex_rx = xtab(colon, "sex", "rx"),
  colon_differ_rx = xtab(colon, "differ", "rx"),
  colon_extent_rx = xtab(colon, "extent", "rx"),
  colon_obstruct_sex = xtab(colon, "obstruct", "sex"),
  colon_node4_rx = xtab(colon, "node4", "rx"),
  lung_ecog_sex = xtab(lung, "ph.ecog", "sex"),
  lung_status_sex = xtab(lung, "status", "sex"),
  lung_inst_sex = xtab(lung[lung$inst %in% c(1, 3, 11, 12, 13, 16, 22), ], "inst", "sex"),
  # hand-made
  h2x2_small = matrix(c(3, 1, 1, 3), 2),
  h2x2_tea = matrix(c(10, 2, 3, 15), 2),
  h2x2_yates_small = matrix(c(12, 5, 9, 7), 2),   # |O - E| < 0.5: Yates uses it
  h2x3 = matrix(c(2, 7, 5, 1, 4, 4), 2),
  h3x3_ties = matrix(c(2, 0, 1, 0, 2, 1, 1, 1, 2), 3),
  h3x4 = matrix(c(1, 5, 2, 4, 0, 3, 6, 2, 1, 2, 2, 5), 3),
  h4x4 = matrix(c(3, 1, 0, 2, 1, 4, 2, 0, 0, 2, 5, 1, 2, 0, 1, 6), 4),
  h5x5 = matrix(c(4, 1, 0, 2, 3, 1, 5, 2, 0, 1, 2, 0, 6, 1, 2, 0, 3, 1, 5, 2,
                  1, 2, 3, 0, 6), 5),
  h3x6 = matrix(c(2, 4, 1, 0, 3, 5, 6, 1, 2, 3, 3, 0, 1, 2, 7, 4, 0, 2), 3),
  # fisher.test needs workspace > its default 200000 for this one (R: ~4 s)
  h5x5_ws = matrix(c(6, 2, 1, 2, 3, 2, 7, 3, 1, 2, 1, 2, 8, 2, 2, 2, 1, 2, 7, 3,
                     2, 3, 2, 1, 8), 5),
  h5x3 = matrix(c(10, 4, 2, 3, 5, 3, 12, 5, 2, 4, 2, 3, 14, 4, 3), 5),
  h5x4 = matrix(c(5, 2, 1, 2, 3, 2, 6, 3, 1, 2, 1, 2, 7, 2, 2, 2, 1, 2, 6, 3), 5),
  h_zero_row = matrix(c(5, 0, 3, 2, 0, 6), 3),    # an empty row
  h_one_col = matrix(c(5, 3, 2), 3)
)

out <- character(0)
tab_out <- character(0)
add <- function(case, test, what, v) out <<- c(out, sprintf("%s,%s,%s,%s", case, test, what, num(v)))
for (nm in names(tabs)) {
  x <- tabs[[nm]]
  tab_out <- c(tab_out, sprintf("%s,%d,%d,%d", nm, rep(seq_len(nrow(x)) - 1, ncol(x)),
                                rep(seq_len(ncol(x)) - 1, each = nrow(x)), as.vector(x)))
  y <- x[rowSums(x) > 0, colSums(x) > 0, drop = FALSE]
  if (nrow(y) >= 2 && ncol(y) >= 2) {
    for (yates in c(FALSE, TRUE)) {
      ct <- suppressWarnings(chisq.test(y, correct = yates))
      tn <- if (yates) "yates" else "chisq"
      add(nm, tn, "statistic", ct$statistic)
      add(nm, tn, "df", ct$parameter)
      add(nm, tn, "p", ct$p.value)
    }
    # workspace: colon_differ_rx, h5x5 and h5x5_ws fail with R's default
    ft <- fisher.test(y, workspace = 2e8)
    add(nm, "fisher", "p", ft$p.value)
  } else add(nm, "fisher", "p", 1)
}

# An independent check of fisher.test on 2 x c tables: every table with the
# margins, from lchoose, summed smallest first.  (FEXACT's log-factorials
# lose about 5e-11 relative at n = 929; this sum agrees with Cohort to
# about 1e-12.)
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
for (nm in c("colon_sex_rx", "colon_node4_rx", "lung_ecog_sex", "h2x3")) {
  x <- tabs[[nm]]
  x <- x[rowSums(x) > 0, colSums(x) > 0, drop = FALSE]
  pe <- fisher_enum(x)
  stopifnot(abs(pe - fisher.test(x)$p.value) < 1e-9 * pe)
  add(nm, "fisher_enum", "p", pe)
}

smd_cont <- function(v, g) {
  g <- factor(g)
  lv <- levels(g)
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
# 2 levels: the familiar |p1 - p2| / sqrt((p1 q1 + p2 q2) / 2)
x <- tabs$lung_status_sex; p <- x[2, ] / colSums(x)
stopifnot(isTRUE(all.equal(smd_cat(x), abs(p[1] - p[2]) /
  sqrt((p[1] * (1 - p[1]) + p[2] * (1 - p[2])) / 2), check.attributes = FALSE)))
for (nm in c("colon_sex_rx", "colon_differ_rx", "colon_extent_rx", "lung_ecog_sex",
             "lung_status_sex", "lung_inst_sex", "h3x4", "h5x5"))
  add(nm, "smd", "value", smd_cat(tabs[[nm]]))

cont <- data.frame(case = c("colon_age_rx", "colon_nodes_rx", "colon_age_sex", "lung_age_sex",
                            "lung_karno_ecog"),
                   file = c("colon.csv", "colon.csv", "colon.csv", "lung.csv", "lung.csv"),
                   variable = c("age", "nodes", "age", "age", "ph.karno"),
                   group = c("rx", "rx", "sex", "sex", "ph.ecog"), stringsAsFactors = FALSE)
cont$value <- NA
for (i in seq_len(nrow(cont))) {
  d <- if (cont$file[i] == "colon.csv") colon else lung
  ok <- complete.cases(d[c(cont$variable[i], cont$group[i])])
  v <- d[[cont$variable[i]]][ok]; g <- d[[cont$group[i]]][ok]
  # groups with one value have no variance: leave them out (lung ph.ecog 3)
  keep <- g %in% names(which(table(g) >= 2))
  cont$value[i] <- smd_cont(v[keep], g[keep])
}
writeLines(c("case,i,j,count", tab_out), file.path(outdir, "tables.csv"))
writeLines(c("case,test,what,value", out), file.path(outdir, "expected.csv"))
writeLines(c("case,file,variable,group,value",
             sprintf("%s,%s,%s,%s,%s", cont$case, cont$file, cont$variable, cont$group,
                     num(cont$value))), file.path(outdir, "smd_cont.csv"))
