// The Monte Carlo engine, written once for both backends.
//
// nvcc compiles this file for CUDA; engine_cpu.cpp includes it so that the host
// compiler builds the same code against Thrust's OpenMP device system. Each
// pass lands in its own namespace (remnant::cuda, remnant::cpu) and Thrust's
// own namespace is versioned, so both link into one binary.
//
// A batch runs two passes:
//  1. deposit: one thrust::for_each over runs of submunitions (a carrier's,
//     or part of one) of every realization of the batch; every item walks the
//     physical steps of physics.h and increments the realization's impact and
//     dud grids with integer atomics;
//  2. accumulate: thrust::for_each over runs of cells folds the batch's grids
//     into the per-cell accumulators and the per-realization totals, and
//     clears the grids.
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/reduce.h>
#include <thrust/system_error.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "engine.h"
#include "deposit.h"
#include "histogram.h"
#include "physics.h"
#include "portability.h"
#include "rng.h"
#if REMNANT_DEPOSIT_BLOCK > 1
#include "deposit_block.h"
#endif

namespace remnant {
namespace REMNANT_BACKEND_NS {
namespace {

template <typename T>
T* raw(thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <typename T>
const T* raw(const thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}

// Last s in [0, count) with first[s] <= i: the strike holding item or task i
// of a prefix-sum table.
REMNANT_HD inline std::uint32_t strike_of(const std::uint32_t* first, std::uint32_t count, std::uint32_t i) {
  std::uint32_t lo = 0, hi = count;  // answer in [lo, hi)
  while (hi - lo > 1) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (first[mid] <= i) lo = mid; else hi = mid;
  }
  return lo;
}

// Tasks of the deposit pass per carrier of a strike: its items cut into runs
// of at most REMNANT_ITEMS_PER_TASK.
REMNANT_HD inline std::uint32_t tasks_per_carrier(std::uint32_t per_carrier) {
  return (per_carrier + REMNANT_ITEMS_PER_TASK - 1) / REMNANT_ITEMS_PER_TASK;
}

// Per-realization counters kept during deposit.
enum CounterSlot : std::uint32_t { kInWater = 0, kOutside = 1, kCounterSlots = 2 };

// One task: a run of up to REMNANT_ITEMS_PER_TASK submunitions of one carrier
// in one realization of the batch. Task t of the batch is task j = t % tasks
// of realization b = t / tasks; first_task[s] is the prefix sum over strikes
// of carriers x tasks_per_carrier. The carrier's draws are made once per task;
// every draw stays keyed by (realization, strike, carrier, submunition), so
// the result does not depend on how items are grouped into tasks, and the
// grids are integer counts (the order of the increments does not matter).
//
// The items themselves run one at a time (per_item: the GPU's loop) or, on
// CPU cores, in blocks of REMNANT_DEPOSIT_BLOCK (deposit_blocked in
// deposit_block.h). Both do the same arithmetic in the same order for every
// item, so they give the same bits.
struct DepositRun {
  GridView grid;
  StrikeView strikes;
  TypeView types;
  BatchView batch;
  RngKey key_aim, key_pattern, key_fall, key_failure;
  const std::uint32_t* first_task;  // strikes.count + 1 entries
  std::uint32_t tasks;              // tasks per realization
  std::uint32_t cells;
  std::uint32_t* impacts;           // the batch's grids, [b][cell]
  std::uint32_t* duds;
  std::uint32_t* counters;          // [b][CounterSlot]
  CpuKernel cpu_kernel;

