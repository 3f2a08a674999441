#include "viewer/map_view.h"

#include <GL/gl.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "host/inputs/scenario.h"

namespace remnant::viewer {

namespace {

ImU32 im_colour(Rgb c, float alpha = 1.0f) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(float(c.r), float(c.g), float(c.b), alpha));
}

struct Rect {
  float x0, y0, x1, y1;
  bool overlaps(const Rect& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// The hazard areas' outline: a dark crimson line on a light halo, which reads
// over every class of the viridis layers, the hillshade and the water, and
// which no other part of the map uses (tests/viewer_test.cpp looks for it).
const ImU32 kHazardLine = IM_COL32(160, 0, 75, 255);
const ImU32 kHazardHalo = IM_COL32(255, 255, 255, 210);
constexpr float kHazardLineWidth = 2.0f, kHazardHaloWidth = 4.0f;
// Ranks are written on at most this many areas (the highest ranks first), each
// at least kRankMinPixels wide or high on screen.
constexpr int kRankLabels = 20;
constexpr float kRankMinPixels = 14.0f;

}  // namespace

std::string land_cover_text(int code) {
  if (code < 0 || code >= kLandCoverClasses) return fmt::format("code {} (not a class)", code);
  std::string name = land_cover_name(LandCover(code));
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

std::string value_phrase(const DisplayLayer& l, float v, bool difference) {
  if (!std::isfinite(v)) return l.title + ": no value here (water)";
  if (difference) return fmt::format("B − A: {:+.3g} {}", double(v), l.units);
  switch (l.kind) {
    case LayerKind::Categorical:
      return "land cover: " + land_cover_text(int(std::lround(v)));
    case LayerKind::Probability:
      return fmt::format("chance of at least one dud in this cell: {:.1f} % ({:.3g})", 100.0 * double(v), double(v));
    case LayerKind::Elevation:
      return fmt::format("{}: {:.0f} m", l.title, double(v));
    case LayerKind::Density:
      break;
  }
  return fmt::format("{}: {:.3g} {}", l.title, double(v), l.units);
}

CellTexture::~CellTexture() {
  if (id_) glDeleteTextures(1, &id_);
}

void CellTexture::upload(std::uint32_t nx, std::uint32_t ny, const std::vector<std::uint32_t>& argb) {
  if (!id_) glGenTextures(1, &id_);
  glBindTexture(GL_TEXTURE_2D, id_);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  // ARGB32 words in memory order on a little-endian machine: B, G, R, A.
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, GLsizei(nx), GLsizei(ny), 0, GL_BGRA, GL_UNSIGNED_BYTE, argb.data());
  glBindTexture(GL_TEXTURE_2D, 0);
}

void MapView::set(const MapPicture& p) {
  context_ = p.context;
  scale_note_ = p.scale_note;
  difference_ = p.difference;
  if (p.data == data_ && p.layer == layer_ && p.scheme == scheme_) return;
  if (!p.data || !p.layer || !p.scheme) {
    data_.reset();
    layer_.reset();
    scheme_.reset();
    return;
  }
  const ResultData& d = *p.data;
  const ResultGrid& g = d.grid;
  const bool new_grid = !data_ || g.nx != grid_nx_ || g.ny != grid_ny_ || g.origin_x_m != grid_x0_ ||
                        g.origin_y_m != grid_y0_ || g.cell_size_m != grid_dx_ ||
                        d.elevation_m != data_->elevation_m || d.land_cover != data_->land_cover;
  if (new_grid) {
    background_.upload(g.nx, g.ny, background_argb(d));
    if (g.nx != grid_nx_ || g.ny != grid_ny_ || g.origin_x_m != grid_x0_ || g.origin_y_m != grid_y0_) fitted_ = false;
    grid_nx_ = g.nx, grid_ny_ = g.ny, grid_x0_ = g.origin_x_m, grid_y0_ = g.origin_y_m, grid_dx_ = g.cell_size_m;
  }
  if (g.crs != crs_ || (!lonlat_ && !g.crs.empty())) {
    crs_ = g.crs;
    lonlat_.reset();
    if (!g.crs.empty()) {
      try {
        lonlat_ = std::make_unique<LonLatToGrid>(g.crs);
      } catch (const std::exception&) {
        lonlat_.reset();  // the tooltip shows projected metres only
      }
    }
  }
  if (p.layer != layer_ || p.scheme != scheme_) cells_.upload(g.nx, g.ny, cells_argb(p.layer->values, *p.scheme));
  data_ = p.data;
  layer_ = p.layer;
  scheme_ = p.scheme;
}

void MapView::set_hazard(std::shared_ptr<const HazardAreas> h) {
  if (h == hazard_) return;
  hazard_ = std::move(h);
  rank_labels_.clear();
  if (!hazard_ || !data_) return;
  // Each area's label at the mean of its cells' centres, or, where that falls
  // outside the area (a ring, a crescent), at its cell nearest to that mean.
  const ResultGrid& g = data_->grid;
  const std::vector<std::int32_t>& of = hazard_->cell_area;
  const std::size_t n = hazard_->areas.size();
  std::vector<double> sx(n, 0.0), sy(n, 0.0), best(n, -1.0);
  std::vector<std::size_t> count(n, 0);
  auto centre_x = [&](std::size_t c) { return g.origin_x_m + (double(c % g.nx) + 0.5) * g.cell_size_m; };
  auto centre_y = [&](std::size_t c) { return g.origin_y_m + (double(c / g.nx) + 0.5) * g.cell_size_m; };
  for (std::size_t c = 0; c < of.size(); ++c)
    if (of[c] >= 0) {
      const auto a = std::size_t(of[c]);
      sx[a] += centre_x(c), sy[a] += centre_y(c), ++count[a];
    }
  std::vector<RankLabel> labels(n);
  for (std::size_t a = 0; a < n; ++a) {
    const HazardArea& area = hazard_->areas[a];
    RankLabel& l = labels[a];
    l.rank = area.rank;
    if (!area.rings.empty() && !area.rings[0].empty()) {
      const HazardRing& outer = area.rings[0];
      l.x0_m = l.x1_m = outer[0][0], l.y0_m = l.y1_m = outer[0][1];
      for (const auto& p : outer) {
        l.x0_m = std::min(l.x0_m, p[0]), l.x1_m = std::max(l.x1_m, p[0]);
        l.y0_m = std::min(l.y0_m, p[1]), l.y1_m = std::max(l.y1_m, p[1]);
      }
      l.x_m = outer[0][0], l.y_m = outer[0][1];
    }
    if (count[a]) l.x_m = sx[a] / double(count[a]), l.y_m = sy[a] / double(count[a]);
  }
  auto cell_at = [&](double x, double y) -> std::int64_t {
    const double fx = (x - g.origin_x_m) / g.cell_size_m, fy = (y - g.origin_y_m) / g.cell_size_m;
    if (fx < 0 || fy < 0 || fx >= g.nx || fy >= g.ny) return -1;
    return std::int64_t(std::uint32_t(fy)) * g.nx + std::uint32_t(fx);
  };
  std::vector<char> moved(n, 0);
  for (std::size_t a = 0; a < n; ++a) {
    const std::int64_t c = cell_at(labels[a].x_m, labels[a].y_m);
    moved[a] = count[a] && (c < 0 || of[std::size_t(c)] != std::int32_t(a));
  }
  std::vector<double> want_x(n), want_y(n);
  for (std::size_t a = 0; a < n; ++a) want_x[a] = labels[a].x_m, want_y[a] = labels[a].y_m;
  for (std::size_t c = 0; c < of.size(); ++c) {
    if (of[c] < 0 || !moved[std::size_t(of[c])]) continue;
    const auto a = std::size_t(of[c]);
    const double dx = centre_x(c) - want_x[a], dy = centre_y(c) - want_y[a], d2 = dx * dx + dy * dy;
    if (best[a] < 0 || d2 < best[a]) best[a] = d2, labels[a].x_m = centre_x(c), labels[a].y_m = centre_y(c);
  }
  std::sort(labels.begin(), labels.end(), [](const RankLabel& a, const RankLabel& b) { return a.rank < b.rank; });
  rank_labels_ = std::move(labels);
}

void MapView::draw(const ScreenRect& area, bool hover) {
  tooltip_lines_.clear();
  town_labels_.clear();
  evidence_marks_.clear();
  if (!data_ || area.w <= 1 || area.h <= 1) return;
  const ResultGrid& g = data_->grid;
  const double width_m = g.nx * g.cell_size_m, height_m = g.ny * g.cell_size_m;
  // A new area size (window, legend) fits the map again unless it was moved.
  if ((area.w != area_w_ || area.h != area_h_) && !moved_) fitted_ = false;
  area_w_ = area.w, area_h_ = area.h;
  if (!fitted_) {
    moved_ = false;
    scale_ = std::min(area.w / width_m, area.h / height_m) * 0.97;
    centre_x_ = g.origin_x_m + width_m / 2;
    centre_y_ = g.origin_y_m + height_m / 2;
    fitted_ = true;
  }
  const float cx = area.x + area.w / 2, cy = area.y + area.h / 2;
  auto sx = [&](double x_m) { return float(cx + (x_m - centre_x_) * scale_); };
  auto sy = [&](double y_m) { return float(cy - (y_m - centre_y_) * scale_); };
  auto mx = [&](float px) { return centre_x_ + (px - cx) / scale_; };
  auto my = [&](float py) { return centre_y_ - (py - cy) / scale_; };

  // Pan and zoom, unless ImGui's windows want the mouse.
  ImGuiIO& io = ImGui::GetIO();
  const ImVec2 mouse = io.MousePos;
  const bool in_area = mouse.x >= area.x && mouse.x < area.x + area.w && mouse.y >= area.y && mouse.y < area.y + area.h;
  if (!io.WantCaptureMouse) {
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
      centre_x_ -= io.MouseDelta.x / scale_;
      centre_y_ += io.MouseDelta.y / scale_;
      if (io.MouseDelta.x != 0.0f || io.MouseDelta.y != 0.0f) moved_ = true;
    }
    if (in_area && io.MouseWheel != 0.0f) {
      const double before_x = mx(mouse.x), before_y = my(mouse.y);
      const double min_scale = std::min(area.w / width_m, area.h / height_m) * 0.25;
      const double max_scale = 40.0 / g.cell_size_m;  // a cell at most 40 pixels wide
      scale_ = std::clamp(scale_ * std::pow(1.2, io.MouseWheel), min_scale, max_scale);
      centre_x_ += before_x - mx(mouse.x);  // the point under the mouse stays there
      centre_y_ += before_y - my(mouse.y);
      moved_ = true;
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) fitted_ = false;
  }

