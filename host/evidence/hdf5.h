// Generic HDF5 helpers of the result file (host/evidence/result_writer.cpp,
// hdf5_reader.cpp, result_reader.cpp): the owner of an HDF5 identifier, the
// library's quiet set-up, and the writing of attributes, groups, datasets and
// dimension scales. Internal to the evidence layer; not part of its API.
#pragma once

#include <hdf5.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace remnant::result_detail {

// Owns one HDF5 identifier.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer close, const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error("HDF5: cannot " + what);
  }
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  Closer close_;
};

// Switches off HDF5's printing of its error stack and its clean-up at exit
// (hdf5.cpp says why); call before any other HDF5 call.
void quiet_hdf5();

void check(herr_t status, const std::string& what);

// CRC-32 (zlib's) of `count` values of `value_size` bytes each, taken over
// their little-endian bytes whatever the machine: the crc32 attribute of every
// dataset (format 1.1), which the reader recomputes from the values it read.
// Fletcher-32 guards each stored chunk, but not the chunk index: a damaged
// index can hand a read another dataset's intact chunk.
std::uint32_t data_crc32(const void* data, std::size_t count, std::size_t value_size);

// ---------------------------------------------------------------------------
// Writing.

void attr_string(hid_t obj, const char* name, const std::string& value);

// A scalar (one value) or a 1-D array attribute.
void attr_values(hid_t obj, const char* name, hid_t mem_type, hid_t file_type, hsize_t n, const void* values);

template <typename T>
void attr_values(hid_t obj, const char* name, hid_t mem_type, hid_t file_type, const std::vector<T>& values) {
  attr_values(obj, name, mem_type, file_type, values.size(), values.data());
}

template <typename T>
void attr_scalar(hid_t obj, const char* name, hid_t mem_type, hid_t file_type, T value) {
  attr_values(obj, name, mem_type, file_type, std::vector<T>{value});
}

void attr_double(hid_t obj, const char* name, double value);

// Creation properties of a file, group or dataset whose members and
// attributes keep their creation order (ncdump and xarray list them in it).
Handle ordered_properties(hid_t cls);

Handle create_group(hid_t loc, const char* name);

// A dataset of rank 1 to 3 with units and long_name; chunked, shuffled,
// deflated and checksummed (Fletcher-32: a damaged chunk fails to read
// instead of giving wrong numbers), with the crc32 of its values.
Handle write_dataset(hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const std::vector<hsize_t>& dims,
                     const void* data, const std::string& units, const std::string& long_name);

// Makes a written 1-D dataset the dimension scale of its own name.
void make_scale(const Handle& ds, const char* name);

// A 1-D coordinate variable, made the dimension scale of its own name.
template <typename T>
Handle write_scale(hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const std::vector<T>& values,
                   const std::string& units, const std::string& long_name) {
  Handle ds = write_dataset(loc, name, mem_type, file_type, {static_cast<hsize_t>(values.size())}, values.data(), units,
                            long_name);
  make_scale(ds, name);
  return ds;
}

// Attaches dimension scales to a dataset's dimensions, in order.
void attach(const Handle& ds, std::initializer_list<const Handle*> scales);

}  // namespace remnant::result_detail
