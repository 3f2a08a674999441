// remnant-viewer, run for real: its window under xvfb-run (Xvfb, Mesa's
// llvmpipe), a screenshot read back with Cairo, the headline it prints, and
// what it does without a display. Skipped where the viewer was not built
// (no ImGui, GLFW or OpenGL at configure time) or xvfb-run is missing.
#include <cairo.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "host/common/numbers.h"
#include "host/evidence/hazard_areas.h"
#include "host/evidence/result_file.h"
#include "host/inputs/scenario.h"
#include "host/evidence/layers.h"
#include "host/evidence/report.h"
#include "host/maps/map.h"
#include "test_support.h"
#include "viewer/glyph_ranges.h"

namespace remnant {
namespace {

using namespace remnant::test;

#ifdef REMNANT_VIEWER_PATH
constexpr const char* kViewer = REMNANT_VIEWER_PATH;
#else
constexpr const char* kViewer = "";
#endif
const std::string kExample = std::string(REMNANT_SOURCE_DIR) + "/configs/example.toml";
const std::string kXvfb = "xvfb-run -a -s '-screen 0 1280x800x24' ";

bool have_xvfb() { return run_command("command -v xvfb-run >/dev/null 2>&1").exit_code == 0; }

// The viewer with these arguments under xvfb-run, judged by the viewer's own
// exit code (printed inside xvfb-run): xvfb-run's own can be 5 when the viewer
// exits at once and xvfb-run's clean-up races the X server (seen in about 3
// runs of 10, and in CI, with the viewer's code right all the same).
CommandResult run_viewer_early_exit(const std::string& args) {
  CommandResult r = run_command(kXvfb + "sh -c " + shell_quote(std::string(kViewer) + " " + args +
                                                             " 2>&1; echo viewer-exit=$?") + " 2>&1");
  const std::size_t at = r.output.rfind("viewer-exit=");
  r.exit_code = at == std::string::npos ? -1 : std::atoi(r.output.c_str() + at + 12);
  return r;
}

#define REQUIRE_VIEWER()                                                                     \
  do {                                                                                       \
    if (!*kViewer || !std::filesystem::exists(kViewer))                                      \
      GTEST_SKIP() << "remnant-viewer was not built (needs libimgui-dev, libglfw3-dev, GL)"; \
  } while (0)

#define REQUIRE_XVFB()                                                      \
  do {                                                                      \
    if (!have_xvfb()) GTEST_SKIP() << "xvfb-run is not installed (Debian xvfb)"; \
  } while (0)

// The headline's total duds as --print-headline prints them.
double total_duds_mean(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(total_duds mean=([0-9.eE+-]+))"))) return -1;
  return std::stod(m[1]);
}

struct Pixels {
  int w = 0, h = 0;
  std::vector<std::uint32_t> rgb;  // 0xRRGGBB, row 0 at the top
  std::uint32_t at(int x, int y) const { return rgb[std::size_t(y) * w + x]; }
};

Pixels read_png(const std::string& path) {
  Pixels p;
  cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    p.w = cairo_image_surface_get_width(s);
    p.h = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    for (int y = 0; y < p.h; ++y)
      for (int x = 0; x < p.w; ++x)
        p.rgb.push_back(reinterpret_cast<const std::uint32_t*>(data + std::size_t(y) * stride)[x] & 0xffffffu);
  }
  cairo_surface_destroy(s);
  return p;
}

int red(std::uint32_t c) { return int(c >> 16) & 0xff; }
int green(std::uint32_t c) { return int(c >> 8) & 0xff; }
int blue(std::uint32_t c) { return int(c) & 0xff; }

TEST(Viewer, WithoutADisplayExitsWithAMessage) {
  REQUIRE_VIEWER();
  const CommandResult r =
      run_command("env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(kViewer) + " " + shell_quote(kExample) + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot open a window"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("xvfb-run"), std::string::npos) << r.output;
}

TEST(Viewer, BadScenarioIsBadInput) {
  REQUIRE_VIEWER();
  const CommandResult r = run_command(std::string(kViewer) + " /nonexistent/scenario.toml 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/scenario.toml"), std::string::npos) << r.output;
}

// The window drawn by the real program: the map with the layer's colours
// between two panels with their headers and text.
TEST(Viewer, ScreenshotShowsTheMapAndThePanels) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string png = dir.file("shot.png");
  // impact_mean: classes from dark purple to green (the dud mean of 8
  // realizations is one class, its differences within Monte Carlo error).
  const CommandResult r = run_command(kXvfb + kViewer + " " + shell_quote(kExample) +
                                      " -r 8 --threads 2 --layer impact_mean --screenshot " + shell_quote(png) +
                                      " --frames 3 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Pixels p = read_png(png);
  ASSERT_EQ(p.w, 1280);
  ASSERT_EQ(p.h, 800);
  EXPECT_GT(std::set<std::uint32_t>(p.rgb.begin(), p.rgb.end()).size(), 300u) << "a blank or nearly blank window";

  // Panels: 360 px at the left, 380 at the right (30 % of 1280 at most).
  const int left = 360, right = 1280 - 380;
  auto count = [&](int x0, int x1, int y0, int y1, auto&& pred) {
    int n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) n += pred(p.at(x, y)) ? 1 : 0;
    return n;
  };
  // The collapsing headers of the light style (light blue bars) in both panels.
  auto header = [](std::uint32_t c) { return blue(c) > 220 && blue(c) - red(c) > 30 && green(c) > 190; };
  EXPECT_GT(count(0, left, 0, 800, header), 2000) << "no section headers in the parameter panel";
  EXPECT_GT(count(right, 1280, 0, 800, header), 2000) << "no section headers in the statistics panel";
  // Text in both panels: many shades of grey from antialiasing.
  auto distinct = [&](int x0, int x1) {
    std::set<std::uint32_t> s;
    for (int y = 0; y < 800; ++y)
      for (int x = x0; x < x1; ++x) s.insert(p.at(x, y));
    return s.size();
  };
  EXPECT_GT(distinct(0, left), 40u);
  EXPECT_GT(distinct(right, 1280), 40u);
  // The map (above the legend, which starts near y = 590): cells in the layer's viridis classes, from
  // dark purple to green, which neither the hillshade nor the panels use.
  auto viridis_dark = [](std::uint32_t c) { return red(c) < 90 && green(c) < 90 && blue(c) > 70 && blue(c) - green(c) > 30; };
  auto viridis_green = [](std::uint32_t c) { return green(c) > 120 && green(c) - red(c) > 40 && green(c) - blue(c) > 20; };
  EXPECT_GT(count(left + 5, right - 5, 0, 585, viridis_dark), 200) << "no high-density cells on the map";
  EXPECT_GT(count(left + 5, right - 5, 0, 585, viridis_green), 50) << "no mid-density cells on the map";
  // The river of the example scenario: water in the hillshade's light blue.
  auto water = [](std::uint32_t c) { return c == 0xc6dcefu; };
  EXPECT_GT(count(left + 5, right - 5, 0, 585, water), 500) << "no water drawn";
}

