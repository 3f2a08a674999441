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
// The hazard raster (steps 14 and 15 of physics.h): square pixels of side dx
// over the grid's extent, one bit per pixel and realization, set where a dud
// lands; rows padded to whole 64-bit words (pixel (ix, iy) is bit ix % 64 of
// word iy * words + ix / 64). A realization's hazard area is the number of
// pixels whose centre lies within the fade-out distance of the centre of a
// set pixel: width[dy] is how many pixels that reaches sideways dy rows away
// (reach + 1 entries, host-computed: floor(sqrt(r^2 - dy^2)), r = fade-out /
// dx). nx = 0: no raster.
constexpr int kMaxHazardReach = 16;
struct HazardRaster {
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  std::uint32_t words = 0;  // 64-bit words per row
  std::uint32_t reach = 0;  // rows reached above and below, <= kMaxHazardReach
  float dx = 1.0f;          // metres
  std::uint8_t width[kMaxHazardReach + 1] = {};
};

struct GridView {
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  float dx = 1.0f;
  const std::uint8_t* land_cover = nullptr;  // nx*ny
  const float* failure_multiplier = nullptr; // nx*ny: land-cover multiplier x slope term
  HazardRaster hazard;
};

// The columns of the structures of arrays below, one X(type, name) line per
// column. Adding a per-strike, per-type or per-draw parameter is one line in
// one of these lists: the view's member, the plan's vector (host/run/plan.h),
// the wiring in Plan::tables and BatchDraws::view, the sizing in draw_batch
// and the engine's device copies (kernels/engine.cu: members, prepare_grids,
// run_one_batch, stage_draws) all expand from it. What is left to write is
// where the value comes from (StrikeRows::add, make_plan or draw_batch) and
// the physics that reads it (kernels/physics.h, through CarrierRun).

// Per strike row, after first_item (count + 1 entries, the prefix sum of items).
#define REMNANT_STRIKE_COLUMNS(X)                                                     \
  X(std::uint32_t, per_carrier)   /* submunitions per carrier */                      \
  X(std::uint16_t, type)          /* submunition type index */                        \
  X(std::uint8_t, pattern)        /* Pattern */                                       \
  X(float, aim_sigma)             /* metres, per axis (CEP / 1.1774) */               \
  X(float, heading_center)        /* radians, clockwise from north */                 \
  X(float, heading_spread)        /* radians, full width of a uniform */              \
  X(float, ring_inner)            /* inner radius as a fraction (Ring only) */

// Per submunition type.
#define REMNANT_TYPE_COLUMNS(X) \
  X(float, vt_min)              /* terminal velocity range, m/s */ \
  X(float, vt_max)

// Epistemic draws per (realization, strike): row b*strikes + s. Sites sampled
// from areas or points may move between realizations. Every column is 4 bytes
// (the GPU stages them as one block). `stream` is the realization word of the
// counter the row's carriers and items draw from (kernels/rng.h): the
// realization itself in a forward run; a conditioned run
// (host/evidence/conditioning.h) gives each row of a particle the draw it has
// accepted.
#define REMNANT_BATCH_STRIKE_COLUMNS(X)                                \
  X(std::uint32_t, stream) /* counter word of the row's random numbers */ \
  X(float, site_x)      /* grid-relative metres */                     \
  X(float, site_y)                                                     \
  X(float, semi_major)  /* metres */                                   \
  X(float, semi_minor)                                                 \
  X(float, wind_x)      /* m/s the air moves toward +x */              \
  X(float, wind_y)                                                     \
  X(float, height)      /* function (release) height above ground, m */

// Epistemic draws per (realization, type): row b*types + t.
#define REMNANT_BATCH_TYPE_COLUMNS(X)                       \
  X(float, dud_rate)                                        \
  X(float, sd_failure)  /* 1 where no self-destruct */

// How many columns each list of draws has (the GPU stages them as one block).
#define REMNANT_COUNT_COLUMN(Type, name) +1
constexpr int kBatchStrikeColumns = 0 REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_COUNT_COLUMN);
constexpr int kBatchTypeColumns = 0 REMNANT_BATCH_TYPE_COLUMNS(REMNANT_COUNT_COLUMN);
#undef REMNANT_COUNT_COLUMN

#define REMNANT_VIEW_COLUMN(Type, name) const Type* name = nullptr;

// One row per strike: one site, one carrier type, n carriers. Carrier and
// submunition constants are copied in so the hot loop reads one index.
struct StrikeView {
  std::uint32_t count = 0;
  const std::uint32_t* first_item = nullptr;  // count + 1 entries, prefix sum of items
  REMNANT_STRIKE_COLUMNS(REMNANT_VIEW_COLUMN)
};

struct TypeView {
  std::uint32_t count = 0;
  REMNANT_TYPE_COLUMNS(REMNANT_VIEW_COLUMN)
};

// Epistemic draws for the realizations of one batch: row b*count + s.
struct BatchView {
  std::uint32_t first_realization = 0;
  std::uint32_t realizations = 0;
  REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_VIEW_COLUMN)
  REMNANT_BATCH_TYPE_COLUMNS(REMNANT_VIEW_COLUMN)
};

#undef REMNANT_VIEW_COLUMN

// Per-realization totals, summed over the grid and counted at deposit.
struct RealizationTotals {
  std::uint64_t fired = 0;
  std::uint64_t impacts = 0;        // landed on a land cell inside the grid
  std::uint64_t duds = 0;           // duds on land cells inside the grid
  std::uint64_t contaminated_cells = 0;
  std::uint64_t in_water = 0;       // landed in a water cell (not recoverable)
  std::uint64_t outside_grid = 0;
  std::uint64_t duds_by_class[kLandCoverClasses] = {};
  std::uint64_t hazard_pixels = 0;  // pixels of the hazard raster within the fade-out distance of a dud
};

}  // namespace remnant
