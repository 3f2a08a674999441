// Reproducibility: the same seed gives byte-identical accumulators and totals
// whatever the thread count and batch size; a realization's result depends
// only on its index; a different seed gives different results.
#include <gtest/gtest.h>

#include <cstring>

#include "test_support.h"

namespace remnant {
namespace {

// A small scenario with everything that draws random numbers: Beta priors,
// self-destruct, uncertain footprint, wind, function height, terminal
// velocity, heading, all three patterns, water and items off the grid.
const std::string kMixed =
    test::ScenarioText("reproducibility test", 99, 40)
        .grid(60, 50, 20.0)
        .region({0.0, 1200.0}, {400.0, 460.0}, "water")
        .region({800.0, 1200.0}, {600.0, 1000.0}, "built_up")
        .wind({0.0, 10.0}, {0.0, 360.0})
        .multiplier("cropland", 1.3)
        .multiplier("built_up", 0.8)
        .submunition(test::m77())
        .submunition(test::m42().terminal_velocity({25.0, 45.0}).self_destruct_failure(test::beta(5.0, 5.0)))
        .carrier(test::m26().per_carrier(300))
        .carrier(test::m483().submunition("M42"))
        .carrier(test::Carrier("dispenser", "M42", 200, "air", "gaussian_ellipse")
                     .footprint({100.0, 200.0}, {60.0, 90.0})
                     .aim_error_cep(100.0)
                     .function_height({200.0, 800.0}))
        .strike(test::Strike("M26", 4, 600.0, 500.0).heading(20.0, 10.0))
        .strike(test::Strike("M483", 6, 1100.0, 900.0))
        .strike(test::Strike("dispenser", 3, 300.0, 800.0).heading(300.0))
        .text();

void expect_same_totals(const std::vector<RealizationTotals>& a, const std::vector<RealizationTotals>& b,
                        const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].fired, b[i].fired) << what << ", realization " << i;
    EXPECT_EQ(a[i].impacts, b[i].impacts) << what << ", realization " << i;
    EXPECT_EQ(a[i].duds, b[i].duds) << what << ", realization " << i;
    EXPECT_EQ(a[i].contaminated_cells, b[i].contaminated_cells) << what << ", realization " << i;
    EXPECT_EQ(a[i].in_water, b[i].in_water) << what << ", realization " << i;
    EXPECT_EQ(a[i].outside_grid, b[i].outside_grid) << what << ", realization " << i;
    for (int k = 0; k < kLandCoverClasses; ++k)
      EXPECT_EQ(a[i].duds_by_class[k], b[i].duds_by_class[k]) << what << ", realization " << i << ", class " << k;
  }
}

template <typename T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void expect_same_accumulators(const CellAccumulators& a, const CellAccumulators& b, const std::string& what) {
  EXPECT_EQ(a.cells, b.cells) << what;
  EXPECT_EQ(a.histogram_bins, b.histogram_bins) << what;
  EXPECT_TRUE(same_bytes(a.dud_sum, b.dud_sum)) << what << ": dud_sum differs";
  EXPECT_TRUE(same_bytes(a.dud_sum_sq, b.dud_sum_sq)) << what << ": dud_sum_sq differs";
  EXPECT_TRUE(same_bytes(a.dud_nonzero, b.dud_nonzero)) << what << ": dud_nonzero differs";
  EXPECT_TRUE(same_bytes(a.impact_sum, b.impact_sum)) << what << ": impact_sum differs";
  EXPECT_TRUE(same_bytes(a.histogram, b.histogram)) << what << ": histogram differs";
}

class Reproducibility : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kR = 40;
  static constexpr std::uint64_t kSeed = 8675309;
  void SetUp() override {
    sc_ = test::scenario_from(kMixed, "mixed.toml");
    plan_ = make_plan(sc_);
    reference_ = test::run(sc_, plan_, kR, kSeed, /*threads=*/1, /*batch=*/32);
    // The reference must have content, or equality proves nothing.
    std::uint64_t duds = 0, water = 0, outside = 0;
    for (const auto& t : reference_.totals) {
      duds += t.duds;
      water += t.in_water;
      outside += t.outside_grid;
    }
    ASSERT_GT(duds, 0u);
    ASSERT_GT(water, 0u);
    ASSERT_GT(outside, 0u);
  }
  Scenario sc_;
  Plan plan_;
  RunResult reference_;
};

