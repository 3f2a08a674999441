// The per-submunition steps of the deposit pass, shared by the GPU's
// one-item-at-a-time loop and the CPU's blocked loop (deposit_block.h): what
// the items of one task share (CarrierRun), where an item lands, and what
// landing does to the grids.
#pragma once

#include <cstdint>

#include "physics.h"
#include "portability.h"
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

// Items that landed outside the grid or in water, counted per task.
struct Tally {
  std::uint32_t in_water = 0, outside = 0;
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
  if (grid.land_cover[cell] == static_cast<std::uint8_t>(LandCover::Water)) {
    ++tally.in_water;
    return;
  }
  if (run.impacts) atomic_add_u32(&run.impacts[cell], 1u);
  const float p = failure_probability(run.rate, grid.failure_multiplier[cell], run.sd_failure);
  if (is_dud(p, failure_uniform())) {
    atomic_add_u32(&run.duds[cell], 1u);
    mark_hazard(grid, run, at);
  }
}

}  // namespace remnant
