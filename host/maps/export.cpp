#include "host/maps/export.h"

#include "host/maps/sensitivity_chart.h"

#include <fmt/format.h>

#include "host/common/atomic_output.h"
#include "host/common/errors.h"
#include "host/evidence/exports.h"

namespace remnant {

bool is_exportable_path(const std::string& path, std::string* why) {
  const std::string ext = file_extension(path);
  for (const char* ok : {".tif", ".tiff", ".png", ".svg", ".pdf", ".csv"})
    if (ext == ok) return true;
  if (why)
    *why = fmt::format("{}: cannot tell the format from the extension \"{}\"; expected .tif, .png, .svg, .pdf or .csv",
                       path, ext);
  return false;
}

void export_file(const ResultData& d, const MapOptions& map, const std::string& path) {
  std::string why;
  if (!is_exportable_path(path, &why)) throw InputError(why);
  const std::string ext = file_extension(path);
  if (map.figure == "sensitivity") {
    if (ext != ".png" && ext != ".svg" && ext != ".pdf")
      throw InputError(fmt::format("{}: --figure sensitivity is a chart: expected .png, .svg or .pdf, got \"{}\"",
                                   path, ext));
    return render_sensitivity_chart(d, path, map.dpi);
  }
  if (!map.figure.empty()) throw InputError(fmt::format("--figure \"{}\": expected sensitivity", map.figure));
  if (ext == ".tif" || ext == ".tiff") return write_geotiff(d, map.layer, path);
  if (ext == ".csv") return write_text_file(path, totals_csv(d));
  render_map(d, map, path);
}

}  // namespace remnant
