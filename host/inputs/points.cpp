#include "host/inputs/points.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

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

// The columns a points file may name, and the names each is known by.
enum Column { kLon, kLat, kX, kY, kWeight, kCarrier, kCarriers, kSubmunitions, kDate, kName, kColumns };
struct ColumnName {
  const char* name;
  Column column;
};
constexpr ColumnName kColumnNames[] = {
    {"lon", kLon},       {"longitude", kLon}, {"long", kLon},         {"lng", kLon},
    {"lat", kLat},       {"latitude", kLat},  {"x", kX},              {"x_m", kX},
    {"easting", kX},     {"y", kY},           {"y_m", kY},            {"northing", kY},
    {"weight", kWeight}, {"carrier", kCarrier}, {"carriers", kCarriers}, {"submunitions", kSubmunitions},
    {"date", kDate},     {"name", kName},     {"id", kName}};

int column_of(const std::string& name) {
  for (const ColumnName& c : kColumnNames)
    if (name == c.name) return c.column;
  return -1;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

bool is_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  const auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m >= 1 && m <= 12 && d >= 1 && d <= kDays[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

std::vector<std::string> coordinate_column_names(const std::string& axis) {
  const int want = axis == "lon" ? kLon : axis == "lat" ? kLat : axis == "x" ? kX : axis == "y" ? kY : -1;
  std::vector<std::string> names;
  for (const ColumnName& c : kColumnNames)
    if (c.column == want) names.push_back(c.name);
  return names;
}

const char* const kAcceptedPointColumns =
    "lon (or longitude, long, lng) and lat (or latitude) in WGS84 degrees, or x (or x_m, easting) and y (or y_m, "
    "northing) in metres of the grid's CRS, any order and case; optionally weight, carrier, carriers, submunitions, "
    "date (YYYY-MM-DD) and name (or id)";

PointsTable read_points_table(const std::string& path) {
  LineReader in(path);
  std::vector<std::string_view> fields;
  PointsTable table;
  table.path = path;

  // Header.
  std::optional<std::string_view> header = in.next();
  if (header && header->substr(0, 3) == "\xEF\xBB\xBF") header->remove_prefix(3);  // UTF-8 BOM (Excel)
  if (!header || trim(*header).empty())
    throw InputError(fmt::format(
        "{}:1: no header; expected a first line naming the columns lon and lat (or x and y); accepted: {}", path,
        kAcceptedPointColumns));
  if (!split(*header, fields))
    throw InputError(fmt::format("{}:1: header: unbalanced quotes; expected column names separated by commas", path));
  const std::size_t columns = fields.size();
  std::string found;  // "lon, lat, year" for messages
  std::array<int, kColumns> col;
  col.fill(-1);
  std::array<std::string, kColumns> label;  // each column's name as the header writes it (lower case)
  for (std::size_t c = 0; c < columns; ++c) {
    const std::string name = lower(fields[c]);
    found += (c ? ", " : "") + name;
    const int k = column_of(name);
    if (k < 0) continue;
    if (col[k] >= 0)
      throw InputError(fmt::format("{}:1: header: column {} appears twice{}; expected it once", path, label[k],
                                   label[k] == name ? "" : " (as " + label[k] + " and " + name + ")"));
    col[k] = static_cast<int>(c);
    label[k] = name;
  }
  const bool lonlat = col[kLon] >= 0 || col[kLat] >= 0, xy = col[kX] >= 0 || col[kY] >= 0;
  if (lonlat && xy)
    throw InputError(fmt::format("{}:1: header: both lon/lat and x/y columns ({}); expected one pair: {}", path, found,
                                 kAcceptedPointColumns));
  table.grid_xy = xy;
  const Column cx = xy ? kX : kLon, cy = xy ? kY : kLat;
  if (col[cx] < 0 || col[cy] < 0)
    throw InputError(fmt::format("{}:1: header: no column {}; expected {}; found: {}", path,
                                 col[cx] < 0 ? (xy ? "x" : "lon") : (xy ? "y" : "lat"), kAcceptedPointColumns, found));
  const bool details = col[kCarrier] >= 0 || col[kCarriers] >= 0 || col[kSubmunitions] >= 0 || col[kDate] >= 0 ||
                       col[kName] >= 0;

  // Rows.
  std::vector<WeightedPoint>& points = table.points;
  std::size_t line_no = 1, first_blank = 0;
  const auto field = [&](Column k) { return col[k] < 0 ? std::string_view() : fields[static_cast<std::size_t>(col[k])]; };
  const auto number = [&](Column k) {
    const std::string_view f = field(k);
    double v = 0.0;
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (f.empty() || ec != std::errc() || end != f.data() + f.size())
      throw InputError(fmt::format("{}:{}: column {}: expected a number, got \"{}\"", path, line_no, label[k], f));
    return v;
  };
  // A whole count from 1 to `most`, 0 for a blank cell.
  const auto count = [&](Column k, std::uint64_t most, const char* what) -> std::uint64_t {
    const std::string_view f = field(k);
    if (f.empty()) return 0;
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc() || end != f.data() + f.size() || v < 1 || v > most)
      throw InputError(fmt::format("{}:{}: column {}: expected a whole number of {} from 1 to {}, got \"{}\"", path,
                                   line_no, label[k], what, most, f));
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
    if (xy) {
      p.x_m = number(kX);
      p.y_m = number(kY);
      for (const auto& [k, v] : {std::pair{kX, p.x_m}, {kY, p.y_m}})
        if (!std::isfinite(v))
          throw InputError(fmt::format("{}:{}: column {}: expected a finite coordinate in metres of the grid's CRS, got {}",
                                       path, line_no, label[k], v));
    } else {
      p.lon = number(kLon);
      p.lat = number(kLat);
      if (!(p.lon >= -180.0 && p.lon <= 180.0))  // NaN fails too
        throw InputError(fmt::format("{}:{}: column {}: expected a longitude in [-180, 180], got {}", path, line_no,
                                     label[kLon], p.lon));
      if (!(p.lat >= -90.0 && p.lat <= 90.0))
        throw InputError(fmt::format("{}:{}: column {}: expected a latitude in [-90, 90], got {}", path, line_no,
                                     label[kLat], p.lat));
    }
    if (col[kWeight] >= 0) {
      p.weight = number(kWeight);
      if (!std::isfinite(p.weight) || p.weight < 0.0)
        throw InputError(
            fmt::format("{}:{}: column weight: expected a finite weight >= 0, got {}", path, line_no, p.weight));
    }
    points.push_back(p);
    if (!details) continue;
    PointDetails d;
    d.carrier = std::string(field(kCarrier));
    d.carriers = count(kCarriers, 100'000'000, "carriers");
    d.submunitions = count(kSubmunitions, 4'000'000'000ull, "submunitions");
    d.date = std::string(field(kDate));
    d.name = std::string(field(kName));
    if (!d.date.empty() && !is_iso_date(d.date))
      throw InputError(fmt::format("{}:{}: column date: expected a date written YYYY-MM-DD (ISO 8601), got \"{}\"", path,
                                   line_no, d.date));
    if (d.carriers && d.submunitions)
      throw InputError(fmt::format("{}:{}: columns carriers and submunitions: both given ({} and {}); expected one of them",
                                   path, line_no, d.carriers, d.submunitions));
    d.carrier_column = d.carriers ? "carriers" : d.submunitions ? "submunitions" : "";
    if (!d.carrier.empty() && d.carrier_column.empty())
      throw InputError(fmt::format("{}:{}: column carrier: \"{}\" without a count; expected carriers or submunitions on "
                                   "the same row (or neither column filled, to be dealt carriers from [inventory])",
                                   path, line_no, d.carrier));
    if (d.carrier.empty() && !d.carrier_column.empty())
      throw InputError(fmt::format("{}:{}: column {}: a count without a carrier type; expected column carrier to "
                                   "name the carrier on the same row",
                                   path, line_no, d.carrier_column));
    table.details.push_back(std::move(d));
  }
  if (points.empty())
    throw InputError(fmt::format("{}: no data rows after the header; expected at least one point", path));
  return table;
}

std::vector<WeightedPoint> read_points_csv(const std::string& path) { return read_points_table(path).points; }

}  // namespace remnant
