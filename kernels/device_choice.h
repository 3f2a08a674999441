// Which GPUs can run the code a build holds, and which GPU a process uses.
// Plain C++ without CUDA: kernels/cuda_device.cpp decides with it, and the
// tests check every rule on any machine (tests/device_choice_test.cpp).
//
// A build holds, per entry of CMake's CUDA_ARCHITECTURES (REMNANT_CUDA_ARCHITECTURES,
// "80;90" by default), machine code (SASS) and/or PTX:
//   "80"          -gencode arch=compute_80,code=[compute_80,sm_80]: both
//   "80-real"     SASS for sm_80 only
//   "80-virtual"  PTX for compute_80 only
//   "90a"         arch-specific SASS (and PTX) that runs on compute capability 9.0 only
// SASS for sm_XY runs on a device of the same major version XY / 10 and a minor
// version of at least Y (sm_80 runs on 8.6 and 8.9, not on 9.0). PTX for
// compute_XY is compiled by the driver, at first use, for any device of
// compute capability XY or newer (compute_90 runs on 10.0 and 12.0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace remnant::device_choice {

struct CompiledArch {
  int cc = 0;          // 10 * major + minor: 80 for sm_80, 120 for sm_120
  bool sass = false;   // machine code for sm_<cc>
  bool ptx = false;    // PTX for compute_<cc>
  bool exact = false;  // arch-specific ("90a"): runs on that compute capability only
};

// Parses CMake's list ("80;90", also comma separated). False for an empty
// list or an entry that names no architecture ("all", "all-major", "native"):
// what such a build holds is not known here.
inline bool parse_architectures(const std::string& list, std::vector<CompiledArch>* out) {
  out->clear();
  std::string entry;
  auto take = [&]() {
    if (entry.empty()) return true;
    std::size_t i = 0;
    int cc = 0;
    while (i < entry.size() && entry[i] >= '0' && entry[i] <= '9' && i < 4) cc = cc * 10 + (entry[i++] - '0');
    if (i == 0 || cc < 10) return false;
    CompiledArch a;
    a.cc = cc;
    a.sass = a.ptx = true;
    if (i < entry.size() && (entry[i] == 'a' || entry[i] == 'f')) {
      // "a": arch-specific; "f": family-specific (same major, minor >= ours),
      // which is how plain SASS runs anyway.
      a.exact = entry[i] == 'a';
      ++i;
    }
    const std::string rest = entry.substr(i);
    if (rest == "-real") a.ptx = false;
    else if (rest == "-virtual") a.sass = false;
    else if (!rest.empty()) return false;
    out->push_back(a);
    entry.clear();
    return true;
  };
  for (char c : list) {
    if (c == ';' || c == ',') {
      if (!take()) return false;
    } else if (c != ' ') {
      entry += c;
    }
  }
  if (!take()) return false;
  return !out->empty();
}

// "sm_80, sm_90 (and PTX for compute_80, compute_90)", for messages.
inline std::string architectures_text(const std::vector<CompiledArch>& archs) {
  std::string sass, ptx;
  for (const CompiledArch& a : archs) {
    const std::string n = std::to_string(a.cc) + (a.exact ? "a" : "");
    if (a.sass) sass += (sass.empty() ? "sm_" : ", sm_") + n;
    if (a.ptx) ptx += (ptx.empty() ? "compute_" : ", compute_") + n;
  }
  if (sass.empty()) return "PTX for " + ptx;
  return ptx.empty() ? sass : sass + " (and PTX for " + ptx + ")";
}

struct ArchVerdict {
  bool known = false;  // false: the list could not be read; the kernel probe decides
  bool runs = false;
  std::string text;    // how it runs, or why not
};

// Whether a device of compute capability major.minor can run a build holding
// compiled (CMake's list, see above). Machine code is preferred to PTX, as the
// CUDA runtime does.
inline ArchVerdict check_architecture(int major, int minor, const std::string& compiled) {
  ArchVerdict v;
  std::vector<CompiledArch> archs;
  if (!parse_architectures(compiled, &archs)) {
    v.text = "the build's CUDA architectures (" + compiled + ") are not a list of numbers; not checked";
    return v;
  }
  v.known = true;
  const int cc = 10 * major + minor;
  const std::string device = "compute capability " + std::to_string(major) + "." + std::to_string(minor);
  for (const CompiledArch& a : archs)
    if (a.sass && (a.exact ? a.cc == cc : a.cc / 10 == major && a.cc % 10 <= minor)) {
      v.runs = true;
      v.text = device + ": machine code for sm_" + std::to_string(a.cc) + (a.exact ? "a" : "");
      return v;
    }
  int best = 0;  // the newest PTX the device can take
  for (const CompiledArch& a : archs)
    if (a.ptx && (a.exact ? a.cc == cc : a.cc <= cc) && a.cc > best) best = a.cc;
  if (best) {
    v.runs = true;
    v.text = device + ": PTX for compute_" + std::to_string(best) + ", compiled by the driver at first use";
    return v;
  }
  v.text = device + " cannot run this build's GPU code, which is for " + architectures_text(archs) +
           "; rebuild with -DREMNANT_CUDA_ARCHITECTURES=\"" + std::to_string(cc) + ";" + compiled +
           "\" or use --backend cpu";
  return v;
}

// The GPU a process uses: the node-local MPI rank (0 without MPI) modulo the
// devices it sees, so that the ranks of a node spread over its GPUs in turn.
inline int device_for_rank(int node_rank, int device_count) {
  if (device_count < 1 || node_rank < 0) return 0;
  return node_rank % device_count;
}

// The device memory one process may use: 80 % of what is free (the rest for
// the CUDA context, libraries and other processes), split evenly among the
// processes of the run that share the device.
inline std::uint64_t memory_share(std::uint64_t free_bytes, std::uint32_t processes) {
  return free_bytes / 10 * 8 / (processes ? processes : 1);
}

}  // namespace remnant::device_choice
