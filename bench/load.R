# bench/load.R - time R loading a CSV, and a "describe" of it, for
# bench/run.sh (see bench/README.md).
#
#   Rscript bench/load.R FILE METHOD        METHOD: fread | read.csv
#
# Prints key=value lines on stdout, the timings first:
#   method=fread threads=2
#   load_seconds=1.234          elapsed time of the load call only
#   load_peak_rss_kib=214000    the process's peak RSS so far (VmHWM), read
#                               right after the load, before the describe;
#                               NA where /proc/self/status is missing
#   rows=1000000 cols=13
#   describe_seconds=0.567      elapsed time of the per-column summary
# then one line per column with its type, the number of missing values and
# min/median/max (numeric) or the counts of each value (character), so a
# run can be checked against the generator and against `cohort describe`.
#
# Both methods read an empty field, or NA, as missing (na.strings), which is
# what `cohort describe` does; otherwise read.csv would keep "" as a value in
# text columns.  Column types are guessed by each reader, as a user would
# let them.  fread uses every thread available (setDTthreads(0)).

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2L || !(args[2] %in% c("fread", "read.csv"))) {
  cat("usage: Rscript bench/load.R FILE fread|read.csv\n", file = stderr())
  quit(status = 2L)
}
path <- args[1]
method <- args[2]
if (!file.exists(path)) {
  cat(sprintf("load.R: no such file: %s\n", path), file = stderr())
  quit(status = 2L)
}

na_strings <- c("", "NA")
threads <- 1L
if (method == "fread") {
  if (!requireNamespace("data.table", quietly = TRUE)) {
    cat("load.R: R package data.table is not installed (apt-get install r-cran-data.table)\n",
        file = stderr())
    quit(status = 3L)
  }
  data.table::setDTthreads(0L)          # 0 = all logical CPUs
  threads <- data.table::getDTthreads()
}
cat(sprintf("method=%s threads=%d\n", method, threads))

invisible(gc())
load_time <- system.time({
  d <- if (method == "fread") {
    data.table::fread(path, na.strings = na_strings, showProgress = FALSE)
  } else {
    utils::read.csv(path, na.strings = na_strings)
  }
})[["elapsed"]]
cat(sprintf("load_seconds=%.3f\n", load_time))

# Peak resident memory up to the end of the load (Linux only).  GNU time's
# figure for the whole process also covers the describe's temporaries.
peak_rss_kib <- function() {
  status <- tryCatch(readLines("/proc/self/status"), error = function(e) character(0))
  hwm <- grep("^VmHWM:", status, value = TRUE)
  if (length(hwm) == 0L) return(NA_character_)
  gsub("[^0-9]", "", hwm[1])
}
cat(sprintf("load_peak_rss_kib=%s\n", peak_rss_kib()))
cat(sprintf("rows=%d cols=%d\n", nrow(d), ncol(d)))

# The "describe": per column, missing count; min/median/max for numbers,
# a table of values for text.  Kept as plain strings so that printing is
# outside the timed part.
describe_column <- function(x) {
  n_missing <- sum(is.na(x))
  if (is.numeric(x)) {
    if (n_missing == length(x)) {
      stats <- "min=NA median=NA max=NA"
    } else {
      r <- range(x, na.rm = TRUE)
      stats <- sprintf("min=%.10g median=%.10g max=%.10g",
                       r[1], stats::median(x, na.rm = TRUE), r[2])
    }
  } else {
    counts <- table(x, useNA = "no")
    stats <- paste0("values=", paste(names(counts), as.integer(counts),
                                     sep = ":", collapse = "|"))
  }
  sprintf("type=%s n_missing=%d %s", class(x)[1], n_missing, stats)
}
describe_time <- system.time({
  summary_lines <- vapply(d, describe_column, character(1))
})[["elapsed"]]
cat(sprintf("describe_seconds=%.3f\n", describe_time))
cat(sprintf("col %s %s\n", names(d), summary_lines), sep = "")
