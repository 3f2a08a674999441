// The font the viewer loads and the characters its font atlas holds (Dear
// ImGui draws only the glyphs it baked, and '?' for any other): every name of
// the bundled datasets (Latin with its extensions, Vietnamese, Cyrillic) and
// the legends' signs. DejaVu Sans (Debian's fonts-dejavu-core) has them all.
// ImGui neither shapes nor reorders text, so Arabic and other right-to-left or
// complex scripts are left out: a scenario name in them shows as '?' (the map
// pages, through Pango, draw them). Plain data, no ImGui: tests hold the
// bundled names against it (tests/viewer_test.cpp).
#pragma once

#include <cstdint>

namespace remnant::viewer {

inline constexpr const char* kFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Inclusive [first, last] pairs, then 0 (ImGui's glyph-range layout).
inline constexpr std::uint16_t kGlyphRanges[] = {
    0x0020, 0x00FF,  // Basic Latin, Latin-1
    0x0100, 0x024F,  // Latin Extended-A and -B (Č, Š, ā, ơ, ư)
    0x0300, 0x036F,  // combining diacritical marks
    0x0370, 0x03FF,  // Greek
    0x0400, 0x04FF,  // Cyrillic
    0x1E00, 0x1EFF,  // Latin Extended Additional (Vietnamese: ạ, ế, ủ)
    0x2010, 0x205E,  // punctuation: dashes, quotes, bullets
    0x2190, 0x21FF,  // arrows
    0x2200, 0x22FF,  // mathematical operators (minus, >=)
    0,
};

// Whether the atlas holds code point c.
constexpr bool in_glyph_ranges(std::uint32_t c) {
  for (const std::uint16_t* r = kGlyphRanges; r[0] != 0; r += 2)
    if (c >= r[0] && c <= r[1]) return true;
  return false;
}

}  // namespace remnant::viewer
