// remnant: the command-line front end. Thin: parses arguments, calls the host
// library, turns exceptions into messages and exit codes.
//   0 success, 1 internal or I/O failure, 2 bad input, 130 interrupted.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "host/common/atomic_output.h"
#include "host/run/distributed.h"
#include "host/run/ensemble.h"
#include "host/evidence/exports.h"
#include "host/maps/export.h"
#include "host/evidence/layers.h"
#include "host/maps/map.h"
#include "host/run/pipeline.h"
#include "host/run/plan.h"
#include "host/run/progress.h"
#include "host/run/summary.h"
#include "host/evidence/result_file.h"
#include "host/inputs/scenario.h"
#include "host/apps/calibrate.h"
#include "host/apps/hazard.h"
#include "host/apps/sweep.h"
#include "remnant_version.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

// From here on SIGINT and SIGTERM only raise a flag: a run stops between
// batches, and run, export and compare stop between output files (each is
// written atomically). Before (loading, planning) they end the process at once.
void catch_interrupts() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

// An argument as a POSIX shell reads it back (for the printed resume command).
std::string shell_quoted(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./,:@%") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<remnant::Override> overrides(const std::vector<std::string>& sets) {
  std::vector<remnant::Override> out;
  for (const std::string& a : sets) out.push_back(remnant::parse_override(a));
  return out;
}


// Map options shared by run, export and compare.
void add_map_options(CLI::App* cmd, remnant::MapOptions& m) {
  std::string names;
  for (const std::string& n : remnant::display_layer_names()) names += (names.empty() ? "" : ", ") + n;
  cmd->add_option("--layer", m.layer, "Layer to map or export: " + names)->capture_default_str();
  cmd->add_option("--title", m.title, "Map title (default: the scenario's name)");
  cmd->add_option("--subtitle", m.subtitle, "Map subtitle (default: what the layer shows)");
  std::string papers;
  for (const std::string& n : remnant::paper_names()) papers += (papers.empty() ? "" : ", ") + n;
  cmd->add_option("--paper", m.paper, "Page: " + papers)->capture_default_str();
  cmd->add_option("--dpi", m.dpi, "Resolution of PNG maps")->capture_default_str();
  cmd->add_option("--sites", m.sites,
                  "Strike-site markers: auto (circles up to 1,000 sites, dots up to 20,000, none beyond), circles, "
                  "dots or none")
      ->capture_default_str();
}

// CLI11 reads integers with strtoll in base 0, which saturates (--seed 2^64
// became 9223372036854775807) and reads 010 as octal: the text must be a
// decimal integer that fits, and goes on as one.
const CLI::Validator kInteger(
    [](std::string& text) {
      std::int64_t v = 0;
      const char* end = text.data() + text.size();
      const auto [at, ec] = std::from_chars(text.data(), end, v);
      if (text.empty() || ec != std::errc() || at != end)
        return fmt::format("expected an integer, got {}{}", text,
                           ec == std::errc::result_out_of_range ? " (out of range)" : "");
      text = std::to_string(v);
      return std::string();
    },
    "INTEGER");

// -r, --seed, --backend, --threads, --batch: the options run and sweep share.
void add_run_arguments(CLI::App* cmd, remnant::RunArguments& r, const std::string& realizations_help,
                       const std::string& seed_help) {
  cmd->add_option("--realizations,-r", r.realizations, realizations_help)->transform(kInteger);
  cmd->add_option("--seed", r.seed, seed_help)->transform(kInteger);
  cmd->add_option("--backend", r.backend, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", r.threads, "CPU threads (default: all)")->transform(kInteger);
  cmd->add_option("--batch", r.batch, "Realizations per batch (default: automatic); results do not depend on it")
      ->transform(kInteger);
}

// Checks before any work that an output path can be written, in a format its
// extension names and the option accepts (empty list: any export format).
void check_export_target(const std::string& path, const std::string& what,
                         std::initializer_list<const char*> accepted = {}) {
  std::string why;
  if (!remnant::is_exportable_path(path, &why)) throw remnant::InputError(what + " " + why);
  if (accepted.size()) {
    const std::string ext = remnant::file_extension(path);
    std::string list;
    bool ok = false;
    for (const char* a : accepted) {
      ok = ok || ext == a;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    if (!ok) throw remnant::InputError(fmt::format("{} {}: expected a file ending in {}", what, path, list));
  }
  remnant::check_output_path(path, what);
}

// Refuses a name that is not in the list, naming the option and the choices.
void check_choice(const std::string& option, const std::string& value, const std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), value) != names.end()) return;
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  throw remnant::InputError(fmt::format("{} {}: unknown; expected one of {}", option, value, list));
}

