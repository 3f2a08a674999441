// What a run accumulates per cell, as plain data: the host's statistics and
// result files read it without the engine's interface (kernels/engine.h).
#pragma once

#include <cstdint>
#include <vector>

namespace remnant {

// Per-cell accumulators over all realizations done so far. Memory does not
// grow with the number of realizations. All integer: the result is the same
// whatever the thread count, batch size or order of batches.
struct CellAccumulators {
  std::uint32_t cells = 0;
  std::uint32_t histogram_bins = 0;
  std::vector<std::uint64_t> dud_sum;      // sum over realizations of duds in the cell
  std::vector<std::uint64_t> dud_sum_sq;   // sum of squares
  std::vector<std::uint32_t> dud_nonzero;  // realizations with at least one dud
  std::vector<std::uint64_t> impact_sum;   // sum of impacts (all items that landed)
  // Histogram of non-zero dud counts, layout [bin][cell]; bins in
  // kernels/histogram.h. Zero counts are not stored (realizations -
  // dud_nonzero). It has as many bins as the largest count seen needs, so its
  // size depends on the results, never on batch size or thread count.
  std::vector<std::uint32_t> histogram;
};

}  // namespace remnant