// A scripted change of the dud-rate switch (as the panel's radio buttons do:
// --set scenario.dud_rates) moves the headline in the expected direction, and
// the headline equals `remnant run` with the same overrides: the viewer's
// progressive refinement (parts merged) gives the CLI's numbers.
TEST(Viewer, FieldDudRatesGiveMoreDudsThanTestRangeRates) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  auto headline = [&](const std::string& rates) {
    const CommandResult r =
        run_command(kXvfb + kViewer + " " + shell_quote(kExample) + " -r 20 --threads 2 --set scenario.dud_rates=" + rates +
                    " --screenshot " + shell_quote(dir.file(rates + ".png")) + " --frames 1 --print-headline");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("realizations=20"), std::string::npos) << r.output;
    return total_duds_mean(r.output);
  };
  const double test = headline("test"), field = headline("field");
  ASSERT_GT(test, 0);
  EXPECT_GT(field, 1.3 * test) << "field " << field << ", test-range " << test;

  const CommandResult cli = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) +
                                        " -r 20 --threads 2 --set scenario.dud_rates=field --json");
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cli.output, m, std::regex(R"("total_duds": \{"mean": ([0-9.eE+-]+))"))) << cli.output;
  EXPECT_EQ(std::stod(m[1]), field);
}

// The self-destruct reliability control's override (munition_overrides reach
// the catalogue): a 90 % reliable self-destruct on the example's M77 grenades
// leaves about a tenth of the duds.
TEST(Viewer, SelfDestructReliabilityOverrideCutsTheDuds) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  auto headline = [&](const std::string& name, const std::string& set) {
    const CommandResult r = run_command(kXvfb + kViewer + " " + shell_quote(kExample) + " -r 10 --threads 2" + set +
                                        " --screenshot " + shell_quote(dir.file(name + ".png")) +
                                        " --frames 1 --print-headline");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return total_duds_mean(r.output);
  };
  const double plain = headline("plain", "");
  const double reliable = headline("reliable", " --set munition_overrides.M77.self_destruct_failure=0.1");
  ASSERT_GT(plain, 0);
  EXPECT_LT(reliable, 0.3 * plain) << "self-destruct failure 0.1: " << reliable << ", none: " << plain;
  EXPECT_GE(reliable, 0);
}

// A bad --set found when the scenario loads (on the worker thread): with
// --screenshot the viewer exits 2 with the message and writes no PNG.
TEST(Viewer, BadSetWithScreenshotExits2AndWritesNoPng) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string png = dir.file("bad.png");
  // The viewer's own exit code, printed inside xvfb-run: xvfb-run's can be 5
  // when the viewer exits before the X server has settled and its clean-up
  // races (seen in about 3 runs of 10, with the viewer's code 2 all the same).
  const CommandResult r = run_command(kXvfb + "sh -c " +
                                      shell_quote(std::string(kViewer) + " " + shell_quote(kExample) +
                                                  " --set wind.speed_mps=-3 --threads 2 --screenshot " +
                                                  shell_quote(png) + " 2>&1; echo viewer-exit=$?") +
                                      " 2>&1");
  EXPECT_NE(r.output.find("viewer-exit=2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("wind.speed_mps"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(png)) << "a screenshot of the failed load was written";
}

// Result files and checkpoints are told by their HDF5 signature, not their
// name: a result file named *.bak opens with the CLI's headline; a checkpoint
// is refused with the message that says how to resume it.
TEST(Viewer, HDF5IsToldByItsSignatureNotItsName) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string cli = REMNANT_CLI_PATH;
  const std::string h5 = dir.file("r.h5"), renamed = dir.file("r.result.bak");
  const CommandResult run = run_command(cli + " run " + shell_quote(kExample) + " -r 4 --threads 2 -q --json --out " +
                                        shell_quote(h5));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::filesystem::rename(h5, renamed);
  const CommandResult r = run_command(kXvfb + kViewer + " " + shell_quote(renamed) + " --screenshot " +
                                      shell_quote(dir.file("r.png")) + " --frames 1 --print-headline 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("realizations=4"), std::string::npos) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.output, m, std::regex(R"("total_duds": \{"mean": ([0-9.eE+-]+))"))) << run.output;
  EXPECT_EQ(total_duds_mean(r.output), std::stod(m[1])) << r.output;

  // A checkpoint: an interrupted run's (Ctrl-C after 3 s), named *.bak.
  const std::string ckpt = dir.file("c.checkpoint.h5"), ckpt_bak = dir.file("c.ckpt.bak");
  run_command("timeout -s INT 3 " + cli + " run " + shell_quote(kExample) + " -r 10000000 --threads 2 -q --out " +
              shell_quote(dir.file("c.h5")) + " --checkpoint " + shell_quote(ckpt) + " >/dev/null 2>&1");
  if (!std::filesystem::exists(ckpt)) GTEST_SKIP() << "no realization was done in 3 s, so no checkpoint";
  std::filesystem::rename(ckpt, ckpt_bak);
  const std::string png = dir.file("c.png");
  const CommandResult c = run_viewer_early_exit(shell_quote(ckpt_bak) + " --screenshot " + shell_quote(png));
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("a checkpoint of an interrupted run"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("--resume"), std::string::npos) << c.output;
  EXPECT_EQ(c.output.find("TOML"), std::string::npos) << c.output;
  EXPECT_FALSE(std::filesystem::exists(png));
}

// A number after `name=` on the first line of out that starts with `head`; NaN when none.
double field(const std::string& out, const std::string& head, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("(^|\\n)" + head + " [^\\n]*\\b" + name + "=([0-9.eE+-]+)")))
    return std::nan("");
  return std::stod(m[2]);
}

// The outline colour of the hazard areas (viewer/map_view.cpp's kHazardLine,
// 160, 0, 75), with what antialiasing leaves of it.
bool hazard_line(std::uint32_t c) {
  return std::abs(red(c) - 160) <= 30 && green(c) <= 35 && std::abs(blue(c) - 75) <= 30;
}

// The distance in pixels from p to the segment a-b.
double to_segment(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
  const double t = l2 > 0 ? std::clamp(((px - ax) * dx + (py - ay) * dy) / l2, 0.0, 1.0) : 0.0;
  return std::hypot(px - (ax + t * dx), py - (ay + t * dy));
}

