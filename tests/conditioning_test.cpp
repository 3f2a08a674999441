// A run conditioned on evidence from the ground (host/run/conditioning.h):
// the direct tests of issue 21 (a find raises the density around it, a large
// area searched with no find lowers it to about (1 - detection) of the prior
// or below, a located strike places a site there), the count kernel against
// the deposit pass, reproducibility, and the simulation-based calibration
// study at small size (truths drawn from the prior, evidence generated from
// them, the posterior 90 % intervals covering the truth about 90 % of the time).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <filesystem>
#include <random>

#include "host/run/conditioning.h"
#include "host/run/ensemble.h"
#include "host/run/pipeline.h"
#include "host/run/plan.h"
#include "host/evidence/hazard_areas.h"
#include "host/evidence/result_file.h"
#include "host/evidence/stats.h"
#include "test_support.h"

namespace remnant {
namespace {

// 2 km x 2 km of 20 m cells; 4 strike sites per realization drawn over the
// whole grid, each two M26 rockets (644 M77 each, field-like rate ~12 %).
std::string scenario_text(std::uint32_t sites = 4) {
  return test::ScenarioText("conditioning test", 7, 40)
      .grid(100, 100, 20.0)
      .wind({0.0, 4.0}, {0.0, 360.0})
      .submunition(test::m77())
      .carrier(test::m26())
      .inventory_total(static_cast<double>(sites) * 2 * 644)
      .inventory_carrier("M26", "share", 1.0)
      .sites(sites, "per_realization")
      .site_area("grid", {0.0, 2000.0}, {0.0, 2000.0}, 1.0)
      .text();
}

// The cells of a rectangle (grid-relative metres) on the 100 x 100 grid of 20 m.
std::vector<std::uint32_t> rect_cells(double x0, double x1, double y0, double y1) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t iy = 0; iy < 100; ++iy)
    for (std::uint32_t ix = 0; ix < 100; ++ix) {
      const double cx = (ix + 0.5) * 20.0, cy = (iy + 0.5) * 20.0;
      if (cx >= x0 && cx < x1 && cy >= y0 && cy < y1) out.push_back(iy * 100 + ix);
    }
  return out;
}

EvidenceFeature searched(std::vector<std::uint32_t> cells, std::uint64_t found, double p, const char* label = "A") {
  EvidenceFeature f;
  f.kind = EvidenceFeature::Kind::Searched;
  f.label = label;
  f.cells = std::move(cells);
  f.items_found = found;
  f.detection_probability = p;
  return f;
}

EvidenceFeature point(EvidenceFeature::Kind kind, double x, double y, std::uint64_t items = 1) {
  EvidenceFeature f;
  f.kind = kind;
  f.label = kind == EvidenceFeature::Kind::Find ? "F" : "S";
  f.x_m = x, f.y_m = y;
  f.items = items;
  f.cells = {static_cast<std::uint32_t>(std::floor(y / 20.0) * 100 + std::floor(x / 20.0))};
  return f;
}

RunOptions options(std::uint32_t particles, std::uint64_t seed, int threads = 2) {
  RunOptions o;
  o.realizations = particles;
  o.seed = seed;
  o.backend = "cpu";
  o.threads = threads;
  return o;
}

// The mean items per realization in the cells.
double mean_in(const RunResult& r, const std::vector<std::uint32_t>& cells) {
  double sum = 0.0;
  for (std::uint32_t c : cells) sum += static_cast<double>(r.accumulators.dud_sum[c]);
  return sum / r.realizations;
}

class Conditioning : public ::testing::Test {
 protected:
  Conditioning() : sc_(test::scenario_from(scenario_text())), plan_(make_plan(sc_)) {}
  Scenario sc_;
  Plan plan_;
};

