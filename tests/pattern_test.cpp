// Dispersion patterns, heading rotation, aim error and the other placement
// steps of kernels/physics.h, fed with the project's own random numbers.
//
// Statistical checks: |estimate - expected| < 4 standard errors, the standard
// error computed from the sample's own second/fourth moments and its size.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/physics.h"
#include "kernels/rng.h"
#include "test_support.h"

namespace remnant {
namespace {

constexpr int kDraws = 200'000;
constexpr double kPiD = 3.14159265358979323846;

struct Sample {
  std::vector<double> x, y;
};

// kDraws offsets of one pattern, one per submunition index, from the Pattern
// stream exactly as the engine draws them (u[0], u[1] of uniforms()).
Sample draw_pattern(Pattern pattern, float a, float b, float ring_inner, std::uint64_t seed) {
  const RngKey key = make_key(seed, Stream::Pattern);
  Sample s;
  s.x.reserve(kDraws);
  s.y.reserve(kDraws);
  for (int i = 0; i < kDraws; ++i) {
    // Spread over several carriers so that more than one counter word varies.
    const Uniform4 u = uniforms(key, 3, 1, static_cast<std::uint32_t>(i % 7), static_cast<std::uint32_t>(i / 7));
    const Vec2 o = pattern_offset(pattern, a, b, ring_inner, u.u[0], u.u[1]);
    s.x.push_back(o.x);
    s.y.push_back(o.y);
  }
  return s;
}

// Checks mean 0 and covariance diag(var_x, var_y) within 4 standard errors.
void expect_moments(const Sample& s, double var_x, double var_y) {
  const test::Moments mx = test::moments(s.x), my = test::moments(s.y);
  EXPECT_LT(std::abs(mx.mean), 4.0 * mx.se_mean()) << "mean x " << mx.mean << " se " << mx.se_mean();
  EXPECT_LT(std::abs(my.mean), 4.0 * my.se_mean()) << "mean y " << my.mean << " se " << my.se_mean();
  EXPECT_LT(std::abs(mx.var - var_x), 4.0 * mx.se_var())
      << "var x (cross-track, minor axis): got " << mx.var << ", expected " << var_x << ", se " << mx.se_var();
  EXPECT_LT(std::abs(my.var - var_y), 4.0 * my.se_var())
      << "var y (along-track, major axis): got " << my.var << ", expected " << var_y << ", se " << my.se_var();
  // Covariance: expected 0; its estimator has variance E[(x-mx)^2 (y-my)^2] / n.
  long double cxy = 0, cxy2 = 0;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    const long double p = (s.x[i] - mx.mean) * (s.y[i] - my.mean);
    cxy += p;
    cxy2 += p * p;
  }
  const double n = static_cast<double>(s.x.size());
  const double cov = static_cast<double>(cxy / n);
  const double se_cov = std::sqrt(static_cast<double>(cxy2 / n) / n);
  EXPECT_LT(std::abs(cov), 4.0 * se_cov) << "covariance " << cov << " se " << se_cov;
}

// Normalised elliptical radius of a pattern-frame offset: 1 on the outer edge.
double norm_radius(double x, double y, double a, double b) { return std::sqrt((x / b) * (x / b) + (y / a) * (y / a)); }

// Fraction of values in a sample that satisfy pred, against p within 4 binomial sigma.
template <typename Pred>
void expect_fraction(const Sample& s, double p, Pred pred, const char* what) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < s.x.size(); ++i) k += pred(s.x[i], s.y[i]) ? 1 : 0;
  const double n = static_cast<double>(s.x.size());
  const double f = k / n, se = std::sqrt(p * (1 - p) / n);
  EXPECT_LT(std::abs(f - p), 4.0 * se) << what << ": fraction " << f << ", expected " << p;
}

