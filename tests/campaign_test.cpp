// The arithmetic behind the ban campaign's headline numbers: 10 carriers x 100
// submunitions at a 10 % failure rate leave about 100 duds. The engine must
// reproduce that figure and its binomial spread exactly as a hand calculation
// would, when every item lands on land with multiplier 1.
#include <gtest/gtest.h>

#include <cmath>

#include "host/run/summary.h"
#include "test_support.h"

namespace remnant {
namespace {

// 2 km x 2 km of bare ground; one strike in the middle, footprint at most
// 150 m, CEP 50 m, calm air: nothing can leave the grid.
const std::string kCampaign = test::ScenarioText("campaign arithmetic: 10 x 100 at 10 %", 2008, 400)
                                  .grid(200, 200, 10.0)
                                  .land_cover("bare")
                                  .multiplier("bare", 1.0)
                                  .submunition(test::bomblet().terminal_velocity(40.0).dud_rate("@RATE@"))
                                  .carrier(test::dispenser(100)
                                               .name("container")
                                               .footprint({100.0, 150.0}, {50.0, 75.0})
                                               .aim_error_cep(50.0)
                                               .function_height({300.0, 600.0}))
                                  .strike(test::Strike("container", 10, 1000.0, 1000.0).heading(45.0, 20.0))
                                  .text();

TEST(Campaign, TenTimesHundredAtTenPercentLeavesAboutHundredDuds) {
  const Scenario sc = test::scenario_from(test::replace_all(kCampaign, "@RATE@", "0.10"), "campaign.toml");
  const Plan plan = make_plan(sc);
  ASSERT_EQ(plan.items_per_realization, 1000u);
  const std::uint32_t R = sc.realizations;
  const RunResult r = test::run(sc, plan, R, sc.seed);

  const double N = 1000, p = 0.10, expected = N * p;
  const double sd = std::sqrt(N * p * (1 - p));  // 9.49 duds per realization
  for (std::uint32_t i = 0; i < R; ++i) {
    const RealizationTotals& t = r.totals[i];
    ASSERT_EQ(t.outside_grid, 0u) << "the grid is meant to hold every item";
    ASSERT_EQ(t.in_water, 0u);
    ASSERT_EQ(t.impacts, 1000u);
    EXPECT_LT(std::abs(double(t.duds) - expected), 5.0 * sd) << "realization " << i << ": " << t.duds << " duds";
    EXPECT_EQ(t.duds_by_class[static_cast<int>(LandCover::Bare)], t.duds);
  }
  const test::Moments m = test::moments(test::column(r, [](const RealizationTotals& t) { return t.duds; }));
  EXPECT_LT(std::abs(m.mean - expected), 4.0 * sd / std::sqrt(double(R))) << "mean duds " << m.mean;
  EXPECT_LT(std::abs(std::sqrt(m.var) - sd), 4.0 * sd / std::sqrt(2.0 * (R - 1)))
      << "sd of duds " << std::sqrt(m.var) << ", binomial " << sd;

  // The headline summary reports the same figures.
  const Headline h = headline(r, plan);
  EXPECT_DOUBLE_EQ(h.total_duds.mean, m.mean);
  EXPECT_NEAR(h.total_duds.sd, std::sqrt(m.var), 1e-9);
  EXPECT_LE(h.total_duds.q05, h.total_duds.q50);
  EXPECT_LE(h.total_duds.q50, h.total_duds.q95);
  // 90 % interval of a Binomial(1000, 0.1): about 100 +- 1.645 x 9.49.
  EXPECT_NEAR(h.total_duds.q05, expected - 1.645 * sd, 4.0);
  EXPECT_NEAR(h.total_duds.q95, expected + 1.645 * sd, 4.0);
  EXPECT_EQ(h.outside_grid.max, 0.0);
  EXPECT_EQ(h.in_water.max, 0.0);
  // Contaminated area: cells with a dud x 100 m^2; never more cells than duds.
  for (const RealizationTotals& t : r.totals) EXPECT_LE(t.contaminated_cells, t.duds);
  EXPECT_GT(h.contaminated_area_km2.mean, 0.0);
  EXPECT_LE(h.contaminated_area_km2.max, h.total_duds.max * 1e-4 + 1e-12);
}

TEST(Campaign, BetaPriorWidensTheIntervalAsTheLawOfTotalVarianceSays) {
  // Beta(2, 18): mean rate 0.1, but the lot reliability varies from strike to
  // strike. Var(duds) = N E[q(1-q)] + N^2 Var(q) (law of total variance).
  const Scenario sc = test::scenario_from(test::replace_all(kCampaign, "@RATE@", "{ alpha = 2.0, beta = 18.0 }"),
                                          "campaign-beta.toml");
  const Plan plan = make_plan(sc);
  const std::uint32_t R = sc.realizations;
  const RunResult r = test::run(sc, plan, R, sc.seed + 1);
  const double N = 1000, a = 2, b = 18;
  const double mq = a / (a + b), vq = a * b / ((a + b) * (a + b) * (a + b + 1));
  const double var = N * (mq - vq - mq * mq) + N * N * vq;  // about 4372, sd 66
  const test::Moments m = test::moments(test::column(r, [](const RealizationTotals& t) { return t.duds; }));
  EXPECT_LT(std::abs(m.mean - N * mq), 4.0 * std::sqrt(var / R)) << "mean duds " << m.mean;
  EXPECT_LT(std::abs(m.var - var), 4.0 * m.se_var()) << "variance of duds " << m.var << ", expected " << var;
  // Far wider than the binomial spread of a fixed 10 % rate (sd 9.5).
  EXPECT_GT(std::sqrt(m.var), 40.0);
}

}  // namespace
}  // namespace remnant
