// `remnant calibrate` (host/apps/calibrate.h) and its statistics
// (host/evidence/calibration.h): recovery of known parameters from records the
// model itself made, the files it writes, and what it refuses.
//
// Recovery: the truth theta0 is drawn from the prior, the record is the
// model's mean at theta0 (the same seed and realizations as every draw) plus a
// Gaussian error of the SD the target states. The posterior's 90 % interval
// must then cover theta0 in about 90 % of trials; the test asks for 80 % of
// 25 trials. All trials weigh the same prior draws (their simulations do not
// depend on the record), so only the first runs the draws.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "host/apps/calibrate.h"
#include "host/common/atomic_output.h"
#include "host/common/errors.h"
#include "host/evidence/report.h"
#include "host/run/result_data.h"
#include "host/run/summary.h"
#include "tests/scenario_fixture.h"
#include "tests/test_support.h"

namespace remnant {
namespace {

constexpr std::uint32_t kDraws = 150, kRealizations = 2;

// One dispenser of 200 bomblets (dud rate 0.1) on a 1 km grid; the fade-out
// distance is what the trials calibrate.
std::string recovery_scenario() {
  return test::ScenarioText("recovery", 11, 2)
             .submunition(test::bomblet())
             .carrier(test::dispenser(200))
             .strike(test::Strike("dispenser", 2, 500.0, 500.0))
             .text() +
         "\n[hazard]\nfade_out_m = 50.0\n";
}

CalibrateArgs args_for(const std::string& scenario, const std::string& out_dir, const std::string& target) {
  CalibrateArgs a;
  a.scenario = scenario;
  a.vary = {"hazard.fade_out_m=10.0,100.0"};
  a.targets = {target};
  a.out_dir = out_dir;
  a.draws = kDraws;
  a.run.realizations = kRealizations;
  a.run.backend = "cpu";
  a.quiet = true;
  return a;
}

// The model's mean hazard area at a fade-out distance: what a draw at that
// value computes.
double model_hazard_area(const std::string& scenario, double fade_out_m) {
  const Scenario sc = load_scenario(scenario, {{"hazard.fade_out_m", fmt::format("{}", fade_out_m)}});
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, kRealizations, sc.seed);
  return headline(r, plan).hazard_area_km2.mean;
}

std::string target(double value, double sd) { return fmt::format("hazard_area_km2={}:{}", value, sd); }

struct Fixture {
  test::TempDir dir;
  std::string scenario = dir.write("recovery.toml", recovery_scenario());
  // The prior's draws, run once.
  Calibration c = run_calibration(args_for(scenario, dir.file("out"), target(0.5, 0.05))).calibration;
  // The spread of the hazard area over the prior's range.
  double lo = model_hazard_area(scenario, 10.0), hi = model_hazard_area(scenario, 100.0);
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

Posterior posterior_for(const Calibration& c, const CalibrationTarget& t, double accept = 0.1) {
  return abc_posterior(c.params, {t}, c.theta, [&] {
    std::vector<std::vector<double>> sim;
    for (std::size_t i = 0; i < c.values.size(); ++i) sim.push_back({c.draw_mean(i, t.metric)});
    return sim;
  }(), accept);
}

WeightedSummary fade_out_posterior(Calibration c, const CalibrationTarget& t) {
  c.targets = {t};
  c.posterior = posterior_for(c, t);
  return parameter_posterior(c, 0);
}

// Trials: how often the 90 % interval covers the truth, and the mean width.
struct Coverage {
  int covered = 0, trials = 0;
  double width = 0.0;
};

Coverage recover(double sd_share, bool with_sd, int trials, std::uint32_t seed) {
  Fixture& f = fixture();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> prior(10.0, 100.0);
  const double sd = sd_share * (f.hi - f.lo);
  std::normal_distribution<double> error(0.0, sd);
  Coverage out;
  for (int k = 0; k < trials; ++k) {
    const double truth = prior(rng);
    const double record = model_hazard_area(f.scenario, truth) + (with_sd ? error(rng) : 0.0);
    CalibrationTarget t{"hazard_area_km2", record, with_sd ? std::optional<double>(sd) : std::nullopt};
    const WeightedSummary s = fade_out_posterior(f.c, t);
    out.covered += s.q05 <= truth && truth <= s.q95;
    out.width += (s.q95 - s.q05) / trials;
    ++out.trials;
  }
  return out;
}

TEST(Calibration, ParsesVaryAndTargetAndRefusesBadOnes) {
  const CalibrationParameter p = parse_calibration_parameter("munition_overrides.M26.aim_error_cep_m=50,300");
  EXPECT_EQ(p.key, "munition_overrides.M26.aim_error_cep_m");
  EXPECT_EQ(p.lo, 50.0);
  EXPECT_EQ(p.hi, 300.0);
  EXPECT_TRUE(p.integer);
  EXPECT_FALSE(parse_calibration_parameter("hazard.fade_out_m=10.0,100").integer);
  const CalibrationTarget t = parse_calibration_target("hazard_area_km2=34.2:5");
  EXPECT_EQ(t.metric, "hazard_area_km2");
  EXPECT_EQ(t.value, 34.2);
  ASSERT_TRUE(t.sd);
  EXPECT_EQ(*t.sd, 5.0);
  EXPECT_FALSE(parse_calibration_target("total_duds=1000").sd);
  const CalibrationParameter joint = parse_calibration_parameter("a.x+'b+c'.x+d=1,2");
  EXPECT_EQ(joint.keys, (std::vector<std::string>{"a.x", "'b+c'.x", "d"}));
  EXPECT_EQ(joint.key, "a.x+'b+c'.x+d");
  for (const char* bad : {"x=1", "x=2,1", "x=1,1", "x=a,2", "=1,2", "x", "a++b=1,2", "a+=1,2"})
    EXPECT_THROW(parse_calibration_parameter(bad), InputError) << bad;
  for (const char* bad : {"duds=3", "total_duds=", "total_duds=3:0", "total_duds=3:-1", "total_duds=x", "=3",
                          "duds_of:=3", "duds_of:M85"})
    EXPECT_THROW(parse_calibration_target(bad), InputError) << bad;
  // A type's name may hold '/', ':' and '=': the metric ends at the last '='.
  const CalibrationTarget by_type = parse_calibration_target("duds_of:M42/M46=120:15");
  EXPECT_EQ(by_type.metric, "duds_of:M42/M46");
  EXPECT_EQ(by_type.value, 120.0);
  EXPECT_EQ(by_type.sd, 15.0);
  const CalibrationTarget odd = parse_calibration_target("duds_of:a=b:c=7");
  EXPECT_EQ(odd.metric, "duds_of:a=b:c");
  EXPECT_EQ(odd.value, 7.0);
  EXPECT_FALSE(odd.sd);
}

TEST(Calibration, PriorDrawsAreKeyedByDrawAndParameterAndFillTheRange) {
  const CalibrationParameter real{"a", {"a"}, 10.0, 20.0, false}, whole{"b", {"b"}, 1.0, 3.0, true};
  EXPECT_EQ(prior_draw(real, 5, 7, 0), prior_draw(real, 5, 7, 0));
  EXPECT_NE(prior_draw(real, 5, 7, 0), prior_draw(real, 5, 8, 0));
  EXPECT_NE(prior_draw(real, 5, 7, 0), prior_draw(real, 5, 7, 1));
  EXPECT_NE(prior_draw(real, 5, 7, 0), prior_draw(real, 6, 7, 0));
  int counts[3] = {0, 0, 0};
  double sum = 0.0;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    const double v = prior_draw(real, 1, i, 0);
    ASSERT_TRUE(v > 10.0 && v < 20.0);
    sum += v;
    const double w = prior_draw(whole, 1, i, 1);
    ASSERT_EQ(w, std::floor(w));
    ++counts[static_cast<int>(w) - 1];
  }
  EXPECT_NEAR(sum / 3000, 15.0, 4 * 10.0 / std::sqrt(12.0 * 3000));
  for (int c : counts) EXPECT_NEAR(c, 1000, 4 * std::sqrt(3000 * (1.0 / 3) * (2.0 / 3)));
}

TEST(Calibration, WeightedSummaryOfEqualWeightsIsTheSampleAndWeightsMoveIt) {
  const std::vector<double> v = {1, 2, 3, 4, 5};
  const WeightedSummary s = weighted_summary(v, {1, 1, 1, 1, 1});
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.q50, 3.0);
  EXPECT_DOUBLE_EQ(s.q05, 1.0);  // below the first value's middle: the smallest
  const WeightedSummary t = weighted_summary(v, {0, 0, 0, 1, 3});
  EXPECT_DOUBLE_EQ(t.mean, 4.75);
  EXPECT_GT(t.q50, 4.0);
  EXPECT_LE(t.q95, 5.0);
}

