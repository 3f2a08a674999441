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
//     physical steps 4-13 of physics.h (steps 1-3 are the host's draws, in
//     BatchView) and increments the realization's impact and dud grids with
//     integer atomics;
//  2. accumulate: thrust::for_each over runs of cells folds the batch's grids
//     into the per-cell accumulators and the per-realization totals, and
//     clears the grids.
// On the GPU both passes are kernels of this file launched on the default
// stream without waiting in between (see ThrustEngine::run_one_batch): a
// batch waits for the device twice.
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
#include <cstring>
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
#if !REMNANT_HOST_PASS
#include <cub/device/device_reduce.cuh>
#include <cuda_runtime_api.h>
#include <thrust/system/cuda/error.h>

#include "cuda_memory.h"
#else
#include "host_memory.h"
#endif

namespace remnant {
namespace REMNANT_BACKEND_NS {
namespace {

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

// 64-bit words of one realization's hazard raster.
REMNANT_HD inline std::size_t hazard_words(const HazardRaster& h) { return std::size_t(h.ny) * h.words; }

// Per-realization counters kept during deposit: these, then the duds of each
// submunition type (kCounterSlots + type), so kCounterSlots + types per
// realization (counter_stride).
enum CounterSlot : std::uint32_t { kInWater = 0, kOutside = 1, kCounterSlots = 2 };
REMNANT_HD inline std::uint32_t counter_stride(std::uint32_t types) { return kCounterSlots + types; }

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
  std::uint32_t* impacts;           // the batch's grids, [b][cell]; null in the dud-only pass
  std::uint32_t* duds;
  std::uint64_t* hazard;            // the batch's hazard rasters, [b][row][word]
  std::uint32_t* counters;          // [b][counter_stride(types.count)]
  CpuKernel cpu_kernel;
  float max_multiplier;             // the largest failure multiplier of a land cell (0: none)

  REMNANT_HD void operator()(std::uint64_t task) const {
    const std::uint32_t b = static_cast<std::uint32_t>(task / tasks);
    const std::uint32_t j = static_cast<std::uint32_t>(task - std::uint64_t(b) * tasks);
    CarrierRun run;
    run.s = strike_of(first_task, strikes.count, j);
    const std::uint32_t s = run.s;
    const std::uint32_t per = strikes.per_carrier[s];
    const std::uint32_t runs = tasks_per_carrier(per);
    const std::uint32_t local = j - first_task[s];
    run.c = local / runs;
    run.k0 = (local - run.c * runs) * REMNANT_ITEMS_PER_TASK;
    run.k1 = run.k0 + REMNANT_ITEMS_PER_TASK < per ? run.k0 + REMNANT_ITEMS_PER_TASK : per;
    run.impacts = impacts ? impacts + static_cast<std::size_t>(b) * cells : nullptr;
    run.duds = duds + static_cast<std::size_t>(b) * cells;
    run.hazard = hazard + static_cast<std::size_t>(b) * hazard_words(grid.hazard);
    // Steps 4 and 5 and the carrier's constants, from row b * strikes + s of
    // the batch's draws (its stream is the realization in a forward run).
    start_carrier(run, strikes, types, batch, b * strikes.count + s, b * types.count + strikes.type[s], key_aim,
                  max_multiplier);

    Tally tally;
#if REMNANT_DEPOSIT_BLOCK > 1
    if (cpu_kernel != CpuKernel::PerItem)
      deposit_blocked(grid, ItemKeys{key_pattern, key_fall, key_failure}, run, cpu_kernel, tally);
    else
#endif
      per_item(run, tally);
    std::uint32_t* counter = counters + std::size_t(counter_stride(types.count)) * b;
    if (tally.duds) atomic_add_u32(&counter[kCounterSlots + strikes.type[s]], tally.duds);
    if (!impacts) return;  // the dud-only pass counts no landings
    if (tally.outside) atomic_add_u32(&counter[kOutside], tally.outside);
    if (tally.in_water) atomic_add_u32(&counter[kInWater], tally.in_water);
  }

  // Steps 6-13 (physics.h), one item after the other. In the dud-only pass
  // (run.impacts null) the Failure uniform is drawn first and an item that
  // cannot fail anywhere (not below run.p_max) is not placed.
  REMNANT_HD void per_item(const CarrierRun& run, Tally& tally) const {
    const ItemKeys keys{key_pattern, key_fall, key_failure};
    walk_items(grid, keys, run, run.impacts != nullptr, [&](std::uint32_t k, std::uint32_t cell, Vec2 at) {
      deposit_item(grid, run, cell, at, [&] { return uniforms(key_failure, run.r, run.s, run.c, k).u[0]; }, tally);
    });
  }
};

// The evidence count of a conditioned run (Engine::count_evidence): task t is
// carrier c of evaluation e (first_task, a prefix sum over evaluations of
// their rows' carriers); an evaluation is one strike row with its own draws
// (row e of `draws`, type row e). Every item of the carrier walks the same
// steps 4-13 as in the deposit pass, from the same keys, so a dud lands in the
// same cell as it would there; each dud adds 1 to the count of every evidence
// feature its cell belongs to (cell_first/cell_feature: the features of each
// cell, compressed rows).
struct EvidenceCount {
  GridView grid;
  StrikeView strikes;
  TypeView types;
  BatchView draws;
  RngKey key_aim, key_pattern, key_fall, key_failure;
  const std::uint32_t* strike_of_eval;
  const std::uint32_t* first_task;  // evaluations + 1 entries
  std::uint32_t evaluations;
  const std::uint32_t* cell_first;  // cells + 1 entries
  const std::uint32_t* cell_feature;
  std::uint32_t features;
  const float* boxes;     // [feature][x0, y0, x1, y1]: the extent of its cells, grid-relative metres
  std::uint32_t* counts;  // [evaluation][feature]
  float max_multiplier;

