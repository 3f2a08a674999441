#include "host/result_file.h"

#include <fmt/format.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "host/geo.h"
#include "remnant_version.h"

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

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: cannot " + what);
}

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

template <typename T>
void attr_scalar(hid_t obj, const char* name, hid_t type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  Handle attr(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  check(H5Awrite(attr.get(), type, &value), std::string("write attribute ") + name);
}

// A chunked, compressed dataset of rank 1 or 2 (or 3).
template <typename T>
Handle write_dataset(hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const std::vector<hsize_t>& dims,
                    const T* data, const std::string& units, const std::string& long_name) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "create dataspace");
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create dataset properties");
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
  }
  Handle ds(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
            std::string("create dataset ") + name);
  if (all_nonzero)
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), std::string("write ") + name);
  attr_string(ds.get(), "units", units);
  attr_string(ds.get(), "long_name", long_name);
  return ds;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string temp_path_for(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / fs::path("." + p.filename().string() + fmt::format(".tmp-{}", getpid()))).string();
}

void write_contents(hid_t file, const ResultData& d) {
  auto lines = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& a : v) out += a + "\n";
    return out;
  };
  attr_string(file, "filetype", kResultFiletype);
  attr_string(file, "format_version", kResultFormatVersion);
  attr_string(file, "software_version", d.software_version);
  attr_string(file, "git_revision", d.git_revision);
  attr_string(file, "creation_time_utc", d.creation_time_utc);
  attr_string(file, "Conventions", "CF-1.8");
  attr_string(file, "title", "Remnant: unexploded submunitions, Monte Carlo over " + std::to_string(d.realizations) +
                                 " realizations");
  attr_scalar<std::uint64_t>(file, "seed", H5T_NATIVE_UINT64, d.seed);
  attr_string(file, "backend", d.backend);
  attr_scalar<std::uint32_t>(file, "realizations", H5T_NATIVE_UINT32, d.realizations);
  attr_scalar<std::uint64_t>(file, "submunitions_fired_per_realization", H5T_NATIVE_UINT64, d.fired_per_realization);
  attr_string(file, "scenario_name", d.scenario_name);
  attr_string(file, "scenario_path", d.scenario_path);
  attr_string(file, "scenario_text", d.scenario_text);
  attr_string(file, "base_scenario_path", d.base_scenario_path);
  attr_string(file, "base_scenario_text", d.base_scenario_text);
  attr_string(file, "assumptions", lines(d.assumptions));
  attr_string(file, "sources", lines(d.sources));
  attr_string(file, "overrides", lines(d.overrides));
  attr_string(file, "dud_rates", d.dud_rates);
  attr_string(file, "munitions_path", d.munitions_path);
  attr_string(file, "munitions_text", d.munitions_text);
  attr_string(file, "land_cover_table_path", d.land_cover_table_path);
  attr_string(file, "land_cover_table_text", d.land_cover_table_text);
  attr_string(file, "dataset", d.dataset);
  attr_string(file, "dataset_text", d.dataset_text);
  attr_string(file, "terrain_notes", lines(d.terrain_notes));
  attr_string(file, "crs", d.grid.crs);

  const CellStatistics& st = d.stats;
  const ResultGrid& grid = d.grid;
  const hsize_t nx = grid.nx, ny = grid.ny;
  std::vector<double> xs(nx), ys(ny);
  for (hsize_t i = 0; i < nx; ++i) xs[i] = grid.origin_x_m + (i + 0.5) * grid.cell_size_m;
  for (hsize_t i = 0; i < ny; ++i) ys[i] = grid.origin_y_m + (i + 0.5) * grid.cell_size_m;
  Handle x = write_dataset(file, "x", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {nx}, xs.data(), "m",
                         "x coordinate of cell centre (projected)");
  Handle y = write_dataset(file, "y", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {ny}, ys.data(), "m",
                         "y coordinate of cell centre (projected)");
  attr_string(x.get(), "standard_name", "projection_x_coordinate");
  attr_string(y.get(), "standard_name", "projection_y_coordinate");
  check(H5DSset_scale(x.get(), "x"), "make x a dimension scale");
  check(H5DSset_scale(y.get(), "y"), "make y a dimension scale");

  auto layer = [&](const char* name, const std::vector<float>& v, const char* units, const char* long_name) {
    Handle d = write_dataset(file, name, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, {ny, nx}, v.data(), units, long_name);
    check(H5DSattach_scale(d.get(), y.get(), 0), "attach y");
    check(H5DSattach_scale(d.get(), x.get(), 1), "attach x");
  };
  layer("dud_mean", st.mean, "1", "mean number of unexploded submunitions in the cell over realizations");
  layer("dud_sd", st.sd, "1", "standard deviation over realizations of unexploded submunitions in the cell");
  layer("dud_p_any", st.p_any, "1", "probability that the cell holds at least one unexploded submunition");
  layer("dud_q05", st.q05, "1", "5th percentile over realizations of unexploded submunitions in the cell");
  layer("dud_q50", st.q50, "1", "median over realizations of unexploded submunitions in the cell");
  layer("dud_q95", st.q95, "1", "95th percentile over realizations of unexploded submunitions in the cell");
  layer("impact_mean", st.impact_mean, "1", "mean number of submunitions landing in the cell");
  layer("elevation", d.elevation_m, "m", "ground elevation");
  {
    Handle lc = write_dataset(file, "land_cover", H5T_NATIVE_UINT8, H5T_STD_U8LE, {ny, nx}, d.land_cover.data(), "1",
                           "land-cover class (0 water, 1 built_up, 2 bare, 3 grass_shrub, 4 cropland, 5 tree, 6 wetland, 7 unknown)");
    check(H5DSattach_scale(lc.get(), y.get(), 0), "attach y");
    check(H5DSattach_scale(lc.get(), x.get(), 1), "attach x");
  }

  // Raw integer accumulators: every statistic above can be recomputed from them.
  {
    Handle g(H5Gcreate2(file, "accumulators", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create group");
    const CellAccumulators& a = d.accumulators;
    write_dataset(g.get(), "dud_sum", H5T_NATIVE_UINT64, H5T_STD_U64LE, {ny, nx}, a.dud_sum.data(), "1",
                         "sum over realizations of duds in the cell");
    write_dataset(g.get(), "dud_sum_sq", H5T_NATIVE_UINT64, H5T_STD_U64LE, {ny, nx}, a.dud_sum_sq.data(), "1",
                         "sum over realizations of squared duds in the cell");
    write_dataset(g.get(), "dud_nonzero", H5T_NATIVE_UINT32, H5T_STD_U32LE, {ny, nx}, a.dud_nonzero.data(), "1",
                         "realizations with at least one dud in the cell");
    write_dataset(g.get(), "impact_sum", H5T_NATIVE_UINT64, H5T_STD_U64LE, {ny, nx}, a.impact_sum.data(), "1",
                         "sum over realizations of impacts in the cell");
    write_dataset(g.get(), "dud_histogram", H5T_NATIVE_UINT32, H5T_STD_U32LE,
                         {static_cast<hsize_t>(a.histogram_bins), ny, nx}, a.histogram.data(), "1",
                         "realizations per histogram bin of non-zero dud counts (see kernels/histogram.h)");
  }

  // Per-realization totals, one row per realization.
  {
    Handle g(H5Gcreate2(file, "realizations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create group");
    const hsize_t R = d.totals.size();
    auto column = [&](const char* name, auto get, const char* units, const char* long_name) {
      std::vector<std::uint64_t> v(R);
      for (hsize_t i = 0; i < R; ++i) v[i] = get(d.totals[i]);
      write_dataset(g.get(), name, H5T_NATIVE_UINT64, H5T_STD_U64LE, {R}, v.data(), units, long_name);
    };
    column("fired", [](const RealizationTotals& t) { return t.fired; }, "1", "submunitions fired");
    column("impacts", [](const RealizationTotals& t) { return t.impacts; }, "1", "submunitions landed on land in the grid");
    column("duds", [](const RealizationTotals& t) { return t.duds; }, "1", "unexploded submunitions on land in the grid");
    column("contaminated_cells", [](const RealizationTotals& t) { return t.contaminated_cells; }, "1",
           "cells holding at least one dud");
    column("in_water", [](const RealizationTotals& t) { return t.in_water; }, "1", "submunitions landed in water");
    column("outside_grid", [](const RealizationTotals& t) { return t.outside_grid; }, "1",
           "submunitions landed outside the grid");
    for (int k = 0; k < kLandCoverClasses; ++k) {
      const std::string name = std::string("duds_") + land_cover_name(static_cast<LandCover>(k));
      const std::string ln = std::string("unexploded submunitions on land cover ") + land_cover_name(static_cast<LandCover>(k));
      column(name.c_str(), [k](const RealizationTotals& t) { return t.duds_by_class[k]; }, "1", ln.c_str());
    }
    std::vector<double> area(R);
    for (hsize_t i = 0; i < R; ++i)
      area[i] = double(d.totals[i].contaminated_cells) * grid.cell_area_km2();
    write_dataset(g.get(), "contaminated_area", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {R}, area.data(), "km2",
                  "area of cells holding at least one dud");
  }
}

}  // namespace

void check_output_writable(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(fmt::format("--out {}: the directory {} does not exist", path, dir.string()));
  if (fs::is_directory(p, ec)) throw InputError(fmt::format("--out {}: is a directory; expected a file name", path));
  const std::string probe = temp_path_for(path);
  FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) throw InputError(fmt::format("--out {}: cannot create files in {}", path, dir.string()));
  std::fclose(f);
  std::remove(probe.c_str());
}

