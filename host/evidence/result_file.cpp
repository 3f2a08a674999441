#include "host/evidence/result_file.h"

#include <fmt/format.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <ogr_srs_api.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "host/common/atomic_output.h"
#include "host/common/errors.h"
#include "host/inputs/scenario.h"
#include "host/common/geo.h"
#include "kernels/histogram.h"

namespace remnant {
namespace {

namespace fs = std::filesystem;

// Owns one HDF5 identifier.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer close, const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error("HDF5: cannot " + what);
  }
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  Closer close_;
};

// Switches off HDF5's printing of its error stack on stderr, for good:
// failures come back as exceptions with our own message. Left off on purpose:
// after a failed open of a damaged object HDF5 1.10 keeps internal references
// and, at exit, prints "infinite loop closing library" unless error printing
// is off.
//
// And no clean-up at exit: HDF5 1.10 cannot close a file whose final flush
// failed (a full disk, a file-size limit); it keeps the file open inside the
// library and its atexit handler (H5_term_library -> H5F__close_cb) then
// crashes the process with SIGSEGV after our message was printed and the
// temporary file removed. H5dont_atexit must come before the library starts
// (the first HDF5 call); every file this program opens is closed explicitly
// by its Handle, so nothing is lost without the handler.
void quiet_hdf5() {
  static const bool once = [] {
    H5dont_atexit();
    return true;
  }();
  (void)once;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: cannot " + what);
}

// ---------------------------------------------------------------------------
// What the file holds, shared by the writer and the reader.

// The float vector behind a layer name of result_layers() (nullptr for
// land_cover); const or not as the ResultData is.
template <typename Data>
auto float_layer(Data& d, std::string_view name) -> decltype(&d.elevation_m) {
  if (name == "dud_mean") return &d.stats.mean;
  if (name == "dud_sd") return &d.stats.sd;
  if (name == "dud_p_any") return &d.stats.p_any;
  if (name == "dud_q05") return &d.stats.q05;
  if (name == "dud_q50") return &d.stats.q50;
  if (name == "dud_q95") return &d.stats.q95;
  if (name == "impact_mean") return &d.stats.impact_mean;
  if (name == "elevation") return &d.elevation_m;
  return nullptr;
}

// One column of the `realizations` group: a RealizationTotals field, or the
// duds of one land-cover class.
struct TotalsColumn {
  std::string name, long_name;
  std::uint64_t RealizationTotals::*field = nullptr;
  int land_cover = -1;  // >= 0: duds_by_class[land_cover]
};

const std::vector<TotalsColumn>& totals_columns() {
  static const std::vector<TotalsColumn> columns = [] {
    std::vector<TotalsColumn> c = {
        {"fired", "submunitions fired", &RealizationTotals::fired},
        {"impacts", "submunitions landed on land in the grid", &RealizationTotals::impacts},
        {"duds", "unexploded submunitions on land in the grid", &RealizationTotals::duds},
        {"contaminated_cells", "cells holding at least one dud", &RealizationTotals::contaminated_cells},
        {"in_water", "submunitions landed in water", &RealizationTotals::in_water},
        {"outside_grid", "submunitions landed outside the grid", &RealizationTotals::outside_grid},
    };
    for (int k = 0; k < kLandCoverClasses; ++k) {
      const std::string cls = land_cover_name(static_cast<LandCover>(k));
      c.push_back({"duds_" + cls, "unexploded submunitions on land cover " + cls, nullptr, k});
    }
    return c;
  }();
  return columns;
}

template <typename Totals>
auto& column_value(Totals& t, const TotalsColumn& c) {
  return c.land_cover >= 0 ? t.duds_by_class[c.land_cover] : t.*c.field;
}

// The root group's text attributes that hold a ResultData string, or a list
// of strings joined by newlines (each entry followed by one), in file order.
struct TextAttribute {
  const char* name;
  std::string ResultData::*text;
  std::vector<std::string> ResultData::*lines;
};