TEST(Calibration, RecoversKnownFadeOutDistancesInNineOfTenTrials) {
  const Coverage c = recover(0.05, true, 25, 1);
  EXPECT_GE(c.covered, 20) << c.covered << " of " << c.trials << " intervals cover the truth";
  // Wide intervals would cover too: the width must be what the record's SD
  // allows. With the hazard area about linear in the distance, of slope b =
  // (area at 100 m - area at 10 m) / 90 m, the posterior's SD is about SD / b
  // and its 90 % interval 3.29 times that; the model is not quite linear, so
  // within a factor of 2 (a likelihood of the wrong width fails it).
  const Fixture& f = fixture();
  const double expected = 3.29 * 0.05 * (f.hi - f.lo) / ((f.hi - f.lo) / 90.0);
  EXPECT_GT(c.width, 0.5 * expected);
  EXPECT_LT(c.width, 2.0 * expected);
}

TEST(Calibration, IntervalsNarrowAsTheRecordsSdShrinks) {
  const double wide = recover(0.2, true, 10, 2).width, mid = recover(0.1, true, 10, 2).width,
               narrow = recover(0.03, true, 10, 2).width;
  EXPECT_LT(mid, wide);
  EXPECT_LT(narrow, mid);
}

TEST(Calibration, RejectionWithRegressionRecoversTheTruthWithoutAnSd) {
  const Coverage c = recover(0.0, false, 25, 3);
  EXPECT_GE(c.covered, 20) << c.covered << " of " << c.trials;
  EXPECT_LT(c.width, 0.5 * 90.0);
  // The regression adjustment keeps every value inside the prior.
  const Fixture& f = fixture();
  Calibration c2 = f.c;
  const CalibrationTarget t{"hazard_area_km2", 0.5 * (f.lo + f.hi), std::nullopt};
  c2.targets = {t};
  c2.posterior = posterior_for(c2, t);
  EXPECT_EQ(c2.posterior.method, kRegressionMethod);
  EXPECT_EQ(c2.posterior.accepted, std::size_t(std::ceil(0.1 * kDraws)));
  for (std::size_t i = 0; i < kDraws; ++i)
    if (c2.posterior.weight[i] > 0) {
      EXPECT_TRUE(c2.posterior.value[i][0] > 10.0 && c2.posterior.value[i][0] < 100.0);
    }
  // With a wide tolerance (half the draws kept) the kept draws spread far;
  // the adjustment brings them to where their figures would have met the
  // record: the interval shrinks to a fraction and still holds the truth.
  const double truth = 55.0;
  const CalibrationTarget at{"hazard_area_km2", model_hazard_area(f.scenario, truth), std::nullopt};
  const Posterior wide = posterior_for(f.c, at, 0.5);
  std::vector<double> drawn;
  for (const auto& row : f.c.theta) drawn.push_back(row[0]);
  std::vector<double> adjusted;
  for (const auto& row : wide.value) adjusted.push_back(row[0]);
  const WeightedSummary before = weighted_summary(drawn, wide.weight), after = weighted_summary(adjusted, wide.weight);
  EXPECT_LT(after.q95 - after.q05, 0.5 * (before.q95 - before.q05));
  EXPECT_LE(after.q05, truth);
  EXPECT_GE(after.q95, truth);
}

