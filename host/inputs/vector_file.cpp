#include "host/inputs/vector_file.h"

#include <fmt/format.h>
#include <gdal.h>

#include "host/common/errors.h"

namespace remnant {
namespace {

void add_ring(const OGRLinearRing* r, std::vector<Ring>& out) {
  Ring ring;
  for (int i = 0; i < r->getNumPoints(); ++i) ring.push_back({r->getX(i), r->getY(i)});
  out.push_back(std::move(ring));
}

}  // namespace

GdalDataset open_vector_file(const std::string& path, const std::string& what, const char* const* open_options) {
  register_gdal();
  QuietGdalErrors quiet;
  GdalDataset ds(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, open_options, nullptr));
  if (!ds) throw InputError(fmt::format("{}: {}: cannot open as a vector file (missing, unreadable or not vector data)", what, path));
  return ds;
}

void add_polygon_rings(const OGRGeometry* g, std::vector<Ring>& out) {
  if (!g) return;
  const OGRwkbGeometryType t = wkbFlatten(g->getGeometryType());
  if (t == wkbPolygon) {
    const OGRPolygon* p = g->toPolygon();
    add_ring(p->getExteriorRing(), out);
    for (int i = 0; i < p->getNumInteriorRings(); ++i) add_ring(p->getInteriorRing(i), out);
  } else if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
    const OGRGeometryCollection* c = g->toGeometryCollection();
    for (int i = 0; i < c->getNumGeometries(); ++i) add_polygon_rings(c->getGeometryRef(i), out);
  }
}

}  // namespace remnant
