// Shared by the fuzz targets that read files: one scratch file per target in
// a private temporary directory, removed at exit.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace remnant::fuzz {

inline std::string scratch_file(const std::string& name) {
  std::string dir = (std::filesystem::temp_directory_path() / "remnant-fuzz-XXXXXX").string();
  if (!mkdtemp(dir.data())) throw std::runtime_error("mkdtemp failed");
  static std::string to_remove;
  to_remove = dir;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(to_remove, ec);
  });
  return dir + "/" + name;
}

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0)
    throw std::runtime_error("cannot write the fuzz input to " + path);
}

}  // namespace remnant::fuzz
