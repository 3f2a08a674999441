// The one pipeline from a scenario to a result, shared by `remnant run`, every
// point of `remnant sweep` and every part of the viewer's progressive run:
//
//   prepare_run    load the scenario with its --set overrides (or take it
//                  loaded), the run options, the caller's checks, choose the
//                  backend, check the memory, name the checkpoint, plan
//   run_pipeline   then: start afresh, from the checkpoint (resume) or from
//                  the run so far in memory, share the
//                  realizations among MPI ranks, run them (periodic
//                  checkpoints, progress, cancellation), gather the ranks'
//                  parts; interrupted: save what was done in the checkpoint;
//                  finished: statistics, ResultData, the result file written
//                  and the checkpoint retired.
//
// It prints nothing and chooses no exit code: it reports through RunHooks and
// its RunOutcome, and the caller (main, the sweep, the viewer) says what it
// means. Errors are exceptions as everywhere in the host: InputError for a
// user's mistake (ResumeError when the checkpoint cannot be continued),
// anything else for a failure.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/evidence/result_file.h"
#include "host/evidence/stats.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/conditioning.h"
#include "host/run/plan.h"

namespace remnant {

// Where a run keeps the realizations it has done when it stops early, and
// whether it continues an earlier one.
struct CheckpointPolicy {
  bool enabled = true;     // false: none is read or written (the viewer)
  std::string path;        // "": beside the result file (default_checkpoint_path)
  bool resume = false;     // start from the realizations the checkpoint holds (it must exist)
  double every_min = 0.0;  // > 0: also saved this often during a run of one process
};

// What to run: `remnant run SCENARIO --set ... -r N --seed S ...`.
struct RunRequest {
  std::string scenario;              // the scenario file
  std::vector<Override> overrides;   // --set, in order
  // Loaded and planned already (the viewer keeps them between requests):
  // both given, the scenario is neither loaded again nor planned.
  std::shared_ptr<const Scenario> loaded_scenario;
  std::shared_ptr<const Plan> loaded_plan;
  RunArguments run;                  // -r, --seed, --backend, --threads, --batch (checked by the caller: RunArguments::check)
  std::optional<BackendChoice> backend;  // chosen already (a sweep chooses once); none: from run.backend
  std::string result_file;           // written when the run finishes; "": none
  CheckpointPolicy checkpoint;
  // The run so far, in memory (the viewer's earlier parts): the run continues
  // from its realizations instead of from nothing or a checkpoint, and keeps
  // how they ran (backend note, batch, threads).
  std::shared_ptr<const RunResult> continue_from;
  // Only the realizations below `until` run: the outcome is the complete run
  // of [0, until), the result of `-r until` to the bit (realizations are keyed
  // by their index). Needs every realization below the start's first missing one.
  std::optional<std::uint32_t> until;
  // Share the realizations among the processes of `mpirun` (host/run/distributed.h):
  // a collective step on every rank. Off: this process runs them all.
  bool distributed = false;
  // Evidence files (`--evidence`): the run is conditioned on them
  // (host/run/conditioning.h): no checkpoint, one process, no sensitivity
  // indices (they are the prior's); the result file records the evidence.
  std::vector<std::string> evidence;
  double cancelled_detection = kDefaultCancelledDetection;  // of cancelled areas that give none
  ConditionOptions conditioning;
};

// What prepare_run makes of a request: the run, ready to start.
struct PreparedRun {
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const Plan> plan;
  RunOptions options;      // from the request (cancel set); todo, progress and checkpoint set by run_pipeline
  BackendChoice backend;
  std::string checkpoint;  // its path ("" when the request keeps none)
};

// Told to the hooks just before the realizations run.
struct RunStart {
  const PreparedRun& run;
  bool resumed = false;         // started from the checkpoint
  bool had_checkpoint = false;  // a checkpoint file was there when the run started
  RealizationSet done;          // the realizations the checkpoint held (resumed), else none
  std::uint64_t to_run = 0;     // the realizations this run computes (all processes)
  int processes = 1;            // MPI ranks sharing them
  bool root = true;             // this is rank 0, which holds the result and writes the files
};

// How the caller follows and steers a run. Every hook may be left empty.
struct RunHooks {
  const std::atomic<bool>* cancel = nullptr;  // raised: the run stops between batches
  // After the scenario is loaded, before the backend is chosen: the caller
  // checks its own arguments against it (the CLI: --out, --map, ...).
  std::function<void(const Scenario&, const RunOptions&)> check_arguments;
  // After the memory check, with the checkpoint's path: the caller checks its
  // output files (the CLI: none is an input of the run, or the checkpoint).
  std::function<void(const Scenario&, const std::string& checkpoint)> check_outputs;
  // Once the run knows where it starts from and on how many processes, before
  // the processes agree to start (the CLI says it resumes, or notes).
  std::function<void(const RunStart&)> starting;
  // Right before the realizations run (the CLI catches Ctrl-C from here).
  std::function<void(const RunStart&)> before_running;
  // Realizations done of those to do: with one process counted over the whole
  // run (a resumed run starts above 0); with several, this rank's share.
  std::function<void(std::uint32_t done, std::uint32_t total)> progress;
  // The realizations stopped running, finished or interrupted (a progress bar ends here).
  std::function<void()> ran;
};

enum class RunEnd {
  Finished,             // every realization ran; the result is in data (and in the result file)
  Interrupted,          // cancelled; result holds the realizations done (saved when checkpoint_written)
  PeerFailedBeforeRun,  // MPI: another process failed before the run (it said why); nothing ran
  PeerFailed,           // MPI: another process failed during the run (it said why); nothing written
};

// What became of the checkpoint once the result file was written.
enum class CheckpointFate {
  None,        // there was none, or nothing to decide
  Removed,     // this run continued or wrote it: spent
  Superseded,  // an earlier interrupted run of this same run left it: removed
  OtherRun,    // another run's: left as it was
  Kept,        // no result file: the checkpoint stays, the only copy of the result
};

struct RunOutcome {
  RunEnd end = RunEnd::Finished;
  PreparedRun run;
  bool resumed = false, had_checkpoint = false;
  bool checkpoint_written = false;  // during the run or when it was interrupted
  int processes = 1;
  bool root = true;  // only rank 0's outcome holds the result (others: end only)
  // The realizations done, the checkpoint's included: Finished, the whole run
  // (the slowest rank's time); Interrupted, those done before the stop.
  RunResult result;
  double seconds = 0.0;  // engine time of this run's part (MPI: the slowest rank's)
  CellStatistics statistics;  // Finished
  ResultData data;            // Finished
  CheckpointFate checkpoint_fate = CheckpointFate::None;
  // A conditioned run's evidence and diagnostics (also in data); empty otherwise.
  ResultConditioning conditioning;
  // A conditioned run's sampler checkpoint (ConditionOptions::checkpoint;
  // "" when none is kept) and, when interrupted, whether it holds the stages done.
  std::string conditioning_checkpoint;
  bool conditioning_saved = false;
};

// Loads, checks and plans a run (calling check_arguments and check_outputs),
// in this order: scenario, run options, the caller's checks, backend, memory,
// checkpoint path, the caller's output checks, plan. Nothing is written.
// Throws InputError for bad input.
PreparedRun prepare_run(const RunRequest& req, const RunHooks& hooks = {});

// The whole pipeline: prepare_run, then start, run, and finish or save what
// was done. Under MPI (req.distributed) every rank calls it; only rank 0's
// outcome holds a result, and only rank 0 writes files.
RunOutcome run_pipeline(const RunRequest& req, const RunHooks& hooks = {});

// The statistics and the ResultData of a complete run (of r.realizations).
struct RunEvidence {
  CellStatistics statistics;
  ResultData data;
};
// sensitivity false: no sensitivity indices (a conditioned run's draws are
// not the prior's that run_sensitivity redraws).
RunEvidence run_evidence(const Scenario& sc, const Plan& plan, const RunResult& r, bool sensitivity = true);

}  // namespace remnant