  REMNANT_HD void operator()(std::uint64_t task) const {
    const std::uint32_t b = static_cast<std::uint32_t>(task / tasks);
    const std::uint32_t j = static_cast<std::uint32_t>(task - std::uint64_t(b) * tasks);
    CarrierRun run;
    run.r = batch.first_realization + b;
    run.s = strike_of(first_task, strikes.count, j);
    const std::uint32_t s = run.s;
    const std::uint32_t per = strikes.per_carrier[s];
    const std::uint32_t runs = tasks_per_carrier(per);
    const std::uint32_t local = j - first_task[s];
    run.c = local / runs;
    run.k0 = (local - run.c * runs) * REMNANT_ITEMS_PER_TASK;
    run.k1 = run.k0 + REMNANT_ITEMS_PER_TASK < per ? run.k0 + REMNANT_ITEMS_PER_TASK : per;
    const std::uint32_t row = b * strikes.count + s;
    run.impacts = impacts + static_cast<std::size_t>(b) * cells;
    run.duds = duds + static_cast<std::size_t>(b) * cells;

    // Carrier: aim error and heading (shared by all its submunitions).
    const Uniform4 ua = uniforms(key_aim, run.r, s, run.c, kNoSubmunition);
    run.aim = aim_point(batch.site_x[row], batch.site_y[row], strikes.aim_sigma[s], ua.u[0], ua.u[1]);
    const float heading = carrier_heading(strikes.heading_center[s], strikes.heading_spread[s], ua.u[2]);
    run.sin_h = sinf(heading);
    run.cos_h = cosf(heading);

    // Strike, type and realization constants.
    run.pattern = static_cast<Pattern>(strikes.pattern[s]);
    run.a_major = batch.semi_major[row];
    run.b_minor = batch.semi_minor[row];
    run.ring_inner = strikes.ring_inner[s];
    const std::uint16_t t = strikes.type[s];
    run.height = batch.height[row];
    run.vt_min = types.vt_min[t];
    run.vt_max = types.vt_max[t];
    run.wind_x = batch.wind_x[row];
    run.wind_y = batch.wind_y[row];
    const std::uint32_t tr = b * types.count + t;
    run.rate = batch.dud_rate[tr];
    run.sd_failure = batch.sd_failure[tr];

    Tally tally;
#if REMNANT_DEPOSIT_BLOCK > 1
    if (cpu_kernel != CpuKernel::PerItem)
      deposit_blocked(grid, ItemKeys{key_pattern, key_fall, key_failure}, run, cpu_kernel, tally);
    else
#endif
      per_item(run, tally);
    if (tally.outside) atomic_add_u32(&counters[kCounterSlots * b + kOutside], tally.outside);
    if (tally.in_water) atomic_add_u32(&counters[kCounterSlots * b + kInWater], tally.in_water);
  }

  REMNANT_HD void per_item(const CarrierRun& run, Tally& tally) const {
    for (std::uint32_t k = run.k0; k < run.k1; ++k) {
      const Uniform4 up = uniforms(key_pattern, run.r, run.s, run.c, k);
      float sin_t, cos_t;
      pattern_sincos(pattern_angle(up.u[1]), &sin_t, &cos_t);
      const Uniform4 uf = uniforms(key_fall, run.r, run.s, run.c, k);
      const std::uint32_t cell =
          landing_of(grid, run, pattern_radius(run.pattern, run.ring_inner, up.u[0]), cos_t, sin_t, uf.u[0]);
      deposit_item(grid, run, cell, [&] { return uniforms(key_failure, run.r, run.s, run.c, k).u[0]; }, tally);
    }
  }
};

// Slots of one realization's row in the totals table.
enum TotalSlot : std::uint32_t { kImpacts = 0, kDuds = 1, kContaminated = 2, kByClass = 3,
                                 kTotalSlots = 3 + kLandCoverClasses };

// Folds the batch's grids into the per-cell accumulators and the
// per-realization totals, and clears the grids for the next batch. A task owns
// a run of REMNANT_CELLS_PER_TASK cells: the per-cell accumulators need no
// atomics; the totals get one integer atomic per task and realization, and
// only where the run holds an impact. Empty cells cost one read.
struct AccumulateCells {
  std::uint32_t cells;
  std::uint32_t realizations;
  std::uint32_t bins;
  const std::uint8_t* land_cover;
  std::uint32_t* impacts;  // [b][cell]
  std::uint32_t* duds;
  std::uint64_t* dud_sum;
  std::uint64_t* dud_sum_sq;
  std::uint32_t* dud_nonzero;
  std::uint64_t* impact_sum;
  std::uint32_t* histogram;  // [bin][cell]
  std::uint64_t* totals;     // [b][TotalSlot]

