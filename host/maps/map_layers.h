// What the viewer shows as the map pages do, public so that the viewer draws
// with the same colours, lines and words as the printed page: the dataset's
// context layers in the grid's CRS, how a context line is stroked, the
// hillshade's and the classes' colours per cell, the legend's units line.
// The pages' own drawing (canvas, legends, title) stays inside the maps
// library (host/maps/map_internal.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "host/maps/map.h"

namespace remnant {

// ---------------------------------------------------------------- context layers

struct ContextFeature {
  std::vector<std::vector<std::array<double, 2>>> parts;  // grid metres; points: one part of one point
  std::string name;
  double population = 0;
  bool focus = false;  // the border layer's main country
  bool has_label_point = false;  // polygons: a point inside the part on the grid, for the name
  double label_x = 0, label_y = 0;
};
struct ContextLayer {
  std::string name;  // "border", "coast", "rivers", "towns", or another dataset layer
  bool points = false;
  std::vector<ContextFeature> features;
};
struct MapContext {
  std::vector<ContextLayer> layers;
  std::string note;  // "context layers: dataset X not found", or ""
  // Per cell (row 0 south), 255 where country borders are drawn: land away
  // from water (the border polygons also trace coasts). Empty: everywhere.
  std::vector<std::uint8_t> border_mask;
  bool has(const std::string& name) const;
};
// The dataset's vector layers in the grid's CRS; an empty MapContext with a
// note when the dataset (or a layer) cannot be read. Never throws for a
// missing dataset: a map without context is still a map. datasets_dir empty:
// datasets_dir().
MapContext load_map_context(const ResultData& d, const std::string& datasets_dir);

// How a line layer is stroked: colour, width in points, legend label (nullptr:
// none). Maps and the viewer draw context lines alike.
struct ContextLineStyle {
  Rgb colour;
  double width;
  const char* label;
};
ContextLineStyle context_line_style(const std::string& layer);

// ---------------------------------------------------------------- cell colours

extern const Rgb kWaterColour;       // water cells
extern const Rgb kFlatGroundColour;  // hillshade of flat ground (the "0 / none" swatch)

// The colours of the page's hillshade (azimuth 315, altitude 45, light grey;
// water light blue) and of a layer's classes, one per cell (row 0 = southern
// row), as Cairo's ARGB32 words (premultiplied; 0 = transparent).
std::vector<std::uint32_t> background_argb(const ResultData& d);
std::vector<std::uint32_t> cells_argb(const std::vector<float>& values, const ClassScheme& s);

// ---------------------------------------------------------------- legend words

// The units line under a layer's legend title.
std::string units_line(const DisplayLayer& l);
// Whether any cell is water (the legend then shows the water swatch).
bool has_water(const ResultData& d);

}  // namespace remnant
