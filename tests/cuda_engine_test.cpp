// The engines' memory handling: the CUDA runtime's error codes mapped to what
// a run does about them (on every machine), the histogram growing past its
// reservation (both backends), and the CUDA engine running out of device
// memory and recovering (GPU only: REMNANT_SKIP_UNLESS_GPU, tests/test_support.h).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda_errors.h"
#include "kernels/histogram.h"
#include "test_support.h"

namespace remnant {
namespace {

// ------------------------------------------------------------ error codes

TEST(CudaErrors, OnlyAFailedAllocationIsOutOfMemory) {
  EXPECT_EQ(cuda_error::classify(0), cuda_error::Kind::None);
  EXPECT_EQ(cuda_error::classify(2), cuda_error::Kind::OutOfMemory);  // cudaErrorMemoryAllocation
  // cudaErrorInsufficientDriver, cudaErrorNoDevice, cudaErrorDevicesUnavailable
  // (exclusive-process mode), cudaErrorNoKernelImageForDevice, cudaErrorInvalidValue,
  // cudaErrorLaunchOutOfResources: no smaller batch cures them.
  for (int code : {35, 100, 46, 209, 1, 701}) EXPECT_EQ(cuda_error::classify(code), cuda_error::Kind::Other) << code;
  // The sticky faults: illegal address, launch timeout, 714..719.
  for (int code : {700, 702, 714, 715, 716, 717, 718, 719})
    EXPECT_EQ(cuda_error::classify(code), cuda_error::Kind::Fault) << code;
}

TEST(CudaErrors, OutOfMemoryThrowsBadAllocAndAnythingElseSaysWhat) {
  EXPECT_NO_THROW(cuda_error::throw_if_error(0, "cudaMalloc", "no error"));
  EXPECT_THROW(cuda_error::throw_if_error(2, "cudaMalloc", "out of memory"), std::bad_alloc);
  for (int code : {46, 209, 700}) {
    try {
      cuda_error::throw_if_error(code, "cudaMalloc", "the runtime's words");
      FAIL() << code << " did not throw";
    } catch (const std::bad_alloc&) {
      FAIL() << code << " was taken for memory running out: the run would halve its batch for nothing";
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("CUDA error " + std::to_string(code)), std::string::npos) << m;
      EXPECT_NE(m.find("the runtime's words"), std::string::npos) << m;
      EXPECT_NE(m.find("cudaMalloc"), std::string::npos) << m;
      EXPECT_EQ(m.find("context is lost") != std::string::npos, code == 700) << m;
    }
  }
}

// ------------------------------------------------------------ a dense scenario

// 40,000 submunitions per realization into a few cells of 10 m near the middle
// of a 64 x 64 grid: the largest dud count in a cell (hundreds to thousands,
// with the dud rate drawn per realization from Beta(2, 3)) passes 2047, the
// largest count the histogram's reservation holds (43 bins).
const std::string kDense = test::ScenarioText("dense", 5, 50)
                               .grid(64, 64, 10.0)
                               .wind({0.0, 0.5}, {0.0, 360.0})
                               .submunition(test::m77().dud_rate(test::beta(2.0, 3.0)))
                               .carrier(test::m26()
                                            .per_carrier(1000)
                                            .footprint({10.0, 16.0}, {8.0, 12.0})
                                            .aim_error_cep(0.0)
                                            .function_height({300.0, 500.0}))
                               .strike(test::Strike("M26", 40, 320.0, 320.0).heading(30.0, 5.0))
                               .text();

// The dense scenario on side x side cells. At 512 (262,144 cells): about
// 54 MiB of accumulators (the histogram's reservation included) and 2 MiB of
// grids per realization of a batch.
Scenario dense_scenario_on(int side) {
  const std::string n = std::to_string(side);
  return test::scenario_from(
      test::replace_all(test::replace_all(kDense, "nx = 64", "nx = " + n), "ny = 64", "ny = " + n), "dense.toml");
}

// The histogram holds every cell's dud count of every realization once.
void expect_histogram_consistent(const CellAccumulators& a) {
  ASSERT_EQ(a.histogram.size(), std::size_t(a.histogram_bins) * a.cells);
  for (std::uint32_t c = 0; c < a.cells; ++c) {
    std::uint64_t n = 0;
    for (std::uint32_t b = 0; b < a.histogram_bins; ++b) n += a.histogram[std::size_t(b) * a.cells + c];
    ASSERT_EQ(n, a.dud_nonzero[c]) << "cell " << c;
  }
}

void expect_same_accumulators(const CellAccumulators& a, const CellAccumulators& b, const std::string& what) {
  EXPECT_EQ(a.histogram_bins, b.histogram_bins) << what;
  EXPECT_TRUE(a.dud_sum == b.dud_sum) << what;
  EXPECT_TRUE(a.dud_sum_sq == b.dud_sum_sq) << what;
  EXPECT_TRUE(a.dud_nonzero == b.dud_nonzero) << what;
  EXPECT_TRUE(a.impact_sum == b.impact_sum) << what;
  EXPECT_TRUE(a.histogram == b.histogram) << what;
}

// Runs the dense scenario at batch sizes 50, 7 and 1 on one backend: the
// histogram grows past its reservation, the same way whatever the batch.
void dense_histogram_grows_alike(const std::string& backend) {
  const Scenario sc = dense_scenario_on(64);
  const Plan plan = make_plan(sc);
  const RunResult one_batch = test::run(sc, plan, 50, 11, 0, 50, backend);
  ASSERT_EQ(one_batch.backend.name, backend);
  const CellAccumulators& a = one_batch.accumulators;
  expect_histogram_consistent(a);
  EXPECT_GT(a.histogram_bins, histogram_reserved_bins(plan.items_per_realization))
      << "the scenario should outgrow the histogram's reservation";
  for (std::uint32_t batch : {7u, 1u}) {
    const RunResult r = test::run(sc, plan, 50, 11, 0, batch, backend);
    expect_histogram_consistent(r.accumulators);
    expect_same_accumulators(a, r.accumulators, backend + ", batch " + std::to_string(batch));
    ASSERT_EQ(r.totals.size(), one_batch.totals.size());
    for (std::size_t i = 0; i < r.totals.size(); ++i) {
      EXPECT_EQ(r.totals[i].duds, one_batch.totals[i].duds) << "realization " << i << ", batch " << batch;
      EXPECT_EQ(r.totals[i].impacts, one_batch.totals[i].impacts) << "realization " << i << ", batch " << batch;
    }
  }
}

TEST(EngineHistogram, DenseScenarioGrowsItAlikeAtBatchSizes1And7And50OnTheCpu) {
  dense_histogram_grows_alike("cpu");
}

TEST(CudaEngine, DenseScenarioGrowsTheHistogramAlikeAtBatchSizes1And7And50) {
  REMNANT_SKIP_UNLESS_GPU();
  dense_histogram_grows_alike("cuda");
}

// ------------------------------------------------------------ a histogram that cannot grow

#if defined(__SANITIZE_ADDRESS__)
#define REMNANT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REMNANT_TEST_ASAN 1
#endif
#endif

// The process's address space now, in bytes.
std::uint64_t address_space_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// The CPU engine on the dense scenario over 1000 x 1000 cells, its address
// space limited to what it holds plus 200 MiB once prepared: the first batch
// needs the histogram to grow past its reservation (43 bins of 4 MB), which
// moves it to twice that (344 MB) and fails. Returns 0 when that failure is
// std::bad_alloc and the accumulators read back are whole; what went wrong
// otherwise.
int histogram_growth_fails_cleanly() {
  const Scenario sc = dense_scenario_on(1000);
  const Plan plan = make_plan(sc);
  const RunTables tables = plan.tables(11);
  std::unique_ptr<Engine> engine = cpu::make_engine();
  engine->prepare(tables, 4);
  const BatchDraws d = draw_batch(sc, plan, 11, 0, 4);
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = address_space_bytes() + (std::uint64_t{200} << 20);
  if (setrlimit(RLIMIT_AS, &limit) != 0) return 2;
  try {
    engine->run_batch(d.view());
    return 3;  // the histogram grew: the limit did not bite
  } catch (const std::bad_alloc&) {
  }
  const CellAccumulators a = engine->read_accumulators();
  if (a.histogram.size() != std::size_t(a.histogram_bins) * a.cells) return 4;  // bins without their rows
  if (a.histogram_bins != kExactBins) return 5;
  for (std::uint64_t v : a.dud_sum)
    if (v != 0) return 6;  // the failed batch was folded in
  return 0;
}

// The engine raises its bin count only once the histogram has grown: when
// growing fails, the accumulators read back (run_ensemble reads them to retry
// with a smaller batch) have as many bins as the histogram holds rows. Run in
// a fresh process (gtest's threadsafe death-test style): the address-space
// limit must not reach the rest of the suite.
TEST(EngineHistogram, GrowthThatFailsLeavesTheAccumulatorsWholeOnTheCpu) {
#ifdef REMNANT_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer reserves more address space than the limit this test sets";
#endif
  const std::string style = GTEST_FLAG_GET(death_test_style);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(histogram_growth_fails_cleanly()), ::testing::ExitedWithCode(0), "");
  GTEST_FLAG_SET(death_test_style, style);
}

