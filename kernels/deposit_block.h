// The CPU's blocked deposit loop (called by DepositRun in kernels/engine.cu):
// the items of a task in blocks of kDepositBlock, each stage done for the
// whole block before the next, so the block stays in vector registers. The
// stages, and the physical steps (numbered in physics.h) each one takes:
//
//  - random words: word 0 and 1 of each item's Pattern draw, word 0 of its
//    Fall and of its Failure draw (the dud-only pass's candidates come with
//    theirs): three Philox4x32-10 calls per item,
//    counters (r, s, c, k << 8), exactly as uniforms() draws them one item
//    at a time. With AVX-512, the 16 items in one vector per stream, with
//    AVX2 eight per vector, the 32 x 32 -> 64-bit Philox products taken by
//    _mm*_mul_epu32 on the even and odd lanes; otherwise by philox4x32_10 one
//    item after the other;
//  - step 6, pattern radius and angle (radius_angle_avx2: eight items per
//    vector);
//  - step 6, sine and cosine of the angle (sincos_avx2): sincos_fixed
//    (sincos.h), glibc's sincosf reproduced bit for bit, four items per
//    vector of doubles;
//  - steps 6-10 and 14, offset, rotation, fall, drift, landing cell and the
//    bit of the hazard raster (landing_avx2: eight per vector);
//  - steps 10-14, deposit (PendingCells): land cover, failure probability,
//    dud draw, one item at a time, the increments gathered by cell and added
//    to the grids with one integer atomic add per cell, a dud's hazard bit
//    or-ed into its word.
//
// Every item gets exactly the arithmetic of the one-item-at-a-time loop, in
// the same order and roundings: the vector code uses only operations that
// IEEE 754 rounds exactly like their scalar forms (add, multiply, divide,
// square root, int <-> float conversion, comparisons), and the AVX2 functions
// are compiled for "avx2" only, never "fma", so the compiler fuses no multiply
// and add; sincos_avx2 alone has "fma", for the fused operations glibc's
// sincosf has too. tests/kernel_paths_test.cpp and tests/sincos_test.cpp hold
// all paths to the same bits.
#pragma once

#include <cmath>
#include <cstdint>

#include "deposit.h"
#include "engine.h"
#include "physics.h"
#include "portability.h"
#include "rng.h"
#include "sincos.h"

#if REMNANT_X86_SIMD
#include <immintrin.h>
#endif

namespace remnant {

constexpr std::uint32_t kDepositBlock = REMNANT_DEPOSIT_BLOCK;
// Blocks whose Failure words the dud-only pass draws at once (deposit_candidates).
constexpr std::uint32_t kScanBlocks = 4;

struct BlockWords {
  alignas(64) std::uint32_t pattern0[kDepositBlock];
  alignas(64) std::uint32_t pattern1[kDepositBlock];
  alignas(64) std::uint32_t fall0[kDepositBlock];
  alignas(64) std::uint32_t failure0[kDepositBlock];
};

// Items item[0] .. item[n - 1] (n <= kDepositBlock) of carrier (r, s, c);
// with failure false, the Pattern and Fall words only (the dud-only pass has
// drawn the Failure words already).
inline void block_words_portable(const ItemKeys& keys, std::uint32_t r, std::uint32_t s, std::uint32_t c,
                                 const std::uint32_t* items, std::uint32_t n, BlockWords& w, bool failure = true) {
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::uint32_t item = items[j] << 8;  // draw block 0
    std::uint32_t p0 = r, p1 = s, p2 = c, p3 = item;
    philox4x32_10(p0, p1, p2, p3, keys.pattern.k0, keys.pattern.k1);
    w.pattern0[j] = p0;
    w.pattern1[j] = p1;
    std::uint32_t f0 = r, f1 = s, f2 = c, f3 = item;
    philox4x32_10(f0, f1, f2, f3, keys.fall.k0, keys.fall.k1);
    w.fall0[j] = f0;
    if (!failure) continue;
    std::uint32_t d0 = r, d1 = s, d2 = c, d3 = item;
    philox4x32_10(d0, d1, d2, d3, keys.failure.k0, keys.failure.k1);
    w.failure0[j] = d0;
  }
}

// The items k .. k + kDepositBlock - 1 in order.
struct ConsecutiveItems {
  alignas(64) std::uint32_t item[kDepositBlock];
  explicit ConsecutiveItems(std::uint32_t k) {
    for (std::uint32_t j = 0; j < kDepositBlock; ++j) item[j] = k + j;
  }
};

// Items k .. k + n - 1 (n <= kDepositBlock) of carrier (r, s, c).
inline void block_words_portable(const ItemKeys& keys, std::uint32_t r, std::uint32_t s, std::uint32_t c,
                                 std::uint32_t k, std::uint32_t n, BlockWords& w) {
  block_words_portable(keys, r, s, c, ConsecutiveItems(k).item, n, w);
}

// Word 0 of the Failure draw of items k .. k + n - 1 (the dud-only pass's
// candidate test, deposit_candidates below).
inline void failure_words_portable(RngKey key, std::uint32_t r, std::uint32_t s, std::uint32_t c, std::uint32_t k,
                                   std::uint32_t n, std::uint32_t* out) {
  for (std::uint32_t j = 0; j < n; ++j) {
    std::uint32_t d0 = r, d1 = s, d2 = c, d3 = (k + j) << 8;
    philox4x32_10(d0, d1, d2, d3, key.k0, key.k1);
    out[j] = d0;
  }
}