  // Whether any item of the carrier can land within a feature's extent: its
  // aim point plus the pattern at its largest (a Gaussian offset never
  // exceeds 5.77 sigma, Box-Muller on kernels/rng.h's uniforms) and the drift
  // at the slowest fall. Exact: a carrier that cannot reach any feature puts
  // no item in one.
  REMNANT_HD bool reaches_a_feature(const CarrierRun& run) const {
    const float pattern =
        run.pattern == Pattern::GaussianEllipse ? 0.5f * 5.77f * run.a_major : run.a_major;
    const float wind = sqrtf(run.wind_x * run.wind_x + run.wind_y * run.wind_y);
    const float fall = run.vt_min > 0.0f ? run.height / run.vt_min : 1e30f;
    const float reach = pattern + wind * fall + 2.0f * grid.dx;
    for (std::uint32_t f = 0; f < features; ++f) {
      const float* b = boxes + 4 * f;
      const float dx = fmaxf(fmaxf(b[0] - run.aim.x, 0.0f), run.aim.x - b[2]);
      const float dy = fmaxf(fmaxf(b[1] - run.aim.y, 0.0f), run.aim.y - b[3]);
      if (dx * dx + dy * dy <= reach * reach) return true;
    }
    return false;
  }

  REMNANT_HD void operator()(std::uint64_t task) const {
    const std::uint32_t t = static_cast<std::uint32_t>(task);
    const std::uint32_t e = strike_of(first_task, evaluations, t);
    CarrierRun run;
    run.s = strike_of_eval[e];
    run.c = t - first_task[e];
    run.k0 = 0;
    run.k1 = strikes.per_carrier[run.s];
    run.impacts = run.duds = nullptr;
    run.hazard = nullptr;
    start_carrier(run, strikes, types, draws, e, e, key_aim, max_multiplier);
    if (!reaches_a_feature(run)) return;
    const ItemKeys keys{key_pattern, key_fall, key_failure};
    std::uint32_t* out = counts + static_cast<std::size_t>(e) * features;
    walk_items(grid, keys, run, false, [&](std::uint32_t k, std::uint32_t cell, Vec2) {
      if (cell == kNoCell || cell_first[cell] == cell_first[cell + 1] || is_water(grid, cell)) return;
      if (!fails_in(grid, run, cell, uniforms(key_failure, run.r, run.s, run.c, k).u[0])) return;
      for (std::uint32_t i = cell_first[cell]; i < cell_first[cell + 1]; ++i) atomic_add_u32(&out[cell_feature[i]], 1u);
    });
  }
};

// Slots of one realization's row in the totals table.
enum TotalSlot : std::uint32_t { kImpacts = 0, kDuds = 1, kContaminated = 2, kHazard = 3, kByClass = 4,
                                 kTotalSlots = 4 + kLandCoverClasses };

// Step 15 (physics.h) for one row of one realization's hazard raster: task
// b * ny + y counts the row's pixels within the fade-out distance of a dud
// and adds them to the realization's total (one atomic per row, only when
// some). Reads only: the rasters are cleared before the next batch. The GPU
// runs hazard_kernel below instead (one word per thread).
struct HazardRows {
  HazardRaster h;
  const std::uint64_t* bits;  // [b][row][word]
  std::uint64_t* totals;      // [b][TotalSlot]

#if REMNANT_HOST_PASS
  void operator()(std::uint64_t task) const {
    const std::uint32_t b = static_cast<std::uint32_t>(task / h.ny);
    const std::uint32_t y = static_cast<std::uint32_t>(task - std::uint64_t(b) * h.ny);
    const std::uint64_t pixels = hazard_row_pixels(h, bits + std::size_t(b) * hazard_words(h), y);
    if (pixels) atomic_add_u64(&totals[std::size_t(b) * kTotalSlots + kHazard], pixels);
  }
#endif
};

// What one cell of one realization adds to the realization's totals.
struct CellFold {
  std::uint32_t impacts, duds, land_class;
};

// Folds the batch's grids into the per-cell accumulators and the
// per-realization totals, and clears the grids for the next batch. A task owns
// a run of REMNANT_CELLS_PER_TASK cells: the per-cell accumulators need no
// atomics; the totals get one integer atomic per task and realization, and
// only where the run holds an impact. Empty cells cost one read. On the GPU,
// accumulate_kernel below runs fold() one cell per thread and sums the totals
// over each warp before its atomics.
struct AccumulateCells {
  std::uint32_t cells;
  std::uint32_t realizations;
  std::uint32_t bins;
  const std::uint8_t* land_cover;
  std::uint32_t* impacts;  // [b][cell]; null in the dud-only pass (no impacts counted)
  std::uint32_t* duds;
  std::uint64_t* dud_sum;
  std::uint64_t* dud_sum_sq;
  std::uint32_t* dud_nonzero;
  std::uint64_t* impact_sum;
  std::uint32_t* histogram;  // [bin][cell]
  std::uint64_t* totals;     // [b][TotalSlot]

