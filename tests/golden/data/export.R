# export.R - writes the data sets of R's survival package that the golden
# tests use, as CSV (missing values as empty fields).
# Rerun from the repository root: Rscript tests/golden/data/export.R
#   aml      acute myelogenous leukaemia (Miller 1997): time, status, x
#   lung     NCCTG advanced lung cancer (Loprinzi 1994); status recoded 0/1
#   veteran  VA lung cancer trial (Kalbfleisch & Prentice)
#   ovarian  ovarian cancer trial (Edmonson 1979)
#   colon    adjuvant chemotherapy for colon cancer (Moertel 1990), death rows
#   pbc      Mayo Clinic primary biliary cholangitis (Fleming & Harrington
#            1991): all 418 patients, the 312 of the trial first; trt (1 =
#            D-penicillamine, 2 = placebo) and the trial-only measurements
#            are empty for the other 106; sex as "m"/"f"; the numeric codes
#            (status 0/1/2, edema 0/0.5/1, stage 1-4, ...) stay numbers
suppressPackageStartupMessages(library(survival))
out <- "tests/golden/data"
w <- function(d, name) write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
a <- survival::aml
a$x <- as.character(a$x)
w(a, "aml")
l <- survival::lung
l$status <- l$status - 1L
l$sex <- ifelse(l$sex == 1, "male", "female")
w(l, "lung")
v <- survival::veteran
v$celltype <- as.character(v$celltype)
w(v, "veteran")
w(survival::ovarian, "ovarian")
co <- survival::colon[survival::colon$etype == 2, ]
co$rx <- as.character(co$rx)
w(co, "colon")
p <- survival::pbc
p$sex <- as.character(p$sex)
w(p, "pbc")
