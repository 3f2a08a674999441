// The map behind the panels: the hillshade and the chosen layer as OpenGL
// textures (their colours from the map pages' code, host/maps/map_layers.h), the
// context layers, the hazard areas' outlines with their ranks and the strike
// sites on ImGui's background draw list, pan by dragging, zoom with the wheel,
// and a tooltip for the cell under the mouse.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/common/geo.h"
#include "host/evidence/hazard_areas.h"
#include "host/evidence/layers.h"
#include "host/maps/map.h"
#include "host/maps/map_layers.h"
#include "host/evidence/result_file.h"

namespace remnant::viewer {

// An RGBA texture of one pixel per grid cell, nearest-neighbour.
class CellTexture {
 public:
  CellTexture() = default;
  ~CellTexture();
  CellTexture(const CellTexture&) = delete;
  CellTexture& operator=(const CellTexture&) = delete;
  // argb: Cairo's ARGB32 words, row 0 = southern row (background_argb).
  void upload(std::uint32_t nx, std::uint32_t ny, const std::vector<std::uint32_t>& argb);
  unsigned id() const { return id_; }

 private:
  unsigned id_ = 0;
};

// A screen rectangle in pixels.
struct ScreenRect {
  float x = 0, y = 0, w = 0, h = 0;
};

class MapView {
 public:
  // Shows d (null: nothing) with layer; rebuilds what changed.
  void set(std::shared_ptr<const ResultData> d, std::shared_ptr<const MapContext> ctx,
           const std::string& layer);
  // Draws the map into area (the part of the window between the panels) and
  // handles the mouse when ImGui does not want it.
  void draw(const ScreenRect& area, bool hover = true);
  // The layer's legend: an opaque ImGui window across the bottom of area,
  // below the map (the map is drawn into area less legend_height()).
  void draw_legend(const ScreenRect& area);
  // The legend's height in the last frame (0 before it was drawn).
  float legend_height() const { return layer_ ? legend_h_ : 0.0f; }
  // Draws h's outlines (holes too) and ranks over the layer; null: none. h
  // must be of the result shown (Snapshot::hazard beside Snapshot::data).
  void set_hazard(std::shared_ptr<const HazardAreas> h);
  // The grid's rectangle on screen in the last frame drawn (x, y: top left).
  const ScreenRect& grid_on_screen() const { return grid_px_; }
  // Fits the whole grid into the area on the next draw.
  void fit() { fitted_ = false; }
  const DisplayLayer* layer() const { return layer_ ? layer_.get() : nullptr; }

 private:
  void tooltip(std::uint32_t ix, std::uint32_t iy, double x_m, double y_m);

  // Where an area's rank goes (grid metres: a point inside it) and its
  // bounding box (the label only where the area is large enough on screen).
  struct RankLabel {
    std::uint32_t rank = 0;
    double x_m = 0, y_m = 0;
    double x0_m = 0, y0_m = 0, x1_m = 0, y1_m = 0;
  };

  std::shared_ptr<const ResultData> data_;
  std::shared_ptr<const HazardAreas> hazard_;
  std::vector<RankLabel> rank_labels_;  // by rank
  ScreenRect grid_px_;
  std::shared_ptr<const MapContext> context_;
  std::unique_ptr<DisplayLayer> layer_;
  ClassScheme scheme_;
  CellTexture background_, cells_;
  std::unique_ptr<LonLatToGrid> lonlat_;  // grid with a CRS
  std::string layer_name_, crs_;
  // The view: grid metres at the area's centre, and pixels per metre.
  double centre_x_ = 0, centre_y_ = 0, scale_ = 1;
  bool fitted_ = false;
  bool moved_ = false;  // panned or zoomed since the last fit
  float area_w_ = 0, area_h_ = 0, legend_h_ = 0;
  std::uint32_t grid_nx_ = 0, grid_ny_ = 0;
  double grid_x0_ = 0, grid_y0_ = 0, grid_dx_ = 0;
};

}  // namespace remnant::viewer