  // Cell `cell` of realization b of the batch: folded into the cell's
  // accumulators and cleared in the grids.
  REMNANT_HD CellFold fold(std::uint32_t b, std::uint32_t cell) const {
    CellFold f{0u, 0u, 0u};
    const std::size_t at = static_cast<std::size_t>(b) * cells + cell;
    if (impacts) {
      f.impacts = impacts[at];
      if (f.impacts == 0) return f;  // no impact, no dud
      impacts[at] = 0;
      impact_sum[cell] += f.impacts;
    }
    const std::uint32_t d = duds[at];
    if (d == 0) return f;
    duds[at] = 0;
    dud_sum[cell] += d;
    dud_sum_sq[cell] += static_cast<std::uint64_t>(d) * d;
    dud_nonzero[cell] += 1;
    const std::uint32_t bin = histogram_bin(d);
    histogram[static_cast<std::size_t>(bin < bins ? bin : bins - 1) * cells + cell] += 1;
    f.duds = d;
    f.land_class = land_cover[cell] % kLandCoverClasses;
    return f;
  }

#if REMNANT_HOST_PASS
  void operator()(std::uint32_t task) const {
    const std::uint32_t c0 = task * REMNANT_CELLS_PER_TASK;
    const std::uint32_t c1 = c0 + REMNANT_CELLS_PER_TASK < cells ? c0 + REMNANT_CELLS_PER_TASK : cells;
    for (std::uint32_t b = 0; b < realizations; ++b) {
      std::uint64_t t[kTotalSlots] = {};
      for (std::uint32_t cell = c0; cell < c1; ++cell) {
        const CellFold f = fold(b, cell);
        t[kImpacts] += f.impacts;
        if (f.duds == 0) continue;
        t[kDuds] += f.duds;
        t[kContaminated] += 1;
        t[kByClass + f.land_class] += f.duds;
      }
      if (t[kImpacts] == 0 && t[kDuds] == 0) continue;
      for (std::uint32_t k = 0; k < kTotalSlots; ++k)
        if (t[k]) atomic_add_u64(&totals[b * kTotalSlots + k], t[k]);
    }
  }
#endif
};

// Rows of totals for the realizations of a batch, from the per-realization
// totals and deposit counters read back from the backend; duds_by_type gets
// each realization's duds per submunition type, [b][type].
std::vector<RealizationTotals> totals_rows(std::uint32_t realizations, std::uint32_t fired, std::uint32_t types,
                                           const std::uint64_t* totals, const std::uint32_t* counters,
                                           std::vector<std::uint64_t>& duds_by_type) {
  std::vector<RealizationTotals> out(realizations);
  duds_by_type.assign(std::size_t(realizations) * types, 0u);
  for (std::uint32_t b = 0; b < realizations; ++b) {
    const std::uint64_t* t = totals + kTotalSlots * b;
    const std::uint32_t* c = counters + std::size_t(counter_stride(types)) * b;
    RealizationTotals& rt = out[b];
    rt.fired = fired;
    rt.impacts = t[kImpacts];
    rt.duds = t[kDuds];
    rt.contaminated_cells = t[kContaminated];
    rt.hazard_pixels = t[kHazard];
    for (int k = 0; k < kLandCoverClasses; ++k) rt.duds_by_class[k] = t[kByClass + k];
    rt.in_water = c[kInWater];
    rt.outside_grid = c[kOutside];
    for (std::uint32_t type = 0; type < types; ++type) duds_by_type[std::size_t(b) * types + type] = c[kCounterSlots + type];
  }
  return out;
}

#if !REMNANT_HOST_PASS
constexpr unsigned kFullWarp = 0xffffffffu;
constexpr unsigned kThreadsPerBlock = 256;
// Resident blocks of the deposit kernel per multiprocessor asked of ptxas
// (__launch_bounds__): 5 x 256 threads allow 51 registers per thread, which
// the kernel meets without spilling (46 at sm_80, 48 at sm_90; 6 blocks
// spill), for 40 of 64 warps per multiprocessor (docs/PERFORMANCE.md).
constexpr unsigned kDepositBlocksPerSm = 5;

// Blocks for n threads of kThreadsPerBlock, at most the grid's limit (the
// kernels loop over the rest).
inline unsigned blocks_for(std::uint64_t n) {
  const std::uint64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned>(blocks < 0x7fffffffu ? blocks : 0x7fffffffu);
}

__global__ void __launch_bounds__(kThreadsPerBlock, kDepositBlocksPerSm)
    deposit_kernel(const DepositRun run, std::uint64_t tasks) {
  const std::uint64_t stride = std::uint64_t(gridDim.x) * blockDim.x;
  for (std::uint64_t t = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < tasks; t += stride) run(t);
}

// Sum and bitwise or of v over the 32 lanes of a warp, every lane calling.
__device__ inline std::uint32_t warp_sum(std::uint32_t v) {
#if __CUDA_ARCH__ >= 800
  return __reduce_add_sync(kFullWarp, v);
#else
  for (int lane = 16; lane > 0; lane /= 2) v += __shfl_xor_sync(kFullWarp, v, lane);
  return v;
#endif
}
__device__ inline std::uint32_t warp_or(std::uint32_t v) {
#if __CUDA_ARCH__ >= 800
  return __reduce_or_sync(kFullWarp, v);
#else
  for (int lane = 16; lane > 0; lane /= 2) v |= __shfl_xor_sync(kFullWarp, v, lane);
  return v;
#endif
}

// Adds the warp's sum of v to *total: one atomic per warp, by lane 0. A
// realization's impacts or duds fit 32 bits (at most the items it fires).
__device__ inline void warp_add(std::uint64_t* total, std::uint32_t v) {
  const std::uint32_t sum = warp_sum(v);
  if ((threadIdx.x & 31u) == 0 && sum != 0) atomic_add_u64(total, sum);
}

// Step 15 on the GPU: one thread per word of a realization's hazard raster
// (HazardRows runs a whole row per task on CPU cores), the realization's
// words rounded up to whole warps so that the 32 lanes of a warp share a
// realization and add their sum with one atomic (warp_add). Every lane of a
// block runs the same iterations; a lane past its realization's words adds 0.
__global__ void __launch_bounds__(kThreadsPerBlock)
    hazard_kernel(const HazardRows rows, std::uint64_t per_realization, std::uint64_t tasks) {
  const std::uint64_t stride = std::uint64_t(gridDim.x) * blockDim.x;
  const std::uint64_t words = hazard_words(rows.h);
  for (std::uint64_t base = std::uint64_t(blockIdx.x) * blockDim.x; base < tasks; base += stride) {
    const std::uint64_t t = base + threadIdx.x;
    const std::uint64_t b = t / per_realization;
    const std::uint64_t w = t - b * per_realization;
    std::uint32_t pixels = 0;
    if (t < tasks && w < words) {
      const std::uint32_t y = static_cast<std::uint32_t>(w / rows.h.words);
      const std::uint32_t j = static_cast<std::uint32_t>(w - std::uint64_t(y) * rows.h.words);
      pixels = popcount_u64(hazard_word(rows.h, rows.bits + b * words, y, j));
    }
    warp_add(&rows.totals[b * kTotalSlots + kHazard], pixels);  // adds nothing past the last realization
  }
}

// The accumulate pass on the GPU: one thread per cell. Every lane of a warp
// runs the same iterations (a lane past the grid's last cell adds nothing), so
// the totals are summed over the warp's 32 cells before the 64-bit atomics;
// a warp whose cells are all empty in a realization skips it after one read
// per cell. The classes of land cover present among the warp's duds get one
// sum each.
__global__ void __launch_bounds__(kThreadsPerBlock) accumulate_kernel(const AccumulateCells acc) {
  const std::uint64_t stride = std::uint64_t(gridDim.x) * blockDim.x;
  for (std::uint64_t base = std::uint64_t(blockIdx.x) * blockDim.x; base < acc.cells; base += stride) {
    const std::uint64_t cell = base + threadIdx.x;
    const bool inside = cell < acc.cells;
    for (std::uint32_t b = 0; b < acc.realizations; ++b) {
      const CellFold f = inside ? acc.fold(b, static_cast<std::uint32_t>(cell)) : CellFold{0u, 0u, 0u};
      if (!__any_sync(kFullWarp, (f.impacts | f.duds) != 0)) continue;
      std::uint64_t* t = acc.totals + std::size_t(b) * kTotalSlots;
      warp_add(&t[kImpacts], f.impacts);
      if (!__any_sync(kFullWarp, f.duds != 0)) continue;
      warp_add(&t[kDuds], f.duds);
      warp_add(&t[kContaminated], f.duds != 0 ? 1u : 0u);
      for (std::uint32_t classes = warp_or(f.duds != 0 ? 1u << f.land_class : 0u); classes != 0;
           classes &= classes - 1) {
        const std::uint32_t k = static_cast<std::uint32_t>(__ffs(static_cast<int>(classes)) - 1);
        warp_add(&t[kByClass + k], f.land_class == k ? f.duds : 0u);
      }
    }
  }
}
#endif

// The backend's vectors: on the GPU through DeviceAllocator
// (kernels/cuda_memory.h: only a failed allocation is std::bad_alloc, and
// freeing never throws); on CPU cores through HostAllocator
// (kernels/host_memory.h: large buffers in huge pages).
#if REMNANT_HOST_PASS
template <typename T>
using DeviceVector = thrust::device_vector<T, HostAllocator<T>>;
#else
template <typename T>
using DeviceVector = thrust::device_vector<T, DeviceAllocator<T>>;
#endif

// The per-cell accumulators: on CPU cores host vectors of the type
// CellAccumulators holds, so that take_accumulators moves them out instead of
// copying them.
#if REMNANT_HOST_PASS
template <typename T>
using AccumulatorVector = std::vector<T>;
template <typename T>
T* raw(std::vector<T>& v) {
  return v.data();
}
template <typename T>
const T* raw(const std::vector<T>& v) {
  return v.data();
}
#else
template <typename T>
using AccumulatorVector = DeviceVector<T>;
#endif

template <typename T>
T* raw(DeviceVector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <typename T>
const T* raw(const DeviceVector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}

class ThrustEngine final : public Engine {
 public:
  const char* name() const override { return REMNANT_BACKEND_NAME; }

  // An allocation that fails (grids for too large a batch, the histogram
  // growing) reaches the host as std::bad_alloc, and before a batch is folded
  // into the accumulators: run_ensemble then retries with a smaller batch.
  // On the GPU any other failure is a std::runtime_error with the runtime's
  // description (kernels/cuda_errors.h).
  void prepare(const RunTables& t, std::uint32_t max_batch) override {
    out_of_memory_as_bad_alloc([&] { prepare_grids(t, max_batch); });
  }

  std::vector<std::uint64_t> batch_duds_by_type() const override { return duds_by_type_; }

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
#define REMNANT_PUT_STRIKE_COLUMN(Type, name) strikes_.name = put(name##_, t.strikes.name, S);
    REMNANT_STRIKE_COLUMNS(REMNANT_PUT_STRIKE_COLUMN)
#undef REMNANT_PUT_STRIKE_COLUMN
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
#define REMNANT_PUT_TYPE_COLUMN(Type, name) types_.name = put(name##_, t.types.name, T);
    REMNANT_TYPE_COLUMNS(REMNANT_PUT_TYPE_COLUMN)
#undef REMNANT_PUT_TYPE_COLUMN

    const std::size_t grid_size = static_cast<std::size_t>(max_batch) * cells_;
    impacts_.assign(t.duds_only ? 0 : grid_size, 0u);  // the dud-only pass counts no impacts
    max_multiplier_ = 0.0f;
    for (std::size_t c = 0; c < cells_; ++c)
      if (t.grid.land_cover[c] != static_cast<std::uint8_t>(LandCover::Water))
        max_multiplier_ = std::max(max_multiplier_, t.grid.failure_multiplier[c]);
    duds_.assign(grid_size, 0u);
    hazard_.assign(static_cast<std::size_t>(max_batch) * hazard_words(t.grid.hazard), 0u);
    counters_.assign(counter_stride(t.types.count) * static_cast<std::size_t>(max_batch), 0u);
    totals_.assign(kTotalSlots * static_cast<std::size_t>(max_batch), 0u);

    zeros(dud_sum_, cells_);
    zeros(dud_sum_sq_, cells_);
    zeros(dud_nonzero_, cells_);
    zeros(impact_sum_, cells_);
    bins_ = kExactBins;
    // Room for the bins of counts up to 1024 (estimate_run_bytes budgets the
    // same), so that growing the histogram appends bins in place instead of
    // copying the ones there (on the GPU, a copy would need the old and the
    // new histogram at once). The CPU backend's memory beyond the bins in use
    // is reserved, not touched: the system maps its pages only when bins grow
    // into them; the GPU's is allocated here, before the first batch.
    zeros(histogram_, static_cast<std::size_t>(bins_) * cells_,
          static_cast<std::size_t>(histogram_reserved_bins(t.items_per_realization)) * cells_);
#if !REMNANT_HOST_PASS
    // What a batch needs besides the grids, allocated here so that a batch
    // allocates nothing unless the histogram outgrows its reservation: the
    // draws (one block of floats, staged through pinned memory), the largest
    // dud count, and the reduction's temporary storage.
    const std::size_t draws = draw_floats(max_batch);
    inputs_.resize(draws);
    staging_.reserve(draws);
    largest_.assign(1, 0u);
    readback_counters_.reserve(counter_stride(t.types.count) * static_cast<std::size_t>(max_batch));
    readback_totals_.reserve(kTotalSlots * static_cast<std::size_t>(max_batch));
    readback_largest_.reserve(1);
    reserve_reduce_storage(grid_size);
#endif
  }

  std::vector<RealizationTotals> run_one_batch(const BatchView& in) {
    const std::uint32_t B = in.realizations;
    if (B > max_batch_) throw std::logic_error("run_batch: batch larger than prepared for");
#if REMNANT_HOST_PASS
    const std::size_t S = tables_.strikes.count, T = tables_.types.count;
    BatchView batch = in;
#define REMNANT_PUT_STRIKE_DRAW(Type, name) batch.name = put(name##_, in.name, B * S);
#define REMNANT_PUT_TYPE_DRAW(Type, name) batch.name = put(name##_, in.name, B * T);
    REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_PUT_STRIKE_DRAW)
    REMNANT_BATCH_TYPE_COLUMNS(REMNANT_PUT_TYPE_DRAW)
#undef REMNANT_PUT_STRIKE_DRAW
#undef REMNANT_PUT_TYPE_DRAW
    thrust::fill(counters_.begin(), counters_.end(), 0u);
    thrust::fill(totals_.begin(), totals_.end(), std::uint64_t{0});
    thrust::fill(thrust::device, hazard_.begin(), hazard_.begin() + B * hazard_words(grid_.hazard), std::uint64_t{0});

    thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                     thrust::counting_iterator<std::uint64_t>(std::uint64_t(B) * tasks_), deposit_run(batch));

