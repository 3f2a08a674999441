// Land cover: the classes' names, and the tables of what each class does to
// the dud rate (a land-cover table file, or [land_cover] in the scenario).
#include "host/inputs/land_cover.h"

#include <fmt/format.h>

#include <array>

#include "host/inputs/scenario_parts.h"

namespace remnant {
namespace {

constexpr const char* kLandCoverNames[kLandCoverClasses] = {"water", "built_up", "bare",    "grass_shrub",
                                                            "cropland", "tree",     "wetland", "unknown"};
constexpr const char* kLandCoverList = "water, built_up, bare, grass_shrub, cropland, tree, wetland, unknown";

}  // namespace

const char* land_cover_name(LandCover c) { return kLandCoverNames[static_cast<int>(c) % kLandCoverClasses]; }

std::optional<LandCover> land_cover_from_name(const std::string& s) {
  for (int i = 0; i < kLandCoverClasses; ++i)
    if (s == kLandCoverNames[i]) return static_cast<LandCover>(i);
  return std::nullopt;
}

const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::GaussianEllipse: return "gaussian_ellipse";
    case Pattern::Ring: return "ring";
    case Pattern::UniformEllipse:
    default: return "uniform_ellipse";
  }
}

namespace inputs_detail {

LandCover land_cover_key(Section& s, const std::string& key) {
  const std::string v = s.string(key, "a land-cover class name");
  const auto lc = land_cover_from_name(v);
  if (!lc)
    s.fail_at(s.node(key), key,
              fmt::format("unknown land-cover class \"{}\"; expected one of {}", v, kLandCoverList));
  return *lc;
}

// ------------------------------------------------------------ land cover

void default_recoverable(Scenario& sc) {
  sc.recoverable.fill(true);
  sc.recoverable[static_cast<int>(LandCover::Water)] = false;
}

void load_land_cover_table(Scenario& sc, const std::string& path, const std::string& referenced_from) {
  sc.land_cover_path = path;
  sc.land_cover_text = read_text(path, "land-cover table", referenced_from);
  const toml::table root = parse_toml(sc.land_cover_text, path);
  Section top(root, "", path, true);
  top.string_or("description", "");
  sc.slope_coefficient = top.number("slope_coefficient", 0.0, 100.0, "a coefficient in [0, 100]");
  std::array<bool, kLandCoverClasses> seen{};
  for (Section& c : top.tables("class", true)) {
    const LandCover lc = land_cover_key(c, "name");
    const int k = static_cast<int>(lc);
    if (seen[k]) c.fail_at(c.node("name"), "name", fmt::format("class \"{}\" is defined twice", land_cover_name(lc)));
    seen[k] = true;
    sc.dud_multiplier[k] = c.number("dud_rate_multiplier", 0.0, 100.0, "a multiplier in [0, 100]");
    sc.recoverable[k] = c.boolean("recoverable", "true or false (can items there be found and cleared?)");
    c.string("rationale", "a sentence on why this multiplier");
    if (c.has("worldcover_codes")) {
      const toml::node* n = c.node("worldcover_codes");
      const toml::array* a = n->as_array();
      if (!a) c.expected("worldcover_codes", "an array of ESA WorldCover class codes (integers 0-255)");
      for (const toml::node& e : *a) {
        if (!e.is_integer() || *e.value<std::int64_t>() < 0 || *e.value<std::int64_t>() > 255)
          c.fail_at(&e, "worldcover_codes", "expected integers 0-255");
        const int code = static_cast<int>(*e.value<std::int64_t>());
        for (const auto& [other, cls] : sc.worldcover)
          if (other == code)
            c.fail_at(&e, "worldcover_codes", fmt::format("code {} is already mapped to {}", code, land_cover_name(cls)));
        sc.worldcover.emplace_back(code, lc);
      }
    }
    c.finish();
  }
  for (int k = 0; k < kLandCoverClasses; ++k)
    if (!seen[k])
      throw InputError(fmt::format("{}: land-cover class \"{}\" is missing; every class ({}) needs a [[class]] entry",
                                   path, kLandCoverNames[k], kLandCoverList));
  top.finish();
}

void parse_inline_land_cover(Scenario& sc, Section& top) {
  Section lc = top.table("land_cover");
  if (lc.has("dud_rate_multiplier")) {
    Section m = lc.table("dud_rate_multiplier");
    for (int i = 0; i < kLandCoverClasses; ++i) {
      if (m.has(kLandCoverNames[i]))
        sc.dud_multiplier[i] = m.number(kLandCoverNames[i], 0.0, 100.0, "a multiplier in [0, 100]");
      else
        sc.assumptions.push_back(fmt::format("land cover '{}': no dud-rate multiplier given, 1.0 used", kLandCoverNames[i]));
    }
    m.finish();
  } else {
    sc.assumptions.push_back("no land-cover dud-rate multipliers given: 1.0 for every class");
  }
  sc.slope_coefficient = lc.number_or("slope_coefficient", 0.0, 0.0, 100.0, "a coefficient in [0, 100]");
  lc.finish();
}

}  // namespace inputs_detail
}  // namespace remnant
