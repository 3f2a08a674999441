// Hazard areas and strike sites as vector layers through GDAL/OGR
// (`remnant hazard --out`): GeoPackage (recommended), GeoJSON, Shapefile or
// KML, chosen by the extension. Layers: `hazard_areas` (polygons with the
// figures of host/evidence/hazard_areas.h), `strike_sites` (points) and
// `about` (a table of where the figures come from). GeoJSON and Shapefile hold
// one layer per file: the other layers go beside the named file, as
// STEM_strike_sites.EXT and STEM_about.{json,dbf}. KML is written in WGS84
// longitude/latitude (what KML requires), every other format in the grid's CRS.
// Written through a temporary directory beside the target and renamed into
// place only when complete; an existing file is never overwritten.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/evidence/hazard_areas.h"
#include "host/evidence/result_file.h"

namespace remnant {

// One strike row: a carrier type at a site, in the grid's CRS metres.
struct StrikeSitePoint {
  double x_m = 0.0, y_m = 0.0;
  std::int32_t site = -1;  // the sampled site's index, -1 for a [[strike]] of the scenario
  std::string carrier;
  std::uint64_t carriers = 0, submunitions = 0;
  std::string name, date;  // a fixed point's name and date from its points file ("" when none)
};

struct HazardLayerInput {
  const ResultData* result = nullptr;
  const HazardAreas* areas = nullptr;
  std::vector<StrikeSitePoint> sites;    // empty: the layer has no features
  std::string sites_note;                // what the sites are (e.g. "realization 0 of sites redrawn in every one")
  std::vector<std::pair<std::string, std::string>> about;  // key, text: the `about` table
  std::string description;  // one paragraph: what the layers are (KML's document description)
};

// The files `hazard --out path` writes (the companions of one-layer formats
// included). InputError naming `what` for an extension that is no vector
// format, listing those accepted.
std::vector<std::string> hazard_output_files(const std::string& path, const std::string& what);

// InputError when path's format cannot hold a result on grid g (KML needs a
// CRS to convert to longitude and latitude).
void check_hazard_output(const std::string& path, const ResultGrid& g);

// Writes the layers. Throws InputError for a KML of a grid without a CRS, or
// when a file it would write exists; std::runtime_error naming the file when
// GDAL fails. Nothing is left behind on failure.
void write_hazard_layers(const HazardLayerInput& in, const std::string& path);

}  // namespace remnant
