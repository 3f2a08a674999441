// The benchmark scenario, shared by remnant_bench and remnant_profile_case.
//
// About one million submunitions per realization at full size on a 1000 x 1000
// grid of 50 m cells (a 50 km square), fired by a mix of carriers that
// exercises all three dispersion patterns:
//   - M26 rockets, 644 M77 each, uniform ellipse      (6 strikes x 96 rockets)
//   - M483A1 shells, 88 M42 each, ring                 (6 strikes x 600 shells)
//   - CBU-87 bombs, 202 BLU-97 each, gaussian ellipse  (6 strikes x 260 bombs)
// = 370,944 + 316,800 + 315,120 = 1,002,864 submunitions per realization, with
// a river, a lake, a town and a wood painted over cropland. The carrier counts
// per strike are parameters so that a reduced case (for callgrind) keeps the
// same grid, sites and mix.
#pragma once

#include <cstdint>
#include <string>

namespace remnant_bench {

struct Carriers {
  std::uint32_t m26 = 96;       // M26 rockets per strike (6 strikes)
  std::uint32_t shells = 600;   // M483A1 shells per strike (6 strikes)
  std::uint32_t cbu87 = 260;    // CBU-87 bombs per strike (6 strikes)
};

// Full size: 1,002,864 submunitions per realization.
constexpr Carriers kFull{96, 600, 260};
// Reduced (profiling): 6 x (20 x 644 + 120 x 88 + 52 x 202) = 203,664.
constexpr Carriers kReduced{20, 120, 52};

inline std::string scenario_toml(const Carriers& c) {
  std::string s = R"toml(
[scenario]
name = "benchmark: about 1e6 submunitions on a 50 km square"
seed = 20261123
realizations = 4

[grid]
nx = 1000
ny = 1000
cell_size_m = 50.0
origin_x_m = 0.0
origin_y_m = 0.0
land_cover = "cropland"
elevation_m = 0.0

[[grid.region]]          # a river 400 m wide, west to east
x_m = [0.0, 50000.0]
y_m = [24800.0, 25200.0]
land_cover = "water"

[[grid.region]]          # a lake
x_m = [30000.0, 36000.0]
y_m = [8000.0, 12000.0]
land_cover = "water"

[[grid.region]]          # a town
x_m = [12000.0, 16000.0]
y_m = [30000.0, 34000.0]
land_cover = "built_up"

[[grid.region]]          # woodland
x_m = [38000.0, 46000.0]
y_m = [36000.0, 44000.0]
land_cover = "tree"

[wind]
speed_mps = [0.0, 8.0]
from_deg = [225.0, 315.0]

[land_cover.dud_rate_multiplier]
water = 1.0
built_up = 0.8
bare = 1.0
grass_shrub = 1.2
cropland = 1.3
tree = 1.5
wetland = 1.8

[[submunition]]
name = "M77"
terminal_velocity_mps = [30.0, 50.0]
dud_rate = { alpha = 3.0, beta = 22.0 }

[[submunition]]
name = "M42"
terminal_velocity_mps = [30.0, 50.0]
dud_rate = { alpha = 2.0, beta = 30.0 }

[[submunition]]
name = "BLU-97"
terminal_velocity_mps = [20.0, 40.0]
dud_rate = { alpha = 2.0, beta = 25.0 }

[[carrier]]
name = "M26"
submunition = "M77"
submunitions_per_carrier = 644
delivery = "rocket"
pattern = "uniform_ellipse"
semi_major_m = [80.0, 120.0]
semi_minor_m = [40.0, 60.0]
aim_error_cep_m = 150.0
function_height_m = [500.0, 900.0]

[[carrier]]
name = "M483A1"
submunition = "M42"
submunitions_per_carrier = 88
delivery = "artillery"
pattern = "ring"
semi_major_m = [60.0, 90.0]
semi_minor_m = [40.0, 60.0]
ring_inner_fraction = 0.6
aim_error_cep_m = 100.0
function_height_m = [300.0, 600.0]

[[carrier]]
name = "CBU-87"
submunition = "BLU-97"
submunitions_per_carrier = 202
delivery = "air"
pattern = "gaussian_ellipse"
semi_major_m = [60.0, 240.0]
semi_minor_m = [40.0, 120.0]
aim_error_cep_m = 60.0
function_height_m = [100.0, 900.0]

[[strike]]
carrier = "M26"
carriers = @M26@
x_m = 10000.0
y_m = 10000.0
heading_deg = 20.0
heading_spread_deg = 10.0

[[strike]]
carrier = "M26"
carriers = @M26@
x_m = 20000.0
y_m = 24000.0

[[strike]]
carrier = "M26"
carriers = @M26@
x_m = 32000.0
y_m = 10500.0
heading_deg = 90.0
heading_spread_deg = 20.0

[[strike]]
carrier = "M26"
carriers = @M26@
x_m = 41000.0
y_m = 40000.0

[[strike]]
carrier = "M26"
carriers = @M26@
x_m = 14000.0
y_m = 32000.0
heading_deg = 0.0
heading_spread_deg = 30.0

[[strike]]
carrier = "M26"
carriers = @M26@
x_m = 49800.0
y_m = 200.0

[[strike]]
carrier = "M483A1"
carriers = @SHELLS@
x_m = 8000.0
y_m = 40000.0
heading_deg = 45.0
heading_spread_deg = 15.0

[[strike]]
carrier = "M483A1"
carriers = @SHELLS@
x_m = 25000.0
y_m = 25000.0

[[strike]]
carrier = "M483A1"
carriers = @SHELLS@
x_m = 35000.0
y_m = 20000.0
heading_deg = 300.0
heading_spread_deg = 15.0

[[strike]]
carrier = "M483A1"
carriers = @SHELLS@
x_m = 5000.0
y_m = 5000.0

[[strike]]
carrier = "M483A1"
carriers = @SHELLS@
x_m = 44000.0
y_m = 28000.0

[[strike]]
carrier = "M483A1"
carriers = @SHELLS@
x_m = 26000.0
y_m = 45000.0
heading_deg = 180.0
heading_spread_deg = 40.0

[[strike]]
carrier = "CBU-87"
carriers = @CBU87@
x_m = 15000.0
y_m = 15000.0
heading_deg = 270.0
heading_spread_deg = 5.0

[[strike]]
carrier = "CBU-87"
carriers = @CBU87@
x_m = 30000.0
y_m = 35000.0

[[strike]]
carrier = "CBU-87"
carriers = @CBU87@
x_m = 40000.0
y_m = 5000.0
heading_deg = 10.0
heading_spread_deg = 5.0

[[strike]]
carrier = "CBU-87"
carriers = @CBU87@
x_m = 20000.0
y_m = 45000.0

[[strike]]
carrier = "CBU-87"
carriers = @CBU87@
x_m = 45000.0
y_m = 15000.0
heading_deg = 135.0
heading_spread_deg = 20.0

[[strike]]
carrier = "CBU-87"
carriers = @CBU87@
x_m = 2000.0
y_m = 25000.0
)toml";
  const auto put = [&s](const std::string& key, std::uint32_t value) {
    for (std::size_t at = s.find(key); at != std::string::npos; at = s.find(key, at))
      s.replace(at, key.size(), std::to_string(value));
  };
  put("@M26@", c.m26);
  put("@SHELLS@", c.shells);
  put("@CBU87@", c.cbu87);
  return s;
}

}  // namespace remnant_bench