// The dud-only pass's candidate test on the Failure word w itself:
// is_dud(p, to_unit_open(w)) exactly when (w >> 9) < failure_threshold(p).
// to_unit_open(w) is (m + 0.5) / 2^23 with m = w >> 9, exactly, so u < p is
// m + 0.5 < p 2^23 (exact in double), which for an integer m is
// m < ceil(p 2^23 - 0.5). tests/duds_only_test.cpp checks it around every
// threshold.
inline std::uint32_t failure_threshold(float p) {
  const double t = std::ceil(static_cast<double>(p) * 8388608.0 - 0.5);
  if (!(t > 0.0)) return 0u;  // NaN too
  return t >= 8388608.0 ? 8388608u : static_cast<std::uint32_t>(t);
}

// Appends to out the items k + i (i < n) whose Failure word words[i] passes
// the candidate test, and their words to out_words; returns how many. Both
// have room for kDepositBlock.
inline std::uint32_t compact_candidates(const std::uint32_t* words, std::uint32_t k, std::uint32_t n,
                                        std::uint32_t threshold, std::uint32_t* out, std::uint32_t* out_words) {
  std::uint32_t count = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    out[count] = k + i;
    out_words[count] = words[i];
    count += (words[i] >> 9) < threshold ? 1u : 0u;
  }
  return count;
}

#if REMNANT_X86_SIMD

// One round of philox4x32_10 (rng.h) on eight counters, lane i of each
// __m256i a 32-bit word. _mm256_mul_epu32 multiplies the even lanes into
// 64-bit products, so the odd lanes are shifted down and multiplied
// separately, and the high and low halves are blended back into lane order.
__attribute__((target("avx2"), always_inline)) inline void philox_round8(__m256i& c0, __m256i& c1, __m256i& c2,
                                                                           __m256i& c3, std::uint32_t k0,
                                                                           std::uint32_t k1) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  const __m256i even0 = _mm256_mul_epu32(c0, m0);
  const __m256i odd0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
  const __m256i even1 = _mm256_mul_epu32(c2, m1);
  const __m256i odd1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
  const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(even0, 32), odd0, 0xAA);
  const __m256i lo0 = _mm256_blend_epi32(even0, _mm256_slli_epi64(odd0, 32), 0xAA);
  const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(even1, 32), odd1, 0xAA);
  const __m256i lo1 = _mm256_blend_epi32(even1, _mm256_slli_epi64(odd1, 32), 0xAA);
  c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
  c1 = lo1;
  c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
  c3 = lo0;
}

// Philox4x32-10 on eight counters (r, s, c, item lane) for each of the item
// streams at once (Q = 3: Pattern, Fall, Failure; Q = 2: without Failure):
// the chains are independent, so interleaving their rounds keeps the
// multipliers busy (one chain alone waits on its own products).
template <int Q>
__attribute__((target("avx2"), always_inline)) inline void philox8xq(const ItemKeys& keys, std::uint32_t r,
                                                                       std::uint32_t s, std::uint32_t c,
                                                                       __m256i item, __m256i out[4]) {
  static_assert(Q == 2 || Q == 3, "Pattern and Fall, and Failure or not");
  const RngKey key[3] = {keys.pattern, keys.fall, keys.failure};
  __m256i c0[Q], c1[Q], c2[Q], c3[Q];
  std::uint32_t k0[Q], k1[Q];
  for (int q = 0; q < Q; ++q) {
    c0[q] = _mm256_set1_epi32(static_cast<int>(r));
    c1[q] = _mm256_set1_epi32(static_cast<int>(s));
    c2[q] = _mm256_set1_epi32(static_cast<int>(c));
    c3[q] = item;
    k0[q] = key[q].k0;
    k1[q] = key[q].k1;
  }
  for (int round = 0; round < 10; ++round) {
    for (int q = 0; q < Q; ++q) {
      philox_round8(c0[q], c1[q], c2[q], c3[q], k0[q], k1[q]);
      k0[q] += kPhiloxW0;
      k1[q] += kPhiloxW1;
    }
  }
  out[0] = c0[0];  // Pattern, words 0 and 1
  out[1] = c1[0];
  out[2] = c0[1];  // Fall, word 0
  out[3] = c0[Q - 1];  // Failure, word 0 (Q = 3)
}

// All kDepositBlock lanes of items[]; lanes past the task's last item are
// drawn too (for items past the carrier's end) and their results are never
// used. Q = 2: no Failure words (block_words_portable's failure false).
template <int Q>
__attribute__((target("avx2"))) inline void block_words_avx2_q(const ItemKeys& keys, std::uint32_t r,
                                                               std::uint32_t s, std::uint32_t c,
                                                               const std::uint32_t* items, BlockWords& w) {
  for (std::uint32_t j = 0; j < kDepositBlock; j += 8) {
    const __m256i item = _mm256_slli_epi32(_mm256_load_si256(reinterpret_cast<const __m256i*>(items + j)), 8);
    __m256i out[4];
    philox8xq<Q>(keys, r, s, c, item, out);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w.pattern0 + j), out[0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w.pattern1 + j), out[1]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w.fall0 + j), out[2]);
    if (Q == 3) _mm256_store_si256(reinterpret_cast<__m256i*>(w.failure0 + j), out[3]);
  }
}