// The hazard areas the viewer draws are `remnant hazard`'s (find_hazard_areas
// at share=0.9) of the same result, both when it runs the scenario and when it
// shows the result file; and the screenshot has their outlines, along the
// polygons and nowhere else on the map.
TEST(Viewer, DrawsTheHazardAreasOfTheResult) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string h5 = dir.file("r.h5");
  const CommandResult run = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) +
                                        " -r 8 --threads 2 -q --out " + shell_quote(h5));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const ResultData d = read_result_file(h5);
  const HazardAreas want = find_hazard_areas(d, parse_hazard_threshold("share=0.9"));
  ASSERT_GT(want.areas.size(), 1u) << "the example should have several hazard areas";
  double inside = 0;
  for (const HazardArea& a : want.areas) inside += a.items_mean;

  std::string scenario_out;
  for (const std::string& input : {shell_quote(kExample) + " -r 8 --threads 2", shell_quote(h5)}) {
    SCOPED_TRACE(input);
    const std::string png = dir.file(scenario_out.empty() ? "scenario.png" : "file.png");
    const CommandResult r = run_command(kXvfb + kViewer + " " + input + " --screenshot " + shell_quote(png) +
                                        " --frames 2 --print-hazard");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(field(r.output, "hazard", "areas"), double(want.areas.size())) << r.output;
    EXPECT_EQ(field(r.output, "hazard", "items_inside"), inside) << r.output;
    EXPECT_EQ(field(r.output, "hazard", "items_total"), want.total_mean) << r.output;
    EXPECT_NE(r.output.find(want.threshold.text()), std::string::npos) << r.output;
    // Every area, by rank: the same id, area and items.
    std::istringstream lines(r.output);
    std::size_t k = 0;
    const std::vector<std::size_t> ranked = by_rank(want);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("hazard_area ", 0) != 0) continue;
      ASSERT_LT(k, ranked.size()) << r.output;
      const HazardArea& a = want.areas[ranked[k++]];
      EXPECT_EQ(field(line, "hazard_area", "rank"), double(a.rank)) << line;
      EXPECT_EQ(field(line, "hazard_area", "id"), double(a.id)) << line;
      EXPECT_EQ(field(line, "hazard_area", "area_m2"), a.area_m2) << line;
      EXPECT_EQ(field(line, "hazard_area", "items_mean"), a.items_mean) << line;
    }
    EXPECT_EQ(k, want.areas.size()) << r.output;
    if (scenario_out.empty()) scenario_out = r.output;
  }

  // The outlines on the screenshot of the scenario's run: pixels of the outline
  // colour within the grid drawn lie on a polygon's edge (within 3 pixels) or
  // inside it (the rank labels), and most ring vertices have one nearby.
  const Pixels p = read_png(dir.file("scenario.png"));
  ASSERT_EQ(p.w, 1280);
  const double gx = field(scenario_out, "map_grid_px", "x"), gy = field(scenario_out, "map_grid_px", "y");
  const double gw = field(scenario_out, "map_grid_px", "w"), gh = field(scenario_out, "map_grid_px", "h");
  ASSERT_GT(gw, 100) << scenario_out;
  const ResultGrid& g = d.grid;
  auto px = [&](double x_m) { return gx + (x_m - g.origin_x_m) / (g.nx * g.cell_size_m) * gw; };
  auto py = [&](double y_m) { return gy + (g.origin_y_m + g.ny * g.cell_size_m - y_m) / (g.ny * g.cell_size_m) * gh; };
  auto on_edge = [&](double x, double y, double within) {
    for (const HazardArea& a : want.areas)
      for (const HazardRing& r : a.rings)
        for (std::size_t i = 0; i + 1 < r.size(); ++i)
          if (to_segment(x, y, px(r[i][0]), py(r[i][1]), px(r[i + 1][0]), py(r[i + 1][1])) <= within) return true;
    return false;
  };
  const int x0 = std::max(361, int(gx) - 3), x1 = std::min(1280 - 381, int(gx + gw) + 3);
  const int y0 = std::max(0, int(gy) - 3), y1 = std::min(p.h, int(gy + gh) + 3);
  int outline = 0, astray = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      if (!hazard_line(p.at(x, y))) continue;
      ++outline;
      const double xm = g.origin_x_m + (x + 0.5 - gx) / gw * (g.nx * g.cell_size_m);
      const double ym = g.origin_y_m + g.ny * g.cell_size_m - (y + 0.5 - gy) / gh * (g.ny * g.cell_size_m);
      const bool inside_area = std::any_of(want.areas.begin(), want.areas.end(),
                                           [&](const HazardArea& a) { return rings_contain(a.rings, xm, ym); });
      if (!inside_area && !on_edge(x + 0.5, y + 0.5, 3.0)) ++astray;
    }
  EXPECT_GT(outline, 200) << "no hazard outlines on the map";
  EXPECT_LT(astray, outline / 50 + 5) << astray << " of " << outline << " outline pixels away from every area";
  int vertices = 0, seen = 0;
  for (const HazardArea& a : want.areas)
    for (const HazardRing& r : a.rings)
      for (std::size_t i = 0; i + 1 < r.size(); ++i) {
        const int vx = int(px(r[i][0])), vy = int(py(r[i][1]));
        if (vx < x0 + 2 || vx >= x1 - 2 || vy < y0 + 2 || vy >= y1 - 2) continue;
        ++vertices;
        bool near = false;
        for (int dy = -2; dy <= 2 && !near; ++dy)
          for (int dx = -2; dx <= 2 && !near; ++dx) near = hazard_line(p.at(vx + dx, vy + dy));
        seen += near ? 1 : 0;
      }
  ASSERT_GT(vertices, 10);
  EXPECT_GT(seen, vertices * 8 / 10) << seen << " of " << vertices << " ring vertices with the outline drawn near them";
}

// The code points of a UTF-8 text (a malformed byte counts as itself).
std::set<std::uint32_t> code_points(const std::string& text) {
  std::set<std::uint32_t> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const int n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    std::uint32_t c = n == 1 ? b : b & (0x7F >> n);
    for (int k = 1; k < n && i + k < text.size(); ++k) c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.insert(c);
    i += static_cast<std::size_t>(n);
  }
  return out;
}

// The viewer drew "Pe?" and "?uto Orizare": its font atlas held Latin-1 only.
// Every character of the bundled datasets' layers (town and country names
// included) must be in the atlas, and the font the viewer loads must have its glyph.
TEST(Viewer, EveryBundledNameIsInTheFontAtlas) {
  std::set<std::uint32_t> chars;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(datasets_dir(), ec))
    for (const auto& f : std::filesystem::directory_iterator(d.path(), ec))
      if (f.path().extension() == ".geojson")
        for (std::uint32_t c : code_points(slurp(f.path().string())))
          if (c >= 0x20) chars.insert(c);
  if (chars.empty()) GTEST_SKIP() << "no bundled datasets in " << datasets_dir();
  EXPECT_GT(*chars.rbegin(), 0xFFu) << "the names hold characters beyond Latin-1 (the case this test is for)";
  for (std::uint32_t c : chars) EXPECT_TRUE(viewer::in_glyph_ranges(c)) << "U+" << std::hex << c << " not in the atlas";
  const CommandResult fc =
      run_command("fc-query --format='%{charset}' " + shell_quote(viewer::kFontFile) + " 2>/dev/null");
  if (fc.exit_code != 0 || fc.output.empty()) GTEST_SKIP() << "fc-query cannot read " << viewer::kFontFile;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> font;
  std::istringstream in(fc.output);
  for (std::string r; in >> r;) {
    const std::size_t dash = r.find('-');
    const auto lo = static_cast<std::uint32_t>(std::stoul(r.substr(0, dash), nullptr, 16));
    font.emplace_back(lo, dash == std::string::npos ? lo : static_cast<std::uint32_t>(std::stoul(r.substr(dash + 1), nullptr, 16)));
  }
  for (std::uint32_t c : chars) {
    bool has = false;
    for (const auto& [lo, hi] : font) has = has || (c >= lo && c <= hi);
    EXPECT_TRUE(has) << viewer::kFontFile << " has no glyph for U+" << std::hex << c;
  }
}


// ---------------------------------------------------------------- driven by --script
// The tests below drive the real window under Xvfb with input events (clicks
// on the widgets the viewer names, typed text, keys: viewer/script.h) and read
// what it prints.

// Runs the viewer on input with a script of these lines, in dir (its
// working directory: Save writes out/viewer.h5 there); stdout and stderr.
CommandResult run_script(const TempDir& dir, const std::string& input, const std::vector<std::string>& lines,
                         const std::string& size = "1280x800") {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  const std::string script = dir.write("script.txt", text);
  return run_command("cd " + shell_quote(dir.path().string()) + " && " + kXvfb + kViewer + " " + input +
                     " --threads 2 --size " + size + " --script " + shell_quote(script) + " 2>&1");
}

// The lines of out that start with head, in order.
std::vector<std::string> lines_of(const std::string& out, const std::string& head) {
  std::vector<std::string> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(head, 0) == 0) v.push_back(line);
  return v;
}