// ------------------------------------------------------------ device memory

// Holds device memory of the current context until released: through the
// driver's cuMemAlloc (what cudaMalloc calls), found with dlopen so that this
// file builds without the CUDA toolkit. Empty where no driver is found.
class DeviceMemoryHold {
 public:
  DeviceMemoryHold() {
    lib_ = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib_) return;
    ctx_get_current_ = reinterpret_cast<CtxGetCurrent>(dlsym(lib_, "cuCtxGetCurrent"));
    alloc_ = reinterpret_cast<MemAlloc>(dlsym(lib_, "cuMemAlloc_v2"));
    free_ = reinterpret_cast<MemFree>(dlsym(lib_, "cuMemFree_v2"));
  }
  ~DeviceMemoryHold() {
    release_all();
    if (lib_) dlclose(lib_);
  }
  DeviceMemoryHold(const DeviceMemoryHold&) = delete;
  DeviceMemoryHold& operator=(const DeviceMemoryHold&) = delete;

  // True when the driver was found and the CUDA runtime has made its context
  // current on this thread (after the engine's first call).
  bool usable() const {
    void* ctx = nullptr;
    return ctx_get_current_ && alloc_ && free_ && ctx_get_current_(&ctx) == 0 && ctx != nullptr;
  }
  // Takes all the memory it can in blocks of `block` bytes and less, down to
  // 2 MiB; returns the bytes taken.
  std::uint64_t take_all(std::uint64_t block) {
    std::uint64_t taken = 0;
    for (; block >= (2u << 20); block /= 2) {
      unsigned long long p = 0;
      while (alloc_(&p, block) == 0) {
        held_.push_back({p, block});
        taken += block;
      }
    }
    return taken;
  }
  // Gives back blocks until at least `bytes` are free again.
  void give_back(std::uint64_t bytes) {
    std::uint64_t freed = 0;
    while (freed < bytes && !held_.empty()) {
      free_(held_.back().first);
      freed += held_.back().second;
      held_.pop_back();
    }
  }
  void release_all() {
    for (const auto& h : held_) free_(h.first);
    held_.clear();
  }

 private:
  using CtxGetCurrent = int (*)(void**);
  using MemAlloc = int (*)(unsigned long long*, std::size_t);
  using MemFree = int (*)(unsigned long long);
  void* lib_ = nullptr;
  CtxGetCurrent ctx_get_current_ = nullptr;
  MemAlloc alloc_ = nullptr;
  MemFree free_ = nullptr;
  std::vector<std::pair<unsigned long long, std::uint64_t>> held_;
};

