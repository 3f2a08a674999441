// Flattens a scenario into the plain tables the kernels read, and makes the
// epistemic draws (once per realization) for a batch of realizations.
#pragma once

#include <cstdint>
#include <vector>

#include "host/inputs/scenario.h"
#include "host/inputs/sites.h"
#include "kernels/engine.h"

namespace remnant {

// A column of kernels/tables.h's lists as a vector the plan owns.
#define REMNANT_PLAN_COLUMN(Type, name) std::vector<Type> name;

struct Plan {
  // Grid (row 0 = southern row, index iy*nx + ix).
  std::uint32_t nx = 0, ny = 0;
  double cell_size_m = 0.0, origin_x_m = 0.0, origin_y_m = 0.0;
  std::string crs;
  std::vector<std::uint8_t> land_cover;
  std::vector<float> elevation_m;
  std::vector<float> failure_multiplier;  // land-cover multiplier x slope term

  // Strikes, structure of arrays (see kernels/tables.h StrikeView). A row is
  // one carrier type at one site: a [[strike]], the share of an inventory
  // line dealt to one site, or the carriers a fixed point names. The columns the kernels read are those of
  // REMNANT_STRIKE_COLUMNS; the rest stay on the host.
  std::vector<std::uint32_t> first_item;  // rows + 1 entries, prefix sum of items
  REMNANT_STRIKE_COLUMNS(REMNANT_PLAN_COLUMN)
  std::vector<std::uint32_t> carrier_of_strike;
  std::vector<std::int32_t> site_of_strike;   // site index (sites.sample), -1 for a [[strike]] at a fixed point
  std::vector<double> fixed_x, fixed_y;       // grid-relative metres of fixed strikes
  std::vector<Range> height_of_strike;        // function height range (catalogue or inventory override)
  std::vector<Range> spin_of_strike;          // spin range (air dispensers with footprint scaling)
  SiteSampler sites;
  std::uint32_t site_count = 0;
  std::vector<std::string> notes;             // rasters read, cells without data, sites left out

  // Submunition types.
  REMNANT_TYPE_COLUMNS(REMNANT_PLAN_COLUMN)

  std::uint32_t items_per_realization = 0;  // submunitions fired per realization

  // The hazard raster over the grid's extent (kernels/tables.h).
  double fade_out_m = 0.0;
  HazardRaster hazard;

  std::uint32_t cells() const { return nx * ny; }
  // Submunitions fired per realization of each submunition type (the
  // scenario's, in order; 0 for a type no carrier of the run holds).
  std::vector<std::uint64_t> items_by_type() const;
  // Strike sites of one realization: the sampled sites and the fixed strikes.
  std::size_t strike_sites() const;
  RunTables tables(std::uint64_t seed) const;
};

Plan make_plan(const Scenario& sc);

// Submunitions fired per realization by a scenario's [[strike]]s, inventory
// and the carriers fixed points name (counted whether or not a point lies on
// the grid, so this can exceed the plan's when points are left out).
std::uint64_t scenario_items(const Scenario& sc);
// Strike rows the plan will hold (at most), for the memory estimate.
std::uint64_t scenario_strike_rows(const Scenario& sc);

// The hazard raster of a grid of nx by ny cells of cell_size_m for a fade-out
// distance: pixels of a quarter of the distance (a disc of radius 4 pixels),
// or larger ones where the extent would need more than kMaxHazardPixels
// (bits per realization), stated with the result. reach and width as
// kernels/tables.h says.
constexpr std::uint64_t kMaxHazardPixels = std::uint64_t(1) << 28;  // 32 MiB of bits per realization
HazardRaster hazard_raster(std::uint32_t nx, std::uint32_t ny, double cell_size_m, double fade_out_m);
// Bytes of one realization's hazard raster.
std::uint64_t hazard_raster_bytes(const HazardRaster& h);

// Memory (bytes) a run needs for its grid tables, accumulators and batch grids
// (hazard_bytes: one realization's hazard raster).
std::uint64_t estimate_run_bytes(std::uint64_t cells, std::uint64_t items, std::uint64_t strikes,
                                 std::uint32_t batch, std::uint64_t hazard_bytes);
// The same for a scenario.
std::uint64_t estimate_scenario_bytes(const Scenario& sc, std::uint32_t batch);

// Epistemic draws for realizations [first, first + count), rows b*S + s and
// b*T + t: the site positions, steps 1-3 of kernels/physics.h (function
// height, footprint, wind) and the types' failure rates. Depends only on
// (seed, realization, strike or type).
struct BatchDraws {
  std::uint32_t first = 0, count = 0;
  REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_PLAN_COLUMN)
  REMNANT_BATCH_TYPE_COLUMNS(REMNANT_PLAN_COLUMN)
  BatchView view() const;
};

#undef REMNANT_PLAN_COLUMN

BatchDraws draw_batch(const Scenario& sc, const Plan& plan, std::uint64_t seed, std::uint32_t first,
                      std::uint32_t count);

// The keys of the epistemic draws' streams for a seed (kernels/rng.h).
struct DrawKeys {
  explicit DrawKeys(std::uint64_t seed);
  RngKey foot, wind, height, dud, sd, site, spin;
};

// Steps 1-3 for strike row s in realization r (draw_batch's row of it, but
// the site): what a conditioned run redraws for one row.
struct StrikeDraw {
  float height = 0.0f, semi_major = 0.0f, semi_minor = 0.0f, wind_x = 0.0f, wind_y = 0.0f;
};
StrikeDraw draw_strike(const Scenario& sc, const Plan& plan, const DrawKeys& keys, std::uint32_t r, std::size_t s);

// Type t's failure rate and self-destruct failure (1 where none) in realization r.
struct TypeDraw {
  float dud_rate = 0.0f, sd_failure = 1.0f;
};
TypeDraw draw_type(const Scenario& sc, const DrawKeys& keys, std::uint32_t r, std::size_t t);

// Samplers used for the epistemic draws (exposed for tests).
double sample_gamma(HostDrawStream& rng, double shape);
double sample_beta(HostDrawStream& rng, double alpha, double beta);
double sample_rate(HostDrawStream& rng, const RatePrior& prior);

}  // namespace remnant