// Sequential rounds: every trial runs its own later rounds (they follow the
// record), through run_calibration.
TEST(Calibration, RoundsRecoverTheTruthWithMoreDrawsWhereThePosteriorIs) {
  Fixture& f = fixture();
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> prior(10.0, 100.0);
  const double sd = 0.05 * (f.hi - f.lo);
  std::normal_distribution<double> error(0.0, sd);
  int covered = 0, trials = 20;
  double width = 0.0, effective_rounds = 0.0, effective_prior = 0.0;
  for (int k = 0; k < trials; ++k) {
    const double truth = prior(rng);
    const double record = model_hazard_area(f.scenario, truth) + error(rng);
    CalibrateArgs a = args_for(f.scenario, f.dir.file(fmt::format("rounds-{}", k)), target(record, sd));
    a.draws = 150;
    a.rounds = 3;
    const Calibration c = run_calibration(a).calibration;
    ASSERT_EQ(c.theta.size(), 150u);
    const WeightedSummary s = parameter_posterior(c, 0);
    covered += s.q05 <= truth && truth <= s.q95;
    width += (s.q95 - s.q05) / trials;
    effective_rounds += c.posterior.effective_draws / trials;
    const CalibrationTarget t{"hazard_area_km2", record, sd};
    effective_prior += posterior_for(f.c, t).effective_draws / trials;  // one round of 150 from the prior
  }
  EXPECT_GE(covered, 16) << covered << " of " << trials;
  const double expected = 3.29 * 0.05 * 90.0;
  EXPECT_GT(width, 0.5 * expected);
  EXPECT_LT(width, 2.0 * expected);
  // The three rounds' 150 draws carry more weight than 150 from the prior.
  EXPECT_GT(effective_rounds, effective_prior) << effective_rounds << " against " << effective_prior;
}