__attribute__((target("avx2"))) inline void block_words_avx2(const ItemKeys& keys, std::uint32_t r,
                                                             std::uint32_t s, std::uint32_t c,
                                                             const std::uint32_t* items, BlockWords& w) {
  block_words_avx2_q<3>(keys, r, s, c, items, w);
}

// The items k .. k + kDepositBlock - 1.
__attribute__((target("avx2"))) inline void block_words_avx2(const ItemKeys& keys, std::uint32_t r,
                                                             std::uint32_t s, std::uint32_t c, std::uint32_t k,
                                                             BlockWords& w) {
  block_words_avx2(keys, r, s, c, ConsecutiveItems(k).item, w);
}

// failure_words_portable for all kDepositBlock lanes, the block's two
// vectors of eight as two interleaved chains.
__attribute__((target("avx2"))) inline void failure_words_avx2(RngKey key, std::uint32_t r, std::uint32_t s,
                                                               std::uint32_t c, std::uint32_t k, std::uint32_t* out) {
  static_assert(kDepositBlock == 16, "two AVX2 vectors hold the block");
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i c0[2], c1[2], c2[2], c3[2];
  for (int q = 0; q < 2; ++q) {
    c0[q] = _mm256_set1_epi32(static_cast<int>(r));
    c1[q] = _mm256_set1_epi32(static_cast<int>(s));
    c2[q] = _mm256_set1_epi32(static_cast<int>(c));
    c3[q] = _mm256_slli_epi32(_mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(k + 8 * q)), lane), 8);
  }
  std::uint32_t k0 = key.k0, k1 = key.k1;
  for (int round = 0; round < 10; ++round) {
    for (int q = 0; q < 2; ++q) philox_round8(c0[q], c1[q], c2[q], c3[q], k0, k1);
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), c0[0]);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), c0[1]);
}

// The same with AVX-512 (where the CPU has it): the whole block of 16 items in
// one vector per stream, 32 registers (the three chains fit without spills)
// and a three-way xor in one instruction; about twice as fast as the AVX2
// form on the machine of docs/PERFORMANCE.md.
// GCC 12's AVX-512 headers build unmasked shifts and products from an
// "undefined" vector, which -Wuninitialized reports inside the headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#ifndef __clang__  // a GCC warning clang does not know
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// philox_round8 on sixteen counters.
__attribute__((target("avx512f"), always_inline)) inline void philox_round16(__m512i& c0, __m512i& c1, __m512i& c2,
                                                                               __m512i& c3, std::uint32_t k0,
                                                                               std::uint32_t k1) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  const __m512i even0 = _mm512_mul_epu32(c0, m0);
  const __m512i odd0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), m0);
  const __m512i even1 = _mm512_mul_epu32(c2, m1);
  const __m512i odd1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), m1);
  const __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even0, 32), odd0);
  const __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, even0, _mm512_slli_epi64(odd0, 32));
  const __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even1, 32), odd1);
  const __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, even1, _mm512_slli_epi64(odd1, 32));
  // 0x96: a ^ b ^ c
  c0 = _mm512_ternarylogic_epi32(hi1, c1, _mm512_set1_epi32(static_cast<int>(k0)), 0x96);
  c1 = lo1;
  c2 = _mm512_ternarylogic_epi32(hi0, c3, _mm512_set1_epi32(static_cast<int>(k1)), 0x96);
  c3 = lo0;
}

template <int Q>
__attribute__((target("avx512f"))) inline void block_words_avx512_q(const ItemKeys& keys, std::uint32_t r,
                                                                    std::uint32_t s, std::uint32_t c,
                                                                    const std::uint32_t* items, BlockWords& w) {
  static_assert(kDepositBlock == 16, "one AVX-512 vector holds the block");
  static_assert(Q == 2 || Q == 3, "Pattern and Fall, and Failure or not");
  const RngKey key[3] = {keys.pattern, keys.fall, keys.failure};
  const __m512i item = _mm512_slli_epi32(_mm512_load_si512(items), 8);
  __m512i c0[Q], c1[Q], c2[Q], c3[Q];
  std::uint32_t k0[Q], k1[Q];
  for (int q = 0; q < Q; ++q) {
    c0[q] = _mm512_set1_epi32(static_cast<int>(r));
    c1[q] = _mm512_set1_epi32(static_cast<int>(s));
    c2[q] = _mm512_set1_epi32(static_cast<int>(c));
    c3[q] = item;
    k0[q] = key[q].k0;
    k1[q] = key[q].k1;
  }
  for (int round = 0; round < 10; ++round) {
    for (int q = 0; q < Q; ++q) {
      philox_round16(c0[q], c1[q], c2[q], c3[q], k0[q], k1[q]);
      k0[q] += kPhiloxW0;
      k1[q] += kPhiloxW1;
    }
  }
  _mm512_store_si512(w.pattern0, c0[0]);
  _mm512_store_si512(w.pattern1, c1[0]);
  _mm512_store_si512(w.fall0, c0[1]);
  if (Q == 3) _mm512_store_si512(w.failure0, c0[Q - 1]);
}

__attribute__((target("avx512f"))) inline void block_words_avx512(const ItemKeys& keys, std::uint32_t r,
                                                                  std::uint32_t s, std::uint32_t c,
                                                                  const std::uint32_t* items, BlockWords& w) {
  block_words_avx512_q<3>(keys, r, s, c, items, w);
}

