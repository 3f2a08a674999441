// run_ensemble's options: validation, batching, progress, cancellation,
// backend choice, and the thread setting.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>

#include "test_support.h"

namespace remnant {
namespace {

const std::string kSmall = test::ScenarioText("ensemble options test", 1, 10)
                               .grid(30, 30, 10.0)
                               .wind({0.0, 3.0}, {0.0, 360.0})
                               .submunition(test::bomblet())
                               .carrier(test::dispenser(50)
                                            .pattern("gaussian_ellipse")
                                            .footprint(60.0, 30.0)
                                            .aim_error_cep(20.0)
                                            .function_height(100.0))
                               .strike(test::Strike("dispenser", 4, 150.0, 150.0))
                               .text();

class Ensemble : public ::testing::Test {
 protected:
  void SetUp() override {
    sc_ = test::scenario_from(kSmall, "small.toml");
    plan_ = make_plan(sc_);
  }
  Scenario sc_;
  Plan plan_;
};

TEST_F(Ensemble, RejectsBadOptions) {
  RunOptions opt;
  opt.backend = "cpu";
  opt.realizations = 0;
  EXPECT_THROW(run_ensemble(sc_, plan_, opt), InputError);
  opt.realizations = 5;
  opt.threads = -1;
  EXPECT_THROW(run_ensemble(sc_, plan_, opt), InputError);
  opt.threads = 0;
  opt.backend = "gpu";
  EXPECT_THROW(run_ensemble(sc_, plan_, opt), InputError);
  EXPECT_THROW(choose_backend(""), InputError);
  EXPECT_EQ(choose_backend("cpu").name, "cpu");
}

TEST_F(Ensemble, RefusesRunsThatCouldOverflowTheAccumulators) {
  // items^2 x realizations >= 2^64: the per-cell sum of squares could overflow.
  Plan big = plan_;
  big.items_per_realization = 2'000'000'000u;
  RunOptions opt;
  opt.backend = "cpu";
  opt.realizations = 5;
  EXPECT_THROW(run_ensemble(sc_, big, opt), InputError);
}

TEST_F(Ensemble, BatchIsClampedAndAutomaticBatchIsBounded) {
  const RunResult r = test::run(sc_, plan_, 5, 1, 0, 100);
  EXPECT_EQ(r.batch, 5u);
  EXPECT_EQ(r.totals.size(), 5u);
  EXPECT_EQ(r.realizations, 5u);
  EXPECT_EQ(r.seed, 1u);
  EXPECT_EQ(r.backend.name, "cpu");
  EXPECT_EQ(r.fired_per_realization, 200u);
  EXPECT_EQ(automatic_batch(plan_.cells(), 3), 3u);
  EXPECT_EQ(automatic_batch(plan_.cells(), 1000), 32u);
  EXPECT_EQ(automatic_batch(plan_.cells(), 1), 1u);
  // A huge grid gets small batches: at most 256 MiB of batch grids.
  EXPECT_EQ(automatic_batch(std::uint64_t{64} << 20, 1000), 1u);
  EXPECT_LE(automatic_batch(std::uint64_t{4} << 20, 1000) * 8ull * (std::uint64_t{4} << 20), 256ull << 20);
  const RunResult a = test::run(sc_, plan_, 70, 1);
  EXPECT_EQ(a.batch, 32u);
  EXPECT_EQ(a.totals.size(), 70u);  // 32 + 32 + 6
}

TEST_F(Ensemble, RunsThatCannotFitInMemoryAreRefusedBeforeAllocating) {
  // 60000 x 60000 cells: hundreds of GiB of accumulators.
  const std::string huge = test::replace_all(test::replace_all(kSmall, "nx = 30", "nx = 60000"), "ny = 30", "ny = 60000");
  const Scenario sc = test::scenario_from(huge, "huge.toml");
  RunOptions opt;
  opt.backend = "cpu";
  opt.realizations = 10;
  try {
    check_fits_in_memory(sc, opt);
    FAIL() << "a run of 3.6e9 cells was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("huge.toml"), std::string::npos) << e.what();
  }
  opt.realizations = 10;
  EXPECT_NO_THROW(check_fits_in_memory(sc_, opt));
}


// The CUDA backend's memory check, with the device's free memory given (no
// GPU is needed): the automatic batch shrinks to fit 80 % of it; a realization
// or a --batch that cannot fit is refused with its size and the way out.
TEST_F(Ensemble, GpuRunsThatCannotFitInDeviceMemoryAreRefusedBeforeAllocating) {
  const std::uint64_t one = estimate_scenario_bytes(sc_, 1);
  const std::uint64_t eight = estimate_scenario_bytes(sc_, 8);
  const std::uint64_t roomy = eight * 2;  // 80 % of it holds 8 realizations at once
  EXPECT_EQ(fit_device_memory(sc_, 8, false, roomy), 8u);
  EXPECT_EQ(fit_device_memory(sc_, 8, true, roomy), 8u);
  EXPECT_EQ(fit_device_memory(sc_, 8, false, 0), 8u) << "free memory unknown: the batch as it is";
  ASSERT_LT(one, eight);
  const std::uint64_t tight = (one + (eight - one) / 2) / 8 * 10;  // 80 % of it: more than one, less than eight
  const std::uint32_t fitted = fit_device_memory(sc_, 8, false, tight);
  EXPECT_GE(fitted, 1u);
  EXPECT_LT(fitted, 8u);
  EXPECT_LE(estimate_scenario_bytes(sc_, fitted), tight / 10 * 8);
  try {
    fit_device_memory(sc_, 8, true, tight);
    FAIL() << "--batch 8 was accepted on a device that holds fewer";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--batch 8"), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("use --batch {} or less", fitted)), std::string::npos) << m;
  }
  try {
    fit_device_memory(sc_, 1, false, one / 2);
    FAIL() << "a realization larger than the device was accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(sc_.path), std::string::npos) << m;
    EXPECT_NE(m.find("GiB of GPU memory"), std::string::npos) << m;
    EXPECT_NE(m.find("--backend cpu"), std::string::npos) << m;
  }
}
TEST_F(Ensemble, EngineRefusesABatchLargerThanPrepared) {
  auto engine = cpu::make_engine();
  engine->prepare(plan_.tables(1), 2);
  EXPECT_NO_THROW(engine->run_batch(draw_batch(sc_, plan_, 1, 0, 2).view()));
  EXPECT_ANY_THROW(engine->run_batch(draw_batch(sc_, plan_, 1, 2, 3).view()));
}

TEST_F(Ensemble, ProgressIsReportedAfterEveryBatch) {
  RunOptions opt;
  opt.backend = "cpu";
  opt.realizations = 23;
  opt.batch = 5;
  std::vector<std::uint32_t> done;
  opt.progress = [&](std::uint32_t d, std::uint32_t total) {
    EXPECT_EQ(total, 23u);
    done.push_back(d);
  };
  run_ensemble(sc_, plan_, opt);
  // Once before the first batch (the starting point), then after each.
  EXPECT_EQ(done, (std::vector<std::uint32_t>{0, 5, 10, 15, 20, 23}));
}

TEST_F(Ensemble, CancelStopsBetweenBatches) {
  std::atomic<bool> cancel{false};
  RunOptions opt;
  opt.backend = "cpu";
  opt.realizations = 40;
  opt.batch = 4;
  opt.cancel = &cancel;
  opt.progress = [&](std::uint32_t d, std::uint32_t) {
    if (d >= 12) cancel.store(true);
  };
  try {
    run_ensemble(sc_, plan_, opt);
    FAIL() << "a cancelled run must throw Interrupted";
  } catch (const Interrupted& e) {
    EXPECT_EQ(e.done, 12u);
    EXPECT_EQ(e.total, 40u);
  }
}

TEST_F(Ensemble, ZeroThreadsMeansTheOpenMpDefault) {
  // RunOptions::threads = 0 is documented as "the OpenMP default"; a previous
  // run with an explicit thread count must not change what 0 means.
  const int default_threads = omp_get_max_threads();
  const RunResult one = test::run(sc_, plan_, 3, 1, /*threads=*/1);
  EXPECT_EQ(one.threads, 1);
  const RunResult dflt = test::run(sc_, plan_, 3, 1, /*threads=*/0);
  EXPECT_EQ(dflt.threads, default_threads)
      << "threads = 0 after a run with threads = 1 still runs on 1 thread";
}

}  // namespace
}  // namespace remnant
