// The hazard area (kernels/physics.h, steps 14 and 15): the pixels within the
// fade-out distance of a pixel holding a dud, counted word by word, against a
// count done pixel by pixel; and the whole run's hazard area, which must not
// depend on the grid's cell size the way the area of cells with a dud does.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "host/common/errors.h"
#include "host/evidence/report.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"
#include "host/run/summary.h"
#include "kernels/physics.h"
#include "test_support.h"

namespace remnant {
namespace {

// Pixels of the raster within the fade-out distance of a set pixel, row by
// row as the engine counts them on CPU cores (HazardRows in kernels/engine.cu:
// hazard_row_pixels, which skips words with no dud within reach), and word by
// word as the GPU does (hazard_kernel: every word's hazard_word); the two must
// agree.
std::uint64_t counted_by_words(const HazardRaster& h, const std::vector<std::uint64_t>& bits) {
  std::uint64_t rows = 0, words = 0;
  for (std::uint32_t y = 0; y < h.ny; ++y) {
    rows += hazard_row_pixels(h, bits.data(), y);
    for (std::uint32_t j = 0; j < h.words; ++j) words += popcount_u64(hazard_word(h, bits.data(), y, j));
  }
  EXPECT_EQ(rows, words) << "the CPU's row count (hazard_row_pixels) differs from the sum of every word";
  return rows;
}

// The same pixel by pixel: centre to centre distance at most fade_out_m.
std::uint64_t counted_by_pixels(const HazardRaster& h, const std::vector<std::pair<int, int>>& set,
                                double fade_out_m) {
  const double r = fade_out_m / h.dx;
  std::uint64_t n = 0;
  for (int y = 0; y < int(h.ny); ++y)
    for (int x = 0; x < int(h.nx); ++x)
      for (const auto& [sx, sy] : set)
        if (double(x - sx) * (x - sx) + double(y - sy) * (y - sy) <= r * r + 1e-9) {
          ++n;
          break;
        }
  return n;
}

std::vector<std::uint64_t> raster_of(const HazardRaster& h, const std::vector<std::pair<int, int>>& set) {
  std::vector<std::uint64_t> bits(std::size_t(h.ny) * h.words, 0u);
  for (const auto& [x, y] : set) bits[std::size_t(y) * h.words + x / 64] |= std::uint64_t(1) << (x % 64);
  return bits;
}

// A raster of 150 x 37 pixels of 12.5 m (fade-out 50 m: 4 pixels), rows of
// three words, the last one partly past the raster's edge.
HazardRaster small_raster() {
  const HazardRaster h = hazard_raster(75, 20, 25.0, 50.0);  // 1875 m x 500 m
  EXPECT_EQ(h.nx, 150u);
  EXPECT_EQ(h.ny, 40u);
  EXPECT_EQ(h.words, 3u);
  EXPECT_EQ(h.reach, 4u);
  EXPECT_FLOAT_EQ(h.dx, 12.5f);
  return h;
}

TEST(HazardArea, OnePixelReachesTheLatticeDiscOfTheFadeOutDistance) {
  const HazardRaster h = small_raster();
  // 49 lattice points lie within 4 of a point: 7,656 m2 against pi 50^2 = 7,854 m2.
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{70, 20}})), 49u);
  // Beside a word's edge, left and right: the neighbours' bits carry over.
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{63, 20}})), 49u);
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{64, 20}})), 49u);
  // In a corner a quarter of the disc and its axes: (1 + 2 + 2 + 3 + 4 + 1) ... counted pixel by pixel.
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{0, 0}})), counted_by_pixels(h, {{0, 0}}, 50.0));
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{149, 39}})), counted_by_pixels(h, {{149, 39}}, 50.0));
  // Two pixels far apart count twice; two side by side share most of their discs.
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{20, 20}, {100, 20}})), 98u);
  EXPECT_EQ(counted_by_words(h, raster_of(h, {{20, 20}, {21, 20}})), counted_by_pixels(h, {{20, 20}, {21, 20}}, 50.0));
  EXPECT_LT(counted_by_words(h, raster_of(h, {{20, 20}, {21, 20}})), 98u);
}

TEST(HazardArea, WordCountAgreesWithAPixelByPixelCountOnRandomRasters) {
  const HazardRaster h = small_raster();
  std::mt19937 rng(18);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::pair<int, int>> set;
    const int n = 1 + trial * 3;
    for (int i = 0; i < n; ++i) set.push_back({int(rng() % h.nx), int(rng() % h.ny)});
    EXPECT_EQ(counted_by_words(h, raster_of(h, set)), counted_by_pixels(h, set, 50.0)) << "trial " << trial;
  }
}