TEST_F(Conditioning, AFindOfManyItemsRaisesTheDensityAroundIt) {
  Evidence e;
  e.features = {point(EvidenceFeature::Kind::Find, 1510.0, 490.0, 12)};
  const RunResult prior = run_ensemble(sc_, plan_, options(40, 3));
  const ConditionedRun post = condition_run(sc_, plan_, e, options(40, 3));
  const std::vector<std::uint32_t> around = rect_cells(1400.0, 1620.0, 380.0, 600.0);
  const std::vector<std::uint32_t> within = cells_within(ResultGrid{100, 100, 20.0, 0.0, 0.0, "", ""}, 1510.0, 490.0,
                                                         kDefaultFindRadius);
  // Every posterior particle holds at least the 12 items within the find radius.
  EXPECT_GE(mean_in(post.result, within), 12.0);
  EXPECT_GT(mean_in(post.result, around), 5.0 * std::max(1.0, mean_in(prior, around)))
      << "prior " << mean_in(prior, around);
  EXPECT_GT(post.report.final_effective_size, 0.0);
  EXPECT_EQ(post.report.stages.back().beta, 1.0);
  // The total is still the model's: a find moves sites, it adds no items.
  EXPECT_EQ(post.result.realizations, 40u);
}

TEST_F(Conditioning, ALargeAreaSearchedWithNoFindFallsToAboutOneMinusDetectionOfThePrior) {
  const std::vector<std::uint32_t> west = rect_cells(0.0, 1000.0, 0.0, 2000.0);
  Evidence e;
  e.features = {searched(west, 0, 0.9)};
  const RunResult prior = run_ensemble(sc_, plan_, options(40, 5));
  const ConditionedRun post = condition_run(sc_, plan_, e, options(40, 5));
  const double before = mean_in(prior, west), after = mean_in(post.result, west);
  ASSERT_GT(before, 50.0);
  EXPECT_LE(after, (1.0 - 0.9) * before) << "prior " << before << ", posterior " << after;
  // The items not there went elsewhere: the east half holds more than before.
  const std::vector<std::uint32_t> east = rect_cells(1000.0, 2000.0, 0.0, 2000.0);
  EXPECT_GT(mean_in(post.result, east), mean_in(prior, east));
}

TEST_F(Conditioning, ALocatedStrikePlacesASiteThere) {
  Evidence e;
  e.features = {point(EvidenceFeature::Kind::Strike, 300.0, 1700.0)};
  const RunResult prior = run_ensemble(sc_, plan_, options(30, 9));
  const ConditionedRun post = condition_run(sc_, plan_, e, options(30, 9));
  ASSERT_EQ(post.report.pins.size(), 1u);
  EXPECT_NE(post.report.pins[0].find("pins strike site 1"), std::string::npos) << post.report.pins[0];
  // One of the four sites now lies at the strike in every particle: the share
  // of the items near it (a fifth of the grid, so about a fifth in the prior)
  // rises to about 1/4 + 3/4 x 1/5 = 0.4 (shares, not counts: the dud rate's
  // spread between particles does not blur them).
  const std::vector<std::uint32_t> near = rect_cells(0.0, 900.0, 1100.0, 2000.0);
  const std::vector<std::uint32_t> all = rect_cells(0.0, 2000.0, 0.0, 2000.0);
  const double before = mean_in(prior, near) / mean_in(prior, all), after = mean_in(post.result, near) / mean_in(post.result, all);
  EXPECT_GT(after, before + 0.12) << "share near the strike: prior " << before << ", posterior " << after;
  // A second strike takes the next site; five is one more than there are.
  for (int k = 0; k < 4; ++k) e.features.push_back(point(EvidenceFeature::Kind::Strike, 1000.0, 1000.0));
  try {
    condition_run(sc_, plan_, e, options(10, 9));
    ADD_FAILURE() << "five strikes pinned four sites";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("4 sampled site(s), 4 placed"), std::string::npos) << err.what();
  }
}

TEST_F(Conditioning, TheSamplersCountsAreTheFinalRunsAndTheSameForAnyThreadCount) {
  // condition_run checks the final run's items in every feature against the
  // sampler's (a logic_error otherwise); here several features overlap.
  Evidence e;
  e.features = {searched(rect_cells(200.0, 900.0, 200.0, 900.0), 3, 0.7, "A"),
                searched(rect_cells(600.0, 1400.0, 600.0, 1400.0), 0, 0.5, "B"),
                point(EvidenceFeature::Kind::Find, 700.0, 700.0, 2)};
  const ConditionedRun one = condition_run(sc_, plan_, e, options(24, 11, 1));
  const ConditionedRun two = condition_run(sc_, plan_, e, options(24, 11, 2));
  ASSERT_EQ(one.result.totals.size(), two.result.totals.size());
  for (std::size_t i = 0; i < one.result.totals.size(); ++i) EXPECT_EQ(one.result.totals[i].duds, two.result.totals[i].duds);
  EXPECT_EQ(one.result.accumulators.dud_sum, two.result.accumulators.dud_sum);
  EXPECT_EQ(one.report.r_hat, two.report.r_hat);
}

