#include "host/ensemble.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <unistd.h>

namespace remnant {
namespace {
// OpenMP's default thread count, read before anyone changes it: --threads 0
// (or none) always means this, also after an earlier run in the same process.
const int kDefaultThreads = omp_get_max_threads();
}  // namespace

Interrupted::Interrupted(std::uint32_t d, std::uint32_t t)
    : std::runtime_error(fmt::format("interrupted after {} of {} realizations", d, t)), done(d), total(t) {}

BackendChoice choose_backend(const std::string& requested) {
  std::string why;
  if (requested == "cpu") return {"cpu", "cpu: requested"};
  if (requested == "cuda") {
    if (!cuda::device_usable(&why))
      throw InputError(fmt::format("--backend cuda: no usable CUDA device ({}); use --backend cpu or auto", why));
    return {"cuda", fmt::format("cuda: requested ({})", cuda::device_name())};
  }
  if (requested == "auto") {
    if (cuda::device_usable(&why)) return {"cuda", fmt::format("auto chose cuda ({})", cuda::device_name())};
    return {"cpu", fmt::format("auto chose cpu ({})", why)};
  }
  throw InputError(fmt::format("--backend: unknown backend \"{}\"; expected auto, cpu or cuda", requested));
}

std::string backends_report() {
  std::string why;
  const bool usable = cuda::device_usable(&why);
  return fmt::format("backends compiled in: cpu (Thrust/OpenMP, {} threads available){}\n"
                     "backends usable here: cpu{}",
                     omp_get_max_threads(), cuda::compiled_in() ? ", cuda (Thrust/CUDA)" : "",
                     usable ? fmt::format(", cuda ({})", cuda::device_name()) : fmt::format(" (cuda: {})", why));
}

std::uint32_t automatic_batch(std::uint64_t cells, std::uint32_t realizations) {
  const std::uint64_t per_realization = 8ull * cells;
  const std::uint64_t budget = 256ull << 20;
  std::uint64_t b = std::max<std::uint64_t>(1, budget / std::max<std::uint64_t>(1, per_realization));
  b = std::min<std::uint64_t>({b, 32, std::max<std::uint32_t>(1, realizations)});
  return static_cast<std::uint32_t>(b);
}

std::uint32_t effective_batch(std::uint64_t cells, const RunOptions& opt) {
  return opt.batch ? std::min(opt.batch, opt.realizations) : automatic_batch(cells, opt.realizations);
}

void check_fits_in_memory(const Scenario& sc, const RunOptions& opt) {
  const std::uint64_t cells = std::uint64_t(sc.grid.nx) * sc.grid.ny;
  const std::uint32_t batch = effective_batch(cells, opt);
  const std::uint64_t need = estimate_run_bytes(cells, scenario_items(sc), scenario_strike_rows(sc), batch);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const std::uint64_t have = pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : 0;
  if (have && need > have / 10 * 8)
    throw InputError(fmt::format(
        "{}: the run needs about {:.1f} GiB of memory for its grids and accumulators ({} x {} cells, batch {}) "
        "but this machine has {:.1f} GiB; use a coarser grid (grid.cell_size_m) or a smaller extent (grid.nx, grid.ny){}",
        sc.path, need / 1073741824.0, sc.grid.nx, sc.grid.ny, batch, have / 1073741824.0,
        batch > 1 ? ", or fewer realizations per batch (--batch 1)" : ""));
}

RunResult run_ensemble(const Scenario& sc, const Plan& plan, const RunOptions& opt) {
  if (opt.realizations == 0) throw InputError("--realizations: expected a number of realizations >= 1, got 0");
  if (opt.threads < 0) throw InputError(fmt::format("--threads: expected a thread count >= 1, got {}", opt.threads));
  // The per-cell sum of squares is a 64-bit integer: refuse runs that could overflow it.
  const long double worst = static_cast<long double>(plan.items_per_realization) * plan.items_per_realization *
                            static_cast<long double>(opt.realizations);
  if (worst >= 1.8e19L)
    throw InputError(fmt::format("{} submunitions x {} realizations could overflow the per-cell accumulators; "
                                 "run fewer realizations per file",
                                 plan.items_per_realization, opt.realizations));

  RunResult res;
  res.backend = choose_backend(opt.backend);
  res.realizations = opt.realizations;
  res.seed = opt.seed;
  res.fired_per_realization = plan.items_per_realization;
  res.batch = effective_batch(plan.cells(), opt);
  check_fits_in_memory(sc, opt);
  omp_set_num_threads(opt.threads > 0 ? opt.threads : kDefaultThreads);
  res.threads = omp_get_max_threads();

  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Engine> engine = res.backend.name == "cuda" ? cuda::make_engine() : cpu::make_engine();
  RunTables tables = plan.tables(opt.seed);
  tables.cpu_kernel = opt.cpu_kernel;
  engine->prepare(tables, res.batch);

  res.totals.reserve(opt.realizations);
  for (std::uint32_t first = 0; first < opt.realizations; first += res.batch) {
    if (opt.cancel && opt.cancel->load()) throw Interrupted(first, opt.realizations);
    const std::uint32_t count = std::min(res.batch, opt.realizations - first);
    const BatchDraws draws = draw_batch(sc, plan, opt.seed, first, count);
    std::vector<RealizationTotals> t = engine->run_batch(draws.view());
    res.totals.insert(res.totals.end(), t.begin(), t.end());
    if (opt.progress) opt.progress(first + count, opt.realizations);
  }
  res.accumulators = engine->read_accumulators();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace remnant
