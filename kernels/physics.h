// One function per physical step of a submunition's history. Each is
// REMNANT_HD (host and device), takes its random numbers as arguments (so
// tests can feed it exact values) and states its model and its source or
// assumption.
//
// The steps, numbered once for the whole code: the comments of
// host/run/plan.cpp, kernels/engine.cu, kernels/deposit.h and
// kernels/deposit_block.h say "step N" with these numbers.
//
//  Per strike row and realization, on the host (draw_batch, epistemic):
//   1. function height: uniform in the row's range             function_height
//   2. footprint: one scale in [0, 1] sets both semi-axes;      footprint_scale,
//      from the function height and spin where the carrier's    footprint_semi_axis
//      footprint figures follow its fuze settings, otherwise
//      a uniform draw
//   3. wind: speed and the direction it blows from -> the       wind_toward
//      vector it blows toward
//  Per carrier, once per deposit task (DepositRun in engine.cu):
//   4. aim point: site + circular-normal aim error (CEP)        aim_point
//   5. heading: uniform within the spread                       carrier_heading
//  Per submunition (DepositRun::per_item on the GPU, deposit_blocked on CPU
//  cores; deposit.h's landing_of and deposit_item):
//   6. offset inside the dispersion pattern                     pattern_offset
//      (radius, angle, its sine and cosine, offset)             (pattern_radius,
//                                                               pattern_angle,
//                                                               pattern_sincos,
//                                                               pattern_polar)
//   7. offset rotated by the heading into east/north            rotate_by_heading
//   8. fall time from the function height                       fall_time
//   9. wind drift over the fall                                 wind_drift
//  10. landing cell: outside the grid, in water, or an impact   landing_cell_index
//  11. slope term of the cell's failure multiplier (per cell,   slope_term
//      by the plan: land-cover multiplier x slope term)
//  12. failure probability: type rate x cell multiplier,        failure_probability
//      capped at 1, x self-destruct failure
//  13. dud draw (Bernoulli)                                     is_dud
//  14. a dud's pixel of the hazard raster (its bit is set)       hazard_bit_index
//  Per realization, after the deposit pass (HazardRows in engine.cu):
//  15. hazard area: the pixels whose centre lies within the      hazard_word
//      fade-out distance of a pixel holding a dud, counted
#pragma once

#include <cmath>
#include <cstdint>

#include "portability.h"
#include "sincos.h"
#include "tables.h"

