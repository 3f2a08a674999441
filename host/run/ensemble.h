// Runs the realizations of a scenario in batches on a backend and gathers
// per-cell accumulators and per-realization totals.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/run/plan.h"
#include "host/inputs/scenario.h"
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

// A set of realization indices as sorted, disjoint, non-adjacent half-open
// ranges [first, last). Which realizations a process runs (all of them, the
// ones a checkpoint lacks, an MPI rank's share) and which a result holds.
class RealizationSet {
 public:
  using Range = std::pair<std::uint32_t, std::uint32_t>;
  RealizationSet() = default;
  static RealizationSet all(std::uint32_t n);  // [0, n)
  // Adds [first, last); merges with touching ranges.
  void add(std::uint32_t first, std::uint32_t last);
  void add(const RealizationSet& other);
  RealizationSet minus(const RealizationSet& other) const;
  RealizationSet intersect(const RealizationSet& other) const;
  bool intersects(const RealizationSet& other) const;
  std::uint64_t count() const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  // The realization indices in order (for the result file's coordinate).
  std::vector<std::uint32_t> indices() const;
  // "0-39, 60-99" (inclusive bounds, for messages).
  std::string text() const;
  bool operator==(const RealizationSet& o) const { return ranges_ == o.ranges_; }

 private:
  std::vector<Range> ranges_;
};

struct RunResult;
class Engine;

struct RunOptions {
  std::uint32_t realizations = 0;
  std::uint64_t seed = 0;
  std::string backend = "auto";
  int threads = 0;          // CPU threads; 0 = the OpenMP default
  std::uint32_t batch = 0;  // realizations per batch; 0 = automatic
  // How the CPU backend runs its deposit pass; every choice gives the same
  // bits (for tests and benchmarks).
  CpuKernel cpu_kernel = CpuKernel::Auto;
  // Only the items that can fail are placed (RunTables::duds_only): the
  // duds, their cells, the hazard area and every dud total are the full
  // run's to the bit, and impacts, in_water and outside_grid are not counted
  // (the result says so: RunResult::duds_only). `remnant run --duds-only`;
  // for callers that need no impact layer, such as calibration.
  bool duds_only = false;
  // The realizations to run; none given: all of [0, realizations). A resumed run
  // passes the ones its checkpoint lacks, an MPI rank its share. Results are
  // keyed by realization, so how they are split never changes a bit.
  std::optional<RealizationSet> todo;
  // Called with (realizations done, realizations in todo): once before the
  // first batch, then after every batch.
  std::function<void(std::uint32_t done, std::uint32_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;  // checked between batches
  // Called between batches, at most every checkpoint_interval_s seconds, with
  // the realizations of todo done so far (totals and accumulators): a run
  // killed outright (SIGKILL, power cut) can resume from the last one.
  std::function<void(const RunResult& so_far)> checkpoint;
  double checkpoint_interval_s = 600.0;
  // Called after each realization with its own duds per cell (index iy*nx +
  // ix), in realization order: the run then goes one realization per batch
  // (results do not depend on the batch). For figures over regions known only
  // after a run (`remnant hazard` replays a result's realizations).
  std::function<void(std::uint32_t realization, const std::vector<std::uint64_t>& duds)> each_realization;
  // The draws of realizations [first, first + count) (BatchDraws, rows
  // b * strikes + s); empty: draw_batch's, the scenario's prior. A conditioned
  // run (host/run/conditioning.h) gives its particles' accepted draws.
  std::function<BatchDraws(std::uint32_t first, std::uint32_t count)> draws;
  // The CUDA backend's share of its GPU: device_processes of this run (MPI
  // ranks) use the same device and split 80 % of its free memory evenly;
  // device_free is that memory as measured before any of them allocated (0:
  // measured when the run starts). distributed::start_run finds both.
  std::uint32_t device_processes = 1;
  std::uint64_t device_free = 0;
  // Makes the engine for a backend name ("cpu", "cuda"); empty: the real
  // ones. Tests use it to stand in a device that runs out of memory.
  std::function<std::unique_ptr<Engine>(const std::string& backend)> make_engine;
};

// The run options as typed on a command line (`remnant run`, `remnant
// sweep`): realizations and seed left out take the scenario's.
struct RunArguments {
  std::optional<std::int64_t> realizations, seed;
  std::string backend = "auto";
  int threads = 0;          // 0: the OpenMP default
  std::int64_t batch = 0;   // 0: automatic
  bool duds_only = false;   // RunOptions::duds_only
  // InputError naming the option for a value out of range.
  void check() const;
  // The options for a run of sc (cancel, progress and the rest left empty).
  RunOptions options_for(const Scenario& sc) const;
};

// Thrown by run_ensemble when opt.cancel is raised between batches. partial
// holds every realization finished before the stop (done, totals,
// accumulators), ready for a checkpoint.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(std::shared_ptr<RunResult> partial, std::uint32_t total);
  std::shared_ptr<RunResult> partial;
  std::uint32_t done, total;
};

