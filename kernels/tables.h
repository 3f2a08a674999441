// Plain, device-copyable tables that the kernels read. Built on the host by
// host/run/plan.cpp from a scenario; structure of arrays, no owning members.
#pragma once

#include <cstdint>

namespace remnant {

// Land-cover classes: a small fixed enum. Real rasters are mapped onto it.
enum class LandCover : std::uint8_t {
  Water = 0,
  BuiltUp = 1,
  Bare = 2,
  GrassShrub = 3,
  Cropland = 4,
  Tree = 5,
  Wetland = 6,
  Unknown = 7,  // land whose class is not known (no land-cover data): neutral multiplier
};
constexpr int kLandCoverClasses = 8;

enum class Pattern : std::uint8_t {
  UniformEllipse = 0,   // uniform density inside an ellipse
  GaussianEllipse = 1,  // bivariate normal, semi-axes are the 2-sigma contour
  Ring = 2,             // uniform on an elliptical annulus (DPICM shells)
};

// Grid-relative coordinates: x, y in metres from the grid's lower-left corner,
// x east, y north. Cell (ix, iy) covers [ix*dx, (ix+1)*dx) x [iy*dx, (iy+1)*dx);
// its index is iy*nx + ix (row 0 is the southern row).
struct GridView {
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  float dx = 1.0f;
  const std::uint8_t* land_cover = nullptr;  // nx*ny
  const float* failure_multiplier = nullptr; // nx*ny: land-cover multiplier x slope term
};

// One row per strike: one site, one carrier type, n carriers. Carrier and
// submunition constants are copied in so the hot loop reads one index.
struct StrikeView {
  std::uint32_t count = 0;
  const std::uint32_t* first_item = nullptr;    // count + 1 entries, prefix sum of items
  const std::uint32_t* per_carrier = nullptr;   // submunitions per carrier
  const std::uint16_t* type = nullptr;          // submunition type index
  const std::uint8_t* pattern = nullptr;        // Pattern
  const float* aim_sigma = nullptr;             // metres, per axis (CEP / 1.1774)
  const float* heading_center = nullptr;        // radians, clockwise from north
  const float* heading_spread = nullptr;        // radians, full width of a uniform
  const float* ring_inner = nullptr;            // inner radius as a fraction (Ring only)
};

struct TypeView {
  std::uint32_t count = 0;
  const float* vt_min = nullptr;  // terminal velocity range, m/s
  const float* vt_max = nullptr;
};

// Epistemic draws for the realizations of one batch: row b*count + s.
struct BatchView {
  std::uint32_t first_realization = 0;
  std::uint32_t realizations = 0;
  const float* site_x = nullptr;      // grid-relative metres, per (realization, strike): sites
  const float* site_y = nullptr;      // sampled from areas or points may move between realizations
  const float* semi_major = nullptr;  // metres, per (realization, strike)
  const float* semi_minor = nullptr;
  const float* wind_x = nullptr;      // m/s the air moves toward +x
  const float* wind_y = nullptr;
  const float* height = nullptr;      // function (release) height above ground, m
  const float* dud_rate = nullptr;    // per (realization, type)
  const float* sd_failure = nullptr;  // per (realization, type): 1 where no self-destruct
};

// Per-realization totals, summed over the grid and counted at deposit.
struct RealizationTotals {
  std::uint64_t fired = 0;
  std::uint64_t impacts = 0;        // landed on a land cell inside the grid
  std::uint64_t duds = 0;           // duds on land cells inside the grid
  std::uint64_t contaminated_cells = 0;
  std::uint64_t in_water = 0;       // landed in a water cell (not recoverable)
  std::uint64_t outside_grid = 0;
  std::uint64_t duds_by_class[kLandCoverClasses] = {};
};

}  // namespace remnant
