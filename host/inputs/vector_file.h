// Internal to remnant_inputs: what the readers of OGR vector files share
// (sites.cpp's polygon files, evidence.cpp's evidence). Includes GDAL's C++
// headers, so only .cpp files of this library may include it.
#pragma once

#include <ogrsf_frmts.h>

#include <string>
#include <vector>

#include "host/common/geo.h"
#include "host/inputs/sites.h"

namespace remnant {

// Opens a vector file read-only (any OGR format), with GDAL's errors kept
// quiet; `what` begins the InputError thrown when it cannot be opened.
// `open_options` as GDALOpenEx takes them (nullptr-terminated), or nullptr.
GdalDataset open_vector_file(const std::string& path, const std::string& what,
                             const char* const* open_options = nullptr);

// Appends every ring (exterior and interior) of every polygon in g (Polygon,
// MultiPolygon, or a collection holding them) to out; other geometries add nothing.
void add_polygon_rings(const OGRGeometry* g, std::vector<Ring>& out);

}  // namespace remnant
