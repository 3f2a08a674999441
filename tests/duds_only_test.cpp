// The dud-only pass (RunOptions::duds_only, `remnant run --duds-only`): only
// the items whose Failure uniform is below the failure probability in the
// cell of the grid's largest multiplier are placed. Held here to:
//  - the full pass's duds to the bit with the same seed (every dud total, the
//    hazard area, the per-cell dud accumulators), on every CPU kernel path;
//  - the full pass statistically with independent seeds (means of the total
//    duds, the hazard area, the cells with a dud and every cell's dud mean
//    within their Monte Carlo error): a fast pass whose bound is not the
//    largest multiplier's, or that takes every candidate as a dud, fails it;
//  - the same bits for any thread count, batch size and kernel path;
//  - honesty: impacts, in_water and outside_grid are not counted, and the CLI
//    prints them as null and refuses the outputs that hold them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <utility>

#include "kernels/deposit_block.h"
#include "test_support.h"

namespace remnant {
namespace {

// Land cover with very different multipliers (cropland 1.0, built-up 3.0:
// the candidates' bound is three times most cells' failure probability),
// water, items off the grid, a self-destruct, all three patterns.
const std::string kContrast =
    test::ScenarioText("duds-only test", 77, 40)
        .grid(60, 50, 20.0)
        .region({0.0, 1200.0}, {400.0, 460.0}, "water")
        .region({600.0, 1200.0}, {500.0, 1000.0}, "built_up")
        .wind({0.0, 10.0}, {0.0, 360.0})
        .multiplier("cropland", 1.0)
        .multiplier("built_up", 3.0)
        .submunition(test::m77())
        .submunition(test::m42().terminal_velocity({25.0, 45.0}).self_destruct_failure(test::beta(5.0, 5.0)))
        .carrier(test::m26().per_carrier(300))
        .carrier(test::m483().submunition("M42"))
        .carrier(test::Carrier("dispenser", "M42", 200, "air", "gaussian_ellipse")
                     .footprint({100.0, 200.0}, {60.0, 90.0})
                     .aim_error_cep(100.0)
                     .function_height({200.0, 800.0}))
        .strike(test::Strike("M26", 4, 600.0, 500.0).heading(20.0, 10.0))
        .strike(test::Strike("M483", 6, 1000.0, 800.0))
        .strike(test::Strike("dispenser", 3, 300.0, 800.0).heading(300.0))
        .text();

RunResult run(const Scenario& sc, const Plan& plan, std::uint32_t realizations, std::uint64_t seed, bool duds_only,
              int threads = 1, std::uint32_t batch = 32, CpuKernel kernel = CpuKernel::Auto) {
  RunOptions opt = test::run_options(realizations, seed, threads, batch);
  opt.cpu_kernel = kernel;
  opt.duds_only = duds_only;
  return run_ensemble(sc, plan, opt);
}

template <typename T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// Every dud figure of the two runs, to the bit.
void expect_same_duds(const RunResult& a, const RunResult& b, const std::string& what) {
  ASSERT_EQ(a.totals.size(), b.totals.size()) << what;
  for (std::size_t i = 0; i < a.totals.size(); ++i) {
    const RealizationTotals &x = a.totals[i], &y = b.totals[i];
    EXPECT_EQ(x.fired, y.fired) << what << ", realization " << i;
    EXPECT_EQ(x.duds, y.duds) << what << ", realization " << i;
    EXPECT_EQ(x.contaminated_cells, y.contaminated_cells) << what << ", realization " << i;
    EXPECT_EQ(x.hazard_pixels, y.hazard_pixels) << what << ", realization " << i;
    for (int k = 0; k < kLandCoverClasses; ++k)
      EXPECT_EQ(x.duds_by_class[k], y.duds_by_class[k]) << what << ", realization " << i << ", class " << k;
  }
  const CellAccumulators &p = a.accumulators, &q = b.accumulators;
  EXPECT_EQ(p.histogram_bins, q.histogram_bins) << what;
  EXPECT_TRUE(same_bytes(p.dud_sum, q.dud_sum)) << what << ": dud_sum differs";
  EXPECT_TRUE(same_bytes(p.dud_sum_sq, q.dud_sum_sq)) << what << ": dud_sum_sq differs";
  EXPECT_TRUE(same_bytes(p.dud_nonzero, q.dud_nonzero)) << what << ": dud_nonzero differs";
  EXPECT_TRUE(same_bytes(p.histogram, q.histogram)) << what << ": histogram differs";
}

void expect_no_landings_counted(const RunResult& r) {
  EXPECT_TRUE(r.duds_only);
  for (const RealizationTotals& t : r.totals) {
    EXPECT_EQ(t.impacts, 0u);
    EXPECT_EQ(t.in_water, 0u);
    EXPECT_EQ(t.outside_grid, 0u);
  }
  for (std::uint64_t v : r.accumulators.impact_sum) EXPECT_EQ(v, 0u);
}

class DudsOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    sc_ = test::scenario_from(kContrast, "contrast.toml");
    plan_ = make_plan(sc_);
  }
  Scenario sc_;
  Plan plan_;
};