constexpr TextAttribute kTextAttributes[] = {
    {"software_version", &ResultData::software_version, nullptr},
    {"git_revision", &ResultData::git_revision, nullptr},
    {"creation_time_utc", &ResultData::creation_time_utc, nullptr},
    {"backend", &ResultData::backend, nullptr},
    {"scenario_name", &ResultData::scenario_name, nullptr},
    {"scenario_path", &ResultData::scenario_path, nullptr},
    {"scenario_text", &ResultData::scenario_text, nullptr},
    {"base_scenario_path", &ResultData::base_scenario_path, nullptr},
    {"base_scenario_text", &ResultData::base_scenario_text, nullptr},
    {"assumptions", nullptr, &ResultData::assumptions},
    {"sources", nullptr, &ResultData::sources},
    {"overrides", nullptr, &ResultData::overrides},
    {"dud_rates", &ResultData::dud_rates, nullptr},
    {"munitions_path", &ResultData::munitions_path, nullptr},
    {"munitions_text", &ResultData::munitions_text, nullptr},
    {"land_cover_table_path", &ResultData::land_cover_table_path, nullptr},
    {"land_cover_table_text", &ResultData::land_cover_table_text, nullptr},
    {"dataset", &ResultData::dataset, nullptr},
    {"dataset_text", &ResultData::dataset_text, nullptr},
    {"terrain_notes", nullptr, &ResultData::terrain_notes},
};

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& a : v) out += a + "\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t nl = s.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// CRC-32 of every attribute value the reader takes (texts as stored, numbers
// in shortest decimal), one "NAME HEX" line each, kept in the root attribute
// attribute_crc32. HDF5 checksums object headers and chunks (Fletcher-32),
// but not the heap where large attributes live: without these a damaged
// scenario text, or seed, would read back without an error.
std::string attribute_checksums(const ResultData& d) {
  std::string out;
  auto line = [&](const char* name, const std::string& value) {
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(value.data()), static_cast<uInt>(value.size()));
    out += fmt::format("{} {:08x}\n", name, crc);
  };
  for (const TextAttribute& a : kTextAttributes) line(a.name, a.text ? d.*a.text : join_lines(d.*a.lines));
  line("seed", fmt::format("{}", d.seed));
  line("realizations", fmt::format("{}", d.realizations));
  line("submunitions_fired_per_realization", fmt::format("{}", d.fired_per_realization));
  line("crs", d.grid.crs);
  line("cell_size_m", fmt::format("{}", d.grid.cell_size_m));
  line("origin_x_m", fmt::format("{}", d.grid.origin_x_m));
  line("origin_y_m", fmt::format("{}", d.grid.origin_y_m));
  line("crs:crs_wkt", d.grid.crs_wkt);
  line("sites:placement", d.site_placement);
  return out;
}

// ---------------------------------------------------------------------------
// Writing.

void attr_string(hid_t obj, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(type.get(), value.empty() ? 1 : value.size()), "set string size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set string charset");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  const std::string v = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(attr.get(), type.get(), v.data()), std::string("write attribute ") + name);
}

// A scalar (one value) or a 1-D array attribute.
template <typename T>
void attr_values(hid_t obj, const char* name, hid_t mem_type, hid_t file_type, const std::vector<T>& values) {
  const hsize_t n = values.size();
  Handle space(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose, "create attribute space");
  Handle attr(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  check(H5Awrite(attr.get(), mem_type, values.data()), std::string("write attribute ") + name);
}

template <typename T>
void attr_scalar(hid_t obj, const char* name, hid_t mem_type, hid_t file_type, T value) {
  attr_values(obj, name, mem_type, file_type, std::vector<T>{value});
}

void attr_double(hid_t obj, const char* name, double value) {
  attr_scalar(obj, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, value);
}

// Creation properties of a file, group or dataset whose members and
// attributes keep their creation order (ncdump and xarray list them in it).
Handle ordered_properties(hid_t cls) {
  Handle p(H5Pcreate(cls), H5Pclose, "create properties");
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  if (cls != H5P_DATASET_CREATE) check(H5Pset_link_creation_order(p.get(), order), "track link creation order");
  check(H5Pset_attr_creation_order(p.get(), order), "track attribute creation order");
  // No modification times in object headers: equal contents, equal bytes.
  check(H5Pset_obj_track_times(p.get(), 0), "turn off object times");
  return p;
}

Handle create_group(hid_t loc, const char* name) {
  const Handle gcpl = ordered_properties(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(loc, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                std::string("create group ") + name);
}

// A dataset of rank 1 to 3 with units and long_name; chunked, shuffled,
// deflated and checksummed (Fletcher-32: a damaged chunk fails to read
// instead of giving wrong numbers).
template <typename T>
Handle write_dataset(hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const std::vector<hsize_t>& dims,
                     const T* data, const std::string& units, const std::string& long_name) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "create dataspace");
  const Handle dcpl = ordered_properties(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk(dims);
  std::size_t elems = 1;
  for (auto& c : chunk) {
    if (c == 0) c = 1;
    elems *= c;
  }
  // Chunks of about 256k elements along the trailing dimensions.
  for (std::size_t i = 0; i < chunk.size() && elems > (1u << 18); ++i) {
    while (chunk[i] > 1 && elems > (1u << 18)) {
      elems /= chunk[i];
      chunk[i] = (chunk[i] + 1) / 2;
      elems *= chunk[i];
    }
  }
  bool all_nonzero = true;
  for (auto d : dims) all_nonzero = all_nonzero && d > 0;
  if (all_nonzero) {
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "set chunking");
    check(H5Pset_shuffle(dcpl.get()), "set shuffle");
    check(H5Pset_deflate(dcpl.get(), 4), "set deflate");
    check(H5Pset_fletcher32(dcpl.get()), "set checksum");
  }
  Handle ds(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
            std::string("create dataset ") + name);
  if (all_nonzero)
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), std::string("write ") + name);
  attr_string(ds.get(), "units", units);
  attr_string(ds.get(), "long_name", long_name);
  return ds;
}

