// Throughput of the Monte Carlo engine, in submunitions simulated per second.
//
// The scenario is built in code (a TOML string through the normal loader, see
// bench_scenario.h) so the benchmark needs no input file: 1,002,864
// submunitions per realization on a 1000 x 1000 grid of 50 m cells, from M26
// rockets (uniform ellipse), M483A1 shells (ring) and CBU-87 bombs (gaussian
// ellipse), with water, a town and a wood on cropland.
//
// Benchmarks:
//   BM_OmpControl/threads:N    a trivially parallel OpenMP loop (no memory
//                              traffic, no atomics): the speed-up this machine
//                              can give at that moment. On a shared machine read
//                              the engine's 2-thread/1-thread ratio against it.
//   BM_CpuEnsemble/threads:N   run_ensemble(backend "cpu") end to end: engine
//                              setup (allocating and zeroing the accumulators),
//                              epistemic draws, the batch, read-back.
//   BM_CpuBatch/threads:N      Engine::run_batch alone (engine prepared and one
//                              batch run outside the timed region): the
//                              per-batch cost that a long run repeats.
//                              threads:0 (both): every core, the CPU side of
//                              bench/run_gpu_bench.sh's ratio.
//   BM_CudaEnsemble            run_ensemble(backend "cuda"); reported as an
//                              error (skipped) where no CUDA device is usable.
//   BM_CudaBatch               Engine::run_batch on the CUDA backend, steady
//                              state as BM_CpuBatch (same skip).
//   BM_Floor*                  the cost floor of one submunition on this CPU:
//                              its three Philox draws (scalar, AVX2, AVX-512),
//                              its sine and cosine (libm, vector), one
//                              increment (plain, atomic), and all of the
//                              per-item work of the blocked loop with one
//                              increment into an L1-resident array
//                              (BM_FloorItem): what no engine of this model
//                              can skip. docs/PERFORMANCE.md compares.
// The plan (scenario flattening, grid painting) is built once, outside every
// timed region. Items per second = submunitions fired x realizations.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_scenario.h"
#include "host/run/ensemble.h"
#include "kernels/deposit_block.h"
#include "host/run/plan.h"
#include "host/inputs/scenario.h"
#include "kernels/engine.h"

namespace {

constexpr std::uint32_t kRealizations = 4;  // per iteration
constexpr std::uint32_t kBatch = 4;
constexpr std::uint64_t kSeed = 20261123;

// Parsed and flattened once for the whole process, outside every timed region.
struct Fixture {
  remnant::Scenario scenario;
  remnant::Plan plan;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.scenario = remnant::parse_scenario(remnant_bench::scenario_toml(remnant_bench::kFull), "<bench_scenario.h>");
    x.plan = remnant::make_plan(x.scenario);
    return x;
  }();
  return f;
}

void set_counters(benchmark::State& state, const remnant::Plan& plan, std::uint32_t realizations) {
  const std::int64_t per_iteration = static_cast<std::int64_t>(plan.items_per_realization) * realizations;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * per_iteration);
  state.counters["submunitions/realization"] = static_cast<double>(plan.items_per_realization);
  state.counters["realizations/iter"] = static_cast<double>(realizations);
}

// Control: pure arithmetic, a static schedule (what libgomp gives Thrust's
// OpenMP for_each, whose `parallel for` names no schedule).
void BM_OmpControl(benchmark::State& state) {
  constexpr long kWork = 100'000'000;
  omp_set_num_threads(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) schedule(static)
    for (long i = 0; i < kWork; ++i) sum += static_cast<double>(i % 7) * 1e-9;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kWork);
}
BENCHMARK(BM_OmpControl)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void run_ensemble_bench(benchmark::State& state, const std::string& backend, int threads) {
  const Fixture& f = fixture();
  remnant::RunOptions opt;
  opt.realizations = kRealizations;
  opt.batch = kBatch;
  opt.seed = kSeed;
  opt.backend = backend;
  opt.threads = threads;
  std::uint64_t fired = 0;
  for (auto _ : state) {
    remnant::RunResult r = remnant::run_ensemble(f.scenario, f.plan, opt);
    benchmark::DoNotOptimize(r.totals.data());
    fired = r.fired_per_realization;
  }
  if (fired != f.plan.items_per_realization) {
    state.SkipWithError("run_ensemble reported an unexpected number of submunitions fired");
    return;
  }
  set_counters(state, f.plan, kRealizations);
}

void BM_CpuEnsemble(benchmark::State& state) {
  run_ensemble_bench(state, "cpu", static_cast<int>(state.range(0)));
}
// threads:0 = every core (OpenMP's default): the CPU side of the GPU ratio.
BENCHMARK(BM_CpuEnsemble)->ArgName("threads")->Arg(1)->Arg(2)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);