TEST_F(DudsOnly, SameDudsAsTheFullRunOnEveryKernelPath) {
  const RunResult full = run(sc_, plan_, 24, 4242, false);
  // Content, or equality proves nothing: duds in both land covers, a hazard
  // area, and items in water and off the grid (which the pass skips).
  std::uint64_t duds = 0, hazard = 0, water = 0, outside = 0, built = 0, crop = 0;
  for (const RealizationTotals& t : full.totals) {
    duds += t.duds;
    hazard += t.hazard_pixels;
    water += t.in_water;
    outside += t.outside_grid;
    built += t.duds_by_class[static_cast<int>(LandCover::BuiltUp)];
    crop += t.duds_by_class[static_cast<int>(LandCover::Cropland)];
  }
  ASSERT_GT(duds, 0u);
  ASSERT_GT(hazard, 0u);
  ASSERT_GT(water, 0u);
  ASSERT_GT(outside, 0u);
  ASSERT_GT(built, 100u);
  ASSERT_GT(crop, 100u);
  for (CpuKernel kernel : {CpuKernel::Auto, CpuKernel::Portable, CpuKernel::PerItem}) {
    const std::string what = "kernel " + std::to_string(static_cast<int>(kernel));
    const RunResult fast = run(sc_, plan_, 24, 4242, true, 1, 32, kernel);
    expect_same_duds(full, fast, what);
    expect_no_landings_counted(fast);
  }
}

TEST_F(DudsOnly, SameBitsForAnyThreadCountBatchAndKernel) {
  const RunResult reference = run(sc_, plan_, 30, 99, true, 1, 32);
  struct Case {
    int threads;
    std::uint32_t batch;
    CpuKernel kernel;
  };
  for (const Case& c : {Case{2, 1, CpuKernel::Auto}, Case{2, 7, CpuKernel::Auto}, Case{3, 30, CpuKernel::Auto},
                        Case{2, 4, CpuKernel::Portable}, Case{2, 11, CpuKernel::PerItem}}) {
    const RunResult r = run(sc_, plan_, 30, 99, true, c.threads, c.batch, c.kernel);
    expect_same_duds(reference, r,
                     "threads " + std::to_string(c.threads) + ", batch " + std::to_string(c.batch) + ", kernel " +
                         std::to_string(static_cast<int>(c.kernel)));
  }
}

// Mean and its squared standard error of a per-realization figure.
struct MeanError {
  double mean, se2;
};
template <typename F>
MeanError mean_error(const RunResult& r, F&& value) {
  test::Moments m;
  std::vector<double> v;
  for (const RealizationTotals& t : r.totals) v.push_back(value(t));
  m = test::moments(v);
  return {m.mean, m.var / m.n};
}

// |a - b| in standard errors of the difference of two independent means.
double z(MeanError a, MeanError b) { return std::abs(a.mean - b.mean) / std::sqrt(a.se2 + b.se2); }

