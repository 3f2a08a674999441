// One run of the benchmark scenario, for profilers (valgrind --tool=callgrind,
// perf record): no benchmark loop, no repetitions. Defaults to the reduced
// case (203,664 submunitions, 1 realization, 1 thread, CPU backend) so that a
// callgrind run takes about a minute.
//
//   remnant_profile_case [--full] [--realizations N] [--threads N] [--histogram-use]
//
// --histogram-use also reports the highest histogram bin any cell reached
// (a scan of the whole histogram after the run, outside run_ensemble).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "bench_scenario.h"
#include "host/ensemble.h"
#include "host/plan.h"
#include "host/scenario.h"

int main(int argc, char** argv) {
  remnant_bench::Carriers size = remnant_bench::kReduced;
  bool histogram_use = false;
  remnant::RunOptions opt;
  opt.realizations = 1;
  opt.threads = 1;
  opt.backend = "cpu";
  opt.seed = 20261123;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--full") == 0) {
      size = remnant_bench::kFull;
    } else if (std::strcmp(argv[i], "--realizations") == 0 && i + 1 < argc) {
      opt.realizations = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      opt.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--histogram-use") == 0) {
      histogram_use = true;
    } else {
      std::fprintf(stderr, "usage: %s [--full] [--realizations N] [--threads N] [--histogram-use]\n", argv[0]);
      return 2;
    }
  }
  opt.batch = opt.realizations < 32 ? opt.realizations : 32;
  try {
    const remnant::Scenario sc = remnant::parse_scenario(remnant_bench::scenario_toml(size), "<bench_scenario.h>");
    const remnant::Plan plan = remnant::make_plan(sc);
    const remnant::RunResult r = remnant::run_ensemble(sc, plan, opt);
    std::uint64_t impacts = 0, duds = 0, water = 0, outside = 0;
    for (const auto& t : r.totals) {
      impacts += t.impacts;
      duds += t.duds;
      water += t.in_water;
      outside += t.outside_grid;
    }
    // Highest histogram bin that any cell reached (the histogram grows to the
    // largest count seen, so this should equal its size).
    const remnant::CellAccumulators& acc = r.accumulators;
    std::string used = "not scanned";
    if (histogram_use) {
      std::uint32_t top_bin = 0;
      for (std::uint32_t bin = 0; bin < acc.histogram_bins; ++bin)
        for (std::uint32_t cell = 0; cell < acc.cells; ++cell)
          if (acc.histogram[static_cast<std::size_t>(bin) * acc.cells + cell] != 0) {
            top_bin = bin + 1;
            break;
          }
      used = std::to_string(top_bin);
    }
    std::printf("submunitions/realization %llu, realizations %u, threads %d, histogram bins %u (highest used: %s)\n"
                "impacts %llu, duds %llu, in water %llu, outside grid %llu, run_ensemble %.3f s (prepare included)\n",
                static_cast<unsigned long long>(plan.items_per_realization), r.realizations, r.threads,
                acc.histogram_bins, used.c_str(), static_cast<unsigned long long>(impacts),
                static_cast<unsigned long long>(duds), static_cast<unsigned long long>(water),
                static_cast<unsigned long long>(outside), r.seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "remnant_profile_case: %s\n", e.what());
    return 1;
  }
  return 0;
}