// The batch alone: the engine is prepared and the draws made outside the timed
// region; each iteration simulates and accumulates the same kRealizations
// realizations again (the accumulators keep growing, which costs the same).
// The OpenMP thread count is set by the caller.
void run_batch_bench(benchmark::State& state, std::unique_ptr<remnant::Engine> engine) {
  const Fixture& f = fixture();
  engine->prepare(f.plan.tables(kSeed), kBatch);
  const remnant::BatchDraws draws = remnant::draw_batch(f.scenario, f.plan, kSeed, 0, kRealizations);
  // One untimed batch first: it grows the per-cell histogram to the largest
  // count this scenario reaches (a one-time cost of a run, paid inside
  // BM_CpuEnsemble), so that every timed batch is the steady state.
  benchmark::DoNotOptimize(engine->run_batch(draws.view()).data());
  for (auto _ : state) {
    std::vector<remnant::RealizationTotals> t = engine->run_batch(draws.view());
    benchmark::DoNotOptimize(t.data());
  }
  set_counters(state, f.plan, kRealizations);
}

void BM_CpuBatch(benchmark::State& state) {
  omp_set_num_threads(state.range(0) > 0 ? static_cast<int>(state.range(0)) : omp_get_num_procs());
  run_batch_bench(state, remnant::cpu::make_engine());
}
BENCHMARK(BM_CpuBatch)->ArgName("threads")->Arg(1)->Arg(2)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);

bool cuda_or_skip(benchmark::State& state) {
  std::string why;
  if (remnant::cuda::device_usable(&why)) return true;
  state.SkipWithError(("no usable CUDA device: " + why).c_str());
  return false;
}

void BM_CudaEnsemble(benchmark::State& state) {
  if (!cuda_or_skip(state)) return;
  run_ensemble_bench(state, "cuda", 0);
}
BENCHMARK(BM_CudaEnsemble)->UseRealTime()->Unit(benchmark::kMillisecond);

// The batch alone on the GPU, as BM_CpuBatch: host <-> device copies of the
// batch's draws and totals included, the grids stay on the device.
void BM_CudaBatch(benchmark::State& state) {
  if (!cuda_or_skip(state)) return;
  run_batch_bench(state, remnant::cuda::make_engine());
}
BENCHMARK(BM_CudaBatch)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- the floor
// One thread, items in blocks of 16 as the engine draws them; items/s counts
// submunitions. Carriers of 1024 items.
constexpr std::uint32_t kFloorItems = 1u << 20;
const remnant::ItemKeys kFloorKeys{remnant::make_key(1, remnant::Stream::Pattern),
                                   remnant::make_key(1, remnant::Stream::Fall),
                                   remnant::make_key(1, remnant::Stream::Failure)};

void floor_counters(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kFloorItems);
}

// Three Philox4x32-10 calls per item, one item after the other (the words
// the engine uses of them: 2 + 1 + 1).
void BM_FloorPhiloxScalar(benchmark::State& state) {
  remnant::BlockWords w;
  for (auto _ : state) {
    for (std::uint32_t k = 0; k < kFloorItems; k += remnant::kDepositBlock) {
      remnant::block_words_portable(kFloorKeys, 0, 1, k >> 10, k & 1023, remnant::kDepositBlock, w);
      benchmark::DoNotOptimize(w);
    }
  }
  floor_counters(state);
}
BENCHMARK(BM_FloorPhiloxScalar)->Unit(benchmark::kMillisecond);

#if REMNANT_X86_SIMD
template <void (*kWords)(const remnant::ItemKeys&, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t,
                         remnant::BlockWords&)>
void floor_vector_words(benchmark::State& state, bool available) {
  if (!available) return state.SkipWithError("this CPU lacks the instructions");
  remnant::BlockWords w;
  for (auto _ : state) {
    for (std::uint32_t k = 0; k < kFloorItems; k += remnant::kDepositBlock) {
      kWords(kFloorKeys, 0, 1, k >> 10, k & 1023, w);
      benchmark::DoNotOptimize(w);
    }
  }
  floor_counters(state);
}
void BM_FloorPhiloxAvx2(benchmark::State& state) {
  floor_vector_words<remnant::block_words_avx2>(state, remnant::cpu_has_avx2());
}
BENCHMARK(BM_FloorPhiloxAvx2)->Unit(benchmark::kMillisecond);
void BM_FloorPhiloxAvx512(benchmark::State& state) {
  floor_vector_words<remnant::block_words_avx512>(state, remnant::cpu_has_avx512f());
}
BENCHMARK(BM_FloorPhiloxAvx512)->Unit(benchmark::kMillisecond);
#endif

// Pattern angles spread over (0, 2 pi), as the engine draws them.
std::vector<float> floor_angles() {
  std::vector<float> a(kFloorItems);
  for (std::uint32_t k = 0; k < kFloorItems; ++k)
    a[k] = remnant::pattern_angle(remnant::to_unit_open((k * 2654435761u) & ~0x1FFu));
  return a;
}

