// The ranged per-realization draws of draw_batch (host/run/plan.cpp): function
// height, footprint scale (a uniform, or the mean of the normalised height and
// spin under footprint_scaling), wind speed and direction. 20,000 realizations
// of two strikes; each draw's mean and variance against its analytic
// distribution within 4 standard errors of the sample size, its range, and the
// dependences the model has (one scale for both semi-axes) and has not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "test_support.h"

namespace remnant {
namespace {

using test::Moments;
using test::moments;

const std::string kDraws =
    test::ScenarioText("draws test", 3, 1)
        .grid(10, 10, 10.0)
        .wind({2.0, 10.0}, {200.0, 340.0})
        .submunition(test::bomblet())
        .carrier(test::dispenser(10)
                     .name("plain")
                     .footprint({100.0, 300.0}, {40.0, 60.0})
                     .aim_error_cep(0.0)
                     .function_height({200.0, 800.0}))
        .carrier(test::dispenser(10)
                     .name("scaled")
                     .pattern("gaussian_ellipse")
                     .footprint({30.0, 120.0}, {20.0, 60.0})
                     .key("footprint_scaling", "{ height_m = [100.0, 900.0], spin_rpm = [0.0, 2000.0] }")
                     .function_height({100.0, 900.0})
                     .key("spin_rpm", {0.0, 2000.0})
                     .aim_error_cep(0.0))
        .strike(test::Strike("plain", 1, 50.0, 50.0))
        .strike(test::Strike("scaled", 1, 50.0, 50.0))
        .text();

constexpr std::uint32_t kR = 20000;
constexpr double kPi = 3.14159265358979323846;

class Draws : public ::testing::Test {
 protected:
  Draws() : sc_(test::scenario_from(kDraws, "draws.toml")), plan_(make_plan(sc_)), d_(draw_batch(sc_, plan_, 99, 0, kR)) {}
  // One strike's values of a per-strike draw, over the realizations.
  std::vector<double> of(const std::vector<float>& v, std::uint32_t strike) const {
    std::vector<double> out;
    for (std::uint32_t b = 0; b < kR; ++b) out.push_back(v[b * 2 + strike]);
    return out;
  }
  Scenario sc_;
  Plan plan_;
  BatchDraws d_;
};

// Uniform on [lo, hi]: mean (lo + hi) / 2 with sd (hi - lo) / sqrt(12 n); the
// variance (hi - lo)^2 / 12 with sd sqrt((mu4 - var^2) / n), mu4 = (hi - lo)^4
// / 80; every value inside, and the extremes within 0.1 % of the range of the
// ends (a draw misses the end's 0.1 % with probability 0.999^20000 = 2e-9).
void expect_uniform(const std::vector<double>& v, double lo, double hi, const char* what) {
  const Moments m = moments(v);
  const double w = hi - lo, n = m.n, var = w * w / 12.0, mu4 = w * w * w * w / 80.0;
  EXPECT_LT(std::abs(m.mean - (lo + hi) / 2), 4.0 * std::sqrt(var / n)) << what << ": mean " << m.mean;
  EXPECT_LT(std::abs(m.var - var), 4.0 * std::sqrt((mu4 - var * var) / n)) << what << ": variance " << m.var
                                                                            << ", expected " << var;
  const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  EXPECT_GE(*mn, lo - 1e-4 * w) << what;
  EXPECT_LE(*mx, hi + 1e-4 * w) << what;
  EXPECT_LT(*mn, lo + 1e-3 * w) << what << ": the lowest of " << n << " draws";
  EXPECT_GT(*mx, hi - 1e-3 * w) << what << ": the highest of " << n << " draws";
}

// Pearson correlation; for independent draws its sd is 1 / sqrt(n), in general
// (1 - rho^2) / sqrt(n) for near-normal data (the bound used for rho != 0).
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const Moments ma = moments(a), mb = moments(b);
  long double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma.mean) * (b[i] - mb.mean);
  return static_cast<double>(s / (a.size() - 1)) / std::sqrt(ma.var * mb.var);
}