TEST(Calibration, RoundsNeedAnSdForEveryTargetAndDrawsThatSplitEvenly) {
  test::TempDir dir;
  const std::string scenario = dir.write("s.toml", recovery_scenario());
  CalibrateArgs a = args_for(scenario, dir.file("out"), "hazard_area_km2=0.05");
  a.rounds = 3;
  EXPECT_THROW(run_calibration(a), InputError);
  a.targets = {"hazard_area_km2=0.05:0.01"};
  a.draws = 100;
  EXPECT_THROW(run_calibration(a), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out")));
}

TEST(Calibration, ProposalDensityIsTheKernelMixtureItDrawsFrom) {
  const std::vector<CalibrationParameter> params = {{"a", {"a"}, 0.0, 10.0, false}, {"b", {"b"}, 1.0, 4.0, true}};
  const Proposal q = make_proposal(params, {{2.0, 2.0}, {7.0, 3.0}}, {0.25, 0.75});
  ASSERT_EQ(q.centre.size(), 2u);
  // Monte Carlo: the share of draws in a box against the density integrated over it.
  int in_box = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const std::vector<double> v = proposal_draw(q, params, 9, static_cast<std::uint32_t>(i));
    ASSERT_TRUE(v[0] >= 0.0 && v[0] <= 10.0 && v[1] >= 1.0 && v[1] <= 4.0 && v[1] == std::floor(v[1]));
    in_box += v[0] >= 5.0 && v[0] < 8.0 && v[1] == 3.0;
  }
  double mass = 0.0;  // the density integrated over a in [5, 8) at b = 3
  for (int k = 0; k < 3000; ++k) {
    const double a = 5.0 + (k + 0.5) * 3.0 / 3000;
    mass += proposal_density(q, params, {a, 3.0}) * 3.0 / 3000;
  }
  const double share = double(in_box) / n;
  EXPECT_NEAR(share, mass, 4 * std::sqrt(mass * (1 - mass) / n));
}

