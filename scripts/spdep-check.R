# Gi* by R spdep, the reference implementation the hot spot analysis is checked against (test/analysis/spdep.test.ts).
#
#   Rscript scripts/spdep-check.R units.csv contiguity
#   Rscript scripts/spdep-check.R units.csv distance 215
#
# units.csv: columns code, count, wkt (the unit's polygon or multipolygon in WGS84 lon/lat). Prints CSV "code,z" with
# 17 significant digits, one row per unit in input order. Neighbours are found by spdep itself, independently of the
# server: contiguity = poly2nb(queen = TRUE) on the polygons; distance = dnearneigh(0, d km, longlat = TRUE) on the
# planar centroids (sf with s2 off: GEOS, like PostGIS ST_Centroid). Gi* = localG on include.self() neighbours with
# binary weights (nb2listw(style = "B")) — Ord & Getis (1995) Gi*, as ArcGIS Hot Spot Analysis.
# Needs Debian's r-cran-spdep (it brings r-cran-sf).
suppressPackageStartupMessages({
  library(sf)
  library(spdep)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2 || !(args[2] %in% c("contiguity", "distance")) || (args[2] == "distance" && length(args) < 3)) {
  stop("usage: Rscript scripts/spdep-check.R units.csv contiguity|distance [distance_m]")
}
units <- read.csv(args[1], colClasses = c(code = "character", count = "numeric", wkt = "character"))
geom <- st_as_sfc(units$wkt, crs = 4326)

if (args[2] == "contiguity") {
  nb <- poly2nb(geom, queen = TRUE)
} else {
  sf_use_s2(FALSE)
  centroids <- suppressWarnings(st_coordinates(st_centroid(geom)))
  nb <- dnearneigh(centroids, 0, as.numeric(args[3]) / 1000, longlat = TRUE)
}
listw <- nb2listw(include.self(nb), style = "B", zero.policy = TRUE)
z <- as.numeric(localG(units$count, listw, zero.policy = TRUE))
out <- data.frame(code = units$code, z = formatC(z, digits = 17, format = "g"))
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