    // Grow the histogram (new bins go at the end of the [bin][cell] layout,
    // so existing counts stay put) to hold the largest count of this batch.
    const std::uint32_t largest = thrust::reduce(thrust::device, duds_.begin(), duds_.begin() + std::size_t(B) * cells_,
                                                 0u, thrust::maximum<std::uint32_t>());
    if (largest > 0 && histogram_bin(largest) >= bins_) grow_histogram(histogram_bin(largest) + 1);

    const std::uint32_t tasks = (cells_ + REMNANT_CELLS_PER_TASK - 1) / REMNANT_CELLS_PER_TASK;
    thrust::for_each(thrust::device, thrust::counting_iterator<std::uint32_t>(0),
                     thrust::counting_iterator<std::uint32_t>(tasks), accumulate_cells(B));
    thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                     thrust::counting_iterator<std::uint64_t>(std::uint64_t(B) * grid_.hazard.ny), hazard_rows());

    const std::size_t counter_words = std::size_t(counter_stride(static_cast<std::uint32_t>(T))) * B;
    std::vector<std::uint32_t> counters(counter_words);
    std::vector<std::uint64_t> totals(kTotalSlots * B);
    thrust::copy(counters_.begin(), counters_.begin() + counter_words, counters.begin());
    thrust::copy(totals_.begin(), totals_.begin() + kTotalSlots * B, totals.begin());
    return totals_rows(B, tables_.items_per_realization, static_cast<std::uint32_t>(T), totals.data(), counters.data(),
                       duds_by_type_);
#else
    // Everything is queued on the default stream; the host waits twice: for
    // the largest dud count (the histogram may have to grow before the
    // accumulate pass) and for the totals.
    const std::size_t draws = draw_floats(B);
    const BatchView batch = stage_draws(in);
    check(cudaMemcpyAsync(raw(inputs_), staging_.data(), draws * sizeof(float), cudaMemcpyHostToDevice),
          "copying the batch's draws to the GPU");
    const std::uint32_t T = tables_.types.count;
    const std::size_t counter_words = std::size_t(counter_stride(T)) * B;
    check(cudaMemsetAsync(raw(counters_), 0, counter_words * sizeof(std::uint32_t)), "clearing the counters");
    check(cudaMemsetAsync(raw(totals_), 0, kTotalSlots * B * sizeof(std::uint64_t)), "clearing the totals");
    if (!hazard_.empty())
      check(cudaMemsetAsync(raw(hazard_), 0, B * hazard_words(grid_.hazard) * sizeof(std::uint64_t)),
            "clearing the hazard rasters");

