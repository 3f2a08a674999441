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
//   BM_CudaEnsemble            run_ensemble(backend "cuda"); reported as an
//                              error (skipped) where no CUDA device is usable.
// The plan (scenario flattening, grid painting) is built once, outside every
// timed region. Items per second = submunitions fired x realizations.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_scenario.h"
#include "host/ensemble.h"
#include "host/plan.h"
#include "host/scenario.h"
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
BENCHMARK(BM_CpuEnsemble)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The batch alone: the engine is prepared and the draws made outside the timed
// region; each iteration simulates and accumulates the same kRealizations
// realizations again (the accumulators keep growing, which costs the same).
void BM_CpuBatch(benchmark::State& state) {
  const Fixture& f = fixture();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  std::unique_ptr<remnant::Engine> engine = remnant::cpu::make_engine();
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
BENCHMARK(BM_CpuBatch)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CudaEnsemble(benchmark::State& state) {
  std::string why;
  if (!remnant::cuda::device_usable(&why)) {
    state.SkipWithError(("no usable CUDA device: " + why).c_str());
    return;
  }
  run_ensemble_bench(state, "cuda", 0);
}
BENCHMARK(BM_CudaEnsemble)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
