// Per-cell histogram bins of dud counts, the quantile sketch.
//
// Counts 1..15 each have their own bin (exact). Above, every octave
// [2^e, 2^(e+1)) is split into 4 equal bins of width 2^(e-2): a quantile that
// falls there is known to within one bin, i.e. within 25 % of its value
// (reported by linear interpolation of the rank inside the bin). Zero is not
// binned: its count is realizations minus realizations with a dud.
#pragma once

#include <cstdint>

#include "portability.h"

namespace remnant {

constexpr std::uint32_t kExactBins = 15;  // counts 1..15
constexpr std::uint32_t kSubBinsPerOctave = 4;

REMNANT_HD inline std::uint32_t floor_log2(std::uint32_t v) {
  std::uint32_t e = 0;
  while (v >>= 1) ++e;
  return e;
}

// Bin of a count v >= 1.
REMNANT_HD inline std::uint32_t histogram_bin(std::uint32_t v) {
  if (v <= kExactBins) return v - 1;
  const std::uint32_t e = floor_log2(v);          // >= 4
  const std::uint32_t sub = (v >> (e - 2)) & 3u;  // 2 bits below the leading one
  return kExactBins + (e - 4) * kSubBinsPerOctave + sub;
}

// Smallest count in a bin.
REMNANT_HD inline std::uint64_t histogram_bin_low(std::uint32_t bin) {
  if (bin < kExactBins) return bin + 1;
  const std::uint32_t k = bin - kExactBins;
  const std::uint32_t e = 4 + k / kSubBinsPerOctave;
  const std::uint32_t sub = k % kSubBinsPerOctave;
  return (std::uint64_t{1} << e) + static_cast<std::uint64_t>(sub) * (std::uint64_t{1} << (e - 2));
}

// Number of distinct counts in a bin.
REMNANT_HD inline std::uint64_t histogram_bin_width(std::uint32_t bin) {
  if (bin < kExactBins) return 1;
  const std::uint32_t e = 4 + (bin - kExactBins) / kSubBinsPerOctave;
  return std::uint64_t{1} << (e - 2);
}

// Bins needed to hold any count up to max_count.
inline std::uint32_t histogram_bins_for(std::uint64_t max_count) {
  if (max_count <= kExactBins) return kExactBins;
  std::uint32_t e = 0;
  while ((max_count >> e) > 1) ++e;
  return kExactBins + (e - 3) * kSubBinsPerOctave;
}

// The engines reserve the histogram bins of counts up to this when a run is
// prepared, and estimate_run_bytes budgets them (43 bins, which hold counts up
// to 2047): a cell with more duds in one realization grows the histogram
// beyond its reservation (rare).
constexpr std::uint64_t kHistogramReservedCount = 1024;

// Bins reserved for a run firing `items` submunitions per realization (no
// cell can count more duds than that).
inline std::uint32_t histogram_reserved_bins(std::uint64_t items) {
  return histogram_bins_for(items < kHistogramReservedCount ? items : kHistogramReservedCount);
}

}  // namespace remnant
