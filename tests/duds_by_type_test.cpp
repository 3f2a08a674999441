// The duds of each submunition type (RunResult::duds_by_type, the result
// file's realizations/duds_by_type, `run --json`'s duds_by_submunition): a
// row sums to the realization's duds; the same bits on every CPU kernel path,
// thread count and batch size, in the dud-only pass, and through a merge;
// each type's mean is its own dud rate times its items (a known answer);
// a change to one type's rate moves that type's duds only; the file keeps
// the submunition types the run fires and reads them back.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "host/evidence/report.h"
#include "host/evidence/result_file.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"
#include "host/run/result_data.h"
#include "host/evidence/stats.h"
#include "test_support.h"

namespace remnant {
namespace {

// 4 km x 4 km of cropland: an M26 rocket of M77 and an M483 shell carrying
// M42 (fixed dud rates unless given), aimed well inside the grid, no wind;
// BLU-97 is in the catalogue but no carrier of the run holds it.
std::string two_types(const std::string& m77_rate = "0.2", const std::string& m42_rate = "0.05") {
  return test::ScenarioText("duds by type", 11, 20)
      .grid(200, 200, 20.0)
      .submunition(test::m77().dud_rate(m77_rate.c_str()))
      .submunition(test::m42().dud_rate(m42_rate.c_str()))
      .submunition(test::blu97())
      .carrier(test::m26().aim_error_cep(100.0))
      .carrier(test::m483().submunition("M42").aim_error_cep(100.0))
      .strike(test::Strike("M26", 3, 1500.0, 2000.0).heading(0.0))
      .strike(test::Strike("M483", 12, 2500.0, 2000.0).heading(90.0))
      .text();
}

class DudsByType : public ::testing::Test {
 protected:
  void SetUp() override {
    sc_ = test::scenario_from(two_types());
    plan_ = make_plan(sc_);
  }
  RunResult run(std::uint32_t realizations, int threads = 0, std::uint32_t batch = 0, bool duds_only = false,
                CpuKernel kernel = CpuKernel::Auto) const {
    RunOptions o = test::run_options(realizations, 5, threads, batch);
    o.duds_only = duds_only;
    o.cpu_kernel = kernel;
    return run_ensemble(sc_, plan_, o);
  }
  Scenario sc_;
  Plan plan_;
};

TEST_F(DudsByType, EachRowSumsToTheRealizationsDuds) {
  const RunResult r = run(12);
  ASSERT_TRUE(r.counts_duds_by_type());
  ASSERT_EQ(r.duds_types, 3u);
  for (std::size_t i = 0; i < r.totals.size(); ++i) {
    const std::uint64_t* row = &r.duds_by_type[i * 3];
    EXPECT_EQ(row[0] + row[1] + row[2], r.totals[i].duds) << "realization " << i;
    EXPECT_GT(row[0], 0u);
    EXPECT_GT(row[1], 0u);
    EXPECT_EQ(row[2], 0u) << "BLU-97 is fired by no carrier";
  }
}

TEST_F(DudsByType, SameBitsOnEveryPathThreadCountBatchAndInTheDudOnlyPass) {
  const RunResult base = run(9, 1, 9);
  for (const RunResult& other : {run(9, 2, 4), run(9, 1, 1, false, CpuKernel::Portable),
                                 run(9, 2, 3, false, CpuKernel::PerItem), run(9, 2, 2, true),
                                 run(9, 1, 9, true, CpuKernel::PerItem)})
    EXPECT_EQ(other.duds_by_type, base.duds_by_type);
}

TEST_F(DudsByType, AMergeInterleavesTheRowsWithTheTotals) {
  const RunResult whole = run(10);
  RunOptions o = test::run_options(10, 5);
  RealizationSet odd, even;
  for (std::uint32_t i = 0; i < 10; ++i) (i % 2 ? odd : even).add(i, i + 1);
  o.todo = odd;
  RunResult merged = run_ensemble(sc_, plan_, o);
  o.todo = even;
  merge_results(merged, run_ensemble(sc_, plan_, o));
  EXPECT_EQ(merged.duds_by_type, whole.duds_by_type);
  // A part that did not count them (a checkpoint of an older version): none kept.
  o.todo = even;
  RunResult old = run_ensemble(sc_, plan_, o);
  old.duds_types = 0;
  old.duds_by_type.clear();
  o.todo = odd;
  merge_results(old, run_ensemble(sc_, plan_, o));
  EXPECT_FALSE(old.counts_duds_by_type());
  EXPECT_TRUE(old.duds_by_type.empty());
}

// Known answer: everything lands on cropland inside the grid (multiplier 1,
// flat), so each type's duds are Binomial(its items, its fixed rate): the
// mean over realizations within 4 standard errors of rate x items.
TEST_F(DudsByType, EachTypesMeanIsItsRateTimesItsItems) {
  const RunResult r = run(20);
  const std::vector<std::uint64_t> items = plan_.items_by_type();
  ASSERT_EQ(items[0], 3u * 644u);
  ASSERT_EQ(items[1], 12u * 88u);
  for (const auto& [t, p] : {std::pair<std::size_t, double>{0, 0.2}, {1, 0.05}}) {
    double sum = 0;
    for (std::size_t i = 0; i < r.totals.size(); ++i) sum += double(r.duds_by_type[i * 3 + t]);
    const double mean = sum / double(r.totals.size()), n = double(items[t]);
    const double se = std::sqrt(n * p * (1 - p) / double(r.totals.size()));
    EXPECT_NEAR(mean, n * p, 4 * se) << "type " << t;
  }
}

// The M85 argument in small: a higher rate of one type raises that type's
// duds and leaves the other's as they were, to the bit (keyed draws).
TEST_F(DudsByType, ARateChangeMovesOnlyThatTypesDuds) {
  const RunResult a = run(8);
  const Scenario sc = test::scenario_from(two_types("0.2", "0.3"));
  const Plan plan = make_plan(sc);
  const RunResult b = test::run(sc, plan, 8, 5);
  std::uint64_t m42_a = 0, m42_b = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(b.duds_by_type[i * 3], a.duds_by_type[i * 3]) << "M77 moved in realization " << i;
    m42_a += a.duds_by_type[i * 3 + 1];
    m42_b += b.duds_by_type[i * 3 + 1];
  }
  EXPECT_GT(m42_b, 4 * m42_a);
}

TEST_F(DudsByType, TheFileKeepsTheFiredTypesAndReadsThemBack) {
  const RunResult r = run(6);
  const ResultData d = make_result_data(sc_, plan_, r, cell_statistics(r.accumulators, r.realizations));
  ASSERT_EQ(d.submunition_types, (std::vector<std::string>{"M77", "M42"}));
  test::TempDir dir;
  const std::string path = dir.file("r.h5");
  write_result_file(path, d);
  const ResultData back = read_result_file(path);
  EXPECT_EQ(back.submunition_types, d.submunition_types);
  EXPECT_EQ(back.duds_by_type, d.duds_by_type);
  const Headline h = headline(back);
  ASSERT_EQ(h.duds_by_type.size(), 2u);
  EXPECT_EQ(h.duds_by_type[0].first, "M77");
  EXPECT_GT(h.duds_by_type[0].second.mean, h.duds_by_type[1].second.mean);
  EXPECT_NE(headline_text(h, 6).find("duds of M42"), std::string::npos) << headline_text(h, 6);
  // Back to the scenario's three types (a checkpoint resumed), BLU-97 zero.
  EXPECT_EQ(all_duds_by_type(sc_, back.submunition_types, back.duds_by_type, 6), r.duds_by_type);
  EXPECT_TRUE(all_duds_by_type(sc_, {"M77", "no such type"}, back.duds_by_type, 6).empty());
}

}  // namespace
}  // namespace remnant