TEST(Calibration, WritesItsFilesAndTheCalibratedScenarioBuildsOnTheOriginal) {
  Fixture& f = fixture();
  for (const std::string& name : calibration_files())
    EXPECT_TRUE(std::filesystem::is_regular_file(f.dir.file("out/" + name))) << name;
  EXPECT_EQ(f.c.theta.size(), kDraws);
  EXPECT_EQ(f.c.values.size(), kDraws);
  const std::string toml = test::slurp(f.dir.file("out/calibrated.toml"));
  EXPECT_NE(toml.find("base = '../recovery.toml'"), std::string::npos) << toml;
  EXPECT_NE(toml.find("fade_out_m_source = 'calibrated to hazard_area_km2 = 0.5 (SD 0.05) by remnant calibrate"),
            std::string::npos)
      << toml;
  const Scenario sc = load_scenario(f.dir.file("out/calibrated.toml"), {});
  EXPECT_EQ(sc.name, "recovery (calibrated)");
  EXPECT_NEAR(sc.hazard.fade_out_m, parameter_posterior(f.c, 0).mean, 1e-9);
  const std::string json = test::slurp(f.dir.file("out/calibration.json"));
  for (const char* key : {"\"parameters\": {", "\"hazard.fade_out_m\": {\"prior\": [10, 100]", "\"targets\": {",
                          "\"hazard_area_km2\": {\"record\": 0.5, \"sd\": 0.05", "\"draws\": 150", "\"accepted\": ",
                          "\"outputs\": {", "\"seed\": 11"})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
  const std::string csv = test::slurp(f.dir.file("out/draws.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), kDraws + 1);
  EXPECT_EQ(csv.rfind("draw,round,hazard.fade_out_m,weight,total_duds_mean,", 0), 0u) << csv.substr(0, 200);
}

TEST(Calibration, OneParameterOnSeveralKeysSetsThemAlike) {
  test::TempDir dir;
  const std::string scenario = dir.write("s.toml", recovery_scenario());
  CalibrateArgs a = args_for(scenario, dir.file("out"), "hazard_area_km2=0.05:0.01");
  a.vary = {"hazard.fade_out_m+munition_overrides.dispenser.aim_error_cep_m=10.0,60.0"};
  a.draws = 10;
  const CalibrateResult r = run_calibration(a);
  const Scenario sc = load_scenario(dir.file("out/calibrated.toml"), {});
  const double mean = parameter_posterior(r.calibration, 0).mean;
  EXPECT_NEAR(sc.hazard.fade_out_m, mean, 1e-9);
  const std::string toml = test::slurp(dir.file("out/calibrated.toml"));
  EXPECT_NE(toml.find(fmt::format("aim_error_cep_m = {}", mean)), std::string::npos) << toml;
  EXPECT_NE(toml.find("aim_error_cep_m_source = 'calibrated to"), std::string::npos) << toml;
  // Each draw set both: the scenario's own aim error (20 m) would give another hazard area.
  a.vary = {"hazard.fade_out_m=10.0,60.0"};
  a.out_dir = dir.file("one");
  const Calibration only_fade = run_calibration(a).calibration;
  EXPECT_NE(only_fade.draw_mean(0, "hazard_area_km2"), r.calibration.draw_mean(0, "hazard_area_km2"));
}

TEST(Calibration, ARecordBeyondEveryDrawIsWarnedOf) {
  Calibration c = fixture().c;
  const CalibrationTarget near{"hazard_area_km2", 0.5 * (fixture().lo + fixture().hi), 0.2 * (fixture().hi - fixture().lo)};
  c.targets = {near};
  c.posterior = posterior_for(c, near);
  EXPECT_TRUE(calibration_warnings(c).empty()) << calibration_warnings(c)[0];
  const CalibrationTarget far{"hazard_area_km2", 10.0, 0.05};
  c.targets = {far};
  c.posterior = posterior_for(c, far);
  const std::vector<std::string> w = calibration_warnings(c);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("effective draws"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("the record hazard_area_km2 = 10 lies above every draw's figure"), std::string::npos) << w[1];
  EXPECT_NE(calibration_json(c).find("lies above every draw's figure"), std::string::npos);
  EXPECT_NE(calibration_text(c).find("warning: the record hazard_area_km2"), std::string::npos);
}

TEST(Calibration, BadArgumentsAreRefusedBeforeAnythingIsWritten) {
  test::TempDir dir;
  const std::string scenario = dir.write("s.toml", recovery_scenario());
  auto refused = [&](CalibrateArgs a, const std::string& expect) {
    try {
      run_calibration(a);
      ADD_FAILURE() << "accepted; expected an error with: " << expect;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("out"))) << expect;
  };
  const CalibrateArgs good = args_for(scenario, dir.file("out"), "hazard_area_km2=0.5:0.05");
  CalibrateArgs a = good;
  a.vary = {"hazard.no_such_key=1,2"};
  refused(a, "no_such_key");
  a = good;
  a.vary = {"hazard.fade_out_m=0.5,2000"};  // outside what the scenario accepts
  refused(a, "fade_out_m");
  a = good;
  a.targets = {"duds=3"};
  refused(a, "not a headline total");
  a = good;
  a.targets.push_back("hazard_area_km2=1");
  refused(a, "a target twice");
  a = good;
  a.sets = {"hazard.fade_out_m=20"};
  refused(a, "also varied");
  a = good;
  a.draws = 3;
  refused(a, "--draws 3");
}

// Runs `a` whole in DIR/whole, then in DIR/parts stopped after 5 of its 12
// draws and resumed: the files must be the same.
void expect_resume_gives_the_whole(CalibrateArgs a, const test::TempDir& dir) {
  a.out_dir = dir.file("whole");
  a.draws = 12;
  const CalibrateResult whole = run_calibration(a);
  ASSERT_EQ(whole.outcome, SweepOutcome::Finished);

  a.out_dir = dir.file("parts");
  std::atomic<bool> stop{false};
  int draws_seen = 0;
  SweepHooks hooks(&stop);
  hooks.chatter = [&](const std::string& line) {
    if (line.find("draw ") != std::string::npos && ++draws_seen == 5) stop = true;
  };
  std::string said;
  hooks.say = [&](const std::string& m) { said += m; };
  a.quiet = false;
  const CalibrateResult first = run_calibration(a, hooks);
  ASSERT_EQ(first.outcome, SweepOutcome::Interrupted);
  EXPECT_NE(said.find("the 5 draws done are kept"), std::string::npos) << said;
  EXPECT_NE(said.find("--resume"), std::string::npos) << said;
  EXPECT_FALSE(std::filesystem::exists(dir.file("parts/calibration.json")));
  // Without --resume the directory is refused; with it, the rest runs.
  EXPECT_THROW(run_calibration(a), InputError);
  a.resume = true;
  std::string resumed;
  SweepHooks listen;
  listen.chatter = [&](const std::string& line) { resumed += line; };
  const CalibrateResult rest = run_calibration(a, listen);
  ASSERT_EQ(rest.outcome, SweepOutcome::Finished);
  EXPECT_NE(resumed.find("5 of 12 draws already done"), std::string::npos) << resumed;
  EXPECT_EQ(resumed.find("draw 5/12"), std::string::npos) << "draw 5 ran again:\n" << resumed;
  EXPECT_NE(resumed.find("draw 6/12"), std::string::npos) << resumed;
  EXPECT_EQ(test::slurp(dir.file("parts/realizations.csv")), test::slurp(dir.file("whole/realizations.csv")));
  EXPECT_EQ(test::slurp(dir.file("parts/draws.csv")), test::slurp(dir.file("whole/draws.csv")));
  EXPECT_EQ(whole.calibration.values, rest.calibration.values);
}

TEST(Calibration, AnInterruptedCalibrationResumesToTheSameResult) {
  test::TempDir dir;
  const std::string scenario = dir.write("s.toml", recovery_scenario());
  CalibrateArgs a = args_for(scenario, dir.file("whole"), "hazard_area_km2=0.5:0.05");
  expect_resume_gives_the_whole(a, dir);
  // Another scenario's draws are not taken.
  a.out_dir = dir.file("parts");
  a.draws = 12;
  a.resume = true;
  a.run.seed = 99;
  EXPECT_THROW(run_calibration(a), InputError);
}

// ---------------------------------------------------------------- duds by type

// Two types on the 1 km grid: the dispenser's 200 bomblets (dud rate 0.1,
// what the trials calibrate) and three shells of 88 "M42/M46" (a name with a
// '/', as in the catalogue; dud rate 0.05).
std::string two_type_scenario() {
  return test::ScenarioText("two types", 13, 2)
             .submunition(test::bomblet())
             .submunition(test::Submunition("M42/M46", {30.0, 50.0}, 0.05))
             .carrier(test::dispenser(200))
             .carrier(test::m483().name("shell").submunition("M42/M46").aim_error_cep(30.0))
             .strike(test::Strike("dispenser", 2, 500.0, 500.0))
             .strike(test::Strike("shell", 3, 400.0, 600.0))
             .text();
}

constexpr const char* kBombletRate = "munition_overrides.bomblet.dud_rate";

// The model's mean duds of one type at a bomblet dud rate (the same seed and
// realizations as every draw), read from the run's per-type counts as the
// result file has them (fired_duds_by_type), not through calibrate.
double model_duds_of(const std::string& scenario, double rate, const std::string& type) {
  const Scenario sc = load_scenario(scenario, {{kBombletRate, fmt::format("{}", rate)}});
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, kRealizations, sc.seed);
  const FiredDudsByType f = fired_duds_by_type(sc, plan, r);
  const std::size_t t = static_cast<std::size_t>(std::find(f.names.begin(), f.names.end(), type) - f.names.begin());
  EXPECT_LT(t, f.names.size()) << type;
  double sum = 0.0;
  for (std::size_t i = 0; i < r.totals.size(); ++i) sum += double(f.rows[i * f.names.size() + t]);
  return sum / double(r.totals.size());
}

