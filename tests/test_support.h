// Helpers shared by the tests: scenarios from TOML text, ensemble runs,
// moments of samples, temporary directories, running the CLI.
#pragma once

#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <optional>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "host/run/ensemble.h"
#include "host/run/plan.h"
#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "host/inputs/scenario.h"
#include "host/evidence/stats.h"
#include "scenario_fixture.h"

namespace remnant::test {

// Replaces every occurrence of a placeholder such as "@RATE@" in a template.
inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

inline Scenario scenario_from(const std::string& toml, const std::string& name = "test.toml") {
  return parse_scenario(toml, name);
}

// The options of a test's run (the rest as RunOptions has them).
inline RunOptions run_options(std::uint32_t realizations, std::uint64_t seed, int threads = 0, std::uint32_t batch = 0,
                              const std::string& backend = "cpu") {
  RunOptions opt;
  opt.realizations = realizations;
  opt.seed = seed;
  opt.backend = backend;
  opt.threads = threads;
  opt.batch = batch;
  return opt;
}

inline RunResult run(const Scenario& sc, const Plan& plan, std::uint32_t realizations, std::uint64_t seed,
                     int threads = 0, std::uint32_t batch = 0, const std::string& backend = "cpu") {
  return run_ensemble(sc, plan, run_options(realizations, seed, threads, batch, backend));
}

// Sample moments.
struct Moments {
  double n = 0, mean = 0, var = 0;  // var with the n-1 denominator
  double m4 = 0;                    // fourth central moment (n denominator)
  double se_mean() const { return std::sqrt(var / n); }
  // Standard error of the sample variance: sqrt((mu4 - sigma^4) / n), plus the
  // small-sample term 2 sigma^4 / (n (n-1)).
  double se_var() const { return std::sqrt(std::max(0.0, m4 - var * var) / n + 2.0 * var * var / (n * (n - 1.0))); }
};

inline Moments moments(const std::vector<double>& v) {
  Moments m;
  m.n = static_cast<double>(v.size());
  long double s = 0;
  for (double x : v) s += x;
  m.mean = static_cast<double>(s / v.size());
  long double s2 = 0, s4 = 0;
  for (double x : v) {
    const long double d = x - m.mean;
    s2 += d * d;
    s4 += d * d * d * d;
  }
  m.var = v.size() > 1 ? static_cast<double>(s2 / (v.size() - 1)) : 0.0;
  m.m4 = static_cast<double>(s4 / v.size());
  return m;
}

// REMNANT_REQUIRE_GPU=1 (any value but empty or 0) says a CUDA device must
// answer: on a machine with a GPU, a GPU test that would skip fails instead, so
// an old driver, a missing device or an architecture not compiled in cannot
// leave a green suite that never used the GPU.
inline bool gpu_required() {
  const char* v = std::getenv("REMNANT_REQUIRE_GPU");
  return v && *v && std::string(v) != "0";
}

}  // namespace remnant::test

// Where a GPU test cannot go on: fails with `failure` under
// REMNANT_REQUIRE_GPU=1, else skips with `skip` (each streamed into gtest's
// message).
#define REMNANT_GPU_SKIP_OR_FAIL(failure, skip)                   \
  do {                                                            \
    if (::remnant::test::gpu_required()) GTEST_FAIL() << failure; \
    GTEST_SKIP() << skip;                                         \
  } while (0)

// First thing in a test that needs a CUDA device: where none is usable the
// test is skipped with the reason, or fails with it under REMNANT_REQUIRE_GPU=1.
// Every GPU test uses it (tests/cuda_test.cpp checks that it fails when asked).
#define REMNANT_SKIP_UNLESS_GPU()                                                                               \
  do {                                                                                                          \
    std::string remnant_gpu_why_;                                                                               \
    if (!::remnant::cuda::device_usable(&remnant_gpu_why_))                                                     \
      REMNANT_GPU_SKIP_OR_FAIL("REMNANT_REQUIRE_GPU is set but no CUDA device is usable: " << remnant_gpu_why_, \
                               "no usable CUDA device: " << remnant_gpu_why_);                                  \
  } while (0)

namespace remnant::test {

template <typename F>
std::vector<double> column(const RunResult& r, F&& f) {
  std::vector<double> v;
  for (const RealizationTotals& t : r.totals) v.push_back(static_cast<double>(f(t)));
  return v;
}

// A fresh, empty directory under the system's temporary directory; removed
// with its contents when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "remnant-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = file(name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_)) out.push_back(e.path().filename().string());
    return out;
  }

 private:
  std::filesystem::path path_;
};