TEST(Pattern, UniformEllipseMomentsAndSupport) {
  const float a = 120.0f, b = 50.0f;  // semi-major (along track, y'), semi-minor (across, x')
  const Sample s = draw_pattern(Pattern::UniformEllipse, a, b, 0.0f, 11);
  expect_moments(s, b * b / 4.0, a * a / 4.0);
  double rmax = 0;
  for (std::size_t i = 0; i < s.x.size(); ++i) rmax = std::max(rmax, norm_radius(s.x[i], s.y[i], a, b));
  EXPECT_LE(rmax, 1.0 + 1e-5) << "uniform ellipse: a point lies outside the ellipse";
  EXPECT_GT(rmax, 0.99);
  // Uniform density: the inner ellipse of half the size holds a quarter of the items.
  expect_fraction(s, 0.25, [&](double x, double y) { return norm_radius(x, y, a, b) < 0.5; }, "inner half-ellipse");
  // ... and each quadrant a quarter.
  expect_fraction(s, 0.25, [](double x, double y) { return x > 0 && y > 0; }, "first quadrant");
}

TEST(Pattern, GaussianEllipseMomentsAndTwoSigmaContour) {
  const float a = 200.0f, b = 80.0f;
  const Sample s = draw_pattern(Pattern::GaussianEllipse, a, b, 0.0f, 12);
  // sigma = semi-axis / 2.
  expect_moments(s, b * b / 4.0, a * a / 4.0);
  // The ellipse (a, b) is the 2-sigma contour: it holds 1 - exp(-2) = 86.5 %.
  expect_fraction(s, 1.0 - std::exp(-2.0), [&](double x, double y) { return norm_radius(x, y, a, b) <= 1.0; },
                  "inside the 2-sigma ellipse");
  // The 1-sigma contour holds 1 - exp(-1/2).
  expect_fraction(s, 1.0 - std::exp(-0.5), [&](double x, double y) { return norm_radius(x, y, a, b) <= 0.5; },
                  "inside the 1-sigma ellipse");
}

TEST(Pattern, RingMomentsAndAnnulus) {
  const float a = 150.0f, b = 90.0f, ri = 0.6f;
  const Sample s = draw_pattern(Pattern::Ring, a, b, ri, 13);
  const double f = (1.0 + double(ri) * ri) / 4.0;
  expect_moments(s, b * b * f, a * a * f);
  double rmin = 1e9, rmax = 0;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    const double r = norm_radius(s.x[i], s.y[i], a, b);
    rmin = std::min(rmin, r);
    rmax = std::max(rmax, r);
  }
  EXPECT_GE(rmin, ri - 1e-5) << "ring: a point lies inside the inner ellipse";
  EXPECT_LE(rmax, 1.0 + 1e-5) << "ring: a point lies outside the outer ellipse";
  EXPECT_LT(rmin, ri + 0.01);
  EXPECT_GT(rmax, 0.99);
  // Uniform on the annulus: area fraction of the part with radius < (ri+1)/2.
  const double rm = (ri + 1.0) / 2.0;
  expect_fraction(s, (rm * rm - double(ri) * ri) / (1.0 - double(ri) * ri),
                  [&](double x, double y) { return norm_radius(x, y, a, b) < rm; }, "inner half of the annulus");
}

TEST(Pattern, RingWithZeroInnerRadiusIsTheUniformEllipse) {
  for (float u0 : {1e-6f, 0.1f, 0.5f, 0.999f})
    for (float u1 : {0.0f, 0.3f, 0.77f}) {
      const Vec2 r = pattern_offset(Pattern::Ring, 100.0f, 40.0f, 0.0f, u0, u1);
      const Vec2 e = pattern_offset(Pattern::UniformEllipse, 100.0f, 40.0f, 0.0f, u0, u1);
      EXPECT_FLOAT_EQ(r.x, e.x);
      EXPECT_FLOAT_EQ(r.y, e.y);
    }
}

TEST(Pattern, ZeroSizedFootprintPutsEveryItemOnTheAimPoint) {
  for (Pattern p : {Pattern::UniformEllipse, Pattern::GaussianEllipse, Pattern::Ring}) {
    const Vec2 o = pattern_offset(p, 0.0f, 0.0f, 0.5f, 0.3f, 0.6f);
    EXPECT_EQ(o.x, 0.0f);
    EXPECT_EQ(o.y, 0.0f);
  }
}

