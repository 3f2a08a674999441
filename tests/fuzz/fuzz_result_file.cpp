// Fuzz target: the result-file reader (host/evidence/result_reader.cpp and hdf5_reader*.cpp), which `info`,
// `export`, `compare` and `run --resume` use on files that may be damaged or
// not Remnant's at all. The input is written to a file in a private temporary
// directory and read as a result or checkpoint. Damage must end in an
// InputError naming the file, and every HDF5 object the reader opened must
// be closed again, on every path; anything else is a bug. (The HDF5 library
// itself is not instrumented: coverage guides the mutations through
// Remnant's checks of what HDF5 hands back.)
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "host/evidence/result_file.h"
#include "host/inputs/scenario.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = remnant::fuzz::scratch_file("result.h5");
  remnant::fuzz::write_file(path, data, size);
  try {
    remnant::read_result_or_checkpoint_file(path);
  } catch (const remnant::InputError&) {
  }
  const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open != 0) {
    std::fprintf(stderr, "the result-file reader left %zd HDF5 objects open\n", open);
    std::abort();
  }
  return 0;
}
