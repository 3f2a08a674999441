#include "host/inputs/points.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

#include "host/common/errors.h"

namespace remnant {
namespace {

// Lines of a plain or gzip file. zlib's gzread looks at the first bytes: the
// gzip magic (1f 8b) means decompress, anything else is passed through as is
// ("transparent" mode), so one reader serves both and the file name plays no
// part. Reads 256 KiB chunks and cuts lines itself, which is several times
// faster than gzgets and has no line-length limit.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw InputError(fmt::format("{}: no such file; expected a CSV file (plain or .gz) of points", path));
    if (std::filesystem::is_directory(path, ec))
      throw InputError(fmt::format("{}: is a directory; expected a CSV file (plain or .gz) of points", path));
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) throw InputError(fmt::format("{}: cannot open (unreadable)", path));
    gzbuffer(file_, 1 << 18);
  }
  ~LineReader() { gzclose(file_); }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its "\n" or "\r\n", valid until the next call;
  // nullopt at the end of the file.
  std::optional<std::string_view> next() {
    for (;;) {
      const std::size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos || (at_end_ && pos_ < buf_.size())) {
        const std::size_t end = nl != std::string::npos ? nl : buf_.size();
        std::string_view line(buf_.data() + pos_, end - pos_);
        pos_ = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return line;
      }
      if (at_end_) return std::nullopt;
      buf_.erase(0, pos_);  // keep the partial line, refill behind it
      pos_ = 0;
      const std::size_t kept = buf_.size();
      buf_.resize(kept + kChunk);
      const int n = gzread(file_, buf_.data() + kept, kChunk);
      int err = Z_OK;
      const char* msg = gzerror(file_, &err);
      if (n < 0 || (err != Z_OK && err != Z_STREAM_END))  // corrupt or truncated gzip data, read error
        throw InputError(fmt::format("{}: cannot read ({}); expected a plain or gzip-compressed CSV file", path_,
                                     err == Z_ERRNO ? std::strerror(errno) : msg));
      buf_.resize(kept + static_cast<std::size_t>(n));
      at_end_ = n == 0;
    }
  }

 private:
  static constexpr unsigned kChunk = 1u << 18;
  std::string path_;
  gzFile file_ = nullptr;
  std::string buf_;
  std::size_t pos_ = 0;
  bool at_end_ = false;
};

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits a line into fields, trimmed of spaces and tabs. A quoted field's view
// is what lies between its quotes ("" left as is: only names and numbers are
// read, and neither contains quotes). False on broken quoting.
bool split(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i < line.size() && line[i] == '"') {
      const std::size_t start = ++i;
      for (;; ++i) {
        if (i >= line.size()) return false;  // no closing quote
        if (line[i] != '"') continue;
        if (i + 1 < line.size() && line[i + 1] == '"')
          ++i;  // "" inside quotes
        else
          break;
      }
      fields.push_back(line.substr(start, i - start));
      for (++i; i < line.size() && blank(line[i]);) ++i;
      if (i < line.size() && line[i] != ',') return false;  // text after the closing quote
    } else {
      const std::size_t end = std::min(line.find(',', i), line.size());
      fields.push_back(trim(line.substr(i, end - i)));
      i = end;
    }
    if (i >= line.size()) return true;
    ++i;  // past the comma
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::vector<WeightedPoint> read_points_csv(const std::string& path) {
  LineReader in(path);
  std::vector<std::string_view> fields;

  // Header.
  std::optional<std::string_view> header = in.next();
  if (header && header->substr(0, 3) == "\xEF\xBB\xBF") header->remove_prefix(3);  // UTF-8 BOM (Excel)
  if (!header || trim(*header).empty())
    throw InputError(fmt::format("{}:1: no header; expected a first line naming the columns lon and lat", path));
  if (!split(*header, fields))
    throw InputError(fmt::format("{}:1: header: unbalanced quotes; expected column names separated by commas", path));
  const std::size_t columns = fields.size();
  std::string found;  // "lon, lat, year" for messages
  int lon_col = -1, lat_col = -1, weight_col = -1;
  for (std::size_t c = 0; c < columns; ++c) {
    const std::string name = lower(fields[c]);
    found += (c ? ", " : "") + name;
    int* slot = name == "lon" ? &lon_col : name == "lat" ? &lat_col : name == "weight" ? &weight_col : nullptr;
    if (!slot) continue;
    if (*slot >= 0)
      throw InputError(fmt::format("{}:1: header: column {} appears twice; expected it once", path, name));
    *slot = static_cast<int>(c);
  }
  if (lon_col < 0 || lat_col < 0)
    throw InputError(
        fmt::format("{}:1: header: no column {}; expected columns lon and lat (any order, optionally "
                    "weight), found: {}",
                    path, lon_col < 0 ? "lon" : "lat", found));

  // Rows.
  std::vector<WeightedPoint> points;
  std::size_t line_no = 1, first_blank = 0;
  const auto number = [&](int col, const char* name) {
    const std::string_view f = fields[static_cast<std::size_t>(col)];
    double v = 0.0;
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (f.empty() || ec != std::errc() || end != f.data() + f.size())
      throw InputError(fmt::format("{}:{}: column {}: expected a number, got \"{}\"", path, line_no, name, f));
    return v;
  };
  while (const std::optional<std::string_view> line = in.next()) {
    ++line_no;
    if (trim(*line).empty()) {
      if (!first_blank) first_blank = line_no;
      continue;
    }
    if (first_blank)
      throw InputError(
          fmt::format("{}:{}: blank line followed by more rows (line {}); expected blank lines only at "
                      "the end",
                      path, first_blank, line_no));
    if (!split(*line, fields))
      throw InputError(fmt::format("{}:{}: unbalanced quotes; expected fields separated by commas", path, line_no));
    if (fields.size() != columns)
      throw InputError(fmt::format("{}:{}: {} columns; expected {} as in the header ({})", path, line_no, fields.size(),
                                   columns, found));
    WeightedPoint p;
    p.lon = number(lon_col, "lon");
    p.lat = number(lat_col, "lat");
    if (!(p.lon >= -180.0 && p.lon <= 180.0))  // NaN fails too
      throw InputError(
          fmt::format("{}:{}: column lon: expected a longitude in [-180, 180], got {}", path, line_no, p.lon));
    if (!(p.lat >= -90.0 && p.lat <= 90.0))
      throw InputError(
          fmt::format("{}:{}: column lat: expected a latitude in [-90, 90], got {}", path, line_no, p.lat));
    if (weight_col >= 0) {
      p.weight = number(weight_col, "weight");
      if (!std::isfinite(p.weight) || p.weight < 0.0)
        throw InputError(
            fmt::format("{}:{}: column weight: expected a finite weight >= 0, got {}", path, line_no, p.weight));
    }
    points.push_back(p);
  }
  if (points.empty())
    throw InputError(fmt::format("{}: no data rows after the header; expected at least one point", path));
  return points;
}

}  // namespace remnant