  ImDrawList* dl = ImGui::GetBackgroundDrawList();
  dl->PushClipRect(ImVec2(area.x, area.y), ImVec2(area.x + area.w, area.y + area.h), true);
  const ImVec2 top_left(sx(g.origin_x_m), sy(g.origin_y_m + height_m));
  const ImVec2 bottom_right(sx(g.origin_x_m + width_m), sy(g.origin_y_m));
  grid_px_ = {top_left.x, top_left.y, bottom_right.x - top_left.x, bottom_right.y - top_left.y};
  // Row 0 of the textures is the southern row: v runs from 1 at the top to 0.
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(background_.id())), top_left, bottom_right,
               ImVec2(0, 1), ImVec2(1, 0));
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(cells_.id())), top_left, bottom_right,
               ImVec2(0, 1), ImVec2(1, 0));

  // Context lines, styled as on the map pages; country borders only where the
  // pages draw them (land away from water: the polygons also trace coasts).
  const float px_per_pt = 1.4f;
  if (context_) {
    std::vector<ImVec2> run;
    for (const ContextLayer& l : context_->layers) {
      if (l.points) continue;
      const ContextLineStyle s = context_line_style(l.name);
      const ImU32 colour = im_colour(s.colour);
      const float width = std::max(1.0f, float(s.width) * px_per_pt);
      const bool masked = l.name == "border" && context_->border_mask.size() == g.cells();
      auto drawn = [&](const std::array<double, 2>& a, const std::array<double, 2>& b) {
        if (!masked) return true;
        const double x = (a[0] + b[0]) / 2 - g.origin_x_m, y = (a[1] + b[1]) / 2 - g.origin_y_m;
        const long ix = long(std::floor(x / g.cell_size_m)), iy = long(std::floor(y / g.cell_size_m));
        if (ix < 0 || iy < 0 || ix >= long(g.nx) || iy >= long(g.ny)) return false;
        return context_->border_mask[std::size_t(iy) * g.nx + std::size_t(ix)] == 255;
      };
      for (const ContextFeature& f : l.features)
        for (const auto& part : f.parts) {
          run.clear();
          for (std::size_t i = 0; i < part.size(); ++i) {
            if (i > 0 && !drawn(part[i - 1], part[i])) {
              if (run.size() > 1) dl->AddPolyline(run.data(), int(run.size()), colour, ImDrawFlags_None, width);
              run.clear();
            }
            run.emplace_back(sx(part[i][0]), sy(part[i][1]));
          }
          if (run.size() > 1) dl->AddPolyline(run.data(), int(run.size()), colour, ImDrawFlags_None, width);
        }
    }
  }

  // The hazard areas: every halo first, then every line (areas may touch), and
  // the ranks of the areas large enough on screen, before the town names.
  std::vector<Rect> placed;
  if (hazard_) {
    std::vector<ImVec2> ring;
    for (const bool halo : {true, false})
      for (const HazardArea& a : hazard_->areas)
        for (const HazardRing& r : a.rings) {
          ring.clear();
          for (std::size_t i = 0; i + 1 < r.size(); ++i) ring.emplace_back(sx(r[i][0]), sy(r[i][1]));  // closed: last = first
          if (ring.size() < 3) continue;
          dl->AddPolyline(ring.data(), int(ring.size()), halo ? kHazardHalo : kHazardLine, ImDrawFlags_Closed,
                          halo ? kHazardHaloWidth : kHazardLineWidth);
        }
    int labelled = 0;
    for (const RankLabel& l : rank_labels_) {
      if (labelled >= kRankLabels) break;
      if (std::max(l.x1_m - l.x0_m, l.y1_m - l.y0_m) * scale_ < kRankMinPixels) continue;
      const std::string text = std::to_string(l.rank);
      const ImVec2 size = ImGui::CalcTextSize(text.c_str());
      const ImVec2 p(sx(l.x_m), sy(l.y_m));
      const Rect box{p.x - size.x / 2 - 3, p.y - size.y / 2 - 1, p.x + size.x / 2 + 3, p.y + size.y / 2 + 1};
      if (box.x0 < area.x || box.x1 > area.x + area.w || box.y0 < area.y || box.y1 > area.y + area.h) continue;
      if (std::any_of(placed.begin(), placed.end(), [&](const Rect& r) { return r.overlaps(box); })) continue;
      dl->AddRectFilled(ImVec2(box.x0, box.y0), ImVec2(box.x1, box.y1), IM_COL32(255, 255, 255, 235), 3.0f);
      dl->AddRect(ImVec2(box.x0, box.y0), ImVec2(box.x1, box.y1), kHazardLine, 3.0f, 0, 1.5f);
      dl->AddText(ImVec2(p.x - size.x / 2, p.y - size.y / 2), kHazardLine, text.c_str());
      placed.push_back(box);
      ++labelled;
    }
  }

  // The evidence (map_draw.cpp's draw_evidence, in pixels): areas first, then points.
  if (evidence_) {
    const ImU32 searched = IM_COL32(0, 115, 51, 242), cancelled = IM_COL32(89, 89, 89, 230);
    const ImU32 find = IM_COL32(204, 0, 0, 255), strike = IM_COL32(0, 0, 0, 230);
    std::vector<ImVec2> ring;
    for (const EvidenceFeature& f : evidence_->features) {
      const bool area_kind = f.kind == EvidenceFeature::Kind::Searched || f.kind == EvidenceFeature::Kind::Cancelled;
      if (!area_kind) continue;
      for (const auto& r : f.rings) {
        ring.clear();
        for (const auto& v : r) ring.emplace_back(sx(v[0]), sy(v[1]));
        if (ring.size() < 2) continue;
        if (f.kind == EvidenceFeature::Kind::Searched) {
          dl->AddPolyline(ring.data(), int(ring.size()), searched, ImDrawFlags_Closed, 2.0f);
        } else {  // dashed: 6 pixels drawn, 4 not, along the ring
          const float on = 6.0f, period = 10.0f;
          float along = 0;
          for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const ImVec2 a = ring[i], b = ring[i + 1];
            const float len = std::hypot(b.x - a.x, b.y - a.y);
            for (float t = 0; t < len;) {
              const float phase = std::fmod(along + t, period);
              const float step = std::min(len - t, phase < on ? on - phase : period - phase);
              if (phase < on) {
                const ImVec2 p0(a.x + (b.x - a.x) * t / len, a.y + (b.y - a.y) * t / len);
                const ImVec2 p1(a.x + (b.x - a.x) * (t + step) / len, a.y + (b.y - a.y) * (t + step) / len);
                dl->AddLine(p0, p1, cancelled, 2.0f);
              }
              t += std::max(step, 1e-3f);
            }
            along += len;
          }
        }
        evidence_marks_.push_back({evidence_kind_name(f.kind), ring[0].x, ring[0].y});
      }
    }
    for (const EvidenceFeature& f : evidence_->features) {
      const ImVec2 p(sx(f.x_m), sy(f.y_m));
      if (f.kind == EvidenceFeature::Kind::Find) {  // a red cross
        const float d = 5.0f;
        dl->AddLine(ImVec2(p.x - d, p.y - d), ImVec2(p.x + d, p.y + d), find, 2.0f);
        dl->AddLine(ImVec2(p.x - d, p.y + d), ImVec2(p.x + d, p.y - d), find, 2.0f);
      } else if (f.kind == EvidenceFeature::Kind::Strike) {  // a located strike: a black triangle
        dl->AddTriangle(ImVec2(p.x, p.y - 7), ImVec2(p.x + 6, p.y + 4), ImVec2(p.x - 6, p.y + 4), strike, 2.0f);
      } else {
        continue;
      }
      evidence_marks_.push_back({evidence_kind_name(f.kind), p.x, p.y});
    }
  }

  // Strike sites (one realization's draw when they are redrawn in each).
  const ImU32 site_colour = IM_COL32(20, 20, 20, 200);
  for (std::size_t i = 0; i < data_->site_x_m.size() && i < data_->site_y_m.size(); ++i)
    dl->AddCircle(ImVec2(sx(data_->site_x_m[i]), sy(data_->site_y_m[i])), 2.5f, site_colour, 8, 1.0f);

  // Towns: a dot each; names, the most populous first, where they fit.
  if (context_) {
    std::vector<const ContextFeature*> towns;
    for (const ContextLayer& l : context_->layers)
      if (l.points)
        for (const ContextFeature& f : l.features)
          if (!f.parts.empty() && !f.parts[0].empty()) towns.push_back(&f);
    std::stable_sort(towns.begin(), towns.end(),
                     [](const ContextFeature* a, const ContextFeature* b) { return a->population > b->population; });
    // Dots and names inside the map frame (the grid drawn, within the area),
    // as the map pages place them: a name that would leave it is not drawn.
    const float fx0 = std::max(area.x, top_left.x), fy0 = std::max(area.y, top_left.y);
    const float fx1 = std::min(area.x + area.w, bottom_right.x), fy1 = std::min(area.y + area.h, bottom_right.y);
    int labelled = 0;
    for (const ContextFeature* t : towns) {
      const ImVec2 p(sx(t->parts[0][0][0]), sy(t->parts[0][0][1]));
      if (p.x < fx0 || p.x > fx1 || p.y < fy0 || p.y > fy1) continue;
      dl->AddCircleFilled(p, 2.5f, IM_COL32(255, 255, 255, 255));
      dl->AddCircleFilled(p, 1.8f, IM_COL32(25, 25, 25, 255));
      if (t->name.empty() || labelled >= 25) continue;
      const ImVec2 size = ImGui::CalcTextSize(t->name.c_str());
      const Rect box{p.x + 4, p.y - size.y / 2, p.x + 4 + size.x, p.y + size.y / 2};
      if (box.x0 - 1 < fx0 || box.x1 + 1 > fx1 || box.y0 - 1 < fy0 || box.y1 + 1 > fy1) continue;
      if (std::any_of(placed.begin(), placed.end(), [&](const Rect& r) { return r.overlaps(box); })) continue;
      for (int dx = -1; dx <= 1; ++dx)
        for (int dy = -1; dy <= 1; ++dy)
          if (dx || dy)
            dl->AddText(ImVec2(box.x0 + dx, box.y0 + dy), IM_COL32(255, 255, 255, 200), t->name.c_str());
      dl->AddText(ImVec2(box.x0, box.y0), IM_COL32(20, 20, 20, 255), t->name.c_str());
      town_labels_.push_back({t->name, box.x0, box.y0, box.x1, box.y1});
      placed.push_back(box);
      ++labelled;
    }
  }
  dl->AddRect(top_left, bottom_right, IM_COL32(25, 25, 25, 255), 0.0f, 0, 1.0f);
  dl->PopClipRect();

  // The cell under the mouse.
  if (hover && in_area && !io.WantCaptureMouse && !ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    const double x_m = mx(mouse.x), y_m = my(mouse.y);
    const double fx = (x_m - g.origin_x_m) / g.cell_size_m, fy = (y_m - g.origin_y_m) / g.cell_size_m;
    if (fx >= 0 && fy >= 0 && fx < g.nx && fy < g.ny) {
      const auto ix = std::uint32_t(fx), iy = std::uint32_t(fy);
      const float x0 = sx(g.origin_x_m + ix * g.cell_size_m), y0 = sy(g.origin_y_m + (iy + 1) * g.cell_size_m);
      const float side = float(g.cell_size_m * scale_);
      if (side >= 4) ImGui::GetForegroundDrawList()->AddRect(ImVec2(x0, y0), ImVec2(x0 + side, y0 + side), IM_COL32(255, 0, 0, 255));
      tooltip(ix, iy, x_m, y_m);
    }
  }
}

