// Whether this process can run the CUDA backend, and on which device. The
// CUDA runtime is linked statically; every failure below means: no usable
// GPU, fall back to the CPU (auto) or refuse (--backend cuda), with the reason.
//
// The check, once per process: a driver new enough and a device at all; the
// device of this process's node-local MPI rank; its compute capability
// against the architectures compiled in (REMNANT_CUDA_ARCHITECTURES, from
// CMake); its context created (this fails on a GPU in exclusive-process mode
// that another process holds); and a kernel of the build looked up on it,
// which fails when no code in the build runs on the device or the driver
// cannot compile its PTX.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>

#include "device_choice.h"
#include "engine.h"

#ifndef REMNANT_CUDA_ARCHITECTURES
#error "CMakeLists.txt passes REMNANT_CUDA_ARCHITECTURES, the architectures compiled in"
#endif

namespace remnant::cuda {

cudaError_t probe_kernel_image();  // kernels/cuda_probe.cu

namespace {

struct Device {
  bool usable = false;
  std::string why;  // when not usable
  int index = 0;
  int cc = 0;  // 10 * major + minor
  std::string name, id;
};

int g_node_rank = 0;
bool g_checked = false;
std::once_flag g_once;
Device g_device;

// "cudaErrorNoDevice: no CUDA-capable device is detected"; clears the
// runtime's last error (the errors met here are not sticky).
std::string runtime_says(cudaError_t err) {
  cudaGetLastError();
  return std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
}

// 12040 -> "12.4"
std::string cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

std::string no_driver_or_old_driver() {
  int driver = 0;
  cudaDriverGetVersion(&driver);
  cudaGetLastError();
  if (driver == 0) return "no NVIDIA driver is installed (libcuda.so.1 not found)";
  std::string need;
  if (CUDART_VERSION / 1000 == 13) need = " (CUDA 13 needs driver R580 or newer)";
  return "the NVIDIA driver is too old: it supports CUDA " + cuda_version(driver) + ", this build's CUDA runtime is " +
         cuda_version(CUDART_VERSION) + need + "; update the driver";
}

std::string uuid_text(const cudaUUID_t& u) {
  std::string s;
  char hex[3];
  for (char c : u.bytes) {
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(c));
    s += hex;
  }
  return s;
}

Device check() {
  Device d;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaErrorInsufficientDriver) {
    d.why = no_driver_or_old_driver();
    return d;
  }
  if (err == cudaErrorNoDevice || (err == cudaSuccess && count < 1)) {
    cudaGetLastError();
    d.why = "no CUDA device found (check CUDA_VISIBLE_DEVICES and nvidia-smi)";
    return d;
  }
  if (err != cudaSuccess) {
    d.why = "the CUDA runtime reports " + runtime_says(err);
    return d;
  }
  d.index = device_choice::device_for_rank(g_node_rank, count);
  cudaDeviceProp prop{};
  err = cudaGetDeviceProperties(&prop, d.index);
  if (err != cudaSuccess) {
    d.why = "device " + std::to_string(d.index) + ": the CUDA runtime reports " + runtime_says(err);
    return d;
  }
  d.cc = 10 * prop.major + prop.minor;
  d.name = prop.name;
  d.id = uuid_text(prop.uuid);
  const std::string which = "device " + std::to_string(d.index) + " (" + d.name + ")";
  int mode = cudaComputeModeDefault;
  if (cudaDeviceGetAttribute(&mode, cudaDevAttrComputeMode, d.index) != cudaSuccess) cudaGetLastError();
  if (mode == cudaComputeModeProhibited) {
    d.why = which + " is in prohibited compute mode: no process may use it (nvidia-smi -c)";
    return d;
  }
  const device_choice::ArchVerdict arch =
      device_choice::check_architecture(prop.major, prop.minor, REMNANT_CUDA_ARCHITECTURES);
  if (arch.known && !arch.runs) {
    d.why = which + ": " + arch.text;
    return d;
  }
  // Creates the device's primary context: the first call that needs the
  // device itself rather than the driver's list of devices.
  err = cudaSetDevice(d.index);
  if (err == cudaSuccess) err = cudaFree(nullptr);
  if (err != cudaSuccess) {
    if (mode == cudaComputeModeExclusiveProcess && err == cudaErrorDevicesUnavailable)
      d.why = which + " is in exclusive-process mode and another process holds it (nvidia-smi shows which); wait "
                      "for it, choose another GPU with CUDA_VISIBLE_DEVICES, or use --backend cpu (" +
              runtime_says(err) + ")";
    else
      d.why = which + ": its CUDA context cannot be created" +
              (mode == cudaComputeModeExclusiveProcess ? " (exclusive-process mode)" : "") + ": " + runtime_says(err);
    return d;
  }
  err = probe_kernel_image();
  if (err != cudaSuccess) {
    const std::string cc = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    if (err == cudaErrorUnsupportedPtxVersion)
      d.why = which + ": the driver is too old to compile this build's PTX for compute capability " + cc +
              "; update the driver, or rebuild with -DREMNANT_CUDA_ARCHITECTURES=\"" + std::to_string(d.cc) + "\"";
    else if (err == cudaErrorNoKernelImageForDevice || err == cudaErrorInvalidDeviceFunction)
      d.why = which + ": no GPU code of this build runs on compute capability " + cc + " (built for " +
              REMNANT_CUDA_ARCHITECTURES + "); rebuild with -DREMNANT_CUDA_ARCHITECTURES=\"" + std::to_string(d.cc) +
              "\" or use --backend cpu";
    else
      d.why = which + ": a kernel of this build cannot be loaded: " + runtime_says(err);
    return d;
  }
  d.usable = true;
  return d;
}

const Device& device() {
  std::call_once(g_once, [] {
    g_device = check();
    g_checked = true;
  });
  return g_device;
}

}  // namespace

bool compiled_in() { return true; }

void select_device(int node_rank) {
  if (g_checked) throw std::logic_error("cuda::select_device after the device was checked");
  g_node_rank = node_rank;
}

bool device_usable(std::string* why) {
  const Device& d = device();
  if (!d.usable && why) *why = d.why;
  // The current device is per host thread: the caller's thread (which goes
  // on to make the engine) gets this process's device, not device 0.
  if (d.usable && cudaSetDevice(d.index) != cudaSuccess) cudaGetLastError();
  return d.usable;
}

std::string device_name() {
  const Device& d = device();
  if (d.name.empty()) return "none";
  return d.name + ", device " + std::to_string(d.index) + ", compute capability " + std::to_string(d.cc / 10) + "." +
         std::to_string(d.cc % 10);
}

int compute_capability() { return device().cc; }

std::string device_id() { return device().usable ? device().id : std::string(); }

std::string compiled_architectures() {
  std::string list = REMNANT_CUDA_ARCHITECTURES;
  for (char& c : list)
    if (c == ',') c = ';';
  return list;
}

std::uint64_t free_memory_bytes() {
  if (!device_usable(nullptr)) return 0;
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return free;
}

}  // namespace remnant::cuda