TEST_F(Conditioning, AnInterruptedRunResumedFromItsCheckpointGivesTheSameBytes) {
  Evidence e;
  e.features = {searched(rect_cells(200.0, 900.0, 200.0, 900.0), 3, 0.7, "A"),
                point(EvidenceFeature::Kind::Find, 1500.0, 1500.0, 4)};
  const ConditionedRun whole = condition_run(sc_, plan_, e, options(20, 13));
  ASSERT_GE(whole.report.stages.size(), 3u) << "too few stages to stop in the middle";
  test::TempDir dir;
  ConditionOptions co;
  co.checkpoint = dir.file("c.ckpt");
  std::atomic<bool> stop{false};
  RunOptions o = options(20, 13);
  o.cancel = &stop;
  std::uint32_t stages = 0;
  co.stage_done = [&](const ConditioningStage&) {
    if (++stages == 2) stop = true;  // stops in the next stage's first sweep
  };
  EXPECT_THROW(condition_run(sc_, plan_, e, o, co), Interrupted);
  ASSERT_TRUE(std::filesystem::exists(co.checkpoint));
  stop = false;
  co.resume = true;
  co.stage_done = nullptr;
  const ConditionedRun resumed = condition_run(sc_, plan_, e, o, co);
  EXPECT_EQ(resumed.report.resumed_after_stages, 2u);
  EXPECT_EQ(resumed.result.accumulators.dud_sum, whole.result.accumulators.dud_sum);
  ASSERT_EQ(resumed.result.totals.size(), whole.result.totals.size());
  for (std::size_t i = 0; i < whole.result.totals.size(); ++i)
    EXPECT_EQ(resumed.result.totals[i].hazard_pixels, whole.result.totals[i].hazard_pixels);
  EXPECT_EQ(resumed.report.stages.size(), whole.report.stages.size());
  EXPECT_FALSE(std::filesystem::exists(co.checkpoint)) << "a complete run leaves its checkpoint behind";
  // Another run's checkpoint is refused, naming it.
  co.resume = false;
  co.stage_done = [&](const ConditioningStage&) { stop = true; };
  EXPECT_THROW(condition_run(sc_, plan_, e, o, co), Interrupted);
  stop = false;
  co.resume = true;
  co.stage_done = nullptr;
  try {
    condition_run(sc_, plan_, e, options(20, 14), co);
    ADD_FAILURE() << "resumed another seed's checkpoint";
  } catch (const ResumeError& err) {
    EXPECT_NE(std::string(err.what()).find("another conditioned run"), std::string::npos) << err.what();
  }
}

TEST(GelmanRubin, IsOneForMixedChainsAndLargeForStuckOnes) {
  std::mt19937_64 g(1);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<std::vector<double>> mixed(50, std::vector<double>(40)), stuck(50, std::vector<double>(40));
  for (std::size_t j = 0; j < 50; ++j)
    for (std::size_t i = 0; i < 40; ++i) mixed[j][i] = n(g), stuck[j][i] = double(j) + 0.01 * n(g);
  EXPECT_NEAR(gelman_rubin(mixed), 1.0, 0.05);
  EXPECT_GT(gelman_rubin(stuck), 10.0);
}