TEST(Heading, RotateByHeadingMapsAlongTrackToTheHeading) {
  const float deg = static_cast<float>(kPiD / 180.0);
  // Heading 0 (north): identity.
  Vec2 v = rotate_by_heading(Vec2{0.0f, 1.0f}, 0.0f);
  EXPECT_NEAR(v.x, 0.0f, 1e-6f);
  EXPECT_NEAR(v.y, 1.0f, 1e-6f);
  // Heading 90 (east): along-track (0, 1) goes east (1, 0).
  v = rotate_by_heading(Vec2{0.0f, 1.0f}, 90.0f * deg);
  EXPECT_NEAR(v.x, 1.0f, 1e-6f);
  EXPECT_NEAR(v.y, 0.0f, 1e-6f);
  // ... and cross-track (1, 0) to the right of the track: south (0, -1).
  v = rotate_by_heading(Vec2{1.0f, 0.0f}, 90.0f * deg);
  EXPECT_NEAR(v.x, 0.0f, 1e-6f);
  EXPECT_NEAR(v.y, -1.0f, 1e-6f);
  // Heading 180 (south): along-track goes south.
  v = rotate_by_heading(Vec2{0.0f, 1.0f}, 180.0f * deg);
  EXPECT_NEAR(v.x, 0.0f, 1e-6f);
  EXPECT_NEAR(v.y, -1.0f, 1e-6f);
  // Heading 45: north-east, clockwise from north.
  v = rotate_by_heading(Vec2{0.0f, 2.0f}, 45.0f * deg);
  EXPECT_NEAR(v.x, std::sqrt(2.0f), 1e-5f);
  EXPECT_NEAR(v.y, std::sqrt(2.0f), 1e-5f);
  // A rotation keeps lengths.
  for (float h = -400.0f; h < 800.0f; h += 37.0f) {
    const Vec2 w = rotate_by_heading(Vec2{3.0f, -4.0f}, h * deg);
    EXPECT_NEAR(std::hypot(w.x, w.y), 5.0f, 1e-4f) << "heading " << h;
  }
}

TEST(Heading, CarrierHeadingIsUniformOverTheSpread) {
  EXPECT_FLOAT_EQ(carrier_heading(1.0f, 0.0f, 0.9f), 1.0f);
  EXPECT_FLOAT_EQ(carrier_heading(1.0f, 0.4f, 0.0f), 0.8f);
  EXPECT_FLOAT_EQ(carrier_heading(1.0f, 0.4f, 1.0f), 1.2f);
  EXPECT_FLOAT_EQ(carrier_heading(1.0f, 0.4f, 0.5f), 1.0f);
}

TEST(AimPoint, CircularNormalWithTheGivenCep) {
  const float cep = 150.0f;
  const float sigma = cep_to_sigma(cep);
  EXPECT_NEAR(sigma * std::sqrt(2.0 * std::log(2.0)), cep, 1e-3);
  const RngKey key = make_key(5, Stream::AimPoint);
  Sample s;
  for (int i = 0; i < kDraws; ++i) {
    const Uniform4 u = uniforms(key, static_cast<std::uint32_t>(i), 0, 0, kNoSubmunition);
    const Vec2 p = aim_point(1000.0f, 2000.0f, sigma, u.u[0], u.u[1]);
    s.x.push_back(p.x - 1000.0);
    s.y.push_back(p.y - 2000.0);
  }
  expect_moments(s, double(sigma) * sigma, double(sigma) * sigma);
  // Half of the carriers fall within the CEP of the site: the definition of CEP.
  expect_fraction(s, 0.5, [&](double x, double y) { return std::hypot(x, y) <= cep; }, "within CEP");
}

TEST(Fall, FallTimeAndDrift) {
  EXPECT_FLOAT_EQ(fall_time(600.0f, 30.0f, 50.0f, 0.0f), 20.0f);
  EXPECT_FLOAT_EQ(fall_time(600.0f, 30.0f, 50.0f, 1.0f), 12.0f);
  EXPECT_FLOAT_EQ(fall_time(600.0f, 40.0f, 40.0f, 0.7f), 15.0f);
  const Vec2 d = wind_drift(3.0f, -2.0f, 10.0f);
  EXPECT_FLOAT_EQ(d.x, 30.0f);
  EXPECT_FLOAT_EQ(d.y, -20.0f);
}