// A 1-D coordinate variable, made the dimension scale of its own name.
template <typename T>
Handle write_scale(hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const std::vector<T>& values,
                   const std::string& units, const std::string& long_name) {
  Handle ds = write_dataset(loc, name, mem_type, file_type, {static_cast<hsize_t>(values.size())}, values.data(), units,
                            long_name);
  check(H5DSset_scale(ds.get(), name), std::string("make ") + name + " a dimension scale");
  return ds;
}

// Attaches dimension scales to a dataset's dimensions, in order.
void attach(const Handle& ds, std::initializer_list<const Handle*> scales) {
  unsigned dim = 0;
  for (const Handle* s : scales) check(H5DSattach_scale(ds.get(), s->get(), dim++), "attach a dimension scale");
}

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

void write_contents(hid_t file, const ResultData& d) {
  check_sizes(d);
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
  attr_string(file, "attribute_crc32", attribute_checksums(d));

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

  // A per-cell variable (y, x), or (bin, y, x) with the bin scale first.
  auto cell_variable = [&](hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const auto* data,
                           const std::string& units, const std::string& long_name, const Handle* bins = nullptr) {
    std::vector<hsize_t> dims{ny, nx};
    if (bins) {
      Handle space(H5Dget_space(bins->get()), H5Sclose, "get the bin dimension");
      dims.insert(dims.begin(), static_cast<hsize_t>(H5Sget_simple_extent_npoints(space.get())));
    }
    Handle ds = write_dataset(loc, name, mem_type, file_type, dims, data, units, long_name);
    if (bins) attach(ds, {bins, &y, &x});
    else attach(ds, {&y, &x});
    if (has_crs) attr_string(ds.get(), "grid_mapping", "crs");
    return ds;
  };
  for (const ResultLayerInfo& l : result_layers()) {
    if (const std::vector<float>* v = float_layer(d, l.name)) {
      cell_variable(file, l.name, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, v->data(), l.units, l.long_name);
      continue;
    }
    // land_cover: CF flags, one meaning per class code.
    const Handle lc = cell_variable(file, l.name, H5T_NATIVE_UINT8, H5T_STD_U8LE, d.land_cover.data(), l.units,
                                    l.long_name);
    std::vector<std::uint8_t> codes(kLandCoverClasses);
    std::iota(codes.begin(), codes.end(), std::uint8_t{0});
    std::string meanings;
    for (int k = 0; k < kLandCoverClasses; ++k)
      meanings += std::string(k ? " " : "") + land_cover_name(static_cast<LandCover>(k));
    attr_values(lc.get(), "flag_values", H5T_NATIVE_UINT8, H5T_STD_U8LE, codes);
    attr_string(lc.get(), "flag_meanings", meanings);
  }

  // Raw integer accumulators: every statistic above can be recomputed from them.
  {
    const Handle g = create_group(file, "accumulators");
    const CellAccumulators& a = d.accumulators;
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
    cell_variable(g.get(), "dud_sum", H5T_NATIVE_UINT64, H5T_STD_U64LE, a.dud_sum.data(), "1",
                  "sum over realizations of duds in the cell");
    cell_variable(g.get(), "dud_sum_sq", H5T_NATIVE_UINT64, H5T_STD_U64LE, a.dud_sum_sq.data(), "1",
                  "sum over realizations of squared duds in the cell");
    cell_variable(g.get(), "dud_nonzero", H5T_NATIVE_UINT32, H5T_STD_U32LE, a.dud_nonzero.data(), "1",
                  "realizations with at least one dud in the cell");
    cell_variable(g.get(), "impact_sum", H5T_NATIVE_UINT64, H5T_STD_U64LE, a.impact_sum.data(), "1",
                  "sum over realizations of impacts in the cell");
    cell_variable(g.get(), "dud_histogram", H5T_NATIVE_UINT32, H5T_STD_U32LE, a.histogram.data(), "1",
                  "realizations per histogram bin of non-zero dud counts (see kernels/histogram.h)", &bin);
  }

  // Per-realization totals, one row per realization.
  {
    const Handle g = create_group(file, "realizations");
    const hsize_t R = d.totals.size();
    const Handle r = write_scale(g.get(), "realization", H5T_NATIVE_UINT32, H5T_STD_U32LE, d.realization_index,
                                 "1", "realization index");
    for (const TotalsColumn& c : totals_columns()) {
      std::vector<std::uint64_t> v(R);
      for (hsize_t i = 0; i < R; ++i) v[i] = column_value(d.totals[i], c);
      attach(write_dataset(g.get(), c.name.c_str(), H5T_NATIVE_UINT64, H5T_STD_U64LE, {R}, v.data(), "1",
                           c.long_name),
             {&r});
    }
    std::vector<double> area(R);
    for (hsize_t i = 0; i < R; ++i) area[i] = double(d.totals[i].contaminated_cells) * grid.cell_area_km2();
    attach(write_dataset(g.get(), "contaminated_area", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {R}, area.data(), "km2",
                         "area of cells holding at least one dud"),
           {&r});
  }

  // Strike sites of the first realization.
  {
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
}

// ---------------------------------------------------------------------------
// Reading. Every failure is an InputError "FILE: what is wrong".

// A decompressed dataset is at most this many times larger than what it
// stores (deflate cannot do better than about 1032:1); a dataset that claims
// more values than that is corrupt, and is refused before any allocation.
constexpr std::uint64_t kMaxExpansion = 2048;
constexpr std::size_t kMaxAttributeBytes = std::size_t{64} << 20;

std::string shown(const std::string& s) {
  std::string o;
  for (const char ch : s.substr(0, 60)) o += (static_cast<unsigned char>(ch) < 0x20) ? '?' : ch;
  return s.size() > 60 ? o + "..." : o;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", dims[i]);
  return s + "]";
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {
    std::error_code ec;
    if (!fs::exists(path_, ec)) fail("no such file");
    if (fs::is_directory(path_, ec)) fail("is a directory, not a result file");
    const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
    if (is_hdf5 < 0) fail("cannot be read");
    if (is_hdf5 == 0) fail("not an HDF5 file, so not a Remnant result file");
    const hid_t id = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) fail("cannot be opened as HDF5: the file is truncated or corrupt");
    file_.emplace(id, H5Fclose, "");
    hsize_t size = 0;
    if (H5Fget_filesize(id, &size) < 0) fail("cannot tell the file's size");
    file_size_ = size;
  }

  [[noreturn]] void fail(const std::string& what) const { throw InputError(path_ + ": " + what); }
  hid_t file() const { return file_->get(); }

  // Whether the link at a path ("accumulators/dud_sum") exists, every group on
  // the way included.
  bool exists(const std::string& path) const {
    for (std::size_t slash = path.find('/');; slash = path.find('/', slash + 1)) {
      const std::string prefix = path.substr(0, slash);
      const htri_t e = H5Lexists(file(), prefix.c_str(), H5P_DEFAULT);
      if (e < 0) fail(fmt::format("cannot look up {} (corrupt file)", prefix));
      if (e == 0) return false;
      if (slash == std::string::npos) return true;
    }
  }

  Handle group(const std::string& path) const {
    if (!exists(path)) fail(fmt::format("group {} missing", path));
    const hid_t id = H5Gopen2(file(), path.c_str(), H5P_DEFAULT);
    if (id < 0) fail(fmt::format("{} is not a group (or the file is corrupt)", path));
    return Handle(id, H5Gclose, "");
  }

  Handle dataset(const std::string& path) const {
    if (!exists(path)) fail(fmt::format("dataset {} missing", path));
    const hid_t id = H5Dopen2(file(), path.c_str(), H5P_DEFAULT);
    if (id < 0) fail(fmt::format("{} is not a dataset (or the file is corrupt)", path));
    return Handle(id, H5Dclose, "");
  }

  std::vector<hsize_t> shape(const Handle& ds, const std::string& path) const {
    const hid_t sid = H5Dget_space(ds.get());
    if (sid < 0) fail(fmt::format("cannot read the shape of dataset {} (corrupt file)", path));
    const Handle space(sid, H5Sclose, "");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > 3) fail(fmt::format("dataset {} has {} dimensions, expected 1 to 3", path, rank));
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
      fail(fmt::format("cannot read the shape of dataset {} (corrupt file)", path));
    return dims;
  }

  // All values of a dataset whose shape was checked by the caller, as T;
  // `cls` is the stored type class the values must have.
  template <typename T>
  std::vector<T> values(const Handle& ds, const std::string& path, hid_t mem_type, H5T_class_t cls,
                        const std::vector<hsize_t>& dims) const {
    const hid_t tid = H5Dget_type(ds.get());
    if (tid < 0) fail(fmt::format("cannot read the type of dataset {} (corrupt file)", path));
    const Handle type(tid, H5Tclose, "");
    if (H5Tget_class(type.get()) != cls)
      fail(fmt::format("dataset {} holds {}, expected {}", path, class_name(H5Tget_class(type.get())), class_name(cls)));
    std::uint64_t n = 1;
    for (const hsize_t d : dims) n = (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d) ? 0 : n * d;
    if (n == 0) return {};
    const std::uint64_t stored = H5Dget_storage_size(ds.get());
    if (stored > file_size_ || n / kMaxExpansion > (stored + 4096) / sizeof(T))
      fail(fmt::format("dataset {} claims {} values but stores {} bytes: the file is corrupt", path, n, stored));
    check_chunks(ds, path, dims);
    std::vector<T> v;
    try {
      v.resize(static_cast<std::size_t>(n));
    } catch (const std::bad_alloc&) {
      fail(fmt::format("dataset {} ({} values) does not fit in memory", path, n));
    }
    if (H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      fail(fmt::format("cannot read dataset {}: the file is truncated or corrupt", path));
    return v;
  }

  // A dataset that must have exactly the shape `dims`.
  template <typename T>
  std::vector<T> read(const std::string& path, hid_t mem_type, H5T_class_t cls,
                      const std::vector<hsize_t>& dims) const {
    const Handle ds = dataset(path);
    const std::vector<hsize_t> got = shape(ds, path);
    if (got != dims) fail(fmt::format("dataset {} has shape {}, expected {}", path, dims_text(got), dims_text(dims)));
    return values<T>(ds, path, mem_type, cls, dims);
  }

  bool has_attribute(hid_t obj, const char* name) const {
    const htri_t e = H5Aexists(obj, name);
    if (e < 0) fail(fmt::format("cannot look up attribute {} (corrupt file)", name));
    return e > 0;
  }

  // A string attribute (fixed or variable length); `where` names its object
  // in messages ("" for the root group).
  std::string text(hid_t obj, const char* name, const std::string& where = "") const {
    const std::string what = attribute_name(name, where);
    const Handle attr = attribute(obj, name, what);
    const hid_t tid = H5Aget_type(attr.get());
    if (tid < 0) fail(fmt::format("cannot read the type of {} (corrupt file)", what));
    const Handle type(tid, H5Tclose, "");
    if (H5Tget_class(type.get()) != H5T_STRING) fail(what + " is not a string");
    if (H5Tis_variable_str(type.get()) > 0) {
      const Handle mem(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
      if (H5Tset_size(mem.get(), H5T_VARIABLE) < 0 || H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
        fail(fmt::format("cannot read {}", what));
      char* s = nullptr;
      if (H5Aread(attr.get(), mem.get(), &s) < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
      const std::string out = s ? s : "";
      H5free_memory(s);
      return out;
    }
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size > kMaxAttributeBytes || H5Aget_storage_size(attr.get()) < size)
      fail(fmt::format("{} has an impossible size (corrupt file)", what));
    std::string s(size, '\0');
    if (H5Aread(attr.get(), type.get(), s.data()) < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
    s.resize(s.find('\0') == std::string::npos ? size : s.find('\0'));
    return s;
  }

  // A numeric attribute holding one value; integers only when `integer`.
  template <typename T>
  T number(hid_t obj, const char* name, hid_t mem_type, bool integer, const std::string& where = "") const {
    const std::string what = attribute_name(name, where);
    const Handle attr = attribute(obj, name, what);
    const hid_t tid = H5Aget_type(attr.get());
    if (tid < 0) fail(fmt::format("cannot read the type of {} (corrupt file)", what));
    const Handle type(tid, H5Tclose, "");
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && (integer || cls != H5T_FLOAT))
      fail(fmt::format("{} is not {}", what, integer ? "an integer" : "a number"));
    T v{};
    if (H5Aread(attr.get(), mem_type, &v) < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
    return v;
  }

 private:
  static const char* class_name(H5T_class_t c) {
    switch (c) {
      case H5T_INTEGER: return "integers";
      case H5T_FLOAT: return "floating-point numbers";
      case H5T_STRING: return "strings";
      default: return "values of another kind";
    }
  }

  // A chunk missing from the index, or indexed at the wrong place, would read
  // back as zeros without an error (HDF5 1.8-format chunk indexes carry no
  // checksum): every chunk of a dataset this writer wrote is there.
  void check_chunks(const Handle& ds, const std::string& path, const std::vector<hsize_t>& dims) const {
    const hid_t pid = H5Dget_create_plist(ds.get());
    if (pid < 0) fail(fmt::format("cannot read the layout of dataset {} (corrupt file)", path));
    const Handle dcpl(pid, H5Pclose, "");
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return;
    std::vector<hsize_t> chunk(dims.size());
    const int rank = static_cast<int>(dims.size());
    if (H5Pget_chunk(dcpl.get(), rank, chunk.data()) != rank)
      fail(fmt::format("cannot read the chunks of dataset {} (corrupt file)", path));
    std::vector<hsize_t> per_dim(dims.size());
    hsize_t expected = 1;
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (chunk[i] == 0) fail(fmt::format("dataset {} has an empty chunk shape (corrupt file)", path));
      per_dim[i] = (dims[i] + chunk[i] - 1) / chunk[i];
      expected *= per_dim[i];
    }
    const hid_t sid = H5Dget_space(ds.get());
    if (sid < 0) fail(fmt::format("cannot read the shape of dataset {} (corrupt file)", path));
    const Handle space(sid, H5Sclose, "");
    hsize_t present = 0;
    if (H5Dget_num_chunks(ds.get(), space.get(), &present) < 0 || present != expected)
      fail(fmt::format("dataset {} holds {} of its {} chunks: the file is truncated or corrupt", path, present,
                       expected));
    // A Fletcher-32 checksum takes the last 4 bytes of every stored chunk;
    // HDF5 1.10 reads far past a shorter chunk (a crash the result-file fuzz
    // target found: tests/fuzz/regressions/result_file).
    unsigned flags = 0, filter_config = 0;
    std::size_t n_values = 0;
    const bool checksummed = H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_FLETCHER32, &flags, &n_values, nullptr, 0,
                                                  nullptr, &filter_config) >= 0;
    const hsize_t smallest = checksummed ? 5 : 1;
    // Each chunk looked up where it belongs, as a read would look it up; it
    // must lie inside the file.
    std::vector<hsize_t> at(dims.size(), 0), offset(dims.size());
    for (hsize_t c = 0; c < expected; ++c) {
      for (std::size_t i = 0; i < dims.size(); ++i) offset[i] = at[i] * chunk[i];
      unsigned mask = 0;
      haddr_t address = HADDR_UNDEF;
      hsize_t size = 0;
      if (H5Dget_chunk_info_by_coord(ds.get(), offset.data(), &mask, &address, &size) < 0 || address == HADDR_UNDEF ||
          size < smallest || size > file_size_ || address > file_size_ - size)
        fail(fmt::format("dataset {}: chunk {} of {} is missing or damaged (corrupt file)", path, c + 1, expected));
      for (std::size_t i = dims.size(); i-- > 0;) {  // next chunk, last dimension fastest
        if (++at[i] < per_dim[i]) break;
        at[i] = 0;
      }
    }
  }

  static std::string attribute_name(const char* name, const std::string& where) {
    return where.empty() ? fmt::format("attribute {}", name) : fmt::format("attribute {} of {}", name, where);
  }

  Handle attribute(hid_t obj, const char* name, const std::string& what) const {
    if (!has_attribute(obj, name)) fail(what + " missing");
    const hid_t id = H5Aopen(obj, name, H5P_DEFAULT);
    if (id < 0) fail(fmt::format("cannot open {} (corrupt file)", what));
    Handle attr(id, H5Aclose, "");
    const hid_t sid = H5Aget_space(attr.get());
    if (sid < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
    const Handle space(sid, H5Sclose, "");
    if (H5Sget_simple_extent_npoints(space.get()) != 1) fail(what + " does not hold exactly one value");
    return attr;
  }

  std::string path_;
  std::optional<Handle> file_;
  std::uint64_t file_size_ = 0;
};

// Every checksum this reader can recompute must be in attribute_crc32 (a
// later minor version may list more).
void check_attribute_checksums(const Reader& r, const ResultData& d) {
  const std::string stored = "\n" + r.text(r.file(), "attribute_crc32");
  for (const std::string& line : split_lines(attribute_checksums(d)))
    if (stored.find("\n" + line + "\n") == std::string::npos)
      r.fail(fmt::format("attribute {} does not match its CRC-32 in attribute_crc32: the file is damaged or was edited",
                         line.substr(0, line.find(' '))));
}

// MAJOR.MINOR; this reader reads its own major version only.
void check_format_version(const Reader& r, const std::string& v) {
  const std::size_t dot = v.find('.');
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 6 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (dot == std::string::npos || !digits(v.substr(0, dot)) || !digits(v.substr(dot + 1)))
    r.fail(fmt::format("format_version \"{}\" is not MAJOR.MINOR", shown(v)));
  const int major = std::stoi(v.substr(0, dot));
  if (major > kResultFormatMajor)
    r.fail(fmt::format("written by a newer Remnant (format {}); this one reads format {}.x: upgrade", v,
                       kResultFormatMajor));
  if (major < kResultFormatMajor)
    r.fail(fmt::format("written by an older Remnant (format {}), whose layout this one does not read; re-run "
                       "the scenario with this version (the file's scenario_text attribute holds it)",
                       v));
}

void read_grid(const Reader& r, ResultData& d) {
  const hid_t f = r.file();
  const Handle xd = r.dataset("x"), yd = r.dataset("y");
  const std::vector<hsize_t> xdims = r.shape(xd, "x"), ydims = r.shape(yd, "y");
  if (xdims.size() != 1 || ydims.size() != 1 || xdims[0] == 0 || ydims[0] == 0)
    r.fail(fmt::format("coordinates x {} and y {}: expected two non-empty lists", dims_text(xdims), dims_text(ydims)));
  if (xdims[0] > std::numeric_limits<std::uint32_t>::max() / ydims[0])
    r.fail(fmt::format("grid of {} x {} cells: more than 2^32 - 1 cells", xdims[0], ydims[0]));
  const auto xs = r.values<double>(xd, "x", H5T_NATIVE_DOUBLE, H5T_FLOAT, xdims);
  const auto ys = r.values<double>(yd, "y", H5T_NATIVE_DOUBLE, H5T_FLOAT, ydims);
  ResultGrid& g = d.grid;
  g.nx = static_cast<std::uint32_t>(xs.size());
  g.ny = static_cast<std::uint32_t>(ys.size());
  // The root attributes hold the grid exactly; the coordinates give it too
  // (cell centres), for files written without them.
  if (r.has_attribute(f, "cell_size_m")) g.cell_size_m = r.number<double>(f, "cell_size_m", H5T_NATIVE_DOUBLE, false);
  else if (xs.size() > 1) g.cell_size_m = xs[1] - xs[0];
  else if (ys.size() > 1) g.cell_size_m = ys[1] - ys[0];
  if (!(g.cell_size_m > 0.0 && std::isfinite(g.cell_size_m)))
    r.fail(fmt::format("cell size {} m: expected a positive number", g.cell_size_m));
  g.origin_x_m = r.has_attribute(f, "origin_x_m") ? r.number<double>(f, "origin_x_m", H5T_NATIVE_DOUBLE, false)
                                                  : xs[0] - g.cell_size_m / 2;
  g.origin_y_m = r.has_attribute(f, "origin_y_m") ? r.number<double>(f, "origin_y_m", H5T_NATIVE_DOUBLE, false)
                                                  : ys[0] - g.cell_size_m / 2;
  if (!std::isfinite(g.origin_x_m) || !std::isfinite(g.origin_y_m))
    r.fail(fmt::format("grid origin ({}, {}): expected finite coordinates", g.origin_x_m, g.origin_y_m));
  g.crs = r.text(f, "crs");
  if (!g.crs.empty() || r.exists("crs")) {
    const Handle crs = r.dataset("crs");
    g.crs_wkt = r.text(crs.get(), "crs_wkt", "crs");
  }
}

void read_layers(const Reader& r, ResultData& d) {
  const std::vector<hsize_t> cells{d.grid.ny, d.grid.nx};
  for (const ResultLayerInfo& l : result_layers()) {
    if (std::vector<float>* v = float_layer(d, l.name)) {
      *v = r.read<float>(l.name, H5T_NATIVE_FLOAT, H5T_FLOAT, cells);
      continue;
    }
    d.land_cover = r.read<std::uint8_t>(l.name, H5T_NATIVE_UINT8, H5T_INTEGER, cells);
    for (std::size_t i = 0; i < d.land_cover.size(); ++i)
      if (d.land_cover[i] >= kLandCoverClasses)
        r.fail(fmt::format("dataset {} holds class {} at cell {}: expected 0 to {}", l.name, d.land_cover[i], i,
                           kLandCoverClasses - 1));
  }

  CellAccumulators& a = d.accumulators;
  a.cells = d.grid.cells();
  a.dud_sum = r.read<std::uint64_t>("accumulators/dud_sum", H5T_NATIVE_UINT64, H5T_INTEGER, cells);
  a.dud_sum_sq = r.read<std::uint64_t>("accumulators/dud_sum_sq", H5T_NATIVE_UINT64, H5T_INTEGER, cells);
  a.dud_nonzero = r.read<std::uint32_t>("accumulators/dud_nonzero", H5T_NATIVE_UINT32, H5T_INTEGER, cells);
  a.impact_sum = r.read<std::uint64_t>("accumulators/impact_sum", H5T_NATIVE_UINT64, H5T_INTEGER, cells);
  const std::string hist = "accumulators/dud_histogram";
  const Handle h = r.dataset(hist);
  const std::vector<hsize_t> hdims = r.shape(h, hist);
  const std::uint32_t max_bins = histogram_bins_for(std::numeric_limits<std::uint32_t>::max());
  if (hdims.size() != 3 || hdims[1] != d.grid.ny || hdims[2] != d.grid.nx || hdims[0] > max_bins)
    r.fail(fmt::format("dataset {} has shape {}, expected [bins, {}, {}] with at most {} bins", hist,
                       dims_text(hdims), d.grid.ny, d.grid.nx, max_bins));
  a.histogram_bins = static_cast<std::uint32_t>(hdims[0]);
  a.histogram = r.values<std::uint32_t>(h, hist, H5T_NATIVE_UINT32, H5T_INTEGER, hdims);
}

void read_totals(const Reader& r, ResultData& d) {
  const bool checkpoint = d.filetype == kCheckpointFiletype;
  const char* coord = "realizations/realization";
  const Handle cd = r.dataset(coord);
  const std::vector<hsize_t> rows = r.shape(cd, coord);
  if (rows.size() != 1 || (checkpoint ? rows[0] > d.realizations : rows[0] != d.realizations))
    r.fail(fmt::format("dataset {} has shape {}, expected [{}{}]", coord, dims_text(rows), checkpoint ? "at most " : "",
                       d.realizations));
  d.realization_index = r.values<std::uint32_t>(cd, coord, H5T_NATIVE_UINT32, H5T_INTEGER, rows);
  for (std::size_t i = 0; i < d.realization_index.size(); ++i) {
    const std::uint32_t v = d.realization_index[i];
    if (v >= d.realizations || (i && v <= d.realization_index[i - 1]) || (!checkpoint && v != i))
      r.fail(fmt::format("dataset {} is not {}: value {} at row {}", coord,
                         checkpoint ? "increasing realization indices below the realizations attribute"
                                    : "0, 1, ..., realizations - 1",
                         v, i));
  }
  for (const TotalsColumn& c : totals_columns()) {
    const std::vector<std::uint64_t> v =
        r.read<std::uint64_t>("realizations/" + c.name, H5T_NATIVE_UINT64, H5T_INTEGER, rows);
    d.totals.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) column_value(d.totals[i], c) = v[i];
  }
}

void read_sites(const Reader& r, ResultData& d) {
  const Handle g = r.group("sites");
  d.site_placement = r.text(g.get(), "placement", "sites");
  const Handle xd = r.dataset("sites/x");
  const std::vector<hsize_t> n = r.shape(xd, "sites/x");
  if (n.size() != 1) r.fail(fmt::format("dataset sites/x has shape {}, expected [sites]", dims_text(n)));
  d.site_x_m = r.values<double>(xd, "sites/x", H5T_NATIVE_DOUBLE, H5T_FLOAT, n);
  d.site_y_m = r.read<double>("sites/y", H5T_NATIVE_DOUBLE, H5T_FLOAT, n);
}

}  // namespace

