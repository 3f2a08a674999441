#include "host/run/ensemble.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <unistd.h>

#include "kernels/device_choice.h"

namespace remnant {
namespace {
// OpenMP's default thread count, read before anyone changes it: --threads 0
// (or none) always means this, also after an earlier run in the same process.
const int kDefaultThreads = omp_get_max_threads();
}  // namespace

RealizationSet RealizationSet::all(std::uint32_t n) {
  RealizationSet s;
  s.add(0, n);
  return s;
}

void RealizationSet::add(std::uint32_t first, std::uint32_t last) {
  if (first >= last) return;
  std::vector<Range> out;
  out.reserve(ranges_.size() + 1);
  Range r{first, last};
  bool placed = false;
  for (const Range& x : ranges_) {
    if (x.second < r.first) {
      out.push_back(x);
    } else if (r.second < x.first) {
      if (!placed) out.push_back(r), placed = true;
      out.push_back(x);
    } else {  // overlapping or touching: widen r
      r.first = std::min(r.first, x.first);
      r.second = std::max(r.second, x.second);
    }
  }
  if (!placed) out.push_back(r);
  ranges_ = std::move(out);
}

void RealizationSet::add(const RealizationSet& other) {
  for (const Range& r : other.ranges_) add(r.first, r.second);
}

RealizationSet RealizationSet::intersect(const RealizationSet& other) const {
  RealizationSet out;
  std::size_t i = 0, j = 0;
  while (i < ranges_.size() && j < other.ranges_.size()) {
    const Range &a = ranges_[i], &b = other.ranges_[j];
    const std::uint32_t lo = std::max(a.first, b.first), hi = std::min(a.second, b.second);
    if (lo < hi) out.ranges_.push_back({lo, hi});
    (a.second < b.second) ? ++i : ++j;
  }
  return out;
}

bool RealizationSet::intersects(const RealizationSet& other) const { return !intersect(other).empty(); }

RealizationSet RealizationSet::minus(const RealizationSet& other) const {
  RealizationSet out;
  for (const Range& a : ranges_) {
    std::uint32_t from = a.first;
    for (const Range& b : other.ranges_) {
      if (b.second <= from || b.first >= a.second) continue;
      if (b.first > from) out.ranges_.push_back({from, b.first});
      from = std::max(from, b.second);
    }
    if (from < a.second) out.ranges_.push_back({from, a.second});
  }
  return out;
}

std::uint64_t RealizationSet::count() const {
  std::uint64_t n = 0;
  for (const Range& r : ranges_) n += r.second - r.first;
  return n;
}

std::vector<std::uint32_t> RealizationSet::indices() const {
  std::vector<std::uint32_t> v;
  v.reserve(count());
  for (const Range& r : ranges_)
    for (std::uint32_t i = r.first; i < r.second; ++i) v.push_back(i);
  return v;
}

std::string RealizationSet::text() const {
  if (ranges_.empty()) return "none";
  std::string s;
  for (const Range& r : ranges_)
    s += (s.empty() ? "" : ", ") +
         (r.second - r.first == 1 ? fmt::format("{}", r.first) : fmt::format("{}-{}", r.first, r.second - 1));
  return s;
}

Interrupted::Interrupted(std::shared_ptr<RunResult> p, std::uint32_t t)
    : std::runtime_error(fmt::format("interrupted after {} of {} realizations", p ? p->done.count() : 0, t)),
      partial(std::move(p)),
      done(partial ? static_cast<std::uint32_t>(partial->done.count()) : 0),
      total(t) {}

namespace {

// 0 (the default) means all cores. More threads than this overflow OpenMP's
// stack when it starts the team (a crash at 100000); checked wherever a run
// starts, the CLI's, the sweep's and the viewer's alike.
void check_threads(int threads) {
  if (threads < 0 || threads > 4096)
    throw InputError(fmt::format("--threads: expected a thread count between 1 and 4096, got {}", threads));
}

}  // namespace

void RunArguments::check() const {
  if (realizations && (*realizations < 1 || *realizations > 100'000'000))
    throw InputError(fmt::format("--realizations: expected a number between 1 and 100000000, got {}", *realizations));
  // 0 (the default) means automatic.
  if (batch < 0 || batch > 100'000'000)
    throw InputError(fmt::format("--batch: expected a batch size between 1 and 100000000, got {}", batch));
  check_threads(threads);
  if (seed && *seed < 0) throw InputError(fmt::format("--seed: expected a non-negative integer, got {}", *seed));
}

RunOptions RunArguments::options_for(const Scenario& sc) const {
  RunOptions opt;
  opt.realizations = realizations ? static_cast<std::uint32_t>(*realizations) : sc.realizations;
  opt.seed = seed ? static_cast<std::uint64_t>(*seed) : sc.seed;
  opt.backend = backend;
  opt.threads = threads;
  opt.batch = static_cast<std::uint32_t>(batch);
  opt.duds_only = duds_only;
  return opt;
}

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
  const std::uint64_t need = estimate_scenario_bytes(sc, batch);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const std::uint64_t have = pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : 0;
  if (have && need > have / 10 * 8)
    throw InputError(fmt::format(
        "{}: the run needs about {:.1f} GiB of memory for its grids and accumulators ({} x {} cells, batch {}) "
        "but this machine has {:.1f} GiB; use a coarser grid (grid.cell_size_m) or a smaller extent (grid.nx, grid.ny){}",
        sc.path, need / 1073741824.0, sc.grid.nx, sc.grid.ny, batch, have / 1073741824.0,
        batch > 1 ? ", or fewer realizations per batch (--batch 1)" : ""));
}

