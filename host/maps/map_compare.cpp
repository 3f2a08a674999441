// The comparison sheet: two results on one grid, side by side on one colour
// scale, their difference on a diverging scale, and the headline totals.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "host/maps/map.h"
#include "host/evidence/hazard_areas.h"
#include "host/maps/map_internal.h"
#include "host/evidence/report.h"
#include "host/common/errors.h"

namespace remnant {

using namespace map_detail;

std::vector<ComparisonRow> comparison_rows(const ResultData& a, const ResultData& b) {
  const Headline ha = headline(a);
  const Headline hb = headline(b);
  // Areas to three significant figures of the larger mean, at least one
  // decimal (332.9 km², 0.172 km²): a fixed single decimal showed 0.17 km² as
  // 0.2 with the interval [0.1 – 0.2].
  auto decimals = [](double area) {
    return area > 0 ? std::clamp(2 - static_cast<int>(std::floor(std::log10(area))), 1, 6) : 1;
  };
  const int area_decimals = decimals(std::max(ha.contaminated_area_km2.mean, hb.contaminated_area_km2.mean));
  std::vector<ComparisonRow> rows = {{"Unexploded submunitions on land", 0, ha.total_duds, hb.total_duds}};
  if (ha.hazard.recorded() && hb.hazard.recorded()) {
    const std::string within = ha.hazard.fade_out_m == hb.hazard.fade_out_m
                                   ? fmt::format("within {:g} m of a dud", ha.hazard.fade_out_m)
                                   : fmt::format("within {:g} m / {:g} m of a dud", ha.hazard.fade_out_m,
                                                 hb.hazard.fade_out_m);
    rows.push_back({"Hazard area (" + within + "), km²",
                    decimals(std::max(ha.hazard_area_km2.mean, hb.hazard_area_km2.mean)), ha.hazard_area_km2,
                    hb.hazard_area_km2});
  }
  const std::vector<ComparisonRow> rest = {
      {"Area of cells with a dud, km²", area_decimals, ha.contaminated_area_km2, hb.contaminated_area_km2},
      {"Submunitions landed in water (exploded or not)", 0, ha.in_water, hb.in_water},
      {"Submunitions landed outside the grid", 0, ha.outside_grid, hb.outside_grid},
  };
  rows.insert(rows.end(), rest.begin(), rest.end());
  // The hazard areas `remnant hazard` writes (its default threshold), drawn
  // from each result's mean map: one figure per result, no interval.
  const HazardThreshold t;
  const auto areas_km2 = [&](const ResultData& d) {
    Summary s;
    s.mean = 0.0;
    for (const HazardArea& x : find_hazard_areas(d, t).areas) s.mean += x.area_m2 * 1e-6;
    s.q05 = s.q95 = std::numeric_limits<double>::quiet_NaN();
    return s;
  };
  const Summary sa = areas_km2(a), sb = areas_km2(b);
  rows.push_back({"Hazard areas for a GIS (remnant hazard), km²",
                  decimals(std::max(sa.mean, sb.mean)), sa, sb});
  for (ComparisonRow& r : rows)
    r.ratio = r.a.mean != 0 ? r.b.mean / r.a.mean : std::numeric_limits<double>::quiet_NaN();
  return rows;
}

namespace {

std::string grid_text(const ResultGrid& g) {
  return fmt::format("{} x {} cells of {:g} m, lower-left corner ({:g}, {:g}), {}", g.nx, g.ny, g.cell_size_m,
                     g.origin_x_m, g.origin_y_m, g.crs.empty() ? "no CRS" : g.crs);
}

std::string who(const ResultData& d, const std::string& file) {
  return file.empty() ? fmt::format("\"{}\"", d.scenario_name) : fmt::format("{} (\"{}\")", file, d.scenario_name);
}

void require_same_grid(const ResultData& a, const ResultData& b, const MapOptions& o) {
  const ResultGrid &ga = a.grid, &gb = b.grid;
  auto same = [](double x, double y) { return std::fabs(x - y) <= 1e-6 * std::max(1.0, std::fabs(x)); };
  if (ga.nx == gb.nx && ga.ny == gb.ny && same(ga.cell_size_m, gb.cell_size_m) && same(ga.origin_x_m, gb.origin_x_m) &&
      same(ga.origin_y_m, gb.origin_y_m) && ga.crs == gb.crs)
    return;
  throw InputError(fmt::format("cannot compare {} and {}: their grids differ (A: {}; B: {})", who(a, o.file_a),
                               who(b, o.file_b), grid_text(ga), grid_text(gb)));
}

// What a map caption says of one run: its file or scenario, and what sets it apart.
using Lines = std::vector<std::pair<std::string, Font>>;

const Font kCaptionHead{8, true, false}, kCaptionBody{7, false, false};

Lines caption(Canvas& c, const std::string& head, const std::string& body, double width) {
  Lines lines;
  for (const std::string& l : c.wrap(head, kCaptionHead, width)) lines.emplace_back(l, kCaptionHead);
  for (const std::string& l : c.wrap(body, kCaptionBody, width)) lines.emplace_back(l, kCaptionBody);
  return lines;
}

Lines run_caption(Canvas& c, const std::string& letter, const ResultData& d, const std::string& file, double width) {
  std::string head = letter + ": " + d.scenario_name;
  if (!file.empty()) head += " (" + std::filesystem::path(file).filename().string() + ")";
  return caption(c, head, variant_line(d), width);
}

struct Table {
  std::vector<std::array<std::string, 4>> rows;  // quantity, A, B, B/A
  std::vector<std::array<std::string, 4>> second;  // the intervals under the means
  double col[4] = {0, 0, 0, 0};                    // column x offsets
  double height = 0;
};

constexpr double kTableLine = 8.5, kTableRow = 2 * kTableLine + 4;

Table make_table(const std::vector<ComparisonRow>& rows, double width) {
  Table t;
  t.rows.push_back({"Per realization, mean [90 % interval]", "A", "B", "B / A"});
  t.second.push_back({"", "", "", ""});
  for (const ComparisonRow& r : rows) {
    auto interval = [&](const Summary& s) -> std::string {
      if (std::isnan(s.q05)) return "(90 % of the expected items)";
      return "[" + format_number(s.q05, r.decimals) + " – " + format_number(s.q95, r.decimals) + "]";
    };
    t.rows.push_back({r.quantity, format_number(r.a.mean, r.decimals), format_number(r.b.mean, r.decimals),
                      std::isfinite(r.ratio) ? fmt::format("{:.2f}", r.ratio) : "–"});
    t.second.push_back({"", interval(r.a), interval(r.b), ""});
  }
  const double num = std::min(95.0, (width - 30) * 0.3);
  t.col[0] = 0, t.col[3] = width - 30, t.col[2] = t.col[3] - 8 - num, t.col[1] = t.col[2] - 6 - num;
  t.height = t.rows.size() * kTableRow + 4;
  return t;
}

void draw_table(Canvas& c, const Table& t, double x, double y, double width) {
  const Font head{7, true, false}, body{7, false, false}, sub{6.3, false, false};
  cairo_t* cr = c.cr();
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const double base = y + i * kTableRow + kTableLine;
    const Font& f = i == 0 ? head : body;
    c.text(x + t.col[0], base, t.rows[i][0], f, Align::Left, Rgb{0.1, 0.1, 0.1});
    const double right1 = x + t.col[2] - 6, right2 = x + t.col[3] - 8;
    c.text(right1, base, t.rows[i][1], f, Align::Right, Rgb{0.1, 0.1, 0.1});
    c.text(right2, base, t.rows[i][2], f, Align::Right, Rgb{0.1, 0.1, 0.1});
    c.text(x + width, base, t.rows[i][3], f, Align::Right, Rgb{0.1, 0.1, 0.1});
    c.text(right1, base + kTableLine, t.second[i][1], sub, Align::Right, Rgb{0.3, 0.3, 0.3});
    c.text(right2, base + kTableLine, t.second[i][2], sub, Align::Right, Rgb{0.3, 0.3, 0.3});
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, i == 0 ? 0.6 : 0.3);
    cairo_move_to(cr, x, base + kTableLine + 3.5);
    cairo_line_to(cr, x + width, base + kTableLine + 3.5);
    cairo_stroke(cr);
    cairo_restore(cr);
  }
}

}  // namespace

