// The result file read by other people's tools, as a user would read it: a
// file written by the remnant command, opened with ncdump (netCDF-C), xarray
// (Debian's /usr/bin/python3 with netCDF4) and GDAL. A test skips only when
// its tool is not installed.
#include <gdal.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "host/evidence/result_file.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::run_command;
using test::shell_quote;

// Sites drawn in every realization from a rectangle, a water strip along the
// southern edge (so a grid turned upside down shows), a UTM CRS.
const std::string kScenario =
    test::ScenarioText("interop test", 5, 10)
        .grid(48, 36, 50.0)
        .origin(500000.0, 4700000.0)
        .crs("EPSG:32634")
        .land_cover("grass_shrub")
        .region({500000.0, 502400.0}, {4700000.0, 4700300.0}, "water")
        .wind({0.0, 4.0}, {0.0, 90.0})
        .submunition(test::blu97().dud_rate(test::beta(2.0, 30.0)))
        .carrier(test::cbu87()
                     .pattern("uniform_ellipse")
                     .footprint({100.0, 150.0}, {50.0, 80.0})
                     .aim_error_cep(40.0)
                     .function_height({300.0, 900.0}))
        .inventory_carrier("CBU-87", "carriers", 6)
        .sites(3, "per_realization")
        .site_area("centre", {500600.0, 501800.0}, {4700600.0, 4701400.0}, 1.0)
        .text();

bool installed(const std::string& tool) {
  return run_command("command -v " + shell_quote(tool) + " >/dev/null 2>&1").exit_code == 0;
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

// One result file, written once by the CLI for all the tests.
class Interop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    path_ = dir_->file("run.h5");
    const std::string scenario = dir_->write("interop.toml", kScenario);
    const test::CommandResult r = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(scenario) +
                                              " --backend cpu --out " + shell_quote(path_) + " 2>&1");
    run_exit_ = r.exit_code;
    run_output_ = r.output;
  }
  static void TearDownTestSuite() { dir_.reset(); }

  void SetUp() override {
    ASSERT_EQ(run_exit_, 0) << "remnant run failed:\n" << run_output_;
    data_ = read_result_file(path_);
  }

  static std::unique_ptr<test::TempDir> dir_;
  static std::string path_, run_output_;
  static int run_exit_;
  ResultData data_;
};

std::unique_ptr<test::TempDir> Interop::dir_;
std::string Interop::path_, Interop::run_output_;
int Interop::run_exit_ = -1;

