// The per-submunition steps of the deposit pass, shared by the GPU's
// one-item-at-a-time loop and the CPU's blocked loop (deposit_block.h): what
// the items of one task share (CarrierRun), where an item lands, and what
// landing does to the grids.
#pragma once

#include <cstdint>

#include "physics.h"
#include "portability.h"
#include "rng.h"
#include "tables.h"

namespace remnant {

// What the items of one deposit task share: their carrier, strike row, type
// and realization, with the carrier's draws already made.
struct CarrierRun {
  std::uint32_t r, s, c;  // realization, strike, carrier
  std::uint32_t k0, k1;   // the task's items [k0, k1) of the carrier
  Vec2 aim;
  float sin_h, cos_h;     // of the carrier's heading
  Pattern pattern;
  float a_major, b_minor, ring_inner;
  float height, vt_min, vt_max, wind_x, wind_y;
  float rate, sd_failure;  // the type's, this realization
  // The largest failure probability of an item of this run: in the cell of
  // the grid's largest multiplier (DepositRun::max_multiplier). Only an item
  // whose Failure uniform is below it can be a dud.
  float p_max;
  std::uint32_t* impacts;  // this realization's grids; null in the dud-only pass (RunTables::duds_only)
  std::uint32_t* duds;
  std::uint64_t* hazard;   // this realization's hazard raster (tables.h)
};

// The keys of the per-item streams (kernels/rng.h).
struct ItemKeys {
  RngKey pattern, fall, failure;
};

// Items that landed outside the grid or in water, and duds (on land cells
// inside the grid), counted per task.
struct Tally {
  std::uint32_t in_water = 0, outside = 0, duds = 0;
};

// Steps 6-9 (physics.h): where an item lands, from its pattern radius, the
// cosine and sine of its pattern angle (pattern_radius and pattern_angle) and
// its Fall uniform: offset inside the pattern, rotated by the heading, plus
// the drift over its fall; grid-relative metres.
REMNANT_HD inline Vec2 landing_point(const CarrierRun& run, float radius, float cos_t, float sin_t, float u_fall) {
  const Vec2 offset =
      rotate_by_heading(pattern_polar(run.pattern, run.a_major, run.b_minor, radius, cos_t, sin_t), run.sin_h, run.cos_h);
  const float t_fall = fall_time(run.height, run.vt_min, run.vt_max, u_fall);
  const Vec2 drift = wind_drift(run.wind_x, run.wind_y, t_fall);
  return Vec2{run.aim.x + offset.x + drift.x, run.aim.y + offset.y + drift.y};
}

// Steps 4 and 5 (physics.h) and the constants of one carrier: fills `run`
// for strike row run.s and carrier run.c (set by the caller) from row `row`
// of the draws (stream, site, footprint, wind, height) and their type row
// `trow` (rate, self-destruct failure). The deposit pass reads a batch's
// draws (row b * strikes + s); the evidence count of a conditioned run one
// row per evaluation (kernels/engine.cu).
REMNANT_HD inline void start_carrier(CarrierRun& run, const StrikeView& strikes, const TypeView& types,
                                     const BatchView& draws, std::uint32_t row, std::uint32_t trow, RngKey key_aim,
                                     float max_multiplier) {
  const std::uint32_t s = run.s;
  run.r = draws.stream[row];
  // Carrier: steps 4 and 5, aim point and heading (shared by all its
  // submunitions).
  const Uniform4 ua = uniforms(key_aim, run.r, s, run.c, kNoSubmunition);
  run.aim = aim_point(draws.site_x[row], draws.site_y[row], strikes.aim_sigma[s], ua.u[0], ua.u[1]);
  const float heading = carrier_heading(strikes.heading_center[s], strikes.heading_spread[s], ua.u[2]);
  run.sin_h = sinf(heading);
  run.cos_h = cosf(heading);

  // Strike, type and realization constants.
  run.pattern = static_cast<Pattern>(strikes.pattern[s]);
  run.a_major = draws.semi_major[row];
  run.b_minor = draws.semi_minor[row];
  run.ring_inner = strikes.ring_inner[s];
  const std::uint16_t t = strikes.type[s];
  run.height = draws.height[row];
  run.vt_min = types.vt_min[t];
  run.vt_max = types.vt_max[t];
  run.wind_x = draws.wind_x[row];
  run.wind_y = draws.wind_y[row];
  run.rate = draws.dud_rate[trow];
  run.sd_failure = draws.sd_failure[trow];
  run.p_max = failure_probability(run.rate, max_multiplier, run.sd_failure);
}

// Steps 6-10 (physics.h) for the items [run.k0, run.k1) of a carrier, one
// after the other: landed(k, cell, at) for each placed item. With
// all_items false, an item whose Failure uniform is not below run.p_max
// (it cannot fail anywhere on the grid) is not placed.
template <typename Landed>
REMNANT_HD inline void walk_items(const GridView& grid, const ItemKeys& keys, const CarrierRun& run, bool all_items,
                                  Landed landed) {
  for (std::uint32_t k = run.k0; k < run.k1; ++k) {
    if (!all_items && !is_dud(run.p_max, uniforms(keys.failure, run.r, run.s, run.c, k).u[0])) continue;
    const Uniform4 up = uniforms(keys.pattern, run.r, run.s, run.c, k);
    float sin_t, cos_t;
    pattern_sincos(pattern_angle(up.u[1]), &sin_t, &cos_t);
    const Uniform4 uf = uniforms(keys.fall, run.r, run.s, run.c, k);
    const Vec2 at = landing_point(run, pattern_radius(run.pattern, run.ring_inner, up.u[0]), cos_t, sin_t, uf.u[0]);
    landed(k, landing_cell_index(grid, at.x, at.y), at);
  }
}

// Whether `cell` (of the grid) is water: an item landing there is lost.
REMNANT_HD inline bool is_water(const GridView& grid, std::uint32_t cell) {
  return grid.land_cover[cell] == static_cast<std::uint8_t>(LandCover::Water);
}

// Steps 12 and 13 (physics.h): whether an item that landed on land cell
// `cell` fails, given its Failure uniform.
REMNANT_HD inline bool fails_in(const GridView& grid, const CarrierRun& run, std::uint32_t cell, float u_failure) {
  return is_dud(failure_probability(run.rate, grid.failure_multiplier[cell], run.sd_failure), u_failure);
}

// Step 14 (physics.h): a dud at `at` sets its pixel of the realization's
// hazard raster.
REMNANT_HD inline void mark_hazard(const GridView& grid, const CarrierRun& run, Vec2 at) {
  const std::uint32_t bit = hazard_bit_index(grid.hazard, at.x, at.y);
  if (bit != kNoCell) atomic_or_u64(&run.hazard[bit >> 6], std::uint64_t(1) << (bit & 63u));
}

// Steps 10-14 (physics.h), what landing at `at`, in `cell`, does: counted
// outside or in water, or an impact and, by the failure draw, a dud (integer
// atomic increments of the realization's grids, its pixel set in the hazard
// raster). The failure uniform is asked for only for an impact.
template <typename FailureUniform>
REMNANT_HD inline void deposit_item(const GridView& grid, const CarrierRun& run, std::uint32_t cell, Vec2 at,
                                    FailureUniform failure_uniform, Tally& tally) {
  if (cell == kNoCell) {
    ++tally.outside;
    return;
  }
  if (is_water(grid, cell)) {
    ++tally.in_water;
    return;
  }
  if (run.impacts) atomic_add_u32(&run.impacts[cell], 1u);
  if (fails_in(grid, run, cell, failure_uniform())) {
    ++tally.duds;
    atomic_add_u32(&run.duds[cell], 1u);
    mark_hazard(grid, run, at);
  }
}

}  // namespace remnant
