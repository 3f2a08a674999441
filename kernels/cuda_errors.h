// What an error code of the CUDA runtime means for a run, decided from the
// code alone. No CUDA header here: the CUDA backend passes cudaError_t values
// in (kernels/cuda_memory.h checks that the codes below are the runtime's),
// and the tests check the mapping on machines without CUDA.
//
// Only a failed allocation (cudaErrorMemoryAllocation) becomes std::bad_alloc:
// run_ensemble answers it by retrying with half the batch, which helps only
// when memory was short. Any other error (a device held by another process,
// a kernel image missing for this GPU, a device fault) would fail the same way
// at every batch size, so it is reported as it is, with the runtime's words.
#pragma once

#include <new>
#include <stdexcept>
#include <string>

namespace remnant::cuda_error {

// cudaError_t values (CUDA 13 driver_types.h).
constexpr int kSuccess = 0;
constexpr int kMemoryAllocation = 2;
constexpr int kIllegalAddress = 700;
constexpr int kLaunchTimeout = 702;
constexpr int kHardwareStackError = 714;
constexpr int kLaunchFailure = 719;

enum class Kind {
  None,         // success
  OutOfMemory,  // an allocation failed: a smaller batch may fit
  Fault,        // the context is lost (sticky): nothing more runs in this process
  Other,        // anything else: the same call would fail again
};

inline Kind classify(int code) {
  if (code == kSuccess) return Kind::None;
  if (code == kMemoryAllocation) return Kind::OutOfMemory;
  // The sticky errors: an illegal address, a launch timeout, and 714..719
  // (hardware stack error, illegal instruction, misaligned address, invalid
  // address space, invalid program counter, launch failure).
  if (code == kIllegalAddress || code == kLaunchTimeout || (code >= kHardwareStackError && code <= kLaunchFailure))
    return Kind::Fault;
  return Kind::Other;
}

// The message for an error that is not out of memory.
inline std::string describe(int code, const char* operation, const char* text) {
  std::string m = std::string("CUDA error ") + std::to_string(code) + " (" + (text ? text : "no description") +
                  ") in " + (operation ? operation : "a CUDA call");
  if (classify(code) == Kind::Fault) m += "; the GPU's context is lost, so the run cannot continue on it";
  return m;
}

// Throws what `code` means: nothing on success, std::bad_alloc when memory
// ran out, std::runtime_error naming the operation and the runtime's
// description (cudaGetErrorString) otherwise.
inline void throw_if_error(int code, const char* operation, const char* text) {
  switch (classify(code)) {
    case Kind::None:
      return;
    case Kind::OutOfMemory:
      throw std::bad_alloc();
    case Kind::Fault:
    case Kind::Other:
      break;
  }
  throw std::runtime_error(describe(code, operation, text));
}

}  // namespace remnant::cuda_error
