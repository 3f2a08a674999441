// Fuzz target: the scenario loader (host/inputs/, load_scenario). The input is a
// scenario file's text, parsed as if it stood in configs/ (so `munitions =
// "munitions.toml"` reads the real catalogue); its inventory is then
// resolved, as `remnant validate` does. Bad input must end in an InputError;
// anything else (a crash, another exception, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "host/inputs/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const remnant::Scenario sc = remnant::parse_scenario(text, REMNANT_SOURCE_DIR "/configs/fuzz-input.toml");
    remnant::resolve_inventory(sc);
  } catch (const remnant::InputError&) {
  }
  return 0;
}