const std::vector<ResultLayerInfo>& result_layers() {
  static const std::vector<ResultLayerInfo> layers = {
      {"dud_mean", "1", "mean number of unexploded submunitions in the cell over realizations"},
      {"dud_sd", "1", "standard deviation over realizations of unexploded submunitions in the cell"},
      {"dud_p_any", "1", "probability that the cell holds at least one unexploded submunition"},
      {"dud_q05", "1", "5th percentile over realizations of unexploded submunitions in the cell"},
      {"dud_q50", "1", "median over realizations of unexploded submunitions in the cell"},
      {"dud_q95", "1", "95th percentile over realizations of unexploded submunitions in the cell"},
      {"impact_mean", "1", "mean number of submunitions landing in the cell"},
      {"elevation", "m", "ground elevation"},
      {"land_cover", "1",
       "land-cover class (0 water, 1 built_up, 2 bare, 3 grass_shrub, 4 cropland, 5 tree, 6 wetland, 7 unknown)"},
  };
  return layers;
}

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

namespace {

ResultData read_file(const std::string& path, const char* expected) {
  quiet_hdf5();
  const Reader r(path);
  const hid_t f = r.file();
  ResultData d;
  if (!r.has_attribute(f, "filetype")) r.fail("not a Remnant result file (filetype attribute missing)");
  d.filetype = r.text(f, "filetype");
  if (!expected && (d.filetype == kCheckpointFiletype || d.filetype == kResultFiletype)) expected = d.filetype.c_str();
  if (d.filetype == kCheckpointFiletype && d.filetype != expected)
    r.fail("a checkpoint of an interrupted run, not a result: continue the run with `remnant run SCENARIO --out "
           "RESULT.h5 --resume` (the same arguments as the interrupted run), or see what it holds with "
           "`remnant info`");
  if (d.filetype == kResultFiletype && d.filetype != expected)
    r.fail("a finished result file, not a checkpoint: there is nothing to resume");
  if (d.filetype != expected)
    r.fail(fmt::format("not a Remnant result file (filetype \"{}\", expected \"{}\")", shown(d.filetype),
                       expected ? expected : kResultFiletype));
  d.format_version = r.text(f, "format_version");
  check_format_version(r, d.format_version);

  d.seed = r.number<std::uint64_t>(f, "seed", H5T_NATIVE_UINT64, true);
  d.realizations = r.number<std::uint32_t>(f, "realizations", H5T_NATIVE_UINT32, true);
  d.fired_per_realization =
      r.number<std::uint64_t>(f, "submunitions_fired_per_realization", H5T_NATIVE_UINT64, true);
  for (const TextAttribute& a : kTextAttributes) {
    if (a.text) d.*a.text = r.text(f, a.name);
    else d.*a.lines = split_lines(r.text(f, a.name));
  }

  read_grid(r, d);
  read_layers(r, d);
  read_totals(r, d);
  read_sites(r, d);
  check_attribute_checksums(r, d);
  return d;
}

}  // namespace

ResultData read_result_file(const std::string& path) { return read_file(path, kResultFiletype); }

ResultData read_checkpoint_file(const std::string& path) { return read_file(path, kCheckpointFiletype); }

ResultData read_result_or_checkpoint_file(const std::string& path) { return read_file(path, nullptr); }

}  // namespace remnant