TEST_F(Reproducibility, SameSeedTwiceIsIdentical) {
  const RunResult again = test::run(sc_, plan_, kR, kSeed, 1, 32);
  expect_same_totals(reference_.totals, again.totals, "second run");
  expect_same_accumulators(reference_.accumulators, again.accumulators, "second run");
}

TEST_F(Reproducibility, ThreadCountDoesNotMatter) {
  for (int threads : {2, 3}) {
    const RunResult r = test::run(sc_, plan_, kR, kSeed, threads, 32);
    EXPECT_EQ(r.threads, threads);
    const std::string what = "threads=" + std::to_string(threads);
    expect_same_totals(reference_.totals, r.totals, what);
    expect_same_accumulators(reference_.accumulators, r.accumulators, what);
  }
}

TEST_F(Reproducibility, BatchSizeDoesNotMatter) {
  for (std::uint32_t batch : {1u, 7u, 32u, 40u, 1000u}) {
    const RunResult r = test::run(sc_, plan_, kR, kSeed, 2, batch);
    const std::string what = "batch=" + std::to_string(batch);
    expect_same_totals(reference_.totals, r.totals, what);
    expect_same_accumulators(reference_.accumulators, r.accumulators, what);
  }
}

TEST_F(Reproducibility, AutomaticBackendOnCpuMatchesExplicitCpu) {
  std::string why;
  if (cuda::device_usable(&why)) GTEST_SKIP() << "auto picks cuda on this machine; CPU-only comparison";
  const RunResult r = test::run(sc_, plan_, kR, kSeed, 2, 0, "auto");
  EXPECT_EQ(r.backend.name, "cpu");
  expect_same_totals(reference_.totals, r.totals, "backend=auto");
  expect_same_accumulators(reference_.accumulators, r.accumulators, "backend=auto");
}

TEST_F(Reproducibility, RealizationDependsOnlyOnItsIndex) {
  // The first 15 realizations of a 40-realization run are those of a 15-run.
  const RunResult shorter = test::run(sc_, plan_, 15, kSeed, 2, 4);
  const std::vector<RealizationTotals> head(reference_.totals.begin(), reference_.totals.begin() + 15);
  expect_same_totals(head, shorter.totals, "first 15 realizations");
}

TEST_F(Reproducibility, DifferentSeedGivesDifferentResults) {
  const RunResult other = test::run(sc_, plan_, kR, kSeed + 1, 1, 32);
  EXPECT_FALSE(same_bytes(reference_.accumulators.dud_sum, other.accumulators.dud_sum));
  EXPECT_FALSE(same_bytes(reference_.accumulators.impact_sum, other.accumulators.impact_sum));
  int differing = 0;
  for (std::uint32_t i = 0; i < kR; ++i) differing += reference_.totals[i].impacts != other.totals[i].impacts;
  EXPECT_GT(differing, int(kR) / 2) << "per-realization totals barely change with the seed";
}

TEST_F(Reproducibility, EngineAccumulatorsCanBeResumed) {
  // Two halves on two engines, the second resumed from the first's
  // accumulators, give the single run's accumulators.
  const RunTables tables = plan_.tables(kSeed);
  auto first = cpu::make_engine();
  first->prepare(tables, 8);
  for (std::uint32_t f = 0; f < 24; f += 8) first->run_batch(draw_batch(sc_, plan_, kSeed, f, 8).view());
  const CellAccumulators half = first->read_accumulators();
  auto second = cpu::make_engine();
  second->prepare(tables, 16);
  second->load_accumulators(half);
  second->run_batch(draw_batch(sc_, plan_, kSeed, 24, 16).view());
  expect_same_accumulators(reference_.accumulators, second->read_accumulators(), "resumed run");
}

}  // namespace
}  // namespace remnant
