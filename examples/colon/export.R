# export.R - writes colon.csv, the example study's data: R's survival::colon
# (Moertel et al. 1990: adjuvant levamisole and fluorouracil for stage III
# colon cancer), one row per patient, recurrence and death side by side.
# Rerun from the repository root: Rscript examples/colon/export.R
suppressPackageStartupMessages(library(survival))
co <- survival::colon
rec <- co[co$etype == 1, ]
dth <- co[co$etype == 2, ]
stopifnot(identical(rec$id, dth$id))
out <- data.frame(
  id = rec$id, rx = as.character(rec$rx), sex = rec$sex, age = rec$age,
  obstruct = rec$obstruct, perfor = rec$perfor, adhere = rec$adhere,
  nodes = rec$nodes, differ = rec$differ, extent = rec$extent, surg = rec$surg,
  node4 = rec$node4,
  rec_days = rec$time, rec_status = rec$status,
  death_days = dth$time, death_status = dth$status)
write.csv(out, "examples/colon/colon.csv", row.names = FALSE, na = "")