void MapView::tooltip(std::uint32_t ix, std::uint32_t iy, double x_m, double y_m) {
  const ResultData& d = *data_;
  const ResultGrid& g = d.grid;
  const std::size_t cell = std::size_t(iy) * g.nx + ix;
  ImGui::BeginTooltip();
  ImGui::Text("cell (%u, %u), %s m", ix, iy, format_number(g.cell_size_m).c_str());
  ImGui::Text("x %.0f m, y %.0f m%s%s", x_m, y_m, g.crs.empty() ? " (local metres)" : " in ", g.crs.c_str());
  if (lonlat_) {
    double lon = 0, lat = 0;
    try {
      lonlat_->to_lonlat(x_m, y_m, lon, lat);
      ImGui::Text("lon %.5f, lat %.5f (WGS84)", lon, lat);
    } catch (const std::exception&) {
    }
  }
  if (cell < d.elevation_m.size() && std::isfinite(d.elevation_m[cell]))
    ImGui::Text("elevation %.0f m", double(d.elevation_m[cell]));
  if (cell < d.land_cover.size()) {
    tooltip_lines_.push_back("land cover: " + land_cover_text(d.land_cover[cell]));
    ImGui::TextUnformatted(tooltip_lines_.back().c_str());
  }
  ImGui::Separator();
  const CellStatistics& s = d.stats;
  const double ha = g.cell_area_ha();
  if (cell < s.mean.size()) {
    ImGui::Text("over %u realizations%s:", d.realizations, difference_ ? " of B" : "");
    ImGui::Text("duds: mean %.3g (%.3g per ha)", double(s.mean[cell]), s.mean[cell] / ha);
    ImGui::Text("  90 %% interval %.0f - %.0f, median %.0f, sd %.3g", double(s.q05[cell]), double(s.q95[cell]),
                double(s.q50[cell]), double(s.sd[cell]));
    ImGui::Text("P(at least one dud) %.3f", double(s.p_any[cell]));
    ImGui::Text("impacts: mean %.3g (%.3g per ha)", double(s.impact_mean[cell]), s.impact_mean[cell] / ha);
  }
  if (layer_ && cell < layer_->values.size()) {
    ImGui::Separator();
    tooltip_lines_.push_back(value_phrase(*layer_, layer_->values[cell], difference_));
    ImGui::TextUnformatted(tooltip_lines_.back().c_str());
  }
  ImGui::EndTooltip();
}

