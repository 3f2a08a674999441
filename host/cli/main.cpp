// remnant: the command-line front end. Thin: parses arguments, calls the host
// library, turns exceptions into messages and exit codes.
//   0 success, 1 internal or I/O failure, 2 bad input, 130 interrupted.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "host/ensemble.h"
#include "host/plan.h"
#include "host/report.h"
#include "host/result_file.h"
#include "host/scenario.h"
#include "host/stats.h"
#include "remnant_version.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

std::vector<remnant::Override> overrides(const std::vector<std::string>& sets) {
  std::vector<remnant::Override> out;
  for (const std::string& a : sets) out.push_back(remnant::parse_override(a));
  return out;
}

struct RunArgs {
  std::string scenario;
  std::vector<std::string> sets;
  std::optional<std::int64_t> realizations;  // empty: the scenario's
  std::optional<std::int64_t> seed;
  std::string backend = "auto";
  int threads = 0;
  std::int64_t batch = 0;
  std::string out;
  bool json = false;
};

int cmd_run(const RunArgs& a) {
  using namespace remnant;
  Scenario sc = load_scenario(a.scenario, overrides(a.sets));
  if (a.realizations && (*a.realizations < 1 || *a.realizations > 100'000'000))
    throw InputError(fmt::format("--realizations: expected a number between 1 and 100000000, got {}", *a.realizations));
  if (a.batch < 0) throw InputError(fmt::format("--batch: expected a batch size >= 1, got {}", a.batch));
  if (a.threads < 0) throw InputError(fmt::format("--threads: expected a thread count >= 1, got {}", a.threads));
  RunOptions opt;
  if (a.seed && *a.seed < 0) throw InputError(fmt::format("--seed: expected a non-negative integer, got {}", *a.seed));
  opt.realizations = a.realizations ? static_cast<std::uint32_t>(*a.realizations) : sc.realizations;
  opt.seed = a.seed ? static_cast<std::uint64_t>(*a.seed) : sc.seed;
  opt.backend = a.backend;
  opt.threads = a.threads;
  opt.batch = static_cast<std::uint32_t>(a.batch);
  opt.cancel = &g_stop;
  if (!a.out.empty()) check_output_writable(a.out);
  choose_backend(a.backend);  // an unusable backend fails before any work
  check_fits_in_memory(sc, opt);

  const Plan plan = make_plan(sc);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const RunResult r = run_ensemble(sc, plan, opt);
  const CellStatistics st = cell_statistics(r.accumulators, r.realizations);
  if (!a.out.empty()) write_result_file(a.out, make_result_data(sc, plan, r, st));
  if (a.json) {
    std::cout << summary_json(sc, plan, r);
  } else {
    std::cout << summary_text(sc, plan, r);
    std::cout << (a.out.empty() ? std::string("  no result file written (use --out FILE.h5)\n")
                                : fmt::format("  result file: {}\n", a.out));
  }
  return 0;
}

int cmd_validate(const std::string& scenario, const std::vector<std::string>& sets) {
  using namespace remnant;
  const Scenario sc = load_scenario(scenario, overrides(sets));
  const Plan plan = make_plan(sc);
  std::cout << validation_text(sc, plan);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Remnant: Monte Carlo simulation of unexploded cluster submunitions"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the version, git revision and backends, then exit");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Simulate a scenario and summarise the contamination");
  run_cmd->add_option("scenario", run.scenario, "Scenario file (TOML)")->required();
  run_cmd->add_option("--realizations,-r", run.realizations, "Number of realizations (default: the scenario's)");
  run_cmd->add_option("--seed", run.seed, "Random seed (default: the scenario's)");
  run_cmd->add_option("--backend", run.backend, "auto, cpu or cuda")->capture_default_str();
  run_cmd->add_option("--threads", run.threads, "CPU threads (default: all)");
  run_cmd->add_option("--batch", run.batch, "Realizations per batch (default: automatic); results do not depend on it");
  run_cmd->add_option("--out,-o", run.out, "Write the result file (HDF5)");
  run_cmd->add_flag("--json", run.json, "Print the summary as JSON");
  const char* set_help =
      "Override a value of the scenario file: KEY=VALUE, KEY a dotted path (inventory.total_submunitions, "
      "sites.count, scenario.dud_rates, inventory.carrier[0].share), VALUE a TOML value; repeatable";
  run_cmd->add_option("--set", run.sets, set_help);

  std::string validate_scenario;
  std::vector<std::string> validate_sets;
  CLI::App* validate_cmd =
      app.add_subcommand("validate", "Check a scenario without running it and print the resolved inventory");
  validate_cmd->add_option("scenario", validate_scenario, "Scenario file (TOML)")->required();
  validate_cmd->add_option("--set", validate_sets, set_help);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (version) {
      std::cout << fmt::format("remnant {} (git {})\n{}\n", REMNANT_VERSION, REMNANT_GIT_REVISION,
                               remnant::backends_report());
      return 0;
    }
    if (run_cmd->parsed()) return cmd_run(run);
    if (validate_cmd->parsed()) return cmd_validate(validate_scenario, validate_sets);
    std::cout << app.help();
    return 2;
  } catch (const remnant::InputError& e) {
    std::cerr << "remnant: error: " << e.what() << "\n";
    return 2;
  } catch (const remnant::Interrupted& e) {
    std::cerr << "remnant: " << e.what() << "; nothing was written. Run again to compute the result.\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "remnant: failed: " << e.what() << "\n";
    return 1;
  }
}
