// Numbers as people read them in text, maps and reports: thousands
// separators, sensible rounding, never e-notation.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace remnant {

// v rounded to `decimals` with thousands separators: 1234567 -> "1,234,567";
// a minus sign (U+2212) for negatives; "–" for a value that is not finite.
std::string format_number(double v, int decimals = 0);
// v to three significant figures, thousands separated: 554640 -> "555,000",
// 0.18109 -> "0.181".
std::string format_3sig(double v);
// format_3sig without trailing zeros after the point: 9 -> "9" (not "9.00"),
// 0.1801 -> "0.18", 2.5 -> "2.5": the figures of the text summaries.
std::string format_figure(double v);

// A finite number written as the whole of text (strtod's syntax), or nothing.
std::optional<double> parse_number(const std::string& text);

// Below this many realizations a 90 % interval is too rough to quote without
// saying so (the text summaries and the map's footer warn).
constexpr std::size_t kFewRealizations = 20;

}  // namespace remnant