void check_map_args(const remnant::MapOptions& m) {
  check_choice("--layer", m.layer, remnant::display_layer_names());
  check_choice("--paper", m.paper, remnant::paper_names());
  check_choice("--sites", m.sites, remnant::site_marker_names());
  if (!(m.dpi >= 10.0 && m.dpi <= 1200.0))
    throw remnant::InputError(fmt::format("--dpi {}: expected a resolution between 10 and 1200", m.dpi));
}

// The files a run of sc reads, each with the key that names it.
std::vector<std::pair<std::string, std::string>> scenario_inputs(const remnant::Scenario& sc) {
  std::vector<std::pair<std::string, std::string>> in = {
      {"the scenario file", sc.path},           {"scenario.base", sc.base_path},
      {"scenario.munitions", sc.munitions_path}, {"scenario.land_cover_table", sc.land_cover_path},
      {"terrain.elevation", sc.terrain.elevation}, {"terrain.land_cover", sc.terrain.land_cover},
      {"sites.points_csv", sc.sites.points_csv}};
  for (std::size_t i = 0; i < sc.sites.areas.size(); ++i)
    in.emplace_back(fmt::format("sites.area[{}].polygon_file", i), sc.sites.areas[i].polygon_file);
  if (sc.dataset) {
    in.emplace_back("grid.dataset", sc.dataset->elevation);
    in.emplace_back("grid.dataset", sc.dataset->land_cover);
  }
  return in;
}

// Refuses an output that is one of the files the run reads: it would be
// replaced by the output (a --csv over the points file, say).
void check_not_an_input(const std::string& option, const std::string& path, const remnant::Scenario& sc) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return;
  for (const auto& [key, input] : scenario_inputs(sc))
    if (!input.empty() && std::filesystem::equivalent(path, input, ec))
      throw remnant::InputError(fmt::format("{} {}: is {} ({}), which the run reads; writing it would destroy "
                                            "that input; expected another file name",
                                            option, path, key, input));
}

struct RunArgs {
  std::string scenario;
  std::vector<std::string> sets;
  remnant::RunArguments run;  // -r, --seed, --backend, --threads, --batch
  std::string out;
  bool json = false;
  std::string map, geotiff, csv;
  remnant::MapOptions map_opts;
  bool resume = false, quiet = false;
  std::vector<std::string> evidence;  // --evidence: condition the run on these files
  double cancelled_detection = remnant::kDefaultCancelledDetection;
  std::uint32_t sweeps = remnant::ConditionOptions{}.sweeps;
  std::string checkpoint;             // empty: beside --out (default_checkpoint_path)
  double checkpoint_every_min = 10.0;  // 0: only on Ctrl-C
  bool checkpoint_every_given = false;
  std::string command_line;           // as typed, for the resume hint
};

// Checks before any work that the outputs named can be written: --out a
// result file (HDF5), --map, --geotiff and --csv in their formats, and the map
// options.
void check_run_outputs(const RunArgs& a) {
  using namespace remnant;
  // The result file, its layers and the totals' CSV hold impacts, which a
  // dud-only run does not count.
  if (a.run.duds_only)
    for (const auto& [option, path] : {std::pair<const char*, const std::string&>{"--out", a.out}, {"--map", a.map},
                                       {"--geotiff", a.geotiff}, {"--csv", a.csv}})
      if (!path.empty())
        throw InputError(fmt::format("{} with --duds-only: a dud-only run counts no impacts, which the result file, "
                                     "its layers and the totals' CSV hold; run without --duds-only to write {}",
                                     option, path));
  if (!a.out.empty()) {
    const std::string ext = file_extension(a.out);
    if (ext != ".h5" && ext != ".hdf5" && ext != ".nc")
      throw InputError(fmt::format("--out {}: the result file is HDF5 (NetCDF-4); expected a name ending in .h5, "
                                   ".hdf5 or .nc (maps: --map, GeoTIFF: --geotiff, CSV: --csv)",
                                   a.out));
    check_output_path(a.out, "--out");
  }
  check_map_args(a.map_opts);
  if (!a.map.empty()) check_export_target(a.map, "--map", {".png", ".svg", ".pdf"});
  if (!a.geotiff.empty()) check_export_target(a.geotiff, "--geotiff", {".tif", ".tiff"});
  if (!a.csv.empty()) check_export_target(a.csv, "--csv", {".csv"});
}

// --evidence and the options that go with it.
void check_evidence_options(const RunArgs& a) {
  using remnant::InputError;
  if (!(a.cancelled_detection >= 0.0 && a.cancelled_detection <= 1.0))
    throw InputError(fmt::format("--cancelled-detection: expected a probability from 0 to 1, got {}",
                                 a.cancelled_detection));
  if (a.sweeps < 1 || a.sweeps > 1000)
    throw InputError(fmt::format("--sweeps: expected a whole number from 1 to 1000, got {}", a.sweeps));
  if (!a.evidence.empty() && a.run.realizations && *a.run.realizations < 2)
    throw InputError(fmt::format("-r {} with --evidence: a conditioned run needs at least 2 realizations (its "
                                 "particles; 100 or more for figures to quote)",
                                 *a.run.realizations));
}

