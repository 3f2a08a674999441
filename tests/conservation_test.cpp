// Conservation: every submunition fired is accounted for exactly once, as an
// impact on land inside the grid, an item in water or an item outside the
// grid; per-cell accumulators agree with the per-realization totals.
#include <gtest/gtest.h>

#include <numeric>

#include "test_support.h"

namespace remnant {
namespace {

// 1 km x 1 km, a river 150 m wide (x 600..750) from south to north, a wood
// and a paddy. Three strikes: one near the east edge with wind blowing east
// (many items leave the grid), one on the river, one in the north-west corner
// in any direction. All three patterns.
const std::string kLeaky =
    test::ScenarioText("conservation test: items leave the grid and fall in water", 3, 10)
        .origin(500000.0, 4000000.0)  // projected metres, not starting at 0
        .crs("EPSG:32636")
        .land_cover("grass_shrub")
        .region({500600.0, 500750.0}, {4000000.0, 4001000.0}, "water")
        .region({500000.0, 500300.0}, {4000700.0, 4001000.0}, "tree")
        .region({500300.0, 500600.0}, {4000000.0, 4000300.0}, "wetland")
        .wind({2.0, 15.0}, {225.0, 315.0})
        .multiplier("grass_shrub", 1.2)
        .multiplier("tree", 1.5)
        .multiplier("wetland", 1.8)
        .submunition(test::m77().terminal_velocity({20.0, 40.0}))
        .submunition(test::blu97().terminal_velocity({25.0, 35.0}).dud_rate(0.07).self_destruct_failure(test::beta(1.0, 1.0)))
        .carrier(test::m26().per_carrier(150).function_height({200.0, 600.0}))
        .carrier(test::m483()
                     .name("shell")
                     .footprint({60.0, 90.0}, {50.0, 70.0})
                     .ring_inner_fraction(0.5)
                     .aim_error_cep(60.0)
                     .function_height({100.0, 300.0}))
        .carrier(test::cbu87()
                     .per_carrier(101)
                     .footprint({100.0, 200.0}, {50.0, 100.0})
                     .aim_error_cep(100.0)
                     .function_height({300.0, 900.0}))
        .strike(test::Strike("M26", 5, 500900.0, 4000500.0).heading(90.0, 30.0))
        .strike(test::Strike("shell", 3, 500675.0, 4000200.0).heading(0.0))
        .strike(test::Strike("CBU-87", 4, 500050.0, 4000950.0))
        .text();

TEST(Conservation, EveryItemIsCountedExactlyOnce) {
  const Scenario sc = test::scenario_from(kLeaky, "leaky.toml");
  const Plan plan = make_plan(sc);
  const std::uint64_t fired = 5 * 150 + 3 * 88 + 4 * 101;
  ASSERT_EQ(plan.items_per_realization, fired);
  const std::uint32_t R = 60;
  const RunResult r = test::run(sc, plan, R, 31337);
  ASSERT_EQ(r.totals.size(), R);
  EXPECT_EQ(r.fired_per_realization, fired);

  std::uint64_t impacts = 0, duds = 0, water = 0, outside = 0, contaminated = 0;
  std::uint64_t by_class[kLandCoverClasses] = {};
  for (std::uint32_t i = 0; i < R; ++i) {
    const RealizationTotals& t = r.totals[i];
    EXPECT_EQ(t.fired, fired) << "realization " << i;
    EXPECT_EQ(t.impacts + t.outside_grid + t.in_water, t.fired) << "realization " << i << ": items lost or doubled";
    std::uint64_t class_sum = 0;
    for (int k = 0; k < kLandCoverClasses; ++k) {
      class_sum += t.duds_by_class[k];
      by_class[k] += t.duds_by_class[k];
    }
    EXPECT_EQ(class_sum, t.duds) << "realization " << i << ": duds by land-cover class do not add up";
    EXPECT_EQ(t.duds_by_class[static_cast<int>(LandCover::Water)], 0u) << "duds counted in water cells";
    EXPECT_LE(t.duds, t.impacts);
    EXPECT_LE(t.contaminated_cells, t.duds);
    EXPECT_EQ(t.contaminated_cells == 0, t.duds == 0);
    impacts += t.impacts;
    duds += t.duds;
    water += t.in_water;
    outside += t.outside_grid;
    contaminated += t.contaminated_cells;
  }
  // The scenario really exercises all three fates (else the test proves little).
  const double total = double(fired) * R;
  EXPECT_GT(outside / total, 0.10) << "too few items left the grid for this test to mean anything";
  EXPECT_GT(water / total, 0.05) << "too few items fell in water for this test to mean anything";
  EXPECT_GT(impacts / total, 0.30);
  EXPECT_GT(by_class[static_cast<int>(LandCover::Tree)], 0u);
  EXPECT_GT(by_class[static_cast<int>(LandCover::Wetland)], 0u);
  EXPECT_GT(by_class[static_cast<int>(LandCover::GrassShrub)], 0u);

  // Accumulators against the totals.
  const CellAccumulators& a = r.accumulators;
  ASSERT_EQ(a.cells, plan.cells());
  ASSERT_EQ(a.dud_sum.size(), a.cells);
  ASSERT_EQ(a.histogram.size(), std::size_t(a.histogram_bins) * a.cells);
  EXPECT_EQ(std::accumulate(a.impact_sum.begin(), a.impact_sum.end(), std::uint64_t{0}), impacts);
  EXPECT_EQ(std::accumulate(a.dud_sum.begin(), a.dud_sum.end(), std::uint64_t{0}), duds);
  EXPECT_EQ(std::accumulate(a.dud_nonzero.begin(), a.dud_nonzero.end(), std::uint64_t{0}), contaminated);
  std::uint64_t acc_by_class[kLandCoverClasses] = {};
  for (std::uint32_t c = 0; c < a.cells; ++c) {
    acc_by_class[plan.land_cover[c]] += a.dud_sum[c];
    if (plan.land_cover[c] == static_cast<std::uint8_t>(LandCover::Water)) {
      EXPECT_EQ(a.impact_sum[c], 0u) << "impacts recorded in water cell " << c;
      EXPECT_EQ(a.dud_sum[c], 0u) << "duds recorded in water cell " << c;
    }
    EXPECT_LE(a.dud_sum[c], a.impact_sum[c]) << "cell " << c;
    EXPECT_LE(a.dud_nonzero[c], R) << "cell " << c;
    EXPECT_LE(a.dud_nonzero[c], a.dud_sum[c]) << "cell " << c;
    EXPECT_GE(a.dud_sum_sq[c], a.dud_sum[c]) << "cell " << c;  // d^2 >= d for integers
    std::uint64_t hist = 0;
    for (std::uint32_t b = 0; b < a.histogram_bins; ++b) hist += a.histogram[std::size_t(b) * a.cells + c];
    EXPECT_EQ(hist, a.dud_nonzero[c]) << "cell " << c << ": histogram does not hold every non-zero realization";
  }
  for (int k = 0; k < kLandCoverClasses; ++k)
    EXPECT_EQ(acc_by_class[k], by_class[k]) << "land-cover class " << land_cover_name(static_cast<LandCover>(k));
}

TEST(Conservation, PlanPaintsRegionsAndShiftsSitesToTheGridOrigin) {
  const Scenario sc = test::scenario_from(kLeaky, "leaky.toml");
  const Plan plan = make_plan(sc);
  auto cover = [&](std::uint32_t ix, std::uint32_t iy) { return static_cast<LandCover>(plan.land_cover[iy * 100 + ix]); };
  EXPECT_EQ(cover(65, 10), LandCover::Water);
  EXPECT_EQ(cover(65, 99), LandCover::Water);
  EXPECT_EQ(cover(59, 50), LandCover::GrassShrub);
  EXPECT_EQ(cover(75, 50), LandCover::GrassShrub);
  EXPECT_EQ(cover(10, 90), LandCover::Tree);
  EXPECT_EQ(cover(40, 10), LandCover::Wetland);
  EXPECT_EQ(cover(90, 90), LandCover::GrassShrub);
  EXPECT_FLOAT_EQ(plan.failure_multiplier[90 * 100 + 10], 1.5f);
  EXPECT_FLOAT_EQ(plan.failure_multiplier[10 * 100 + 40], 1.8f);
  EXPECT_FLOAT_EQ(plan.failure_multiplier[50 * 100 + 90], 1.2f);
  ASSERT_EQ(plan.fixed_x.size(), 3u);
  EXPECT_DOUBLE_EQ(plan.fixed_x[0], 900.0);
  EXPECT_DOUBLE_EQ(plan.fixed_y[0], 500.0);
  EXPECT_DOUBLE_EQ(plan.fixed_x[2], 50.0);
  EXPECT_DOUBLE_EQ(plan.fixed_y[2], 950.0);
  EXPECT_EQ(plan.first_item, (std::vector<std::uint32_t>{0, 750, 1014, 1418}));
}

TEST(Conservation, StrikeFarOutsideTheGridLeavesEverythingOutside) {
  std::string t = test::replace_all(kLeaky, "x_m = 500900.0", "x_m = 900000.0");
  t = test::replace_all(t, "x_m = 500675.0", "x_m = 100000.0");
  t = test::replace_all(t, "x_m = 500050.0", "x_m = -3000000.0");
  const Scenario sc = test::scenario_from(t, "far.toml");
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, 5, 1);
  for (const RealizationTotals& x : r.totals) {
    EXPECT_EQ(x.outside_grid, x.fired);
    EXPECT_EQ(x.impacts, 0u);
    EXPECT_EQ(x.duds, 0u);
    EXPECT_EQ(x.in_water, 0u);
  }
  const CellStatistics st = cell_statistics(r.accumulators, 5);
  for (std::uint32_t c = 0; c < plan.cells(); ++c) {
    ASSERT_EQ(st.mean[c], 0.0f);
    ASSERT_EQ(st.p_any[c], 0.0f);
    ASSERT_EQ(st.q95[c], 0.0f);
  }
}

TEST(Conservation, AllWaterGridPutsEveryLandingItemInWater) {
  const std::string t = test::replace_all(kLeaky, "land_cover = \"grass_shrub\"", "land_cover = \"water\"");
  // The regions still paint tree, wetland (and water) over it.
  const Scenario sc = test::scenario_from(t, "lake.toml");
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, 5, 2);
  std::uint64_t water = 0;
  for (const RealizationTotals& x : r.totals) {
    EXPECT_EQ(x.impacts + x.in_water + x.outside_grid, x.fired);
    EXPECT_EQ(x.duds_by_class[static_cast<int>(LandCover::GrassShrub)], 0u);
    water += x.in_water;
  }
  EXPECT_GT(water, 0u);
}

}  // namespace
}  // namespace remnant