TEST_F(Draws, FunctionHeightIsUniformOverItsRange) {
  expect_uniform(of(d_.height, 0), 200.0, 800.0, "function height, plain carrier");
  expect_uniform(of(d_.height, 1), 100.0, 900.0, "function height, scaled carrier");
  // Each strike row draws its own height.
  EXPECT_LT(std::abs(correlation(of(d_.height, 0), of(d_.height, 1))), 4.0 / std::sqrt(double(kR)));
}

TEST_F(Draws, FootprintScaleIsOneUniformForBothSemiAxes) {
  const std::vector<double> major = of(d_.semi_major, 0), minor = of(d_.semi_minor, 0);
  expect_uniform(major, 100.0, 300.0, "semi-major axis");
  expect_uniform(minor, 40.0, 60.0, "semi-minor axis");
  // One scale u sets both: (minor - 40) / 20 = (major - 100) / 200 = u.
  for (std::uint32_t b = 0; b < kR; ++b)
    ASSERT_NEAR((minor[b] - 40.0) / 20.0, (major[b] - 100.0) / 200.0, 1e-5) << "realization " << b;
  // And the scale does not follow the function height (it does only under
  // footprint_scaling).
  EXPECT_LT(std::abs(correlation(major, of(d_.height, 0))), 4.0 / std::sqrt(double(kR)));
}

TEST_F(Draws, ScaledFootprintFollowsHeightAndSpin) {
  // u = (nh + ns) / 2 with nh, ns the height and spin normalised over the
  // scaling's ranges, both uniform on [0, 1] here: u has the triangular
  // distribution on [0, 1], mean 1/2, variance 1/24, mu4 = (2/80 + 6/144) / 16
  // = 1/240; corr(u, height) = (1/24) / sqrt(1/24 * 1/12) = 1/sqrt(2).
  const std::vector<double> major = of(d_.semi_major, 1), minor = of(d_.semi_minor, 1);
  std::vector<double> u;
  for (std::uint32_t b = 0; b < kR; ++b) {
    u.push_back((major[b] - 30.0) / 90.0);
    ASSERT_NEAR((minor[b] - 20.0) / 40.0, u.back(), 1e-5) << "realization " << b;
  }
  const Moments m = moments(u);
  const double var = 1.0 / 24.0, mu4 = 1.0 / 240.0;
  EXPECT_LT(std::abs(m.mean - 0.5), 4.0 * std::sqrt(var / m.n)) << "mean scale " << m.mean;
  EXPECT_LT(std::abs(m.var - var), 4.0 * std::sqrt((mu4 - var * var) / m.n)) << "variance of the scale " << m.var;
  const double rho = correlation(u, of(d_.height, 1)), expected = 1.0 / std::sqrt(2.0);
  EXPECT_LT(std::abs(rho - expected), 4.0 * (1.0 - expected * expected) / std::sqrt(double(kR)))
      << "correlation of the footprint scale with the function height " << rho;
}

TEST_F(Draws, WindSpeedAndDirectionAreUniformAndBlowDownwind) {
  // wind_x, wind_y: the air's velocity, toward from + 180 degrees (clockwise
  // from north): speed = |w|, from = atan2(-w_x, -w_y).
  std::vector<double> speed, from;
  for (std::uint32_t b = 0; b < 2 * kR; ++b) {
    const double wx = d_.wind_x[b], wy = d_.wind_y[b];
    speed.push_back(std::hypot(wx, wy));
    double f = std::atan2(-wx, -wy) * 180.0 / kPi;
    if (f < 0) f += 360.0;
    from.push_back(f);
    // From 200-340 degrees (south-south-west to north-north-west): the air
    // moves east.
    ASSERT_GT(wx, 0.0) << "draw " << b << ": wind from " << f << " degrees blows west";
  }
  expect_uniform(speed, 2.0, 10.0, "wind speed");
  expect_uniform(from, 200.0, 340.0, "wind direction (from)");
  EXPECT_LT(std::abs(correlation(speed, from)), 4.0 / std::sqrt(2.0 * kR)) << "speed and direction";
}

}  // namespace
}  // namespace remnant