struct RunResult {
  BackendChoice backend;
  std::uint32_t realizations = 0;  // of the whole run (the result file's)
  RealizationSet done;             // the realizations this result holds
  bool complete() const { return done.count() == realizations; }
  std::uint32_t batch = 0;
  std::string batch_note;  // why batch is smaller than asked (device memory), or ""
  int threads = 0;
  std::uint64_t seed = 0;
  std::uint64_t fired_per_realization = 0;
  // Run with RunOptions::duds_only: the totals' impacts, in_water and
  // outside_grid and the accumulators' impact_sum are not counted (0), not
  // zero impacts.
  bool duds_only = false;
  std::vector<RealizationTotals> totals;  // one per realization in done, in realization order
  // The duds of each submunition type (the scenario's submunitions, in
  // order; duds_types of them) in each totals row: [row][type]. Counted at
  // deposit on land cells inside the grid, so a row's sum is its duds.
  // duds_types 0 and none: not counted (a part read from an older file).
  std::uint32_t duds_types = 0;
  std::vector<std::uint64_t> duds_by_type;
  bool counts_duds_by_type() const {
    return duds_types > 0 && duds_by_type.size() == totals.size() * std::size_t(duds_types);
  }
  CellAccumulators accumulators;
  double seconds = 0.0;
};

// Automatic batch: as many realizations as fit in a fixed grid budget (256 MiB),
// at most 32 and at most the realizations asked for. On the CUDA backend the
// automatic batch is sized by device memory instead (fit_device_memory), up
// to kMaxAutomaticGpuBatch.
std::uint32_t automatic_batch(std::uint64_t cells, std::uint32_t realizations);

// The GPU's automatic batch at most: past about a thousand realizations per
// batch the per-batch costs (copies, synchronisations, launches) are a
// negligible share of the work, while a larger batch only delays progress
// reports, Ctrl-C and checkpoints (taken between batches).
inline constexpr std::uint32_t kMaxAutomaticGpuBatch = 1024;

// The batch a run will use: the one asked for (capped at the realizations), or
// the automatic one.
std::uint32_t effective_batch(std::uint64_t cells, const RunOptions& opt);

// Refuses (InputError) a run that cannot fit in this machine's memory, saying
// how much it needs and how to make it fit. Called before any large allocation.
void check_fits_in_memory(const Scenario& sc, const RunOptions& opt);

// The batch for the CUDA backend, given the device memory free now (0:
// unknown, batch returned as it is) and the processes of the run sharing the
// device (each may use 80 % of the free memory / processes:
// device_choice::memory_share). An automatic batch becomes the largest up to
// batch whose estimated size fits; a run of which one realization would not
// fit, or a --batch (batch_given) that would not, is refused (InputError) with
// the size it needs and how to make it fit, before anything is allocated.
std::uint32_t fit_device_memory(const Scenario& sc, std::uint32_t batch, bool batch_given, std::uint64_t free,
                                std::uint32_t processes = 1);

// Runs opt.todo (default: every realization). Throws InputError for bad
// options, Interrupted when cancelled. On a device that runs out of memory
// the batch is halved and the batch retried (results do not depend on it).
RunResult run_ensemble(const Scenario& sc, const Plan& plan, const RunOptions& opt);

// Folds other into into: the realizations of the two must be disjoint parts
// of the same run (same seed, realizations, backend). Sums are integers, so
// the order of merging never changes a bit: a run split into parts (resume,
// MPI ranks) and merged equals the run in one piece.
void merge_results(RunResult& into, const RunResult& other);

// merge_results for the part a run has just computed on top of what it
// started from (a checkpoint, or nothing): also takes that part's backend
// choice, batch, batch note and threads, which say how this run ran. The
// part's accumulators and rows are moved, not copied, into an empty `into`;
// `ran` keeps its other fields.
void add_run(RunResult& into, RunResult&& ran);

// Adds the accumulators of other to into (histograms of different bin counts
// are padded: bins only ever grow at the end).
void add_accumulators(CellAccumulators& into, const CellAccumulators& other);

}  // namespace remnant
