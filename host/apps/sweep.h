// `remnant sweep`: a scenario run at every combination of the values of one
// or more --set parameters (their cartesian product), one HDF5 result file per
// point, then a summary of the headline totals with their 90 % intervals as
// CSV and JSON and a figure of one total against the swept parameter (PNG and
// SVG). Every point runs with the same seed (common random numbers): the
// differences between points come from the parameters, not from sampling
// noise. A sweep interrupted (Ctrl-C) keeps its finished point files and
// continues with --resume. Layout in docs/ARCHITECTURE.md ("Sweeps").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/evidence/sweep_summary.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/progress.h"

namespace remnant {

// The most points one sweep may have.
constexpr std::size_t kMaxSweepPoints = 1000;

// A --set value split at its top-level commas: commas inside [ ], { } and
// quoted strings do not split ("[0.5,0.5]" is one value, "\"a\",\"b\"" two).
// Elements are trimmed; an empty element throws InputError naming `set`.
std::vector<std::string> split_sweep_values(const std::string& value, const std::string& set);

// Parses the --set arguments. Throws InputError for a malformed KEY=VALUE, a
// value that is not TOML, an empty list element, a swept key given in another
// --set too, a value given twice in one swept list, no swept parameter, or
// more than kMaxSweepPoints points.
std::vector<SweepSet> parse_sweep_sets(const std::vector<std::string>& sets);

// The cartesian product, the first swept parameter varying slowest.
std::vector<SweepPoint> sweep_points(const std::vector<SweepSet>& sets);

// The command's arguments, as `remnant sweep` takes them.
struct SweepArgs {
  std::string scenario;
  std::vector<std::string> sets;
  std::string out_dir;
  RunArguments run;  // realizations and seed left out: each point's scenario's
  std::string metric = "total_duds";
  bool quiet = false;
  bool resume = false;
  std::string program = "remnant";  // as invoked (argv[0], shell-quoted): the resume hint starts with it
};

// How a sweep reports as it goes and is stopped. main() writes the messages
// to stderr; every hook may be left empty.
struct SweepHooks {
  SweepHooks(const std::atomic<bool>* cancel_flag = nullptr, std::function<void(const std::string&)> say_line = {})
      : cancel(cancel_flag), say(std::move(say_line)) {}
  const std::atomic<bool>* cancel = nullptr;  // checked between batches and between points
  std::function<void()> before_running;       // once the checks pass (the CLI catches Ctrl-C from here)
  // A message always shown (the sweep was interrupted, what is kept), whole lines.
  std::function<void(const std::string&)> say;
  // A message --quiet silences: a point reused, resumed or finished.
  std::function<void(const std::string&)> chatter;
  // The progress of a point's run (label "point 3/12", submunitions per
  // realization); none: not shown.
  std::function<std::unique_ptr<Progress>(const std::string& label, std::uint64_t items_per_realization)> progress;
};

enum class SweepOutcome {
  Finished,     // every point's file and the summary are written
  Interrupted,  // cancelled: the finished point files stay; `say` told how to resume
};

struct SweepResult {
  SweepOutcome outcome = SweepOutcome::Finished;
  std::string report;  // Finished: the points' headline and the files written, for stdout
};

// Runs a sweep: checks every argument and every point (loading and planning
// it) before running anything, then runs the points not already done, then
// writes the summary. hooks.cancel is checked between batches and between
// points; hooks.before_running is called once the checks pass. Interrupted,
// the finished point files stay and hooks.say says how to resume. Throws
// InputError for bad input, before any file is written; without --resume, an
// --out-dir that already holds a sweep's files (point-*.h5, sweep.csv, ...)
// is bad input. --out-dir is created when missing; its parent must exist.
SweepResult run_sweep(const SweepArgs& a, const SweepHooks& hooks = {});

}  // namespace remnant