__attribute__((target("avx512f"))) inline void block_words_avx512(const ItemKeys& keys, std::uint32_t r,
                                                                  std::uint32_t s, std::uint32_t c, std::uint32_t k,
                                                                  BlockWords& w) {
  block_words_avx512(keys, r, s, c, ConsecutiveItems(k).item, w);
}

// failure_words_portable for the kScanBlocks * kDepositBlock items from k,
// one vector of 16 per block, the blocks' chains interleaved (one chain alone
// waits on its own products).
__attribute__((target("avx512f"))) inline void failure_words_avx512(RngKey key, std::uint32_t r, std::uint32_t s,
                                                                    std::uint32_t c, std::uint32_t k,
                                                                    std::uint32_t* out) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i c0[kScanBlocks], c1[kScanBlocks], c2[kScanBlocks], c3[kScanBlocks];
  for (std::uint32_t q = 0; q < kScanBlocks; ++q) {
    c0[q] = _mm512_set1_epi32(static_cast<int>(r));
    c1[q] = _mm512_set1_epi32(static_cast<int>(s));
    c2[q] = _mm512_set1_epi32(static_cast<int>(c));
    c3[q] = _mm512_slli_epi32(_mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(k + 16 * q)), lane), 8);
  }
  std::uint32_t k0 = key.k0, k1 = key.k1;
  for (int round = 0; round < 10; ++round) {
    for (std::uint32_t q = 0; q < kScanBlocks; ++q) philox_round16(c0[q], c1[q], c2[q], c3[q], k0, k1);
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  for (std::uint32_t q = 0; q < kScanBlocks; ++q) _mm512_storeu_si512(out + 16 * q, c0[q]);
}

// compact_candidates with one compare and two compressions.
__attribute__((target("avx512f"))) inline std::uint32_t compact_candidates_avx512(const std::uint32_t* words,
                                                                                std::uint32_t k, std::uint32_t n,
                                                                                std::uint32_t threshold,
                                                                                std::uint32_t* out,
                                                                                std::uint32_t* out_words) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __mmask16 valid = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
  const __m512i word = _mm512_loadu_si512(words);
  const __m512i m = _mm512_srli_epi32(word, 9);
  const __mmask16 pass = _mm512_mask_cmplt_epu32_mask(valid, m, _mm512_set1_epi32(static_cast<int>(threshold)));
  // Compressed in a register and stored whole (out has room for 16): a
  // compressing store to memory is microcoded and slow on AMD's Zen 4.
  _mm512_storeu_si512(out, _mm512_maskz_compress_epi32(pass, _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(k)), lane)));
  _mm512_storeu_si512(out_words, _mm512_maskz_compress_epi32(pass, word));
  return static_cast<std::uint32_t>(__builtin_popcount(pass));
}
#pragma GCC diagnostic pop

inline bool cpu_has_avx512f() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

inline bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

// Uniforms of eight words: to_unit_open (rng.h) lane by lane.
__attribute__((target("avx2"), always_inline)) inline __m256 unit_open8(const std::uint32_t* words) {
  const __m256i w = _mm256_load_si256(reinterpret_cast<const __m256i*>(words));
  const __m256 f = _mm256_cvtepi32_ps(_mm256_srli_epi32(w, 9));  // < 2^23: exact
  return _mm256_mul_ps(_mm256_add_ps(f, _mm256_set1_ps(0.5f)), _mm256_set1_ps(1.0f / 8388608.0f));
}

// Step 6 (physics.h), first part: pattern_radius and pattern_angle of every
// lane. The Gaussian radius takes logf (libm) lane by lane.
__attribute__((target("avx2"))) inline void radius_angle_avx2(Pattern pattern, float ring_inner, const BlockWords& w,
                                                              float* radius, float* angle) {
  const float ri2 = ring_inner * ring_inner;
  for (std::uint32_t j = 0; j < kDepositBlock; j += 8) {
    const __m256 u0 = unit_open8(w.pattern0 + j);
    _mm256_store_ps(angle + j, _mm256_mul_ps(_mm256_set1_ps(kTwoPi), unit_open8(w.pattern1 + j)));
    __m256 r2;
    if (pattern == Pattern::GaussianEllipse) {
      alignas(32) float u[8], g[8];
      _mm256_store_ps(u, u0);
      for (int i = 0; i < 8; ++i) g[i] = -2.0f * logf(u[i]);
      r2 = _mm256_load_ps(g);
    } else if (pattern == Pattern::Ring) {
      r2 = _mm256_add_ps(_mm256_set1_ps(ri2), _mm256_mul_ps(u0, _mm256_set1_ps(1.0f - ri2)));
    } else {
      r2 = u0;
    }
    _mm256_store_ps(radius + j, _mm256_sqrt_ps(r2));
  }
}