// The InputError a scenario text (named `file`, with --set overrides) is
// refused with, or "" when it loads.
inline std::string scenario_error(const std::string& text, const std::vector<Override>& overrides = {},
                                  const std::string& file = "s.toml") {
  try {
    parse_scenario(text, file, overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A file's bytes ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together, unless redirected
};

// Runs a shell command line, returns its exit code and captured stdout.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

inline std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') o += "'\\''";
    else o += c;
  }
  return o + "'";
}

// A GeoTIFF of w x h pixels, values row-major with row 0 the NORTHERN row (as
// GDAL stores it). gt = GDAL geotransform; crs empty = no CRS written.
inline std::string write_tiff(const TempDir& dir, const std::string& name, const std::string& crs,
                       const std::array<double, 6>& gt, int w, int h, const std::vector<double>& values,
                       GDALDataType type = GDT_Float32, std::optional<double> nodata = std::nullopt) {
  GDALAllRegister();
  const std::string path = dir.file(name);
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), w, h, 1, type, nullptr);
  EXPECT_NE(ds, nullptr);
  std::array<double, 6> g = gt;
  GDALSetGeoTransform(ds, g.data());
  if (!crs.empty()) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OSRSetFromUserInput(srs, crs.c_str());
    GDALSetSpatialRef(ds, srs);
    OSRDestroySpatialReference(srs);
  }
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  if (nodata) GDALSetRasterNoDataValue(b, *nodata);
  std::vector<double> v = values;
  EXPECT_EQ(GDALRasterIO(b, GF_Write, 0, 0, w, h, v.data(), w, h, GDT_Float64, 0, 0), CE_None);
  GDALClose(ds);
  return path;
}

// The SVG's searchable text layer (host/maps/map_draw.cpp writes it: real <text>
// elements at the places Cairo drew glyphs as paths), one <text> a line.
inline std::string text_layer(const std::string& svg) {
  const std::size_t at = svg.find("<g id=\"text-layer\"");
  return at == std::string::npos ? std::string() : svg.substr(at);
}

// The text layer's runs: where each text was drawn and how wide it is.
struct DrawnText {
  double x = 0, y = 0, w = 0;
  std::string text;
};
inline std::vector<DrawnText> drawn_texts(const std::string& svg) {
  const std::string layer = text_layer(svg);
  std::vector<DrawnText> out;
  for (std::size_t at = layer.find("<text x=\""); at != std::string::npos; at = layer.find("<text x=\"", at + 1)) {
    DrawnText t;
    t.x = std::stod(layer.substr(at + 9));
    t.y = std::stod(layer.substr(layer.find("y=\"", at) + 3));
    const std::size_t len = layer.find("textLength=\"", at);
    t.w = std::stod(layer.substr(len + 12));
    const std::size_t open = layer.find('>', len), close = layer.find("</text>", open);
    t.text = layer.substr(open + 1, close - open - 1);
    out.push_back(t);
  }
  return out;
}

// The scenario of the output tests (maps, exports, the output commands): 80 x
// 50 cells of 50 m (4 x 2.5 km) in UTM 36N, cropland with a strip of water along
// the western edge (12 cells wide), two M26 volleys; with a dud-rate prior (TOML
// value) and a CRS (empty: none). The text starts with a blank line:
// bad_input_test names its lines ("nx = 80" is line 8).
inline std::string outputs_scenario(const std::string& rate = "{ alpha = 3.0, beta = 22.0 }",
                                    const std::string& crs = "EPSG:32636") {
  ScenarioText s("map test", 31, 12);
  s.grid(80, 50, 50.0).origin(700000.0, 3680000.0);
  if (!crs.empty()) s.crs(crs);
  s.region({700000.0, 700600.0}, {3680000.0, 3682500.0}, "water")
      .wind({0.0, 6.0}, {250.0, 290.0})
      .submunition(m77().dud_rate(rate))
      .carrier(m26().footprint({150.0, 250.0}, {80.0, 120.0}).aim_error_cep(200.0))
      .strike(Strike("M26", 4, 702000.0, 3681200.0).heading(20.0))
      .strike(Strike("M26", 2, 703000.0, 3681800.0));
  return "\n" + s.text();
}

// A scenario text run on the CPU and gathered as a result file holds it.
inline ResultData result_data(const std::string& toml, std::uint32_t realizations, std::uint64_t seed) {
  const Scenario sc = scenario_from(toml, "outputs.toml");
  const Plan plan = make_plan(sc);
  const RunResult r = run(sc, plan, realizations, seed);
  return make_result_data(sc, plan, r, cell_statistics(r.accumulators, realizations));
}

}  // namespace remnant::test
