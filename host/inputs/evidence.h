// Evidence from the ground (issue 21): strikes located by survey, items found,
// areas searched or cancelled, read from vector files (GeoPackage, GeoJSON,
// Shapefile, KML, CSV) onto a scenario's grid. Strict like every input: each
// mistake is an InputError naming the file, the feature and the field.
// docs/EVIDENCE.md describes the format. Reading only: conditioning a run on
// the evidence is not built yet.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "host/inputs/scenario.h"

namespace remnant {

struct EvidenceFeature {
  enum class Kind { Strike, Find, Searched, Cancelled };
  Kind kind = Kind::Strike;
  std::string file;    // as given to read_evidence
  std::string layer;   // the OGR layer's name
  long long fid = 0;   // OGR's feature id (a CSV's: its line number minus 1)
  std::string label;   // the `name` (or `id`) field, else "feature FID" ("line N" in a CSV)
  double x_m = 0.0, y_m = 0.0;  // points: absolute metres in the grid's CRS (local metres without one)
  std::vector<std::vector<std::array<double, 2>>> rings;  // polygons, in the grid's CRS: every ring of
                                                          // every part (even-odd rule), closed
  std::vector<std::uint32_t> cells;  // polygons: cells whose centres lie inside (cells_inside); points: the one cell
  std::string carrier, date, submunition;  // strike: carrier, date (YYYY-MM-DD); find: submunition; "" when absent
  std::uint64_t carriers = 0;              // strike: 0 when not given
  std::uint64_t items = 1;                 // find: >= 1
  std::uint64_t items_found = 0;           // searched (cancelled: 0)
  double detection_probability = 0.0;      // searched: the feature's; cancelled: the feature's if given, else the default
};

struct Evidence {
  std::vector<EvidenceFeature> features;  // files in the order given, layers and features in file order
  std::vector<std::string> files;         // as given
  double cell_area_m2 = 0.0;              // of the grid read onto (for summary)
  // SHA-256 (hex) of the bytes of every file GDAL lists for the inputs (a
  // Shapefile's .shp, .shx, .dbf, .prj, ...), input by input in the order given,
  // each file's bytes preceded by its size as 8 little-endian bytes: for provenance.
  std::string sha256;
  // "3 strikes, 12 finds (27 items), 4 searched areas (1.2 km2), 1 cancelled area (0.3 km2)";
  // areas are cells inside times cell area, overlaps counted twice. "no evidence" when empty.
  std::string summary() const;
};

const char* evidence_kind_name(EvidenceFeature::Kind k);  // "strike", "find", "searched", "cancelled"

// ASSUMPTION, not from a source: the chance that non-technical survey of an
// area would have found evidence of contamination there, had there been any,
// for a `cancelled` feature without its own detection_probability. No source
// read gives a figure; cancellation is weaker evidence than search, so it sits
// well below the 0.8 to 1 a searched area usually claims. Settable per run
// (read_evidence's argument) and per feature.
constexpr double kDefaultCancelledDetection = 0.5;

// Reads evidence files onto a grid. Every layer of every file is read. CRS
// rules: a layer with a CRS is transformed into the grid's (a grid without a
// CRS accepts only layers without one, or in a local engineering CRS in metres,
// as grid metres); a layer without a CRS is in the grid's coordinates; a CSV
// gives lon/lat (WGS84) or x/y (the grid's CRS) columns, as read_points_table
// names them, and holds points only. Throws InputError for: no file, a file
// that cannot be opened or holds no feature, an unknown kind, a geometry wrong
// for its kind (MultiPoint refused), empty or invalid (OGR_G_IsValid), a point
// off the grid or a polygon holding no cell centre of the grid, a required
// field missing, a field of the wrong type, a count not a whole number >= 0 (or
// >= 1), a probability outside [0, 1] or NaN, a date that is not YYYY-MM-DD,
// and a `cancelled_detection_probability` outside [0, 1].
Evidence read_evidence(const std::vector<std::string>& paths, const GridSpec& grid,
                       double cancelled_detection_probability = kDefaultCancelledDetection);

}  // namespace remnant
