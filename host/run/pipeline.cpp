#include "host/run/pipeline.h"

#include "host/run/conditioning.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <utility>

#include "host/common/atomic_output.h"
#include "host/run/checkpoint.h"
#include "host/run/distributed.h"
#include "host/run/result_data.h"
#include "host/run/sensitivity.h"
#include "kernels/engine.h"

namespace remnant {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- preparing

// The scenario with its overrides (unless loaded already), and the run
// options the arguments give it.
void load(const RunRequest& req, const RunHooks& hooks, PreparedRun& p) {
  p.scenario = req.loaded_scenario ? req.loaded_scenario
                                   : std::make_shared<const Scenario>(load_scenario(req.scenario, req.overrides));
  p.options = req.run.options_for(*p.scenario);
  p.options.cancel = hooks.cancel;
}

// A dud-only run keeps no checkpoint: its realizations have no impacts, so
// they could neither continue a full run nor be continued by one.
// Nor does a conditioned run (its particles are not realizations of the
// prior a checkpoint's reader would rebuild).
bool keeps_checkpoint(const RunRequest& req) {
  return req.checkpoint.enabled && !req.run.duds_only && req.evidence.empty();
}

// A conditioned run's sampler checkpoint (ConditionOptions::checkpoint):
// --checkpoint, else beside --out (or the scenario) as NAME.conditioning.ckpt.
std::string conditioning_checkpoint_path(const RunRequest& req, const Scenario& sc) {
  if (!req.checkpoint.enabled) return "";
  if (!req.checkpoint.path.empty()) return req.checkpoint.path;
  const fs::path p(default_checkpoint_path(req.result_file, sc.path));
  std::string name = p.filename().string();
  name = name.substr(0, name.size() - std::string(".checkpoint.h5").size()) + ".conditioning.ckpt";
  return (p.parent_path() / name).string();
}

std::string checkpoint_path(const RunRequest& req, const Scenario& sc) {
  if (!keeps_checkpoint(req)) return "";
  return req.checkpoint.path.empty() ? default_checkpoint_path(req.result_file, sc.path) : req.checkpoint.path;
}

// ---------------------------------------------------------------- running

// A run under way: the request, its prepared run (in the outcome) and where it started.
struct Run {
  const RunRequest& req;
  const RunHooks& hooks;
  RunOutcome& out;
  RunResult start;  // the checkpoint's realizations, or none
  std::shared_ptr<const Evidence> evidence = nullptr;  // a conditioned run's (req.evidence read onto the grid)
};

// What the run starts from: nothing, or the realizations of its checkpoint
// (opt.todo becomes the ones still to run).
void start_from_checkpoint(Run& run) {
  PreparedRun& p = run.out.run;
  const bool resume = keeps_checkpoint(run.req) && run.req.checkpoint.resume;
  if (run.req.checkpoint.enabled && run.req.checkpoint.resume && run.req.run.duds_only)
    throw ResumeError("--resume: a dud-only run (--duds-only) keeps no checkpoint to resume; resume without "
                      "--duds-only, or run again");
  run.out.had_checkpoint = !p.checkpoint.empty() && path_exists(p.checkpoint);
  if (resume && !run.out.had_checkpoint)
    throw ResumeError(fmt::format("--resume: no checkpoint at {} (an interrupted run writes it there; if it was "
                                  "written elsewhere, name it with --checkpoint FILE)",
                                  p.checkpoint));
  try {
    run.start = run_start(resume ? p.checkpoint : std::string(), *p.scenario, *p.plan, p.backend, p.options);
  } catch (const ResumeError&) {
    throw;
  } catch (const InputError& e) {
    throw ResumeError(e.what());
  }
  run.out.resumed = resume;
}

// Where the run starts: from its checkpoint or nothing, or from the
// realizations it has in memory; a run stopping at `until` runs none at or
// above it.
void choose_start(Run& run) {
  RunOptions& opt = run.out.run.options;
  if (run.req.continue_from) {
    run.start = *run.req.continue_from;
    run.start.realizations = opt.realizations;
    opt.todo = RealizationSet::all(opt.realizations).minus(run.start.done);
  } else {
    start_from_checkpoint(run);
  }
  if (run.req.until) {
    RealizationSet below;
    below.add(0, *run.req.until);
    opt.todo = (opt.todo ? *opt.todo : RealizationSet::all(opt.realizations)).intersect(below);
  }
}

// Saves what has been computed (the start and part) in the checkpoint; never
// an empty one (nor over a finished run).
bool save_checkpoint(Run& run, const RunResult& part) {
  RunResult all = run.start;
  merge_results(all, part);
  if (all.done.empty()) return false;
  const PreparedRun& p = run.out.run;
  write_checkpoint(p.checkpoint, *p.scenario, *p.plan, all);
  run.out.checkpoint_written = true;
  return true;
}

// Under MPI every rank runs its share of the realizations still to do. A
// periodic checkpoint would need every rank at a batch boundary at once, so
// only a run of one process takes them.
void share_and_schedule_checkpoints(Run& run) {
  RunOptions& opt = run.out.run.options;
  if (run.out.processes > 1) {
    // Keyed by realization: any split gives the same bits. Only rank 0's
    // start (the checkpoint's part) is ever merged, so none counts twice.
    opt.todo = distributed::share(opt.todo ? *opt.todo : RealizationSet::all(opt.realizations), distributed::rank(),
                                  run.out.processes);
  } else if (keeps_checkpoint(run.req) && run.req.checkpoint.every_min > 0) {
    opt.checkpoint = [&run](const RunResult& so_far) { save_checkpoint(run, so_far); };
    opt.checkpoint_interval_s = run.req.checkpoint.every_min * 60.0;
  }
}

// Every rank says what it runs and on what before any starts: ranks that
// disagree (a GPU that some could not use, so that auto chose the CPU there)
// are refused, and the ranks on one GPU split its memory. False: another rank
// failed, nothing is to run.
bool agree_to_start(Run& run) {
  if (!run.req.distributed) return true;
  PreparedRun& p = run.out.run;
  const bool on_gpu = p.backend.name == "cuda";
  const auto device = distributed::start_run({p.backend.name, p.backend.note,
                                              on_gpu ? cuda::device_id() : std::string(),
                                              on_gpu ? cuda::free_memory_bytes() : 0, p.options.seed,
                                              p.options.realizations});
  if (!device) return false;
  p.options.device_processes = device->processes;
  p.options.device_free = device->free;
  return true;
}

// Runs the realizations to do; an interruption keeps the part done.
RunResult run_realizations(Run& run, RunEnd& end) {
  RunOptions& opt = run.out.run.options;
  if (run.hooks.progress) {
    const auto before = static_cast<std::uint32_t>(run.start.done.count());
    const bool shared = run.out.processes > 1;
    opt.progress = [&run, before, shared, total = opt.realizations](std::uint32_t d, std::uint32_t share) {
      if (shared) run.hooks.progress(d, share);
      else run.hooks.progress(before + d, total);
    };
  }
  RunResult part;
  end = RunEnd::Finished;
  try {
    if (run.evidence) {
      ConditionOptions co = run.req.conditioning;
      co.checkpoint = run.out.conditioning_checkpoint;
      co.resume = run.req.checkpoint.resume;
      ConditionedRun c = condition_run(*run.out.run.scenario, *run.out.run.plan, *run.evidence, opt, co);
      part = std::move(c.result);
      run.out.conditioning =
          conditioning_record(*run.evidence, c.report, run.req.conditioning, run.req.cancelled_detection);
    } else {
      part = run_ensemble(*run.out.run.scenario, *run.out.run.plan, opt);
    }
  } catch (const Interrupted& e) {
    part = std::move(*e.partial);
    end = RunEnd::Interrupted;
    const std::string& ck = run.out.conditioning_checkpoint;
    run.out.conditioning_saved = run.evidence && !ck.empty() && path_exists(ck);
  }
  opt.progress = nullptr;  // they refer to this run, which ends with run_pipeline
  opt.checkpoint = nullptr;
  if (run.hooks.ran) run.hooks.ran();
  return part;
}

// Every rank, interrupted or not, takes part; then rank 0 holds the whole.
RunEnd gather(Run& run, RunResult& part, RunEnd end) {
  if (!run.req.distributed) return end;
  using distributed::Outcome;
  const Outcome o = distributed::reduce_to_root(part, end == RunEnd::Finished ? Outcome::Complete : Outcome::Interrupted);
  return o == Outcome::Complete ? RunEnd::Finished : o == Outcome::Interrupted ? RunEnd::Interrupted : RunEnd::PeerFailed;
}

// ---------------------------------------------------------------- finishing

// The checkpoint once the result is safe: the one this run continued or wrote
// on the way is spent; one left by an earlier interrupted run of this same run
// is superseded; another run's is left alone. Without a result file it stays,
// the only copy of the maps' data.
CheckpointFate retire_checkpoint(const RunRequest& req, const RunOutcome& out) {
  const PreparedRun& p = out.run;
  if (p.checkpoint.empty()) return CheckpointFate::None;
  if (req.result_file.empty()) return out.resumed || out.checkpoint_written ? CheckpointFate::Kept : CheckpointFate::None;
  if (out.resumed || out.checkpoint_written) {
    fs::remove(p.checkpoint);
    remove_orphaned_temporaries(p.checkpoint);  // of a writer that was killed
    return CheckpointFate::Removed;
  }
  if (!out.had_checkpoint) return CheckpointFate::None;
  try {
    read_checkpoint(p.checkpoint, *p.scenario, *p.plan, {p.options.seed, p.options.realizations, p.backend.name});
  } catch (const InputError&) {
    return CheckpointFate::OtherRun;
  }
  fs::remove(p.checkpoint);
  return CheckpointFate::Superseded;
}

// The whole run (the checkpoint's part and this one's), its statistics and
// data; the result file first, the most expensive thing to lose. A run
// continued in memory keeps how its first part ran; one stopped at `until`
// is the complete run of [0, until).
void finish(Run& run, RunResult& part) {
  RunOutcome& out = run.out;
  out.seconds = part.seconds;
  if (run.req.continue_from) merge_results(run.start, part);
  else add_run(run.start, std::move(part));
  if (run.req.until) run.start.realizations = *run.req.until;
  // The part's accumulators were added to (or moved into) the whole run: free
  // them before the statistics and the ResultData are made (the peak memory
  // of a run).
  part = RunResult();
  out.result = std::move(run.start);
  RunEvidence ev = run_evidence(*out.run.scenario, *out.run.plan, out.result, !run.evidence);
  out.statistics = std::move(ev.statistics);
  out.data = std::move(ev.data);
  out.data.conditioning = out.conditioning;
  if (!run.req.result_file.empty()) write_result_file(run.req.result_file, out.data);
  out.checkpoint_fate = retire_checkpoint(run.req, out);
}

// An interrupted run keeps what it did in its checkpoint.
void keep_interrupted(Run& run, RunResult& part) {
  RunOutcome& out = run.out;
  out.seconds = part.seconds;
  if (run.evidence) {  // the sampler saved its own checkpoint (conditioning_saved); no realization is done
    out.result = std::move(run.start);
    return;
  }
  if (!out.run.checkpoint.empty()) save_checkpoint(run, part);
  merge_results(run.start, part);
  out.result = std::move(run.start);
}

}  // namespace