// Once the checkpoint's path is known: it can be written, and no output is an
// input of the run or the checkpoint.
void check_checkpoint_and_outputs(const RunArgs& a, const remnant::Scenario& sc, const std::string& checkpoint) {
  using namespace remnant;
  if (!(a.checkpoint_every_min >= 0.0))
    throw InputError(fmt::format("--checkpoint-every: expected minutes >= 0, got {}", a.checkpoint_every_min));
  check_output_path(checkpoint, "--checkpoint");
  for (const auto& [option, path] : {std::pair<const char*, const std::string&>{"--out", a.out}, {"--map", a.map},
                                     {"--geotiff", a.geotiff}, {"--csv", a.csv}, {"--checkpoint", checkpoint}})
    check_not_an_input(option, path, sc);
  for (const std::string& f : {a.out, a.map, a.geotiff, a.csv})
    if (!f.empty() && std::filesystem::weakly_canonical(f) == std::filesystem::weakly_canonical(checkpoint))
      throw InputError(fmt::format("--checkpoint {}: the same file as an output; give the checkpoint another name",
                                   checkpoint));
}

// `remnant run`'s arguments as the pipeline takes them. Under mpirun every
// rank runs its share of the realizations still to do; rank 0 alone speaks,
// holds the resumed part and writes the files.
remnant::RunRequest run_request(const RunArgs& a) {
  remnant::RunRequest req;
  req.scenario = a.scenario;
  req.overrides = overrides(a.sets);
  req.run = a.run;
  req.result_file = a.out;
  req.checkpoint.path = a.checkpoint;  // empty: beside --out
  req.checkpoint.resume = a.resume;
  req.checkpoint.every_min = a.checkpoint_every_min;
  req.distributed = true;
  req.evidence = a.evidence;
  req.cancelled_detection = a.cancelled_detection;
  req.conditioning.sweeps = a.sweeps;
  if (!a.quiet)
    req.conditioning.stage_done = [stage = 0](const remnant::ConditioningStage& st) mutable {
      std::cerr << fmt::format("remnant: conditioning stage {}: likelihood power {:.3g}, effective sample size {:.1f}\n",
                               ++stage, st.beta, st.effective_size);
    };
  return req;
}

// Where the run starts from, said before it starts.
void say_how_the_run_starts(const RunArgs& a, const remnant::RunStart& s) {
  const bool quiet = a.quiet || !s.root;
  if (quiet) return;
  if (s.resumed) {
    std::cerr << fmt::format("remnant: resuming from {}: {} of {} realizations done ({}), {} to run\n",
                             s.run.checkpoint, s.done.count(), s.run.options.realizations, s.done.text(), s.to_run);
  } else if (s.had_checkpoint) {
    std::cerr << fmt::format("remnant: note: {} holds a checkpoint of an earlier interrupted run; this run starts "
                             "afresh (--resume continues it) and may replace it\n",
                             s.run.checkpoint);
  }
  // Ranks reach batch boundaries at different times: a periodic checkpoint
  // would need them all at once. Ctrl-C (SIGINT, SIGTERM) still saves one.
  if (s.processes > 1 && a.checkpoint_every_given && a.checkpoint_every_min > 0)
    std::cerr << fmt::format("remnant: note: {} MPI processes: no periodic checkpoints (--checkpoint-every); "
                             "Ctrl-C still saves one\n", s.processes);
}

// A run interrupted (Ctrl-C, SIGTERM) during its realizations: what was saved
// and how to continue.
int run_interrupted(const RunArgs& a, const remnant::RunOutcome& o) {
  if (!a.evidence.empty()) {
    if (!o.conditioning_saved) {
      std::cerr << "remnant: interrupted before the conditioning's first stage finished; nothing was saved, nothing "
                   "written\n";
      return 130;
    }
    std::cerr << fmt::format("remnant: interrupted; the conditioning's finished stages are saved in {}.\n"
                             "Continue with the same arguments and --resume:\n  {}{}\n",
                             o.conditioning_checkpoint, a.command_line, a.resume ? "" : " --resume");
    return 130;
  }
  if (!o.checkpoint_written) {
    std::cerr << "remnant: interrupted before the first batch finished; nothing was computed, nothing written\n";
    return 130;
  }
  std::string again = (o.processes > 1 ? fmt::format("mpirun -np {} ", o.processes) : "") + a.command_line;
  if (!a.resume) again += " --resume";
  if (o.processes > 1) again += "\n(add the other mpirun options you used, such as --oversubscribe)";
  std::cerr << fmt::format("remnant: interrupted after {} of {} realizations; they are saved in {}.\n"
                           "Continue with the same arguments and --resume:\n  {}\n",
                           o.result.done.count(), o.run.options.realizations, o.run.checkpoint, again);
  return 130;
}