TEST(Calibration, RecoversABombletDudRateFromItsTypesDuds) {
  test::TempDir dir;
  const std::string scenario = dir.write("two.toml", two_type_scenario());
  const double truth = 0.15, lo = 0.02, hi = 0.3;
  const double record = model_duds_of(scenario, truth, "bomblet");
  const double slope = (model_duds_of(scenario, hi, "bomblet") - model_duds_of(scenario, lo, "bomblet")) / (hi - lo);
  ASSERT_GT(slope, 100.0);  // some 400 bomblets land on the grid
  const double sd = 0.02 * slope;  // a record good to 0.02 in the rate
  CalibrateArgs a = args_for(scenario, dir.file("out"), fmt::format("duds_of:bomblet={}:{}", record, sd));
  a.vary = {fmt::format("{}={},{}", kBombletRate, lo, hi)};
  a.draws = 60;
  const Calibration c = run_calibration(a).calibration;
  EXPECT_EQ(c.metrics.back(), "duds_of:M42/M46");
  EXPECT_EQ(c.metrics[c.metrics.size() - 2], "duds_of:bomblet");
  const WeightedSummary s = parameter_posterior(c, 0);
  EXPECT_LE(s.q05, truth);
  EXPECT_GE(s.q95, truth);
  // The prior's 90 % interval is 0.9 of the range; the record's SD allows
  // about 3.29 x 0.02.
  EXPECT_LT(s.q95 - s.q05, 2.0 * 3.29 * 0.02) << s.q05 << " to " << s.q95;
  EXPECT_LT(s.q95 - s.q05, 0.5 * 0.9 * (hi - lo));
  // Other truths, weighed against the same draws.
  for (const double other : {0.05, 0.25}) {
    const CalibrationTarget t{"duds_of:bomblet", model_duds_of(scenario, other, "bomblet"), sd};
    const WeightedSummary w = fade_out_posterior(c, t);
    EXPECT_LE(w.q05, other);
    EXPECT_GE(w.q95, other);
  }
  // Each realization's duds of the two types add up to its duds; the shells'
  // do not move with the bomblets' rate.
  const std::size_t total = c.metric_index("total_duds"), bomblet = c.metric_index("duds_of:bomblet"),
                    shell = c.metric_index("duds_of:M42/M46");
  const double shell_duds = model_duds_of(scenario, truth, "M42/M46");
  ASSERT_GT(shell_duds, 0.0);
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    for (std::size_t k = 0; k < kRealizations; ++k)
      ASSERT_EQ(c.values[i][bomblet][k] + c.values[i][shell][k], c.values[i][total][k]) << i << " " << k;
    ASSERT_EQ(c.draw_mean(i, "duds_of:M42/M46"), shell_duds) << i;
  }
  // The dud-only pass (per-type duds are counted by it): impacts not recorded.
  const std::string csv = test::slurp(dir.file("out/draws.csv"));
  EXPECT_NE(csv.find(",duds_of:bomblet_mean,duds_of:M42/M46_mean\n"), std::string::npos) << csv.substr(0, 300);
  EXPECT_EQ(csv.find("impacts_mean"), std::string::npos) << csv.substr(0, 300);
  const std::string json = test::slurp(dir.file("out/calibration.json"));
  for (const std::string& key : {fmt::format("\"duds_of:bomblet\": {{\"record\": {}, \"sd\": {}", record, sd),
                                 std::string("\"duds_of:M42/M46\": {\"prior\": ")})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
  const std::string toml = test::slurp(dir.file("out/calibrated.toml"));
  EXPECT_NE(toml.find(fmt::format("dud_rate_source = 'calibrated to duds_of:bomblet = {:g} (SD {:g})", record, sd)),
            std::string::npos)
      << toml;
  const std::string svg = test::text_layer(test::slurp(dir.file("out/calibration.svg")));
  EXPECT_NE(svg.find(fmt::format("duds_of:bomblet: record {:g}, SD {:g}", record, sd)), std::string::npos) << svg;
  EXPECT_NE(calibration_text(c).find("    duds_of:M42/M46: "), std::string::npos) << calibration_text(c);
}