  REMNANT_HD void operator()(std::uint32_t task) const {
    const std::uint32_t c0 = task * REMNANT_CELLS_PER_TASK;
    const std::uint32_t c1 = c0 + REMNANT_CELLS_PER_TASK < cells ? c0 + REMNANT_CELLS_PER_TASK : cells;
    for (std::uint32_t b = 0; b < realizations; ++b) {
      std::uint64_t t[kTotalSlots] = {};
      std::uint32_t* imp_row = impacts + static_cast<std::size_t>(b) * cells;
      std::uint32_t* dud_row = duds + static_cast<std::size_t>(b) * cells;
      for (std::uint32_t cell = c0; cell < c1; ++cell) {
        const std::uint32_t i = imp_row[cell];
        if (i == 0) continue;  // no impact, no dud
        imp_row[cell] = 0;
        impact_sum[cell] += i;
        t[kImpacts] += i;
        const std::uint32_t d = dud_row[cell];
        if (d == 0) continue;
        dud_row[cell] = 0;
        dud_sum[cell] += d;
        dud_sum_sq[cell] += static_cast<std::uint64_t>(d) * d;
        dud_nonzero[cell] += 1;
        const std::uint32_t bin = histogram_bin(d);
        histogram[static_cast<std::size_t>(bin < bins ? bin : bins - 1) * cells + cell] += 1;
        t[kDuds] += d;
        t[kContaminated] += 1;
        t[kByClass + land_cover[cell] % kLandCoverClasses] += d;
      }
      if (t[kImpacts] == 0) continue;
      for (std::uint32_t k = 0; k < kTotalSlots; ++k)
        if (t[k]) atomic_add_u64(&totals[b * kTotalSlots + k], t[k]);
    }
  }
};

class ThrustEngine final : public Engine {
 public:
  const char* name() const override { return REMNANT_BACKEND_NAME; }

  // An allocation that fails (grids for too large a batch, temporary
  // storage) reaches the host as std::bad_alloc, whatever Thrust threw, and
  // before a batch is folded into the accumulators: run_ensemble then retries
  // with a smaller batch.
  void prepare(const RunTables& t, std::uint32_t max_batch) override {
    out_of_memory_as_bad_alloc([&] { prepare_grids(t, max_batch); });
  }

  std::vector<RealizationTotals> run_batch(const BatchView& in) override {
    std::vector<RealizationTotals> out;
    out_of_memory_as_bad_alloc([&] { out = run_one_batch(in); });
    return out;
  }

  void prepare_grids(const RunTables& t, std::uint32_t max_batch) {
    tables_ = t;
    cells_ = t.grid.nx * t.grid.ny;
    max_batch_ = max_batch;
    const std::size_t S = t.strikes.count, T = t.types.count;

    // Device copies of the tables, and views that point at them.
    grid_ = t.grid;
    grid_.land_cover = put(land_cover_, t.grid.land_cover, cells_);
    grid_.failure_multiplier = put(failure_multiplier_, t.grid.failure_multiplier, cells_);
    strikes_ = t.strikes;
    strikes_.first_item = put(first_item_, t.strikes.first_item, S + 1);
    strikes_.per_carrier = put(per_carrier_, t.strikes.per_carrier, S);
    strikes_.type = put(type_, t.strikes.type, S);
    strikes_.pattern = put(pattern_, t.strikes.pattern, S);
    strikes_.aim_sigma = put(aim_sigma_, t.strikes.aim_sigma, S);
    strikes_.heading_center = put(heading_center_, t.strikes.heading_center, S);
    strikes_.heading_spread = put(heading_spread_, t.strikes.heading_spread, S);
    strikes_.ring_inner = put(ring_inner_, t.strikes.ring_inner, S);
    // Deposit tasks: each carrier's items in runs of REMNANT_ITEMS_PER_TASK.
    std::vector<std::uint32_t> first_task(S + 1, 0u);
    for (std::size_t s = 0; s < S; ++s) {
      const std::uint32_t per = t.strikes.per_carrier[s];
      const std::uint32_t carriers = per ? (t.strikes.first_item[s + 1] - t.strikes.first_item[s]) / per : 0;
      first_task[s + 1] = first_task[s] + carriers * tasks_per_carrier(per);
    }
    tasks_ = first_task[S];
    put(first_task_, first_task.data(), S + 1);
    types_ = t.types;
    types_.vt_min = put(vt_min_, t.types.vt_min, T);
    types_.vt_max = put(vt_max_, t.types.vt_max, T);

    const std::size_t grid_size = static_cast<std::size_t>(max_batch) * cells_;
    impacts_.assign(grid_size, 0u);
    duds_.assign(grid_size, 0u);
    counters_.assign(kCounterSlots * static_cast<std::size_t>(max_batch), 0u);
    totals_.assign(kTotalSlots * static_cast<std::size_t>(max_batch), 0u);

    dud_sum_.assign(cells_, 0u);
    dud_sum_sq_.assign(cells_, 0u);
    dud_nonzero_.assign(cells_, 0u);
    impact_sum_.assign(cells_, 0u);
    bins_ = kExactBins;
    // Room for the bins of counts up to 1024 (estimate_run_bytes budgets the
    // same), so that growing the histogram appends bins in place instead of
    // copying the ones there (on the GPU, a copy would need the old and the
    // new histogram at once). The CPU backend's memory beyond the bins in use
    // is reserved, not touched: the system maps its pages only when bins grow
    // into them; the GPU's is allocated here, before the first batch.
    histogram_.clear();
    histogram_.reserve(static_cast<std::size_t>(histogram_reserved_bins(t.items_per_realization)) * cells_);
    histogram_.assign(static_cast<std::size_t>(bins_) * cells_, 0u);
  }