// Step 6, the pattern angle's sine and cosine: sincos_fixed (sincos.h) of
// every lane, four lanes per vector of doubles. The one function compiled with "fma": it has no multiply followed
// by an add other than its explicit fused ones (the same as glibc's), so
// allowing FMA changes nothing the compiler could contract.
__attribute__((target("avx2,fma"))) inline void sincos_avx2(const float* angle, float* sin_t, float* cos_t) {
  const SincosTable& t0 = kSincosTable[0];
  const SincosTable& t1 = kSincosTable[1];
  for (std::uint32_t j = 0; j < kDepositBlock; j += 4) {
    const __m128 y = _mm_load_ps(angle + j);
    const __m128i top = _mm_and_si128(_mm_srli_epi32(_mm_castps_si128(y), 20), _mm_set1_epi32(0x7ff));
    const __m128i reduce = _mm_cmpgt_epi32(top, _mm_set1_epi32(kSincosReduceTop));
    const __m128i tiny = _mm_cmpgt_epi32(_mm_set1_epi32(kSincosTinyTop + 1), top);
    const __m128i large = _mm_cmpgt_epi32(top, _mm_set1_epi32(kSincosLargeTop));
    __m256d x = _mm256_cvtps_pd(y);
    // n: nearest integer to y 2/pi, 0 where no reduction; x = y - n pi/2 (one rounding)
    __m128i n = _mm256_cvttpd_epi32(_mm256_mul_pd(x, _mm256_set1_pd(t0.hpi_inv)));
    n = _mm_and_si128(_mm_srai_epi32(_mm_add_epi32(n, _mm_set1_epi32(0x800000)), 24), reduce);
    x = _mm256_fnmadd_pd(_mm256_cvtepi32_pd(n), _mm256_set1_pd(t0.hpi), x);
    // quadrant: sign[n & 3] is -1 for n & 3 in {1, 2}, table [1] where n & 2
    const __m128i two = _mm_set1_epi32(2);
    const __m256d minus = _mm256_castsi256_pd(
        _mm256_cvtepi32_epi64(_mm_cmpeq_epi32(_mm_and_si128(_mm_add_epi32(n, _mm_set1_epi32(1)), two), two)));
    const __m256d second = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(_mm_and_si128(n, two), two)));
#define REMNANT_SINCOS_K(f) _mm256_blendv_pd(_mm256_set1_pd(t0.f), _mm256_set1_pd(t1.f), second)
    const __m256d s = _mm256_blendv_pd(_mm256_set1_pd(1.0), _mm256_set1_pd(-1.0), minus);
    const __m256d xs = _mm256_mul_pd(x, s), x2 = _mm256_mul_pd(x, x);
    const __m256d a0 = _mm256_fmadd_pd(x2, REMNANT_SINCOS_K(s3), REMNANT_SINCOS_K(s2));
    const __m256d a1 = _mm256_fmadd_pd(x2, REMNANT_SINCOS_K(c4), REMNANT_SINCOS_K(c3));
    const __m256d x3 = _mm256_mul_pd(x2, xs), x4 = _mm256_mul_pd(x2, x2);
    const __m256d x5 = _mm256_mul_pd(x2, x3), x6 = _mm256_mul_pd(x2, x4);
    const __m256d b0 = _mm256_fmadd_pd(x2, REMNANT_SINCOS_K(c1), REMNANT_SINCOS_K(c0));
    const __m256d v0 = _mm256_fmadd_pd(x3, REMNANT_SINCOS_K(s1), xs);
    const __m256d v1 = _mm256_fmadd_pd(x4, REMNANT_SINCOS_K(c2), b0);
    const __m128 r0 = _mm256_cvtpd_ps(_mm256_fmadd_pd(a0, x5, v0));
    const __m128 r1 = _mm256_cvtpd_ps(_mm256_fmadd_pd(a1, x6, v1));
#undef REMNANT_SINCOS_K
    // odd quadrants swap sine and cosine; tiny angles: sin = y, cos = 1
    const __m128 odd = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(n, _mm_set1_epi32(1)), _mm_set1_epi32(1)));
    const __m128 is_tiny = _mm_castsi128_ps(tiny);
    _mm_store_ps(sin_t + j, _mm_blendv_ps(_mm_blendv_ps(r0, r1, odd), y, is_tiny));
    _mm_store_ps(cos_t + j, _mm_blendv_ps(_mm_blendv_ps(r1, r0, odd), _mm_set1_ps(1.0f), is_tiny));
    if (_mm_movemask_ps(_mm_castsi128_ps(large)))  // never for pattern angles (below 2 pi)
      for (std::uint32_t i = j; i < j + 4; ++i) sincos_fixed(angle[i], sin_t + i, cos_t + i);
  }
}

inline bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

// raster_index (physics.h) of eight points: the same comparisons (ordered:
// NaN is outside), divisions and conversions, lane by lane.
__attribute__((target("avx2"), always_inline)) inline __m256i raster_index8(float dx, std::uint32_t nx,
                                                                            std::uint32_t ny, std::uint32_t stride,
                                                                            __m256 x, __m256 y) {
  const __m256 d = _mm256_set1_ps(dx), zero = _mm256_setzero_ps();
  const __m256 nx_f = _mm256_set1_ps(static_cast<float>(nx)), ny_f = _mm256_set1_ps(static_cast<float>(ny));
  const __m256i nx_i = _mm256_set1_epi32(static_cast<int>(nx)), ny_i = _mm256_set1_epi32(static_cast<int>(ny));
  const __m256 fx = _mm256_div_ps(x, d), fy = _mm256_div_ps(y, d);
  const __m256 inside = _mm256_and_ps(
      _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GE_OQ), _mm256_cmp_ps(y, zero, _CMP_GE_OQ)),
      _mm256_and_ps(_mm256_cmp_ps(fx, nx_f, _CMP_LT_OQ), _mm256_cmp_ps(fy, ny_f, _CMP_LT_OQ)));
  const __m256i ix = _mm256_cvttps_epi32(_mm256_and_ps(inside, fx));
  const __m256i iy = _mm256_cvttps_epi32(_mm256_and_ps(inside, fy));
  const __m256i ok = _mm256_and_si256(_mm256_castps_si256(inside),
                                      _mm256_and_si256(_mm256_cmpgt_epi32(nx_i, ix), _mm256_cmpgt_epi32(ny_i, iy)));
  const __m256i index = _mm256_add_epi32(_mm256_mullo_epi32(iy, _mm256_set1_epi32(static_cast<int>(stride))), ix);
  return _mm256_or_si256(index, _mm256_andnot_si256(ok, _mm256_set1_epi32(-1)));  // kNoCell
}

