// The allocator of the backends' Thrust vectors, one template for both: what
// differs is where the memory comes from (a Memory policy with
// `static void* allocate(std::size_t bytes)`, which throws std::bad_alloc or
// a mapped error when there is none, and `static void release(void*)`, which
// never throws). CUDA: kernels/cuda_memory.h; CPU cores: kernels/host_memory.h.
#pragma once

#include <thrust/device_malloc_allocator.h>
#include <thrust/device_ptr.h>

#include <cstddef>
#include <limits>
#include <new>

namespace remnant {

template <typename T, typename Memory>
struct ThrustAllocator : thrust::device_malloc_allocator<T> {
  using base = thrust::device_malloc_allocator<T>;
  using pointer = typename base::pointer;
  using size_type = typename base::size_type;
  template <typename U>
  struct rebind {
    using other = ThrustAllocator<U, Memory>;
  };

  ThrustAllocator() = default;
  template <typename U>
  ThrustAllocator(const ThrustAllocator<U, Memory>&) {}

  pointer allocate(size_type n) {
    if (n > std::numeric_limits<std::size_t>::max() / 2 / sizeof(T)) throw std::bad_alloc();
    return pointer(static_cast<T*>(Memory::allocate(n * sizeof(T))));
  }
  void deallocate(pointer p, size_type) noexcept { Memory::release(thrust::raw_pointer_cast(p)); }
};

}  // namespace remnant
