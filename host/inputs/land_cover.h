// The names scenario files, results and maps give the kernels' land-cover
// classes and footprint patterns. host/inputs/scenario.h includes this; code
// that needs only the names can include it alone.
#pragma once

#include <optional>
#include <string>

#include "kernels/tables.h"

namespace remnant {

const char* land_cover_name(LandCover c);
std::optional<LandCover> land_cover_from_name(const std::string& s);
const char* pattern_name(Pattern p);

}  // namespace remnant
