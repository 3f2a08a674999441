#include "host/evidence/exports.h"

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>

#include "host/common/atomic_output.h"
#include "host/common/geo.h"
#include "host/evidence/layers.h"
#include "host/evidence/report.h"
#include "host/common/errors.h"
#include "host/inputs/scenario.h"

namespace remnant {
namespace {

constexpr double kFloatNoData = -9999.0;
constexpr double kClassNoData = 255.0;

void set_meta(GDALMajorObjectH obj, const char* key, const std::string& value) {
  GDALSetMetadataItem(obj, key, value.c_str(), nullptr);
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

void write_geotiff(const ResultData& d, const std::string& layer_name, const std::string& path) {
  const DisplayLayer layer = display_layer(d, layer_name);
  const ResultGrid& g = d.grid;
  if (g.nx == 0 || g.ny == 0 || g.nx > INT_MAX || g.ny > INT_MAX)
    throw InputError(fmt::format("{}: the grid has {} x {} cells; nothing to write", path, g.nx, g.ny));
  register_gdal();
  QuietGdalErrors quiet;
  GDALDriverH driver = GDALGetDriverByName("GTiff");
  if (!driver) throw std::runtime_error("GDAL has no GTiff driver");

  const bool classes = layer.kind == LayerKind::Categorical;
  const GDALDataType type = classes ? GDT_Byte : GDT_Float32;
  const double nodata = classes ? kClassNoData : kFloatNoData;
  char** options = nullptr;
  options = CSLSetNameValue(options, "COMPRESS", "DEFLATE");
  options = CSLSetNameValue(options, "PREDICTOR", classes ? "2" : "3");
  options = CSLSetNameValue(options, "TILED", "YES");
  options = CSLSetNameValue(options, "GEOTIFF_VERSION", "1.1");

  // A GDAL failure: the file named, GDAL's reason after it (a full disk shows
  // up as a libtiff write or read-back error).
  const auto failed = [&](const std::string& doing) {
    return std::runtime_error(
        fmt::format("{} the GeoTIFF {}: {}", doing, path, gdal_last_error("unknown GDAL error")));
  };
  AtomicOutput out(path);
  {
    GdalDataset ds(GDALCreate(driver, out.temp_path().c_str(), static_cast<int>(g.nx), static_cast<int>(g.ny), 1,
                              type, options));
    CSLDestroy(options);
    if (!ds) throw failed("cannot create");
    double transform[6] = {g.origin_x_m, g.cell_size_m, 0.0, g.origin_y_m + g.ny * g.cell_size_m, 0.0, -g.cell_size_m};
    if (GDALSetGeoTransform(ds.get(), transform) != CE_None) throw failed("cannot set the geotransform of");
    if (!g.crs_wkt.empty() && GDALSetProjection(ds.get(), g.crs_wkt.c_str()) != CE_None)
      throw failed("cannot set the CRS of");

    GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
    if (GDALSetRasterNoDataValue(band, nodata) != CE_None) throw failed("cannot set the nodata value of");
    GDALSetDescription(band, layer.title.c_str());
    GDALSetRasterUnitType(band, layer.units.c_str());
    set_meta(band, "long_name", layer.long_name);
    set_meta(band, "units", layer.units);
    set_meta(ds.get(), "TIFFTAG_SOFTWARE", fmt::format("Remnant {} (git {})", d.software_version, d.git_revision));
    set_meta(ds.get(), "TIFFTAG_DATETIME", d.creation_time_utc);
    set_meta(ds.get(), "TIFFTAG_IMAGEDESCRIPTION", fmt::format("{}: {}", d.scenario_name, layer.long_name));
    // A count layer is per cell in the result file and per hectare here: the
    // name says which (dud_mean there, dud_mean_per_ha here), as the units do.
    set_meta(ds.get(), "remnant_layer", layer.kind == LayerKind::Density ? layer.name + "_per_ha" : layer.name);
    if (layer.kind == LayerKind::Density)
      set_meta(ds.get(), "remnant_result_variable",
               layer.name + " (per cell in the result file; here divided by the cell's area in hectares)");
    set_meta(ds.get(), "remnant_scenario", d.scenario_name);
    set_meta(ds.get(), "remnant_scenario_path", d.scenario_path);
    set_meta(ds.get(), "remnant_seed", std::to_string(d.seed));
    set_meta(ds.get(), "remnant_realizations", std::to_string(d.realizations));
    set_meta(ds.get(), "remnant_backend", d.backend);
    set_meta(ds.get(), "remnant_dud_rates", d.dud_rates);
    set_meta(ds.get(), "remnant_overrides", joined(d.overrides, "; "));
    set_meta(ds.get(), "remnant_sources", joined(d.sources, "; "));
    set_meta(ds.get(), "remnant_assumptions", joined(d.assumptions, "; "));
    set_meta(ds.get(), "remnant_software_version", d.software_version);
    set_meta(ds.get(), "remnant_git_revision", d.git_revision);

    // North-up: the file's first row is the grid's northern row.
    const std::uint32_t nx = g.nx, ny = g.ny;
    CPLErr err = CE_None;
    if (classes) {
      std::vector<std::uint8_t> row(nx);
      for (std::uint32_t r = 0; r < ny && err == CE_None; ++r) {
        const std::size_t src = std::size_t(ny - 1 - r) * nx;
        for (std::uint32_t i = 0; i < nx; ++i) row[i] = static_cast<std::uint8_t>(layer.values[src + i]);
        err = GDALRasterIO(band, GF_Write, 0, static_cast<int>(r), static_cast<int>(nx), 1, row.data(),
                           static_cast<int>(nx), 1, GDT_Byte, 0, 0);
      }
    } else {
      std::vector<float> row(nx);
      for (std::uint32_t r = 0; r < ny && err == CE_None; ++r) {
        const std::size_t src = std::size_t(ny - 1 - r) * nx;
        for (std::uint32_t i = 0; i < nx; ++i) {
          const float v = layer.values[src + i];
          row[i] = std::isfinite(v) ? v : static_cast<float>(nodata);
        }
        err = GDALRasterIO(band, GF_Write, 0, static_cast<int>(r), static_cast<int>(nx), 1, row.data(),
                           static_cast<int>(nx), 1, GDT_Float32, 0, 0);
      }
    }
    if (err != CE_None) throw failed("cannot write");
    GDALFlushCache(ds.get());
    if (CPLGetLastErrorType() == CE_Failure) throw failed("cannot write");
  }  // closed here: GDAL finishes the file on close, and reports a failure only as the last error
  if (CPLGetLastErrorType() == CE_Failure) throw failed("cannot write");
  out.commit();
}

std::string totals_csv(const ResultData& d) {
  std::string s;
  s += fmt::format("# Remnant {} (git {}): per-realization totals\n", d.software_version, d.git_revision);
  s += fmt::format("# scenario: {} ({})\n", d.scenario_name, d.scenario_path);
  s += fmt::format("# seed {}, {} realizations, backend {}, created {}{}\n", d.seed, d.realizations, d.backend,
                   d.creation_time_utc, d.dud_rates.empty() ? "" : ", dud-rate priors: " + d.dud_rates);
  for (const std::string& o : d.overrides) s += fmt::format("# --set {}\n", o);
  s += "realization,fired,impacts,duds,contaminated_cells,contaminated_area_km2,in_water,outside_grid";
  for (int k = 0; k < kLandCoverClasses; ++k) s += fmt::format(",duds_{}", land_cover_name(static_cast<LandCover>(k)));
  s += "\n";
  const double cell_km2 = d.grid.cell_area_km2();
  for (std::size_t r = 0; r < d.totals.size(); ++r) {
    const RealizationTotals& t = d.totals[r];
    s += fmt::format("{},{},{},{},{},{:.10g},{},{}", r, t.fired, t.impacts, t.duds, t.contaminated_cells,
                     double(t.contaminated_cells) * cell_km2, t.in_water, t.outside_grid);
    for (int k = 0; k < kLandCoverClasses; ++k) s += fmt::format(",{}", t.duds_by_class[k]);
    s += "\n";
  }
  return s;
}

}  // namespace remnant