PreparedRun prepare_run(const RunRequest& req, const RunHooks& hooks) {
  PreparedRun p;
  load(req, hooks, p);
  if (hooks.check_arguments) hooks.check_arguments(*p.scenario, p.options);
  p.backend = req.backend ? *req.backend : choose_backend(req.run.backend);  // an unusable one fails before any work
  check_fits_in_memory(*p.scenario, p.options);  // before the plan allocates the grids
  p.checkpoint = checkpoint_path(req, *p.scenario);
  if (hooks.check_outputs) hooks.check_outputs(*p.scenario, p.checkpoint);
  p.plan = req.loaded_scenario && req.loaded_plan ? req.loaded_plan
                                                  : std::make_shared<const Plan>(make_plan(*p.scenario));
  return p;
}

RunOutcome run_pipeline(const RunRequest& req, const RunHooks& hooks) {
  RunOutcome out;
  out.run = prepare_run(req, hooks);
  out.processes = req.distributed ? distributed::size() : 1;
  out.root = !req.distributed || distributed::root();
  Run run{req, hooks, out, {}};
  if (!req.evidence.empty()) {
    if (req.distributed && distributed::size() > 1)
      throw InputError("--evidence: a conditioned run runs in one process (its particles move together); run it "
                       "without mpirun");
    const Scenario& sc = *out.run.scenario;
    run.evidence = std::make_shared<const Evidence>(read_evidence(req.evidence, sc.grid, req.cancelled_detection));
    out.conditioning_checkpoint = conditioning_checkpoint_path(req, sc);
  }
  choose_start(run);
  const RunStart info{out.run, out.resumed, out.had_checkpoint, run.start.done,
                      out.run.options.todo ? out.run.options.todo->count() : out.run.options.realizations,
                      out.processes, out.root};
  share_and_schedule_checkpoints(run);
  if (hooks.starting) hooks.starting(info);
  if (!agree_to_start(run)) {
    out.end = RunEnd::PeerFailedBeforeRun;
    return out;
  }
  if (hooks.before_running) hooks.before_running(info);
  RunEnd end = RunEnd::Finished;
  RunResult part = run_realizations(run, end);
  out.end = gather(run, part, end);
  if (!out.root || out.end == RunEnd::PeerFailed) return out;
  if (out.end == RunEnd::Interrupted) keep_interrupted(run, part);
  else finish(run, part);
  return out;
}

RunEvidence run_evidence(const Scenario& sc, const Plan& plan, const RunResult& r, bool sensitivity) {
  RunEvidence ev;
  ev.statistics = cell_statistics(r.accumulators, r.realizations);
  ev.data = make_result_data(sc, plan, r, ev.statistics);
  if (sensitivity) ev.data.sensitivity = run_sensitivity(sc, plan, r);
  else ev.data.sensitivity.realizations = r.realizations;  // none computed, and none said to be missing
  return ev;
}

}  // namespace remnant
