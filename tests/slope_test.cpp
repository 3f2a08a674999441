// The slope term of the failure probability end to end: a DEM read from a
// [terrain] raster, its gradient |grad z| (host/inputs/raster.cpp), the per-cell
// multiplier 1 + k |grad z| (kernels/physics.h slope_term) and the dud counts
// of a run where items land on flat and on sloped ground.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_support.h"

namespace remnant {
namespace {

// 60 x 60 cells of 10 m in UTM 36N, cropland (no dud-rate multipliers given:
// 1 for every class), dud rate fixed at 0.1, slope coefficient k (slope_scenario). 10
// carriers x 200 items fall at ground level in calm air around the middle
// (x = 300 m, the edge of the slope below): a footprint of at most 100 m plus
// an aim error of CEP 20 m keeps every item on the grid.
constexpr std::uint32_t kCells = 60;
constexpr double kDx = 10.0, kX0 = 500000.0, kY0 = 3600000.0;

// The DEM: flat (z = 0) west of x = 300 m, the plane z = 0.6 x' + 0.8 y'
// (x' = x - 300 m, y' = y - origin) east of it, so |grad z| = hypot(0.6, 0.8)
// = 1 there. Written on the grid's own cells with 5 cells more on every side,
// so that the bilinear warp reads every grid cell inside the raster. The
// columns either side of the step (ix 29 and 30) mix both sides in their
// central differences and are left out below.
std::string write_dem(const test::TempDir& dir) {
  const int pad = 5, n = kCells + 2 * pad;
  std::vector<double> z(static_cast<std::size_t>(n) * n);
  for (int row = 0; row < n; ++row)
    for (int col = 0; col < n; ++col) {
      const double x = (col - pad + 0.5) * kDx, y = (n - 1 - row - pad + 0.5) * kDx;  // row 0 is the northern row
      z[static_cast<std::size_t>(row) * n + col] = x < 300.0 ? 0.0 : 0.6 * (x - 300.0) + 0.8 * y;
    }
  return test::write_tiff(dir, "dem.tif", "EPSG:32636", {kX0 - pad * kDx, kDx, 0.0, kY0 + (kCells + pad) * kDx, 0.0, -kDx},
                          n, n, z);
}

// The slope scenario on the DEM at dem (write_dem), slope coefficient k.
Scenario slope_scenario(const std::string& dem, const std::string& k) {
  return test::scenario_from(test::ScenarioText("slope test", 5, 200)
                                 .grid(60, 60, 10.0)
                                 .origin(500000.0, 3600000.0)
                                 .crs("EPSG:32636")
                                 .terrain("elevation", test::quoted(dem))
                                 .wind(0.0, 270.0)
                                 .slope_coefficient(k)
                                 .submunition(test::bomblet())
                                 .carrier(test::dispenser())
                                 .strike(test::Strike("dispenser", 10, 500300.0, 3600300.0))
                                 .text(),
                             "slope.toml");
}

bool west(std::uint32_t ix) { return ix <= 28; }
bool east(std::uint32_t ix) { return ix >= 31; }

TEST(Slope, MultiplierIsOnePlusKTimesTheGradient) {
  test::TempDir dir;
  const std::string dem = write_dem(dir);
  for (const double k : {0.0, 0.5, 2.0}) {
    const Plan plan = make_plan(slope_scenario(dem, std::to_string(k)));
    ASSERT_EQ(plan.cells(), kCells * kCells);
    for (std::uint32_t i = 0; i < plan.cells(); ++i) {
      const std::uint32_t ix = i % kCells;
      if (west(ix)) {
        ASSERT_NEAR(plan.failure_multiplier[i], 1.0, 1e-5) << "flat cell " << ix << ", " << i / kCells;
      } else if (east(ix)) {
        ASSERT_NEAR(plan.failure_multiplier[i], 1.0 + k, 1e-4 * (1.0 + k))
            << "k " << k << ", cell " << ix << ", " << i / kCells << " on a slope of gradient 1";
      }
    }
  }
}

// Given where the items landed, each is a dud independently with its cell's
// probability 0.1 x (1 + k |grad z|): on each side the duds are binomial in
// the impacts there, and the fraction is within 4 sd of p. k = 0.5 on a
// gradient of 1: p = 0.15 in the east, 0.1 in the west. Of 200 realizations x
// 2000 items about 164,000 land on each side outside the two columns left out,
// sd of the fraction 0.00088 in the east: k = 0 (no slope effect) is 57 sd
// away, the slope angle (atan 1 = 0.785) used in place of the gradient
// (p = 0.139) 12 sd.
TEST(Slope, DudFractionFollowsTheSlopeWhereItemsLand) {
  test::TempDir dir;
  const Scenario sc = slope_scenario(write_dem(dir), "0.5");
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, sc.realizations, 77);
  double impacts[2] = {0, 0}, duds[2] = {0, 0};
  for (std::uint32_t i = 0; i < plan.cells(); ++i) {
    const std::uint32_t ix = i % kCells;
    if (!west(ix) && !east(ix)) continue;
    impacts[east(ix)] += double(r.accumulators.impact_sum[i]);
    duds[east(ix)] += double(r.accumulators.dud_sum[i]);
  }
  std::uint64_t landed = 0;
  for (const RealizationTotals& t : r.totals) landed += t.impacts;
  ASSERT_EQ(landed, 200u * 2000u) << "the scenario is built so that every item lands on the grid";
  const char* side[2] = {"flat ground (west)", "slope of gradient 1 (east)"};
  const double p[2] = {0.1, 0.1 * (1.0 + 0.5 * 1.0)};
  for (int s = 0; s < 2; ++s) {
    ASSERT_GT(impacts[s], 150000.0) << side[s];
    const double fraction = duds[s] / impacts[s];
    EXPECT_LT(std::abs(fraction - p[s]), 4.0 * std::sqrt(p[s] * (1 - p[s]) / impacts[s]))
        << side[s] << ": " << duds[s] << " duds of " << impacts[s] << " impacts = " << fraction << ", expected " << p[s];
  }
}

}  // namespace
}  // namespace remnant
