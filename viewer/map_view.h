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
#include "host/inputs/evidence.h"

namespace remnant::viewer {

// One line of text, cut with an ellipsis to width (pixels) when longer, the
// whole text in a tooltip when hovered.
void fitted_text(const std::string& text, float width);
// A land-cover code as its class name ("olive grove", not 7).
std::string land_cover_text(int code);
// A cell's value of l in words, with its units: "chance of at least one dud in
// this cell: 17.5 %", "land cover: water"; difference: B - A.
std::string value_phrase(const DisplayLayer& l, float v, bool difference);

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

// What the map draws: a result's grid, hillshade and cell statistics (the
// tooltip's), and values coloured on a class scheme chosen by the caller (the
// viewer's scale, locked or shared by a comparison: viewer/app.h).
struct MapPicture {
  std::shared_ptr<const ResultData> data;  // null: nothing
  std::shared_ptr<const MapContext> context;
  std::shared_ptr<const DisplayLayer> layer;  // the values coloured: a layer of data, or B - A
  std::shared_ptr<const ClassScheme> scheme;
  std::string scale_note;   // under the legend's classes: where the scale comes from
  bool difference = false;  // layer holds B - A (the tooltip says so)
};

// Legend entries the legend's fixed area has room for (classes, water,
// hazard outline): the most any layer has is 11 (9 density classes).
constexpr int kLegendEntries = 12;

class MapView {
 public:
  // Shows p; rebuilds the textures whose inputs changed.
  void set(const MapPicture& p);
  // Draws the map into area (the part of the window between the panels) and
  // handles the mouse when ImGui does not want it.
  void draw(const ScreenRect& area, bool hover = true);
  // The layer's legend: an opaque ImGui window of legend_height(area.w)
  // across the bottom of area, below the map (the map is drawn into area less
  // that height). Its size depends on the width only: the map box does not
  // move when the number of classes changes.
  void draw_legend(const ScreenRect& area);
  static int legend_columns(float width);
  static float legend_height(float width);
  // The cell tooltip's lines in words (land cover, the layer's value) as drawn
  // in the last frame, empty without a tooltip (tests print them).
  const std::vector<std::string>& tooltip_lines() const { return tooltip_lines_; }
  // The town names drawn in the last frame and their boxes on screen (x0, y0, x1, y1).
  struct DrawnLabel {
    std::string text;
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  };
  const std::vector<DrawnLabel>& town_labels() const { return town_labels_; }
  // The legend's class labels as drawn in the last frame (tests print them).
  const std::vector<std::string>& legend_labels() const { return legend_labels_; }
  // Draws h's outlines (holes too) and ranks over the layer; null: none. h
  // must be of the result shown (Snapshot::hazard beside Snapshot::data).
  void set_hazard(std::shared_ptr<const HazardAreas> h);
  // Draws the evidence over the layer as the map pages do (draw_evidence):
  // searched areas outlined green, cancelled ones grey dashed, finds red
  // crosses, located strikes black triangles; null: none.
  void set_evidence(std::shared_ptr<const Evidence> e) { evidence_ = std::move(e); }
  // The evidence features drawn in the last frame (kind and screen point: a
  // point's, or a polygon's first vertex), for tests.
  struct DrawnMark {
    std::string kind;
    float x = 0, y = 0;
  };
  const std::vector<DrawnMark>& evidence_marks() const { return evidence_marks_; }
  // The grid's rectangle on screen in the last frame drawn (x, y: top left).
  const ScreenRect& grid_on_screen() const { return grid_px_; }
  // Fits the whole grid into the area on the next draw.
  void fit() { fitted_ = false; }
  const DisplayLayer* layer() const { return layer_ ? layer_.get() : nullptr; }
  const ClassScheme* scheme() const { return scheme_ ? scheme_.get() : nullptr; }

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
  std::shared_ptr<const Evidence> evidence_;
  std::vector<DrawnMark> evidence_marks_;
  std::vector<RankLabel> rank_labels_;  // by rank
  ScreenRect grid_px_;
  std::shared_ptr<const MapContext> context_;
  std::shared_ptr<const DisplayLayer> layer_;
  std::shared_ptr<const ClassScheme> scheme_;
  std::string scale_note_;
  bool difference_ = false;
  std::vector<std::string> legend_labels_, tooltip_lines_;
  std::vector<DrawnLabel> town_labels_;
  CellTexture background_, cells_;
  std::unique_ptr<LonLatToGrid> lonlat_;  // grid with a CRS
  std::string crs_;
  // The view: grid metres at the area's centre, and pixels per metre.
  double centre_x_ = 0, centre_y_ = 0, scale_ = 1;
  bool fitted_ = false;
  bool moved_ = false;  // panned or zoomed since the last fit
  float area_w_ = 0, area_h_ = 0;
  std::uint32_t grid_nx_ = 0, grid_ny_ = 0;
  double grid_x0_ = 0, grid_y0_ = 0, grid_dx_ = 0;
};

}  // namespace remnant::viewer