ResultData make_result_data(const Scenario& sc, const Plan& plan, const RunResult& r, const CellStatistics& st) {
  ResultData d;
  d.filetype = kResultFiletype;
  d.format_version = kResultFormatVersion;
  d.software_version = REMNANT_VERSION;
  d.git_revision = REMNANT_GIT_REVISION;
  d.creation_time_utc = utc_now();
  d.seed = r.seed;
  d.realizations = r.realizations;
  d.fired_per_realization = r.fired_per_realization;
  d.backend = r.backend.name;
  d.scenario_name = sc.name;
  d.scenario_path = sc.path;
  d.scenario_text = sc.text;
  d.base_scenario_path = sc.base_path;
  d.base_scenario_text = sc.base_text;
  d.assumptions = sc.assumptions;
  d.sources = sc.sources;
  d.overrides = sc.overrides;
  d.terrain_notes = plan.notes;
  d.dud_rates = sc.dud_rates;
  d.munitions_path = sc.munitions_path;
  d.munitions_text = sc.munitions_text;
  d.land_cover_table_path = sc.land_cover_path;
  d.land_cover_table_text = sc.land_cover_text;
  d.dataset = sc.dataset ? sc.dataset->name : std::string();
  d.dataset_text = sc.dataset ? sc.dataset->text : std::string();
  d.grid.nx = plan.nx;
  d.grid.ny = plan.ny;
  d.grid.cell_size_m = plan.cell_size_m;
  d.grid.origin_x_m = plan.origin_x_m;
  d.grid.origin_y_m = plan.origin_y_m;
  d.grid.crs = sc.grid.crs;
  d.grid.crs_wkt = sc.grid.crs.empty() ? std::string() : crs_wkt(sc.grid.crs);
  d.stats = st;
  d.elevation_m = plan.elevation_m;
  d.land_cover = plan.land_cover;
  d.accumulators = r.accumulators;
  d.totals = r.totals;

  // Strike sites of the first realization: sampled sites and fixed strikes,
  // each site once.
  d.site_placement = plan.site_count == 0 && plan.fixed_x.empty() ? "none"
                     : (plan.site_count > 0 && plan.sites.per_realization) ? "per_realization"
                                                                           : "fixed";
  if (!plan.per_carrier.empty()) {
    const BatchDraws first = draw_batch(sc, plan, r.seed, 0, 1);
    std::vector<bool> seen(plan.site_count, false);
    for (std::size_t s = 0; s < plan.site_of_strike.size(); ++s) {
      const std::int32_t k = plan.site_of_strike[s];
      if (k >= 0) {
        if (seen[k]) continue;
        seen[k] = true;
      }
      d.site_x_m.push_back(plan.origin_x_m + first.site_x[s]);
      d.site_y_m.push_back(plan.origin_y_m + first.site_y[s]);
    }
  }
  return d;
}

void write_result_file(const std::string& path, const ResultData& d) {
  const std::string tmp = temp_path_for(path);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors come back as exceptions with our message
  try {
    {
      Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                  "create " + tmp);
      write_contents(file.get(), d);
      check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush " + tmp);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

}  // namespace remnant
