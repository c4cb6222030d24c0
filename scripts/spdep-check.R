# Gi* by R spdep, the reference implementation the hot spot analysis is checked against (test/analysis/spdep.test.ts).
#
#   Rscript scripts/spdep-check.R units.csv contiguity|poly2nb
#   Rscript scripts/spdep-check.R units.csv distance 215
#
# units.csv: columns code, count, wkt (the unit's polygon or multipolygon in WGS84 lon/lat). Prints CSV "code,z" with
# 17 significant digits, one row per unit in input order. The neighbours are found here, independently of the server,
# with sf (GEOS, planar: s2 off, like PostGIS):
#   contiguity  polygons sharing at least one point: sf::st_intersects — the definition of the API's queen weights;
#   poly2nb     spdep::poly2nb(queen = TRUE): polygons sharing a vertex (within its snap distance). The same on a
#               lattice; it misses a contact where one polygon's vertex lies on the other's edge (a T-junction);
#   distance    spdep::dnearneigh(0, d km, longlat = TRUE) on the centroids (sf::st_centroid, GEOS: as ST_Centroid).
# Gi* = spdep::localG on include.self() neighbours with binary weights (nb2listw(style = "B")): Ord & Getis (1995)
# Gi*, as ArcGIS Hot Spot Analysis. Needs Debian's r-cran-spdep (it brings r-cran-sf).
suppressPackageStartupMessages({
  library(sf)
  library(spdep)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2 || !(args[2] %in% c("contiguity", "poly2nb", "distance")) ||
    (args[2] == "distance" && length(args) < 3)) {
  stop("usage: Rscript scripts/spdep-check.R units.csv contiguity|poly2nb|distance [distance_m]")
}
suppressMessages(sf_use_s2(FALSE))
units <- read.csv(args[1], colClasses = c(code = "character", count = "numeric", wkt = "character"))
geom <- st_as_sfc(units$wkt, crs = 4326)

if (args[2] == "contiguity") {
  touching <- st_intersects(geom)
  nb <- lapply(seq_along(touching), function(i) {
    j <- sort(setdiff(as.integer(touching[[i]]), i))
    if (length(j)) j else 0L
  })
  class(nb) <- "nb"
  attr(nb, "region.id") <- units$code
  attr(nb, "sym") <- TRUE
} else if (args[2] == "poly2nb") {
  nb <- poly2nb(geom, queen = TRUE)
} else {
  centroids <- suppressWarnings(st_coordinates(st_centroid(geom)))
  nb <- dnearneigh(centroids, 0, as.numeric(args[3]) / 1000, longlat = TRUE)
}
listw <- nb2listw(include.self(nb), style = "B", zero.policy = TRUE)
z <- as.numeric(localG(units$count, listw, zero.policy = TRUE))
out <- data.frame(code = units$code, z = formatC(z, digits = 17, format = "g"))
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
