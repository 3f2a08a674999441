// Memory of the CUDA backend: the allocator of its device vectors and the
// pinned host buffers it stages batches through. Included by engine.cu in the
// nvcc pass only.
//
// Thrust's own allocator throws std::bad_alloc for every cudaMalloc failure
// (a device held by another process looks like memory running out, and
// run_ensemble would halve the batch down to 1 before failing with the wrong
// reason) and its deallocation throws when cudaFree reports an earlier device
// fault, from a destructor during unwinding: std::terminate, no message.
// Here a failed call throws what kernels/cuda_errors.h maps its code to, and
// freeing never throws.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <limits>
#include <new>

#include "cuda_errors.h"
#include "thrust_allocator.h"

namespace remnant::cuda {

static_assert(cuda_error::kSuccess == cudaSuccess);
static_assert(cuda_error::kMemoryAllocation == cudaErrorMemoryAllocation);
static_assert(cuda_error::kIllegalAddress == cudaErrorIllegalAddress);
static_assert(cuda_error::kLaunchTimeout == cudaErrorLaunchTimeout);
static_assert(cuda_error::kHardwareStackError == cudaErrorHardwareStackError);
static_assert(cuda_error::kLaunchFailure == cudaErrorLaunchFailure);

// Throws for a failed runtime call (kernels/cuda_errors.h), after clearing
// the runtime's last error (a sticky one stays).
inline void check(cudaError_t err, const char* operation) {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  cuda_error::throw_if_error(static_cast<int>(err), operation, cudaGetErrorString(err));
}

// Frees without throwing: after a device fault cudaFree reports the fault
// again, and the memory goes with the context anyway.
inline void free_quietly(void* p) noexcept {
  if (p && cudaFree(p) != cudaSuccess) cudaGetLastError();
}

// Device memory for the CUDA backend's vectors (kernels/thrust_allocator.h).
struct CudaMemory {
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    check(cudaMalloc(&p, bytes), "cudaMalloc");
    return p;
  }
  static void release(void* p) noexcept { free_quietly(p); }
};

template <typename T>
using DeviceAllocator = ThrustAllocator<T, CudaMemory>;

// Page-locked host memory for n values of T: copies from and to it run
// asynchronously, without the runtime's staging through a pageable bounce
// buffer. Grows only (by reallocating); freed without throwing.
template <typename T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer() { release(); }

  void reserve(std::size_t n) {
    if (n <= size_) return;
    release();
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_alloc();
    void* p = nullptr;
    check(cudaMallocHost(&p, n * sizeof(T)), "cudaMallocHost");
    data_ = static_cast<T*>(p);
    size_ = n;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }

 private:
  void release() noexcept {
    if (data_ && cudaFreeHost(data_) != cudaSuccess) cudaGetLastError();
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace remnant::cuda