// What became of the checkpoint once the result file was written (or not).
void say_checkpoint_fate(const RunArgs& a, const remnant::RunOutcome& o) {
  using remnant::CheckpointFate;
  if (a.quiet) return;
  const std::string& checkpoint = o.run.checkpoint;
  if (o.checkpoint_fate == CheckpointFate::Superseded)
    std::cerr << fmt::format("remnant: removed {}: this run's result supersedes that checkpoint\n", checkpoint);
  if (o.checkpoint_fate == CheckpointFate::OtherRun)
    std::cerr << fmt::format("remnant: note: {} (a checkpoint of another run) was left as it was\n", checkpoint);
  if (o.checkpoint_fate == CheckpointFate::Kept)
    std::cerr << fmt::format("remnant: note: no --out, so {} is kept; run again with --out FILE.h5 --resume to keep "
                             "the result in a file\n",
                             checkpoint);
}

// The run's summary on stdout (text or JSON), with the files written.
void print_run_summary(const RunArgs& a, const remnant::RunOutcome& o, const std::vector<std::string>& written) {
  using namespace remnant;
  const Scenario& sc = *o.run.scenario;
  const Plan& plan = *o.run.plan;
  if (a.json) {
    std::cout << summary_json(sc, plan, o.result, o.data.sensitivity, conditioning_json_members(o.conditioning));
    return;
  }
  std::cout << summary_text(sc, plan, o.result, o.data.sensitivity);
  if (!o.conditioning.empty()) std::cout << conditioning_text(o.conditioning);
  if (o.processes > 1)
    std::cout << fmt::format("  processes: {} (MPI), each ran a share of the realizations; slowest took {}\n",
                             o.processes, Progress::duration_text(o.seconds));
  std::cout << (a.out.empty() ? std::string("  no result file written (use --out FILE.h5)\n")
                              : fmt::format("  result file: {}\n", a.out));
  for (const std::string& f : {a.map, a.geotiff, a.csv})
    if (std::find(written.begin(), written.end(), f) != written.end()) std::cout << fmt::format("  written: {}\n", f);
}

// Ctrl-C after the run: the summary is still printed (it costs nothing) and
// the message names the files not written and how to draw them.
int interrupted_after_run(const RunArgs& a, const remnant::RunOutcome& o, const std::vector<std::string>& written) {
  print_run_summary(a, o, written);
  std::string missing;
  for (const std::string& f : {a.map, a.geotiff, a.csv})
    if (!f.empty() && std::find(written.begin(), written.end(), f) == written.end()) missing += " --out " + f;
  std::cerr << "remnant: interrupted after the run; "
            << (written.empty() ? std::string("no file was written")
                                : "complete: " + fmt::format("{}", fmt::join(written, ", ")))
            << (a.out.empty() || written.empty() || missing.empty()
                    ? ""
                    : fmt::format(". Draw the rest with: remnant export {}{}", a.out, missing))
            << "\n";
  return 130;
}

// A finished run: the result file is written (by the pipeline, first: the
// most expensive thing to lose); then the map, GeoTIFF and CSV, then the
// summary. Ctrl-C from here on lets the file being written finish (each is
// complete or absent), then stops before the next one.
int run_finished(const RunArgs& a, const remnant::RunOutcome& o) {
  say_checkpoint_fate(a, o);
  std::vector<std::string> written;
  if (!a.out.empty()) written.push_back(a.out);
  for (const std::string& f : {a.map, a.geotiff, a.csv}) {
    if (f.empty()) continue;
    if (g_stop.load()) return interrupted_after_run(a, o, written);
    remnant::export_file(o.data, a.map_opts, f);
    written.push_back(f);
  }
  if (g_stop.load()) return interrupted_after_run(a, o, written);
  print_run_summary(a, o, written);
  return 0;
}

