// One function per physical step of a submunition's history. Each is
// __host__ __device__, takes its random numbers as arguments (so tests can feed
// it exact values) and states its model and its source or assumption.
#pragma once

#include <cmath>
#include <cstdint>

#include "portability.h"
#include "sincos.h"
#include "tables.h"

namespace remnant {

constexpr float kTwoPi = 6.28318530717958647692f;

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

// Step 1: aim point = site + aim error (circular normal with the carrier's CEP).
REMNANT_HD inline Vec2 aim_point(float site_x, float site_y, float sigma, float u0, float u1) {
  const Vec2 n = standard_normal_pair(u0, u1);
  return Vec2{site_x + sigma * n.x, site_y + sigma * n.y};
}

// Step 2: carrier heading, radians clockwise from north: uniform over
// center +- spread/2 (spread = 2 pi: any direction).
REMNANT_HD inline float carrier_heading(float center, float spread, float u) {
  return center + spread * (u - 0.5f);
}

// Step 3: offset of one submunition inside the dispersion pattern, in the
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

// Step 4: rotate a pattern-frame offset (x' across, y' along the heading) into
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

// Step 5: fall time from the function height at terminal velocity
// (assumption: items reach terminal velocity at once after release; no public
// terminal-velocity figures exist: docs/SOURCES.md, "What no source gives"; so the velocity is an uncertain
// range sampled per item).
REMNANT_HD inline float fall_time(float height, float vt_min, float vt_max, float u) {
  const float vt = vt_min + u * (vt_max - vt_min);
  return height / vt;
}

// Step 6: wind drift over the fall, the item moves with the air.
REMNANT_HD inline Vec2 wind_drift(float wind_x, float wind_y, float t_fall) {
  return Vec2{wind_x * t_fall, wind_y * t_fall};
}

// Step 7: landing cell index, or kNoCell when the point is outside the grid
// (also for NaN). Written without branches so that the CPU's blocked deposit
// pass can compute it for a whole block of items in vector registers.
constexpr std::uint32_t kNoCell = 0xFFFFFFFFu;  // grids hold at most 2^32 - 1 cells

REMNANT_HD inline std::uint32_t landing_cell_index(const GridView& g, float x, float y) {
  const float fx = x / g.dx;
  const float fy = y / g.dx;
  const bool inside = (x >= 0.0f) & (y >= 0.0f) & (fx < static_cast<float>(g.nx)) & (fy < static_cast<float>(g.ny));
  // nx, ny <= 10^6 (the scenario loader's bound), so int32 holds ix and iy.
  const std::uint32_t ix = static_cast<std::uint32_t>(static_cast<std::int32_t>(inside ? fx : 0.0f));
  const std::uint32_t iy = static_cast<std::uint32_t>(static_cast<std::int32_t>(inside ? fy : 0.0f));
  return (inside & (ix < g.nx) & (iy < g.ny)) ? iy * g.nx + ix : kNoCell;
}

// The same as a signed index, -1 outside.
REMNANT_HD inline std::int64_t landing_cell(const GridView& g, float x, float y) {
  const std::uint32_t cell = landing_cell_index(g, x, y);
  return cell == kNoCell ? -1 : static_cast<std::int64_t>(cell);
}

// Step 8a: slope term of the failure probability (assumption: failure grows
// linearly with the ground gradient, glancing impacts on slopes; no public
// coefficient exists: docs/SOURCES.md, "What no source gives"; coefficient k is the scenario's, default 0).
REMNANT_HD inline float slope_term(float gradient, float k) { return 1.0f + k * gradient; }

// Step 8b: failure probability of one item: type rate (drawn per realization)
// x land-cover and slope multiplier, capped at 1, times the probability that
// the self-destruct also fails (1 where none is fitted).
REMNANT_HD inline float failure_probability(float type_rate, float cell_multiplier,
                                            float sd_failure) {
  const float p = type_rate * cell_multiplier;
  return (p < 1.0f ? p : 1.0f) * sd_failure;
}

// Step 9: Bernoulli draw.
REMNANT_HD inline bool is_dud(float p, float u) { return u < p; }

}  // namespace remnant