namespace {

// A smaller batch after the backend ran out of memory; at one realization
// per batch there is nothing smaller to try.
void halve_batch(RunResult& res, const Scenario& sc) {
  if (res.batch <= 1)
    throw std::runtime_error(fmt::format(
        "{}: the {} backend ran out of memory with one realization per batch ({} x {} cells); use a coarser grid "
        "(grid.cell_size_m), a smaller extent, or --backend cpu",
        sc.path, res.backend.name, sc.grid.nx, sc.grid.ny));
  res.batch = (res.batch + 1) / 2;
}

}  // namespace

std::uint32_t fit_device_memory(const Scenario& sc, std::uint32_t batch, bool batch_given, std::uint64_t free,
                                std::uint32_t processes) {
  if (free == 0) return batch;
  processes = std::max<std::uint32_t>(1, processes);
  const std::uint64_t budget = device_choice::memory_share(free, processes);
  auto need = [&](std::uint32_t b) { return estimate_scenario_bytes(sc, b); };
  const std::string share =
      processes > 1 ? fmt::format("{} processes of this run share it, each uses at most 80 % / {} of it", processes,
                                  processes)
                    : std::string("80 % of it is used at most");
  if (need(1) > budget)
    throw InputError(fmt::format(
        "{}: one realization needs about {:.2f} GiB of GPU memory for its grids and accumulators ({} x {} cells) "
        "but the GPU has {:.2f} GiB free ({}); use a coarser grid (grid.cell_size_m), a smaller extent (grid.nx, "
        "grid.ny){}, or --backend cpu",
        sc.path, need(1) / 1073741824.0, sc.grid.nx, sc.grid.ny, free / 1073741824.0, share,
        processes > 1 ? ", fewer processes per GPU" : ""));
  // The largest batch up to the one asked for that fits (the need grows with the batch).
  std::uint32_t fits = 1, above = batch;
  while (fits < above) {
    const std::uint32_t mid = fits + (above - fits + 1) / 2;
    if (need(mid) <= budget) fits = mid;
    else above = mid - 1;
  }
  if (batch_given && fits != batch)
    throw InputError(fmt::format(
        "--batch {}: {} realizations at once need about {:.2f} GiB of GPU memory but the GPU has {:.2f} GiB free "
        "({}); use --batch {} or less, or leave --batch out to have it chosen",
        batch, batch, need(batch) / 1073741824.0, free / 1073741824.0, share, fits));
  return fits;
}

