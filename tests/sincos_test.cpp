// sincos_fixed (kernels/sincos.h), the sine and cosine of pattern angles on
// CPU cores, and its AVX2 form (kernels/deposit_block.h): the same bits as
// each other and as glibc 2.36's sincosf on every angle kTwoPi * u the engine
// can draw (u = (k + 0.5) / 2^23, k < 2^23), within one unit in the last place
// of the true values, and a digest of all 2^23 results that holds on every
// machine whatever libm it has.
#include <gtest/gtest.h>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/deposit_block.h"
#include "kernels/physics.h"
#include "kernels/rng.h"
#include "kernels/sincos.h"

namespace remnant {
namespace {

constexpr std::uint32_t kAngles = 1u << 23;

float angle_of(std::uint32_t k) { return pattern_angle(to_unit_open(k << 9)); }

std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

TEST(Sincos, DigestOfAllPatternAnglesIsFixed) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the sine and cosine bits
  auto mix = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      h ^= (v >> (8 * i)) & 0xFFu;
      h *= 1099511628211ull;
    }
  };
  for (std::uint32_t k = 0; k < kAngles; ++k) {
    float s, c;
    sincos_fixed(angle_of(k), &s, &c);
    mix(bits_of(s));
    mix(bits_of(c));
  }
  // Computed with glibc 2.36's sincosf (Debian 12, x86-64 with FMA), which
  // the next test compares with directly where it is installed.
  EXPECT_EQ(h, 0xa825d88359371239ull) << std::hex << "digest 0x" << h;
}

// Where the installed C library is glibc 2.36 on an x86-64 CPU with FMA (the
// libm the digest above was computed with: Debian 12), its sincosf must give
// the same bits as sincos_fixed on every pattern angle; elsewhere the test is
// skipped, saying why, before anything is compared.
TEST(Sincos, MatchesTheInstalledGlibcSincosfWhereItIsGlibc236) {
#if defined(__GLIBC__) && REMNANT_X86_SIMD
  const std::string libc = gnu_get_libc_version();
  if (libc != "2.36") GTEST_SKIP() << "the C library is glibc " << libc << ", not 2.36: its sincosf may round otherwise";
  if (!cpu_has_avx2_fma()) GTEST_SKIP() << "this CPU has no FMA: glibc 2.36 takes its sincosf without FMA here";
#else
  GTEST_SKIP() << "not glibc on x86-64: the reference sincosf (glibc 2.36 with FMA) is not installed";
#endif
  std::uint32_t differ = 0, first = 0;
  for (std::uint32_t k = 0; k < kAngles; ++k) {
    const float t = angle_of(k);
    float s, c, ls, lc;
    sincos_fixed(t, &s, &c);
    sincosf(t, &ls, &lc);
    if (bits_of(s) != bits_of(ls) || bits_of(c) != bits_of(lc)) {
      if (differ++ == 0) first = k;
    }
  }
  EXPECT_EQ(differ, 0u) << "sincos_fixed differs from glibc 2.36's sincosf on " << differ
                        << " of 2^23 pattern angles (first: k = " << first << ", angle " << angle_of(first) << ")";
}

TEST(Sincos, WithinOneUlpOfTheTrueValues) {
  for (std::uint32_t k = 0; k < kAngles; k += 7) {
    const float t = angle_of(k);
    float s, c;
    sincos_fixed(t, &s, &c);
    const double ts = std::sin(static_cast<double>(t)), tc = std::cos(static_cast<double>(t));
    ASSERT_LE(std::abs(s - ts), std::nextafter(std::abs(static_cast<float>(ts)), 2.0f) - std::abs(static_cast<float>(ts)))
        << "sin(" << t << ")";
    ASSERT_LE(std::abs(c - tc), std::nextafter(std::abs(static_cast<float>(tc)), 2.0f) - std::abs(static_cast<float>(tc)))
        << "cos(" << t << ")";
  }
}

#if REMNANT_X86_SIMD
TEST(Sincos, VectorFormGivesTheSameBits) {
  if (!cpu_has_avx2_fma()) GTEST_SKIP() << "this CPU has no AVX2 and FMA";
  alignas(32) float t[kDepositBlock], s[kDepositBlock], c[kDepositBlock];
  auto check = [&](const char* what) {
    sincos_avx2(t, s, c);
    for (std::uint32_t i = 0; i < kDepositBlock; ++i) {
      float es, ec;
      sincos_fixed(t[i], &es, &ec);
      ASSERT_EQ(bits_of(s[i]), bits_of(es)) << what << ": sin(" << t[i] << ")";
      ASSERT_EQ(bits_of(c[i]), bits_of(ec)) << what << ": cos(" << t[i] << ")";
    }
  };
  for (std::uint32_t k = 0; k < kAngles; k += kDepositBlock) {
    for (std::uint32_t i = 0; i < kDepositBlock; ++i) t[i] = angle_of(k + i);
    check("pattern angle");
  }
  // Any float below 1000 in magnitude: negative, tiny, reduced and (above 120)
  // the libm's own path.
  HostDrawStream pick(make_key(9, Stream::Site), 0, 0);
  for (int round = 0; round < 200000; ++round) {
    for (std::uint32_t i = 0; i < kDepositBlock; ++i) {
      const std::uint32_t b = static_cast<std::uint32_t>(pick.next() * 4294967296.0);
      float f;
      std::memcpy(&f, &b, sizeof f);
      t[i] = std::abs(f) < 1000.0f ? f : static_cast<float>(pick.next() * 2000.0 - 1000.0);
    }
    check("any float");
  }
}
#endif

}  // namespace
}  // namespace remnant
