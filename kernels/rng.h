// Counter-based random numbers: Random123 Philox4x32-10, identical on host and
// device.
//
// Key   = (seed, named stream), mixed into 64 bits once on the host.
// Counter = (realization, strike, carrier, submunition << 8 | draw block).
// Nothing is ever keyed by thread, block, batch or MPI rank, so every number a
// submunition sees depends only on what it is, not on who computes it.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

#include "portability.h"

namespace remnant {

// Named streams, one per physical step. Adding a draw to one step never moves
// the numbers of another. Values are part of the file format's reproducibility
// promise: never renumber, only append.
enum class Stream : std::uint32_t {
  DudRate = 1,           // per realization, per submunition type: lot reliability
  SelfDestructRate = 2,  // per realization, per submunition type
  Footprint = 3,         // per realization, per strike: pattern size
  Wind = 4,              // per realization, per strike
  AimPoint = 5,          // per carrier: aim error and heading
  Pattern = 6,           // per submunition: offset inside the pattern
  Fall = 7,              // per submunition: terminal velocity
  Failure = 8,           // per submunition: Bernoulli draw
  FunctionHeight = 9,    // per realization, per strike
  Site = 10,             // per realization (or once), per strike site: where it fell
  Spin = 11,             // per realization, per strike: dispenser spin setting
  Calibration = 12,      // per calibration draw, per parameter: its value from the prior (host only)
  Conditioning = 13,     // per stage and sweep of a conditioned run, per particle and move (host only)
};

// Sentinel for draws that belong to a carrier rather than one submunition.
constexpr std::uint32_t kNoSubmunition = 0xFFFFFFu;

struct RngKey {
  std::uint32_t k0 = 0;
  std::uint32_t k1 = 0;
};

// SplitMix64 finaliser: a bijection on 64 bits, good avalanche.
REMNANT_HD inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline RngKey make_key(std::uint64_t seed, Stream stream) {
  const std::uint64_t k = mix64(seed ^ mix64(static_cast<std::uint64_t>(stream)));
  return RngKey{static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

struct Uniform4 {
  float u[4];
};

// Four 32-bit words for one counter.
REMNANT_HD inline r123::Philox4x32::ctr_type philox(RngKey key, std::uint32_t realization,
                                                     std::uint32_t strike, std::uint32_t carrier,
                                                     std::uint32_t submunition,
                                                     std::uint32_t block) {
  r123::Philox4x32 gen;
  r123::Philox4x32::ctr_type ctr = {{realization, strike, carrier, (submunition << 8) | (block & 0xFFu)}};
  r123::Philox4x32::key_type k = {{key.k0, key.k1}};
  return gen(ctr, k);
}

// Philox4x32-10 written on plain 32-bit integers: the same function as
// Random123's r123::Philox4x32 above (tests/kernel_paths_test.cpp checks it
// word for word), in a form the host compiler can keep in vector registers
// when many items are drawn at once (kernels/deposit_block.h). Round: the
// products of counter words 0 and 2 with the Philox multipliers; the key is
// bumped by the Weyl constants between rounds.
constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

REMNANT_HD inline void philox4x32_10(std::uint32_t& c0, std::uint32_t& c1, std::uint32_t& c2, std::uint32_t& c3,
                                     std::uint32_t k0, std::uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c0;
    const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c2;
    const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<std::uint32_t>(p1);
    c3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
}

// Uniform float in (0, 1): 23 significant bits at cell centres, (k + 0.5) / 2^23,
// every value exactly representable, never 0 or 1, so that log(u) is finite
// and u < p is a fair Bernoulli draw for p in [0, 1].
REMNANT_HD inline float to_unit_open(std::uint32_t x) {
  return (static_cast<float>(x >> 9) + 0.5f) * (1.0f / 8388608.0f);
}

// Uniform double in (0, 1) from two words, (k + 0.5) / 2^52, for the host-side
// epistemic draws.
REMNANT_HD inline double to_unit_open_double(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 12;  // 52 bits
  return (static_cast<double>(bits) + 0.5) * (1.0 / 4503599627370496.0);
}

REMNANT_HD inline Uniform4 uniforms(RngKey key, std::uint32_t realization, std::uint32_t strike,
                                    std::uint32_t carrier, std::uint32_t submunition,
                                    std::uint32_t block = 0) {
  const auto r = philox(key, realization, strike, carrier, submunition, block);
  return Uniform4{{to_unit_open(r[0]), to_unit_open(r[1]), to_unit_open(r[2]), to_unit_open(r[3])}};
}

// A sequential stream of doubles for rejection samplers on the host (Beta via
// Gamma): counter (realization, index, block, none), two doubles a block.
// Still keyed only by what is sampled.
class HostDrawStream {
 public:
  HostDrawStream(RngKey key, std::uint32_t realization, std::uint32_t index)
      : key_(key), r_(realization), index_(index) {}

  double next() {
    if (used_ == 2) {
      block_ += 1;
      used_ = 0;
    }
    const auto w = philox(key_, r_, index_, block_, kNoSubmunition, 0);
    const double u = used_ == 0 ? to_unit_open_double(w[0], w[1]) : to_unit_open_double(w[2], w[3]);
    used_ += 1;
    return u;
  }

 private:
  RngKey key_;
  std::uint32_t r_, index_;
  std::uint32_t block_ = 0;
  int used_ = 0;
};

}  // namespace remnant
