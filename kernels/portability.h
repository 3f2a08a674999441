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
// Cells folded by one task of the accumulate pass: one per GPU thread.
#define REMNANT_CELLS_PER_TASK 1u
// Submunitions of one carrier simulated by one task of the deposit pass. The
// carrier's work (aim draw, heading and its sine and cosine) is done once per
// task. On the GPU a small run keeps the thread count high (a batch of 4
// realizations of 10^6 items still gives 5 x 10^5 threads); not tuned on a
// device yet (docs/PERFORMANCE.md).
#define REMNANT_ITEMS_PER_TASK 8u
// The GPU runs a task's items one at a time (DepositRun's per-item loop).
#define REMNANT_DEPOSIT_BLOCK 1u
#define REMNANT_HOST_PASS 0
#else
#define REMNANT_HD
#define REMNANT_BACKEND_NS cpu
#define REMNANT_BACKEND_NAME "cpu"
// A cache-friendly run of cells per task on CPU cores.
#define REMNANT_CELLS_PER_TASK 1024u
// On CPU cores a task takes a whole carrier (up to 1024 items; larger carriers
// are cut into runs of 1024), so its work is done once per carrier.
#define REMNANT_ITEMS_PER_TASK 1024u
// CPU cores run a task's items in blocks of 16, step by step over the block,
// in vector registers (kernels/deposit_block.h): two AVX2 vectors of 8 lanes.
#define REMNANT_DEPOSIT_BLOCK 16u
#define REMNANT_HOST_PASS 1
#endif

// Code being compiled for the GPU itself (nvcc's device pass), as opposed to
// host code, also inside the CUDA backend's REMNANT_HD functions.
#if defined(__CUDA_ARCH__)
#define REMNANT_DEVICE_CODE 1
#else
#define REMNANT_DEVICE_CODE 0
#endif

// x86-64 host code: AVX2 intrinsics may be compiled (with a target attribute)
// and chosen at run time when the CPU has them.
#if REMNANT_HOST_PASS && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define REMNANT_X86_SIMD 1
#else
#define REMNANT_X86_SIMD 0
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

REMNANT_HD inline void atomic_add_u64(std::uint64_t* target, std::uint64_t value) {
#if defined(__CUDA_ARCH__)
  atomicAdd(reinterpret_cast<unsigned long long*>(target), static_cast<unsigned long long>(value));
#else
  __atomic_fetch_add(target, value, __ATOMIC_RELAXED);
#endif
}

// Bitwise or into a 64-bit word, relaxed: the final word does not depend on
// the order either.
REMNANT_HD inline void atomic_or_u64(std::uint64_t* target, std::uint64_t value) {
#if defined(__CUDA_ARCH__)
  atomicOr(reinterpret_cast<unsigned long long*>(target), static_cast<unsigned long long>(value));
#else
  __atomic_fetch_or(target, value, __ATOMIC_RELAXED);
#endif
}

// Bits set in a 64-bit word.
REMNANT_HD inline std::uint32_t popcount_u64(std::uint64_t v) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint32_t>(__popcll(static_cast<unsigned long long>(v)));
#else
  return static_cast<std::uint32_t>(__builtin_popcountll(v));
#endif
}

}  // namespace remnant