RunResult run_ensemble(const Scenario& sc, const Plan& plan, const RunOptions& opt) {
  if (opt.realizations == 0) throw InputError("--realizations: expected a number of realizations >= 1, got 0");
  check_threads(opt.threads);
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
  res.duds_only = opt.duds_only;
  res.batch = opt.each_realization ? 1u : effective_batch(plan.cells(), opt);
  check_fits_in_memory(sc, opt);
  omp_set_num_threads(opt.threads > 0 ? opt.threads : kDefaultThreads);
  res.threads = omp_get_max_threads();

  const RealizationSet todo = opt.todo ? *opt.todo : RealizationSet::all(opt.realizations);
  if (!todo.minus(RealizationSet::all(opt.realizations)).empty())
    throw std::logic_error("run_ensemble: realizations to run beyond the run's " + std::to_string(opt.realizations));
  if (res.backend.name == "cuda") {
    const std::uint64_t free = opt.device_free ? opt.device_free : cuda::free_memory_bytes();
    // Memory decides the automatic batch on the GPU (known free memory only;
    // else the CPU's, and the halving below should the device run out).
    if (!opt.batch && free)
      res.batch = static_cast<std::uint32_t>(std::min<std::uint64_t>(kMaxAutomaticGpuBatch, std::max<std::uint64_t>(1, todo.count())));
    res.batch = fit_device_memory(sc, opt.each_realization ? 1u : res.batch, opt.batch != 0, free,
                                  opt.device_processes);
  }

  const auto t0 = std::chrono::steady_clock::now();
  auto make = [&] {
    if (opt.make_engine) return opt.make_engine(res.backend.name);
    return res.backend.name == "cuda" ? cuda::make_engine() : cpu::make_engine();
  };
  RunTables tables = plan.tables(opt.seed);
  tables.cpu_kernel = opt.cpu_kernel;
  tables.duds_only = opt.duds_only;
  std::unique_ptr<Engine> engine;
  const std::uint32_t asked_batch = res.batch;
  // (Re)makes the engine for res.batch realizations per batch, halving the
  // batch while the backend runs out of memory; acc: accumulators to carry on.
  auto start_engine = [&](const CellAccumulators* acc) {
    for (;;) {
      try {
        engine.reset();  // frees the old grids before allocating new ones
        engine = make();
        engine->prepare(tables, res.batch);
        if (acc) engine->load_accumulators(*acc);
        return;
      } catch (const std::bad_alloc&) {
        halve_batch(res, sc);
      }
    }
  };
  start_engine(nullptr);

  const auto todo_count = static_cast<std::uint32_t>(todo.count());
  std::uint32_t ran = 0;
  auto last_checkpoint = t0;
  res.totals.reserve(todo_count);
  res.duds_types = tables.types.count;
  res.duds_by_type.reserve(std::size_t(todo_count) * res.duds_types);
  if (opt.progress) opt.progress(0, todo_count);
  std::vector<std::uint64_t> duds_before, one;  // each_realization: the sums before it, its own
  if (opt.each_realization) duds_before.assign(plan.cells(), 0);
  for (const RealizationSet::Range& range : todo.ranges()) {
    for (std::uint32_t first = range.first; first < range.second;) {
      if (opt.cancel && opt.cancel->load()) {
        res.accumulators = engine->read_accumulators();
        res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        throw Interrupted(std::make_shared<RunResult>(std::move(res)), opt.realizations);
      }
      const std::uint32_t count = std::min(res.batch, range.second - first);
      const BatchDraws draws = opt.draws ? opt.draws(first, count) : draw_batch(sc, plan, opt.seed, first, count);
      std::vector<RealizationTotals> t;
      try {
        t = engine->run_batch(draws.view());
      } catch (const std::bad_alloc&) {
        // The engines allocate before they fold a batch into the
        // accumulators: the ones read back hold every batch before this.
        const CellAccumulators acc = engine->read_accumulators();
        halve_batch(res, sc);
        start_engine(&acc);
        continue;  // the same realizations again, in smaller batches
      }
      res.totals.insert(res.totals.end(), t.begin(), t.end());
      const std::vector<std::uint64_t> by_type = engine->batch_duds_by_type();
      res.duds_by_type.insert(res.duds_by_type.end(), by_type.begin(), by_type.end());
      if (opt.each_realization) {
        CellAccumulators now = engine->read_accumulators();
        one.resize(now.dud_sum.size());
        for (std::size_t c = 0; c < one.size(); ++c) one[c] = now.dud_sum[c] - duds_before[c];
        duds_before = std::move(now.dud_sum);
        opt.each_realization(first, one);
      }
      res.done.add(first, first + count);
      first += count;
      ran += count;
      if (opt.progress) opt.progress(ran, todo_count);
      const auto now = std::chrono::steady_clock::now();
      if (opt.checkpoint && ran < todo_count &&
          std::chrono::duration<double>(now - last_checkpoint).count() >= opt.checkpoint_interval_s) {
        RunResult so_far = res;
        so_far.accumulators = engine->read_accumulators();
        so_far.seconds = std::chrono::duration<double>(now - t0).count();
        opt.checkpoint(so_far);
        last_checkpoint = std::chrono::steady_clock::now();
      }
    }
  }
  if (res.batch != asked_batch)
    res.batch_note = fmt::format("batch reduced from {} to {} realizations: the {} backend ran out of memory",
                                 asked_batch, res.batch, res.backend.name);
  res.accumulators = engine->take_accumulators();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

void add_accumulators(CellAccumulators& into, const CellAccumulators& other) {
  if (into.cells != other.cells || into.dud_sum.size() != other.dud_sum.size())
    throw std::logic_error("add_accumulators: grids differ");
  auto add = [](auto& a, const auto& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(into.dud_sum, other.dud_sum);
  add(into.dud_sum_sq, other.dud_sum_sq);
  add(into.dud_nonzero, other.dud_nonzero);
  add(into.impact_sum, other.impact_sum);
  // Layout [bin][cell] and bins only grow at the end: pad the smaller one.
  if (other.histogram_bins > into.histogram_bins) {
    into.histogram.resize(other.histogram.size(), 0u);
    into.histogram_bins = other.histogram_bins;
  }
  for (std::size_t i = 0; i < other.histogram.size(); ++i) into.histogram[i] += other.histogram[i];
}

namespace {

// merge_results for a part given as const RunResult& (copied from) or as
// RunResult&& (its per-cell accumulators and rows moved into an empty whole:
// a run's first part is most of its memory).
template <typename Part>
void merge_part(RunResult& into, Part&& other) {
  if (into.seed != other.seed || into.realizations != other.realizations ||
      into.fired_per_realization != other.fired_per_realization || into.backend.name != other.backend.name ||
      into.duds_only != other.duds_only)
    throw std::logic_error("merge_results: parts of different runs");
  if (into.done.intersects(other.done))
    throw std::logic_error("merge_results: realizations " + into.done.intersect(other.done).text() + " twice");
  if (other.done.empty()) return;
  if (into.done.empty()) {
    const BackendChoice keep = into.backend;
    into.accumulators = std::forward<Part>(other).accumulators;
    into.totals = std::forward<Part>(other).totals;
    into.duds_types = other.duds_types;
    into.duds_by_type = std::forward<Part>(other).duds_by_type;
    into.done = other.done;
    into.backend = keep;
    into.seconds += other.seconds;
    return;
  }
  add_accumulators(into.accumulators, other.accumulators);
  // Interleave the totals rows in realization order, and the rows of duds
  // per type with them when both parts count them (else neither is kept).
  const bool by_type =
      into.counts_duds_by_type() && other.counts_duds_by_type() && into.duds_types == other.duds_types;
  const std::size_t T = by_type ? into.duds_types : 0;
  const std::vector<std::uint32_t> ia = into.done.indices(), ib = other.done.indices();
  std::vector<RealizationTotals> rows;
  std::vector<std::uint64_t> type_rows;
  rows.reserve(ia.size() + ib.size());
  type_rows.reserve((ia.size() + ib.size()) * T);
  std::size_t i = 0, j = 0;
  while (i < ia.size() || j < ib.size()) {
    const bool mine = j == ib.size() || (i < ia.size() && ia[i] < ib[j]);
    const std::vector<std::uint64_t>& from = mine ? into.duds_by_type : other.duds_by_type;
    const std::size_t row = mine ? i : j;
    type_rows.insert(type_rows.end(), from.begin() + row * T, from.begin() + (row + 1) * T);
    if (mine) rows.push_back(into.totals[i++]);
    else rows.push_back(other.totals[j++]);
  }
  into.totals = std::move(rows);
  into.duds_by_type = std::move(type_rows);
  if (!by_type) into.duds_types = 0;
  into.done.add(other.done);
  into.seconds += other.seconds;
}

}  // namespace

void add_run(RunResult& into, RunResult&& ran) {
  merge_part(into, std::move(ran));
  into.backend = ran.backend;
  into.batch = ran.batch;
  into.batch_note = ran.batch_note;
  into.threads = ran.threads;
}

void merge_results(RunResult& into, const RunResult& other) { merge_part(into, other); }

}  // namespace remnant
