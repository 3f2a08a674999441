// Text on the maps' pages, laid out by Pango through Cairo: every string a
// page draws or measures passes through here, so that Arabic and other
// right-to-left or complex scripts are shaped (joined letters, marks, the
// words of a right-to-left paragraph from right to left) and a character
// DejaVu Sans lacks comes from another installed font. Internal to the maps
// library (host/maps/); Pango's types stay in map_text.cpp.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>
#include <vector>

namespace remnant::map_detail {

struct Font {
  double size = 8;  // points (Cairo user units)
  bool bold = false;
  bool italic = false;
};

// What Pango made of one line of text (tests and diagnostics).
struct TextShape {
  double width = 0;                // advance width, points
  int characters = 0;              // code points
  int glyphs = 0;                  // after shaping (ligatures and joins can merge characters)
  int unknown_glyphs = 0;          // characters no installed font has (drawn as boxes)
  bool right_to_left = false;      // the paragraph's direction, found from its first strong character
  std::vector<double> char_left;   // per character in logical order: the left edge of its box, points
};

// Lays out single lines of text in DejaVu Sans (bold, oblique) at a size in
// points, and draws them on a Cairo context. Lines are laid out in user space
// whatever the context's transformation, with unhinted metrics and unrounded
// glyph positions, so a line measures the same on image, SVG and PDF surfaces
// at any scale and a page is laid out alike for all three. The direction of
// each line comes from its first strong character.
class TextSetter {
 public:
  explicit TextSetter(cairo_t* cr);
  ~TextSetter();
  TextSetter(const TextSetter&) = delete;
  TextSetter& operator=(const TextSetter&) = delete;

  // The advance width of s, points.
  double width(const std::string& s, const Font& f) const;
  // Draws s in the current source with the left end of its baseline at (x, y).
  // halo_width > 0: first a white outline of that width under the glyphs.
  // The glyphs are drawn as glyphs (text in a PDF), not as paths.
  void draw(double x, double y, const std::string& s, const Font& f, double halo_width = 0) const;
  TextShape shape(const std::string& s, const Font& f) const;

 private:
  struct Context;  // Pango's (map_text.cpp)
  cairo_t* cr_;
  std::unique_ptr<Context> context_;
};

}  // namespace remnant::map_detail