TEST_F(Interop, NcdumpSeesCfVariablesWithUnitsAndNoPhonyDimensions) {
  if (!installed("ncdump")) GTEST_SKIP() << "ncdump (netcdf-bin) is not installed";
  const test::CommandResult r = run_command("ncdump -h " + shell_quote(path_) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string& h = r.output;
  EXPECT_FALSE(contains(h, "phony_dim")) << "a dataset without dimension scales:\n" << h;
  for (const char* fragment :
       {"x = 48 ;", "y = 36 ;", "int crs ;", "crs:crs_wkt = \"PROJCRS[\\\"WGS 84 / UTM zone 34N\\\"",
        "crs:spatial_ref = \"PROJCRS[", "crs:grid_mapping_name = \"transverse_mercator\"",
        "crs:longitude_of_central_meridian = 21. ;", "crs:GeoTransform = \"500000 50 0 4701800 0 -50\"",
        "float dud_mean(y, x) ;", "dud_mean:units = \"1\" ;", "dud_mean:grid_mapping = \"crs\" ;",
        "elevation:units = \"m\" ;", "ubyte land_cover(y, x) ;",
        "land_cover:flag_values = 0UB, 1UB, 2UB, 3UB, 4UB, 5UB, 6UB, 7UB ;",
        "land_cover:flag_meanings = \"water built_up bare grass_shrub cropland tree wetland unknown\" ;",
        "uint dud_histogram(histogram_bin, y, x) ;", "realization = 10 ;", "uint64 duds(realization) ;",
        "double contaminated_area(realization) ;", "contaminated_area:units = \"km2\" ;", "site = 3 ;",
        "double x(site) ;", ":placement = \"per_realization\" ;", ":format_version = \"1.2\" ;",
        ":Conventions = \"CF-1.8\" ;"})
    EXPECT_TRUE(contains(h, fragment)) << "no '" << fragment << "' in ncdump -h:\n" << h;

  // Every variable carries units and long_name.
  const std::regex declaration(R"(^\s*(u?byte|char|u?short|u?int|u?int64|float|double|string) (\w+)(\(.*\))? ;$)");
  const std::regex attribute(R"(^\s*(\w+):(\w+) = )");
  std::istringstream lines(h);
  std::string line, variable;
  std::set<std::string> attributes;
  int variables = 0;
  auto finish = [&] {
    if (variable.empty()) return;
    ++variables;
    EXPECT_TRUE(attributes.count("units")) << variable << " has no units";
    EXPECT_TRUE(attributes.count("long_name")) << variable << " has no long_name";
  };
  for (std::smatch m; std::getline(lines, line);) {
    if (std::regex_match(line, m, declaration)) {
      finish();
      variable = m[2];
      attributes.clear();
    } else if (std::regex_search(line, m, attribute) && m[1] == variable) {
      attributes.insert(m[2]);
    } else if (contains(line, "group:") || contains(line, "// global attributes")) {
      finish();
      variable.clear();
    }
  }
  finish();
  EXPECT_EQ(variables, 3 + 9 + 7 + 1 + 15 + 2 + 2 + 3)
      << "crs, x, y; 9 layers; 7 accumulators; realization, 15 columns, the two areas, submunition_type and "
         "duds_by_type; site, x, y";
}

TEST_F(Interop, XarrayOpensTheLayersAndTheGroups) {
  if (!installed("/usr/bin/python3") ||
      run_command("/usr/bin/python3 -c 'import xarray, netCDF4' >/dev/null 2>&1").exit_code != 0)
    GTEST_SKIP() << "Debian's python3 with xarray and netCDF4 (python3-xarray, python3-netcdf4) is not installed";
  const std::string script = dir_->write("check.py", R"py(
import sys
import xarray as xr
path = sys.argv[1]
ds = xr.open_dataset(path, engine="netcdf4")
v = ds["dud_mean"]
assert v.dims == ("y", "x"), v.dims
assert v.attrs["units"] == "1", v.attrs
assert v.attrs["grid_mapping"] == "crs", v.attrs
assert "x" in ds.coords and "y" in ds.coords, list(ds.coords)
assert ds["x"].attrs["units"] == "m" and ds["y"].attrs["units"] == "m"
assert not bool(v.isnull().any()), "cells masked as missing"
print("nx", ds.sizes["x"], "ny", ds.sizes["y"])
print("x0", float(ds["x"][0]), "y0", float(ds["y"][0]))
print("dud_mean_sum", float(v.astype("float64").sum()))
print("grid_mapping", ds["crs"].attrs["grid_mapping_name"])
r = xr.open_dataset(path, engine="netcdf4", group="realizations")
assert r["duds"].dims == ("realization",), r["duds"].dims
assert [int(i) for i in r["realization"].values] == list(range(r.sizes["realization"]))
print("duds", " ".join(str(int(d)) for d in r["duds"].values))
t = r["duds_by_type"]
assert t.dims == ("realization", "submunition_type"), t.dims
assert [int(x) for x in t.sum("submunition_type").values] == [int(d) for d in r["duds"].values]
print("types", r["submunition_type"].attrs["names"].split())
a = xr.open_dataset(path, engine="netcdf4", group="accumulators")
assert a["dud_histogram"].dims == ("histogram_bin", "y", "x"), a["dud_histogram"].dims
s = xr.open_dataset(path, engine="netcdf4", group="sites")
assert s["x"].dims == ("site",) and s["x"].attrs["units"] == "m"
print("sites", s.sizes["site"], s.attrs["placement"])
print("OK")
)py");
  const test::CommandResult r = run_command("/usr/bin/python3 " + shell_quote(script) + " " + shell_quote(path_) +
                                            " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string& out = r.output;
  EXPECT_TRUE(contains(out, "nx 48 ny 36\n")) << out;
  EXPECT_TRUE(contains(out, "x0 500025.0 y0 4700025.0\n")) << out;
  EXPECT_TRUE(contains(out, "grid_mapping transverse_mercator\n")) << out;
  EXPECT_TRUE(contains(out, "sites 3 per_realization\n")) << out;
  EXPECT_TRUE(contains(out, "types ['")) << out;
  EXPECT_TRUE(contains(out, "OK\n")) << out;
  std::string duds = "duds";
  for (const RealizationTotals& t : data_.totals) duds += " " + std::to_string(t.duds);
  EXPECT_TRUE(contains(out, duds + "\n")) << "expected '" << duds << "' in:\n" << out;
  double sum = 0;
  for (const float v : data_.stats.mean) sum += v;
  const std::size_t at = out.find("dud_mean_sum ");
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_NEAR(std::stod(out.substr(at + 13)), sum, 1e-9 * sum);
  EXPECT_GT(sum, 0.0);
}

TEST_F(Interop, GdalinfoReportsTheCrsAndTheGeotransform) {
  if (!installed("gdalinfo")) GTEST_SKIP() << "gdalinfo (gdal-bin) is not installed";
  const test::CommandResult r =
      run_command("gdalinfo " + shell_quote("NETCDF:\"" + path_ + "\":dud_mean") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* fragment :
       {"Driver: netCDF", "Size is 48, 36", "PROJCRS[\"WGS 84 / UTM zone 34N\"", "ID[\"EPSG\",32634]",
        "Origin = (500000.000000000000000,4701800.000000000000000)",
        "Pixel Size = (50.000000000000000,-50.000000000000000)", "Lower Left  (  500000.000, 4700000.000)",
        "Upper Right (  502400.000, 4701800.000)"})
    EXPECT_TRUE(contains(r.output, fragment)) << "no '" << fragment << "' in gdalinfo:\n" << r.output;
}

TEST_F(Interop, GdalReadsTheLayersNorthUp) {
  GDALAllRegister();
  if (!GDALGetDriverByName("netCDF")) GTEST_SKIP() << "this GDAL has no netCDF driver";
  const std::uint32_t nx = data_.grid.nx, ny = data_.grid.ny;
  auto read = [&](const char* layer) {
    const std::string name = "NETCDF:\"" + path_ + "\":" + layer;
    GDALDatasetH ds = GDALOpen(name.c_str(), GA_ReadOnly);
    EXPECT_NE(ds, nullptr) << name;
    std::vector<double> v(std::size_t{nx} * ny, -1.0);
    if (!ds) return v;
    EXPECT_EQ(GDALGetRasterXSize(ds), static_cast<int>(nx));
    EXPECT_EQ(GDALGetRasterYSize(ds), static_cast<int>(ny));
    std::array<double, 6> gt{};
    EXPECT_EQ(GDALGetGeoTransform(ds, gt.data()), CE_None);
    EXPECT_EQ(gt, (std::array<double, 6>{500000.0, 50.0, 0.0, 4701800.0, 0.0, -50.0})) << layer;
    EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, nx, ny, v.data(), nx, ny, GDT_Float64, 0, 0),
              CE_None);
    GDALClose(ds);
    return v;
  };
  // GDAL's row 0 is the northern row; the file's row 0 the southern one.
  const std::vector<double> cover = read("land_cover"), mean = read("dud_mean");
  std::size_t water_rows_north = 0, water_rows_south = 0;
  for (std::uint32_t j = 0; j < ny; ++j) {
    for (std::uint32_t i = 0; i < nx; ++i) {
      const std::size_t g = std::size_t{j} * nx + i, f = std::size_t{ny - 1 - j} * nx + i;
      ASSERT_EQ(cover[g], data_.land_cover[f]) << "row " << j << ", column " << i;
      ASSERT_EQ(mean[g], data_.stats.mean[f]) << "row " << j << ", column " << i;
    }
    (j < ny / 2 ? water_rows_north : water_rows_south) += cover[std::size_t{j} * nx] == 0.0;
  }
  EXPECT_EQ(water_rows_north, 0u) << "the water strip lies along the southern edge";
  EXPECT_EQ(water_rows_south, 6u);
}

}  // namespace
}  // namespace remnant
