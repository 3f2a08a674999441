// The HDF5 result file: self-description, every statistic recomputable from
// the stored accumulators, atomic writes, and bit-for-bit reproducible
// datasets from the CLI (the file as a whole holds its creation time, so only
// the datasets are compared).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <numeric>
#include <random>

#include "host/common/atomic_output.h"
#include "host/evidence/report.h"
#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "info_checks.h"
#include "test_support.h"

namespace remnant {
namespace {

const std::string kSmall = test::ScenarioText("result file test", 31, 12)
                               .grid(40, 30, 25.0)
                               .origin(440000.0, 3700000.0)
                               .crs("EPSG:32636")
                               .region({440000.0, 441000.0}, {3700300.0, 3700400.0}, "water")
                               .wind({0.0, 6.0}, {250.0, 290.0})
                               .submunition(test::m77())
                               .carrier(test::m26())
                               .strike(test::Strike("M26", 3, 440500.0, 3700350.0).heading(20.0))
                               .text();

// Minimal RAII reading of an HDF5 file.
struct H5 {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5() {
    if (id >= 0) close(id);
  }
};

template <typename T>
std::vector<T> read_dataset(hid_t file, const char* name, hid_t mem_type) {
  H5 ds{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) throw std::runtime_error(std::string("no dataset ") + name);
  H5 space{H5Dget_space(ds.id), H5Sclose};
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  std::vector<T> v(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw std::runtime_error(std::string("cannot read ") + name);
  return v;
}

std::vector<hsize_t> dataset_dims(hid_t file, const char* name) {
  H5 ds{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  H5 space{H5Dget_space(ds.id), H5Sclose};
  std::vector<hsize_t> dims(H5Sget_simple_extent_ndims(space.id));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

std::string read_string_attr(hid_t obj, const char* name) {
  H5 attr{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  if (attr.id < 0) throw std::runtime_error(std::string("no attribute ") + name);
  H5 type{H5Aget_type(attr.id), H5Tclose};
  std::string s(H5Tget_size(type.id), '\0');
  H5 mem{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(mem.id, s.size());
  H5Aread(attr.id, type.id, s.data());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

template <typename T>
T read_scalar_attr(hid_t obj, const char* name, hid_t mem_type) {
  H5 attr{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  if (attr.id < 0) throw std::runtime_error(std::string("no attribute ") + name);
  T v{};
  H5Aread(attr.id, mem_type, &v);
  return v;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every field of two ResultData, exactly.
void expect_same(const ResultData& a, const ResultData& b) {
#define EXPECT_SAME(field) EXPECT_EQ(a.field, b.field) << #field
  EXPECT_SAME(filetype); EXPECT_SAME(format_version); EXPECT_SAME(software_version); EXPECT_SAME(git_revision);
  EXPECT_SAME(creation_time_utc); EXPECT_SAME(seed); EXPECT_SAME(realizations); EXPECT_SAME(fired_per_realization);
  EXPECT_SAME(backend); EXPECT_SAME(scenario_name); EXPECT_SAME(scenario_path); EXPECT_SAME(scenario_text);
  EXPECT_SAME(base_scenario_path); EXPECT_SAME(base_scenario_text); EXPECT_SAME(assumptions); EXPECT_SAME(sources);
  EXPECT_SAME(overrides); EXPECT_SAME(terrain_notes); EXPECT_SAME(dud_rates); EXPECT_SAME(munitions_path);
  EXPECT_SAME(munitions_text); EXPECT_SAME(land_cover_table_path); EXPECT_SAME(land_cover_table_text);
  EXPECT_SAME(dataset); EXPECT_SAME(dataset_text);
  EXPECT_SAME(grid.nx); EXPECT_SAME(grid.ny); EXPECT_SAME(grid.cell_size_m); EXPECT_SAME(grid.origin_x_m);
  EXPECT_SAME(grid.origin_y_m); EXPECT_SAME(grid.crs); EXPECT_SAME(grid.crs_wkt);
  EXPECT_SAME(stats.mean); EXPECT_SAME(stats.sd); EXPECT_SAME(stats.p_any); EXPECT_SAME(stats.q05);
  EXPECT_SAME(stats.q50); EXPECT_SAME(stats.q95); EXPECT_SAME(stats.impact_mean); EXPECT_SAME(elevation_m);
  EXPECT_SAME(land_cover); EXPECT_SAME(accumulators.cells); EXPECT_SAME(accumulators.histogram_bins);
  EXPECT_SAME(accumulators.dud_sum); EXPECT_SAME(accumulators.dud_sum_sq); EXPECT_SAME(accumulators.dud_nonzero);
  EXPECT_SAME(accumulators.impact_sum); EXPECT_SAME(accumulators.histogram);
  EXPECT_SAME(site_placement); EXPECT_SAME(site_x_m); EXPECT_SAME(site_y_m);
#undef EXPECT_SAME
  ASSERT_EQ(a.totals.size(), b.totals.size());
  for (std::size_t i = 0; i < a.totals.size(); ++i) {
    const RealizationTotals &s = a.totals[i], &t = b.totals[i];
    EXPECT_EQ(s.fired, t.fired) << "realization " << i;
    EXPECT_EQ(s.impacts, t.impacts) << "realization " << i;
    EXPECT_EQ(s.duds, t.duds) << "realization " << i;
    EXPECT_EQ(s.contaminated_cells, t.contaminated_cells) << "realization " << i;
    EXPECT_EQ(s.in_water, t.in_water) << "realization " << i;
    EXPECT_EQ(s.outside_grid, t.outside_grid) << "realization " << i;
    for (int k = 0; k < kLandCoverClasses; ++k)
      EXPECT_EQ(s.duds_by_class[k], t.duds_by_class[k]) << "realization " << i << ", class " << k;
  }
}

// A ResultData of any size with every field set to pseudo-random values
// (incompressible layers: a large one makes a large file).
ResultData synthetic_result(std::uint32_t nx, std::uint32_t ny, std::uint32_t realizations, std::uint32_t bins,
                            std::size_t sites, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> real(0.0f, 50.0f);
  ResultData d;
  d.filetype = kResultFiletype;
  d.format_version = kResultFormatVersion;
  d.software_version = "9.9.9";
  d.git_revision = "abcdef";
  d.creation_time_utc = "2026-01-02T03:04:05Z";
  d.seed = rng();
  d.realizations = realizations;
  d.fired_per_realization = rng() >> 20;
  d.backend = "cpu";
  d.scenario_name = "synthetic \"quoted\" name, unicode: \u00e9t\u00e9";
  d.scenario_path = "/some/where/synthetic.toml";
  d.scenario_text = "[scenario]\nname = \"synthetic\"\n";
  d.assumptions = {"first assumption", "", "third, after an empty one"};
  d.sources = {"a source"};
  d.overrides = {"wind.speed_mps=[1.0, 2.0]"};
  d.terrain_notes = {};
  d.dud_rates = "field";
  d.land_cover_table_text = "x";
  d.grid.nx = nx;
  d.grid.ny = ny;
  d.grid.cell_size_m = 12.345678901;
  d.grid.origin_x_m = 123456.789012345;
  d.grid.origin_y_m = -0.1;
  const std::size_t cells = std::size_t{nx} * ny;
  for (auto* v : {&d.stats.mean, &d.stats.sd, &d.stats.p_any, &d.stats.q05, &d.stats.q50, &d.stats.q95,
                  &d.stats.impact_mean, &d.elevation_m}) {
    v->resize(cells);
    for (float& x : *v) x = real(rng);
  }
  d.land_cover.resize(cells);
  for (auto& c : d.land_cover) c = static_cast<std::uint8_t>(rng() % kLandCoverClasses);
  CellAccumulators& a = d.accumulators;
  a.cells = static_cast<std::uint32_t>(cells);
  a.histogram_bins = bins;
  for (auto* v : {&a.dud_sum, &a.dud_sum_sq, &a.impact_sum}) {
    v->resize(cells);
    for (auto& x : *v) x = rng() >> 8;
  }
  a.dud_nonzero.resize(cells);
  for (auto& x : a.dud_nonzero) x = static_cast<std::uint32_t>(rng());
  a.histogram.resize(cells * bins);
  for (auto& x : a.histogram) x = static_cast<std::uint32_t>(rng());
  d.totals.resize(realizations);
  d.realization_index.resize(realizations);
  std::iota(d.realization_index.begin(), d.realization_index.end(), 0u);
  for (RealizationTotals& t : d.totals) {
    t.fired = rng();
    t.impacts = rng();
    t.duds = rng();
    t.contaminated_cells = rng() >> 40;
    t.in_water = rng();
    t.outside_grid = rng();
    for (auto& c : t.duds_by_class) c = rng();
  }
  d.site_placement = sites ? "per_realization" : "none";
  for (std::size_t i = 0; i < sites; ++i) {
    d.site_x_m.push_back(std::ldexp(static_cast<double>(rng()), -40));
    d.site_y_m.push_back(-std::ldexp(static_cast<double>(rng()), -40));
  }
  return d;
}

// Opens an HDF5 file for writing, for the tests that damage a result file.
struct Writable {
  explicit Writable(const std::string& path) : f{H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose} {
    EXPECT_GE(f.id, 0) << path;
  }
  // Replaces (or adds) a string attribute of the root group.
  void set_string(const char* name, const std::string& value) {
    if (H5Aexists(f.id, name) > 0) H5Adelete(f.id, name);
    H5 type{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(type.id, value.size());
    H5 space{H5Screate(H5S_SCALAR), H5Sclose};
    H5 attr{H5Acreate2(f.id, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    EXPECT_GE(H5Awrite(attr.id, type.id, value.data()), 0);
  }
  H5 f;
};

// The InputError read_result_file throws, or a failure saying there was none.
std::string read_error(const std::string& path) {
  try {
    read_result_file(path);
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InputError: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << path << " was read without an error";
  return "";
}

#define EXPECT_READ_ERROR(path, fragment)                                                                    \
  do {                                                                                                       \
    const std::string message_ = read_error(path);                                                          \
    EXPECT_EQ(message_.rfind((path) + ": ", 0), 0u) << "the message must start with the file: " << message_; \
    EXPECT_NE(message_.find(fragment), std::string::npos) << "expected '" << (fragment) << "' in: " << message_; \
  } while (0)

class ResultFile : public ::testing::Test {
 protected:
  void SetUp() override {
    sc_ = test::scenario_from(kSmall, "small.toml");
    plan_ = make_plan(sc_);
    result_ = test::run(sc_, plan_, 12, 31);
    stats_ = cell_statistics(result_.accumulators, 12);
  }
  test::TempDir dir_;
  Scenario sc_;
  Plan plan_;
  RunResult result_;
  CellStatistics stats_;
};

TEST_F(ResultFile, IsSelfDescribingAndHoldsTheAccumulators) {
  const std::string path = dir_.file("run.h5");
  write_result_file(path, make_result_data(sc_, plan_, result_, stats_));
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"run.h5"}) << "temporary file left behind";
  ASSERT_GT(H5Fis_hdf5(path.c_str()), 0);
  H5 f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  ASSERT_GE(f.id, 0);

  EXPECT_EQ(read_string_attr(f.id, "filetype"), kResultFiletype);
  EXPECT_EQ(read_string_attr(f.id, "format_version"), kResultFormatVersion);
  EXPECT_EQ(read_string_attr(f.id, "scenario_text"), sc_.text) << "the scenario must be recoverable from the file";
  EXPECT_EQ(read_string_attr(f.id, "backend"), "cpu");
  EXPECT_EQ(read_string_attr(f.id, "crs"), "EPSG:32636");
  EXPECT_FALSE(read_string_attr(f.id, "git_revision").empty());
  EXPECT_FALSE(read_string_attr(f.id, "creation_time_utc").empty());
  EXPECT_EQ(read_scalar_attr<std::uint64_t>(f.id, "seed", H5T_NATIVE_UINT64), 31u);
  EXPECT_EQ(read_scalar_attr<std::uint32_t>(f.id, "realizations", H5T_NATIVE_UINT32), 12u);
  EXPECT_EQ(read_scalar_attr<std::uint64_t>(f.id, "submunitions_fired_per_realization", H5T_NATIVE_UINT64), 3u * 644u);

  // Layers are (y, x) with x/y cell-centre coordinates.
  EXPECT_EQ(dataset_dims(f.id, "dud_mean"), (std::vector<hsize_t>{30, 40}));
  const auto xs = read_dataset<double>(f.id, "x", H5T_NATIVE_DOUBLE);
  const auto ys = read_dataset<double>(f.id, "y", H5T_NATIVE_DOUBLE);
  ASSERT_EQ(xs.size(), 40u);
  ASSERT_EQ(ys.size(), 30u);
  EXPECT_DOUBLE_EQ(xs[0], 440012.5);
  EXPECT_DOUBLE_EQ(ys[29], 3700000.0 + 29.5 * 25.0);
  EXPECT_EQ(read_string_attr(H5 {H5Dopen2(f.id, "dud_mean", H5P_DEFAULT), H5Dclose}.id, "units"), "1");

  // The statistics layers as computed, and the accumulators they come from.
  EXPECT_EQ(read_dataset<float>(f.id, "dud_mean", H5T_NATIVE_FLOAT), stats_.mean);
  EXPECT_EQ(read_dataset<float>(f.id, "dud_sd", H5T_NATIVE_FLOAT), stats_.sd);
  EXPECT_EQ(read_dataset<float>(f.id, "dud_p_any", H5T_NATIVE_FLOAT), stats_.p_any);
  EXPECT_EQ(read_dataset<float>(f.id, "dud_q95", H5T_NATIVE_FLOAT), stats_.q95);
  EXPECT_EQ(read_dataset<std::uint8_t>(f.id, "land_cover", H5T_NATIVE_UINT8), plan_.land_cover);
  const CellAccumulators& a = result_.accumulators;
  EXPECT_EQ(read_dataset<std::uint64_t>(f.id, "accumulators/dud_sum", H5T_NATIVE_UINT64), a.dud_sum);
  EXPECT_EQ(read_dataset<std::uint64_t>(f.id, "accumulators/dud_sum_sq", H5T_NATIVE_UINT64), a.dud_sum_sq);
  EXPECT_EQ(read_dataset<std::uint32_t>(f.id, "accumulators/dud_nonzero", H5T_NATIVE_UINT32), a.dud_nonzero);
  EXPECT_EQ(read_dataset<std::uint64_t>(f.id, "accumulators/impact_sum", H5T_NATIVE_UINT64), a.impact_sum);
  EXPECT_EQ(read_dataset<std::uint32_t>(f.id, "accumulators/dud_histogram", H5T_NATIVE_UINT32), a.histogram);
  EXPECT_EQ(dataset_dims(f.id, "accumulators/dud_histogram"), (std::vector<hsize_t>{a.histogram_bins, 30, 40}));

  // Per-realization totals, one row per realization.
  const auto duds = read_dataset<std::uint64_t>(f.id, "realizations/duds", H5T_NATIVE_UINT64);
  const auto fired = read_dataset<std::uint64_t>(f.id, "realizations/fired", H5T_NATIVE_UINT64);
  const auto water = read_dataset<std::uint64_t>(f.id, "realizations/in_water", H5T_NATIVE_UINT64);
  ASSERT_EQ(duds.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(duds[i], result_.totals[i].duds);
    EXPECT_EQ(fired[i], result_.totals[i].fired);
    EXPECT_EQ(water[i], result_.totals[i].in_water);
  }

  // Statistics recomputed from the stored accumulators alone match the layers.
  CellAccumulators from_file;
  from_file.cells = plan_.cells();
  from_file.histogram_bins = a.histogram_bins;
  from_file.dud_sum = read_dataset<std::uint64_t>(f.id, "accumulators/dud_sum", H5T_NATIVE_UINT64);
  from_file.dud_sum_sq = read_dataset<std::uint64_t>(f.id, "accumulators/dud_sum_sq", H5T_NATIVE_UINT64);
  from_file.dud_nonzero = read_dataset<std::uint32_t>(f.id, "accumulators/dud_nonzero", H5T_NATIVE_UINT32);
  from_file.impact_sum = read_dataset<std::uint64_t>(f.id, "accumulators/impact_sum", H5T_NATIVE_UINT64);
  from_file.histogram = read_dataset<std::uint32_t>(f.id, "accumulators/dud_histogram", H5T_NATIVE_UINT32);
  const CellStatistics again = cell_statistics(from_file, 12);
  EXPECT_EQ(again.q50, stats_.q50);
  EXPECT_EQ(again.sd, stats_.sd);
}

TEST_F(ResultFile, ReplacesAnExistingFileAtomically) {
  const std::string path = dir_.write("run.h5", "an older file");
  write_result_file(path, make_result_data(sc_, plan_, result_, stats_));
  EXPECT_GT(H5Fis_hdf5(path.c_str()), 0);
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"run.h5"});
}

TEST_F(ResultFile, FailureLeavesNothingBehind) {
  const std::string path = dir_.file("missing-dir/run.h5");
  EXPECT_THROW(check_output_path(path, "--out"), InputError);
  EXPECT_ANY_THROW(write_result_file(path, make_result_data(sc_, plan_, result_, stats_)));
  EXPECT_TRUE(dir_.entries().empty());
  EXPECT_THROW(check_output_path(dir_.path().string(), "--out"), InputError) << "a directory is not a file name";
  EXPECT_NO_THROW(check_output_path(dir_.file("ok.h5"), "--out"));
  EXPECT_TRUE(dir_.entries().empty()) << "check_output_path left its probe file";
}

TEST_F(ResultFile, FailedRenameRemovesTheTemporaryFile) {
  // The target is a non-empty directory: the HDF5 file is written, the final
  // rename fails; the temporary file must go and the target stay as it was.
  const std::string path = dir_.file("run.h5");
  std::filesystem::create_directory(path);
  std::ofstream(path + "/keep.txt") << "keep";
  EXPECT_ANY_THROW(write_result_file(path, make_result_data(sc_, plan_, result_, stats_)));
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"run.h5"}) << "temporary file left behind";
  EXPECT_TRUE(std::filesystem::exists(path + "/keep.txt"));
}

TEST_F(ResultFile, ReadsBackEveryField) {
  const std::string path = dir_.file("run.h5");
  const ResultData written = make_result_data(sc_, plan_, result_, stats_);
  ASSERT_FALSE(written.grid.crs_wkt.empty());
  ASSERT_EQ(written.site_x_m.size(), 1u) << "one [[strike]]: one site";
  write_result_file(path, written);
  const ResultData read = read_result_file(path);
  expect_same(written, read);
  // What is read back recomputes the same statistics.
  const CellStatistics again = cell_statistics(read.accumulators, read.realizations);
  EXPECT_EQ(again.mean, stats_.mean);
  EXPECT_EQ(again.q95, stats_.q95);
}

TEST_F(ResultFile, ReadsBackAnyContent) {
  // Odd sizes, no CRS, no sites, empty strings and empty list entries, every
  // value random.
  const std::string path = dir_.file("synthetic.h5");
  const ResultData written = synthetic_result(7, 3, 5, 20, 0, 1);
  write_result_file(path, written);
  expect_same(written, read_result_file(path));
  {
    H5 f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    EXPECT_EQ(H5Lexists(f.id, "crs", H5P_DEFAULT), 0) << "no CRS: no grid-mapping variable";
  }
  const ResultData with_sites = synthetic_result(1, 1, 1, 0, 4, 2);
  write_result_file(path, with_sites);
  expect_same(with_sites, read_result_file(path));
}

TEST_F(ResultFile, WriterRefusesArraysOfTheWrongSize) {
  ResultData d = synthetic_result(7, 3, 5, 20, 2, 1);
  d.stats.q50.pop_back();
  EXPECT_THROW(write_result_file(dir_.file("a.h5"), d), std::runtime_error);
  d = synthetic_result(7, 3, 5, 20, 2, 1);
  d.accumulators.histogram_bins = 21;
  EXPECT_THROW(write_result_file(dir_.file("b.h5"), d), std::runtime_error);
  d = synthetic_result(7, 3, 5, 20, 2, 1);
  d.site_y_m.pop_back();
  EXPECT_THROW(write_result_file(dir_.file("c.h5"), d), std::runtime_error);
  EXPECT_TRUE(dir_.entries().empty()) << "a file was left behind";
}

TEST_F(ResultFile, GridMappingVariableDescribesTheCrs) {
  const std::string path = dir_.file("run.h5");
  const ResultData d = make_result_data(sc_, plan_, result_, stats_);
  write_result_file(path, d);
  H5 f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  H5 crs{H5Dopen2(f.id, "crs", H5P_DEFAULT), H5Dclose};
  ASSERT_GE(crs.id, 0);
  EXPECT_EQ(read_string_attr(crs.id, "crs_wkt"), d.grid.crs_wkt);
  EXPECT_EQ(read_string_attr(crs.id, "spatial_ref"), d.grid.crs_wkt);
  EXPECT_EQ(read_string_attr(crs.id, "grid_mapping_name"), "transverse_mercator");
  EXPECT_EQ(read_scalar_attr<double>(crs.id, "longitude_of_central_meridian", H5T_NATIVE_DOUBLE), 33.0)
      << "UTM zone 36";
  EXPECT_EQ(read_scalar_attr<double>(crs.id, "scale_factor_at_central_meridian", H5T_NATIVE_DOUBLE), 0.9996);
  EXPECT_EQ(read_scalar_attr<double>(crs.id, "false_easting", H5T_NATIVE_DOUBLE), 500000.0);
  // Top-left corner, north-up: 30 rows of 25 m above the lower-left corner.
  EXPECT_EQ(read_string_attr(crs.id, "GeoTransform"), "440000 25 0 3700750 0 -25");
  EXPECT_FALSE(read_string_attr(crs.id, "units").empty());
  EXPECT_FALSE(read_string_attr(crs.id, "long_name").empty());
  for (const ResultLayerInfo& l : result_layers()) {
    H5 ds{H5Dopen2(f.id, l.name, H5P_DEFAULT), H5Dclose};
    EXPECT_EQ(read_string_attr(ds.id, "grid_mapping"), "crs") << l.name;
    EXPECT_EQ(read_string_attr(ds.id, "units"), l.units) << l.name;
  }
  H5 lc{H5Dopen2(f.id, "land_cover", H5P_DEFAULT), H5Dclose};
  EXPECT_EQ(read_string_attr(lc.id, "flag_meanings"), "water built_up bare grass_shrub cropland tree wetland unknown");
}

TEST_F(ResultFile, InfoTextSaysWhatTheFileHolds) {
  const std::string path = dir_.file("run.h5");
  write_result_file(path, make_result_data(sc_, plan_, result_, stats_));
  const ResultData d = read_result_file(path);
  const std::string text = result_info_text(d);
  // The numbers, against the file's totals (which are the run's).
  ASSERT_EQ(d.totals.size(), result_.totals.size());
  for (std::size_t i = 0; i < d.totals.size(); ++i) {
    EXPECT_EQ(d.totals[i].duds, result_.totals[i].duds);
    EXPECT_EQ(d.totals[i].contaminated_cells, result_.totals[i].contaminated_cells);
    EXPECT_EQ(d.totals[i].in_water, result_.totals[i].in_water);
    EXPECT_EQ(d.totals[i].outside_grid, result_.totals[i].outside_grid);
  }
  test::expect_info_matches_file(text, d);
  for (const std::string& fragment : std::vector<std::string>{
           std::string("filetype remnant-result, format ") + kResultFormatVersion, "scenario \"result file test\" (small.toml)", "seed 31",
        "12 realizations", "backend cpu", "1932 submunitions fired per realization", "40 x 30 cells of 25 m",
        "EPSG:32636 (WGS 84 / UTM zone 36N)", "dud_mean", "units m", "land_cover", "dud_histogram (",
        "12 rows", "1 strike site", "the same in every realization", "unexploded (duds) on land", "90% interval",
        "area of cells with a dud", "landed in water", "duds on cropland", "assumption: no land-cover table"})
    EXPECT_NE(text.find(fragment), std::string::npos) << "no '" << fragment << "' in:\n" << text;
}

// Format 1.1 added the references attribute: a 1.0 file (which has neither it
// nor its checksum) reads with none; a 1.1 file without it is damaged.
TEST_F(ResultFile, AFormat10FileWithoutReferencesIsReadWithNone) {
  ResultData d = make_result_data(sc_, plan_, result_, stats_);
  d.references = {"[KEY-1] Someone, A title, A publisher, 2001 (page 3)"};
  const std::string p = dir_.file("old.h5");
  write_result_file(p, d);
  EXPECT_EQ(read_result_file(p).references, d.references);
  {
    Writable w(p);
    const std::string crc = read_string_attr(w.f.id, "attribute_crc32");
    const std::size_t at = crc.find("references ");
    ASSERT_NE(at, std::string::npos) << crc;
    ASSERT_GE(H5Adelete(w.f.id, "references"), 0);
    w.set_string("attribute_crc32", crc.substr(0, at) + crc.substr(crc.find('\n', at) + 1));
    w.set_string("format_version", "1.0");
  }
  const ResultData old = read_result_file(p);
  EXPECT_TRUE(old.references.empty());
  EXPECT_EQ(old.scenario_text, d.scenario_text);
  Writable(p).set_string("format_version", "1.1");
  EXPECT_READ_ERROR(p, "attribute references missing");
}

TEST_F(ResultFile, ReaderRefusesWhatItCannotRead) {
  const std::string good = dir_.file("good.h5");
  write_result_file(good, make_result_data(sc_, plan_, result_, stats_));
  auto copy = [&](const std::string& name) {
    const std::string p = dir_.file(name);
    std::filesystem::copy_file(good, p);
    return p;
  };

  EXPECT_READ_ERROR(dir_.file("absent.h5"), "no such file");
  EXPECT_READ_ERROR(dir_.write("text.h5", "[scenario]\nname = \"not HDF5\"\n"), "not an HDF5 file");
  {
    const std::string p = dir_.file("other.h5");
    { H5 f{H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose}; }
    EXPECT_READ_ERROR(p, "not a Remnant result file (filetype attribute missing)");
  }
  {
    const std::string p = copy("foreign.h5");
    Writable(p).set_string("filetype", "someone-else");
    EXPECT_READ_ERROR(p, "not a Remnant result file (filetype \"someone-else\"");
  }
  {
    const std::string p = copy("newer.h5");
    Writable(p).set_string("format_version", "2.0");
    EXPECT_READ_ERROR(p, "written by a newer Remnant (format 2.0); this one reads format 1.x: upgrade");
  }
  {
    const std::string p = copy("minor.h5");
    Writable(p).set_string("format_version", "1.7");
    EXPECT_NO_THROW(read_result_file(p)) << "a later minor version of the same major version is read";
  }
  {
    const std::string p = copy("older.h5");
    Writable(p).set_string("format_version", "0.1");
    EXPECT_READ_ERROR(p, "written by an older Remnant (format 0.1)");
    EXPECT_READ_ERROR(p, "re-run");
  }
  {
    const std::string p = copy("garbled.h5");
    Writable(p).set_string("format_version", "one");
    EXPECT_READ_ERROR(p, "format_version \"one\" is not MAJOR.MINOR");
  }
  {
    const std::string p = copy("edited.h5");
    Writable(p).set_string("scenario_text", "[scenario]\nseed = 1\n");
    EXPECT_READ_ERROR(p, "attribute scenario_text does not match its CRC-32");
  }
  {
    const std::string p = copy("no-dataset.h5");
    ASSERT_GE(H5Ldelete(Writable(p).f.id, "accumulators/dud_sum", H5P_DEFAULT), 0);
    EXPECT_READ_ERROR(p, "dataset accumulators/dud_sum missing");
  }
  {
    const std::string p = copy("no-group.h5");
    ASSERT_GE(H5Ldelete(Writable(p).f.id, "realizations", H5P_DEFAULT), 0);
    EXPECT_READ_ERROR(p, "dataset realizations/realization missing");
  }
  {
    // New values written in place: every chunk's Fletcher-32 is right, the
    // values are not the ones the file was written with (a damaged chunk index
    // can hand a read another dataset's intact chunk just so).
    const std::string p = copy("other-values.h5");
    {
      Writable w(p);
      H5 ds{H5Dopen2(w.f.id, "accumulators/impact_sum", H5P_DEFAULT), H5Dclose};
      ASSERT_GE(ds.id, 0);
      std::vector<std::uint64_t> other(std::size_t(plan_.nx) * plan_.ny, 7);
      ASSERT_GE(H5Dwrite(ds.id, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, other.data()), 0);
    }
    EXPECT_READ_ERROR(p, "dataset accumulators/impact_sum does not match its CRC-32");
  }
  {
    const std::string p = copy("no-crc.h5");
    {
      Writable w(p);
      H5 ds{H5Dopen2(w.f.id, "dud_mean", H5P_DEFAULT), H5Dclose};
      ASSERT_GE(H5Adelete(ds.id, "crc32"), 0);
    }
    EXPECT_READ_ERROR(p, "dataset dud_mean has no crc32 attribute");
  }
  {
    const std::string p = copy("no-attribute.h5");
    ASSERT_GE(H5Adelete(Writable(p).f.id, "seed"), 0);
    EXPECT_READ_ERROR(p, "attribute seed missing");
  }
  {
    const std::string p = copy("shape.h5");
    {
      Writable w(p);
      ASSERT_GE(H5Ldelete(w.f.id, "dud_sd", H5P_DEFAULT), 0);
      const hsize_t dims[2] = {30, 41};
      H5 space{H5Screate_simple(2, dims, nullptr), H5Sclose};
      H5 ds{H5Dcreate2(w.f.id, "dud_sd", H5T_IEEE_F32LE, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
      const std::vector<float> zeros(30 * 41, 0.0f);
      EXPECT_GE(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data()), 0);
    }
    EXPECT_READ_ERROR(p, "dataset dud_sd has shape [30, 41], expected [30, 40]");
  }
  {
    const std::string bytes = slurp(good);
    const std::string p = dir_.write("truncated.h5", bytes.substr(0, bytes.size() / 2));
    EXPECT_READ_ERROR(p, "truncated or corrupt");
  }
}

TEST_F(ResultFile, DamagedFilesAreRefusedNotFatal) {
  // Truncated at many lengths and with bytes overwritten all over: every read
  // throws InputError naming the file, or (the damage hit bytes nothing
  // reads) gives back exactly what was written; none crashes. Chunks and
  // object headers carry HDF5 checksums, attribute values the file's own.
  const std::string good = dir_.file("good.h5");
  const ResultData original = make_result_data(sc_, plan_, result_, stats_);
  write_result_file(good, original);
  const std::string bytes = slurp(good);
  const std::string p = dir_.file("damaged.h5");
  std::mt19937 rng(7);
  // True when refused.
  auto attempt = [&](const std::string& content) {
    dir_.write("damaged.h5", content);
    try {
      expect_same(original, read_result_file(p));
      return false;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(p + ": ", 0), 0u) << e.what();
      return true;
    }
  };
  for (std::size_t n = 0; n < bytes.size(); n += 1 + bytes.size() / 97)
    EXPECT_TRUE(attempt(bytes.substr(0, n))) << "a copy truncated to " << n << " bytes was read";
  int refused = 0, read = 0;
  for (int i = 0; i < 300; ++i) {
    std::string damaged = bytes;
    const std::size_t at = rng() % bytes.size(), end = std::min(bytes.size(), at + 1 + rng() % 8);
    for (std::size_t k = at; k < end; ++k) damaged[k] = static_cast<char>(rng());
    (attempt(damaged) ? refused : read) += 1;
  }
  std::cout << "damaged copies: " << refused << " refused, " << read << " read back unchanged\n";
}

TEST_F(ResultFile, InterruptedWriteLeavesTheExistingFileAlone) {
  // A child process writes a large result while the file-size limit stops it
  // after 1 MiB (the disk filling up, say). The write must fail with an
  // exception, leave the old file as it was and no temporary file behind.
  const std::string path = dir_.file("run.h5");
  const ResultData old = make_result_data(sc_, plan_, result_, stats_);
  write_result_file(path, old);
  const std::string before = slurp(path);
  const ResultData large = synthetic_result(500, 400, 50, 30, 10, 3);  // about 40 MB of incompressible data
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // write() fails with EFBIG instead of killing the process
    const rlimit limit{1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(10);
    int code = 0;
    try {
      write_result_file(path, large);
    } catch (const std::exception&) {
      code = 3;
    } catch (...) {
      code = 4;
    }
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the writer died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 3) << "the write should have failed with an exception (0: it did not fail)";
  EXPECT_TRUE(slurp(path) == before) << "the existing file was changed";
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"run.h5"}) << "temporary file left behind";
  expect_same(old, read_result_file(path));

  // Without the limit the same data is written and read back whole.
  write_result_file(path, large);
  expect_same(large, read_result_file(path));
}

TEST(ResultFileCli, TwoRunsWithTheSameSeedHaveIdenticalDatasets) {
  test::TempDir dir;
  const std::string scenario = dir.write("small.toml", kSmall);
  const std::string cli = REMNANT_CLI_PATH;
  auto run_to = [&](const std::string& out, const std::string& extra) {
    const test::CommandResult r = test::run_command(cli + " run " + test::shell_quote(scenario) +
                                                    " --backend cpu --out " + test::shell_quote(dir.file(out)) + " " +
                                                    extra + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  };
  run_to("a.h5", "--threads 1 --batch 12");
  run_to("b.h5", "--threads 2 --batch 5");
  run_to("c.h5", "--seed 32");
  H5 a{H5Fopen(dir.file("a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  H5 b{H5Fopen(dir.file("b.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  H5 c{H5Fopen(dir.file("c.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  ASSERT_GE(a.id, 0);
  ASSERT_GE(b.id, 0);
  ASSERT_GE(c.id, 0);
  for (const char* name : {"dud_mean", "dud_sd", "dud_p_any", "dud_q05", "dud_q50", "dud_q95", "impact_mean"}) {
    EXPECT_EQ(read_dataset<float>(a.id, name, H5T_NATIVE_FLOAT), read_dataset<float>(b.id, name, H5T_NATIVE_FLOAT))
        << name;
  }
  for (const char* name : {"accumulators/dud_sum", "accumulators/dud_sum_sq", "accumulators/impact_sum",
                           "realizations/duds", "realizations/impacts", "realizations/in_water",
                           "realizations/outside_grid", "realizations/contaminated_cells"}) {
    EXPECT_EQ(read_dataset<std::uint64_t>(a.id, name, H5T_NATIVE_UINT64),
              read_dataset<std::uint64_t>(b.id, name, H5T_NATIVE_UINT64))
        << name;
  }
  EXPECT_EQ(read_dataset<std::uint32_t>(a.id, "accumulators/dud_histogram", H5T_NATIVE_UINT32),
            read_dataset<std::uint32_t>(b.id, "accumulators/dud_histogram", H5T_NATIVE_UINT32));
  EXPECT_EQ(read_scalar_attr<std::uint64_t>(a.id, "seed", H5T_NATIVE_UINT64), 31u) << "the scenario's seed";
  EXPECT_EQ(read_scalar_attr<std::uint64_t>(c.id, "seed", H5T_NATIVE_UINT64), 32u);
  EXPECT_NE(read_dataset<std::uint64_t>(a.id, "accumulators/dud_sum", H5T_NATIVE_UINT64),
            read_dataset<std::uint64_t>(c.id, "accumulators/dud_sum", H5T_NATIVE_UINT64));
  EXPECT_EQ(read_string_attr(a.id, "scenario_text"), kSmall);
}

}  // namespace
}  // namespace remnant