int MapView::legend_columns(float width) { return std::clamp(int(width / 115.0f), 2, 6); }

float MapView::legend_height(float width) {
  const ImGuiStyle& st = ImGui::GetStyle();
  const int rows = (kLegendEntries + legend_columns(width) - 1) / legend_columns(width);
  // Title, the rows of classes, the note line; the window's padding.
  return 2 * st.WindowPadding.y + 2 * ImGui::GetTextLineHeightWithSpacing() +
         float(rows) * (ImGui::GetTextLineHeight() + 2 * st.CellPadding.y) + ImGui::GetTextLineHeight() + 2;
}

void MapView::draw_legend(const ScreenRect& area) {
  legend_labels_.clear();
  const float height = legend_height(area.w);
  // Across the bottom of the map area, opaque, outside the map itself: it
  // covers neither cells nor labels nor the map's frame; one size whatever it holds.
  ImGui::SetNextWindowPos(ImVec2(area.x, area.y + area.h - height), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(area.w, height), ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(1.0f);
  ImGui::Begin("Legend", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav |
                   ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollbar |
                   ImGuiWindowFlags_NoScrollWithMouse);
  if (!layer_ || !scheme_) {
    ImGui::TextDisabled("(no map yet)");
    ImGui::End();
    return;
  }
  const std::string title = (difference_ ? "B − A: " : "") + layer_->title + "  " + units_line(*layer_);
  fitted_text(title, ImGui::GetContentRegionAvail().x);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float h = ImGui::GetTextLineHeight();
  auto swatch_box = [&] {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(1.6f * h, h));
    ImGui::SameLine();
    return p;
  };
  auto swatch = [&](ImU32 colour, const std::string& label) {
    const ImVec2 p = swatch_box();
    dl->AddRectFilled(p, ImVec2(p.x + 1.6f * h, p.y + h), colour);
    dl->AddRect(p, ImVec2(p.x + 1.6f * h, p.y + h), IM_COL32(80, 80, 80, 255));
    fitted_text(label, ImGui::GetContentRegionAvail().x);
    legend_labels_.push_back(label);
  };
  // The classes in columns, lowest first, then water (unless a class is water:
  // the land-cover layer; nor under B - A, as on `remnant compare`'s page),
  // then the hazard outline.
  const ClassScheme& scheme = *scheme_;
  if (!scheme.empty_note.empty()) {
    ImGui::TextDisabled("%s", scheme.empty_note.c_str());
    legend_labels_.push_back(scheme.empty_note);
  } else if (ImGui::BeginTable("legend", legend_columns(area.w), ImGuiTableFlags_SizingStretchSame)) {
    for (const auto& c : scheme.classes) {
      ImGui::TableNextColumn();
      swatch(im_colour(c.transparent ? kFlatGroundColour : c.colour), c.label);
    }
    if (has_water(*data_) && layer_->kind != LayerKind::Categorical && !difference_) {
      ImGui::TableNextColumn();
      swatch(im_colour(kWaterColour), "water");
    }
    if (hazard_ && !difference_) {
      ImGui::TableNextColumn();
      const ImVec2 p = swatch_box();
      dl->AddRect(ImVec2(p.x + 1, p.y + 1), ImVec2(p.x + 1.6f * h - 1, p.y + h - 1), kHazardHalo, 0.0f, 0, kHazardHaloWidth - 2);
      dl->AddRect(ImVec2(p.x + 2, p.y + 2), ImVec2(p.x + 1.6f * h - 2, p.y + h - 2), kHazardLine, 0.0f, 0, kHazardLineWidth);
      fitted_text("hazard area, rank", ImGui::GetContentRegionAvail().x);
      legend_labels_.push_back("hazard area, rank");
    }
    ImGui::EndTable();
  }
  // The scale's origin, and how to move the map, on the last line.
  ImGui::SetCursorPosY(height - ImGui::GetStyle().WindowPadding.y - ImGui::GetTextLineHeight());
  std::string note = scale_note_;
  if (!scheme.note.empty()) note += (note.empty() ? "" : ". ") + scheme.note;
  note += (note.empty() ? "" : "  ·  ") + std::string("drag: pan, wheel: zoom, double-click: fit");
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  fitted_text(note, ImGui::GetContentRegionAvail().x);
  ImGui::PopStyleColor();
  ImGui::End();
}

void fitted_text(const std::string& text, float width) {
  const float full = ImGui::CalcTextSize(text.c_str()).x;
  if (full <= width || width <= 0) {
    ImGui::TextUnformatted(text.c_str());
    return;
  }
  // The longest prefix (whole UTF-8 characters) that fits with the ellipsis.
  const char* ellipsis = "…";
  const float room = width - ImGui::CalcTextSize(ellipsis).x;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t next = i + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    if (ImGui::CalcTextSize(text.c_str(), text.c_str() + next).x > room) break;
    n = i = next;
  }
  const std::string shown = text.substr(0, n) + ellipsis;
  ImGui::TextUnformatted(shown.c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

}  // namespace remnant::viewer