// A "state" line's field (a number, or the text inside quotes).
std::string state_of(const std::string& line, const std::string& name) {
  std::smatch m;
  if (std::regex_search(line, m, std::regex(" " + name + "=\"([^\"]*)\"")) ||
      std::regex_search(line, m, std::regex(" " + name + "=([^ ]*)")))
    return m[1];
  return "<none>";
}

// A layer's class labels on the viewer's legend (the classes, then water and
// the hazard outline where drawn), from a result file's data.
std::string legend_of(const ClassScheme& s, const std::string& extra) {
  std::string out = "legend ";
  for (const ColourClass& c : s.classes) out += c.label + "|";
  return out + extra;
}

// Each "print widgets" of out (a run of "widget NAME x=.. y=.. w=.. h=.."
// lines): where each widget was, by name.
std::vector<std::map<std::string, std::string>> widget_prints(const std::string& out) {
  std::vector<std::map<std::string, std::string>> prints;
  std::istringstream in(out);
  bool in_print = false;
  for (std::string l; std::getline(in, l);) {
    const bool widget = l.rfind("widget ", 0) == 0;
    if (widget && !in_print) prints.emplace_back();
    in_print = widget;
    if (!widget) continue;
    const std::size_t name_end = l.find(' ', 7);
    prints.back()[l.substr(7, name_end - 7)] = l.substr(name_end + 1);
  }
  return prints;
}

// Pin A (field dud rates), run B (test-range rates): A and B on the map share
// one scale, `remnant compare`'s (layer_classes over both results), B - A is
// on its diverging classes, and the window shows it in blue (B holds less).
TEST(Viewer, PinnedBaselineComparesOnRemnantComparesScale) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  for (const std::string size : {"1280x800", "1024x640"}) {
    SCOPED_TRACE(size);
    const std::string png = dir.file("diff-" + size + ".png");
    const CommandResult r = run_script(
        dir, shell_quote(kExample) + " -r 40",
        {"wait settled", "click pin", "wait frames 2", "click rates_test", "wait settled", "wait frames 2", "print state",
         "print legend", "print map", "screenshot " + png, "print widgets", "click view", "wait frames 2", "click view_a",
         "wait frames 2", "print legend", "print headline", "click view", "wait frames 2", "click view_b", "wait frames 2",
         "print legend", "print headline", "print widgets"},
        size);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::vector<std::string> state = lines_of(r.output, "state ");
    ASSERT_EQ(state.size(), 1u) << r.output;
    EXPECT_EQ(state_of(state[0], "baseline"), "1") << state[0];
    EXPECT_EQ(state_of(state[0], "view"), "B-A") << state[0];

    // The same two runs by the CLI, and remnant compare's classes of them.
    const std::string a_h5 = dir.file("a.h5"), b_h5 = dir.file("b.h5");
    ASSERT_EQ(run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) + " -r 40 --threads 2 -q --out " +
                          shell_quote(a_h5)).exit_code, 0);
    ASSERT_EQ(run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) +
                          " -r 40 --threads 2 -q --set scenario.dud_rates=test --out " + shell_quote(b_h5)).exit_code, 0);
    const ResultData a = read_result_file(a_h5), b = read_result_file(b_h5);
    const DisplayLayer la = display_layer(a, "dud_mean"), lb = display_layer(b, "dud_mean");
    std::vector<float> both = la.values, diff = lb.values;
    both.insert(both.end(), lb.values.begin(), lb.values.end());
    for (std::size_t i = 0; i < diff.size(); ++i) diff[i] -= la.values[i];
    const std::string shared = legend_of(layer_classes(a, la, both), "water|hazard area, rank|");
    const std::string difference = legend_of(difference_classes(diff), "");
    const std::vector<std::string> legends = lines_of(r.output, "legend ");
    ASSERT_EQ(legends.size(), 3u) << r.output;
    EXPECT_EQ(legends[0], difference);
    EXPECT_EQ(legends[1], shared) << "A's legend";
    EXPECT_EQ(legends[2], shared) << "B's legend";
    // A's and B's own scales differ: the shared one is not either's by chance.
    EXPECT_NE(legend_of(layer_classes(b, lb), "water|hazard area, rank|"), shared);
    // The headlines shown: A's then B's, those of the CLI's runs.
    const std::vector<std::string> totals = lines_of(r.output, "total_duds ");
    ASSERT_EQ(totals.size(), 2u) << r.output;
    EXPECT_EQ(total_duds_mean(totals[0]), headline(a).total_duds.mean);
    EXPECT_EQ(total_duds_mean(totals[1]), headline(b).total_duds.mean);

    // Changing the view moves no control.
    const auto w = widget_prints(r.output);
    ASSERT_EQ(w.size(), 2u) << r.output;
    const auto& in_diff = w[0];
    const auto& in_b = w[1];
    for (const char* name : {"save", "export", "layer", "pin", "stop", "lock", "realizations", "unpin"}) {
      ASSERT_TRUE(in_diff.count(name)) << name;
      EXPECT_EQ(in_diff.at(name), in_b.at(name)) << name << " moved when the view changed";
    }

    // B - A on the map: RdBu's blues (B below A), no reds (B above A) to speak of.
    const Pixels p = read_png(png);
    ASSERT_GT(p.w, 0);
    const double gx = field(r.output, "map", "x"), gy = field(r.output, "map", "y");
    const double gw = field(r.output, "map", "w"), gh = field(r.output, "map", "h");
    int blue_cells = 0, red_cells = 0;
    for (int y = std::max(0, int(gy)); y < std::min(p.h, int(gy + gh)); ++y)
      for (int x = std::max(0, int(gx)); x < std::min(p.w, int(gx + gw)); ++x) {
        const std::uint32_t c = p.at(x, y);
        blue_cells += blue(c) - red(c) > 60 && blue(c) > 150 ? 1 : 0;
        red_cells += red(c) - blue(c) > 60 && red(c) > 150 ? 1 : 0;
      }
    EXPECT_GT(blue_cells, 300) << "no B - A cells in blue";
    EXPECT_LT(red_cells, blue_cells / 20 + 5);
  }
}

// The scale is locked: while a run with other parameters refines (parts of
// 4, 16, 64, 256 realizations) and once it is complete, the legend keeps the
// classes chosen for the first run, though the new run's own would differ.
TEST(Viewer, LockedScaleDoesNotChangeWhileARunRefines) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  std::vector<std::string> lines = {"wait settled", "print legend", "click rates_test"};
  for (int i = 0; i < 40; ++i) lines.insert(lines.end(), {"print state", "print legend", "wait frames 1"});
  lines.insert(lines.end(), {"wait settled", "print state", "print legend"});
  const CommandResult r = run_script(dir, shell_quote(kExample) + " -r 256", lines);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The classes (the hazard outline's entry comes once a run is complete).
  std::vector<std::string> legends = lines_of(r.output, "legend ");
  ASSERT_EQ(legends.size(), 42u) << r.output;
  for (std::string& l : legends)
    if (const std::size_t h = l.find("hazard area, rank|"); h != std::string::npos) l.erase(h);
  std::set<std::string> partial_counts;
  for (const std::string& s : lines_of(r.output, "state ")) partial_counts.insert(state_of(s, "done"));
  EXPECT_GT(partial_counts.size(), 1u) << "the legend was not seen over several parts of the run";
  for (const std::string& l : legends) EXPECT_EQ(l, legends[0]);
  // The test-range run's own scale is another: a scale chosen again would show.
  const std::string b_h5 = dir.file("b.h5");
  ASSERT_EQ(run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) +
                        " -r 256 --threads 2 -q --set scenario.dud_rates=test --out " + shell_quote(b_h5)).exit_code, 0);
  const ResultData b = read_result_file(b_h5);
  EXPECT_NE(legend_of(layer_classes(b, display_layer(b, "dud_mean")), "water|"), legends[0]);
}