    const std::uint64_t deposit_tasks = std::uint64_t(B) * tasks_;
    if (deposit_tasks > 0) {
      deposit_kernel<<<blocks_for(deposit_tasks), kThreadsPerBlock>>>(deposit_run(batch), deposit_tasks);
      check(cudaGetLastError(), "launching the deposit pass");
    }
    const std::size_t grid_size = std::size_t(B) * cells_;
    reserve_reduce_storage(grid_size);
    std::size_t temp_bytes = reduce_storage_.size();
    check(cub::DeviceReduce::Max(raw(reduce_storage_), temp_bytes, raw(duds_), raw(largest_), grid_size),
          "finding the largest dud count");
    check(cudaMemcpyAsync(readback_largest_.data(), raw(largest_), sizeof(std::uint32_t), cudaMemcpyDeviceToHost),
          "reading the largest dud count");
    check(cudaStreamSynchronize(0), "the deposit pass");  // wait 1
    const std::uint32_t largest = readback_largest_.data()[0];
    if (largest > 0 && histogram_bin(largest) >= bins_) grow_histogram(histogram_bin(largest) + 1);

    accumulate_kernel<<<blocks_for(cells_), kThreadsPerBlock>>>(accumulate_cells(B));
    check(cudaGetLastError(), "launching the accumulate pass");
    const std::uint64_t per_realization = (hazard_words(grid_.hazard) + 31u) / 32u * 32u;
    const std::uint64_t hazard_tasks = std::uint64_t(B) * per_realization;
    if (hazard_tasks > 0) {
      hazard_kernel<<<blocks_for(hazard_tasks), kThreadsPerBlock>>>(hazard_rows(), per_realization, hazard_tasks);
      check(cudaGetLastError(), "launching the hazard-area pass");
    }
    check(cudaMemcpyAsync(readback_counters_.data(), raw(counters_), counter_words * sizeof(std::uint32_t),
                          cudaMemcpyDeviceToHost),
          "reading the counters");
    check(cudaMemcpyAsync(readback_totals_.data(), raw(totals_), kTotalSlots * B * sizeof(std::uint64_t),
                          cudaMemcpyDeviceToHost),
          "reading the totals");
    check(cudaStreamSynchronize(0), "the accumulate pass");  // wait 2
    return totals_rows(B, tables_.items_per_realization, T, readback_totals_.data(), readback_counters_.data(),
                       duds_by_type_);
#endif
  }

  void load_evidence_cells(const EvidenceCells& cells) override {
    if (cells.first.size() != std::size_t(cells_) + 1)
      throw std::logic_error("load_evidence_cells: one entry per cell of the grid, and one more");
    if (cells.boxes.size() != 4 * std::size_t(cells.features))
      throw std::logic_error("load_evidence_cells: four numbers per feature's extent");
    evidence_features_ = cells.features;
    put(cell_first_, cells.first.data(), cells.first.size());
    // (An empty range is cleared, not assigned: Thrust's copy would bind a
    // reference to an empty vector's null data.)
    if (cells.feature.empty()) cell_feature_.clear();
    else cell_feature_.assign(cells.feature.begin(), cells.feature.end());
    if (cells.boxes.empty()) feature_boxes_.clear();
    else feature_boxes_.assign(cells.boxes.begin(), cells.boxes.end());
  }

  std::vector<std::uint32_t> count_evidence(const BatchView& draws,
                                            const std::vector<std::uint32_t>& strike_of_eval) override {
    std::vector<std::uint32_t> counts;
    out_of_memory_as_bad_alloc([&] { counts = count_evidence_features(draws, strike_of_eval); });
    return counts;
  }

  void load_accumulators(const CellAccumulators& a) override {
    dud_sum_.assign(a.dud_sum.begin(), a.dud_sum.end());
    dud_sum_sq_.assign(a.dud_sum_sq.begin(), a.dud_sum_sq.end());
    dud_nonzero_.assign(a.dud_nonzero.begin(), a.dud_nonzero.end());
    impact_sum_.assign(a.impact_sum.begin(), a.impact_sum.end());
#if !REMNANT_HOST_PASS
    // More bins than reserved: storage of exactly their size, as in
    // grow_histogram (Thrust's assign would allocate twice the reservation).
    if (a.histogram.size() > histogram_.capacity()) {
      histogram_.clear();
      histogram_.reserve(a.histogram.size());
    }
#endif
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

#if REMNANT_HOST_PASS
  CellAccumulators take_accumulators() override {
    CellAccumulators a;
    a.cells = cells_;
    a.histogram_bins = bins_;
    a.dud_sum = std::move(dud_sum_);
    a.dud_sum_sq = std::move(dud_sum_sq_);
    a.dud_nonzero = std::move(dud_nonzero_);
    a.impact_sum = std::move(impact_sum_);
    a.histogram = std::move(histogram_);
    dud_sum_.clear();  // moved-from: empty, to be prepared again
    dud_sum_sq_.clear();
    dud_nonzero_.clear();
    impact_sum_.clear();
    histogram_.clear();
    bins_ = 0;
    return a;
  }
#endif

 private:
  std::vector<std::uint32_t> count_evidence_features(const BatchView& in, const std::vector<std::uint32_t>& strike_of_eval) {
    const std::size_t E = strike_of_eval.size(), F = evidence_features_;
    if (cell_first_.empty()) throw std::logic_error("count_evidence: load_evidence_cells first");
    if (in.realizations != E) throw std::logic_error("count_evidence: one row of draws per evaluation");
    // Tasks: every carrier of every evaluation's strike row.
    std::vector<std::uint32_t> first_task(E + 1, 0u);
    for (std::size_t e = 0; e < E; ++e) {
      const std::uint32_t s = strike_of_eval[e];
      if (s >= tables_.strikes.count) throw std::logic_error("count_evidence: no such strike row");
      const std::uint32_t per = tables_.strikes.per_carrier[s];
      const std::uint32_t carriers = per ? (tables_.strikes.first_item[s + 1] - tables_.strikes.first_item[s]) / per : 0;
      first_task[e + 1] = first_task[e] + carriers;
    }
    BatchView draws = in;
#define REMNANT_PUT_EVAL_DRAW(Type, name) draws.name = put(eval_##name##_, in.name, E);
    REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_PUT_EVAL_DRAW)
    REMNANT_BATCH_TYPE_COLUMNS(REMNANT_PUT_EVAL_DRAW)
#undef REMNANT_PUT_EVAL_DRAW
    put(eval_strike_, strike_of_eval.data(), E);
    put(eval_first_task_, first_task.data(), E + 1);
    eval_counts_.assign(E * F, 0u);
    const EvidenceCount count{grid_, strikes_, types_, draws,
                              tables_.key_aim, tables_.key_pattern, tables_.key_fall, tables_.key_failure,
                              raw(eval_strike_), raw(eval_first_task_), static_cast<std::uint32_t>(E),
                              raw(cell_first_), raw(cell_feature_), static_cast<std::uint32_t>(F),
                              raw(feature_boxes_), raw(eval_counts_), max_multiplier_};
    if (first_task[E] > 0)
      thrust::for_each(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                       thrust::counting_iterator<std::uint64_t>(first_task[E]), count);
    std::vector<std::uint32_t> counts;
    fetch(eval_counts_, counts);
    return counts;
  }

  DepositRun deposit_run(const BatchView& batch) {
    return DepositRun{grid_, strikes_, types_, batch,
                      tables_.key_aim, tables_.key_pattern, tables_.key_fall, tables_.key_failure,
                      raw(first_task_), tasks_, cells_, impacts_grid(), raw(duds_), raw(hazard_), raw(counters_),
                      tables_.cpu_kernel, max_multiplier_};
  }

  std::uint32_t* impacts_grid() { return tables_.duds_only ? nullptr : raw(impacts_); }

  HazardRows hazard_rows() { return HazardRows{grid_.hazard, raw(hazard_), raw(totals_)}; }

  AccumulateCells accumulate_cells(std::uint32_t realizations) {
    return AccumulateCells{cells_, realizations, bins_, raw(land_cover_), impacts_grid(), raw(duds_),
                           raw(dud_sum_), raw(dud_sum_sq_), raw(dud_nonzero_), raw(impact_sum_), raw(histogram_),
                           raw(totals_)};
  }

  // Grows the histogram to `bins` bins, the new ones zero. Within the
  // reservation the bins are appended in place. Beyond it the histogram
  // moves: on the GPU to storage of exactly the new size (Thrust's doubling
  // would take device memory nothing budgets), on the CPU to twice the
  // reservation, or the new size if larger (host pages beyond the bins in use
  // are not touched, and later growth stays in place). If the allocation
  // fails, the histogram and bins_ are left as they were, so that
  // read_accumulators still returns every batch before this one.
  void grow_histogram(std::uint32_t bins) {
    const std::size_t size = static_cast<std::size_t>(bins) * cells_;
#if REMNANT_HOST_PASS
    if (size > histogram_.capacity()) histogram_.reserve(std::max(size, 2 * histogram_.capacity()));
#else
    if (size > histogram_.capacity()) histogram_.reserve(size);
#endif
    histogram_.resize(size, 0u);
    bins_ = bins;
  }

  template <typename F>
  static void out_of_memory_as_bad_alloc(F&& f) {
#if REMNANT_HOST_PASS
    f();  // host memory: std::bad_alloc already
#else
    // The engine's own calls throw through check() (kernels/cuda_memory.h);
    // what Thrust throws for its kernels is mapped the same way.
    try {
      f();
    } catch (const thrust::system_error& e) {
      if (e.code().category() != thrust::cuda_category()) throw;
      cuda_error::throw_if_error(e.code().value(), "a Thrust algorithm", e.what());
      throw;
    }
#endif
  }

  // Empty new storage for `room` values; on CPU cores in pages advised as
  // huge (kernels/host_memory.h), before anything touches them.
  template <typename V>
  static void renew(V& v, std::size_t room) {
    V().swap(v);
    v.reserve(room);
#if REMNANT_HOST_PASS
    advise_huge_pages(raw(v), v.capacity() * sizeof(typename V::value_type));
#endif
  }

  // n zeros in new storage with room for `room` (>= n) values.
  template <typename V>
  static void zeros(V& v, std::size_t n, std::size_t room = 0) {
    renew(v, std::max(n, room));
    v.assign(n, 0u);
  }

  // Copies a backend vector into a host vector.
  template <typename V, typename T>
  static void fetch(const V& src, std::vector<T>& dst) {
#if REMNANT_HOST_PASS
    // The OpenMP backend's memory is host memory: one copying pass, without
    // value-initialising the destination first, into pages advised as huge
    // (kernels/host_memory.h) when the destination is new.
    if (dst.capacity() < src.size()) renew(dst, src.size());
    dst.assign(raw(src), raw(src) + src.size());
#else
    dst.resize(src.size());
    thrust::copy(src.begin(), src.end(), dst.begin());
#endif
  }

  // Copies n host values to the device vector and returns its device pointer.
  template <typename T>
  static const T* put(DeviceVector<T>& dst, const T* src, std::size_t n) {
    dst.assign(src, src + n);
    return raw(dst);
  }

