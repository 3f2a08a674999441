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
#include "host/run/checkpoint.h"
#include "host/run/distributed.h"
#include "host/run/ensemble.h"
#include "host/evidence/exports.h"
#include "host/maps/export.h"
#include "host/evidence/layers.h"
#include "host/maps/map.h"
#include "host/run/plan.h"
#include "host/run/progress.h"
#include "host/run/summary.h"
#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "host/inputs/scenario.h"
#include "host/evidence/stats.h"
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
  std::string checkpoint;             // empty: beside --out (default_checkpoint_path)
  double checkpoint_every_min = 10.0;  // 0: only on Ctrl-C
  bool checkpoint_every_given = false;
  std::string command_line;           // as typed, for the resume hint
};

int cmd_run(const RunArgs& a) {
  using namespace remnant;
  Scenario sc = load_scenario(a.scenario, overrides(a.sets));
  a.run.check();
  RunOptions opt = a.run.options_for(sc);
  opt.cancel = &g_stop;
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
  const BackendChoice backend = choose_backend(a.run.backend);  // an unusable backend fails before any work
  check_fits_in_memory(sc, opt);
  if (!(a.checkpoint_every_min >= 0.0))
    throw InputError(fmt::format("--checkpoint-every: expected minutes >= 0, got {}", a.checkpoint_every_min));
  const std::string checkpoint = a.checkpoint.empty() ? default_checkpoint_path(a.out, sc.path) : a.checkpoint;
  check_output_path(checkpoint, "--checkpoint");
  for (const auto& [option, path] : {std::pair<const char*, const std::string&>{"--out", a.out}, {"--map", a.map},
                                     {"--geotiff", a.geotiff}, {"--csv", a.csv}, {"--checkpoint", checkpoint}})
    check_not_an_input(option, path, sc);
  for (const std::string& f : {a.out, a.map, a.geotiff, a.csv})
    if (!f.empty() && std::filesystem::weakly_canonical(f) == std::filesystem::weakly_canonical(checkpoint))
      throw InputError(fmt::format("--checkpoint {}: the same file as an output; give the checkpoint another name",
                                   checkpoint));

  const Plan plan = make_plan(sc);
  // Under mpirun every rank runs its share of the realizations still to do;
  // rank 0 alone speaks, holds the resumed part and writes the files.
  const int ranks = distributed::size();
  const bool root = distributed::root(), quiet = a.quiet || !root;
  // A resumed run starts from the realizations its checkpoint holds and runs
  // the others; merged, they equal an uninterrupted run to the bit.
  const bool have_checkpoint = std::filesystem::exists(checkpoint);
  if (a.resume && !have_checkpoint)
    throw InputError(fmt::format("--resume: no checkpoint at {} (an interrupted run writes it there; if it was "
                                 "written elsewhere, name it with --checkpoint FILE)",
                                 checkpoint));
  RunResult done = run_start(a.resume ? checkpoint : std::string(), sc, plan, backend, opt);
  if (a.resume) {
    if (!quiet)
      std::cerr << fmt::format("remnant: resuming from {}: {} of {} realizations done ({}), {} to run\n", checkpoint,
                               done.done.count(), opt.realizations, done.done.text(), opt.todo->count());
  } else if (have_checkpoint && !quiet) {
    std::cerr << fmt::format("remnant: note: {} holds a checkpoint of an earlier interrupted run; this run starts "
                             "afresh (--resume continues it) and may replace it\n",
                             checkpoint);
  }
  // What has been computed, saved as a checkpoint (never over a finished run).
  bool wrote_checkpoint = false;
  auto save = [&](const RunResult& part) {
    RunResult all = done;
    merge_results(all, part);
    if (all.done.empty()) return false;
    write_checkpoint(checkpoint, sc, plan, all);
    wrote_checkpoint = true;
    return true;
  };
  if (ranks > 1) {
    // Keyed by realization: any split gives the same bits. Only rank 0's
    // `done` (the checkpoint's part) is ever merged, so none counts twice.
    opt.todo = distributed::share(opt.todo ? *opt.todo : RealizationSet::all(opt.realizations), distributed::rank(), ranks);
    // Ranks reach batch boundaries at different times: a periodic checkpoint
    // would need them all at once. Ctrl-C (SIGINT, SIGTERM) still saves one.
    if (a.checkpoint_every_given && a.checkpoint_every_min > 0 && !quiet)
      std::cerr << fmt::format("remnant: note: {} MPI processes: no periodic checkpoints (--checkpoint-every); "
                               "Ctrl-C still saves one\n", ranks);
  } else if (a.checkpoint_every_min > 0) {
    opt.checkpoint = [&](const RunResult& so_far) { save(so_far); };
    opt.checkpoint_interval_s = a.checkpoint_every_min * 60.0;
  }
  // Every rank says what it runs and on what before any starts: ranks that
  // disagree (a GPU that some could not use, so that auto chose the CPU
  // there) are refused, and the ranks on one GPU split its memory.
  const bool on_gpu = backend.name == "cuda";
  const auto device = distributed::start_run({backend.name, backend.note, on_gpu ? cuda::device_id() : std::string(),
                                              on_gpu ? cuda::free_memory_bytes() : 0, opt.seed, opt.realizations});
  if (!device) {
    if (root) std::cerr << "remnant: error: another process of this run failed (its message is above); nothing was run\n";
    return 2;
  }
  opt.device_processes = device->processes;
  opt.device_free = device->free;
  // Under MPI rank 0 shows its own share.
  Progress progress(ranks > 1 ? fmt::format("{} (rank 0 of {})", sc.name, ranks) : sc.name,
                    plan.items_per_realization, quiet ? ProgressMode::Quiet : ProgressMode::Auto);
  opt.progress = [&](std::uint32_t d, std::uint32_t share) {
    if (ranks > 1) progress.update(d, share);
    else progress.update(static_cast<std::uint32_t>(done.done.count()) + d, opt.realizations);
  };
  catch_interrupts();
  RunResult r;
  auto outcome = distributed::Outcome::Complete;
  try {
    r = run_ensemble(sc, plan, opt);
  } catch (const Interrupted& e) {
    r = std::move(*e.partial);
    outcome = distributed::Outcome::Interrupted;
  }
  progress.finish();
  // Every rank, interrupted or not, takes part; then rank 0 holds the whole.
  outcome = distributed::reduce_to_root(r, outcome);
  if (!root) return outcome == distributed::Outcome::Complete ? 0 : outcome == distributed::Outcome::Failed ? 2 : 130;
  if (outcome == distributed::Outcome::Failed) {
    std::cerr << "remnant: error: another process of this run failed (its message is above); nothing was written\n";
    return 2;
  }
  const double seconds = r.seconds;
  if (outcome == distributed::Outcome::Interrupted) {
    const bool saved = save(r);
    const std::uint64_t n = done.done.count() + r.done.count();
    if (!saved) {
      std::cerr << "remnant: interrupted before the first batch finished; nothing was computed, nothing written\n";
    } else {
      std::string again = (ranks > 1 ? fmt::format("mpirun -np {} ", ranks) : "") + a.command_line;
      if (!a.resume) again += " --resume";
      if (ranks > 1) again += "\n(add the other mpirun options you used, such as --oversubscribe)";
      std::cerr << fmt::format("remnant: interrupted after {} of {} realizations; they are saved in {}.\n"
                               "Continue with the same arguments and --resume:\n  {}\n",
                               n, opt.realizations, checkpoint, again);
    }
    return 130;
  }
  add_run(done, r);
  r = std::move(done);
  const CellStatistics st = cell_statistics(r.accumulators, r.realizations);
  const ResultData data = make_result_data(sc, plan, r, st);
  // The result file first: the most expensive thing to lose. Ctrl-C from here
  // on lets the file being written finish (each is complete or absent), then
  // stops before the next one.
  std::vector<std::string> written;
  auto print_summary = [&] {
    if (a.json) {
      std::cout << summary_json(sc, plan, r);
      return;
    }
    std::cout << summary_text(sc, plan, r);
    if (ranks > 1)
      std::cout << fmt::format("  processes: {} (MPI), each ran a share of the realizations; slowest took {}\n", ranks,
                               Progress::duration_text(seconds));
    std::cout << (a.out.empty() ? std::string("  no result file written (use --out FILE.h5)\n")
                                : fmt::format("  result file: {}\n", a.out));
    for (const std::string& f : {a.map, a.geotiff, a.csv})
      if (std::find(written.begin(), written.end(), f) != written.end()) std::cout << fmt::format("  written: {}\n", f);
  };
  // Ctrl-C after the run: the summary is still printed (it costs nothing) and
  // the message names the files not written and how to draw them.
  auto stop_if_asked = [&] {
    if (!g_stop.load()) return false;
    print_summary();
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
    return true;
  };
  if (!a.out.empty()) {
    write_result_file(a.out, data);
    written.push_back(a.out);
    // The checkpoint this run continued or wrote on the way is spent once the
    // result is safe; one left by an earlier interrupted run of this same run
    // is superseded. A checkpoint of another run is left alone.
    if (a.resume || wrote_checkpoint) {
      std::filesystem::remove(checkpoint);
      remove_orphaned_temporaries(checkpoint);  // of a writer that was killed
    } else if (have_checkpoint) {
      bool same_run = false;
      try {
        read_checkpoint(checkpoint, sc, plan, {opt.seed, opt.realizations, backend.name});
        same_run = true;
      } catch (const InputError&) {
      }
      if (same_run) std::filesystem::remove(checkpoint);
      if (!quiet)
        std::cerr << fmt::format(same_run ? "remnant: removed {}: this run's result supersedes that checkpoint\n"
                                          : "remnant: note: {} (a checkpoint of another run) was left as it was\n",
                                 checkpoint);
    }
  } else if (a.resume || wrote_checkpoint) {
    // No result file: the checkpoint stays, the only copy of the maps' data.
    if (!quiet)
      std::cerr << fmt::format("remnant: note: no --out, so {} is kept; run again with --out FILE.h5 --resume to keep "
                               "the result in a file\n",
                               checkpoint);
  }
  const MapOptions& map = a.map_opts;
  for (const std::string& f : {a.map, a.geotiff, a.csv}) {
    if (f.empty()) continue;
    if (stop_if_asked()) return 130;
    export_file(data, map, f);
    written.push_back(f);
  }
  if (stop_if_asked()) return 130;
  print_summary();
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

}  // namespace

