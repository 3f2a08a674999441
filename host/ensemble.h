// Runs the realizations of a scenario in batches on a backend and gathers
// per-cell accumulators and per-realization totals.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/plan.h"
#include "host/scenario.h"
#include "kernels/engine.h"

namespace remnant {

struct BackendChoice {
  std::string name;  // "cpu" or "cuda"
  std::string note;  // why this one (e.g. "auto: no CUDA device: ...")
};

// requested: auto | cpu | cuda. Throws InputError for an unknown name or for
// cuda where no device is usable.
BackendChoice choose_backend(const std::string& requested);

// Which backends are compiled in and usable, one line for --version.
std::string backends_report();

struct RunOptions {
  std::uint32_t realizations = 0;
  std::uint64_t seed = 0;
  std::string backend = "auto";
  int threads = 0;          // CPU threads; 0 = the OpenMP default
  std::uint32_t batch = 0;  // realizations per batch; 0 = automatic
  // How the CPU backend runs its deposit pass; every choice gives the same
  // bits (for tests and benchmarks).
  CpuKernel cpu_kernel = CpuKernel::Auto;
  std::function<void(std::uint32_t done, std::uint32_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;  // checked between batches
};

class Interrupted : public std::runtime_error {
 public:
  Interrupted(std::uint32_t done, std::uint32_t total);
  std::uint32_t done, total;
};

struct RunResult {
  BackendChoice backend;
  std::uint32_t realizations = 0;
  std::uint32_t batch = 0;
  int threads = 0;
  std::uint64_t seed = 0;
  std::uint64_t fired_per_realization = 0;
  std::vector<RealizationTotals> totals;  // one per realization, in order
  CellAccumulators accumulators;
  double seconds = 0.0;
};

// Automatic batch: as many realizations as fit in a fixed grid budget (256 MiB),
// at most 32 and at most the realizations asked for.
std::uint32_t automatic_batch(std::uint64_t cells, std::uint32_t realizations);

// The batch a run will use: the one asked for (capped at the realizations), or
// the automatic one.
std::uint32_t effective_batch(std::uint64_t cells, const RunOptions& opt);

// Refuses (InputError) a run that cannot fit in this machine's memory, saying
// how much it needs and how to make it fit. Called before any large allocation.
void check_fits_in_memory(const Scenario& sc, const RunOptions& opt);

RunResult run_ensemble(const Scenario& sc, const Plan& plan, const RunOptions& opt);

}  // namespace remnant
