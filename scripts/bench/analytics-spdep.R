# The anchor of npm run bench:analytics (scripts/bench/analytics-gistar.ts): R spdep's localG (Gi*, include.self,
# binary weights) on the counts and the neighbour lists the server used, written by the bench to a directory:
#
#   Rscript scripts/bench/analytics-spdep.R DIR N K
#
# DIR/offsets.bin  N + 1 int32: unit i's neighbours (0-based, self not included) are targets[offsets[i] … offsets[i+1])
# DIR/targets.bin  int32 neighbour indexes
# DIR/counts.bin   N × K float64, step by step (K = 1 for one period; 24 for the months of the emerging analysis)
# Writes DIR/z.bin (N × K float64, the z-scores) and prints "name seconds" lines: the neighbour list built (nb object
# and nb2listw), localG itself (all K steps), and R's peak memory (VmHWM, kB).
suppressPackageStartupMessages(library(spdep))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
n <- as.integer(args[2])
k <- as.integer(args[3])
off <- readBin(file.path(dir, "offsets.bin"), "integer", n + 1, size = 4)
tg <- readBin(file.path(dir, "targets.bin"), "integer", off[n + 1], size = 4)
x <- matrix(readBin(file.path(dir, "counts.bin"), "double", n * k, size = 8), nrow = n)
t_lists <- system.time({
  nb <- split(tg + 1L, factor(rep.int(seq_len(n), diff(off)), levels = seq_len(n)))
  nb <- lapply(nb, function(j) if (length(j)) j else 0L)
  names(nb) <- NULL
  class(nb) <- "nb"
  attr(nb, "region.id") <- as.character(seq_len(n))
  attr(nb, "sym") <- TRUE
  lw <- nb2listw(include.self(nb), style = "B", zero.policy = TRUE)
})[["elapsed"]]
z <- matrix(0, nrow = n, ncol = k)
t_localg <- system.time({
  for (j in seq_len(k)) z[, j] <- as.numeric(localG(x[, j], lw, zero.policy = TRUE))
})[["elapsed"]]
writeBin(as.vector(z), file.path(dir, "z.bin"), size = 8)
hwm <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
cat("lists", t_lists, "\n")
cat("localG", t_localg, "\n")
cat("hwm_kb", as.numeric(gsub("[^0-9]", "", hwm)), "\n")
