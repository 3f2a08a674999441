// The CPU backend: the same kernel source, compiled by the host compiler
// against Thrust's OpenMP device system (THRUST_DEVICE_SYSTEM=OMP is set by
// CMake for this file's target).
#include "engine.cu"
