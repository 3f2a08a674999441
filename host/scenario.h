// A scenario as the user wrote it: grid, submunition types, carriers, strikes,
// land-cover multipliers, wind, seed. Loaded strictly from TOML: every key is
// known, every value is checked, errors name the file, the line and the key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/tables.h"

namespace remnant {

// A user mistake in an input: the message names the file, line and key.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Range {
  double lo = 0.0;
  double hi = 0.0;
};

// A rate's prior: Beta(alpha, beta), or a fixed value (a point mass).
struct RatePrior {
  bool fixed = true;
  double value = 0.0;  // when fixed
  double alpha = 1.0;  // when Beta
  double beta = 1.0;
  double mean() const { return fixed ? value : alpha / (alpha + beta); }
};

struct SubmunitionType {
  std::string name;
  Range terminal_velocity_mps;
  RatePrior dud_rate;
  std::optional<RatePrior> self_destruct_failure;  // P(self-destruct fails too)
};

struct CarrierType {
  std::string name;
  std::string submunition;
  std::uint32_t submunitions_per_carrier = 0;
  std::string delivery;  // air | rocket | artillery
  Pattern pattern = Pattern::UniformEllipse;
  Range semi_major_m;  // footprint semi-axes, sampled per strike and realization
  Range semi_minor_m;
  double ring_inner_fraction = 0.0;
  double aim_error_cep_m = 0.0;
  Range function_height_m;
};

struct Strike {
  std::string carrier;
  std::uint32_t carriers = 0;
  double x_m = 0.0;  // projected coordinates of the aim point (site)
  double y_m = 0.0;
  std::optional<double> heading_deg;  // clockwise from north; absent = any
  double heading_spread_deg = 0.0;
  std::uint32_t line = 0;  // where it was written, for messages
};

struct LandCoverRegion {
  Range x_m;
  Range y_m;
  LandCover land_cover = LandCover::Cropland;
};

struct GridSpec {
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  double cell_size_m = 0.0;
  double origin_x_m = 0.0;  // lower-left corner, projected metres
  double origin_y_m = 0.0;
  std::string crs;          // e.g. "EPSG:32636"; empty = unspecified local metres
  LandCover land_cover = LandCover::Cropland;
  double elevation_m = 0.0;
  std::vector<LandCoverRegion> regions;  // painted over the base class, in order
};

struct WindSpec {
  Range speed_mps;
  Range from_deg;  // meteorological: direction the wind comes from
};

struct Scenario {
  std::string path;
  std::string text;  // the file's full text, kept for provenance
  std::string name;
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  GridSpec grid;
  WindSpec wind;
  std::vector<SubmunitionType> submunitions;
  std::vector<CarrierType> carriers;
  std::vector<Strike> strikes;
  std::array<double, kLandCoverClasses> dud_multiplier{};  // per land-cover class
  double slope_coefficient = 0.0;
  std::vector<std::string> assumptions;  // defaults taken, recorded in outputs
};

Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const std::string& text, const std::string& source_name);

const char* land_cover_name(LandCover c);
std::optional<LandCover> land_cover_from_name(const std::string& s);
const char* pattern_name(Pattern p);

}  // namespace remnant