// "Duds by munition type" draws a row per submunition type the run fires with
// the simulated duds of that type (Lebanon: M77, M42/M46, M85, BLU-63), the
// CLI's per-type figures (`run --json`'s duds_by_submunition) to the digit.
TEST(Viewer, DudsByMunitionTypeAreTheRunsOwn) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string lebanon = std::string(REMNANT_SOURCE_DIR) + "/configs/lebanon-2006.toml";
  const CommandResult r =
      run_script(dir, shell_quote(lebanon) + " -r 6", {"wait settled 300", "wait frames 2", "print types", "print headline"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const CommandResult cli = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(lebanon) +
                                        " -r 6 --threads 2 --json -q");
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  const std::vector<std::string> rows = lines_of(r.output, "type name=");
  const std::vector<std::string> figures = lines_of(r.output, "duds_of_type ");
  ASSERT_EQ(rows.size(), 4u) << r.output;
  ASSERT_EQ(figures.size(), 4u) << r.output;
  const char* names[] = {"M77", "M42/M46", "M85", "BLU-63"};
  for (std::size_t i = 0; i < 4; ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(cli.output, m, std::regex("\"" + std::string(names[i]) + R"(": \{"mean": ([0-9.eE+-]+))")))
        << names[i] << "\n" << cli.output;
    EXPECT_NE(rows[i].find(std::string("name=\"") + names[i] + "\""), std::string::npos) << rows[i];
    EXPECT_NE(rows[i].find("mean=" + format_number(std::stod(m[1]), 0) + " "), std::string::npos) << rows[i];
    EXPECT_EQ(state_of(figures[i], "name"), names[i]) << figures[i];
    EXPECT_EQ(std::stod(state_of(figures[i], "mean")), std::stod(m[1])) << figures[i];
  }
}

// Stop ends a run of 100,000 at the next batch and keeps what is done: a
// complete run of realizations [0, done), the CLI's `-r done` to the bit, which
// Save writes. Asking for fewer realizations (not fewer than done) keeps them too.
TEST(Viewer, StopKeepsTheRealizationsDoneAndLoweringContinues) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  std::filesystem::create_directories(dir.file("out"));
  const CommandResult r =
      run_script(dir, shell_quote(kExample) + " -r 100000",
                 {"wait progress 100 120", "click stop", "wait settled 120", "print state", "print headline",
                  "click save", "wait frames 2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> state = lines_of(r.output, "state ");
  ASSERT_EQ(state.size(), 1u) << r.output;
  EXPECT_EQ(state_of(state[0], "stopped"), "1") << state[0];
  EXPECT_EQ(state_of(state[0], "asked"), "100000") << state[0];
  const int done = std::stoi(state_of(state[0], "done"));
  EXPECT_GE(done, 100);
  EXPECT_LT(done, 100000);
  EXPECT_NE(r.output.find("realizations=" + std::to_string(done) + " "), std::string::npos) << r.output;
  const CommandResult cli = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) + " -r " +
                                        std::to_string(done) + " --threads 2 --json -q");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cli.output, m, std::regex(R"("total_duds": \{"mean": ([0-9.eE+-]+))"))) << cli.output;
  EXPECT_EQ(total_duds_mean(r.output), std::stod(m[1]));
  const ResultData saved = read_result_file(dir.file("out/viewer.h5"));
  EXPECT_EQ(saved.realizations, std::uint32_t(done));
  EXPECT_EQ(headline(saved).total_duds.mean, std::stod(m[1]));

  // 100,000 asked, then 1,500 typed while it runs: the realizations done go on.
  const CommandResult lower =
      run_script(dir, shell_quote(kExample) + " -r 100000",
                 {"wait progress 20 120", "click realizations", "key ctrl+a", "type 1500", "key enter",
                  "wait frames 1", "print state", "wait settled 120", "print state", "print headline"});
  ASSERT_EQ(lower.exit_code, 0) << lower.output;
  const std::vector<std::string> s2 = lines_of(lower.output, "state ");
  ASSERT_EQ(s2.size(), 2u) << lower.output;
  EXPECT_EQ(state_of(s2[1], "done"), "1500") << s2[1];
  EXPECT_NE(s2[1].find("Kept the "), std::string::npos) << s2[1];
  const CommandResult cli1500 = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) +
                                            " -r 1500 --threads 2 --json -q");
  ASSERT_TRUE(std::regex_search(cli1500.output, m, std::regex(R"("total_duds": \{"mean": ([0-9.eE+-]+))"))) << cli1500.output;
  EXPECT_EQ(total_duds_mean(lower.output), std::stod(m[1]));
}

// Fields take click-and-type; a value out of range is refused with a message
// and the fields show the run on the map again (nothing runs); fast clicks on
// "/2" each count.
TEST(Viewer, OutOfRangeFieldsAreRefusedAndFastClicksCount) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const CommandResult r = run_script(
      dir, shell_quote(kExample) + " -r 40",
      {"wait settled", "click realizations", "key ctrl+a", "type -5", "key enter", "wait frames 3", "print state",
       "click realizations", "key ctrl+a", "type 0", "key enter", "wait frames 3", "print state",
       "click wind.speed_mps", "key ctrl+a", "type 150", "key enter", "wait frames 3", "print state",
       "click wind.speed_mps", "key ctrl+a", "type 3", "key enter", "wait settled", "print state",
       "clicks halve 3", "wait settled", "print state"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> s = lines_of(r.output, "state ");
  ASSERT_EQ(s.size(), 5u) << r.output;
  for (int i : {0, 1}) {
    EXPECT_EQ(state_of(s[i], "message_error"), "1") << s[i];
    EXPECT_NE(state_of(s[i], "message").find("Refused: " + std::string(i ? "0" : "-5") + " realizations"), std::string::npos) << s[i];
    EXPECT_EQ(state_of(s[i], "realizations_field"), "40") << s[i];
    EXPECT_EQ(state_of(s[i], "done"), "40") << s[i];
    EXPECT_EQ(state_of(s[i], "settled"), "1") << s[i] << ": a refused value started a run";
  }
  EXPECT_NE(state_of(s[2], "message").find("Refused: speed m/s 150 is outside 0 to 100"), std::string::npos) << s[2];
  EXPECT_EQ(state_of(s[2], "settled"), "1") << s[2];
  // Typed in range: it runs (3 to 8 m/s) with no message.
  EXPECT_EQ(state_of(s[3], "message_error"), "0") << s[3];
  EXPECT_EQ(state_of(s[3], "failed"), "0") << s[3];
  // Three clicks of one frame each: 40 -> 20 -> 10 -> 5.
  EXPECT_EQ(state_of(s[4], "realizations_field"), "5") << s[4];
  EXPECT_EQ(state_of(s[4], "done"), "5") << s[4];
}

// No control moves when a run is going (progress) or when a change fails (the
// error): every widget is where it was, at 1280x800 and at 1024x640, and so is
// the map's grid.
TEST(Viewer, ControlsStayPutWhenProgressOrAnErrorAppears) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  for (const std::string size : {"1280x800", "1024x640"}) {
    SCOPED_TRACE(size);
    const CommandResult r = run_script(
        dir, shell_quote(kExample) + " -r 5000",
        {"wait progress 100 120", "print state", "print widgets", "print map", "click stop", "wait settled 120",
         "print widgets", "print map", "click set_text", "type wind.speed_mps=-3", "key enter", "wait settled",
         "wait frames 2", "print state", "print widgets", "print map"},
        size);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::vector<std::string> state = lines_of(r.output, "state ");
    ASSERT_EQ(state.size(), 2u) << r.output;
    EXPECT_EQ(state_of(state[0], "settled"), "0") << "not seen while running: " << state[0];
    EXPECT_EQ(state_of(state[1], "failed"), "1") << state[1];
    const auto prints = widget_prints(r.output);
    ASSERT_EQ(prints.size(), 3u) << r.output;
    const auto &running = prints[0], &idle = prints[1], &failed = prints[2];
    ASSERT_GT(running.size(), 15u) << r.output;
    for (const char* name : {"stop", "pin", "save", "export", "realizations", "seed", "set_text", "layer", "progress"})
      EXPECT_TRUE(running.count(name)) << name << " not printed";
    for (const auto& [name, where] : running) {
      EXPECT_EQ(idle.at(name), where) << name << " moved when the run stopped";
      EXPECT_EQ(failed.at(name), where) << name << " moved when the error appeared";
    }
    const std::vector<std::string> maps = lines_of(r.output, "map ");
    ASSERT_EQ(maps.size(), 3u);
    EXPECT_EQ(maps[1], maps[0]);
    EXPECT_EQ(maps[2], maps[0]);
  }
}

