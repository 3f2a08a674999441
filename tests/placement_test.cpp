// Where the engine puts the items, end to end: footprint centred on the site,
// major axis along the heading, wind drift toward where the wind blows, all
// read back from the per-cell impact counts.
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.h"

namespace remnant {
namespace {

// 1 km x 1 km in 5 m cells; 20 carriers x 500 items of a fixed 100 m x 40 m
// uniform ellipse on the site (500, 500), no aim error, heading @HEADING@.
constexpr const char* kPlacement = R"toml(
[scenario]
name = "placement test"
seed = 8
realizations = 10

[grid]
nx = 200
ny = 200
cell_size_m = 5.0
origin_x_m = 0.0
origin_y_m = 0.0
land_cover = "grass_shrub"

[wind]
speed_mps = @WIND@
from_deg = @FROM@

[[submunition]]
name = "bomblet"
terminal_velocity_mps = 40.0
dud_rate = 0.1

[[carrier]]
name = "dispenser"
submunition = "bomblet"
submunitions_per_carrier = 500
delivery = "air"
pattern = "uniform_ellipse"
semi_major_m = 100.0
semi_minor_m = 40.0
aim_error_cep_m = 0.0
function_height_m = 400.0

[[strike]]
carrier = "dispenser"
carriers = 20
x_m = 500.0
y_m = 500.0
heading_deg = @HEADING@
)toml";

struct Centroid {
  double n = 0, mx = 0, my = 0, vx = 0, vy = 0, m4x = 0, m4y = 0;
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
  }
  c.vx /= c.n;
  c.vy /= c.n;
  c.m4x /= c.n;
  c.m4y /= c.n;
  return c;
}

RunResult place(const std::string& heading, const std::string& wind, const std::string& from, Plan* plan_out) {
  std::string t = test::replace_all(kPlacement, "@HEADING@", heading);
  t = test::replace_all(t, "@WIND@", wind);
  t = test::replace_all(t, "@FROM@", from);
  const Scenario sc = test::scenario_from(t, "placement.toml");
  *plan_out = make_plan(sc);
  return test::run(sc, *plan_out, sc.realizations, 21);
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

}  // namespace
}  // namespace remnant