#if !REMNANT_HOST_PASS
  // The batch's draws, in the order of BatchView: kBatchStrikeColumns arrays
  // per (realization, strike), kBatchTypeColumns per (realization, type).
  std::size_t draw_floats(std::uint32_t realizations) const {
    return std::size_t(realizations) * (kBatchStrikeColumns * std::size_t(tables_.strikes.count) +
                                        kBatchTypeColumns * std::size_t(tables_.types.count));
  }

  // Copies the batch's draws into the pinned staging buffer, one block in the
  // order of BatchView, and returns the view of where they will be on the GPU.
  BatchView stage_draws(const BatchView& in) {
    const std::size_t BS = std::size_t(in.realizations) * tables_.strikes.count;
    const std::size_t BT = std::size_t(in.realizations) * tables_.types.count;
    BatchView batch = in;
    float* host = staging_.data();
    const float* device = raw(inputs_);
#define REMNANT_PLACE_STRIKE_DRAW(Type, name) place_draws(batch.name, BS, host, device);
#define REMNANT_PLACE_TYPE_DRAW(Type, name) place_draws(batch.name, BT, host, device);
    REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_PLACE_STRIKE_DRAW)
    REMNANT_BATCH_TYPE_COLUMNS(REMNANT_PLACE_TYPE_DRAW)
