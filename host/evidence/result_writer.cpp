// Writing the result file: its root attributes, the CF grid mapping, the
// per-cell layers, the accumulators, the per-realization totals and the
// strike sites (write_result_file of host/evidence/result_file.h).
#include <fmt/format.h>
#include <hdf5.h>
#include <ogr_srs_api.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/common/atomic_output.h"
#include "host/common/geo.h"
#include "host/evidence/hdf5.h"
#include "host/evidence/result_file.h"
#include "host/evidence/result_layout.h"
#include "host/inputs/scenario.h"
#include "kernels/histogram.h"

namespace remnant {
namespace {

using namespace result_detail;

std::vector<std::uint32_t> indices(std::size_t n) {
  std::vector<std::uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

// CF grid-mapping attributes that can be derived from the CRS: its names and
// ellipsoid always, grid_mapping_name with the projection's parameters for
// the projections CF names that are handled here (Transverse Mercator, so
// every UTM zone). Where none is derived, crs_wkt alone describes the CRS
// (valid CF 1.8).
struct CfGridMapping {
  std::vector<std::pair<const char*, std::string>> texts;
  std::vector<std::pair<const char*, double>> numbers;
};

CfGridMapping cf_grid_mapping(const std::string& wkt) {
  CfGridMapping m;
  QuietGdalErrors quiet;
  std::unique_ptr<void, void (*)(OGRSpatialReferenceH)> srs(OSRNewSpatialReference(nullptr),
                                                             OSRDestroySpatialReference);
  char* text = const_cast<char*>(wkt.c_str());
  if (!srs || OSRImportFromWkt(srs.get(), &text) != OGRERR_NONE) return m;
  auto name = [&](const char* key, const char* node) {
    const char* v = OSRGetAttrValue(srs.get(), node, 0);
    if (v && *v) m.texts.emplace_back(key, v);
  };
  if (OSRIsProjected(srs.get())) {
    if (const char* n = OSRGetName(srs.get())) m.texts.emplace_back("projected_crs_name", n);
  }
  name("geographic_crs_name", "GEOGCS");
  name("horizontal_datum_name", "DATUM");
  OGRErr err = OGRERR_NONE;
  const double a = OSRGetSemiMajor(srs.get(), &err);
  if (err == OGRERR_NONE) m.numbers.emplace_back("semi_major_axis", a);
  const double inv_f = OSRGetInvFlattening(srs.get(), &err);
  if (err == OGRERR_NONE) m.numbers.emplace_back("inverse_flattening", inv_f);
  m.numbers.emplace_back("longitude_of_prime_meridian", OSRGetPrimeMeridian(srs.get(), nullptr));

  const char* projection = OSRIsProjected(srs.get()) ? OSRGetAttrValue(srs.get(), "PROJECTION", 0) : nullptr;
  if (projection && std::string_view(projection) == SRS_PT_TRANSVERSE_MERCATOR) {
    m.texts.emplace_back("grid_mapping_name", "transverse_mercator");
    auto parm = [&](const char* key, const char* gdal_name, double fallback) {
      m.numbers.emplace_back(key, OSRGetNormProjParm(srs.get(), gdal_name, fallback, nullptr));
    };
    parm("longitude_of_central_meridian", SRS_PP_CENTRAL_MERIDIAN, 0.0);
    parm("latitude_of_projection_origin", SRS_PP_LATITUDE_OF_ORIGIN, 0.0);
    parm("scale_factor_at_central_meridian", SRS_PP_SCALE_FACTOR, 1.0);
    parm("false_easting", SRS_PP_FALSE_EASTING, 0.0);
    parm("false_northing", SRS_PP_FALSE_NORTHING, 0.0);
  }
  return m;
}

// The CF grid-mapping variable `crs`: a scalar whose attributes describe the
// grid's CRS for CF readers (crs_wkt), GDAL (spatial_ref, GeoTransform) and
// older tools (grid_mapping_name and parameters).
void write_crs(hid_t file, const ResultGrid& grid) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  const Handle dcpl = ordered_properties(H5P_DATASET_CREATE);
  Handle ds(H5Dcreate2(file, "crs", H5T_STD_I32LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
            "create dataset crs");
  const std::int32_t zero = 0;
  check(H5Dwrite(ds.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &zero), "write crs");
  attr_string(ds.get(), "units", "1");
  attr_string(ds.get(), "long_name", "coordinate reference system of the grid (" + grid.crs + ")");
  const CfGridMapping cf = cf_grid_mapping(grid.crs_wkt);
  for (const auto& [key, value] : cf.texts) attr_string(ds.get(), key, value);
  for (const auto& [key, value] : cf.numbers) attr_double(ds.get(), key, value);
  attr_string(ds.get(), "crs_wkt", grid.crs_wkt);
  attr_string(ds.get(), "spatial_ref", grid.crs_wkt);
  // GDAL's geotransform of the north-up image: top-left corner and a negative
  // row step. The file's rows run south to north (y increases with the row);
  // GDAL's netCDF driver turns them over by itself from the y values.
  const double top = grid.origin_y_m + grid.ny * grid.cell_size_m;
  attr_string(ds.get(), "GeoTransform",
              fmt::format("{} {} 0 {} 0 {}", grid.origin_x_m, grid.cell_size_m, top, -grid.cell_size_m));
}

// Every array the writer hands to HDF5 has the size the grid says (HDF5
// would read past the end of a shorter one).
void check_sizes(const ResultData& d) {
  const std::size_t cells = std::size_t{d.grid.nx} * d.grid.ny;
  auto require = [](const char* what, std::size_t size, std::size_t expected) {
    if (size != expected)
      throw std::runtime_error(fmt::format("result data: {} holds {} values, expected {}", what, size, expected));
  };
  for (const ResultLayerInfo& l : result_layers()) {
    const std::vector<float>* v = float_layer(d, l.name);
    require(l.name, v ? v->size() : d.land_cover.size(), cells);
  }
  const CellAccumulators& a = d.accumulators;
  require("accumulators.dud_sum", a.dud_sum.size(), cells);
  require("accumulators.dud_sum_sq", a.dud_sum_sq.size(), cells);
  require("accumulators.dud_nonzero", a.dud_nonzero.size(), cells);
  require("accumulators.impact_sum", a.impact_sum.size(), cells);
  require("accumulators.histogram", a.histogram.size(), cells * a.histogram_bins);
  const bool checkpoint = d.filetype == kCheckpointFiletype;
  if (!checkpoint && d.filetype != kResultFiletype) throw std::logic_error("write_result_file: filetype " + d.filetype);
  if (!checkpoint) require("totals", d.totals.size(), d.realizations);
  require("realization_index", d.realization_index.size(), d.totals.size());
  for (std::size_t i = 0; i < d.realization_index.size(); ++i)
    if (d.realization_index[i] >= d.realizations || (i && d.realization_index[i] <= d.realization_index[i - 1]) ||
        (!checkpoint && d.realization_index[i] != i))
      throw std::logic_error("write_result_file: realization_index out of order");
  require("site_y_m", d.site_y_m.size(), d.site_x_m.size());
}

// The root group's attributes: provenance, the texts, the grid and their
// checksums.
void write_root_attributes(hid_t file, const ResultData& d) {
  attr_string(file, "filetype", d.filetype);
  attr_string(file, "format_version", kResultFormatVersion);
  attr_string(file, "Conventions", "CF-1.8");
  attr_string(file, "title", "Remnant: unexploded submunitions, Monte Carlo over " + std::to_string(d.realizations) +
                                 " realizations");
  attr_scalar<std::uint64_t>(file, "seed", H5T_NATIVE_UINT64, H5T_STD_U64LE, d.seed);
  attr_scalar<std::uint32_t>(file, "realizations", H5T_NATIVE_UINT32, H5T_STD_U32LE, d.realizations);
  attr_scalar<std::uint64_t>(file, "submunitions_fired_per_realization", H5T_NATIVE_UINT64, H5T_STD_U64LE,
                             d.fired_per_realization);
  for (const TextAttribute& a : kTextAttributes)
    attr_string(file, a.name, a.text ? d.*a.text : join_lines(d.*a.lines));
  attr_string(file, "crs", d.grid.crs);
  attr_double(file, "cell_size_m", d.grid.cell_size_m);
  attr_double(file, "origin_x_m", d.grid.origin_x_m);
  attr_double(file, "origin_y_m", d.grid.origin_y_m);
  attr_double(file, "fade_out_m", d.fade_out_m);
  attr_double(file, "hazard_pixel_m", d.hazard_pixel_m);
  attr_string(file, "attribute_crc32", attribute_checksums(d));
}

// The grid's coordinate scales x and y, to which every per-cell variable is
// attached, and whether the file has the grid-mapping variable `crs`.
struct CellAxes {
  const Handle& x;
  const Handle& y;
  hsize_t nx, ny;
  bool has_crs;
};

// A per-cell variable (y, x), or (bin, y, x) with the bin scale first.
Handle cell_variable(const CellAxes& axes, hid_t loc, const char* name, hid_t mem_type, hid_t file_type,
                     const void* data, const std::string& units, const std::string& long_name,
                     const Handle* bins = nullptr) {
  std::vector<hsize_t> dims{axes.ny, axes.nx};
  if (bins) {
    Handle space(H5Dget_space(bins->get()), H5Sclose, "get the bin dimension");
    dims.insert(dims.begin(), static_cast<hsize_t>(H5Sget_simple_extent_npoints(space.get())));
  }
  Handle ds = write_dataset(loc, name, mem_type, file_type, dims, data, units, long_name);
  if (bins) attach(ds, {bins, &axes.y, &axes.x});
  else attach(ds, {&axes.y, &axes.x});
  if (axes.has_crs) attr_string(ds.get(), "grid_mapping", "crs");
  return ds;
}

void write_layers(hid_t file, const ResultData& d, const CellAxes& axes) {
  for (const ResultLayerInfo& l : result_layers()) {
    if (const std::vector<float>* v = float_layer(d, l.name)) {
      cell_variable(axes, file, l.name, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, v->data(), l.units, l.long_name);
      continue;
    }
    // land_cover: CF flags, one meaning per class code.
    const Handle lc = cell_variable(axes, file, l.name, H5T_NATIVE_UINT8, H5T_STD_U8LE, d.land_cover.data(), l.units,
                                    l.long_name);
    std::vector<std::uint8_t> codes(kLandCoverClasses);
    std::iota(codes.begin(), codes.end(), std::uint8_t{0});
    std::string meanings;
    for (int k = 0; k < kLandCoverClasses; ++k)
      meanings += std::string(k ? " " : "") + land_cover_name(static_cast<LandCover>(k));
    attr_values(lc.get(), "flag_values", H5T_NATIVE_UINT8, H5T_STD_U8LE, codes);
    attr_string(lc.get(), "flag_meanings", meanings);
  }
}

// Raw integer accumulators: every statistic above can be recomputed from them.
void write_accumulators(hid_t file, const CellAccumulators& a, const CellAxes& axes) {
  const Handle g = create_group(file, "accumulators");
  std::vector<std::uint64_t> low(a.histogram_bins), width(a.histogram_bins);
  for (std::uint32_t b = 0; b < a.histogram_bins; ++b) {
    low[b] = histogram_bin_low(b);
    width[b] = histogram_bin_width(b);
  }
  const Handle bin = write_scale(g.get(), "histogram_bin", H5T_NATIVE_UINT64, H5T_STD_U64LE, low, "1",
                                 "smallest dud count of the histogram bin (counts 1 to 15 have a bin each; "
                                 "above, every octave has 4 bins)");
  const Handle w = write_dataset(g.get(), "histogram_bin_width", H5T_NATIVE_UINT64, H5T_STD_U64LE,
                                 {a.histogram_bins}, width.data(), "1", "number of dud counts the bin holds");
  attach(w, {&bin});
  cell_variable(axes, g.get(), "dud_sum", H5T_NATIVE_UINT64, H5T_STD_U64LE, a.dud_sum.data(), "1",
                "sum over realizations of duds in the cell");
  cell_variable(axes, g.get(), "dud_sum_sq", H5T_NATIVE_UINT64, H5T_STD_U64LE, a.dud_sum_sq.data(), "1",
                "sum over realizations of squared duds in the cell");
  cell_variable(axes, g.get(), "dud_nonzero", H5T_NATIVE_UINT32, H5T_STD_U32LE, a.dud_nonzero.data(), "1",
                "realizations with at least one dud in the cell");
  cell_variable(axes, g.get(), "impact_sum", H5T_NATIVE_UINT64, H5T_STD_U64LE, a.impact_sum.data(), "1",
                "sum over realizations of impacts in the cell");
  cell_variable(axes, g.get(), "dud_histogram", H5T_NATIVE_UINT32, H5T_STD_U32LE, a.histogram.data(), "1",
                "realizations per histogram bin of non-zero dud counts (see kernels/histogram.h)", &bin);
}

// Per-realization totals, one row per realization.
void write_totals(hid_t file, const ResultData& d) {
  const Handle g = create_group(file, "realizations");
  const hsize_t R = d.totals.size();
  const Handle r = write_scale(g.get(), "realization", H5T_NATIVE_UINT32, H5T_STD_U32LE, d.realization_index, "1",
                               "realization index");
  for (const TotalsColumn& c : totals_columns()) {
    std::vector<std::uint64_t> v(R);
    for (hsize_t i = 0; i < R; ++i) v[i] = column_value(d.totals[i], c);
    attach(write_dataset(g.get(), c.name.c_str(), H5T_NATIVE_UINT64, H5T_STD_U64LE, {R}, v.data(), "1", c.long_name),
           {&r});
  }
  std::vector<double> area(R);
  for (hsize_t i = 0; i < R; ++i) area[i] = double(d.totals[i].contaminated_cells) * d.grid.cell_area_km2();
  attach(write_dataset(g.get(), "contaminated_area", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {R}, area.data(), "km2",
                       "area of cells holding at least one dud (grows with the cell size; see hazard_area)"),
         {&r});
  std::vector<double> hazard(R);
  for (hsize_t i = 0; i < R; ++i)
    hazard[i] = double(d.totals[i].hazard_pixels) * d.hazard_pixel_m * d.hazard_pixel_m * 1e-6;
  attach(write_dataset(g.get(), "hazard_area", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {R}, hazard.data(), "km2",
                       fmt::format("hazard area: the area within {:g} m (the fade-out distance) of an unexploded "
                                   "submunition, counted on pixels of {:g} m",
                                   d.fade_out_m, d.hazard_pixel_m)),
         {&r});
  // The duds of each submunition type: (realization, submunition_type), the
  // scale's `names` attribute naming the types in order. Only when counted.
  const hsize_t T = d.submunition_types.size();
  if (T == 0 || d.duds_by_type.size() != R * T) return;
  std::vector<std::uint32_t> index(T);
  std::iota(index.begin(), index.end(), 0u);
  const Handle t = write_scale(g.get(), "submunition_type", H5T_NATIVE_UINT32, H5T_STD_U32LE, index, "1",
                               "submunition type: index into the names attribute (one name per line)");
  attr_string(t.get(), "names", join_lines(d.submunition_types));
  attach(write_dataset(g.get(), "duds_by_type", H5T_NATIVE_UINT64, H5T_STD_U64LE, {R, T}, d.duds_by_type.data(), "1",
                       "duds of each submunition type on land cells inside the grid (a row sums to duds)"),
         {&r, &t});
}

// What drives the headline totals: one index per input, the inputs' names
// (newline-separated) and the method as attributes. Only when there are indices.
void write_sensitivity(hid_t file, const ResultData& d) {
  const Sensitivity& s = d.sensitivity;
  if (s.empty()) return;
  const Handle g = create_group(file, "sensitivity");
  attr_string(g.get(), "inputs", join_lines(s.inputs));
  attr_string(g.get(), "method", kSensitivityMethod);
  attr_double(g.get(), "noise_level", s.noise_level);
  attr_scalar<std::uint64_t>(g.get(), "realizations", H5T_NATIVE_UINT64, H5T_STD_U64LE, s.realizations);
  const hsize_t n = s.inputs.size();
  for (const auto& [name, v] : {std::pair<const char*, const std::vector<double>*>{"total_duds", &s.total_duds},
                                {"hazard_area_km2", &s.hazard_area_km2}})
    if (v->size() == n)
      write_dataset(g.get(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {n}, v->data(), "1",
                    fmt::format("first-order sensitivity index of {} on each input (the group's inputs attribute)", name));
}

// A conditioned run's evidence and diagnostics: text attributes of the group
// conditioning/ (features and diagnostics one per line). Only when there is one.
void write_conditioning(hid_t file, const ResultData& d) {
  const ResultConditioning& c = d.conditioning;
  if (c.empty()) return;
  const Handle g = create_group(file, "conditioning");
  attr_string(g.get(), "evidence_files", join_lines(c.files));
  attr_string(g.get(), "evidence_sha256", c.sha256);
  attr_string(g.get(), "evidence_summary", c.summary);
  attr_string(g.get(), "evidence_features", join_lines(c.features));
  attr_string(g.get(), "evidence_features_format",
              "one feature per line: kind, file: label, fields (key=value), geometry (WKT in the grid's crs), "
              "tab-separated");
  attr_string(g.get(), "method", c.method);
  attr_string(g.get(), "diagnostics", join_lines(c.diagnostics));
  attr_string(g.get(), "diagnostics_json", c.diagnostics_json);
  attr_scalar<std::uint32_t>(g.get(), "sweeps", H5T_NATIVE_UINT32, H5T_STD_U32LE, c.sweeps);
  attr_double(g.get(), "cancelled_detection_probability", c.cancelled_detection);
  attr_double(g.get(), "find_radius_m", c.find_radius_m);
  attr_string(g.get(), "meaning",
              "the realizations of this file are draws from the posterior given the evidence, not from the prior");
}

// Strike sites of the first realization.
void write_sites(hid_t file, const ResultData& d) {
  const Handle g = create_group(file, "sites");
  attr_string(g.get(), "placement", d.site_placement);
  const hsize_t n = d.site_x_m.size();
  const std::string when = d.site_placement == "per_realization"
                               ? "; sites are redrawn in every realization, these are the first realization's"
                           : d.site_placement == "fixed" ? "; the same in every realization"
                                                         : "";
  const Handle s = write_scale(g.get(), "site", H5T_NATIVE_UINT32, H5T_STD_U32LE, indices(n), "1",
                               "strike site index");
  attach(write_dataset(g.get(), "x", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {n}, d.site_x_m.data(), "m",
                       "x coordinate (projected) of the strike sites of the first realization" + when),
         {&s});
  attach(write_dataset(g.get(), "y", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {n}, d.site_y_m.data(), "m",
                       "y coordinate (projected) of the strike sites of the first realization" + when),
         {&s});
}

void write_contents(hid_t file, const ResultData& d) {
  check_sizes(d);
  write_root_attributes(file, d);

  const ResultGrid& grid = d.grid;
  const hsize_t nx = grid.nx, ny = grid.ny;
  const bool has_crs = !grid.crs.empty() || !grid.crs_wkt.empty();
  if (has_crs) write_crs(file, grid);

  std::vector<double> xs(nx), ys(ny);
  for (hsize_t i = 0; i < nx; ++i) xs[i] = grid.origin_x_m + (i + 0.5) * grid.cell_size_m;
  for (hsize_t i = 0; i < ny; ++i) ys[i] = grid.origin_y_m + (i + 0.5) * grid.cell_size_m;
  const Handle x = write_scale(file, "x", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, xs, "m",
                               "x coordinate of cell centre (projected)");
  const Handle y = write_scale(file, "y", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, ys, "m",
                               "y coordinate of cell centre (projected)");
  attr_string(x.get(), "standard_name", "projection_x_coordinate");
  attr_string(y.get(), "standard_name", "projection_y_coordinate");
  attr_string(x.get(), "axis", "X");
  attr_string(y.get(), "axis", "Y");

  const CellAxes axes{x, y, nx, ny, has_crs};
  write_layers(file, d, axes);
  write_accumulators(file, d.accumulators, axes);
  write_totals(file, d);
  write_sites(file, d);
  write_sensitivity(file, d);
  write_conditioning(file, d);
}

}  // namespace

void write_result_file(const std::string& path, const ResultData& d) {
  quiet_hdf5();
  AtomicOutput out(path);  // removes the temporary file unless committed
  {
    const Handle fcpl = ordered_properties(H5P_FILE_CREATE);
    // The HDF5 1.8 file format (read by every HDF5 since 1.8 and netCDF-4
    // since 4.0): object headers carry checksums, so damaged metadata is
    // refused on reading, and attributes may exceed 64 KiB (scenario texts).
    const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create file access properties");
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), "set the file format version");
    const Handle file(H5Fcreate(out.temp_path().c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
                      "create " + out.temp_path());
    try {
      write_contents(file.get(), d);
      check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush " + out.temp_path());
    } catch (const std::exception& e) {
      // Name the file the user asked for; the cause is usually a full disk.
      throw std::runtime_error(fmt::format("cannot write the result file {} (nothing was left there; is the disk "
                                           "full?): {}",
                                           path, e.what()));
    }
  }
  out.commit();
}

}  // namespace remnant