int main(int argc, char** argv) {
  const remnant::distributed::Session mpi(&argc, &argv);  // MPI only under mpirun
  CLI::App app{"Remnant: Monte Carlo simulation of unexploded cluster submunitions"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the version, git revision and backends, then exit");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Simulate a scenario and summarise the contamination");
  run_cmd->add_option("scenario", run.scenario, "Scenario file (TOML)")->required();
  add_run_arguments(run_cmd, run.run, "Number of realizations (default: the scenario's)",
                    "Random seed (default: the scenario's)");
  run_cmd->add_option("--out,-o", run.out, "Write the result file (HDF5)");
  run_cmd->add_flag("--json", run.json, "Print the summary as JSON");
  const char* set_help =
      "Override a value of the scenario file: KEY=VALUE, KEY a dotted path (inventory.total_submunitions, "
      "sites.count, scenario.dud_rates, inventory.carrier[0].share), VALUE a TOML value; repeatable";
  run_cmd->add_option("--set", run.sets, set_help);
  run_cmd->add_option("--map", run.map, "Also draw a map of --layer (.png, .svg or .pdf)");
  run_cmd->add_option("--geotiff", run.geotiff, "Also write --layer as a GeoTIFF (.tif)");
  run_cmd->add_option("--csv", run.csv, "Also write the per-realization totals as CSV");
  add_map_options(run_cmd, run.map_opts);
  run_cmd->add_flag("--resume", run.resume,
                    "Continue an interrupted run from its checkpoint (run with the same arguments); the result is "
                    "identical to an uninterrupted run's");
  run_cmd->add_option("--checkpoint", run.checkpoint,
                      "Checkpoint file written on Ctrl-C and every --checkpoint-every minutes (default: beside --out, "
                      "NAME.checkpoint.h5)");
  run_cmd->add_option("--checkpoint-every", run.checkpoint_every_min,
                      "Minutes between checkpoints during a run, so that even a killed run loses at most this much "
                      "(0: only on Ctrl-C)")
      ->capture_default_str();
  run_cmd->add_flag("--quiet,-q", run.quiet, "No progress on stderr");

  std::string validate_scenario;
  std::vector<std::string> validate_sets;
  CLI::App* validate_cmd =
      app.add_subcommand("validate", "Check a scenario without running it and print the resolved inventory");
  validate_cmd->add_option("scenario", validate_scenario, "Scenario file (TOML)")->required();
  validate_cmd->add_option("--set", validate_sets, set_help);

  std::string info_file;
  CLI::App* info_cmd = app.add_subcommand("info", "Describe a result file and its headline figures with 90 % intervals");
  info_cmd->add_option("file", info_file, "Result file (HDF5)")->required();

  std::string export_file;
  std::vector<std::string> export_outs;
  remnant::MapOptions export_map;
  CLI::App* export_cmd =
      app.add_subcommand("export", "Export a layer of a result file as a map (.png, .svg, .pdf), GeoTIFF (.tif) "
                                   "or the per-realization totals as CSV");
  export_cmd->add_option("file", export_file, "Result file (HDF5)")->required();
  export_cmd->add_option("--out,-o", export_outs, "Output file(s); the format follows the extension")->required();
  add_map_options(export_cmd, export_map);

  std::vector<std::string> compare_files, compare_outs;
  remnant::MapOptions compare_map;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "One page comparing two results on the same grid: both maps on one scale, the difference, the totals");
  compare_cmd->add_option("files", compare_files, "Result files A and B (HDF5)")->required()->expected(2);
  compare_cmd->add_option("--out,-o", compare_outs, "Output page(s): .png, .svg or .pdf")->required();
  add_map_options(compare_cmd, compare_map);

  remnant::SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep", "Run a scenario at every combination of swept --set values; one result file per point, a summary "
               "(CSV, JSON) and a figure (PNG, SVG) of a headline total with its 90 % interval");
  sweep_cmd->add_option("scenario", sweep.scenario, "Scenario file (TOML)")->required();
  sweep_cmd->add_option("--set", sweep.sets,
                        "KEY=V1,V2,... sweeps KEY over the values (commas inside [ ], { } and quotes do not split); "
                        "KEY=VALUE with one value applies to every point; repeatable (every combination runs)")
      ->required();
  sweep_cmd->add_option("--out-dir", sweep.out_dir, "Directory for point-NNN.h5 and sweep.csv/.json/.png/.svg")->required();
  add_run_arguments(sweep_cmd, sweep.run, "Realizations per point (default: the scenario's)",
                    "Random seed, the same for every point (default: the scenario's)");
  sweep_cmd->add_option("--metric", sweep.metric, "Total the figure plots: total_duds, impacts, contaminated_area_km2, "
                                                  "in_water or outside_grid")->capture_default_str();
  sweep_cmd->add_flag("--quiet,-q", sweep.quiet, "No progress and no line per point on stderr");
  sweep_cmd->add_flag("--resume", sweep.resume, "Keep the point files already in --out-dir that this sweep would write "
                                                "(checked: same scenario, --set, seed, realizations, backend); run the rest");

  for (int i = 0; i < argc; ++i) run.command_line += (i ? " " : "") + shell_quoted(argv[i]);
  if (argc > 0) sweep.program = shell_quoted(argv[0]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  run.checkpoint_every_given = run_cmd->count("--checkpoint-every") > 0;
  // Under mpirun only `run` is shared among the processes; anything else runs once, on rank 0.
  if (!remnant::distributed::root() && !run_cmd->parsed()) return 0;

  try {
    if (version) {
      std::cout << fmt::format("remnant {} (git {})\n{}\n{}\n", REMNANT_VERSION, REMNANT_GIT_REVISION,
                               remnant::backends_report(), remnant::distributed::report());
      return 0;
    }
    if (run_cmd->parsed()) return cmd_run(run);
    if (validate_cmd->parsed()) return cmd_validate(validate_scenario, validate_sets);
    if (info_cmd->parsed()) return cmd_info(info_file);
    if (export_cmd->parsed()) return cmd_export(export_file, export_outs, export_map);
    if (compare_cmd->parsed()) return cmd_compare(compare_files[0], compare_files[1], compare_outs, compare_map);
    if (sweep_cmd->parsed()) return remnant::run_sweep(sweep, &g_stop, catch_interrupts);
    std::cout << app.help();
    return 2;
  } catch (const remnant::InputError& e) {
    // Under MPI the other processes of a run hear of it (one copy of the message).
    if (!run_cmd->parsed() || remnant::distributed::fail_collectively()) std::cerr << "remnant: error: " << e.what() << "\n";
    return 2;
  } catch (const remnant::Interrupted& e) {
    std::cerr << "remnant: " << e.what() << "; nothing was written. Run again to compute the result.\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "remnant: failed: " << e.what() << "\n";
    if (run_cmd->parsed()) remnant::distributed::abort_all(1);  // under MPI: the others must not wait for this one
    return 1;
  }
}