#undef REMNANT_PLACE_STRIKE_DRAW
#undef REMNANT_PLACE_TYPE_DRAW
    return batch;
  }

  // One column of draws into the staging block at `host`, its view moved to
  // where it will be on the GPU (`device`); both cursors advance. Every
  // column is 4 bytes (kernels/tables.h), so the block is counted in floats
  // and a whole-number column travels as its bytes.
  template <typename T>
  static void place_draws(const T*& field, std::size_t n, float*& host, const float*& device) {
    static_assert(sizeof(T) == sizeof(float), "draw columns are 4 bytes");
    std::memcpy(host, field, n * sizeof(T));
    field = reinterpret_cast<const T*>(device);
    host += n;
    device += n;
  }

  // Temporary storage of the largest-count reduction over n grid values,
  // owned by the engine (Thrust's reduce would cudaMalloc and cudaFree it,
  // and wait, on every batch).
  void reserve_reduce_storage(std::size_t n) {
    std::size_t bytes = 0;
    check(cub::DeviceReduce::Max(nullptr, bytes, raw(duds_), raw(largest_), n),
          "sizing the largest-count reduction");
    if (bytes > reduce_storage_.size()) reduce_storage_.resize(bytes);
  }
#endif

  RunTables tables_{};
  GridView grid_{};
  StrikeView strikes_{};
  TypeView types_{};
  std::uint32_t cells_ = 0;
  std::uint32_t max_batch_ = 0;
  std::uint32_t bins_ = kExactBins;
  std::uint32_t tasks_ = 0;  // deposit tasks per realization
  float max_multiplier_ = 0.0f;  // the largest failure multiplier of a land cell
  DeviceVector<std::uint8_t> land_cover_;
  DeviceVector<float> failure_multiplier_;
  DeviceVector<std::uint32_t> first_item_, first_task_;