// After REMNANT_SKIP_UNLESS_GPU: where the driver library cannot hold device
// memory the test skips, but a GPU answered, so under REMNANT_REQUIRE_GPU it
// fails instead.
#define REMNANT_SKIP_UNLESS_HELD(hold)                                                                                \
  do {                                                                                                                \
    if (!(hold).usable())                                                                                             \
      REMNANT_GPU_SKIP_OR_FAIL("REMNANT_REQUIRE_GPU is set but the CUDA driver library could not hold device memory", \
                               "the CUDA driver library (libcuda.so.1) could not hold device memory here");           \
  } while (0)

// Runs realizations [0, R) through an engine in batches of `batch`.
void run_all(Engine& engine, const Scenario& sc, const Plan& plan, std::uint64_t seed, std::uint32_t R,
             std::uint32_t batch) {
  for (std::uint32_t first = 0; first < R; first += batch) {
    const BatchDraws d = draw_batch(sc, plan, seed, first, std::min(batch, R - first));
    engine.run_batch(d.view());
  }
}

// The real engine, with the device's memory held by someone else: preparing a
// batch that does not fit throws std::bad_alloc (not another error, not
// std::terminate), and the same engine then prepares a smaller batch and gives
// the results of a run that never ran short.
TEST(CudaEngine, RunsOutOfDeviceMemoryAndRecovers) {
  REMNANT_SKIP_UNLESS_GPU();
  const Scenario sc = dense_scenario_on(512);
  const Plan plan = make_plan(sc);
  const std::uint64_t seed = 21;
  const std::uint32_t R = 8;
  const RunTables tables = plan.tables(seed);

  std::unique_ptr<Engine> reference = cuda::make_engine();
  reference->prepare(tables, R);
  run_all(*reference, sc, plan, seed, R, R);
  const CellAccumulators want = reference->read_accumulators();
  reference.reset();

  DeviceMemoryHold hold;
  REMNANT_SKIP_UNLESS_HELD(hold);
  ASSERT_GT(hold.take_all(std::uint64_t{1} << 30), 0u);
  hold.give_back(std::uint64_t{256} << 20);
  std::unique_ptr<Engine> engine = cuda::make_engine();
  EXPECT_THROW(engine->prepare(tables, 1024), std::bad_alloc) << "2 GiB of grids fitted into 256 MiB";
  ASSERT_NO_THROW(engine->prepare(tables, 2));
  ASSERT_NO_THROW(run_all(*engine, sc, plan, seed, R, 2));
  const CellAccumulators got = engine->read_accumulators();
  expect_histogram_consistent(got);
  expect_same_accumulators(want, got, "after running out of memory");
}

