// Bundled region datasets (datasets/build_datasets.sh): where they are found,
// and a dataset's description (dataset.toml) read into its grid and layers.
#include "host/inputs/scenario.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "host/common/atomic_output.h"
#include "host/inputs/toml_section.h"

namespace remnant {

using inputs_detail::parse_toml;
using inputs_detail::read_text;
using inputs_detail::Section;

std::string datasets_dir() {
  if (const char* env = std::getenv("REMNANT_DATASETS"); env && *env) return env;
  return REMNANT_DEFAULT_DATASETS_DIR;
}

Dataset load_dataset(const std::string& name_or_dir, const std::string& referenced_from) {
  namespace fs = std::filesystem;
  const bool is_path = name_or_dir.find('/') != std::string::npos;
  const std::string dir = is_path ? name_or_dir : (fs::path(datasets_dir()) / name_or_dir).string();
  const std::string file = (fs::path(dir) / "dataset.toml").string();
  std::string problem;
  if (!path_exists(file, &problem))
    throw InputError(fmt::format(
        "{}: dataset \"{}\" not found: no {}{} (datasets are built by scripts/build.sh into build/datasets; "
        "set REMNANT_DATASETS to the directory holding them)",
        referenced_from, name_or_dir, file, problem.empty() ? "" : " (" + problem + ")"));
  Dataset d;
  d.dir = dir;
  d.text = read_text(file, "dataset description", referenced_from);
  const toml::table root = parse_toml(d.text, file);
  Section top(root, "", file);
  Section s = top.table("dataset");
  d.name = s.string("name", "the dataset's name");
  d.title = s.string("title", "a title");
  d.elevation = (fs::path(dir) / s.string("elevation", "the elevation raster's file name")).string();
  d.elevation_source = s.string("elevation_source", "where the elevation comes from");
  d.elevation_resolution_m = s.number("elevation_resolution_m", 0.0, 1e6, "the source's resolution in metres");
  d.land_cover = (fs::path(dir) / s.string("land_cover", "the land-cover raster's file name")).string();
  d.land_cover_source = s.string("land_cover_source", "where the land cover comes from");
  d.notes = s.strings_or_empty("notes");
  // The grid: the rasters are read onto it (through GDAL, like any user raster).
  d.grid.crs = s.string("crs", "a CRS such as \"EPSG:32636\"");
  d.grid.origin_x_m = s.number("origin_x_m", -1e8, 1e8, "metres");
  d.grid.origin_y_m = s.number("origin_y_m", -1e8, 1e8, "metres");
  d.grid.nx = static_cast<std::uint32_t>(s.integer("nx", 1, 1'000'000, "a number of columns"));
  d.grid.ny = static_cast<std::uint32_t>(s.integer("ny", 1, 1'000'000, "a number of rows"));
  d.grid.cell_size_m = s.number("cell_size_m", 0.01, 1e6, "metres");
  d.grid.land_cover = LandCover::Unknown;
  s.finish();
  for (Section& l : top.tables("layer", false)) {
    DatasetLayer layer;
    layer.name = l.string("name", "a layer name");
    layer.file = (fs::path(dir) / l.string("file", "the layer's file name")).string();
    layer.source = l.string("source", "where the layer comes from");
    layer.licence = l.string("licence", "its licence");
    l.finish();
    d.layers.push_back(layer);
  }
  top.finish();
  return d;
}

}  // namespace remnant