namespace remnant {

constexpr float kTwoPi = 6.28318530717958647692f;
constexpr double kRadiansPerDegree = 3.14159265358979323846 / 180.0;

struct Vec2 {
  float x;
  float y;
};

// Circular error probable -> per-axis sigma of a circular normal:
// CEP = sigma * sqrt(2 ln 2) (definition of CEP for a circular normal).
REMNANT_HD inline float cep_to_sigma(float cep) { return cep / 1.17741002251547f; }

// Two independent standard normals from two uniforms in (0, 1) (Box-Muller).
REMNANT_HD inline Vec2 standard_normal_pair(float u0, float u1) {
  const float r = sqrtf(-2.0f * logf(u0));
  const float t = kTwoPi * u1;
  return Vec2{r * cosf(t), r * sinf(t)};
}

// Step 1: function (release) height of a strike row in one realization,
// uniform in the row's range (the carrier's, or its inventory line's). In
// double, as the host draws it: step 2 reads it before it is rounded to the
// kernels' float.
REMNANT_HD inline double function_height(double lo, double hi, double u) { return lo + u * (hi - lo); }

// Step 2: footprint. One scale in [0, 1] sets both semi-axes, so a large
// footprint is large in both directions. For a dispenser whose footprint
// figures follow its fuze settings, the scale is the mean of the normalised
// function height and spin (assumption: the sources give the direction,
// larger with higher and faster, not the form; a range of one value counts
// as its middle); otherwise the scale is a uniform draw (host/run/plan.cpp).
REMNANT_HD inline double footprint_scale(double height, double height_lo, double height_hi, double rpm,
                                         double rpm_lo, double rpm_hi) {
  const double nh = height_hi > height_lo ? (height - height_lo) / (height_hi - height_lo) : 0.5;
  const double ns = rpm_hi > rpm_lo ? (rpm - rpm_lo) / (rpm_hi - rpm_lo) : 0.5;
  return 0.5 * (nh + ns);
}

// A semi-axis of the footprint, metres, at scale u of its range.
REMNANT_HD inline double footprint_semi_axis(double lo, double hi, double u) { return lo + u * (hi - lo); }

// Step 3: wind vector (m/s the air moves toward +x east and +y north) from
// its speed and the direction it blows from, degrees clockwise from north
// (the meteorological convention of the scenario): toward = from + 180 deg.
REMNANT_HD inline Vec2 wind_toward(double speed, double from_deg) {
  const double toward = (from_deg + 180.0) * kRadiansPerDegree;
  return Vec2{static_cast<float>(speed * sin(toward)), static_cast<float>(speed * cos(toward))};
}

// Step 4: aim point = site + aim error (circular normal with the carrier's CEP).
REMNANT_HD inline Vec2 aim_point(float site_x, float site_y, float sigma, float u0, float u1) {
  const Vec2 n = standard_normal_pair(u0, u1);
  return Vec2{site_x + sigma * n.x, site_y + sigma * n.y};
}

// Step 5: carrier heading, radians clockwise from north: uniform over
// center +- spread/2 (spread = 2 pi: any direction).
REMNANT_HD inline float carrier_heading(float center, float spread, float u) {
  return center + spread * (u - 0.5f);
}

// Step 6: offset of one submunition inside the dispersion pattern, in the
// pattern's own frame (major axis along the heading, x' across, y' along).
// All three shapes with ring_inner = 0 have covariance diag(a^2/4, b^2/4):
//  - UniformEllipse: uniform density inside the ellipse with semi-axes (a, b).
//  - GaussianEllipse: normal with sigma = semi-axis / 2; the ellipse (a, b) is
//    the 2-sigma contour and holds 86.5 % of the items (assumption: the quoted
//    footprint sizes are read as 2-sigma extents).
//  - Ring: uniform on the elliptical annulus between ring_inner*(a, b) and
//    (a, b): DPICM grenades land along the perimeter of an oval ([PRESS-DPICM], docs/SOURCES.md).
//
// In two halves, for callers that take the sine and cosine of many items at
// once (the CPU's blocked deposit pass): pattern_radius and pattern_angle give
// the item's radius (in units of the semi-axes) and angle, pattern_polar the
// offset from the radius and the angle's cosine and sine. pattern_offset is
// the two halves in one; the arithmetic, and so every bit of the result, is
// the same either way.
REMNANT_HD inline float pattern_radius(Pattern pattern, float ring_inner, float u0) {
  switch (pattern) {
    case Pattern::GaussianEllipse:
      return sqrtf(-2.0f * logf(u0));  // Box-Muller radius
    case Pattern::Ring: {
      const float ri2 = ring_inner * ring_inner;
      return sqrtf(ri2 + u0 * (1.0f - ri2));
    }
    case Pattern::UniformEllipse:
    default:
      return sqrtf(u0);
  }
}

REMNANT_HD inline float pattern_angle(float u1) { return kTwoPi * u1; }

// Sine and cosine of a pattern angle as the engine takes them: on the GPU,
// CUDA's sincosf; on CPU cores, sincos_fixed (sincos.h), whose bits do not
// depend on the libm installed. pattern_offset below keeps cosf and sinf.
REMNANT_HD inline void pattern_sincos(float t, float* sin_t, float* cos_t) {
#if REMNANT_DEVICE_CODE
  sincosf(t, sin_t, cos_t);
#else
  sincos_fixed(t, sin_t, cos_t);
#endif
}

REMNANT_HD inline Vec2 pattern_polar(Pattern pattern, float a_major, float b_minor, float radius, float cos_t,
                                     float sin_t) {
  if (pattern == Pattern::GaussianEllipse) return Vec2{0.5f * b_minor * (radius * cos_t), 0.5f * a_major * (radius * sin_t)};
  return Vec2{b_minor * radius * cos_t, a_major * radius * sin_t};
}

REMNANT_HD inline Vec2 pattern_offset(Pattern pattern, float a_major, float b_minor,
                                      float ring_inner, float u0, float u1) {
  const float radius = pattern_radius(pattern, ring_inner, u0);
  const float t = pattern_angle(u1);
  return pattern_polar(pattern, a_major, b_minor, radius, cosf(t), sinf(t));
}

// Step 7: rotate a pattern-frame offset (x' across, y' along the heading) into
// grid east/north for a heading measured clockwise from north.
// The sine and cosine of the heading are a carrier's, so the engine computes
// them once per carrier and passes them in.
REMNANT_HD inline Vec2 rotate_by_heading(Vec2 o, float sin_heading, float cos_heading) {
  const float s = sin_heading;
  const float c = cos_heading;
  // along-track unit vector (s, c); cross-track unit vector (c, -s)
  return Vec2{o.x * c + o.y * s, -o.x * s + o.y * c};
}

REMNANT_HD inline Vec2 rotate_by_heading(Vec2 o, float heading) {
  return rotate_by_heading(o, sinf(heading), cosf(heading));
}

// Step 8: fall time from the function height at terminal velocity
// (assumption: items reach terminal velocity at once after release; no public
// terminal-velocity figures exist: docs/SOURCES.md, "What no source gives"; so the velocity is an uncertain
// range sampled per item).
REMNANT_HD inline float fall_time(float height, float vt_min, float vt_max, float u) {
  const float vt = vt_min + u * (vt_max - vt_min);
  return height / vt;
}

// Step 9: wind drift over the fall, the item moves with the air.
REMNANT_HD inline Vec2 wind_drift(float wind_x, float wind_y, float t_fall) {
  return Vec2{wind_x * t_fall, wind_y * t_fall};
}

// Step 10: landing cell index, or kNoCell when the point is outside the grid
// (also for NaN). Written without branches so that the CPU's blocked deposit
// pass can compute it for a whole block of items in vector registers.
constexpr std::uint32_t kNoCell = 0xFFFFFFFFu;  // grids hold at most 2^32 - 1 cells

// Index iy * stride + ix of the square of side dx holding (x, y) in a raster of
// nx by ny squares from the origin, or kNoCell outside it (NaN too).
REMNANT_HD inline std::uint32_t raster_index(float dx, std::uint32_t nx, std::uint32_t ny, std::uint32_t stride,
                                             float x, float y) {
  const float fx = x / dx;
  const float fy = y / dx;
  const bool inside = (x >= 0.0f) & (y >= 0.0f) & (fx < static_cast<float>(nx)) & (fy < static_cast<float>(ny));
  // nx, ny <= 10^6 for grids (the scenario loader's bound) and < 2^31 for
  // the hazard raster (the plan's), so int32 holds ix and iy.
  const std::uint32_t ix = static_cast<std::uint32_t>(static_cast<std::int32_t>(inside ? fx : 0.0f));
  const std::uint32_t iy = static_cast<std::uint32_t>(static_cast<std::int32_t>(inside ? fy : 0.0f));
  return (inside & (ix < nx) & (iy < ny)) ? iy * stride + ix : kNoCell;
}

REMNANT_HD inline std::uint32_t landing_cell_index(const GridView& g, float x, float y) {
  return raster_index(g.dx, g.nx, g.ny, g.nx, x, y);
}

// The same as a signed index, -1 outside.
REMNANT_HD inline std::int64_t landing_cell(const GridView& g, float x, float y) {
  const std::uint32_t cell = landing_cell_index(g, x, y);
  return cell == kNoCell ? -1 : static_cast<std::int64_t>(cell);
}

// Step 11: slope term of the failure probability (assumption: failure grows
// linearly with the ground gradient, glancing impacts on slopes; no public
// coefficient exists: docs/SOURCES.md, "What no source gives"; coefficient k is the scenario's, default 0).
REMNANT_HD inline float slope_term(float gradient, float k) { return 1.0f + k * gradient; }

// Step 12: failure probability of one item: type rate (drawn per realization)
// x land-cover and slope multiplier, capped at 1, times the probability that
// the self-destruct also fails (1 where none is fitted).
REMNANT_HD inline float failure_probability(float type_rate, float cell_multiplier,
                                            float sd_failure) {
  const float p = type_rate * cell_multiplier;
  return (p < 1.0f ? p : 1.0f) * sd_failure;
}

// Step 13: dud draw (Bernoulli).
REMNANT_HD inline bool is_dud(float p, float u) { return u < p; }

// Step 14: the bit of the hazard raster (tables.h) of a dud landed at (x, y):
// its index iy * 64 * words + ix, or kNoCell outside the raster or without one.
// The raster holds fewer than 2^31 padded pixels (the plan's bound).
REMNANT_HD inline std::uint32_t hazard_bit_index(const HazardRaster& h, float x, float y) {
  return raster_index(h.dx, h.nx, h.ny, h.words * 64u, x, y);
}

// Step 15, one word of a row: the pixels of word j of the row that lie within
// the fade-out distance of a set pixel of row `near` (the word itself and its
// neighbours left and right, 0 past the row's ends), `w` pixels sideways.
// Bit i of a word is pixel 64 j + i: a left shift moves pixels east.
REMNANT_HD inline std::uint64_t spread_word(std::uint64_t left, std::uint64_t mid, std::uint64_t right,
                                            std::uint32_t w) {
  std::uint64_t out = mid;
  for (std::uint32_t i = 1; i <= w; ++i) out |= (mid << i) | (mid >> i) | (left >> (64u - i)) | (right << (64u - i));
  return out;
}

// Step 15: the pixels of word j of row y of one realization's raster `bits`
// within the fade-out distance of a pixel holding a dud (centre to centre:
// width[|dy|] pixels sideways dy rows away), masked to the row's nx pixels.
// The rows at the same sideways width (width[] does not grow with |dy|) are
// or-ed together before one spread: spread_word distributes over or, so
// this is the or of each row's own spread.
REMNANT_HD inline std::uint64_t hazard_word(const HazardRaster& h, const std::uint64_t* bits, std::uint32_t y,
                                            std::uint32_t j) {
  std::uint64_t out = 0, left = 0, mid = 0, right = 0;  // the rows gathered at width w
  std::uint32_t w = h.width[0];
  const std::int64_t reach = h.reach;
  for (std::int64_t d = 0; d <= reach; ++d) {
    if (h.width[d] != w) {
      if ((left | mid | right) != 0u) out |= spread_word(left, mid, right, w);
      left = mid = right = 0;
      w = h.width[d];
    }
    for (int side = 0; side < (d == 0 ? 1 : 2); ++side) {  // rows y - d and y + d (row y once)
      const std::int64_t row = side == 0 ? std::int64_t(y) - d : std::int64_t(y) + d;
      if (row < 0 || row >= std::int64_t(h.ny)) continue;
      const std::uint64_t* r = bits + std::uint64_t(row) * h.words;
      mid |= r[j];
      if (j > 0) left |= r[j - 1];
      if (j + 1 < h.words) right |= r[j + 1];
    }
  }
  if ((left | mid | right) != 0u) out |= spread_word(left, mid, right, w);
  const std::uint32_t tail = h.nx - 64u * j;  // pixels of the row in this word
  return tail >= 64u ? out : out & ((std::uint64_t(1) << tail) - 1u);
}

// Step 15 for a whole row y of one realization's raster on CPU cores
// (HazardRows in kernels/engine.cu): the row's pixels within the fade-out
// distance of a dud, the sum of popcount(hazard_word) over its words. Most of
// a raster is empty (duds lie in the strikes' footprints), so the row is
// taken in runs of kColumns words: first the or of each word over the rows
// within reach (one load per word and row, a loop the compiler vectorises),
// then hazard_word only for a word whose column, or a neighbour's, holds a
// dud. A word skipped has no dud within reach, so its hazard_word is 0: the
// count is the one every word gives.
inline std::uint64_t hazard_row_pixels(const HazardRaster& h, const std::uint64_t* bits, std::uint32_t y) {
  constexpr std::uint32_t kColumns = 256;
  const std::uint32_t first_row = y > h.reach ? y - h.reach : 0u;
  const std::uint32_t last_row = y + h.reach < h.ny ? y + h.reach : h.ny - 1u;
  // column[i]: the or over the rows within reach of word j0 - 1 + i.
  std::uint64_t column[kColumns + 2];
  std::uint64_t pixels = 0;
  for (std::uint32_t j0 = 0; j0 < h.words; j0 += kColumns) {
    const std::uint32_t n = h.words - j0 < kColumns ? h.words - j0 : kColumns;
    const std::uint32_t from = j0 > 0 ? j0 - 1 : 0u;                        // words [from, to)
    const std::uint32_t to = j0 + n + 1 < h.words ? j0 + n + 1 : h.words;
    std::uint64_t* col = column + (from + 1 - j0);                          // col[j - from]: word j
    for (std::uint32_t i = 0; i < to - from; ++i) col[i] = 0;
    for (std::uint32_t row = first_row; row <= last_row; ++row) {
      const std::uint64_t* r = bits + std::size_t(row) * h.words + from;
      for (std::uint32_t i = 0; i < to - from; ++i) col[i] |= r[i];
    }
    if (j0 == 0) column[0] = 0;          // no word left of the row
    if (to == j0 + n) column[n + 1] = 0;  // none right of it
    for (std::uint32_t i = 0; i < n; ++i)
      if ((column[i] | column[i + 1] | column[i + 2]) != 0) pixels += popcount_u64(hazard_word(h, bits, y, j0 + i));
  }
  return pixels;
}

}  // namespace remnant