TEST_F(DudsOnly, StatisticallyEqualToTheFullRun) {
  // Independent seeds: the two runs share no draw, so this holds the fast
  // pass to the model itself, not to the full pass's numbers.
  constexpr std::uint32_t kR = 1500;
  const RunResult full = run(sc_, plan_, kR, 1001, false, 2, 0);
  const RunResult fast = run(sc_, plan_, kR, 2002, true, 2, 0);
  const auto duds = [](const RealizationTotals& t) { return double(t.duds); };
  const auto hazard = [](const RealizationTotals& t) { return double(t.hazard_pixels); };
  const auto cells = [](const RealizationTotals& t) { return double(t.contaminated_cells); };
  const auto built = [](const RealizationTotals& t) {
    return double(t.duds_by_class[static_cast<int>(LandCover::BuiltUp)]);
  };
  const auto crop = [](const RealizationTotals& t) {
    return double(t.duds_by_class[static_cast<int>(LandCover::Cropland)]);
  };
  const std::pair<const char*, std::function<double(const RealizationTotals&)>> figures[] = {
      {"total duds", duds}, {"hazard pixels", hazard}, {"cells with a dud", cells},
      {"duds on built-up land", built}, {"duds on cropland", crop}};
  for (const auto& [name, f] : figures) {
    const MeanError a = mean_error(full, f), b = mean_error(fast, f);
    ASSERT_GT(a.mean, 10.0) << name << ": too little content to compare";
    EXPECT_LT(z(a, b), 4.0) << name << ": full " << a.mean << ", dud-only " << b.mean;
  }

  // Every cell's mean dud count: z of the difference from the sums and sums
  // of squares, over the cells with a dud in at least 100 realizations of
  // either run (the normal approximation holds there). Independent runs: z
  // is standard normal in each cell, so |z| > 4 is rare (6e-5) and the mean
  // of z^2 is near 1 (cells within a run are correlated, which widens its
  // spread but not its mean).
  const CellAccumulators &p = full.accumulators, &q = fast.accumulators;
  double sum_z2 = 0.0;
  int compared = 0, beyond = 0;
  for (std::uint32_t c = 0; c < p.cells; ++c) {
    if (std::max(p.dud_nonzero[c], q.dud_nonzero[c]) < 100) continue;
    auto cell = [&](const CellAccumulators& a) {
      const double m = double(a.dud_sum[c]) / kR;
      const double var = (double(a.dud_sum_sq[c]) - kR * m * m) / (kR - 1);
      return MeanError{m, var / kR};
    };
    const double zc = z(cell(p), cell(q));
    sum_z2 += zc * zc;
    beyond += zc > 4.0;
    ++compared;
  }
  ASSERT_GT(compared, 200) << "too few cells to compare";
  EXPECT_LE(beyond, compared / 200) << "cells whose dud mean differs by more than 4 standard errors";
  EXPECT_LT(sum_z2 / compared, 1.3) << "mean z^2 of the cells' dud means over " << compared << " cells";
}

// The CPU pass tests a candidate on its Failure word (failure_threshold);
// it must be is_dud on the word's uniform exactly, on both sides of every
// threshold, or a candidate is lost (a dud missing) or one too many placed.
TEST(DudsOnlyKernel, CandidateThresholdIsTheUniformTest) {
  std::vector<float> ps = {0.0f, 1e-9f, 0.1f, 0.2345f, 1.0f / 3.0f, 0.5f, 0.9999999f, 1.0f, 1.5f};
  for (std::uint32_t m : {0u, 1u, 12345u, 4194304u, 8388606u, 8388607u}) {
    const float u = to_unit_open(m << 9);
    ps.insert(ps.end(), {u, std::nextafter(u, 0.0f), std::nextafter(u, 2.0f)});
  }
  for (float p : ps) {
    const std::uint32_t t = failure_threshold(p);
    for (std::int64_t m = std::int64_t(t) - 3; m <= std::int64_t(t) + 3; ++m) {
      if (m < 0 || m >= (1 << 23)) continue;
      for (std::uint32_t low : {0u, 0x1FFu}) {  // the 9 bits the uniform drops
        const std::uint32_t w = (static_cast<std::uint32_t>(m) << 9) | low;
        EXPECT_EQ((w >> 9) < t, is_dud(p, to_unit_open(w))) << "p " << p << ", m " << m;
      }
    }
  }
}

// The CLI: --duds-only prints the impacts and the items in water or off the
// grid as null (not 0), and refuses the outputs that hold impacts.
TEST(DudsOnlyCli, PrintsLandingsAsNullAndRefusesImpactOutputs) {
  test::TempDir dir;
  const std::string scenario = dir.write("contrast.toml", kContrast);
  const std::string cli = REMNANT_CLI_PATH;
  const test::CommandResult json =
      test::run_command(cli + " run " + test::shell_quote(scenario) + " -r 4 --backend cpu --duds-only --json -q");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  for (const char* key : {"\"impacts\": null", "\"outside_grid\": null", "\"in_water\": null", "\"duds_only\": true"})
    EXPECT_NE(json.output.find(key), std::string::npos) << key << " missing:\n" << json.output;
  EXPECT_EQ(json.output.find("\"total_duds\": null"), std::string::npos) << json.output;

  const test::CommandResult text =
      test::run_command(cli + " run " + test::shell_quote(scenario) + " -r 4 --backend cpu --duds-only -q 2>&1");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("not counted (a dud-only run, --duds-only)"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find("landed in water"), std::string::npos) << text.output;

  for (const std::string option : {"--out r.h5", "--map m.png", "--geotiff g.tif", "--csv t.csv"}) {
    const test::CommandResult r = test::run_command("cd " + test::shell_quote(dir.path().string()) + " && " + cli +
                                                    " run contrast.toml -r 2 --backend cpu --duds-only " + option +
                                                    " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << option << ":\n" << r.output;
    EXPECT_NE(r.output.find("with --duds-only"), std::string::npos) << option << ":\n" << r.output;
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"contrast.toml"}) << "a file was written";
}

}  // namespace
}  // namespace remnant
