// Sine and cosine of a submunition's pattern angle on the CPU, with bits that
// do not depend on the libm installed.
//
// sincos_fixed is glibc 2.36's sincosf as Debian 12 ships it for x86-64 CPUs
// with FMA (sysdeps/ieee754/flt-32/s_sincosf.c with the x86 sincosf_poly.h,
// the variant its ifunc picks on such CPUs, and the one the engine called
// before it had its own): the same constants (__sincosf_table), the same
// operations in the same order, the same fused multiply-adds. Its results are
// those of that libm on every input below 120 in magnitude (above, it calls
// the libm's own); tests/sincos_test.cpp checks it against the libm on all
// 2^23 angles kTwoPi * u the engine can draw, where that libm is the one
// installed, and against a digest of those 2^23 results everywhere.
//
// Reduction: n = nearest integer to y * 2/pi (computed as glibc does, through
// 2/pi * 2^24 and an integer rounding), x = y - n pi/2 with one rounding;
// then both polynomials in double, and the quadrant picks sign, table and
// whether sine and cosine swap.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace remnant {

struct SincosTable {
  double sign[4];
  double hpi_inv, hpi;  // 2/pi * 2^24, pi/2
  double c0, c1, s1, c2, s2, c3, s3, c4;
};

// __sincosf_table of glibc 2.36 (sysdeps/ieee754/flt-32/sincosf_data.c): [1]
// is used in the quadrants where n & 2.
inline constexpr SincosTable kSincosTable[2] = {
    {{1.0, -1.0, -1.0, 1.0}, 0x1.45f306dc9c883p+23, 0x1.921fb54442d18p+0, 0x1p+0, -0x1.ffffffd0c621cp-2,
     -0x1.555545995a603p-3, 0x1.55553e1068f19p-5, 0x1.1107605230bc4p-7, -0x1.6c087e89a359dp-10,
     -0x1.994eb3774cf24p-13, 0x1.99343027bf8c3p-16},
    {{1.0, -1.0, -1.0, 1.0}, 0x1.45f306dc9c883p+23, 0x1.921fb54442d18p+0, -0x1p+0, 0x1.ffffffd0c621cp-2,
     -0x1.555545995a603p-3, -0x1.55553e1068f19p-5, 0x1.1107605230bc4p-7, 0x1.6c087e89a359dp-10,
     -0x1.994eb3774cf24p-13, -0x1.99343027bf8c3p-16},
};

// Exponent and top mantissa bits of |y|: glibc's abstop12.
inline std::uint32_t sincos_top12(float y) {
  std::uint32_t bits;
  std::memcpy(&bits, &y, sizeof bits);
  return (bits >> 20) & 0x7ffu;
}

constexpr std::uint32_t kSincosTinyTop = 0x397;    // |y| < 2^-12: sin = y, cos = 1
constexpr std::uint32_t kSincosReduceTop = 0x3f3;  // |y| >= 0.75: reduce by multiples of pi/2
constexpr std::uint32_t kSincosLargeTop = 0x42e;   // |y| >= 120: left to the libm

inline void sincos_fixed(float y, float* sin_out, float* cos_out) {
  const std::uint32_t top = sincos_top12(y);
  if (top > kSincosLargeTop) {
    *sin_out = sinf(y);
    *cos_out = cosf(y);
    return;
  }
  if (top <= kSincosTinyTop) {
    *sin_out = y;
    *cos_out = 1.0f;
    return;
  }
  double x = y, s = 1.0;
  int n = 0;
  const SincosTable* p = &kSincosTable[0];
  if (top > kSincosReduceTop) {
    n = (static_cast<std::int32_t>(x * p->hpi_inv) + 0x800000) >> 24;
    x = std::fma(-static_cast<double>(n), p->hpi, x);
    s = p->sign[n & 3];
    if (n & 2) p = &kSincosTable[1];
  }
  const double xs = x * s, x2 = x * x;
  const double a0 = std::fma(x2, p->s3, p->s2), a1 = std::fma(x2, p->c4, p->c3);
  const double x3 = x2 * xs, x4 = x2 * x2;
  const double x5 = x2 * x3, x6 = x2 * x4;
  const double b0 = std::fma(x2, p->c1, p->c0);
  const double v0 = std::fma(x3, p->s1, xs), v1 = std::fma(x4, p->c2, b0);
  const float r0 = static_cast<float>(std::fma(a0, x5, v0));
  const float r1 = static_cast<float>(std::fma(a1, x6, v1));
  *sin_out = n & 1 ? r1 : r0;
  *cos_out = n & 1 ? r0 : r1;
}

}  // namespace remnant