// Steps 6-10 and 14 (physics.h): landing_point (deposit.h), its cell and its
// bit of the hazard raster (hazard_bit_index, used if the item is a dud) of
// every lane.
__attribute__((target("avx2"))) inline void landing_avx2(const GridView& grid, const CarrierRun& run,
                                                         const float* radius, const float* cos_t, const float* sin_t,
                                                         const BlockWords& w, float* at_x, float* at_y,
                                                         std::uint32_t* cell, std::uint32_t* hazard_bit) {
  const bool gaussian = run.pattern == Pattern::GaussianEllipse;
  const __m256 half_a = _mm256_set1_ps(0.5f * run.a_major), half_b = _mm256_set1_ps(0.5f * run.b_minor);
  const __m256 a = _mm256_set1_ps(run.a_major), b = _mm256_set1_ps(run.b_minor);
  const __m256 sin_h = _mm256_set1_ps(run.sin_h), cos_h = _mm256_set1_ps(run.cos_h);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 vt_min = _mm256_set1_ps(run.vt_min), vt_range = _mm256_set1_ps(run.vt_max - run.vt_min);
  const __m256 height = _mm256_set1_ps(run.height);
  const __m256 wind_x = _mm256_set1_ps(run.wind_x), wind_y = _mm256_set1_ps(run.wind_y);
  const __m256 aim_x = _mm256_set1_ps(run.aim.x), aim_y = _mm256_set1_ps(run.aim.y);
  const HazardRaster& h = grid.hazard;
  for (std::uint32_t j = 0; j < kDepositBlock; j += 8) {
    const __m256 r = _mm256_load_ps(radius + j), c = _mm256_load_ps(cos_t + j), s = _mm256_load_ps(sin_t + j);
    // pattern_polar
    const __m256 ox = gaussian ? _mm256_mul_ps(half_b, _mm256_mul_ps(r, c)) : _mm256_mul_ps(_mm256_mul_ps(b, r), c);
    const __m256 oy = gaussian ? _mm256_mul_ps(half_a, _mm256_mul_ps(r, s)) : _mm256_mul_ps(_mm256_mul_ps(a, r), s);
    // rotate_by_heading: (ox c + oy s, -ox s + oy c)
    const __m256 ex = _mm256_add_ps(_mm256_mul_ps(ox, cos_h), _mm256_mul_ps(oy, sin_h));
    const __m256 ey = _mm256_add_ps(_mm256_mul_ps(_mm256_xor_ps(ox, sign), sin_h), _mm256_mul_ps(oy, cos_h));
    // fall_time, wind_drift
    const __m256 vt = _mm256_add_ps(vt_min, _mm256_mul_ps(unit_open8(w.fall0 + j), vt_range));
    const __m256 t_fall = _mm256_div_ps(height, vt);
    const __m256 x = _mm256_add_ps(_mm256_add_ps(aim_x, ex), _mm256_mul_ps(wind_x, t_fall));
    const __m256 y = _mm256_add_ps(_mm256_add_ps(aim_y, ey), _mm256_mul_ps(wind_y, t_fall));
    _mm256_store_ps(at_x + j, x);
    _mm256_store_ps(at_y + j, y);
    // landing_cell_index and hazard_bit_index
    _mm256_store_si256(reinterpret_cast<__m256i*>(cell + j), raster_index8(grid.dx, grid.nx, grid.ny, grid.nx, x, y));
    _mm256_store_si256(reinterpret_cast<__m256i*>(hazard_bit + j),
                       raster_index8(h.dx, h.nx, h.ny, h.words * 64u, x, y));
  }
}

#endif  // REMNANT_X86_SIMD

// Steps 10-13 (physics.h) for a whole task: its increments gathered by cell before they go to
// the grids. The items of one carrier land close together (at 1 km cells,
// mostly in one to four cells), and an atomic increment costs far more than
// an add (it waits for the store queue to drain), so each cell's impacts and
// duds are counted here and added to the grids with one atomic add per cell
// when its slot is needed for another cell or the task ends. A slot also
// keeps the cell's failure probability (or that it is water), so an item that
// finds its cell here reads no grid table. Integer sums: the grids end the
// same whatever is gathered. The failure probability is computed exactly as
// deposit_item computes it, and the item is a dud when its uniform is below
// it, as in deposit_item.
class PendingCells {
 public:
  static constexpr std::uint32_t kSlots = 64;  // direct-mapped by a hash of the cell

  // Which slots hold something is kept in a bit mask, so that a task of a
  // small carrier (88 items) neither clears nor scans the slots it never used.
  PendingCells(const GridView& grid, const CarrierRun& run) : grid_(grid), run_(run) {}
  ~PendingCells() {
    for (std::uint64_t m = used_; m; m &= m - 1) flush(slots_[__builtin_ctzll(m)]);
    for (std::uint32_t m = hazard_used_; m; m &= m - 1) flush_hazard(hazard_[__builtin_ctz(m)]);
  }

