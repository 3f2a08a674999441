// Linked instead of the CUDA backend when the build has no CUDA compiler or
// REMNANT_WITH_CUDA=OFF: the backend exists, says why it cannot run.
#include <stdexcept>
#include <string>

#include "engine.h"

namespace remnant::cuda {

bool compiled_in() { return false; }

void select_device(int) {}

bool device_usable(std::string* why) {
  if (why) *why = "this build has no CUDA backend (built without nvcc or with REMNANT_WITH_CUDA=OFF)";
  return false;
}

std::string device_name() { return "none"; }

int compute_capability() { return 0; }

std::string device_id() { return {}; }

std::string compiled_architectures() { return {}; }

std::uint64_t free_memory_bytes() { return 0; }

std::unique_ptr<Engine> make_engine() {
  throw std::runtime_error("this build has no CUDA backend");
}

}  // namespace remnant::cuda
