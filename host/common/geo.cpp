#include "host/common/geo.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <fmt/format.h>
#include <ogr_api.h>
#include <ogr_spatialref.h>
#include <ogr_srs_api.h>

#include <gdal.h>

#include <cmath>
#include <mutex>

#include "host/common/errors.h"

namespace remnant {

QuietGdalErrors::QuietGdalErrors() {
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();  // so a message left over from an earlier call is not reported as ours
}
QuietGdalErrors::~QuietGdalErrors() { CPLPopErrorHandler(); }

void register_gdal() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

void CloseGdalDataset::operator()(void* ds) const { GDALClose(ds); }
void DestroyOgrFeature::operator()(void* f) const { OGR_F_Destroy(static_cast<OGRFeatureH>(f)); }
void DestroyOgrSrs::operator()(void* s) const { OSRDestroySpatialReference(static_cast<OGRSpatialReferenceH>(s)); }

std::string gdal_last_error(const std::string& fallback) {
  const char* msg = CPLGetLastErrorMsg();
  return CPLGetLastErrorType() != CE_None && msg && *msg ? std::string(msg) : fallback;
}

namespace {

// A CRS string as shown in messages: a whole WKT would bury the message.
std::string shown(const std::string& crs) { return crs.size() <= 60 ? crs : crs.substr(0, 57) + "..."; }

// SetFromUserInput with the limitations GDAL recommends for untrusted input:
// no file names, no URLs (it would otherwise open a file or fetch a URL named
// by the string).
OGRSpatialReference parse_crs(const std::string& crs) {
  if (crs.empty()) throw InputError("CRS: empty; expected e.g. \"EPSG:32636\", a WKT or a PROJ string");
  QuietGdalErrors quiet;
  OGRSpatialReference srs;
  if (srs.SetFromUserInput(crs.c_str(), OGRSpatialReference::SET_FROM_USER_INPUT_LIMITATIONS_get()) != OGRERR_NONE)
    throw InputError(
        fmt::format("CRS \"{}\": not a coordinate reference system GDAL understands ({}); "
                    "expected e.g. \"EPSG:32636\", a WKT or a PROJ string",
                    shown(crs), gdal_last_error("unrecognised")));
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

void check_projected_metres(const OGRSpatialReference& srs, const std::string& crs, const std::string& what) {
  if (!srs.IsProjected())
    throw InputError(
        fmt::format("{} \"{}\": is not a projected CRS; expected one in metres (e.g. a UTM zone, "
                    "\"EPSG:32636\"), since the grid's coordinates and cell size are metres",
                    what, shown(crs)));
  const char* unit = nullptr;
  const double to_metre = srs.GetLinearUnits(&unit);
  if (std::fabs(to_metre - 1.0) > 1e-12)
    throw InputError(fmt::format("{} \"{}\": its unit is {} ({} m); expected metres", what, shown(crs),
                                 unit ? unit : "unknown", to_metre));
}

struct DestroyCT {
  void operator()(OGRCoordinateTransformation* ct) const { OGRCoordinateTransformation::DestroyCT(ct); }
};
using CTPtr = std::unique_ptr<OGRCoordinateTransformation, DestroyCT>;

CTPtr make_ct(const OGRSpatialReference& from, const OGRSpatialReference& to, const std::string& crs) {
  QuietGdalErrors quiet;
  CTPtr ct(OGRCreateCoordinateTransformation(&from, &to));
  if (!ct)
    throw InputError(fmt::format("CRS \"{}\": no transformation between it and WGS84 lon/lat ({})", shown(crs),
                                 gdal_last_error("PROJ found none")));
  return ct;
}

}  // namespace

std::string crs_wkt(const std::string& crs) {
  const OGRSpatialReference srs = parse_crs(crs);
  QuietGdalErrors quiet;
  const char* const options[] = {"FORMAT=WKT2_2019", "MULTILINE=NO", nullptr};
  char* wkt = nullptr;
  const OGRErr err = srs.exportToWkt(&wkt, options);
  const std::string out = wkt ? wkt : "";
  CPLFree(wkt);
  if (err != OGRERR_NONE || out.empty())
    throw InputError(fmt::format("CRS \"{}\": cannot be written as WKT ({})", shown(crs), gdal_last_error("unknown")));
  return out;
}

void require_projected_metres(const std::string& crs, const std::string& what) {
  check_projected_metres(parse_crs(crs), crs, what);
}

struct LonLatToGrid::Impl {
  std::string crs;
  CTPtr to_grid, to_lonlat;

  explicit Impl(const std::string& c) : crs(c) {
    const OGRSpatialReference grid = parse_crs(crs);
    check_projected_metres(grid, crs, "CRS");
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);  // lon, lat; EPSG says lat, lon
    to_grid = make_ct(wgs84, grid, crs);
    to_lonlat = make_ct(grid, wgs84, crs);
  }
};

LonLatToGrid::LonLatToGrid(const std::string& crs) : impl_(std::make_unique<Impl>(crs)) {}
LonLatToGrid::LonLatToGrid(const LonLatToGrid& other) : impl_(std::make_unique<Impl>(other.impl_->crs)) {}
LonLatToGrid& LonLatToGrid::operator=(const LonLatToGrid& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(other.impl_->crs);
  return *this;
}
LonLatToGrid::LonLatToGrid(LonLatToGrid&&) noexcept = default;
LonLatToGrid& LonLatToGrid::operator=(LonLatToGrid&&) noexcept = default;
LonLatToGrid::~LonLatToGrid() = default;

const std::string& LonLatToGrid::crs() const { return impl_->crs; }

void LonLatToGrid::to_grid(double lon, double lat, double& x, double& y) const {
  // PROJ would wrap lon 190 to -170 without a word: out of range is an error here.
  if (!(lon >= -180.0 && lon <= 180.0 && lat >= -90.0 && lat <= 90.0))
    throw InputError(fmt::format("point (lon {}, lat {}): expected lon in [-180, 180] and lat in [-90, 90]", lon, lat));
  QuietGdalErrors quiet;
  double px = lon, py = lat;
  if (!impl_->to_grid->Transform(1, &px, &py) || !std::isfinite(px) || !std::isfinite(py))
    throw InputError(fmt::format("point (lon {}, lat {}): cannot be transformed to {} ({})", lon, lat,
                                 shown(impl_->crs), gdal_last_error("outside the projection's domain")));
  x = px;
  y = py;
}

void LonLatToGrid::to_lonlat(double x, double y, double& lon, double& lat) const {
  QuietGdalErrors quiet;
  double px = x, py = y;
  if (!std::isfinite(x) || !std::isfinite(y) || !impl_->to_lonlat->Transform(1, &px, &py) || !std::isfinite(px) ||
      !std::isfinite(py))
    throw InputError(fmt::format("point (x {} m, y {} m) in {}: cannot be transformed to lon/lat ({})", x, y,
                                 shown(impl_->crs), gdal_last_error("outside the projection's domain")));
  lon = px;
  lat = py;
}

}  // namespace remnant
