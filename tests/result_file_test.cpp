// The HDF5 result file: self-description, every statistic recomputable from
// the stored accumulators, atomic writes, and bit-for-bit reproducible
// datasets from the CLI (the file as a whole holds its creation time, so only
// the datasets are compared).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstring>

#include "host/result_file.h"
#include "test_support.h"

namespace remnant {
namespace {

constexpr const char* kSmall = R"toml(
[scenario]
name = "result file test"
seed = 31
realizations = 12

[grid]
nx = 40
ny = 30
cell_size_m = 25.0
origin_x_m = 440000.0
origin_y_m = 3700000.0
crs = "EPSG:32636"
land_cover = "cropland"

[[grid.region]]
x_m = [440000.0, 441000.0]
y_m = [3700300.0, 3700400.0]
land_cover = "water"

[wind]
speed_mps = [0.0, 6.0]
from_deg = [250.0, 290.0]

[[submunition]]
name = "M77"
terminal_velocity_mps = [30.0, 50.0]
dud_rate = { alpha = 3.0, beta = 22.0 }

[[carrier]]
name = "M26"
submunition = "M77"
submunitions_per_carrier = 644
delivery = "rocket"
pattern = "uniform_ellipse"
semi_major_m = [80.0, 120.0]
semi_minor_m = [40.0, 60.0]
aim_error_cep_m = 150.0
function_height_m = [500.0, 900.0]

[[strike]]
carrier = "M26"
carriers = 3
x_m = 440500.0
y_m = 3700350.0
heading_deg = 20.0
)toml";

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
  EXPECT_THROW(check_output_writable(path), InputError);
  EXPECT_ANY_THROW(write_result_file(path, make_result_data(sc_, plan_, result_, stats_)));
  EXPECT_TRUE(dir_.entries().empty());
  EXPECT_THROW(check_output_writable(dir_.path().string()), InputError) << "a directory is not a file name";
  EXPECT_NO_THROW(check_output_writable(dir_.file("ok.h5")));
  EXPECT_TRUE(dir_.entries().empty()) << "check_output_writable left its probe file";
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
