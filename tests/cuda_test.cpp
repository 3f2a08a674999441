// The CUDA backend against the CPU backend (the CPU is the "gold" reference).
// Runs only where a CUDA device answers; elsewhere every test is reported as
// skipped, never as passed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>

#include "test_support.h"

namespace remnant {
namespace {

constexpr const char* kScenario = R"toml(
[scenario]
name = "cuda test"
seed = 17
realizations = 200

[grid]
nx = 100
ny = 100
cell_size_m = 10.0
origin_x_m = 0.0
origin_y_m = 0.0
land_cover = "cropland"

[[grid.region]]
x_m = [0.0, 1000.0]
y_m = [300.0, 380.0]
land_cover = "water"

[wind]
speed_mps = [0.0, 12.0]
from_deg = [200.0, 340.0]

[land_cover.dud_rate_multiplier]
cropland = 1.3

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

[[carrier]]
name = "M483"
submunition = "M77"
submunitions_per_carrier = 88
delivery = "artillery"
pattern = "ring"
semi_major_m = [50.0, 80.0]
semi_minor_m = [40.0, 60.0]
ring_inner_fraction = 0.6
aim_error_cep_m = 80.0
function_height_m = [300.0, 500.0]

[[strike]]
carrier = "M26"
carriers = 6
x_m = 700.0
y_m = 500.0
heading_deg = 20.0
heading_spread_deg = 10.0

[[strike]]
carrier = "M483"
carriers = 12
x_m = 300.0
y_m = 300.0
)toml";

#define REQUIRE_GPU()                                                         \
  do {                                                                        \
    std::string why_;                                                         \
    if (!cuda::device_usable(&why_)) GTEST_SKIP() << "no usable CUDA device: " << why_; \
  } while (0)

TEST(Cuda, ReportsWhyItIsUnusable) {
  std::string why;
  if (cuda::device_usable(&why)) GTEST_SKIP() << "a CUDA device is usable here";
  EXPECT_FALSE(why.empty()) << "device_usable() must say why no GPU can be used";
  EXPECT_THROW(choose_backend("cuda"), InputError);
  EXPECT_EQ(choose_backend("auto").name, "cpu");
}

TEST(Cuda, AgreesWithCpuStatisticallyAndConserves) {
  REQUIRE_GPU();
  const Scenario sc = test::scenario_from(kScenario, "cuda.toml");
  const Plan plan = make_plan(sc);
  const std::uint32_t R = sc.realizations;
  const RunResult cpu = test::run(sc, plan, R, 123, 0, 0, "cpu");
  const RunResult gpu = test::run(sc, plan, R, 123, 0, 0, "cuda");
  EXPECT_EQ(gpu.backend.name, "cuda");
  ASSERT_EQ(gpu.totals.size(), R);

  for (std::uint32_t i = 0; i < R; ++i) {
    const RealizationTotals& t = gpu.totals[i];
    EXPECT_EQ(t.fired, plan.items_per_realization);
    EXPECT_EQ(t.impacts + t.in_water + t.outside_grid, t.fired) << "GPU realization " << i;
    std::uint64_t by_class = 0;
    for (int k = 0; k < kLandCoverClasses; ++k) by_class += t.duds_by_class[k];
    EXPECT_EQ(by_class, t.duds) << "GPU realization " << i;
  }
  const CellAccumulators& a = gpu.accumulators;
  std::uint64_t duds = 0, impacts = 0;
  for (const auto& t : gpu.totals) {
    duds += t.duds;
    impacts += t.impacts;
  }
  EXPECT_EQ(std::accumulate(a.dud_sum.begin(), a.dud_sum.end(), std::uint64_t{0}), duds);
  EXPECT_EQ(std::accumulate(a.impact_sum.begin(), a.impact_sum.end(), std::uint64_t{0}), impacts);

  auto compare = [&](const char* what, auto get) {
    const test::Moments c = test::moments(test::column(cpu, get));
    const test::Moments g = test::moments(test::column(gpu, get));
    const double se = std::sqrt(c.var / R + g.var / R);
    EXPECT_LT(std::abs(c.mean - g.mean), 4.0 * se + 1e-9)
        << what << ": cpu mean " << c.mean << ", cuda mean " << g.mean << ", combined se " << se;
  };
  compare("total duds", [](const RealizationTotals& t) { return t.duds; });
  compare("impacts", [](const RealizationTotals& t) { return t.impacts; });
  compare("in water", [](const RealizationTotals& t) { return t.in_water; });
  compare("outside grid", [](const RealizationTotals& t) { return t.outside_grid; });
  compare("contaminated cells", [](const RealizationTotals& t) { return t.contaminated_cells; });
}

TEST(Cuda, SameSeedIsIdenticalForAnyBatchSize) {
  REQUIRE_GPU();
  const Scenario sc = test::scenario_from(kScenario, "cuda.toml");
  const Plan plan = make_plan(sc);
  const RunResult a = test::run(sc, plan, 50, 9, 0, 50, "cuda");
  const RunResult b = test::run(sc, plan, 50, 9, 0, 7, "cuda");
  const RunResult c = test::run(sc, plan, 50, 9, 0, 1, "cuda");
  for (const RunResult* x : {&b, &c}) {
    EXPECT_EQ(a.accumulators.dud_sum, x->accumulators.dud_sum);
    EXPECT_EQ(a.accumulators.dud_sum_sq, x->accumulators.dud_sum_sq);
    EXPECT_EQ(a.accumulators.dud_nonzero, x->accumulators.dud_nonzero);
    EXPECT_EQ(a.accumulators.impact_sum, x->accumulators.impact_sum);
    EXPECT_EQ(a.accumulators.histogram, x->accumulators.histogram);
    for (std::size_t i = 0; i < a.totals.size(); ++i) {
      EXPECT_EQ(a.totals[i].duds, x->totals[i].duds) << i;
      EXPECT_EQ(a.totals[i].impacts, x->totals[i].impacts) << i;
    }
  }
}

TEST(Cuda, AutoPicksTheGpu) {
  REQUIRE_GPU();
  EXPECT_EQ(choose_backend("auto").name, "cuda");
  EXPECT_EQ(choose_backend("cuda").name, "cuda");
  EXPECT_NE(cuda::device_name(), "none");
}

}  // namespace
}  // namespace remnant