  // An item landed in `cell` (kNoCell: outside the grid), on bit
  // `hazard_bit` of the hazard raster (hazard_bit_index), with its Failure
  // uniform.
  void add(std::uint32_t cell, std::uint32_t hazard_bit, float u_failure, Tally& tally) {
    if (cell == kNoCell) {
      ++tally.outside;
      return;
    }
    const std::uint32_t i = (cell * 0x9E3779B1u) >> 26;  // Fibonacci hashing: top 6 bits
    Slot& s = slots_[i];
    const std::uint64_t bit = std::uint64_t(1) << i;
    if (!(used_ & bit) || s.cell != cell) {
      if (used_ & bit) flush(s);
      used_ |= bit;
      s.cell = cell;
      s.impacts = 0;
      s.duds = 0;
      s.p = grid_.land_cover[cell] == static_cast<std::uint8_t>(LandCover::Water)
                ? kWater
                : failure_probability(run_.rate, grid_.failure_multiplier[cell], run_.sd_failure);
    }
    if (s.p == kWater) {
      ++tally.in_water;
      return;
    }
    ++s.impacts;
    if (!is_dud(s.p, u_failure)) return;
    ++s.duds;
    ++tally.duds;
    mark_hazard(hazard_bit);
  }

 private:
  static constexpr float kWater = -1.0f;  // not a probability
  struct Slot {
    std::uint32_t cell, impacts, duds;
    float p;  // failure probability in the cell, or kWater
  };
  void flush(const Slot& s) const {
    if (s.impacts == 0) return;
    if (run_.impacts) atomic_add_u32(&run_.impacts[s.cell], s.impacts);  // none kept by the dud-only pass
    if (s.duds) atomic_add_u32(&run_.duds[s.cell], s.duds);
  }
  // Step 14 (physics.h), gathered the same way: the bits of a hazard word
  // are or-ed together in a slot (direct-mapped by a hash of the word, as
  // the cells are) and go to the raster with one atomic or when the slot is
  // needed for another word, or when the task ends. A carrier's duds fall in
  // a few dozen words of the raster (rows of 12.5 m pixels across its
  // footprint); one atomic per dud costs more than the rest of a dud's steps.
  static constexpr std::uint32_t kHazardSlots = 32;  // the hash takes the top 5 bits
  struct HazardSlot {
    std::uint32_t word;
    std::uint64_t bits;
  };
  void mark_hazard(std::uint32_t bit) {
    if (bit == kNoCell) return;
    const std::uint32_t word = bit >> 6;
    const std::uint32_t i = (word * 0x9E3779B1u) >> 27;
    HazardSlot& h = hazard_[i];
    const std::uint32_t used = 1u << i;
    if (!(hazard_used_ & used) || h.word != word) {
      if (hazard_used_ & used) flush_hazard(h);
      hazard_used_ |= used;
      h.word = word;
      h.bits = 0;
    }
    h.bits |= std::uint64_t(1) << (bit & 63u);
  }
  void flush_hazard(const HazardSlot& h) const { atomic_or_u64(&run_.hazard[h.word], h.bits); }
  const GridView& grid_;
  const CarrierRun& run_;
  Slot slots_[kSlots];
  std::uint64_t used_ = 0;
  HazardSlot hazard_[kHazardSlots];
  std::uint32_t hazard_used_ = 0;
};
static_assert(PendingCells::kSlots == 64, "the hash takes the top 6 bits");

// Which vector code a task's blocks use. kernel Auto uses AVX2 (and FMA for
// the sine and cosine) where the CPU has them, and AVX-512 for the random
// words where it has that too; Portable (and CPUs without) the same steps in
// plain loops.
struct BlockPath {
  bool avx2 = false, avx512 = false;
  explicit BlockPath(CpuKernel kernel) {
#if REMNANT_X86_SIMD
    static_assert(kDepositBlock % 8 == 0, "AVX2 steps take vectors of 8 items");
    avx2 = kernel == CpuKernel::Auto && cpu_has_avx2_fma();
    avx512 = avx2 && cpu_has_avx512f();
#else
    (void)kernel;
#endif
  }
};

