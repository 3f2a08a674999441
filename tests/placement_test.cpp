// Where the engine puts the items, end to end: footprint centred on the site,
// major axis along the heading (turned clockwise from north: the sign of the
// east-north covariance at a diagonal heading), wind drift toward where the
// wind blows, the aim error's spread (sigma = CEP / 1.1774), all read back from
// the per-cell impact counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>

#include "test_support.h"

namespace remnant {
namespace {

// By default (Layout below): 1 km x 1 km in 5 m cells; 20 carriers x 500 items
// of a fixed 100 m x 40 m uniform ellipse on the site (500, 500), no aim error,
// 10 realizations.
struct Centroid {
  double n = 0, mx = 0, my = 0, vx = 0, vy = 0, m4x = 0, m4y = 0;
  double cxy = 0, m22 = 0;  // east-north covariance, E[dx^2 dy^2]
};

// Moments of the impact positions (cell centres) from the accumulated counts.
Centroid impact_moments(const RunResult& r, const Plan& plan) {
  Centroid c;
  const double dx = plan.cell_size_m;
  for (std::uint32_t i = 0; i < plan.cells(); ++i) {
    const double w = double(r.accumulators.impact_sum[i]);
    c.n += w;
    c.mx += w * ((i % plan.nx) + 0.5) * dx;
    c.my += w * ((i / plan.nx) + 0.5) * dx;
  }
  c.mx /= c.n;
  c.my /= c.n;
  for (std::uint32_t i = 0; i < plan.cells(); ++i) {
    const double w = double(r.accumulators.impact_sum[i]);
    const double ddx = ((i % plan.nx) + 0.5) * dx - c.mx, ddy = ((i / plan.nx) + 0.5) * dx - c.my;
    c.vx += w * ddx * ddx;
    c.vy += w * ddy * ddy;
    c.m4x += w * ddx * ddx * ddx * ddx;
    c.m4y += w * ddy * ddy * ddy * ddy;
    c.cxy += w * ddx * ddy;
    c.m22 += w * ddx * ddx * ddy * ddy;
  }
  c.vx /= c.n;
  c.vy /= c.n;
  c.m4x /= c.n;
  c.m4y /= c.n;
  c.cxy /= c.n;
  c.m22 /= c.n;
  return c;
}

// What place() varies in the placement scenario; the grid is `cells` x
// `cells` of 5 m with the site in its middle.
struct Layout {
  std::string heading = "0.0", wind = "0.0", from = "0.0", cep = "0.0";
  int per_carrier = 500, carriers = 20, realizations = 10, cells = 200;
};

RunResult place(const Layout& u, Plan* plan_out) {
  const double middle = 2.5 * u.cells;
  const std::string t = test::ScenarioText("placement test", 8, u.realizations)
                            .grid(u.cells, u.cells, 5.0)
                            .land_cover("grass_shrub")
                            .wind(u.wind, u.from)
                            .submunition(test::bomblet().terminal_velocity(40.0))
                            .carrier(test::dispenser(u.per_carrier)
                                         .footprint(100.0, 40.0)
                                         .aim_error_cep(u.cep)
                                         .function_height(400.0))
                            .strike(test::Strike("dispenser", u.carriers, middle, middle).heading(u.heading))
                            .text();
  const Scenario sc = test::scenario_from(t, "placement.toml");
  *plan_out = make_plan(sc);
  return test::run(sc, *plan_out, sc.realizations, 21);
}

RunResult place(const std::string& heading, const std::string& wind, const std::string& from, Plan* plan_out) {
  Layout u;
  u.heading = heading;
  u.wind = wind;
  u.from = from;
  return place(u, plan_out);
}

// Items are independent (no aim error, fixed heading and footprint): the
// standard error of the centroid is sqrt(var / n), that of a variance
// sqrt((m4 - var^2) / n).
void expect_footprint(const Centroid& c, double x, double y, double var_x, double var_y) {
  const double cell_var = 5.0 * 5.0 / 12.0;  // binning into cells adds dx^2 / 12
  EXPECT_LT(std::abs(c.mx - x), 4.0 * std::sqrt(c.vx / c.n)) << "centroid x " << c.mx << ", expected " << x;
  EXPECT_LT(std::abs(c.my - y), 4.0 * std::sqrt(c.vy / c.n)) << "centroid y " << c.my << ", expected " << y;
  EXPECT_LT(std::abs(c.vx - (var_x + cell_var)), 4.0 * std::sqrt((c.m4x - c.vx * c.vx) / c.n))
      << "variance along x " << c.vx << ", expected " << var_x + cell_var;
  EXPECT_LT(std::abs(c.vy - (var_y + cell_var)), 4.0 * std::sqrt((c.m4y - c.vy * c.vy) / c.n))
      << "variance along y " << c.vy << ", expected " << var_y + cell_var;
}

TEST(Placement, HeadingNorthPutsTheMajorAxisAlongY) {
  Plan plan;
  const RunResult r = place("0.0", "0.0", "0.0", &plan);
  const Centroid c = impact_moments(r, plan);
  ASSERT_EQ(c.n, 10.0 * 20 * 500) << "every item should land on the grid";
  expect_footprint(c, 500, 500, 40.0 * 40.0 / 4, 100.0 * 100.0 / 4);
}

TEST(Placement, HeadingEastPutsTheMajorAxisAlongX) {
  Plan plan;
  const RunResult r = place("90.0", "0.0", "0.0", &plan);
  const Centroid c = impact_moments(r, plan);
  expect_footprint(c, 500, 500, 100.0 * 100.0 / 4, 40.0 * 40.0 / 4);
}

TEST(Placement, WindFromTheWestDriftsItemsEast) {
  // 10 m/s from 270 degrees, 400 m at 40 m/s: 10 s of fall, 100 m east.
  Plan plan;
  const RunResult r = place("0.0", "10.0", "270.0", &plan);
  const Centroid c = impact_moments(r, plan);
  expect_footprint(c, 600, 500, 40.0 * 40.0 / 4, 100.0 * 100.0 / 4);
}

TEST(Placement, WindFromTheSouthDriftsItemsNorth) {
  Plan plan;
  const RunResult r = place("90.0", "5.0", "180.0", &plan);
  const Centroid c = impact_moments(r, plan);
  expect_footprint(c, 500, 550, 100.0 * 100.0 / 4, 40.0 * 40.0 / 4);
}

// Pattern-frame covariance diag(b^2/4, a^2/4) (x' across, y' along the
// heading h) turned clockwise from north: along = (sin h, cos h), across =
// (cos h, -sin h), so var_x = (b^2 cos^2 h + a^2 sin^2 h) / 4, var_y =
// (b^2 sin^2 h + a^2 cos^2 h) / 4, cov_xy = sin h cos h (a^2 - b^2) / 4.
// At 0 and 90 degrees cov_xy = 0 and a clockwise/anticlockwise mix-up cannot
// show; at 30 degrees it flips the covariance's sign.
struct Footprint {
  double var_x, var_y, cov_xy;
};
Footprint turned(double a, double b, double heading_deg) {
  const double h = heading_deg * 3.14159265358979323846 / 180.0, s = std::sin(h), c = std::cos(h);
  return {(b * b * c * c + a * a * s * s) / 4, (b * b * s * s + a * a * c * c) / 4, s * c * (a * a - b * b) / 4};
}

TEST(Placement, DiagonalHeadingTurnsTheMajorAxisClockwiseFromNorth) {
  // Heading 30 degrees: the major axis points north-north-east, so east and
  // north offsets are positively correlated (cov_xy = +909 m^2; an
  // anticlockwise turn gives -909). Items are independent (no aim error): the
  // standard error of the covariance is sqrt((E[dx^2 dy^2] - cov^2) / n), about
  // 5 m^2 here.
  Plan plan;
  const RunResult r = place("30.0", "0.0", "0.0", &plan);
  const Centroid c = impact_moments(r, plan);
  ASSERT_EQ(c.n, 10.0 * 20 * 500) << "every item should land on the grid";
  const Footprint f = turned(100.0, 40.0, 30.0);
  expect_footprint(c, 500, 500, f.var_x, f.var_y);
  EXPECT_GT(c.cxy, 0.0) << "the major axis is turned anticlockwise from north";
  EXPECT_LT(std::abs(c.cxy - f.cov_xy), 4.0 * std::sqrt((c.m22 - c.cxy * c.cxy) / c.n))
      << "east-north covariance " << c.cxy << ", expected " << f.cov_xy;
}

TEST(Placement, AimErrorSpreadsCarriersWithSigmaCepOver1_1774) {
  // CEP 100 m: each carrier's aim point is the site plus a circular normal
  // with sigma = 100 / 1.17741 = 84.93 m per axis (CEP = sigma sqrt(2 ln 2)),
  // shared by its 10 items. 400 carriers x 20 realizations = M = 8000
  // independent aim points, n = 80,000 items, heading 30 degrees. On a 1.5 km
  // grid with the site in the middle nothing lands off it (750 m is 8 sd).
  //
  // Item offset = aim A (per carrier) + pattern P (per item), so the pooled
  // variance per axis is sigma^2 + var_P (+ dx^2 / 12 from the cells), and the
  // covariance is the pattern's (the aim error is isotropic). Its estimate's
  // variance: 2 sigma^4 / M from the aim points (normal, E[A^4] = 3 sigma^4),
  // (m4_P - var_P^2) / n from the pattern, 4 sigma^2 var_P / n from the cross
  // term; for the covariance sigma^4 / M + var_x var_y / n. The 4-sigma band on
  // the variance is about +-500 m^2 around 7213 + var_P; sigma = CEP (the
  // conversion dropped) adds 2787 m^2, 22 sd.
  Layout u;
  u.heading = "30.0";
  u.cep = "100.0";
  u.per_carrier = 10;
  u.carriers = 400;
  u.realizations = 20;
  u.cells = 300;
  Plan plan;
  const RunResult r = place(u, &plan);
  const Centroid c = impact_moments(r, plan);
  ASSERT_EQ(c.n, 20.0 * 400 * 10) << "every item should land on the grid";
  const double sigma = 100.0 / 1.17741002251547, s2 = sigma * sigma, M = 20.0 * 400;
  const Footprint f = turned(100.0, 40.0, 30.0);
  const double cell_var = 5.0 * 5.0 / 12.0;
  for (const auto& [what, mean, var, var_p, m4] : {std::make_tuple("x", c.mx, c.vx, f.var_x, c.m4x),
                                                   std::make_tuple("y", c.my, c.vy, f.var_y, c.m4y)}) {
    const double expected = s2 + var_p + cell_var;
    const double se_mean = std::sqrt(s2 / M + var_p / c.n);
    // m4 of the pattern alone is below the pooled m4: a conservative bound.
    const double se_var = std::sqrt(2.0 * s2 * s2 / M + (m4 - var * var) / c.n + 4.0 * s2 * var_p / c.n);
    EXPECT_LT(std::abs(mean - 750.0), 4.0 * se_mean) << what << ": centroid " << mean;
    EXPECT_LT(std::abs(var - expected), 4.0 * se_var)
        << what << ": variance " << var << " m^2, expected " << expected << " (aim sigma^2 " << s2
        << " + pattern " << var_p << " + cells " << cell_var << "); implied aim sigma "
        << std::sqrt(std::max(0.0, var - var_p - cell_var)) << " m";
  }
  EXPECT_LT(std::abs(c.cxy - f.cov_xy), 4.0 * std::sqrt(s2 * s2 / M + c.vx * c.vy / c.n))
      << "east-north covariance " << c.cxy << ", expected " << f.cov_xy;
}

}  // namespace
}  // namespace remnant