TEST(Calibration, ATypeTheScenarioLacksOrDoesNotFireIsRefused) {
  test::TempDir dir;
  // A third type that no carrier carries.
  const std::string scenario = dir.write(
      "s.toml", test::ScenarioText("two types", 13, 2)
                    .submunition(test::bomblet())
                    .submunition(test::Submunition("M42/M46", {30.0, 50.0}, 0.05))
                    .submunition(test::m77())
                    .carrier(test::dispenser(200))
                    .carrier(test::m483().name("shell").submunition("M42/M46"))
                    .strike(test::Strike("dispenser", 2, 500.0, 500.0))
                    .strike(test::Strike("shell", 3, 400.0, 600.0))
                    .text());
  auto refused = [&](const std::string& target, const std::string& expect) {
    CalibrateArgs a = args_for(scenario, dir.file("out"), target);
    a.vary = {fmt::format("{}=0.02,0.3", kBombletRate)};
    try {
      run_calibration(a);
      ADD_FAILURE() << "accepted " << target;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), expect);
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("out"))) << target;
  };
  refused("duds_of:M85=10:2", fmt::format("--target duds_of:M85=10:2: \"M85\" is not a submunition type of {} (two "
                                          "types); expected one of duds_of:bomblet, duds_of:M42/M46",
                                          scenario));
  refused("duds_of:M42=10", fmt::format("--target duds_of:M42=10: \"M42\" is not a submunition type of {} (two "
                                        "types); expected one of duds_of:bomblet, duds_of:M42/M46",
                                        scenario));
  refused("duds_of:M77=10", "--target duds_of:M77=10: the scenario's submunition type \"M77\" fires no item (no "
                            "strike carries it at either end of the --vary ranges), so its duds are 0 in every draw; "
                            "expected one of duds_of:bomblet, duds_of:M42/M46");
}