void render_comparison(const ResultData& a, const ResultData& b, const MapOptions& o, const std::string& path) {
  check_page_format(path, o.dpi);
  require_same_grid(a, b, o);
  if (a.grid.nx == 0 || a.grid.ny == 0 || !(a.grid.cell_size_m > 0))
    throw InputError(fmt::format("cannot compare {} and {}: the results hold no grid", who(a, o.file_a), who(b, o.file_b)));
  const DisplayLayer la = display_layer(a, o.layer), lb = display_layer(b, o.layer);
  if (la.kind != LayerKind::Density && la.kind != LayerKind::Probability)
    throw InputError(fmt::format("--layer {}: a comparison maps a result layer (a density or a probability), not an "
                                 "input such as elevation or land cover",
                                 o.layer));
  std::vector<float> both = la.values;
  both.insert(both.end(), lb.values.begin(), lb.values.end());
  const ClassScheme shared = layer_classes(a, la, both);
  std::vector<float> diff(la.values.size(), std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < diff.size() && i < lb.values.size(); ++i) diff[i] = lb.values[i] - la.values[i];
  const ClassScheme dscheme = difference_classes(diff);
  const std::vector<ComparisonRow> rows = comparison_rows(a, b);
  const MapContext ctx = load_map_context(a, o.datasets_dir);
  const PageSize page = paper_size(o.paper);
  const double W = page.w, H = page.h, inner = W - 2 * kMargin;

  MeasuringCanvas mc;
  Canvas& m = mc.canvas();
  const std::string title = !o.title.empty()                      ? o.title
                            : a.scenario_name == b.scenario_name ? a.scenario_name
                                                                 : a.scenario_name + " vs " + b.scenario_name;
  const std::string subtitle =
      !o.subtitle.empty() ? o.subtitle
                          : fmt::format("{} per hectare, A against B on one colour scale, and B − A. A: {}. B: {}.",
                                        la.title, variant_line(a), variant_line(b));
  const TitleBlock tb = layout_title(m, title, subtitle, inner);

  const Font small{6.5, false, false}, bold{7.2, true, false};
  std::string sources = sources_line(a);
  if (sources_line(b) != sources) sources = "A: " + sources + " B: " + sources_line(b);
  const WrappedText footer = wrap_paragraphs(
      m,
      {{"A: " + uncertainty_sentence(a, o.layer), bold},
       {"B: " + uncertainty_sentence(b, o.layer), bold},
       {"A: " + provenance_line(a), small},
       {"B: " + provenance_line(b), small},
       {sources, small},
       {"Both maps share one colour scale (class breaks from both runs). B − A subtracts A's map from B's cell by "
        "cell; with few realizations part of any difference is Monte Carlo noise. " +
            map_notes(a, ctx),
        small}},
      inner);
  const double lowest_footer = H - kMargin - footer.height;

  // The block under the maps: shared legend, difference legend, north arrow
  // and scale bar, and the table beside them (or under them on a narrow page).
  const double legend_w = 150, gap = 12, arrow_w = 80;
  const bool table_beside = inner - 2 * (legend_w + gap) - arrow_w >= 330;
  const double table_x = table_beside ? kMargin + 2 * (legend_w + gap) : kMargin;
  const double table_w = table_beside ? W - kMargin - table_x - arrow_w : inner;
  const double arrow_x = table_beside ? W - kMargin - arrow_w + 10 : kMargin + 2 * (legend_w + gap);
  std::vector<LegendItem> li = scheme_legend(la.title, units_line(la), shared, has_water(a));
  std::vector<LegendItem> ld = scheme_legend("B − A", "difference, " + units_line(la), dscheme, false);
  const Table table = make_table(rows, table_w);
  // Legends measured at a provisional top to know the block's height.
  const double legends_h = std::max({layout_legend(m, li, 0, 0, legend_w, true).height,
                                     layout_legend(m, ld, 0, 0, legend_w, true).height, 70.0});
  const double block_h = table_beside ? std::max(legends_h, table.height + 12) : legends_h + 8 + table.height;

  // Three maps across the page.
  const double map_gap = 16, label_w = 34;
  const double map_w = (inner - label_w - 2 * map_gap) / 3;
  const Lines cap[3] = {run_caption(m, "A", a, o.file_a, map_w), run_caption(m, "B", b, o.file_b, map_w),
                        caption(m, "B − A", "red: B holds more than A; blue: less", map_w)};
  std::size_t cap_lines = std::max({cap[0].size(), cap[1].size(), cap[2].size()});
  const double maps_top = tb.bottom + cap_lines * 9.5 + 2;
  const double maps_bottom = lowest_footer - 10 - block_h - 16;
  MapRect frames[3];
  for (int i = 0; i < 3; ++i)
    frames[i] = fit_frame(a.grid, {kMargin + label_w + i * (map_w + map_gap), maps_top, map_w,
                                   std::max(10.0, maps_bottom - maps_top)});
  const double block_top = frames[0].y + frames[0].h + 18;
  const double footer_top = std::min(lowest_footer, block_top + block_h + 10);

  const LegendBlock legend_a = layout_legend(m, li, kMargin, block_top, legend_w, true);
  const LegendBlock legend_d = layout_legend(m, ld, kMargin + legend_w + gap, block_top, legend_w, true);
  const ScaleBar bar = scale_bar_for(a.grid, frames[0].w, 0.3, 70);
  const MapRect arrow{arrow_x, block_top, 14, 30};
  const MapRect bar_box{arrow_x - 4, block_top + 44, bar.width_pt, 4};
  const double table_y = table_beside ? block_top - 2 : block_top + legends_h + 8;

  const std::string subject = fmt::format("{} A: {} B: {}", subtitle, uncertainty_sentence(a, o.layer),
                                          uncertainty_sentence(b, o.layer));
  write_page(path, page, o.dpi, PageInfo{title, subject, software_line(a), std::max(a.creation_time_utc, b.creation_time_utc)}, [&](Canvas& c) {
    draw_title(c, tb);
    for (int i = 0; i < 3; ++i) {
      double y = tb.bottom;
      for (const auto& [line, font] : cap[i]) {
        y += 9.5;
        c.text(frames[i].x, y, line, font, Align::Left, Rgb{0.1, 0.1, 0.1});
      }
      const ResultData& d = i == 1 ? b : a;
      const FrameMap f{&a.grid, frames[i]};
      draw_background(c, d, frames[i]);
      draw_cells(c, a.grid, i == 0 ? la.values : i == 1 ? lb.values : diff, i == 2 ? dscheme : shared, frames[i]);
      draw_graticule(c, a.grid, frames[i], i == 0, true, map_gap / 2 - 1);
      draw_context_lines(c, ctx, f);
      if (i < 2) draw_sites(c, d, frames[i], 0.6, site_markers(d, o.sites));
      if (i < 2) draw_evidence(c, d, frames[i]);
      draw_place_names(c, ctx, f, 5);
      draw_frame_border(c, frames[i]);
    }
    draw_legend(c, legend_a);
    draw_legend(c, legend_d);
    draw_table(c, table, table_x, table_y, table_w);
    draw_north_arrow(c, arrow);
    c.text(arrow.x + arrow.w + 5, arrow.y + 20, "grid north", Font{6.5, false, true}, Align::Left,
           Rgb{0.25, 0.25, 0.25});
    draw_scale_bar(c, bar_box, bar);
    draw_wrapped(c, footer, kMargin, footer_top);
  });
}

}  // namespace remnant