int cmd_run(const RunArgs& a) {
  using namespace remnant;
  std::optional<Progress> progress;
  RunHooks hooks;
  hooks.cancel = &g_stop;
  hooks.check_arguments = [&](const Scenario&, const RunOptions&) {
    a.run.check();
    check_run_outputs(a);
    check_evidence_options(a);
  };
  hooks.check_outputs = [&](const Scenario& sc, const std::string& checkpoint) {
    check_checkpoint_and_outputs(a, sc, checkpoint);
  };
  hooks.starting = [&](const RunStart& s) { say_how_the_run_starts(a, s); };
  hooks.before_running = [&](const RunStart& s) {
    // Under MPI rank 0 shows its own share.
    const std::string& name = s.run.scenario->name;
    progress.emplace(s.processes > 1 ? fmt::format("{} (rank 0 of {})", name, s.processes) : name,
                     s.run.plan->items_per_realization, a.quiet || !s.root ? ProgressMode::Quiet : ProgressMode::Auto);
    catch_interrupts();
  };
  hooks.progress = [&](std::uint32_t done, std::uint32_t total) { progress->update(done, total); };
  hooks.ran = [&] { progress->finish(); };
  const RunOutcome o = run_pipeline(run_request(a), hooks);
  const char* const peer_failed = "remnant: error: another process of this run failed (its message is above); ";
  if (o.end == RunEnd::PeerFailedBeforeRun) {
    if (o.root) std::cerr << peer_failed << "nothing was run\n";
    return 2;
  }
  if (!o.root) return o.end == RunEnd::Finished ? 0 : o.end == RunEnd::PeerFailed ? 2 : 130;
  if (o.end == RunEnd::PeerFailed) {
    std::cerr << peer_failed << "nothing was written\n";
    return 2;
  }
  if (o.end == RunEnd::Interrupted) return run_interrupted(a, o);
  return run_finished(a, o);
}

// The hooks of a command of many runs (sweep, calibrate): its messages on
// stderr (quiet keeps only those about an interruption), Ctrl-C caught once
// the checks pass.
remnant::SweepHooks batch_hooks(bool quiet) {
  using namespace remnant;
  SweepHooks hooks;
  hooks.cancel = &g_stop;
  hooks.before_running = catch_interrupts;
  hooks.say = [](const std::string& m) { std::cerr << m; };
  if (!quiet) {
    hooks.chatter = hooks.say;
    hooks.progress = [](const std::string& label, std::uint64_t items) {
      return std::make_unique<Progress>(label, items, ProgressMode::Auto);
    };
  }
  return hooks;
}

// `remnant sweep`: its summary on stdout; 130 when interrupted.
int cmd_sweep(const remnant::SweepArgs& a) {
  const remnant::SweepResult r = remnant::run_sweep(a, batch_hooks(a.quiet));
  if (r.outcome == remnant::SweepOutcome::Interrupted) return 130;
  std::cout << r.report;
  return 0;
}

// `remnant calibrate`: its report (or JSON summary) on stdout; 130 when interrupted.
int cmd_calibrate(const remnant::CalibrateArgs& a) {
  const remnant::CalibrateResult r = remnant::run_calibration(a, batch_hooks(a.quiet));
  if (r.outcome == remnant::SweepOutcome::Interrupted) return 130;
  std::cout << r.report;
  return 0;
}

// `remnant hazard`: its summary on stdout; 130 when interrupted.
int cmd_hazard(const remnant::HazardArgs& a) {
  const remnant::HazardResult r = remnant::run_hazard(a, batch_hooks(a.quiet));
  if (r.outcome == remnant::SweepOutcome::Interrupted) return 130;
  std::cout << r.report;
  return 0;
}

int cmd_validate(const std::string& scenario, const std::vector<std::string>& sets) {
  using namespace remnant;
  const Scenario sc = load_scenario(scenario, overrides(sets));
  check_fits_in_memory(sc, RunArguments().options_for(sc));  // before the plan allocates the grids
  const Plan plan = make_plan(sc);
  std::cout << validation_text(sc, plan);
  return 0;
}

// Ctrl-C in export or compare: the file being written is finished (each is
// complete or absent), the rest are not started.
int interrupted_between_outputs() {
  std::cerr << "remnant: interrupted; the files named above are complete, the others were not written\n";
  return 130;
}

int cmd_info(const std::string& file) {
  std::cout << remnant::result_info_text(remnant::read_result_or_checkpoint_file(file));
  return 0;
}

int cmd_export(const std::string& file, const std::vector<std::string>& outs, const remnant::MapOptions& m) {
  using namespace remnant;
  check_map_args(m);
  for (const std::string& o : outs) check_export_target(o, "--out");
  const ResultData d = read_result_file(file);
  catch_interrupts();
  for (const std::string& o : outs) {
    if (g_stop.load()) return interrupted_between_outputs();
    export_file(d, m, o);
    std::cout << fmt::format("written: {}\n", o);
  }
  return 0;
}

int cmd_compare(const std::string& a, const std::string& b, const std::vector<std::string>& outs, const remnant::MapOptions& m) {
  using namespace remnant;
  check_map_args(m);
  for (const std::string& o : outs) check_export_target(o, "--out", {".png", ".svg", ".pdf"});
  const ResultData da = read_result_file(a);
  const ResultData db = read_result_file(b);
  MapOptions options = m;
  options.file_a = a;
  options.file_b = b;
  catch_interrupts();
  for (const std::string& o : outs) {
    if (g_stop.load()) return interrupted_between_outputs();
    render_comparison(da, db, options, o);
    std::cout << fmt::format("written: {}\n", o);
  }
  return 0;
}