#define REMNANT_DEVICE_COLUMN(Type, name) DeviceVector<Type> name##_;
  REMNANT_STRIKE_COLUMNS(REMNANT_DEVICE_COLUMN)
  REMNANT_TYPE_COLUMNS(REMNANT_DEVICE_COLUMN)
#if REMNANT_HOST_PASS
  REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_DEVICE_COLUMN)
  REMNANT_BATCH_TYPE_COLUMNS(REMNANT_DEVICE_COLUMN)
#else
  DeviceVector<float> inputs_;  // the batch's draws (stage_draws)
  DeviceVector<std::uint32_t> largest_;
  DeviceVector<unsigned char> reduce_storage_;
  PinnedBuffer<float> staging_;
  PinnedBuffer<std::uint32_t> readback_counters_, readback_largest_;
  PinnedBuffer<std::uint64_t> readback_totals_;
#endif
#undef REMNANT_DEVICE_COLUMN
  // The evidence count (count_evidence): the features of each cell, and the
  // last call's evaluations.
  std::uint32_t evidence_features_ = 0;
  DeviceVector<std::uint32_t> cell_first_, cell_feature_, eval_strike_, eval_first_task_, eval_counts_;
  DeviceVector<float> feature_boxes_;
#define REMNANT_EVAL_COLUMN(Type, name) DeviceVector<Type> eval_##name##_;
  REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_EVAL_COLUMN)
  REMNANT_BATCH_TYPE_COLUMNS(REMNANT_EVAL_COLUMN)
#undef REMNANT_EVAL_COLUMN
  DeviceVector<std::uint32_t> impacts_, duds_, counters_;
  std::vector<std::uint64_t> duds_by_type_;  // the last batch's, [b][type] (batch_duds_by_type)
  DeviceVector<std::uint64_t> totals_, hazard_;
  AccumulatorVector<std::uint64_t> dud_sum_, dud_sum_sq_, impact_sum_;
  AccumulatorVector<std::uint32_t> dud_nonzero_, histogram_;
};

}  // namespace

std::unique_ptr<Engine> make_engine() { return std::make_unique<ThrustEngine>(); }

}  // namespace REMNANT_BACKEND_NS
}  // namespace remnant
