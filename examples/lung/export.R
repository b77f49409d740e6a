# export.R - writes lung.csv from R's survival package (the NCCTG advanced
# lung cancer trial data, Loprinzi et al. 1994, as shipped with survival).
# Rerun: Rscript examples/lung/export.R   (from the repository root)
# Needs: r-base-core, r-cran-survival (tools/deps.sh r).
suppressPackageStartupMessages(library(survival))
d <- survival::lung
d$sex <- factor(d$sex, levels = 1:2, labels = c("male", "female"))
d$status <- d$status - 1L  # 1 = death, 0 = censored
out <- file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "lung.csv")
write.csv(d, out, row.names = FALSE, na = "")
cat("wrote", out, nrow(d), "rows\n")
