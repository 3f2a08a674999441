// Checkpoints: the realizations an interrupted run finished, kept so that
// `remnant run ... --resume` continues where it stopped and ends with a
// result identical to the bit to an uninterrupted run's (accumulators are
// integer sums, totals are keyed by realization).
//
// A checkpoint has the result file's layout (host/evidence/result_file.h) with
// filetype "remnant-checkpoint": its layers describe the realizations done so
// far and `remnant info` reads it, but `export` and `compare` refuse it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/run/ensemble.h"
#include "host/run/plan.h"
#include "host/inputs/scenario.h"

namespace remnant {

struct ResultData;

// Where a run keeps its checkpoint: beside its result file ("out/leb.h5" ->
// "out/leb.checkpoint.h5"), or, without one, "<scenario stem>.checkpoint.h5"
// in the current directory.
std::string default_checkpoint_path(const std::string& out, const std::string& scenario_path);

// Writes the realizations of partial (not all of the run's) atomically.
void write_checkpoint(const std::string& path, const Scenario& sc, const Plan& plan, const RunResult& partial);

// What a run must share with a checkpoint to resume it.
struct RunIdentity {
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  std::string backend;  // "cpu" or "cuda": the backends differ in the last bits
};

// One way a result or checkpoint file differs from the run it would stand
// for: what, and its value in the file and in this run (both empty for texts
// and grids, which are only compared).
struct RunDifference {
  std::string what, theirs, ours;
};

// Every way d differs from the run (sc, plan, id): software version and git
// revision, seed, realizations, backend, --set overrides, the scenario, base,
// catalogue, land-cover and dataset texts, submunitions, grid, CRS, elevation
// and land cover. Empty: d holds (part of) this very run.
std::vector<RunDifference> run_differences(const ResultData& d, const Scenario& sc, const Plan& plan,
                                           const RunIdentity& id);

// Reads a checkpoint for the run (sc, plan, id) and returns the realizations
// it holds. Throws InputError naming the file when it is not a checkpoint or
// was made by a different run (inputs, seed, realizations, backend, software
// version), saying what differs.
RunResult read_checkpoint(const std::string& path, const Scenario& sc, const Plan& plan, const RunIdentity& id);

// What a run starts from: nothing done, or (resume_from not empty) the
// realizations of that checkpoint, read and checked by read_checkpoint. Sets
// opt.todo to the realizations still to run.
RunResult run_start(const std::string& resume_from, const Scenario& sc, const Plan& plan,
                    const BackendChoice& backend, RunOptions& opt);

}  // namespace remnant
