// First-order sensitivity indices (host/evidence/sensitivity.h) on cases with
// a known answer: the estimator on synthetic data, and a run whose only
// uncertain input is one type's dud rate.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <vector>

#include "host/common/errors.h"
#include "host/evidence/report.h"
#include "host/evidence/result_file.h"
#include "host/evidence/sensitivity.h"
#include "host/maps/sensitivity_chart.h"
#include "host/run/pipeline.h"
#include "host/run/sensitivity.h"
#include "tests/scenario_fixture.h"
#include "tests/test_support.h"

namespace remnant {
namespace {

std::vector<double> uniforms(std::mt19937& rng, std::size_t n) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

TEST(Sensitivity, OneInputThatDrivesTheTotalHasAnIndexNearOneTheOtherNearZero) {
  std::mt19937 rng(19);
  const std::size_t R = 400;
  const std::vector<double> x1 = uniforms(rng, R), x2 = uniforms(rng, R), e = uniforms(rng, R);
  std::vector<double> y(R);
  for (std::size_t i = 0; i < R; ++i) y[i] = 10.0 * x1[i] + 0.5 * e[i];  // x1's share: 100 / (100 + 0.25) of the variance
  const std::vector<double> s = first_order_indices({{"x1", x1}, {"x2", x2}}, y);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_GT(s[0], 0.95);
  EXPECT_LT(s[1], sensitivity_noise_level(R));
}

TEST(Sensitivity, SeesADependenceThatIsNotLinear) {
  // y = (x - 1/2)^2: no correlation with x, yet x explains all of y.
  std::mt19937 rng(20);
  const std::size_t R = 400;
  const std::vector<double> x = uniforms(rng, R), z = uniforms(rng, R);
  std::vector<double> y(R);
  for (std::size_t i = 0; i < R; ++i) y[i] = (x[i] - 0.5) * (x[i] - 0.5);
  const std::vector<double> s = first_order_indices({{"x", x}, {"z", z}}, y);
  EXPECT_GT(s[0], 0.9);
  EXPECT_LT(s[1], sensitivity_noise_level(R));
}

TEST(Sensitivity, TwoEqualInputsShareTheVariance) {
  std::mt19937 rng(21);
  const std::size_t R = 900;
  const std::vector<double> a = uniforms(rng, R), b = uniforms(rng, R);
  std::vector<double> y(R);
  for (std::size_t i = 0; i < R; ++i) y[i] = a[i] + b[i];
  const std::vector<double> s = first_order_indices({{"a", a}, {"b", b}}, y);
  EXPECT_NEAR(s[0], 0.5, 0.1);
  EXPECT_NEAR(s[1], 0.5, 0.1);
}

TEST(Sensitivity, TooFewRealizationsOrNoVarianceGiveNoIndicesAndBadLengthsThrow) {
  std::mt19937 rng(22);
  const std::vector<double> x = uniforms(rng, kMinSensitivityRealizations - 1);
  EXPECT_TRUE(first_order_indices({{"x", x}}, x).empty());
  const std::vector<double> x20 = uniforms(rng, 20);
  EXPECT_TRUE(first_order_indices({{"x", x20}}, std::vector<double>(20, 3.0)).empty());
  EXPECT_THROW(first_order_indices({{"x", x}}, x20), std::invalid_argument);
}

// The sensitivity of a 60-realization run of a scenario text.
Sensitivity sensitivity_of(const std::string& text, std::uint64_t seed) {
  const Scenario sc = test::scenario_from(text, "s.toml");
  const Plan plan = make_plan(sc);
  return run_sensitivity(sc, plan, test::run(sc, plan, 60, seed));
}

// A run with one uncertain input: a single fixed strike, fixed wind, function
// height and footprint, a wide Beta prior on the one type's dud rate. The
// binomial scatter of 20,000 items is small against the prior's spread, so
// the dud rate explains nearly all the variance of the total; the inputs that
// do not vary are not listed.
TEST(Sensitivity, ARunWhoseOnlyUncertainInputIsTheDudRate) {
  const std::string text = test::ScenarioText("one uncertain input", 5, 60)
                               .grid(200, 200, 10.0)
                               .wind({3.0, 3.0}, {270.0, 270.0})
                               .submunition(test::Submunition("A", {40.0, 40.0}, test::beta(4.0, 8.0)))
                               .carrier(test::Carrier("C", "A", 2000, "air", "uniform_ellipse")
                                            .footprint({150.0, 150.0}, {80.0, 80.0})
                                            .aim_error_cep(30.0)
                                            .function_height({500.0, 500.0}))
                               .strike(test::Strike("C", 10, 1000.0, 1000.0))
                               .text();
  const Sensitivity s = sensitivity_of(text, 5);
  ASSERT_EQ(s.inputs, std::vector<std::string>{"dud rate of A"});
  ASSERT_EQ(s.total_duds.size(), 1u);
  EXPECT_GT(s.total_duds[0], 0.9);
  const std::string json = sensitivity_json(s);
  EXPECT_NE(json.find("\"dud rate of A\": 0.9"), std::string::npos) << json;
  EXPECT_NE(sensitivity_text(s).find("what drives the duds"), std::string::npos);
}

// The same with the dud rate fixed and the wind the only input that varies,
// blowing a strike near the grid's edge partly off it: the wind explains the
// duds left on the grid.
TEST(Sensitivity, ARunWhoseOnlyUncertainInputIsTheWind) {
  const std::string text = test::ScenarioText("only the wind", 6, 60)
                               .grid(100, 100, 10.0)
                               .wind({0.0, 30.0}, {270.0, 270.0})  // from the west: drift 0-150 m east
                               .submunition(test::Submunition("A", {60.0, 60.0}, test::Value("0.2")))
                               .carrier(test::Carrier("C", "A", 2000, "air", "uniform_ellipse")
                                            .footprint({100.0, 100.0}, {100.0, 100.0})
                                            .aim_error_cep(1.0)
                                            .function_height({300.0, 300.0}))
                               .strike(test::Strike("C", 2, 900.0, 500.0))
                               .text();
  const Sensitivity s = sensitivity_of(text, 6);
  ASSERT_EQ(s.inputs, std::vector<std::string>{"wind speed (item-weighted mean over strike rows)"});
  EXPECT_GT(s.total_duds[0], 0.8);
}

// The result file keeps the indices (group sensitivity/) and `info` prints them.
TEST(Sensitivity, TheResultFileKeepsTheIndicesAndInfoPrintsThem) {
  const std::string text = test::ScenarioText("kept", 7, 30)
                               .grid(100, 100, 10.0)
                               .wind({0.0, 4.0}, {0.0, 360.0})
                               .submunition(test::Submunition("A", {40.0, 60.0}, test::beta(3.0, 9.0)))
                               .carrier(test::Carrier("C", "A", 500, "air", "uniform_ellipse")
                                            .footprint({60.0, 120.0}, {40.0, 80.0})
                                            .aim_error_cep(20.0)
                                            .function_height({300.0, 600.0}))
                               .strike(test::Strike("C", 4, 500.0, 500.0))
                               .text();
  const Scenario sc = test::scenario_from(text, "kept.toml");
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, 30, 7);
  const ResultData d = run_evidence(sc, plan, r).data;  // the pipeline's: statistics, data and indices
  ASSERT_FALSE(d.sensitivity.empty());
  ASSERT_EQ(d.sensitivity.inputs.size(), 4u) << "dud rate, function height, footprint area, wind speed";
  test::TempDir dir;
  write_result_file(dir.file("r.h5"), d);
  const ResultData back = read_result_file(dir.file("r.h5"));
  EXPECT_EQ(back.sensitivity.inputs, d.sensitivity.inputs);
  EXPECT_EQ(back.sensitivity.total_duds, d.sensitivity.total_duds);
  EXPECT_EQ(back.sensitivity.hazard_area_km2, d.sensitivity.hazard_area_km2);
  EXPECT_EQ(back.sensitivity.noise_level, d.sensitivity.noise_level);
  EXPECT_EQ(back.sensitivity.realizations, 30u);
  const std::string info = result_info_text(back);
  EXPECT_NE(info.find("what drives the duds"), std::string::npos) << info;
  EXPECT_NE(info.find("dud rate of A"), std::string::npos) << info;

  // The chart `export --figure sensitivity` draws: every input and the noise level in its text.
  render_sensitivity_chart(back, dir.file("s.svg"), 100);
  const std::string svg = test::slurp(dir.file("s.svg"));
  for (const std::string& name : back.sensitivity.inputs) EXPECT_NE(svg.find(name), std::string::npos) << name;
  EXPECT_NE(svg.find("noise level"), std::string::npos);
  ResultData none = back;
  none.sensitivity = Sensitivity{};
  EXPECT_THROW(render_sensitivity_chart(none, dir.file("n.svg"), 100), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("n.svg")));
}

}  // namespace
}  // namespace remnant