  std::vector<RealizationTotals> run_one_batch(const BatchView& in) {
    const std::size_t S = tables_.strikes.count, T = tables_.types.count;
    const std::uint32_t B = in.realizations;
    if (B > max_batch_) throw std::logic_error("run_batch: batch larger than prepared for");
    BatchView batch = in;
    batch.site_x = put(site_x_, in.site_x, B * S);
    batch.site_y = put(site_y_, in.site_y, B * S);
    batch.semi_major = put(semi_major_, in.semi_major, B * S);
    batch.semi_minor = put(semi_minor_, in.semi_minor, B * S);
    batch.wind_x = put(wind_x_, in.wind_x, B * S);
    batch.wind_y = put(wind_y_, in.wind_y, B * S);
    batch.height = put(height_, in.height, B * S);
    batch.dud_rate = put(dud_rate_, in.dud_rate, B * T);
    batch.sd_failure = put(sd_failure_, in.sd_failure, B * T);
    thrust::fill(counters_.begin(), counters_.end(), 0u);
    thrust::fill(totals_.begin(), totals_.end(), std::uint64_t{0});

    const std::uint32_t N = tables_.items_per_realization;
    DepositRun deposit{grid_, strikes_, types_, batch,
                       tables_.key_aim, tables_.key_pattern, tables_.key_fall, tables_.key_failure,
                       raw(first_task_), tasks_, cells_, raw(impacts_), raw(duds_), raw(counters_),
                       tables_.cpu_kernel};
    thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                     thrust::counting_iterator<std::uint64_t>(std::uint64_t(B) * tasks_), deposit);

    const std::uint32_t tasks = (cells_ + REMNANT_CELLS_PER_TASK - 1) / REMNANT_CELLS_PER_TASK;
    // Grow the histogram (new bins go at the end of the [bin][cell] layout,
    // so existing counts stay put) to hold the largest count of this batch.
    const std::uint32_t largest = thrust::reduce(thrust::device, duds_.begin(), duds_.begin() + std::size_t(B) * cells_,
                                                 0u, thrust::maximum<std::uint32_t>());
    if (largest > 0 && histogram_bin(largest) >= bins_) grow_histogram(histogram_bin(largest) + 1);

    AccumulateCells acc{cells_, B, bins_, raw(land_cover_), raw(impacts_), raw(duds_),
                        raw(dud_sum_), raw(dud_sum_sq_), raw(dud_nonzero_), raw(impact_sum_), raw(histogram_),
                        raw(totals_)};
    thrust::for_each(thrust::device, thrust::counting_iterator<std::uint32_t>(0),
                     thrust::counting_iterator<std::uint32_t>(tasks), acc);

    std::vector<std::uint32_t> counters(kCounterSlots * B);
    std::vector<std::uint64_t> totals(kTotalSlots * B);
    thrust::copy(counters_.begin(), counters_.begin() + kCounterSlots * B, counters.begin());
    thrust::copy(totals_.begin(), totals_.begin() + kTotalSlots * B, totals.begin());
    std::vector<RealizationTotals> out(B);
    for (std::uint32_t b = 0; b < B; ++b) {
      const std::uint64_t* t = totals.data() + kTotalSlots * b;
      RealizationTotals& rt = out[b];
      rt.fired = N;
      rt.impacts = t[kImpacts];
      rt.duds = t[kDuds];
      rt.contaminated_cells = t[kContaminated];
      for (int k = 0; k < kLandCoverClasses; ++k) rt.duds_by_class[k] = t[kByClass + k];
      rt.in_water = counters[kCounterSlots * b + kInWater];
      rt.outside_grid = counters[kCounterSlots * b + kOutside];
    }
    return out;
  }

