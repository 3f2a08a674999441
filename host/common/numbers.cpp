#include "host/common/numbers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace remnant {

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string format_number(double v, int decimals) {
  if (!std::isfinite(v)) return "–";
  std::string s = fmt::format("{:.{}f}", std::fabs(v), std::max(0, decimals));
  const std::size_t dot = std::min(s.find('.'), s.size());
  for (long i = static_cast<long>(dot) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  const bool negative = v < 0 && s.find_first_not_of("0.,") != std::string::npos;
  return negative ? "−" + s : s;
}

std::string format_3sig(double v) {
  if (!std::isfinite(v) || v == 0) return format_number(v, 0);
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  const double unit = std::pow(10.0, magnitude - 2);
  const double r = std::round(v / unit) * unit;
  return format_number(r, std::max(0, 2 - magnitude));
}

std::string format_figure(double v) {
  std::string s = format_3sig(v);
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace remnant