const char* const kSetHelp =
    "Override a value of the scenario file: KEY=VALUE, KEY a dotted path (inventory.total_submunitions, "
    "sites.count, scenario.dud_rates, inventory.carrier[0].share), VALUE a TOML value; repeatable";

CLI::App* add_run_command(CLI::App& app, RunArgs& run) {
  CLI::App* cmd = app.add_subcommand("run", "Simulate a scenario and summarise the contamination");
  cmd->add_option("scenario", run.scenario, "Scenario file (TOML)")->required();
  add_run_arguments(cmd, run.run, "Number of realizations (default: the scenario's)",
                    "Random seed (default: the scenario's)");
  cmd->add_option("--out,-o", run.out, "Write the result file (HDF5)");
  cmd->add_flag("--json", run.json, "Print the summary as JSON");
  cmd->add_flag("--duds-only", run.run.duds_only,
                "Place only the items that can fail: the same duds, hazard area and dud totals to the bit, faster; "
                "impacts and items outside the grid or in water are not counted (no --out, --map, --geotiff, --csv)");
  cmd->add_option("--set", run.sets, kSetHelp);
  cmd->add_option("--map", run.map, "Also draw a map of --layer (.png, .svg or .pdf)");
  cmd->add_option("--geotiff", run.geotiff, "Also write --layer as a GeoTIFF (.tif)");
  cmd->add_option("--csv", run.csv, "Also write the per-realization totals as CSV");
  add_map_options(cmd, run.map_opts);
  cmd->add_flag("--resume", run.resume,
                "Continue an interrupted run from its checkpoint (run with the same arguments); the result is "
                "identical to an uninterrupted run's");
  cmd->add_option("--checkpoint", run.checkpoint,
                  "Checkpoint file written on Ctrl-C and every --checkpoint-every minutes (default: beside --out, "
                  "NAME.checkpoint.h5)");
  cmd->add_option("--checkpoint-every", run.checkpoint_every_min,
                  "Minutes between checkpoints during a run, so that even a killed run loses at most this much "
                  "(0: only on Ctrl-C)")
      ->capture_default_str();
  cmd->add_option("--evidence", run.evidence,
                  "Condition the run on evidence from the ground: a GeoPackage, GeoJSON, Shapefile, KML or CSV of "
                  "located strikes, finds, searched and cancelled areas (docs/EVIDENCE.md); repeatable. The "
                  "realizations (-r) are the posterior's particles");
  cmd->add_option("--cancelled-detection", run.cancelled_detection,
                  "With --evidence: the detection probability of a cancelled area that gives none (an assumption)")
      ->capture_default_str();
  cmd->add_option("--sweeps", run.sweeps,
                  "With --evidence: Metropolis-Hastings sweeps after each resampling (the final stage runs twice as "
                  "many)")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", run.quiet, "No progress on stderr");
  return cmd;
}

struct ValidateArgs {
  std::string scenario;
  std::vector<std::string> sets;
};

CLI::App* add_validate_command(CLI::App& app, ValidateArgs& v) {
  CLI::App* cmd = app.add_subcommand("validate", "Check a scenario without running it and print the resolved inventory");
  cmd->add_option("scenario", v.scenario, "Scenario file (TOML)")->required();
  cmd->add_option("--set", v.sets, kSetHelp);
  return cmd;
}

CLI::App* add_info_command(CLI::App& app, std::string& file) {
  CLI::App* cmd = app.add_subcommand("info", "Describe a result file and its headline figures with 90 % intervals");
  cmd->add_option("file", file, "Result file (HDF5)")->required();
  return cmd;
}

struct ExportArgs {
  std::string file;
  std::vector<std::string> outs;
  remnant::MapOptions map;
};

CLI::App* add_export_command(CLI::App& app, ExportArgs& e) {
  CLI::App* cmd =
      app.add_subcommand("export", "Export a layer of a result file as a map (.png, .svg, .pdf), GeoTIFF (.tif) "
                                   "or the per-realization totals as CSV");
  cmd->add_option("file", e.file, "Result file (HDF5)")->required();
  cmd->add_option("--out,-o", e.outs, "Output file(s); the format follows the extension")->required();
  add_map_options(cmd, e.map);
  cmd->add_option("--figure", e.map.figure,
                  "sensitivity: instead of a layer, a chart of what drives the headline totals (.png, .svg, .pdf)")
      ->check(CLI::IsMember({"sensitivity"}));
  return cmd;
}

struct CompareArgs {
  std::vector<std::string> files, outs;
  remnant::MapOptions map;
};

CLI::App* add_compare_command(CLI::App& app, CompareArgs& c) {
  CLI::App* cmd = app.add_subcommand(
      "compare", "One page comparing two results on the same grid: both maps on one scale, the difference, the totals");
  cmd->add_option("files", c.files, "Result files A and B (HDF5)")->required()->expected(2);
  cmd->add_option("--out,-o", c.outs, "Output page(s): .png, .svg or .pdf")->required();
  add_map_options(cmd, c.map);
  return cmd;
}

