// Memory of the CPU backend: the allocator of its vectors (the grids of a
// batch, the accumulators, the hazard rasters), and huge pages for them.
// Included by engine.cu in the host pass only.
//
// A run on CPU cores touches its grids once per batch, and the first touch of
// each 4 KiB page costs a page fault: for Lebanon (609 x 536 cells, rasters
// of 4872 x 4288 pixels, batches of 16) some 30,000 faults a run, which on a
// virtual machine took a third of a dud-only run's time
// (docs/PERFORMANCE.md). Buffers of 4 MiB or more are therefore aligned to
// 2 MiB and marked MADV_HUGEPAGE, so that Linux maps them in 2 MiB pages where
// transparent huge pages are on ("always", or "madvise" as Debian sets them);
// elsewhere the advice is ignored and only speed differs. The values in them
// never depend on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "thrust_allocator.h"

namespace remnant {

constexpr std::size_t kHugePageBytes = std::size_t(2) << 20;
constexpr std::size_t kHugePagesFrom = std::size_t(4) << 20;  // smaller buffers take ordinary pages

// Asks for huge pages on the 2 MiB-aligned part of [p, p + bytes); a refusal
// (an older kernel, huge pages off) only costs speed.
inline void advise_huge_pages(void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t begin = (at + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  const std::uintptr_t end = (at + bytes) / kHugePageBytes * kHugePageBytes;
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

// Host memory for the CPU backend's vectors (kernels/thrust_allocator.h):
// std::malloc below 4 MiB, 2 MiB-aligned and advised from there;
// std::bad_alloc when the memory is not there (run_ensemble halves the batch
// on it).
struct HugePageMemory {
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    if (bytes < kHugePagesFrom) {
      p = std::malloc(bytes ? bytes : 1);
    } else {
      p = std::aligned_alloc(kHugePageBytes, (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes);
      if (p) advise_huge_pages(p, bytes);
    }
    if (!p) throw std::bad_alloc();
    return p;
  }
  static void release(void* p) noexcept { std::free(p); }
};

template <typename T>
using HostAllocator = ThrustAllocator<T, HugePageMemory>;

}  // namespace remnant