// The land-cover layer's legend names water once (a class of the layer, not
// a second swatch), and its classes are the layer's.
TEST(Viewer, LandCoverLegendNamesWaterOnce) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const CommandResult r =
      run_script(dir, shell_quote(kExample) + " -r 4 --layer land_cover", {"wait settled", "print legend"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> legend = lines_of(r.output, "legend ");
  ASSERT_EQ(legend.size(), 1u) << r.output;
  const std::string labels = "|" + legend[0].substr(7);
  std::size_t water = 0;
  for (std::size_t at = labels.find("|water|"); at != std::string::npos; at = labels.find("|water|", at + 1)) ++water;
  EXPECT_EQ(water, 1u) << legend[0];
  const std::string h5 = dir.file("r.h5");
  ASSERT_EQ(run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) + " -r 4 --threads 2 -q --out " +
                        shell_quote(h5)).exit_code, 0);
  const ResultData d = read_result_file(h5);
  EXPECT_EQ(legend[0], legend_of(layer_classes(d, display_layer(d, "land_cover")), "hazard area, rank|"));
}

// The run history: after field rates (A) then test-range rates (B), the
// older entry's Run brings A's parameters back (the same numbers: same seed),
// and its Pin makes it the baseline while B stays on the map.
TEST(Viewer, RunHistoryRestoresAndPinsAnEarlierRun) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const CommandResult r = run_script(
      dir, shell_quote(kExample) + " -r 20",
      {"wait settled", "print headline", "click rates_test", "wait settled", "wait frames 2", "print headline",
       "click history_pin_1", "wait frames 2", "print state", "click history_run_1", "wait frames 1", "wait settled",
       "wait frames 2", "print state", "print headline"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> totals = lines_of(r.output, "total_duds ");
  ASSERT_EQ(totals.size(), 3u) << r.output;
  const double a = total_duds_mean(totals[0]), b = total_duds_mean(totals[1]);
  EXPECT_LT(b, a) << "test-range rates should leave fewer duds";
  EXPECT_EQ(total_duds_mean(totals[2]), a) << "the restored run differs from the first";
  const std::vector<std::string> s = lines_of(r.output, "state ");
  ASSERT_EQ(s.size(), 2u) << r.output;
  EXPECT_EQ(state_of(s[0], "baseline"), "1") << s[0];
  EXPECT_EQ(state_of(s[0], "baseline_done"), "20") << s[0];
  EXPECT_EQ(state_of(s[1], "failed"), "0") << s[1];
  EXPECT_EQ(state_of(s[1], "done"), "20") << s[1];
}

// An override that does not load leaves the map as it was, and the radio
// buttons and wind fields show the map's parameters: also a wind speed typed
// while a failing override is listed (its run fails too), until the failing
// override is removed.
TEST(Viewer, AFailedOverrideLeavesTheFieldsShowingTheMap) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const CommandResult r = run_script(
      dir, shell_quote(kExample) + " -r 8",
      {"wait settled", "print state", "click set_text", "type scenario.dud_rates=\"nonsense\"", "key enter",
       "wait settled", "wait frames 2", "print state", "click wind.speed_mps", "key ctrl+a", "type 3", "key enter",
       "wait settled", "wait frames 2", "print state", "click remove_0", "wait settled", "wait frames 2",
       "print state"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> s = lines_of(r.output, "state ");
  ASSERT_EQ(s.size(), 4u) << r.output;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(state_of(s[i], "rates_field"), "field") << s[i];
    EXPECT_EQ(state_of(s[i], "wind_field"), state_of(s[0], "wind_field")) << s[i];
    EXPECT_EQ(state_of(s[i], "map_overrides"), "") << s[i];
    EXPECT_EQ(state_of(s[i], "done"), "8") << s[i];
  }
  for (std::size_t i : {1, 2}) {
    EXPECT_EQ(state_of(s[i], "failed"), "1") << s[i];
    EXPECT_NE(state_of(s[i], "message").find("dud_rates"), std::string::npos) << s[i];
  }
  // The failing override removed: the wind speed typed runs, and shows.
  EXPECT_EQ(state_of(s[3], "failed"), "0") << s[3];
  // (The click lands in the middle of the two fields: on the high one.)
  EXPECT_EQ(state_of(s[3], "map_overrides"), "wind.speed_mps=[0, 3]") << s[3];
  EXPECT_EQ(state_of(s[3], "wind_field"), "0,3") << s[3];
}

// A change while a run refines: from then on the map never shows a part of
// the superseded run (field rates, no override); it shows nothing, or the
// new run's parts, until the new run is complete.
TEST(Viewer, NoPartOfASupersededRunIsShown) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  std::vector<std::string> lines = {"wait progress 30 120", "print state", "click rates_test"};
  for (int i = 0; i < 30; ++i) lines.insert(lines.end(), {"print state", "wait frames 1"});
  lines.insert(lines.end(), {"click stop", "wait settled 120"});
  const CommandResult r = run_script(dir, shell_quote(kExample) + " -r 100000", lines);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> s = lines_of(r.output, "state ");
  ASSERT_EQ(s.size(), 31u) << r.output;
  EXPECT_EQ(state_of(s[0], "finished"), "0") << "the first run was not seen refining: " << s[0];
  EXPECT_EQ(state_of(s[0], "map_overrides"), "") << s[0];
  int new_parts = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const std::string overrides = state_of(s[i], "map_overrides");
    if (state_of(s[i], "done") == "0") continue;  // nothing on the map
    EXPECT_EQ(overrides, "scenario.dud_rates='test'") << "a part of the superseded run is shown: " << s[i];
    new_parts += overrides == "scenario.dud_rates='test'" ? 1 : 0;
  }
  EXPECT_GT(new_parts, 0) << "the new run was never seen";
}