// Steps 6-13 for the items item[0] .. item[n - 1] (n <= kDepositBlock; all
// kDepositBlock entries of item[] are item numbers, those past n drawn and
// never used) of the task's carrier. failure: their Failure words where the
// caller has drawn them (the dud-only pass), else null.
inline void deposit_block(const GridView& grid, const ItemKeys& keys, const CarrierRun& run, BlockPath path,
                          const std::uint32_t* item, const std::uint32_t* failure, std::uint32_t n,
                          PendingCells& pending, Tally& tally) {
  BlockWords w;
  alignas(32) float radius[kDepositBlock], angle[kDepositBlock], cos_t[kDepositBlock], sin_t[kDepositBlock];
  alignas(32) std::uint32_t cell[kDepositBlock], hazard_bit[kDepositBlock];
  if (failure)
    for (std::uint32_t i = 0; i < kDepositBlock; ++i) w.failure0[i] = failure[i];
  if (path.avx2) {
#if REMNANT_X86_SIMD
    if (path.avx512) {
      if (failure) block_words_avx512_q<2>(keys, run.r, run.s, run.c, item, w);
      else block_words_avx512(keys, run.r, run.s, run.c, item, w);
    } else {
      if (failure) block_words_avx2_q<2>(keys, run.r, run.s, run.c, item, w);
      else block_words_avx2(keys, run.r, run.s, run.c, item, w);
    }
    radius_angle_avx2(run.pattern, run.ring_inner, w, radius, angle);
    sincos_avx2(angle, sin_t, cos_t);
    alignas(32) float at_x[kDepositBlock], at_y[kDepositBlock];  // the points themselves: not needed past the indices
    landing_avx2(grid, run, radius, cos_t, sin_t, w, at_x, at_y, cell, hazard_bit);
#endif
  } else {
    block_words_portable(keys, run.r, run.s, run.c, item, n, w, failure == nullptr);
    for (std::uint32_t i = 0; i < n; ++i) {
      radius[i] = pattern_radius(run.pattern, run.ring_inner, to_unit_open(w.pattern0[i]));
      angle[i] = pattern_angle(to_unit_open(w.pattern1[i]));
    }
    for (std::uint32_t i = 0; i < n; ++i) pattern_sincos(angle[i], &sin_t[i], &cos_t[i]);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Vec2 at = landing_point(run, radius[i], cos_t[i], sin_t[i], to_unit_open(w.fall0[i]));
      cell[i] = landing_cell_index(grid, at.x, at.y);
      hazard_bit[i] = hazard_bit_index(grid.hazard, at.x, at.y);
    }
  }
  for (std::uint32_t i = 0; i < n; ++i) pending.add(cell[i], hazard_bit[i], to_unit_open(w.failure0[i]), tally);
}

// The dud-only pass (run.impacts null, RunTables::duds_only): the task's
// items whose Failure uniform is below run.p_max, the failure probability in
// the cell of the largest multiplier, are the only ones that can be duds
// (failure_probability is non-decreasing in the multiplier, in float too).
// The Failure words of each block are drawn first; the candidates are
// gathered with their words, kDepositBlock at a time, and only they are
// placed, by deposit_block (which draws their Pattern and Fall words, not the
// Failure words again): the same draws and arithmetic as the full pass, so
// every dud lands where it lands there, and the items that cannot fail are
// never placed.
inline void deposit_candidates(const GridView& grid, const ItemKeys& keys, const CarrierRun& run, BlockPath path,
                               PendingCells& pending, Tally& tally) {
  alignas(64) std::uint32_t candidate[2 * kDepositBlock], candidate_word[2 * kDepositBlock];
  constexpr std::uint32_t kScan = kScanBlocks * kDepositBlock;  // items whose Failure words are drawn at once
  alignas(64) std::uint32_t failure[kScan];
  const std::uint32_t threshold = failure_threshold(run.p_max);
  std::uint32_t count = 0;
  for (std::uint32_t k = run.k0; k < run.k1; k += kScan) {
    const std::uint32_t scanned = run.k1 - k < kScan ? run.k1 - k : kScan;
    if (path.avx2) {
#if REMNANT_X86_SIMD
      if (path.avx512)
        failure_words_avx512(keys.failure, run.r, run.s, run.c, k, failure);
      else
        for (std::uint32_t b = 0; b < scanned; b += kDepositBlock)
          failure_words_avx2(keys.failure, run.r, run.s, run.c, k + b, failure + b);
#endif
    } else {
      failure_words_portable(keys.failure, run.r, run.s, run.c, k, scanned, failure);
    }
    for (std::uint32_t b = 0; b < scanned; b += kDepositBlock) {
      const std::uint32_t n = scanned - b < kDepositBlock ? scanned - b : kDepositBlock;
#if REMNANT_X86_SIMD
      if (path.avx512)
        count += compact_candidates_avx512(failure + b, k + b, n, threshold, candidate + count, candidate_word + count);
      else
#endif
        count += compact_candidates(failure + b, k + b, n, threshold, candidate + count, candidate_word + count);
      if (count >= kDepositBlock) {
        deposit_block(grid, keys, run, path, candidate, candidate_word, kDepositBlock, pending, tally);
        count -= kDepositBlock;
        for (std::uint32_t i = 0; i < count; ++i) {
          candidate[i] = candidate[kDepositBlock + i];
          candidate_word[i] = candidate_word[kDepositBlock + i];
        }
      }
    }
  }
  if (count == 0) return;
  for (std::uint32_t i = count; i < kDepositBlock; ++i) {  // drawn, not used
    candidate[i] = candidate[0];
    candidate_word[i] = candidate_word[0];
  }
  deposit_block(grid, keys, run, path, candidate, candidate_word, count, pending, tally);
}

// The items [run.k0, run.k1) of one task, block by block: every item, or in
// the dud-only pass (run.impacts null) the candidates only.
inline void deposit_blocked(const GridView& grid, const ItemKeys& keys, const CarrierRun& run, CpuKernel kernel,
                            Tally& tally) {
  const BlockPath path(kernel);
  PendingCells pending(grid, run);
  if (!run.impacts) {
    deposit_candidates(grid, keys, run, path, pending, tally);
    return;
  }
  for (std::uint32_t k = run.k0; k < run.k1; k += kDepositBlock) {
    const std::uint32_t n = run.k1 - k < kDepositBlock ? run.k1 - k : kDepositBlock;
    deposit_block(grid, keys, run, path, ConsecutiveItems(k).item, nullptr, n, pending, tally);
  }
}

}  // namespace remnant
