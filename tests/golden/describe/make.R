# make.R - expected column summaries of examples/lung/lung.csv, from R.
# n, missing, min, median (quantile type 7, R's default) and max of each
# numeric column; level counts of each text column.
# Rerun from the repository root:
#   Rscript tests/golden/describe/make.R tests/golden/describe
# (tests/golden/check-r.sh does this into a temporary folder and compares.)
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/golden/describe"
d <- read.csv("examples/lung/lung.csv", na.strings = c("", "NA"),
              stringsAsFactors = FALSE)
num <- d[vapply(d, is.numeric, logical(1))]
res <- data.frame(
  name = names(num),
  n = vapply(num, function(x) sum(!is.na(x)), numeric(1)),
  n_missing = vapply(num, function(x) sum(is.na(x)), numeric(1)),
  min = vapply(num, function(x) min(x, na.rm = TRUE), numeric(1)),
  median = vapply(num, function(x) unname(quantile(x, 0.5, type = 7, na.rm = TRUE)), numeric(1)),
  max = vapply(num, function(x) max(x, na.rm = TRUE), numeric(1)))
write.csv(res, file.path(outdir, "lung_numeric.csv"), row.names = FALSE)
chr <- d[vapply(d, is.character, logical(1))]
lv <- do.call(rbind, lapply(names(chr), function(v) {
  t <- table(chr[[v]])
  data.frame(name = v, level = names(t), count = as.vector(t))
}))
write.csv(lv, file.path(outdir, "lung_levels.csv"), row.names = FALSE)
