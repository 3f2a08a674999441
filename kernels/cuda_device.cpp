// Asks the CUDA runtime (linked statically) whether a device answers. Any
// error, including "insufficient driver" (35) on machines without a driver and
// "no device" (100), means: no usable GPU, fall back to the CPU.
#include <cuda_runtime_api.h>

#include <string>

#include "engine.h"

namespace remnant::cuda {

bool compiled_in() { return true; }

bool device_usable(std::string* why) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why) *why = std::string("CUDA runtime reports: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error
    return false;
  }
  if (count < 1) {
    if (why) *why = "no CUDA device found";
    return false;
  }
  return true;
}

std::string device_name() {
  cudaDeviceProp prop{};
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&prop, dev) != cudaSuccess) return "unknown";
  return prop.name;
}

std::uint64_t free_memory_bytes() {
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return free;
}

}  // namespace remnant::cuda