void BM_FloorSincosLibm(benchmark::State& state) {
  const std::vector<float> a = floor_angles();
  for (auto _ : state) {
    float s = 0.0f, c = 0.0f, sum = 0.0f;
    for (float t : a) {
      sincosf(t, &s, &c);
      sum += s + c;
    }
    benchmark::DoNotOptimize(sum);
  }
  floor_counters(state);
}
BENCHMARK(BM_FloorSincosLibm)->Unit(benchmark::kMillisecond);

#if REMNANT_X86_SIMD
void BM_FloorSincosVector(benchmark::State& state) {
  if (!remnant::cpu_has_avx2_fma()) return state.SkipWithError("no AVX2 and FMA on this CPU");
  const std::vector<float> a = floor_angles();
  alignas(32) float s[remnant::kDepositBlock], c[remnant::kDepositBlock];
  for (auto _ : state) {
    for (std::uint32_t k = 0; k < kFloorItems; k += remnant::kDepositBlock) {
      remnant::sincos_avx2(a.data() + k, s, c);
      benchmark::DoNotOptimize(s);
      benchmark::DoNotOptimize(c);
    }
  }
  floor_counters(state);
}
BENCHMARK(BM_FloorSincosVector)->Unit(benchmark::kMillisecond);
#endif

// One increment per item into a 4 KiB array (always in L1), plain or atomic
// (relaxed, what the engine uses), at scattered positions.
template <bool kAtomic>
void BM_FloorIncrement(benchmark::State& state) {
  std::vector<std::uint32_t> grid(1024, 0u);
  for (auto _ : state) {
    for (std::uint32_t k = 0; k < kFloorItems; ++k) {
      std::uint32_t* cell = &grid[(k * 2654435761u) >> 22];
      if (kAtomic)
        remnant::atomic_add_u32(cell, 1u);
      else
        *cell += 1u;
    }
    benchmark::DoNotOptimize(grid.data());
  }
  floor_counters(state);
}
BENCHMARK_TEMPLATE(BM_FloorIncrement, false)->Name("BM_FloorIncrementPlain")->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_FloorIncrement, true)->Name("BM_FloorIncrementAtomic")->Unit(benchmark::kMillisecond);

#if REMNANT_X86_SIMD
// All of a submunition's own work in the blocked loop: its three draws
// (AVX-512 or AVX2), uniform-ellipse radius and angle, sine and cosine,
// offset, rotation, fall, drift, landing cell, and one plain increment of an
// L1-resident counter. No grid tables, no atomics, no carrier work.
void BM_FloorItem(benchmark::State& state) {
  if (!remnant::cpu_has_avx2_fma()) return state.SkipWithError("no AVX2 and FMA on this CPU");
  std::vector<std::uint8_t> land(1, 4);
  std::vector<float> multiplier(1, 1.0f);
  remnant::GridView grid;
  grid.nx = 1000;
  grid.ny = 1000;
  grid.dx = 50.0f;
  grid.land_cover = land.data();
  grid.failure_multiplier = multiplier.data();
  remnant::CarrierRun run{};
  run.pattern = remnant::Pattern::UniformEllipse;
  run.a_major = 200.0f;
  run.b_minor = 100.0f;
  run.sin_h = 0.5f;
  run.cos_h = 0.8660254f;
  run.height = 500.0f;
  run.vt_min = 30.0f;
  run.vt_max = 50.0f;
  run.wind_x = 3.0f;
  run.wind_y = -2.0f;
  run.aim = remnant::Vec2{25000.0f, 25000.0f};
  std::vector<std::uint32_t> counts(1024, 0u);
  const bool avx512 = remnant::cpu_has_avx512f();
  for (auto _ : state) {
    for (std::uint32_t k = 0; k < kFloorItems; k += remnant::kDepositBlock) {
      remnant::BlockWords w;
      alignas(32) float radius[remnant::kDepositBlock], angle[remnant::kDepositBlock];
      alignas(32) float sin_t[remnant::kDepositBlock], cos_t[remnant::kDepositBlock];
      alignas(32) std::uint32_t cell[remnant::kDepositBlock], hazard_bit[remnant::kDepositBlock];
      alignas(32) float at_x[remnant::kDepositBlock], at_y[remnant::kDepositBlock];
      if (avx512)
        remnant::block_words_avx512(kFloorKeys, 0, 1, k >> 10, k & 1023, w);
      else
        remnant::block_words_avx2(kFloorKeys, 0, 1, k >> 10, k & 1023, w);
      remnant::radius_angle_avx2(run.pattern, 0.0f, w, radius, angle);
      remnant::sincos_avx2(angle, sin_t, cos_t);
      remnant::landing_avx2(grid, run, radius, cos_t, sin_t, w, at_x, at_y, cell, hazard_bit);
      for (std::uint32_t i = 0; i < remnant::kDepositBlock; ++i)
        counts[cell[i] & 1023u] += remnant::to_unit_open(w.failure0[i]) < 0.2f ? 1u : 0u;
    }
    benchmark::DoNotOptimize(counts.data());
  }
  floor_counters(state);
}
BENCHMARK(BM_FloorItem)->Unit(benchmark::kMillisecond);
#endif

}  // namespace

BENCHMARK_MAIN();
