// The CPU backend's deposit paths give the same bits: the blocked loop with
// AVX-512 or AVX2 random words and AVX2 arithmetic (CpuKernel::Auto), the same
// blocks without vector instructions (Portable) and the one-item-at-a-time loop that the CUDA
// backend runs (PerItem). Also: the plain-integer Philox of the blocked loop
// is Random123's Philox4x32-10 word for word, and its block words are the
// words uniforms() draws one item at a time.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "kernels/deposit_block.h"
#include "kernels/rng.h"
#include "test_support.h"

namespace remnant {
namespace {

TEST(KernelPaths, PlainPhiloxIsRandom123Philox) {
  HostDrawStream pick(make_key(5, Stream::Site), 0, 0);
  auto word = [&] { return static_cast<std::uint32_t>(pick.next() * 4294967296.0); };
  for (int i = 0; i < 20000; ++i) {
    const RngKey key{word(), word()};
    std::uint32_t c0 = word(), c1 = word(), c2 = word(), c3 = word();
    r123::Philox4x32 ref;
    const auto expected = ref(r123::Philox4x32::ctr_type{{c0, c1, c2, c3}}, r123::Philox4x32::key_type{{key.k0, key.k1}});
    philox4x32_10(c0, c1, c2, c3, key.k0, key.k1);
    ASSERT_EQ(c0, expected[0]) << "draw " << i;
    ASSERT_EQ(c1, expected[1]) << "draw " << i;
    ASSERT_EQ(c2, expected[2]) << "draw " << i;
    ASSERT_EQ(c3, expected[3]) << "draw " << i;
  }
}

enum class Words { Portable, Avx2, Avx512 };

// With failure false (the dud-only pass's candidates, whose Failure words are
// drawn already), the Pattern and Fall words alone, failure0 left as it was.
void expect_block_words_are_item_draws(Words words) {
  const ItemKeys keys{make_key(11, Stream::Pattern), make_key(11, Stream::Fall), make_key(11, Stream::Failure)};
  constexpr std::uint32_t kUntouched = 0xDEADBEEFu;
  for (const bool failure : {true, false})
    for (std::uint32_t k : {0u, 16u, 1000000u - 16u}) {
      BlockWords w;
      for (std::uint32_t& x : w.failure0) x = kUntouched;
      const ConsecutiveItems items(k);
#if REMNANT_X86_SIMD
      if (words == Words::Avx512) {
        if (failure) block_words_avx512(keys, 7, 4242, 513, k, w);
        else block_words_avx512_q<2>(keys, 7, 4242, 513, items.item, w);
      } else if (words == Words::Avx2) {
        if (failure) block_words_avx2(keys, 7, 4242, 513, k, w);
        else block_words_avx2_q<2>(keys, 7, 4242, 513, items.item, w);
      } else
#endif
      {
        if (failure) block_words_portable(keys, 7, 4242, 513, k, kDepositBlock, w);
        else block_words_portable(keys, 7, 4242, 513, items.item, kDepositBlock, w, false);
      }
      for (std::uint32_t i = 0; i < kDepositBlock; ++i) {
        const auto p = philox(keys.pattern, 7, 4242, 513, k + i, 0);
        EXPECT_EQ(w.pattern0[i], p[0]) << "item " << k + i;
        EXPECT_EQ(w.pattern1[i], p[1]) << "item " << k + i;
        EXPECT_EQ(w.fall0[i], philox(keys.fall, 7, 4242, 513, k + i, 0)[0]) << "item " << k + i;
        EXPECT_EQ(w.failure0[i], failure ? philox(keys.failure, 7, 4242, 513, k + i, 0)[0] : kUntouched)
            << "item " << k + i << (failure ? "" : ": a Failure word drawn where the caller gave it");
        EXPECT_EQ(to_unit_open(w.pattern0[i]), uniforms(keys.pattern, 7, 4242, 513, k + i).u[0]);
      }
    }
}

// One test per instruction set, so that a CPU without AVX-512 reports the
// AVX-512 words as skipped and the others as passed.
TEST(KernelPaths, BlockWordsArePerItemDrawsPortable) { expect_block_words_are_item_draws(Words::Portable); }

TEST(KernelPaths, BlockWordsArePerItemDrawsAvx2) {
#if REMNANT_X86_SIMD
  if (!cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2";
  expect_block_words_are_item_draws(Words::Avx2);
#else
  GTEST_SKIP() << "built without the x86 vector paths";
#endif
}

TEST(KernelPaths, BlockWordsArePerItemDrawsAvx512) {
#if REMNANT_X86_SIMD
  if (!cpu_has_avx512f()) GTEST_SKIP() << "this CPU has no AVX-512";
  expect_block_words_are_item_draws(Words::Avx512);
#else
  GTEST_SKIP() << "built without the x86 vector paths";
#endif
}

#if REMNANT_X86_SIMD
// The AVX2 steps against the scalar functions they stand for, bit for bit:
// radius and angle compared as floats, landing cells on a grid of 1 um cells
// around points a few metres from its corner, where one unit in the last
// place of a coordinate moves the item by about half a cell, so any
// difference in rounding shows as a different cell.
TEST(KernelPaths, VectorStepsMatchTheScalarFunctionsBitForBit) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2";
  HostDrawStream pick(make_key(77, Stream::Site), 0, 0);
  auto uniform = [&](double lo, double hi) { return static_cast<float>(lo + (hi - lo) * pick.next()); };
  std::vector<std::uint8_t> land(1, 1);
  std::vector<float> multiplier(1, 1.0f);
  GridView grid;
  grid.nx = 12'000'000;  // indices wrap in 32 bits: both paths do the same wrapping arithmetic
  grid.ny = 12'000'000;
  grid.dx = 1e-6f;
  grid.land_cover = land.data();
  grid.failure_multiplier = multiplier.data();
  // The hazard raster's pixels, at another pitch than the cells (its bits
  // are computed with the cells by the same vector code).
  grid.hazard.nx = 17'000'000;
  grid.hazard.ny = 17'000'000;
  grid.hazard.words = (grid.hazard.nx + 63) / 64;
  grid.hazard.dx = 0.7e-6f;
  const ItemKeys keys{make_key(3, Stream::Pattern), make_key(3, Stream::Fall), make_key(3, Stream::Failure)};
  int outside = 0, inside = 0;
  for (std::uint32_t carrier = 0; carrier < 3000; ++carrier) {
    CarrierRun run{};
    run.r = carrier % 5;
    run.s = carrier / 5;
    run.c = carrier;
    run.pattern = static_cast<Pattern>(carrier % 3);
    run.a_major = uniform(0.5, 3.0);
    run.b_minor = uniform(0.2, 2.0);
    run.ring_inner = uniform(0.0, 0.9);
    const float heading = uniform(0.0, 6.3);
    run.sin_h = sinf(heading);
    run.cos_h = cosf(heading);
    run.height = uniform(1.0, 20.0);
    run.vt_min = uniform(20.0, 30.0);
    run.vt_max = run.vt_min + uniform(0.0, 20.0);
    run.wind_x = uniform(-2.0, 2.0);
    run.wind_y = uniform(-2.0, 2.0);
    run.aim = Vec2{uniform(0.5, 11.5), uniform(0.5, 11.5)};  // near the edges too
    BlockWords w;
    block_words_avx2(keys, run.r, run.s, run.c, 16 * carrier, w);
    alignas(32) float radius[kDepositBlock], angle[kDepositBlock], cos_t[kDepositBlock], sin_t[kDepositBlock];
    alignas(32) std::uint32_t cell[kDepositBlock], hazard_bit[kDepositBlock];
    alignas(32) float at_x[kDepositBlock], at_y[kDepositBlock];
    radius_angle_avx2(run.pattern, run.ring_inner, w, radius, angle);
    for (std::uint32_t i = 0; i < kDepositBlock; ++i) {
      const float r = pattern_radius(run.pattern, run.ring_inner, to_unit_open(w.pattern0[i]));
      const float t = pattern_angle(to_unit_open(w.pattern1[i]));
      ASSERT_EQ(std::memcmp(&r, &radius[i], sizeof r), 0) << "radius, carrier " << carrier << " item " << i;
      ASSERT_EQ(std::memcmp(&t, &angle[i], sizeof t), 0) << "angle, carrier " << carrier << " item " << i;
      cos_t[i] = cosf(t);
      sin_t[i] = sinf(t);
    }
    landing_avx2(grid, run, radius, cos_t, sin_t, w, at_x, at_y, cell, hazard_bit);
    for (std::uint32_t i = 0; i < kDepositBlock; ++i) {
      const Vec2 at = landing_point(run, radius[i], cos_t[i], sin_t[i], to_unit_open(w.fall0[i]));
      ASSERT_EQ(std::memcmp(&at.x, &at_x[i], sizeof at.x), 0) << "x, carrier " << carrier << " item " << i;
      ASSERT_EQ(std::memcmp(&at.y, &at_y[i], sizeof at.y), 0) << "y, carrier " << carrier << " item " << i;
      const std::uint32_t expected = landing_cell_index(grid, at.x, at.y);
      ASSERT_EQ(cell[i], expected) << "carrier " << carrier << " item " << i;
      ASSERT_EQ(hazard_bit[i], hazard_bit_index(grid.hazard, at.x, at.y)) << "hazard bit, carrier " << carrier << " item " << i;
      (expected == kNoCell ? outside : inside) += 1;
    }
  }
  EXPECT_GT(inside, 1000);
  EXPECT_GT(outside, 100);  // items off every edge of the 12 m grid: the outside tests are exercised too
}
#endif

// Every pattern; carriers whose item counts are not multiples of the block
// (1, 17, 203) and one larger than a deposit task (2500 > 1024 items, cut
// into three tasks); water, items off the grid, slope-free multipliers above
// and below 1, a capped failure probability (built-up x 6 with a high rate)
// and a self-destruct.
const std::string kPaths =
    test::ScenarioText("kernel paths", 1, 12)
        .grid(70, 45, 15.0)
        .land_cover("grass_shrub")
        .region({0.0, 1050.0}, {300.0, 345.0}, "water")
        .region({700.0, 1050.0}, {450.0, 675.0}, "built_up")
        .wind({0.0, 12.0}, {0.0, 360.0})
        .multiplier("grass_shrub", 0.7)
        .multiplier("built_up", 6.0)
        .submunition(test::Submunition("A", {25.0, 45.0}, test::beta(6.0, 14.0)))
        .submunition(test::Submunition("B", {30.0, 30.0}, test::beta(2.0, 20.0)).self_destruct_failure(test::beta(4.0, 6.0)))
        .carrier(test::Carrier("uniform", "A", 2500, "air", "uniform_ellipse")
                     .footprint({150.0, 260.0}, {60.0, 120.0})
                     .aim_error_cep(90.0)
                     .function_height({300.0, 900.0}))
        .carrier(test::Carrier("ring", "B", 17, "artillery", "ring")
                     .footprint({40.0, 70.0}, {30.0, 50.0})
                     .ring_inner_fraction(0.5)
                     .aim_error_cep(60.0)
                     .function_height({200.0, 500.0}))
        .carrier(test::Carrier("gauss", "A", 203, "air", "gaussian_ellipse")
                     .footprint({90.0, 200.0}, {50.0, 100.0})
                     .aim_error_cep(120.0)
                     .function_height({100.0, 700.0}))
        .carrier(test::Carrier("single", "B", 1, "artillery", "uniform_ellipse")
                     .footprint({5.0, 10.0}, {5.0, 10.0})
                     .aim_error_cep(200.0)
                     .function_height({100.0, 200.0}))
        .strike(test::Strike("uniform", 3, 500.0, 330.0).heading(70.0, 30.0))
        .strike(test::Strike("ring", 40, 880.0, 560.0))
        .strike(test::Strike("gauss", 9, 1000.0, 100.0))
        .strike(test::Strike("single", 50, 150.0, 600.0))
        .text();

RunResult run_with(const Scenario& sc, const Plan& plan, CpuKernel kernel, int threads, std::uint32_t batch) {
  RunOptions opt;
  opt.realizations = 12;
  opt.seed = 4711;
  opt.backend = "cpu";
  opt.threads = threads;
  opt.batch = batch;
  opt.cpu_kernel = kernel;
  return run_ensemble(sc, plan, opt);
}

template <typename T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void expect_identical(const RunResult& a, const RunResult& b, const std::string& what) {
  ASSERT_EQ(a.totals.size(), b.totals.size()) << what;
  EXPECT_EQ(std::memcmp(a.totals.data(), b.totals.data(), a.totals.size() * sizeof(RealizationTotals)), 0)
      << what << ": per-realization totals differ";
  EXPECT_EQ(a.accumulators.histogram_bins, b.accumulators.histogram_bins) << what;
  EXPECT_TRUE(same_bytes(a.accumulators.dud_sum, b.accumulators.dud_sum)) << what << ": dud_sum differs";
  EXPECT_TRUE(same_bytes(a.accumulators.dud_sum_sq, b.accumulators.dud_sum_sq)) << what << ": dud_sum_sq differs";
  EXPECT_TRUE(same_bytes(a.accumulators.dud_nonzero, b.accumulators.dud_nonzero)) << what << ": dud_nonzero differs";
  EXPECT_TRUE(same_bytes(a.accumulators.impact_sum, b.accumulators.impact_sum)) << what << ": impact_sum differs";
  EXPECT_TRUE(same_bytes(a.accumulators.histogram, b.accumulators.histogram)) << what << ": histogram differs";
}

TEST(KernelPaths, BlockedVectorPortableAndPerItemLoopsGiveTheSameBits) {
  const Scenario sc = test::scenario_from(kPaths, "paths.toml");
  const Plan plan = make_plan(sc);
  const RunResult reference = run_with(sc, plan, CpuKernel::PerItem, 1, 5);
  // The reference has everything in it, or equality proves little.
  std::uint64_t duds = 0, water = 0, outside = 0, impacts = 0, hazard = 0;
  for (const RealizationTotals& t : reference.totals) {
    duds += t.duds;
    hazard += t.hazard_pixels;
    water += t.in_water;
    outside += t.outside_grid;
    impacts += t.impacts;
  }
  ASSERT_GT(duds, 0u);
  ASSERT_GT(water, 0u);
  ASSERT_GT(outside, 0u);
  ASSERT_GT(impacts - duds, 0u);
  ASSERT_GT(hazard, 0u);
  expect_identical(reference, run_with(sc, plan, CpuKernel::Portable, 1, 5), "portable blocks, 1 thread");
  expect_identical(reference, run_with(sc, plan, CpuKernel::Auto, 1, 5), "vector blocks, 1 thread");
  expect_identical(reference, run_with(sc, plan, CpuKernel::Auto, 2, 12), "vector blocks, 2 threads");
  expect_identical(reference, run_with(sc, plan, CpuKernel::PerItem, 2, 3), "per item, 2 threads");
}

}  // namespace
}  // namespace remnant
