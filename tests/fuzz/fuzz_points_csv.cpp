// Fuzz target: the CSV reader of strike-site points (host/inputs/points.cpp), plain
// or gzip-compressed. The reader takes a path, so each input is written to
// one file in a private temporary directory first. Bad input must end in an
// InputError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "host/inputs/points.h"
#include "host/inputs/scenario.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = remnant::fuzz::scratch_file("points.csv");
  remnant::fuzz::write_file(path, data, size);
  try {
    remnant::read_points_csv(path);
  } catch (const remnant::InputError&) {
  }
  return 0;
}