TEST(LandingCell, IndexAndEdges) {
  GridView g;
  g.nx = 10;
  g.ny = 5;
  g.dx = 20.0f;
  EXPECT_EQ(landing_cell(g, 0.0f, 0.0f), 0);
  EXPECT_EQ(landing_cell(g, 19.99f, 0.0f), 0);
  EXPECT_EQ(landing_cell(g, 20.0f, 0.0f), 1);
  EXPECT_EQ(landing_cell(g, 0.0f, 20.0f), 10);                 // row 1 starts at index nx
  EXPECT_EQ(landing_cell(g, 3 * 20.0f + 1.0f, 2 * 20.0f + 1.0f), 2 * 10 + 3);
  EXPECT_EQ(landing_cell(g, 199.9f, 99.9f), 49);               // last cell
  EXPECT_EQ(landing_cell(g, 200.0f, 50.0f), -1);               // east edge is outside
  EXPECT_EQ(landing_cell(g, 50.0f, 100.0f), -1);               // north edge is outside
  EXPECT_EQ(landing_cell(g, -0.001f, 50.0f), -1);
  EXPECT_EQ(landing_cell(g, 50.0f, -0.001f), -1);
  EXPECT_EQ(landing_cell(g, 1e30f, 50.0f), -1);
  EXPECT_EQ(landing_cell(g, std::numeric_limits<float>::quiet_NaN(), 50.0f), -1);
  EXPECT_EQ(landing_cell(g, 50.0f, std::numeric_limits<float>::quiet_NaN()), -1);
  EXPECT_EQ(landing_cell(g, std::numeric_limits<float>::infinity(), 50.0f), -1);
}

TEST(Rng, UniformsAreStrictlyInsideTheUnitInterval) {
  // The extreme words must not map onto 0 or 1: log(u) must stay finite and
  // u < p must be false for p = 0 and true for p = 1.
  for (std::uint32_t w : {0u, 1u, 255u, 256u, 0x7FFFFFFFu, 0xFFFFFF00u, 0xFFFFFFFEu, 0xFFFFFFFFu}) {
    const float u = to_unit_open(w);
    EXPECT_GT(u, 0.0f) << "word " << w;
    EXPECT_LT(u, 1.0f) << "word " << w;
    EXPECT_TRUE(std::isfinite(std::log(u)));
  }
  for (std::uint32_t hi : {0u, 1u, 0xFFFFFFFFu})
    for (std::uint32_t lo : {0u, 0x7FFu, 0x800u, 0xFFFFFFFFu}) {
      const double u = to_unit_open_double(hi, lo);
      EXPECT_GT(u, 0.0) << hi << " " << lo;
      EXPECT_LT(u, 1.0) << hi << " " << lo;
    }
}

TEST(Rng, CountersAndStreamsGiveDistinctNumbers) {
  const RngKey a = make_key(42, Stream::Pattern), b = make_key(42, Stream::Fall), c = make_key(43, Stream::Pattern);
  EXPECT_FALSE(a.k0 == b.k0 && a.k1 == b.k1);
  EXPECT_FALSE(a.k0 == c.k0 && a.k1 == c.k1);
  const Uniform4 base = uniforms(a, 1, 2, 3, 4, 0);
  const Uniform4 same = uniforms(a, 1, 2, 3, 4, 0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(base.u[i], same.u[i]);
  for (const Uniform4& other : {uniforms(b, 1, 2, 3, 4, 0), uniforms(c, 1, 2, 3, 4, 0), uniforms(a, 0, 2, 3, 4, 0),
                                uniforms(a, 1, 0, 3, 4, 0), uniforms(a, 1, 2, 0, 4, 0), uniforms(a, 1, 2, 3, 0, 0),
                                uniforms(a, 1, 2, 3, 4, 1)})
    EXPECT_NE(base.u[0], other.u[0]);
  // Uniform on (0, 1): mean 1/2, variance 1/12.
  std::vector<double> v;
  for (std::uint32_t i = 0; i < 100000; ++i) v.push_back(uniforms(a, 0, 0, 0, i).u[i % 4]);
  const test::Moments m = test::moments(v);
  EXPECT_LT(std::abs(m.mean - 0.5), 4 * m.se_mean());
  EXPECT_LT(std::abs(m.var - 1.0 / 12.0), 4 * m.se_var());
}

}  // namespace
}  // namespace remnant