  // Grows the histogram to `bins` bins, the new ones zero. Within the
  // reservation the bins are appended in place; beyond it the histogram is
  // moved to storage of exactly the new size (not Thrust's doubling). If the
  // allocation fails, the histogram and bins_ are left as they were, so that
  // read_accumulators still returns every batch before this one.
  void grow_histogram(std::uint32_t bins) {
    const std::size_t size = static_cast<std::size_t>(bins) * cells_;
    if (size > histogram_.capacity()) histogram_.reserve(size);
    histogram_.resize(size, 0u);
    bins_ = bins;
  }

  void load_accumulators(const CellAccumulators& a) override {
    dud_sum_.assign(a.dud_sum.begin(), a.dud_sum.end());
    dud_sum_sq_.assign(a.dud_sum_sq.begin(), a.dud_sum_sq.end());
    dud_nonzero_.assign(a.dud_nonzero.begin(), a.dud_nonzero.end());
    impact_sum_.assign(a.impact_sum.begin(), a.impact_sum.end());
    histogram_.assign(a.histogram.begin(), a.histogram.end());
    bins_ = a.histogram_bins;
  }

  CellAccumulators read_accumulators() const override {
    CellAccumulators a;
    a.cells = cells_;
    a.histogram_bins = bins_;
    fetch(dud_sum_, a.dud_sum);
    fetch(dud_sum_sq_, a.dud_sum_sq);
    fetch(dud_nonzero_, a.dud_nonzero);
    fetch(impact_sum_, a.impact_sum);
    fetch(histogram_, a.histogram);
    return a;
  }

 private:
  template <typename F>
  static void out_of_memory_as_bad_alloc(F&& f) {
#if REMNANT_HOST_PASS
    f();  // host memory: std::bad_alloc already
#else
    try {
      f();
    } catch (const thrust::system_error& e) {
      if (e.code().value() != cudaErrorMemoryAllocation) throw;
      cudaGetLastError();  // not sticky, but clear it
      throw std::bad_alloc();
    }
#endif
  }

  // Copies a backend vector into a host vector.
  template <typename T>
  static void fetch(const thrust::device_vector<T>& src, std::vector<T>& dst) {
#if REMNANT_HOST_PASS
    // The OpenMP backend's memory is host memory: one copying pass, without
    // value-initialising the destination first.
    dst.assign(raw(src), raw(src) + src.size());
#else
    dst.resize(src.size());
    thrust::copy(src.begin(), src.end(), dst.begin());
#endif
  }

  // Copies n host values to the device vector and returns its device pointer.
  template <typename T>
  static const T* put(thrust::device_vector<T>& dst, const T* src, std::size_t n) {
    dst.assign(src, src + n);
    return raw(dst);
  }

  RunTables tables_{};
  GridView grid_{};
  StrikeView strikes_{};
  TypeView types_{};
  std::uint32_t cells_ = 0;
  std::uint32_t max_batch_ = 0;
  std::uint32_t bins_ = kExactBins;
  std::uint32_t tasks_ = 0;  // deposit tasks per realization
  thrust::device_vector<std::uint8_t> land_cover_, pattern_;
  thrust::device_vector<float> failure_multiplier_, aim_sigma_, heading_center_, heading_spread_, ring_inner_, vt_min_,
      vt_max_;
  thrust::device_vector<std::uint32_t> first_item_, per_carrier_, first_task_;
  thrust::device_vector<std::uint16_t> type_;
  thrust::device_vector<float> site_x_, site_y_, semi_major_, semi_minor_, wind_x_, wind_y_, height_, dud_rate_,
      sd_failure_;
  thrust::device_vector<std::uint32_t> impacts_, duds_, counters_;
  thrust::device_vector<std::uint64_t> dud_sum_, dud_sum_sq_, impact_sum_, totals_;
  thrust::device_vector<std::uint32_t> dud_nonzero_, histogram_;
};

}  // namespace

std::unique_ptr<Engine> make_engine() { return std::make_unique<ThrustEngine>(); }

}  // namespace REMNANT_BACKEND_NS
}  // namespace remnant