// Simulation-based calibration: a truth drawn from the prior (realization 0
// of another seed), a searched area over a third of the grid with items found
// Binomial(truth there, 0.6), conditioned; the posterior 90 % intervals of the
// total duds and of the duds outside the searched area should cover the truth
// in about 90 % of the trials (with 100 trials, 80 to 98 is within the
// binomial tolerance).
TEST(ConditioningCalibration, NinetyPercentIntervalsCoverTheTruthAboutNinetyPercentOfTheTime) {
  const Scenario sc = test::scenario_from(scenario_text(3));
  const Plan plan = make_plan(sc);
  const std::vector<std::uint32_t> area = rect_cells(0.0, 2000.0, 0.0, 680.0);
  std::vector<bool> in_area(plan.cells(), false);
  for (std::uint32_t c : area) in_area[c] = true;
  const int trials = 100;
  int cover_total = 0, cover_outside = 0;
  double width = 0.0;
  auto width_of = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return quantile_of(v, 0.95) - quantile_of(v, 0.05);
  };
  std::mt19937_64 g(2024);
  for (int trial = 0; trial < trials; ++trial) {
    // The truth: one realization of the prior, per cell.
    std::vector<std::uint64_t> truth;
    RunOptions t = options(1, 1000 + trial);
    t.each_realization = [&](std::uint32_t, const std::vector<std::uint64_t>& d) { truth = d; };
    run_ensemble(sc, plan, t);
    std::uint64_t there = 0, total = 0;
    for (std::uint32_t c = 0; c < plan.cells(); ++c) (in_area[c] ? there : total) += truth[c];
    const std::uint64_t outside = total;
    total += there;
    std::binomial_distribution<std::uint64_t> found(there, 0.6);
    Evidence e;
    e.features = {searched(area, found(g), 0.6)};
    ConditionOptions co;
    co.sweeps = 3;
    RunOptions o = options(40, 77 + trial);
    std::vector<double> tot, out;
    o.each_realization = [&](std::uint32_t, const std::vector<std::uint64_t>& d) {
      double all = 0.0, off = 0.0;
      for (std::uint32_t c = 0; c < plan.cells(); ++c) all += double(d[c]), off += in_area[c] ? 0.0 : double(d[c]);
      tot.push_back(all);
      out.push_back(off);
    };
    condition_run(sc, plan, e, o, co);
    auto covers = [](std::vector<double> v, double truth) {
      std::sort(v.begin(), v.end());
      return quantile_of(v, 0.05) <= truth && truth <= quantile_of(v, 0.95);
    };
    cover_total += covers(tot, double(total));
    cover_outside += covers(out, double(outside));
    width += width_of(tot) / trials;
  }
  // And informative: the evidence narrows the interval of the total.
  std::vector<double> prior;
  RunOptions po = options(400, 99);
  po.each_realization = [&](std::uint32_t, const std::vector<std::uint64_t>& d) {
    double all = 0.0;
    for (std::uint64_t v : d) all += double(v);
    prior.push_back(all);
  };
  run_ensemble(sc, plan, po);
  std::cout << "coverage of the 90 % intervals: total duds " << cover_total << " of " << trials
            << ", duds outside the searched area " << cover_outside << "; mean width of the total's "
            << width << " against the prior's " << width_of(prior) << "\n";
  EXPECT_LT(width, 0.9 * width_of(prior));
  EXPECT_GE(cover_total, 80) << cover_total << " of " << trials;
  EXPECT_LE(cover_total, 98) << cover_total << " of " << trials;
  EXPECT_GE(cover_outside, 80) << cover_outside << " of " << trials;
  EXPECT_LE(cover_outside, 98) << cover_outside << " of " << trials;
}

}  // namespace
}  // namespace remnant