TEST(Calibration, AnInterruptedCalibrationOfATypesDudsResumesToTheSameResult) {
  test::TempDir dir;
  const std::string scenario = dir.write("two.toml", two_type_scenario());
  CalibrateArgs a = args_for(scenario, dir.file("whole"), "duds_of:M42/M46=12:3");
  a.vary = {"munition_overrides.M42/M46.dud_rate=0.01,0.2"};
  expect_resume_gives_the_whole(a, dir);
  const std::string csv = test::slurp(dir.file("parts/realizations.csv"));
  EXPECT_NE(csv.find("\ndraw,realization,total_duds,"), std::string::npos) << csv.substr(0, 300);
  EXPECT_NE(csv.find(",outside_grid,duds_of:bomblet,duds_of:M42/M46\n0,0,"), std::string::npos) << csv.substr(0, 300);
  // A realizations.csv of another list of totals (written before the types
  // were recorded) is refused, not read as if its columns were these.
  const std::size_t at = csv.find(",duds_of:bomblet");
  std::string older = csv.substr(0, at) + csv.substr(csv.find('\n', at));
  write_text_file(dir.file("parts/realizations.csv"), older);
  a.out_dir = dir.file("parts");
  a.draws = 12;
  a.resume = true;
  try {
    run_calibration(a);
    ADD_FAILURE() << "a realizations.csv without the types' columns was resumed";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("records the totals total_duds,impacts,hazard_area_km2,"
                                         "hazard_area_per_strike_ha,contaminated_area_km2,in_water,outside_grid and "
                                         "this calibration records total_duds,"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace remnant

namespace remnant {
namespace {

// The command line: --json prints the summary; bad input exits 2 naming it.
TEST(CalibrateCli, JsonSummaryOnStdoutAndBadInputExits2) {
  test::TempDir dir;
  const std::string scenario = dir.write("s.toml", recovery_scenario());
  const std::string cmd = std::string(REMNANT_CLI_PATH) + " calibrate " + test::shell_quote(scenario) +
                          " --vary hazard.fade_out_m=10.0,100.0 --draws 20 -r 2 --backend cpu --quiet --out-dir ";
  const test::CommandResult ok =
      test::run_command(cmd + test::shell_quote(dir.file("a")) + " --target hazard_area_km2=0.05:0.01 --json");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  for (const char* key : {"\"parameters\": {", "\"hazard.fade_out_m\": {\"prior\": [10, 100]", "\"draws\": 20",
                          "\"accepted\": ", "\"seconds\": "})
    EXPECT_NE(ok.output.find(key), std::string::npos) << key << "\n" << ok.output;
  // Exits 2 with the message, having written nothing.
  auto refused = [&](const std::string& out, const std::string& target, const std::string& expect) {
    const test::CommandResult bad =
        test::run_command(cmd + test::shell_quote(dir.file(out)) + " --target " + target + " 2>&1");
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("remnant: error: --target " + target + ": " + expect), std::string::npos) << bad.output;
    EXPECT_FALSE(std::filesystem::exists(dir.file(out)));
  };
  refused("b", "hazard_area=0.05", "\"hazard_area\" is not a headline total");
  refused("c", "duds_of:M85=10", "\"M85\" is not a submunition type of " + scenario + " (recovery); expected one of "
                                 "duds_of:bomblet");
}

}  // namespace
}  // namespace remnant