// The cell tooltip says the land cover by name and the layer's value in
// words: over the cell of the highest chance of a dud, the probability layer
// reads "chance of at least one dud in this cell: P %" with the result's value.
TEST(Viewer, TheCellTooltipSpeaksInWords) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string h5 = dir.file("r.h5");
  ASSERT_EQ(run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) + " -r 8 --threads 2 -q --out " +
                        shell_quote(h5)).exit_code, 0);
  const ResultData d = read_result_file(h5);
  const DisplayLayer p_any = display_layer(d, "dud_p_any");
  std::size_t best = 0;
  for (std::size_t c = 0; c < p_any.values.size(); ++c)
    if (std::isfinite(p_any.values[c]) && p_any.values[c] > p_any.values[best]) best = c;
  const std::string input = shell_quote(kExample) + " -r 8 --layer dud_p_any";
  const CommandResult where = run_script(dir, input, {"wait settled", "print map"});
  ASSERT_EQ(where.exit_code, 0) << where.output;
  const ResultGrid& g = d.grid;
  const double x = field(where.output, "map", "x") + (double(best % g.nx) + 0.5) / g.nx * field(where.output, "map", "w");
  const double y = field(where.output, "map", "y") + (g.ny - double(best / g.nx) - 0.5) / g.ny * field(where.output, "map", "h");
  const CommandResult r = run_script(
      dir, input, {"wait settled", fmt::format("move {:.1f} {:.1f}", x, y), "wait frames 2", "print tooltip"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> lines = lines_of(r.output, "tooltip ");
  ASSERT_EQ(lines.size(), 2u) << r.output;
  std::string land = land_cover_name(LandCover(d.land_cover[best]));
  std::replace(land.begin(), land.end(), '_', ' ');
  EXPECT_EQ(lines[0], "tooltip land cover: " + land);
  EXPECT_EQ(lines[1], fmt::format("tooltip chance of at least one dud in this cell: {:.1f} % ({:.3g})",
                                  100.0 * double(p_any.values[best]), double(p_any.values[best])));
}

// Town names stay inside the map's frame (Lebanon at 1024x640: Qiryat
// Shemona's dot is near the frame's right edge, its name would run past it).
TEST(Viewer, TownNamesStayInsideTheMapFrame) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  const std::string lebanon = std::string(REMNANT_SOURCE_DIR) + "/configs/lebanon-2006.toml";
  TempDir dir;
  const CommandResult r =
      run_script(dir, shell_quote(lebanon) + " -r 2", {"wait settled 300", "print map", "print towns"}, "1024x640");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double x = field(r.output, "map", "x"), y = field(r.output, "map", "y");
  const double w = field(r.output, "map", "w"), h = field(r.output, "map", "h");
  const std::vector<std::string> towns = lines_of(r.output, "town ");
  ASSERT_GE(towns.size(), 3u) << r.output;
  for (const std::string& t : towns) {
    EXPECT_GE(field(t, "town", "x0"), x) << t;
    EXPECT_GE(field(t, "town", "y0"), y) << t;
    EXPECT_LE(field(t, "town", "x1"), x + w) << t;
    EXPECT_LE(field(t, "town", "y1"), y + h) << t;
  }
}

// ---------------------------------------------------------------- evidence (issue 21)

const std::string kExampleEvidence = std::string(REMNANT_SOURCE_DIR) + "/configs/example-evidence.geojson";

// A pixel within r of (x, y) that passes is(c).
template <class Is>
bool colour_near(const Pixels& p, double x, double y, int r, Is is) {
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx) {
      const int px = int(std::lround(x)) + dx, py = int(std::lround(y)) + dy;
      if (px >= 0 && py >= 0 && px < p.w && py < p.h && is(p.at(px, py))) return true;
    }
  return false;
}

// The example's evidence, loaded with --evidence: every feature drawn inside
// the map (finds red, searched areas green in the window), the prior as
// `remnant run -r 40` gives it, then, the prior pinned as A, the posterior
// shown as B: `remnant run -r 40 --evidence`'s totals, unlike the prior's,
// and the conditioning's diagnostics (the result file's lines) listed.
TEST(Viewer, EvidenceIsDrawnAndThePosteriorIsTheConditionedRun) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string png = dir.file("evidence.png");
  const CommandResult r = run_script(
      dir, shell_quote(kExample) + " -r 40 --layer elevation --evidence " + shell_quote(kExampleEvidence),
      {"wait settled 600", "move 5 795", "wait frames 2", "print map", "print evidence", "print headline", "screenshot " + png,
       "click pin", "wait frames 2", "click show_posterior", "wait frames 2", "click view", "wait frames 2",
       "click view_b", "wait frames 3", "print evidence", "print headline", "print state"});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // Drawn: 2 strikes, 2 finds, 2 searched areas, 3 cancelled rings (C-2 has two parts), inside the map.
  const std::vector<std::string> ev = lines_of(r.output, "evidence ");
  ASSERT_EQ(ev.size(), 2u) << r.output;
  EXPECT_EQ(state_of(ev[0], "features"), "8") << ev[0];
  EXPECT_EQ(state_of(ev[0], "error"), "") << ev[0];
  EXPECT_EQ(state_of(ev[0], "posterior_ready"), "1") << ev[0];
  EXPECT_EQ(state_of(ev[0], "posterior_shown"), "0") << ev[0];
  EXPECT_EQ(state_of(ev[1], "posterior_shown"), "1") << ev[1];
  const std::vector<std::string> marks = lines_of(r.output, "evidence_mark ");
  std::map<std::string, int> kinds;
  const double gx = field(r.output, "map", "x"), gy = field(r.output, "map", "y");
  const double gw = field(r.output, "map", "w"), gh = field(r.output, "map", "h");
  const Pixels p = read_png(png);
  ASSERT_GT(p.w, 0);
  for (std::size_t i = 0; i < marks.size() / 2; ++i) {  // the first print's marks
    const std::string& m = marks[i];
    ++kinds[state_of(m, "kind")];
    const double x = field(m, "evidence_mark", "x"), y = field(m, "evidence_mark", "y");
    EXPECT_GE(x, gx) << m;
    EXPECT_LE(x, gx + gw) << m;
    EXPECT_GE(y, gy) << m;
    EXPECT_LE(y, gy + gh) << m;
    if (state_of(m, "kind") == "find") {  // a red cross
      EXPECT_TRUE(colour_near(p, x, y, 2, [](std::uint32_t c) { return red(c) > 180 && green(c) < 70 && blue(c) < 60; }))
          << "no red cross at " << m;
    }
    if (state_of(m, "kind") == "searched") {  // a green outline
      EXPECT_TRUE(colour_near(p, x, y, 2, [](std::uint32_t c) {
        return green(c) > 80 && green(c) - red(c) > 50 && green(c) - blue(c) > 20;
      })) << "no green outline at " << m;
    }
  }
  EXPECT_EQ(marks.size(), 18u) << r.output;
  EXPECT_EQ(kinds["strike"], 2);
  EXPECT_EQ(kinds["find"], 2);
  EXPECT_EQ(kinds["searched"], 2);
  EXPECT_EQ(kinds["cancelled"], 3);

  // The prior and the posterior, each as the CLI runs it.
  const std::string prior_h5 = dir.file("prior.h5"), post_h5 = dir.file("post.h5");
  ASSERT_EQ(run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) + " -r 40 --threads 2 -q --out " +
                        shell_quote(prior_h5)).exit_code, 0);
  const CommandResult cli = run_command(std::string(REMNANT_CLI_PATH) + " run " + shell_quote(kExample) +
                                        " -r 40 --threads 2 -q --evidence " + shell_quote(kExampleEvidence) +
                                        " --out " + shell_quote(post_h5) + " 2>&1");
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  const ResultData prior = read_result_file(prior_h5), post = read_result_file(post_h5);
  const std::vector<std::string> totals = lines_of(r.output, "total_duds ");
  ASSERT_EQ(totals.size(), 2u) << r.output;
  EXPECT_EQ(total_duds_mean(totals[0]), headline(prior).total_duds.mean);
  EXPECT_EQ(total_duds_mean(totals[1]), headline(post).total_duds.mean);
  EXPECT_NE(total_duds_mean(totals[0]), total_duds_mean(totals[1])) << "the posterior shown is the prior";

  // The diagnostics: the result file's lines, in order.
  const std::vector<std::string> diag = lines_of(r.output, "diagnostic ");
  ASSERT_FALSE(post.conditioning.diagnostics.empty());
  ASSERT_EQ(diag.size(), 2 * post.conditioning.diagnostics.size()) << r.output;
  // The time the stages took aside ("... to the exact posterior in 1.8 s");
  // warnings in red (the example's particles mix poorly: R-hat above 1.1).
  const std::regex seconds(" in [0-9.]+ s");
  int warnings = 0;
  for (std::size_t i = 0; i < post.conditioning.diagnostics.size(); ++i) {
    std::string want = post.conditioning.diagnostics[i];
    std::replace(want.begin(), want.end(), '"', '\'');
    const bool warning = want.rfind("warning: ", 0) == 0;
    warnings += warning;
    EXPECT_EQ(std::regex_replace(diag[i], seconds, " in _ s"),
              std::regex_replace(fmt::format("diagnostic red={} {}", warning ? 1 : 0, want), seconds, " in _ s"));
  }
  EXPECT_GE(warnings, 1);

  // The prior pinned as A, the posterior as B.
  const std::vector<std::string> state = lines_of(r.output, "state ");
  ASSERT_EQ(state.size(), 1u) << r.output;
  EXPECT_EQ(state_of(state[0], "baseline"), "1") << state[0];
  EXPECT_EQ(state_of(state[0], "view"), "B") << state[0];
}

