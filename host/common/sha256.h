// SHA-256 (FIPS 180-4) of bytes, for provenance: which input files a result
// saw. Self-contained so that the host needs no crypto library for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace remnant {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // The digest as 64 lower-case hex digits; the object is spent after it.
  std::string hex();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t bytes_ = 0;
};

// The SHA-256 of a string's bytes, as hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace remnant
