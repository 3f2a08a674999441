// Coordinate reference systems through GDAL/OGR (PROJ underneath): a CRS as
// the user wrote it ("EPSG:32636", WKT, a PROJ string) turned into WKT, and
// WGS84 lon/lat <-> the scenario grid's projected metres. Every axis is in the
// traditional GIS order: x = easting or longitude, y = northing or latitude,
// whatever order the EPSG definition gives.
#pragma once

#include <memory>
#include <string>

namespace remnant {

// The CRS as single-line WKT2 (ISO 19162:2019), for provenance and for a CF
// `crs_wkt` attribute (CF-1.7+ names ISO 19162 WKT; GDAL >= 3 and pyproj read
// it). Accepts "EPSG:nnnn", WKT1/WKT2 or a PROJ string; never reads files or the
// network. Throws InputError naming the string when GDAL cannot make a CRS of it.
std::string crs_wkt(const std::string& crs);

// Throws InputError unless `crs` is a projected CRS whose linear unit is the
// metre (what the engine's cell sizes and coordinates mean). `what` names the
// setting in the message, e.g. "grid.crs".
void require_projected_metres(const std::string& crs, const std::string& what);

// WGS84 lon/lat (degrees) <-> x/y (metres) in a projected CRS. One object holds
// two PROJ transformations; like them it is not safe to use from two threads at
// once: give each thread its own copy (copying builds fresh transformations).
class LonLatToGrid {
 public:
  explicit LonLatToGrid(const std::string& crs);  // must be projected, in metres
  LonLatToGrid(const LonLatToGrid& other);
  LonLatToGrid& operator=(const LonLatToGrid& other);
  LonLatToGrid(LonLatToGrid&&) noexcept;
  LonLatToGrid& operator=(LonLatToGrid&&) noexcept;
  ~LonLatToGrid();

  // Throw InputError naming the point when PROJ cannot transform it (or the
  // result is not finite, e.g. a pole in Web Mercator).
  void to_grid(double lon, double lat, double& x, double& y) const;
  void to_lonlat(double x, double y, double& lon, double& lat) const;
  const std::string& crs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Shared by the GDAL-facing files (geo, raster). While one lives, GDAL/CPL
// errors raised on this thread are kept (CPLGetLastErrorMsg) instead of being
// printed on stderr; the handler stack is per thread in GDAL.
class QuietGdalErrors {
 public:
  QuietGdalErrors();
  ~QuietGdalErrors();
  QuietGdalErrors(const QuietGdalErrors&) = delete;
  QuietGdalErrors& operator=(const QuietGdalErrors&) = delete;
};

// Registers GDAL's drivers, once per process (thread-safe).
void register_gdal();

// An open GDAL dataset, closed when it goes out of scope.
struct CloseGdalDataset {
  void operator()(void* ds) const;
};
using GdalDataset = std::unique_ptr<void, CloseGdalDataset>;

// An OGR feature (OGRFeatureH) or spatial reference (OGRSpatialReferenceH) of
// the C API, destroyed when it goes out of scope.
struct DestroyOgrFeature {
  void operator()(void* f) const;
};
using OgrFeature = std::unique_ptr<void, DestroyOgrFeature>;
struct DestroyOgrSrs {
  void operator()(void* s) const;
};
using OgrSrs = std::unique_ptr<void, DestroyOgrSrs>;

// The last GDAL/CPL error message of this thread, or `fallback` when there is none.
std::string gdal_last_error(const std::string& fallback);

}  // namespace remnant