namespace remnant {
namespace {

// The workflow as a user runs it: evidence file in, posterior result file and
// map, `info`, `hazard` GeoPackage out; run --json says it is conditioned.
// Through the pipeline (what `remnant run --evidence` and the viewer call): a
// conditioned run stopped after its first stage ends Interrupted with its sampler's
// checkpoint saved and nothing merged (it has no realization done; merging the
// empty start with the interrupted part once failed as "parts of different
// runs"); resumed, it finishes with the uninterrupted run's totals.
TEST(ConditioningPipeline, InterruptedKeepsTheSamplersCheckpointAndResumes) {
  const std::string src = REMNANT_SOURCE_DIR;
  test::TempDir dir;
  RunRequest req;
  req.scenario = src + "/configs/example.toml";
  req.evidence = {src + "/configs/example-evidence.geojson"};
  req.run.realizations = 8;
  req.run.backend = "cpu";
  req.checkpoint.path = dir.file("post.conditioning.ckpt");
  const RunOutcome whole = run_pipeline(req);
  ASSERT_EQ(whole.end, RunEnd::Finished);
  ASSERT_GE(whole.conditioning.diagnostics.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(req.checkpoint.path));

  std::atomic<bool> stop{false};
  RunHooks hooks;
  hooks.cancel = &stop;
  RunRequest first = req;
  first.conditioning.stage_done = [&](const ConditioningStage&) { stop = true; };
  const RunOutcome cut = run_pipeline(first, hooks);
  ASSERT_EQ(cut.end, RunEnd::Interrupted);
  EXPECT_TRUE(cut.conditioning_saved);
  EXPECT_EQ(cut.result.done.count(), 0u);
  ASSERT_TRUE(std::filesystem::exists(req.checkpoint.path));

  req.checkpoint.resume = true;
  const RunOutcome resumed = run_pipeline(req);
  ASSERT_EQ(resumed.end, RunEnd::Finished);
  ASSERT_EQ(resumed.result.totals.size(), whole.result.totals.size());
  for (std::size_t i = 0; i < whole.result.totals.size(); ++i)
    EXPECT_EQ(resumed.result.totals[i].duds, whole.result.totals[i].duds) << i;
  EXPECT_EQ(resumed.result.accumulators.dud_sum, whole.result.accumulators.dud_sum);
  EXPECT_NE(resumed.conditioning.diagnostics[0].find("resumed after"), std::string::npos)
      << resumed.conditioning.diagnostics[0];
  EXPECT_FALSE(std::filesystem::exists(req.checkpoint.path));
}

TEST(ConditioningCli, EvidenceInPosteriorFileMapAndHazardOut) {
  using test::run_command;
  using test::shell_quote;
  test::TempDir out;
  const std::string cli = REMNANT_CLI_PATH, src = REMNANT_SOURCE_DIR;
  const std::string scenario = shell_quote(src + "/configs/example.toml"),
                    evidence = shell_quote(src + "/configs/example-evidence.geojson");
  const std::string h5 = out.file("post.h5"), png = out.file("post.png"), gpkg = out.file("post.gpkg");
  const test::CommandResult json =
      run_command(cli + " run " + scenario + " -r 12 --backend cpu -q --json --evidence " + evidence + " 2>&1");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  for (const char* part : {"\"conditioned\": true", "\"evidence\": {", "\"sha256\": \"", "\"r_hat\": ",
                           "2 strikes, 2 finds (4 items)"})
    EXPECT_NE(json.output.find(part), std::string::npos) << part << "\n" << json.output;
  const test::CommandResult run = run_command(cli + " run " + scenario + " -r 12 --backend cpu -q --evidence " +
                                              evidence + " --out " + shell_quote(h5) + " --map " + shell_quote(png) +
                                              " 2>&1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const ResultData d = read_result_file(h5);
  ASSERT_FALSE(d.conditioning.empty());
  EXPECT_EQ(d.conditioning.features.size(), 8u);
  EXPECT_EQ(d.conditioning.sha256.size(), 64u);
  EXPECT_NE(d.conditioning.features[4].find("POLYGON ((2800.000 2900.000"), std::string::npos)
      << d.conditioning.features[4];
  EXPECT_TRUE(d.sensitivity.empty());
  const test::CommandResult info = run_command(cli + " info " + shell_quote(h5) + " 2>&1");
  EXPECT_NE(info.output.find("conditioned on evidence: 2 strikes"), std::string::npos) << info.output;
  // hazard runs the posterior again (conditioning again) and finds every realization as the file has it.
  const test::CommandResult hz = run_command(cli + " hazard " + shell_quote(h5) + " --out " + shell_quote(gpkg) + " -q 2>&1");
  EXPECT_EQ(hz.exit_code, 0) << hz.output;
  EXPECT_TRUE(std::filesystem::exists(gpkg));
  // A forward run says it is not conditioned.
  const test::CommandResult prior = run_command(cli + " run " + scenario + " -r 3 --backend cpu -q --json 2>&1");
  EXPECT_NE(prior.output.find("\"conditioned\": false"), std::string::npos) << prior.output;
}

}  // namespace
}  // namespace remnant
