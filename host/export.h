// Exports of a result for other tools: a layer as a GeoTIFF (QGIS, gdalinfo,
// any GIS), the per-realization totals as CSV (spreadsheets), and the
// dispatch that `remnant export` and `remnant run --map/--geotiff` share.
#pragma once

#include <string>

#include "host/map.h"
#include "host/result_file.h"

namespace remnant {

// One layer (display_layer: densities per hectare, probabilities, metres,
// classes) as a north-up GeoTIFF: the grid's CRS, DEFLATE-compressed tiles,
// nodata -9999 (float layers) or 255 (land cover), band description, units and
// the run's provenance in the metadata. Written atomically.
void write_geotiff(const ResultData& d, const std::string& layer, const std::string& path);

// Per-realization totals, one row per realization, with a header row. The
// first lines are "#" comments with the provenance (software, scenario, seed).
std::string totals_csv(const ResultData& d);

// Writes `layer` of d to path, the format from its extension: .tif/.tiff a
// GeoTIFF, .png/.svg/.pdf a map page (map options apply), .csv the totals.
// Throws InputError for any other extension.
void export_file(const ResultData& d, const MapOptions& map, const std::string& path);

// The file kinds export_file writes, for messages: ".tif, .png, .svg, .pdf, .csv".
bool is_exportable_path(const std::string& path, std::string* why);

}  // namespace remnant
