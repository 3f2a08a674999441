// Lines of text through Pango (PangoLayout on the page's Cairo context):
// shaping by HarfBuzz, the bidirectional algorithm, font fallback through
// fontconfig.
#include "host/maps/map_text.h"

#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>

namespace remnant::map_detail {

namespace {

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
using Layout = std::unique_ptr<PangoLayout, LayoutDeleter>;

// A one-line layout of s. Malformed UTF-8 (a user's --title) is laid out with
// U+FFFD for the bad bytes, without Pango's warning on stderr.
Layout layout_of(PangoContext* context, const std::string& s, const Font& f) {
  Layout layout(pango_layout_new(context));
  PangoFontDescription* d = pango_font_description_new();
  pango_font_description_set_family_static(d, "DejaVu Sans");
  pango_font_description_set_weight(d, f.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style(d, f.italic ? PANGO_STYLE_OBLIQUE : PANGO_STYLE_NORMAL);
  // Absolute: in Cairo user units (points), as cairo_set_font_size was.
  pango_font_description_set_absolute_size(d, f.size * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), d);
  pango_font_description_free(d);

  pango_layout_set_auto_dir(layout.get(), TRUE);                // direction from the first strong character
  pango_layout_set_single_paragraph_mode(layout.get(), TRUE);  // one line, whatever it holds
  if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) {
    pango_layout_set_text(layout.get(), s.data(), static_cast<int>(s.size()));
  } else {
    gchar* valid = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
    pango_layout_set_text(layout.get(), valid, -1);
    g_free(valid);
  }
  return layout;
}

PangoRectangle logical_extents(PangoLayout* l) {
  PangoRectangle logical;
  pango_layout_get_extents(l, nullptr, &logical);
  return logical;
}

double points(int pango_units) { return static_cast<double>(pango_units) / PANGO_SCALE; }

}  // namespace

// A context of the thread's Cairo font map that is never updated from a Cairo
// context: its transformation stays the identity, so glyph positions are
// computed in user space (points) and Cairo scales them when drawing.
struct TextSetter::Context {
  PangoContext* pango;
  Context() : pango(pango_font_map_create_context(pango_cairo_font_map_get_default())) {
    // Unhinted metrics, unrounded glyph positions: widths scale linearly.
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pango, options);
    cairo_font_options_destroy(options);
    pango_context_set_round_glyph_positions(pango, FALSE);
  }
  ~Context() { g_object_unref(pango); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
};

TextSetter::TextSetter(cairo_t* cr) : cr_(cr), context_(std::make_unique<Context>()) {}
TextSetter::~TextSetter() = default;

double TextSetter::width(const std::string& s, const Font& f) const {
  if (s.empty()) return 0;
  return points(logical_extents(layout_of(context_->pango, s, f).get()).width);
}

void TextSetter::draw(double x, double y, const std::string& s, const Font& f, double halo_width) const {
  if (s.empty()) return;
  const Layout layout = layout_of(context_->pango, s, f);
  // The layout's top-left corner, from the left end of the baseline.
  const double left = x - points(logical_extents(layout.get()).x);
  const double top = y - points(pango_layout_get_baseline(layout.get()));
  cairo_save(cr_);
  cairo_new_path(cr_);
  if (halo_width > 0) {
    cairo_save(cr_);
    cairo_move_to(cr_, left, top);
    pango_cairo_layout_path(cr_, layout.get());
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_set_line_width(cr_, halo_width);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr_);
    cairo_restore(cr_);
  }
  cairo_move_to(cr_, left, top);
  pango_cairo_show_layout(cr_, layout.get());
  cairo_new_path(cr_);
  cairo_restore(cr_);
}

TextShape TextSetter::shape(const std::string& s, const Font& f) const {
  const Layout layout = layout_of(context_->pango, s, f);
  PangoLayout* l = layout.get();
  TextShape out;
  const PangoRectangle logical = logical_extents(l);
  out.width = points(logical.width);
  out.characters = pango_layout_get_character_count(l);
  out.unknown_glyphs = pango_layout_get_unknown_glyphs_count(l);
  const PangoLayoutLine* line = pango_layout_get_line_readonly(l, 0);
  out.right_to_left = line && line->resolved_dir == PANGO_DIRECTION_RTL;
  for (const GSList* r = line ? line->runs : nullptr; r; r = r->next)
    out.glyphs += static_cast<const PangoGlyphItem*>(r->data)->glyphs->num_glyphs;
  const char* text = pango_layout_get_text(l);
  for (const char* p = text; *p; p = g_utf8_next_char(p)) {
    PangoRectangle pos;
    pango_layout_index_to_pos(l, static_cast<int>(p - text), &pos);
    out.char_left.push_back(points(std::min(pos.x, pos.x + pos.width) - logical.x));
  }
  return out;
}

}  // namespace remnant::map_detail
