// The layers a person can export or map, in the units a report needs: dud and
// impact counts as densities per hectare (independent of the cell size), the
// probability of contamination as a probability, elevation in metres, land
// cover as classes. One definition, shared by GeoTIFF export and maps.
#pragma once

#include <string>
#include <vector>

#include "host/evidence/result_file.h"

namespace remnant {

enum class LayerKind {
  Density,      // items per hectare, >= 0, sequential palette
  Probability,  // 0..1, sequential palette
  Elevation,    // metres
  Categorical,  // land-cover classes
};

struct DisplayLayer {
  std::string name;       // as given to --layer (the result file's variable name)
  std::string title;      // short, for a legend: "Expected unexploded submunitions"
  std::string units;      // for a legend and GeoTIFF metadata: "items per hectare", "probability", "m", "class"
  std::string long_name;  // one sentence: what a value means, with its statistic over realizations
  LayerKind kind = LayerKind::Density;
  // Per cell, row 0 = southern row (as the grid). NaN where there is no value
  // (water cells of dud and impact layers: duds in water are counted apart).
  std::vector<float> values;
};

// Names accepted by display_layer, in the order `remnant export --help` lists them.
const std::vector<std::string>& display_layer_names();

// Throws InputError naming the layer and listing the accepted names.
DisplayLayer display_layer(const ResultData& d, const std::string& name);

}  // namespace remnant