// Rows of 301 words: hazard_row_pixels takes them in runs of 256 words, so a
// dud beside the edge of a run reaches into the next one.
TEST(HazardArea, RowsLongerThanOneRunOfWordsCountAlike) {
  const HazardRaster h = hazard_raster(9625, 4, 25.0, 50.0);  // 240,625 m x 100 m: 19,250 x 8 pixels
  ASSERT_EQ(h.words, 301u);
  ASSERT_EQ(h.reach, 4u);
  const int edge = 64 * 256;  // the first pixel of the second run
  for (const auto& set : std::vector<std::vector<std::pair<int, int>>>{
           {{edge - 1, 3}}, {{edge, 3}}, {{edge - 3, 0}, {edge + 2, 7}}, {{63, 2}}, {{64, 2}},
           {{int(h.nx) - 1, 5}}, {{edge - 64, 4}, {edge + 64, 4}}})
    EXPECT_EQ(counted_by_words(h, raster_of(h, set)), counted_by_pixels(h, set, 50.0))
        << "first pixel at x " << set[0].first;
  std::mt19937 rng(19);
  std::vector<std::pair<int, int>> set;
  for (int i = 0; i < 40; ++i) set.push_back({int(rng() % h.nx), int(rng() % h.ny)});
  EXPECT_EQ(counted_by_words(h, raster_of(h, set)), counted_by_pixels(h, set, 50.0));
}

TEST(HazardArea, ALargeExtentGetsCoarserPixelsWithinTheBound) {
  // Laos's grid: 845 x 972 km.
  const HazardRaster h = hazard_raster(845, 972, 1000.0, 50.0);
  EXPECT_LE(std::uint64_t(h.words) * 64u * h.ny, kMaxHazardPixels);
  EXPECT_GT(h.dx, 12.5f);
  EXPECT_GE(double(h.nx) * h.dx, 845000.0);
  EXPECT_GE(double(h.ny) * h.dx, 972000.0);
  EXPECT_TRUE((HazardDefinition{50.0, h.dx, 0}.coarse()));
  EXPECT_FALSE((HazardDefinition{50.0, 12.5, 0}.coarse()));
}

// configs/example.toml's strikes on cells of 5, 20 and 100 m: the hazard area
// within 10 % (issue 18 asks for 25 %; it is within a few per cent), counted
// on the same pixels whatever the cell size, while the area of cells holding a
// dud grows more than tenfold.
TEST(HazardArea, DoesNotDependOnTheCellSize) {
  double hazard[3], cells[3];
  const double sizes[3] = {5.0, 20.0, 100.0};
  for (int i = 0; i < 3; ++i) {
    const int n = int(6000.0 / sizes[i]);
    const Scenario sc = load_scenario(std::string(REMNANT_SOURCE_DIR) + "/configs/example.toml",
                                      {{"grid.cell_size_m", fmt::format("{}", sizes[i])},
                                       {"grid.nx", std::to_string(n)},
                                       {"grid.ny", std::to_string(n)}});
    const Plan plan = make_plan(sc);
    EXPECT_FLOAT_EQ(plan.hazard.dx, 12.5f) << "the hazard raster's pixel depends on the cell size";
    const Headline h = headline(test::run(sc, plan, 40, 20061), plan);
    ASSERT_TRUE(h.hazard.recorded());
    EXPECT_EQ(h.hazard.strike_sites, 2u);
    hazard[i] = h.hazard_area_km2.mean;
    cells[i] = h.contaminated_area_km2.mean;
    ASSERT_GT(hazard[i], 0.1) << sizes[i] << " m";
    EXPECT_NEAR(h.hazard_per_strike_ha.mean, hazard[i] * 100.0 / 2.0, 1e-9);
  }
  for (int i = 1; i < 3; ++i)
    EXPECT_LT(std::abs(hazard[i] / hazard[0] - 1.0), 0.10)
        << sizes[i] << " m: " << hazard[i] << " km2 against " << hazard[0] << " km2 at 5 m";
  EXPECT_GT(cells[2] / cells[0], 5.0) << "the area of cells with a dud is expected to grow with the cell size";
}

// The JSON summary carries the hazard area with its interval, its definition
// and the area per strike.
TEST(HazardArea, RunJsonReportsItWithItsDefinition) {
  const Scenario sc = load_scenario(std::string(REMNANT_SOURCE_DIR) + "/configs/example.toml",
                                    {{"hazard.fade_out_m", "25"}});
  const Plan plan = make_plan(sc);
  EXPECT_FLOAT_EQ(plan.hazard.dx, 6.25f);
  RunOptions opt;
  opt.realizations = 4;
  opt.seed = 3;
  opt.backend = "cpu";
  const RunResult r = run_ensemble(sc, plan, opt);
  const std::string json = summary_json(sc, plan, r, Sensitivity{});
  for (const char* key : {"\"hazard_area_km2\": {\"mean\"", "\"hazard_area_per_strike_ha\": {\"mean\"",
                          "\"fade_out_m\": 25", "\"pixel_m\": 6.25", "\"strike_sites\": 2", "within 25 m"})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
}

TEST(HazardArea, AFadeOutDistanceOutOfRangeIsAnInputError) {
  std::string msg;
  try {
    load_scenario(std::string(REMNANT_SOURCE_DIR) + "/configs/example.toml", {{"hazard.fade_out_m", "0.0"}});
  } catch (const InputError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("--set hazard.fade_out_m"), std::string::npos) << msg;
  EXPECT_NE(msg.find("between 1 and 1000"), std::string::npos) << msg;
}

}  // namespace
}  // namespace remnant
