// Statistics over realizations: the per-cell layers of cell_statistics()
// against a brute-force computation from every realization's own dud grid,
// the histogram (quantile sketch) bins, and summarize()/quantile_sorted() on
// hand-made samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/histogram.h"
#include "test_support.h"

namespace remnant {
namespace {

// A 200 m x 200 m grid under a dense strike: 4 x 1000 items on a footprint of
// about 40 cells, so per-cell counts range from 0 to several dozen (both the
// exact histogram bins and the octave bins are exercised).
const std::string kDense = test::ScenarioText("statistics test: dense strike on a small grid", 5, 300)
                               .grid(20, 20, 10.0)
                               .land_cover("tree")
                               .wind({0.0, 2.0}, {180.0, 270.0})
                               .submunition(test::bomblet().dud_rate(test::beta(2.0, 8.0)))
                               .carrier(test::dispenser(1000)
                                            .footprint({40.0, 60.0}, {20.0, 30.0})
                                            .aim_error_cep(25.0)
                                            .function_height({50.0, 100.0}))
                               .strike(test::Strike("dispenser", 4, 100.0, 100.0).heading(0.0, 40.0))
                               .text();

// Every realization's per-cell dud counts, from the engine run one
// realization at a time: the difference of dud_sum before and after.
std::vector<std::vector<std::uint32_t>> per_realization_grids(const Scenario& sc, const Plan& plan,
                                                              std::uint64_t seed, std::uint32_t R) {
  auto engine = cpu::make_engine();
  engine->prepare(plan.tables(seed), 1);
  std::vector<std::vector<std::uint32_t>> grids;
  std::vector<std::uint64_t> before(plan.cells(), 0);
  for (std::uint32_t r = 0; r < R; ++r) {
    const auto totals = engine->run_batch(draw_batch(sc, plan, seed, r, 1).view());
    const CellAccumulators a = engine->read_accumulators();
    std::vector<std::uint32_t> g(plan.cells());
    std::uint64_t sum = 0;
    for (std::uint32_t c = 0; c < plan.cells(); ++c) {
      g[c] = static_cast<std::uint32_t>(a.dud_sum[c] - before[c]);
      sum += g[c];
    }
    EXPECT_EQ(sum, totals.at(0).duds) << "realization " << r;
    before = a.dud_sum;
    grids.push_back(std::move(g));
  }
  return grids;
}

TEST(CellStatistics, MatchBruteForceOverEveryRealization) {
  const Scenario sc = test::scenario_from(kDense, "dense.toml");
  const Plan plan = make_plan(sc);
  const std::uint32_t R = sc.realizations;
  const std::uint64_t seed = 4242;
  const auto grids = per_realization_grids(sc, plan, seed, R);
  const RunResult run = test::run(sc, plan, R, seed);  // batches of 32, all threads
  const CellAccumulators& acc = run.accumulators;
  const CellStatistics st = cell_statistics(acc, R);
  ASSERT_EQ(st.mean.size(), plan.cells());

  // The histogram has as many bins as the largest count needs (at least the
  // exact ones), whatever the batch size.
  std::uint32_t largest = 0;
  for (const auto& g : grids) largest = std::max(largest, *std::max_element(g.begin(), g.end()));
  ASSERT_GT(largest, kExactBins) << "the case must reach the octave bins";
  EXPECT_EQ(acc.histogram_bins, std::max(kExactBins, histogram_bin(largest) + 1));
  ASSERT_EQ(acc.histogram.size(), std::size_t(acc.histogram_bins) * acc.cells);

  int exact_quantiles = 0, binned_quantiles = 0, empty_cells = 0;
  double worst_relative = 0;
  for (std::uint32_t c = 0; c < plan.cells(); ++c) {
    std::vector<double> v(R);
    std::uint64_t sum = 0, sum_sq = 0, nonzero = 0;
    for (std::uint32_t r = 0; r < R; ++r) {
      const std::uint32_t d = grids[r][c];
      v[r] = d;
      sum += d;
      sum_sq += std::uint64_t{d} * d;
      nonzero += d > 0;
    }
    // The accumulators hold exactly these sums.
    ASSERT_EQ(acc.dud_sum[c], sum) << "cell " << c;
    ASSERT_EQ(acc.dud_sum_sq[c], sum_sq) << "cell " << c;
    ASSERT_EQ(acc.dud_nonzero[c], nonzero) << "cell " << c;
    // ... and the histogram counts each realization in the bin of its count.
    std::vector<std::uint32_t> hist(acc.histogram_bins, 0);
    for (double d : v)
      if (d > 0) hist[histogram_bin(static_cast<std::uint32_t>(d))] += 1;
    for (std::uint32_t b = 0; b < acc.histogram_bins; ++b)
      ASSERT_EQ(acc.histogram[std::size_t(b) * acc.cells + c], hist[b]) << "cell " << c << ", bin " << b;

    const test::Moments m = test::moments(v);
    EXPECT_FLOAT_EQ(st.mean[c], static_cast<float>(m.mean)) << "cell " << c;
    EXPECT_FLOAT_EQ(st.sd[c], static_cast<float>(std::sqrt(m.var))) << "cell " << c;
    EXPECT_FLOAT_EQ(st.p_any[c], static_cast<float>(double(nonzero) / R)) << "cell " << c;
    if (nonzero == 0) ++empty_cells;

    std::sort(v.begin(), v.end());
    const std::pair<double, float> qs[] = {{0.05, st.q05[c]}, {0.50, st.q50[c]}, {0.95, st.q95[c]}};
    for (const auto& [p, got] : qs) {
      const double want = quantile_sorted(v, p);
      EXPECT_EQ(cell_quantile(acc, c, R, p), double(got)) << "cell " << c << " p " << p;
      if (want <= kExactBins) {
        EXPECT_EQ(double(got), want) << "cell " << c << ", quantile " << p << ": counts up to 15 are exact";
        if (want > 0) ++exact_quantiles;
      } else {
        const double rel = std::abs(double(got) - want) / want;
        worst_relative = std::max(worst_relative, rel);
        EXPECT_LE(rel, 0.25) << "cell " << c << ", quantile " << p << ": got " << got << ", exact " << want;
        // Estimate and exact value share one histogram bin.
        EXPECT_EQ(histogram_bin(static_cast<std::uint32_t>(got)), histogram_bin(static_cast<std::uint32_t>(want)))
            << "cell " << c << ", quantile " << p;
        ++binned_quantiles;
      }
    }
    for (double p : {0.0, 0.01, 0.25, 0.75, 0.99, 1.0}) {
      const double want = quantile_sorted(v, p), got = cell_quantile(acc, c, R, p);
      if (want <= kExactBins) {
        EXPECT_EQ(got, want) << "cell " << c << " p " << p;
      } else {
        EXPECT_EQ(histogram_bin(std::uint32_t(got)), histogram_bin(std::uint32_t(want))) << "cell " << c << " p " << p;
      }
    }
    EXPECT_FLOAT_EQ(st.impact_mean[c], static_cast<float>(double(acc.impact_sum[c]) / R));
  }
  // The case must exercise all branches to mean anything.
  EXPECT_GT(exact_quantiles, 50);
  EXPECT_GT(binned_quantiles, 20);
  EXPECT_GT(empty_cells, 5);
  RecordProperty("worst_relative_quantile_error", std::to_string(worst_relative));
  std::printf("quantiles: %d exact non-zero, %d binned (worst relative error %.3f), %d empty cells\n",
              exact_quantiles, binned_quantiles, worst_relative, empty_cells);
}

TEST(CellStatistics, SingleRealizationHasZeroSpread) {
  const Scenario sc = test::scenario_from(kDense, "dense.toml");
  const Plan plan = make_plan(sc);
  const RunResult run = test::run(sc, plan, 1, 7);
  const CellStatistics st = cell_statistics(run.accumulators, 1);
  const auto grid = per_realization_grids(sc, plan, 7, 1)[0];
  for (std::uint32_t c = 0; c < plan.cells(); ++c) {
    EXPECT_EQ(st.sd[c], 0.0f);
    EXPECT_EQ(st.mean[c], float(grid[c]));
    EXPECT_EQ(st.p_any[c], grid[c] > 0 ? 1.0f : 0.0f);
    // With one realization every quantile is its value (within the bin above 15).
    if (grid[c] <= kExactBins) {
      EXPECT_EQ(st.q05[c], float(grid[c])) << "cell " << c;
    } else {
      EXPECT_EQ(histogram_bin(std::uint32_t(st.q50[c])), histogram_bin(grid[c])) << "cell " << c;
    }
  }
}

// Accumulators of one cell from a list of counts, the way the engine folds them.
CellAccumulators one_cell(const std::vector<std::uint32_t>& counts) {
  CellAccumulators a;
  a.cells = 1;
  a.histogram_bins = histogram_bins_for(*std::max_element(counts.begin(), counts.end()));
  a.dud_sum = {0};
  a.dud_sum_sq = {0};
  a.dud_nonzero = {0};
  a.impact_sum = {0};
  a.histogram.assign(a.histogram_bins, 0);
  for (std::uint32_t d : counts) {
    a.dud_sum[0] += d;
    a.dud_sum_sq[0] += std::uint64_t{d} * d;
    if (d == 0) continue;
    a.dud_nonzero[0] += 1;
    a.histogram[histogram_bin(d)] += 1;
  }
  return a;
}

TEST(CellQuantile, HandMadeCounts) {
  // 20 realizations: 8 zeros, then 1 1 2 3 3 3 7 15 16 19 40 1000.
  const std::vector<std::uint32_t> counts = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 3, 7, 15, 16, 19, 40, 1000};
  const CellAccumulators a = one_cell(counts);
  const std::uint32_t R = 20;
  EXPECT_EQ(cell_quantile(a, 0, R, 0.05), 0.0);   // rank 1
  EXPECT_EQ(cell_quantile(a, 0, R, 0.40), 0.0);   // rank 8: the last zero
  EXPECT_EQ(cell_quantile(a, 0, R, 0.45), 1.0);   // rank 9
  EXPECT_EQ(cell_quantile(a, 0, R, 0.50), 1.0);   // rank 10
  EXPECT_EQ(cell_quantile(a, 0, R, 0.55), 2.0);   // rank 11
  EXPECT_EQ(cell_quantile(a, 0, R, 0.70), 3.0);   // rank 14
  EXPECT_EQ(cell_quantile(a, 0, R, 0.75), 7.0);   // rank 15
  EXPECT_EQ(cell_quantile(a, 0, R, 0.80), 15.0);  // rank 16
  // Above 15: within the bin of the exact value, so within 25 %.
  for (const auto& [p, exact] : std::vector<std::pair<double, double>>{{0.85, 16}, {0.90, 19}, {0.95, 40}, {1.0, 1000}}) {
    const double q = cell_quantile(a, 0, R, p);
    EXPECT_EQ(histogram_bin(std::uint32_t(q)), histogram_bin(std::uint32_t(exact))) << "p " << p << " got " << q;
    EXPECT_LE(std::abs(q - exact), 0.25 * exact) << "p " << p << " got " << q;
  }
  const CellStatistics st = cell_statistics(a, R);
  double mean = 0;
  for (auto d : counts) mean += d;
  mean /= R;
  double ss = 0;
  for (auto d : counts) ss += (d - mean) * (d - mean);
  EXPECT_FLOAT_EQ(st.mean[0], float(mean));
  EXPECT_FLOAT_EQ(st.sd[0], float(std::sqrt(ss / (R - 1))));
  EXPECT_FLOAT_EQ(st.p_any[0], 12.0f / 20.0f);
  EXPECT_EQ(st.q05[0], 0.0f);
  EXPECT_EQ(st.q50[0], 1.0f);
}

TEST(CellQuantile, AllZerosAndZeroRealizations) {
  CellAccumulators a = one_cell({0, 0, 0});
  const CellStatistics st = cell_statistics(a, 3);
  EXPECT_EQ(st.mean[0], 0.0f);
  EXPECT_EQ(st.sd[0], 0.0f);
  EXPECT_EQ(st.p_any[0], 0.0f);
  EXPECT_EQ(st.q95[0], 0.0f);
  const CellStatistics none = cell_statistics(a, 0);
  EXPECT_EQ(none.mean[0], 0.0f);
  EXPECT_EQ(cell_quantile(a, 0, 0, 0.5), 0.0);
}

TEST(CellQuantile, LargeCountsKeepAnExactStandardDeviation) {
  // Sums of squares near the top of the 64-bit range: the variance numerator
  // must not lose precision (sd of {N, N+2} is sqrt(2)).
  const std::uint32_t big = 2'000'000'000u;
  const CellAccumulators a = one_cell({big, big + 2});
  const CellStatistics st = cell_statistics(a, 2);
  EXPECT_FLOAT_EQ(st.mean[0], float(double(big) + 1.0));
  EXPECT_FLOAT_EQ(st.sd[0], float(std::sqrt(2.0)));
}

TEST(Histogram, BinsPartitionTheCounts) {
  std::uint32_t previous_bin = 0;
  for (std::uint32_t v = 1; v <= 100000; ++v) {
    const std::uint32_t bin = histogram_bin(v);
    const std::uint64_t low = histogram_bin_low(bin), width = histogram_bin_width(bin);
    ASSERT_LE(low, v) << "v " << v << " bin " << bin;
    ASSERT_LT(v, low + width) << "v " << v << " bin " << bin;
    ASSERT_LT(bin, histogram_bins_for(v)) << "v " << v;
    if (v <= kExactBins) {
      ASSERT_EQ(bin, v - 1);
      ASSERT_EQ(width, 1u);
    } else {
      ASSERT_LE(4 * width, low) << "bin " << bin << " wider than 25 % of its values";
    }
    if (v > 1) {
      ASSERT_TRUE(bin == previous_bin || bin == previous_bin + 1) << "v " << v;
    }
    previous_bin = bin;
  }
  // Consecutive bins are contiguous.
  for (std::uint32_t bin = 0; bin + 1 < histogram_bins_for(100000); ++bin)
    ASSERT_EQ(histogram_bin_low(bin) + histogram_bin_width(bin), histogram_bin_low(bin + 1)) << "bin " << bin;
  // Bins for the largest counts, and the bin count needed for them.
  for (std::uint32_t v : {0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu}) {
    const std::uint32_t bin = histogram_bin(v);
    EXPECT_LT(bin, histogram_bins_for(v));
    EXPECT_LE(histogram_bin_low(bin), v);
    EXPECT_LT(v, histogram_bin_low(bin) + histogram_bin_width(bin));
  }
  EXPECT_EQ(histogram_bins_for(0), kExactBins);
  EXPECT_EQ(histogram_bins_for(15), kExactBins);
  EXPECT_EQ(histogram_bins_for(16), kExactBins + 4);
  EXPECT_EQ(histogram_bins_for(31), kExactBins + 4);
  EXPECT_EQ(histogram_bins_for(32), kExactBins + 8);
}

TEST(Summary, HandMadeSamples) {
  {
    const Summary s = summarize({5, 3, 1, 4, 2, 10, 9, 8, 7, 6});  // 1..10, unsorted
    EXPECT_DOUBLE_EQ(s.mean, 5.5);
    EXPECT_NEAR(s.sd, std::sqrt(55.0 / 6.0), 1e-12);  // n-1 denominator: 82.5 / 9
    EXPECT_EQ(s.q05, 1.0);   // ceil(0.5) = rank 1
    EXPECT_EQ(s.q50, 5.0);   // rank 5
    EXPECT_EQ(s.q95, 10.0);  // ceil(9.5) = rank 10
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.max, 10.0);
  }
  {
    std::vector<double> v;
    for (int i = 100; i >= 1; --i) v.push_back(i);
    const Summary s = summarize(v);
    // p * n is 5, 50, 95 up to rounding: the rank must not jump to the next value.
    EXPECT_EQ(s.q05, 5.0);
    EXPECT_EQ(s.q50, 50.0);
    EXPECT_EQ(s.q95, 95.0);
    std::sort(v.begin(), v.end());
    EXPECT_EQ(quantile_sorted(v, 0.0), 1.0);
    EXPECT_EQ(quantile_sorted(v, 0.01), 1.0);
    EXPECT_EQ(quantile_sorted(v, 0.011), 2.0);
    EXPECT_EQ(quantile_sorted(v, 0.999), 100.0);
    EXPECT_EQ(quantile_sorted(v, 1.0), 100.0);
  }
  {
    std::vector<double> v;
    for (int i = 1; i <= 20; ++i) v.push_back(i);
    EXPECT_EQ(quantile_sorted(v, 0.05), 1.0);
    EXPECT_EQ(quantile_sorted(v, 0.95), 19.0);
    EXPECT_EQ(quantile_sorted(v, 0.7), 14.0);
  }
  {
    const Summary s = summarize({7.0});
    EXPECT_EQ(s.mean, 7.0);
    EXPECT_EQ(s.sd, 0.0);
    EXPECT_EQ(s.q05, 7.0);
    EXPECT_EQ(s.q95, 7.0);
  }
  {
    const Summary s = summarize({});
    EXPECT_EQ(s.mean, 0.0);
    EXPECT_EQ(s.sd, 0.0);
    EXPECT_EQ(quantile_sorted({}, 0.5), 0.0);
  }
  {
    const Summary s = summarize({2, 2, 2, 2});
    EXPECT_EQ(s.sd, 0.0);
    EXPECT_EQ(s.q50, 2.0);
  }
}

}  // namespace
}  // namespace remnant