CLI::App* add_sweep_command(CLI::App& app, remnant::SweepArgs& sweep) {
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a scenario at every combination of swept --set values; one result file per point, a summary "
               "(CSV, JSON) and a figure (PNG, SVG) of a headline total with its 90 % interval");
  cmd->add_option("scenario", sweep.scenario, "Scenario file (TOML)")->required();
  cmd->add_option("--set", sweep.sets,
                  "KEY=V1,V2,... sweeps KEY over the values (commas inside [ ], { } and quotes do not split); "
                  "KEY=VALUE with one value applies to every point; repeatable (every combination runs)")
      ->required();
  cmd->add_option("--out-dir", sweep.out_dir, "Directory for point-NNN.h5 and sweep.csv/.json/.png/.svg")->required();
  add_run_arguments(cmd, sweep.run, "Realizations per point (default: the scenario's)",
                    "Random seed, the same for every point (default: the scenario's)");
  cmd->add_option("--metric", sweep.metric, "Total the figure plots: total_duds, impacts, contaminated_area_km2, "
                                            "in_water or outside_grid")->capture_default_str();
  cmd->add_flag("--quiet,-q", sweep.quiet, "No progress and no line per point on stderr");
  cmd->add_flag("--resume", sweep.resume, "Keep the point files already in --out-dir that this sweep would write "
                                          "(checked: same scenario, --set, seed, realizations, backend); run the rest");
  return cmd;
}

CLI::App* add_calibrate_command(CLI::App& app, remnant::CalibrateArgs& cal) {
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Narrow uncertain inputs to a record: draws from uniform priors, each run, weighed by how near its "
                   "headline totals come to the record (approximate Bayesian computation; docs/CALIBRATION.md)");
  cmd->add_option("scenario", cal.scenario, "Scenario file (TOML)")->required();
  cmd->add_option("--vary", cal.vary, "KEY=LO,HI: a numeric --set key and its prior range (uniform; whole numbers "
                                      "when LO and HI are written as integers); repeatable")
      ->required();
  cmd->add_option("--target", cal.targets, "METRIC=VALUE[:SD]: a headline total of run --json (total_duds, "
                                           "hazard_area_km2, hazard_area_per_strike_ha, ...) or duds_of:NAME (the "
                                           "duds of submunition type NAME) and its record, with the record's "
                                           "standard deviation when known; repeatable")
      ->required();
  cmd->add_option("--set", cal.sets, "KEY=VALUE applied to every draw; repeatable");
  cmd->add_option("--out-dir", cal.out_dir, "Directory for realizations.csv, draws.csv, calibration.json, "
                                            "calibrated.toml and calibration.png/.svg")
      ->required();
  cmd->add_option("--draws", cal.draws, "Draws from the prior, each a run of -r realizations")->capture_default_str();
  cmd->add_option("--accept", cal.accept, "Fraction of draws kept when a target has no SD (rejection method)")
      ->capture_default_str();
  cmd->add_option("--rounds", cal.rounds, "Sequential rounds the draws are split into: each after the first draws "
                                          "where the rounds before found the posterior (needs an SD for every target)")
      ->capture_default_str();
  add_run_arguments(cmd, cal.run,
                    fmt::format("Realizations per draw (default {})", remnant::kDefaultCalibrationRealizations),
                    "Random seed of every draw and of the prior's draws (default: the scenario's)");
  cmd->add_flag("--json", cal.json, "Print the JSON summary (calibration.json) instead of the report");
  cmd->add_flag("--quiet,-q", cal.quiet, "No progress and no line per draw on stderr");
  cmd->add_flag("--resume", cal.resume, "Keep the draws already in --out-dir/realizations.csv (checked: same "
                                        "scenario, --set, --vary, seed, -r, backend); run the rest");
  return cmd;
}

