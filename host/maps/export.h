// The dispatch that `remnant export`, `remnant run --map/--geotiff` and the
// viewer share: a result's layer to a file whose extension names the format,
// a GeoTIFF or CSV (host/evidence/exports.h) or a map page (host/maps/map.h).
#pragma once

#include <string>

#include "host/evidence/result_file.h"
#include "host/maps/map.h"

namespace remnant {

// Writes `layer` of d to path, the format from its extension: .tif/.tiff a
// GeoTIFF, .png/.svg/.pdf a map page (map options apply), .csv the totals.
// Throws InputError for any other extension.
void export_file(const ResultData& d, const MapOptions& map, const std::string& path);

// The file kinds export_file writes, for messages: ".tif, .png, .svg, .pdf, .csv".
bool is_exportable_path(const std::string& path, std::string* why);

}  // namespace remnant
