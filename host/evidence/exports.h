// Exports of a result for other tools: a layer as a GeoTIFF (QGIS, gdalinfo,
// any GIS) and the per-realization totals as CSV (spreadsheets). The dispatch
// by file extension that also draws map pages is host/maps/export.h.
#pragma once

#include <string>

#include "host/evidence/result_file.h"

namespace remnant {

// One layer (display_layer: densities per hectare, probabilities, metres,
// classes) as a north-up GeoTIFF: the grid's CRS, DEFLATE-compressed tiles,
// nodata -9999 (float layers) or 255 (land cover), band description, units and
// the run's provenance in the metadata. Written atomically.
void write_geotiff(const ResultData& d, const std::string& layer, const std::string& path);

// Per-realization totals, one row per realization, with a header row. The
// first lines are "#" comments with the provenance (software, scenario, seed).
std::string totals_csv(const ResultData& d);

}  // namespace remnant