// A bad evidence file (no such file; a feature of an unknown kind), given on
// the command line or typed into the Evidence field: read_evidence's message
// in the window, the prior run as without it, no posterior, no crash; with
// --screenshot, exit 2 with the message.
TEST(Viewer, BadEvidenceIsSaidAndTheViewerGoesOn) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  const std::string bad = dir.write(
      "bad.geojson",
      R"({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "LOCAL_CS[\"grid\",UNIT[\"metre\",1]]"}}, )"
      R"("features": [{"type": "Feature", "properties": {"kind": "rumour"}, )"
      R"("geometry": {"type": "Point", "coordinates": [3000.0, 3000.0]}}]})");
  const CommandResult r = run_script(
      dir, shell_quote(kExample) + " -r 8 --evidence " + shell_quote(bad),
      {"wait settled 300", "print evidence", "print state", "click evidence_path", "key ctrl+a",
       "type /nonexistent/evidence.gpkg", "key enter", "click evidence_load", "wait settled 300", "wait frames 2",
       "print evidence", "print state", "click show_posterior", "wait frames 2", "print evidence"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> ev = lines_of(r.output, "evidence ");
  const std::vector<std::string> state = lines_of(r.output, "state ");
  ASSERT_EQ(ev.size(), 3u) << r.output;
  ASSERT_EQ(state.size(), 2u) << r.output;
  EXPECT_NE(state_of(ev[0], "error").find("rumour"), std::string::npos) << ev[0];
  EXPECT_NE(state_of(ev[0], "error").find("bad.geojson"), std::string::npos) << ev[0];
  EXPECT_NE(state_of(ev[1], "error").find("/nonexistent/evidence.gpkg"), std::string::npos) << ev[1];
  for (const std::string& e : ev) {
    EXPECT_EQ(state_of(e, "features"), "0") << e;
    EXPECT_EQ(state_of(e, "posterior_ready"), "0") << e;
    EXPECT_EQ(state_of(e, "posterior_shown"), "0") << e;  // nothing to show: the radio button is off
  }
  EXPECT_TRUE(lines_of(r.output, "evidence_mark ").empty()) << r.output;
  for (const std::string& s : state) {
    EXPECT_EQ(state_of(s, "done"), "8") << s;  // the prior ran
    EXPECT_EQ(state_of(s, "failed"), "0") << s;  // the scenario loaded and ran: only the evidence was refused
  }

  const std::string png = dir.file("shot.png");
  const CommandResult shot = run_viewer_early_exit(shell_quote(kExample) + " -r 4 --threads 2 --evidence " +
                                                   shell_quote(bad) + " --screenshot " + shell_quote(png));
  EXPECT_EQ(shot.exit_code, 2) << shot.output;
  EXPECT_NE(shot.output.find("rumour"), std::string::npos) << shot.output;
}

// Save into a folder that does not exist yet (out/ in a fresh directory): it
// is made, and the message names the file written in full.
TEST(Viewer, SaveMakesItsFolder) {
  REQUIRE_VIEWER();
  REQUIRE_XVFB();
  TempDir dir;
  ASSERT_FALSE(std::filesystem::exists(dir.file("out")));
  const CommandResult r =
      run_script(dir, shell_quote(kExample) + " -r 8", {"wait settled 300", "click save", "wait frames 100", "print state"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string saved = (std::filesystem::canonical(dir.path()) / "out" / "viewer.h5").string();
  ASSERT_TRUE(std::filesystem::exists(saved)) << r.output;
  EXPECT_EQ(read_result_file(saved).realizations, 8u);
  const std::vector<std::string> state = lines_of(r.output, "state ");
  ASSERT_EQ(state.size(), 1u) << r.output;
  EXPECT_EQ(state_of(state[0], "message_error"), "0") << state[0];
  EXPECT_NE(state_of(state[0], "message").find(saved), std::string::npos) << state[0];
}

}  // namespace
}  // namespace remnant

// ---------------------------------------------------------------- the simulation, without a window
// viewer/simulation.cpp needs no window (only the host library): compiled in
// here so that its guards are tested where the viewer is not built too.
#include "viewer/simulation.cpp"

namespace remnant {
namespace {

// A request for 0 realizations (the UI refuses it; the simulation must too):
// an error snapshot, no crash; the simulation then runs the next request.
TEST(ViewerSimulation, ZeroRealizationsIsRefusedCleanly) {
  viewer::Simulation sim;
  viewer::Request req;
  req.scenario_path = kExample;
  req.realizations = 0;
  req.threads = 2;
  const std::uint64_t gen = sim.submit(req);
  auto wait = [&](std::uint64_t g) {
    for (int i = 0; i < 6000; ++i) {
      const auto s = sim.latest();
      if (s && s->generation == g && s->finished && sim.idle()) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::shared_ptr<const viewer::Snapshot>();
  };
  const auto s = wait(gen);
  ASSERT_TRUE(s);
  EXPECT_NE(s->error.find("0 realizations"), std::string::npos) << s->error;
  EXPECT_FALSE(s->data);
  req.realizations = 4;
  const auto t = wait(sim.submit(req));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->error, "");
  EXPECT_EQ(t->done, 4u);
}

}  // namespace
}  // namespace remnant
