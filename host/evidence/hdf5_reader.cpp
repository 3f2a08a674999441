#include "host/evidence/hdf5_reader.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "host/common/errors.h"

namespace remnant::result_detail {

namespace fs = std::filesystem;

std::string shown(const std::string& s) {
  std::string o;
  for (const char ch : s.substr(0, 60)) o += (static_cast<unsigned char>(ch) < 0x20) ? '?' : ch;
  return s.size() > 60 ? o + "..." : o;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", dims[i]);
  return s + "]";
}

Reader::Reader(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (!fs::exists(path_, ec)) fail("no such file");
  if (fs::is_directory(path_, ec)) fail("is a directory, not a result file");
  const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
  if (is_hdf5 < 0) fail("cannot be read");
  if (is_hdf5 == 0) fail("not an HDF5 file, so not a Remnant result file");
  const hid_t id = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail("cannot be opened as HDF5: the file is truncated or corrupt");
  file_.emplace(id, H5Fclose, "");
  hsize_t size = 0;
  if (H5Fget_filesize(id, &size) < 0) fail("cannot tell the file's size");
  file_size_ = size;
}

void Reader::fail(const std::string& what) const { throw InputError(path_ + ": " + what); }

bool Reader::exists(const std::string& path) const {
  for (std::size_t slash = path.find('/');; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    const htri_t e = H5Lexists(file(), prefix.c_str(), H5P_DEFAULT);
    if (e < 0) fail(fmt::format("cannot look up {} (corrupt file)", prefix));
    if (e == 0) return false;
    if (slash == std::string::npos) return true;
  }
}

Handle Reader::group(const std::string& path) const {
  if (!exists(path)) fail(fmt::format("group {} missing", path));
  const hid_t id = H5Gopen2(file(), path.c_str(), H5P_DEFAULT);
  if (id < 0) fail(fmt::format("{} is not a group (or the file is corrupt)", path));
  return Handle(id, H5Gclose, "");
}

Handle Reader::dataset(const std::string& path) const {
  if (!exists(path)) fail(fmt::format("dataset {} missing", path));
  const hid_t id = H5Dopen2(file(), path.c_str(), H5P_DEFAULT);
  if (id < 0) fail(fmt::format("{} is not a dataset (or the file is corrupt)", path));
  return Handle(id, H5Dclose, "");
}

std::vector<hsize_t> Reader::shape(const Handle& ds, const std::string& path) const {
  const hid_t sid = H5Dget_space(ds.get());
  if (sid < 0) fail(fmt::format("cannot read the shape of dataset {} (corrupt file)", path));
  const Handle space(sid, H5Sclose, "");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 3) fail(fmt::format("dataset {} has {} dimensions, expected 1 to 3", path, rank));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    fail(fmt::format("cannot read the shape of dataset {} (corrupt file)", path));
  return dims;
}

void Reader::read_all(const Handle& ds, const std::string& path, hid_t mem_type, void* data) const {
  if (H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail(fmt::format("cannot read dataset {}: the file is truncated or corrupt", path));
}

bool Reader::has_attribute(hid_t obj, const char* name) const {
  const htri_t e = H5Aexists(obj, name);
  if (e < 0) fail(fmt::format("cannot look up attribute {} (corrupt file)", name));
  return e > 0;
}

std::string Reader::text(hid_t obj, const char* name, const std::string& where) const {
  const std::string what = attribute_name(name, where);
  const Handle attr = attribute(obj, name, what);
  const hid_t tid = H5Aget_type(attr.get());
  if (tid < 0) fail(fmt::format("cannot read the type of {} (corrupt file)", what));
  const Handle type(tid, H5Tclose, "");
  if (H5Tget_class(type.get()) != H5T_STRING) fail(what + " is not a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    const Handle mem(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
    if (H5Tset_size(mem.get(), H5T_VARIABLE) < 0 || H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
      fail(fmt::format("cannot read {}", what));
    char* s = nullptr;
    if (H5Aread(attr.get(), mem.get(), &s) < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
    const std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxAttributeBytes || H5Aget_storage_size(attr.get()) < size)
    fail(fmt::format("{} has an impossible size (corrupt file)", what));
  std::string s(size, '\0');
  if (H5Aread(attr.get(), type.get(), s.data()) < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
  s.resize(s.find('\0') == std::string::npos ? size : s.find('\0'));
  return s;
}

Handle Reader::number_attribute(hid_t obj, const char* name, bool integer, const std::string& what) const {
  Handle attr = attribute(obj, name, what);
  const hid_t tid = H5Aget_type(attr.get());
  if (tid < 0) fail(fmt::format("cannot read the type of {} (corrupt file)", what));
  const Handle type(tid, H5Tclose, "");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && (integer || cls != H5T_FLOAT))
    fail(fmt::format("{} is not {}", what, integer ? "an integer" : "a number"));
  return attr;
}

std::string Reader::attribute_name(const char* name, const std::string& where) {
  return where.empty() ? fmt::format("attribute {}", name) : fmt::format("attribute {} of {}", name, where);
}

Handle Reader::attribute(hid_t obj, const char* name, const std::string& what) const {
  if (!has_attribute(obj, name)) fail(what + " missing");
  const hid_t id = H5Aopen(obj, name, H5P_DEFAULT);
  if (id < 0) fail(fmt::format("cannot open {} (corrupt file)", what));
  Handle attr(id, H5Aclose, "");
  const hid_t sid = H5Aget_space(attr.get());
  if (sid < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
  const Handle space(sid, H5Sclose, "");
  if (H5Sget_simple_extent_npoints(space.get()) != 1) fail(what + " does not hold exactly one value");
  return attr;
}

}  // namespace remnant::result_detail
