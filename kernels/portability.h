// The one place in the tree that looks at compiler macros.
//
// Kernel code is written once and compiled twice: by nvcc for the CUDA backend
// and by the host compiler for Thrust's OpenMP backend. Everything that differs
// between the two passes is decided here and nowhere else.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define REMNANT_HD __host__ __device__
#define REMNANT_BACKEND_NS cuda
#define REMNANT_BACKEND_NAME "cuda"
#else
#define REMNANT_HD
#define REMNANT_BACKEND_NS cpu
#define REMNANT_BACKEND_NAME "cpu"
#endif

namespace remnant {

// Integer atomic increment, relaxed. Integer accumulation makes the final value
// independent of the order in which threads arrive.
REMNANT_HD inline void atomic_add_u32(std::uint32_t* target, std::uint32_t value) {
#if defined(__CUDA_ARCH__)
  atomicAdd(reinterpret_cast<unsigned int*>(target), static_cast<unsigned int>(value));
#else
  __atomic_fetch_add(target, value, __ATOMIC_RELAXED);
#endif
}

}  // namespace remnant
