// A kernel that does nothing, compiled for the same architectures as the
// engine's (the same target): whether the CUDA runtime finds code of it for
// the current device tells whether the engine's kernels would load there
// (kernels/cuda_device.cpp asks before choosing the CUDA backend).
#include <cuda_runtime.h>

namespace remnant::cuda {

__global__ void probe_kernel() {}

// cudaSuccess, or why no code of this build runs on the current device
// (cudaErrorNoKernelImageForDevice, cudaErrorUnsupportedPtxVersion, ...).
cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, probe_kernel);
}

}  // namespace remnant::cuda