// A batch whose largest dud count outgrows the histogram's reservation (43
// bins: counts up to 2047) while
// the device is full: std::bad_alloc before the batch is folded, and the
// accumulators read back hold as many bins as the histogram has (the bin
// count was once raised before the histogram grew, and a retried batch wrote
// past its end); once memory is free again the batch runs.
TEST(CudaEngine, HistogramThatCannotGrowLeavesTheAccumulatorsWhole) {
  REMNANT_SKIP_UNLESS_GPU();
  const Scenario sc = dense_scenario_on(512);
  const Plan plan = make_plan(sc);
  const std::uint64_t seed = 11;
  const RunTables tables = plan.tables(seed);
  const std::uint32_t R = 50;
  {
    // One realization first, so that the kernels' local memory is reserved
    // before the device is full.
    std::unique_ptr<Engine> warm = cuda::make_engine();
    warm->prepare(tables, 1);
    run_all(*warm, sc, plan, seed, 1, 1);
  }
  std::unique_ptr<Engine> engine = cuda::make_engine();
  engine->prepare(tables, R);
  DeviceMemoryHold hold;
  REMNANT_SKIP_UNLESS_HELD(hold);
  ASSERT_GT(hold.take_all(std::uint64_t{1} << 30), 0u);
  const BatchDraws d = draw_batch(sc, plan, seed, 0, R);
  bool ran_short = false;
  try {
    engine->run_batch(d.view());
  } catch (const std::bad_alloc&) {
    ran_short = true;
  }
  ASSERT_TRUE(ran_short) << "the histogram grew past its reservation on a full device (the scenario should need "
                            "more than "
                         << histogram_reserved_bins(plan.items_per_realization) << " bins)";
  const CellAccumulators a = engine->read_accumulators();
  EXPECT_EQ(a.histogram_bins, kExactBins);
  expect_histogram_consistent(a);
  for (std::uint64_t v : a.dud_sum) ASSERT_EQ(v, 0u) << "the failed batch was folded in";
  hold.release_all();
  engine = cuda::make_engine();
  engine->prepare(tables, R);
  ASSERT_NO_THROW(engine->run_batch(d.view()));
  const CellAccumulators b = engine->read_accumulators();
  expect_histogram_consistent(b);
  EXPECT_GT(b.histogram_bins, histogram_reserved_bins(plan.items_per_realization));
}

}  // namespace
}  // namespace remnant