CLI::App* add_hazard_command(CLI::App& app, remnant::HazardArgs& h) {
  CLI::App* cmd = app.add_subcommand(
      "hazard", "Hazard areas of a result as vector layers for a GIS: polygons with the expected unexploded items "
                "inside and their 90 % interval, the strike sites, where the figures come from (docs/HAZARD.md)");
  cmd->add_option("file", h.file, "Result file (HDF5)")->required();
  cmd->add_option("--out,-o", h.outs, "Output file(s): .gpkg (GeoPackage, recommended), .geojson, .shp or .kml")
      ->required();
  cmd->add_option("--threshold", h.threshold, "share=S: the densest cells that hold this share of the expected "
                                              "items; p_any=P: cells where at least one item is at least this "
                                              "likely; density=D: cells with at least D expected items per hectare")
      ->capture_default_str();
  cmd->add_flag("--no-intervals", [&h](std::int64_t) { h.intervals = false; },
                "Do not run the realizations again: the areas without their 90 % intervals");
  cmd->add_option("--threads", h.threads, "CPU threads for running the realizations again (default: all)");
  cmd->add_option("--ranking", h.ranking, "FILE.csv: the areas in clearance order, with the cumulative share of "
                                          "the expected items removed");
  cmd->add_option("--curve", h.curve, "FILE.{png,svg,pdf}: the clearance curve, items removed against area "
                                      "cleared in blocks, densest first and south to north");
  cmd->add_option("--localities", h.localities, "FILE.csv: expected items within --near of each town of the "
                                                "result's dataset");
  cmd->add_option("--block", h.block_m, "Metres: the side of the clearance blocks of --curve (whole cells)")
      ->capture_default_str();
  cmd->add_option("--near", h.near_m, "Metres: the distance of --localities and --town-weight")->capture_default_str();
  cmd->add_option("--town-weight", h.town_weight, "W: an area with a town within --near ranks as if (1 + W) times "
                                                  "as dense (default 0: by density alone)")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", h.quiet, "No progress on stderr");
  return cmd;
}

// The command line: every subcommand's arguments as CLI11 fills them, and the
// subcommands themselves (to ask which one was given).
struct CommandLine {
  CLI::App app{"Remnant: Monte Carlo simulation of unexploded cluster submunitions"};
  bool version = false;
  CLI::Option* version_flag = app.require_subcommand(0, 1)->add_flag(
      "--version", version, "Print the version, git revision and backends, then exit");
  RunArgs run;
  ValidateArgs validate;
  std::string info_file;
  ExportArgs export_args;
  CompareArgs compare;
  remnant::SweepArgs sweep;
  remnant::CalibrateArgs calibrate;
  remnant::HazardArgs hazard;
  CLI::App* run_cmd = add_run_command(app, run);
  CLI::App* validate_cmd = add_validate_command(app, validate);
  CLI::App* info_cmd = add_info_command(app, info_file);
  CLI::App* export_cmd = add_export_command(app, export_args);
  CLI::App* compare_cmd = add_compare_command(app, compare);
  CLI::App* sweep_cmd = add_sweep_command(app, sweep);
  CLI::App* calibrate_cmd = add_calibrate_command(app, calibrate);
  CLI::App* hazard_cmd = add_hazard_command(app, hazard);
};

// The subcommand given, or --version, or the help (exit 2) when there is none.
int run_command(const CommandLine& c) {
  if (c.version) {
    std::cout << fmt::format("remnant {} (git {})\n{}\n{}\n", REMNANT_VERSION, REMNANT_GIT_REVISION,
                             remnant::backends_report(), remnant::distributed::report());
    return 0;
  }
  if (c.run_cmd->parsed()) return cmd_run(c.run);
  if (c.validate_cmd->parsed()) return cmd_validate(c.validate.scenario, c.validate.sets);
  if (c.info_cmd->parsed()) return cmd_info(c.info_file);
  if (c.export_cmd->parsed()) return cmd_export(c.export_args.file, c.export_args.outs, c.export_args.map);
  if (c.compare_cmd->parsed()) return cmd_compare(c.compare.files[0], c.compare.files[1], c.compare.outs, c.compare.map);
  if (c.sweep_cmd->parsed()) return cmd_sweep(c.sweep);
  if (c.calibrate_cmd->parsed()) return cmd_calibrate(c.calibrate);
  if (c.hazard_cmd->parsed()) return cmd_hazard(c.hazard);
  std::cout << c.app.help();
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const remnant::distributed::Session mpi(&argc, &argv);  // MPI only under mpirun
  CommandLine cli;
  for (int i = 0; i < argc; ++i) cli.run.command_line += (i ? " " : "") + shell_quoted(argv[i]);
  if (argc > 0) cli.sweep.program = cli.calibrate.program = shell_quoted(argv[0]);
  try {
    cli.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.app.exit(e) == 0 ? 0 : 2;
  }
  const bool is_run = cli.run_cmd->parsed();
  cli.run.checkpoint_every_given = cli.run_cmd->count("--checkpoint-every") > 0;
  // Under mpirun only `run` is shared among the processes; anything else runs once, on rank 0.
  if (!remnant::distributed::root() && !is_run) return 0;

  try {
    return run_command(cli);
  } catch (const remnant::InputError& e) {
    // Under MPI the other processes of a run hear of it (one copy of the message).
    if (!is_run || remnant::distributed::fail_collectively()) std::cerr << "remnant: error: " << e.what() << "\n";
    return 2;
  } catch (const remnant::Interrupted& e) {
    std::cerr << "remnant: " << e.what() << "; nothing was written. Run again to compute the result.\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "remnant: failed: " << e.what() << "\n";
    if (is_run) remnant::distributed::abort_all(1);  // under MPI: the others must not wait for this one
    return 1;
  }
}
