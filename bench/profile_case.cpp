// One run of a scenario, for profilers (valgrind --tool=callgrind, perf
// record) and for comparing engines: no benchmark loop, no repetitions, no
// result file. Defaults to the benchmark scenario's reduced case (203,664
// submunitions, 1 realization, 1 thread, CPU backend) so that a callgrind run
// takes about a minute.
//
//   remnant_profile_case [--full] [--scenario FILE] [--set KEY=VALUE ...]
//                        [--realizations N] [--threads N] [--batch N] [--seed N]
//                        [--backend cpu|cuda|auto] [--kernel auto|portable|per-item]
//                        [--histogram-use] [--dump DIR]
//
// --scenario runs a scenario file instead; --set overrides a value of either
// (KEY=VALUE as the CLI takes them, e.g. grid.nx=100). --kernel picks the CPU deposit path (all give the same bits).
// With two batches or more it also prints the steady state: the time per
// realization of the batches after the first (epistemic draws, deposit,
// accumulate) and the rest of the run (engine setup, the first batch's
// histogram growth, reading back). --histogram-use also reports the highest histogram bin any cell reached (a
// scan of the whole histogram after the run, outside run_ensemble). --dump
// writes the accumulators and per-realization totals as raw little-endian
// arrays (DIR/dud_sum.u64, dud_sum_sq.u64, dud_nonzero.u32, impact_sum.u64,
// dud_histogram.u32 [bin][cell], totals.u64 [realization][14: fired, impacts,
// duds, contaminated cells, in water, outside, duds by class 0-7]), so two
// builds can be compared byte for byte without writing result files.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "bench_scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"
#include "host/inputs/scenario.h"

namespace {

template <typename T>
void dump(const std::string& dir, const std::string& name, const T* data, std::size_t n) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
  if (!out) throw std::runtime_error("cannot write " + dir + "/" + name);
}

}  // namespace

int main(int argc, char** argv) {
  remnant_bench::Carriers size = remnant_bench::kReduced;
  bool histogram_use = false;
  std::string scenario_file, dump_dir;
  std::vector<remnant::Override> overrides;
  remnant::RunOptions opt;
  opt.realizations = 1;
  opt.threads = 1;
  opt.backend = "cpu";
  opt.seed = 20261123;
  bool batch_given = false;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--full") == 0) {
      size = remnant_bench::kFull;
    } else if (std::strcmp(argv[i], "--scenario") == 0 && has_value) {
      scenario_file = argv[++i];
    } else if (std::strcmp(argv[i], "--set") == 0 && has_value) {
      overrides.push_back(remnant::parse_override(argv[++i]));
    } else if (std::strcmp(argv[i], "--realizations") == 0 && has_value) {
      opt.realizations = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--threads") == 0 && has_value) {
      opt.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--batch") == 0 && has_value) {
      opt.batch = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
      batch_given = true;
    } else if (std::strcmp(argv[i], "--seed") == 0 && has_value) {
      opt.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--backend") == 0 && has_value) {
      opt.backend = argv[++i];
    } else if (std::strcmp(argv[i], "--kernel") == 0 && has_value) {
      const std::string k = argv[++i];
      opt.cpu_kernel = k == "portable" ? remnant::CpuKernel::Portable
                       : k == "per-item" ? remnant::CpuKernel::PerItem
                                         : remnant::CpuKernel::Auto;
    } else if (std::strcmp(argv[i], "--histogram-use") == 0) {
      histogram_use = true;
    } else if (std::strcmp(argv[i], "--dump") == 0 && has_value) {
      dump_dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--full] [--scenario FILE] [--set KEY=VALUE ...] [--realizations N] [--threads N] "
                   "[--batch N] [--seed N] [--backend cpu|cuda|auto] [--kernel auto|portable|per-item] [--histogram-use] "
                   "[--dump DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!batch_given) opt.batch = opt.realizations < 32 ? opt.realizations : 32;  // --batch 0: run_ensemble's automatic batch
  try {
    const remnant::Scenario sc =
        scenario_file.empty()
            ? remnant::parse_scenario(remnant_bench::scenario_toml(size), "<bench_scenario.h>", overrides)
            : remnant::load_scenario(scenario_file, overrides);
    const remnant::Plan plan = remnant::make_plan(sc);
    // Batch ends, to split the run into its cost per realization (the batches
    // after the first, which also grows the histogram) and the rest (engine
    // setup, the first batch's extra, reading the accumulators back).
    using Clock = std::chrono::steady_clock;
    std::vector<std::pair<Clock::time_point, std::uint32_t>> batch_ends;
    opt.progress = [&](std::uint32_t done, std::uint32_t) { batch_ends.emplace_back(Clock::now(), done); };
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
    if (!dump_dir.empty()) {
      dump(dump_dir, "dud_sum.u64", acc.dud_sum.data(), acc.dud_sum.size());
      dump(dump_dir, "dud_sum_sq.u64", acc.dud_sum_sq.data(), acc.dud_sum_sq.size());
      dump(dump_dir, "dud_nonzero.u32", acc.dud_nonzero.data(), acc.dud_nonzero.size());
      dump(dump_dir, "impact_sum.u64", acc.impact_sum.data(), acc.impact_sum.size());
      dump(dump_dir, "dud_histogram.u32", acc.histogram.data(), acc.histogram.size());
      std::vector<std::uint64_t> totals;
      for (const auto& t : r.totals) {
        totals.insert(totals.end(), {t.fired, t.impacts, t.duds, t.contaminated_cells, t.in_water, t.outside_grid});
        totals.insert(totals.end(), t.duds_by_class, t.duds_by_class + remnant::kLandCoverClasses);
      }
      dump(dump_dir, "totals.u64", totals.data(), totals.size());
    }
    std::printf("submunitions/realization %llu, realizations %u, cells %u, backend %s, threads %d, batch %u, "
                "histogram bins %u (highest used: %s)\n"
                "impacts %llu, duds %llu, in water %llu, outside grid %llu\n"
                "run_ensemble %.3f s (prepare included), %.4g submunitions per second\n",
                static_cast<unsigned long long>(plan.items_per_realization), r.realizations, plan.cells(),
                r.backend.name.c_str(), r.threads, r.batch, acc.histogram_bins, used.c_str(),
                static_cast<unsigned long long>(impacts), static_cast<unsigned long long>(duds),
                static_cast<unsigned long long>(water), static_cast<unsigned long long>(outside), r.seconds,
                static_cast<double>(plan.items_per_realization) * r.realizations / r.seconds);
    if (batch_ends.size() >= 2) {
      const double steady = std::chrono::duration<double>(batch_ends.back().first - batch_ends.front().first).count();
      const std::uint32_t n = batch_ends.back().second - batch_ends.front().second;
      const double per = steady / n;
      std::printf("steady state: %.5f s per realization over the %u realizations after the first batch, %.4g "
                  "submunitions per second; the rest of the run: %.3f s\n",
                  per, n, static_cast<double>(plan.items_per_realization) / per, r.seconds - per * r.realizations);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "remnant_profile_case: %s\n", e.what());
    return 1;
  }
  return 0;
}
