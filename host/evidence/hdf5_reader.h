// The checked reads of a result file (host/evidence/result_reader.cpp): a
// Reader opens the file and reads groups, datasets and attributes, each
// checked before it is trusted. Every failure is an InputError "FILE: what
// is wrong". The primitive reads are in hdf5_reader.cpp; the validation of
// types, sizes and chunks against the stored bytes in
// hdf5_reader_checks.cpp. Internal to the evidence layer; not part of its API.
#pragma once

#include <fmt/format.h>
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "host/evidence/hdf5.h"

namespace remnant::result_detail {

// A decompressed dataset is at most this many times larger than what it
// stores (deflate cannot do better than about 1032:1); a dataset that claims
// more values than that is corrupt, and is refused before any allocation.
constexpr std::uint64_t kMaxExpansion = 2048;
constexpr std::size_t kMaxAttributeBytes = std::size_t{64} << 20;

std::string shown(const std::string& s);

std::string dims_text(const std::vector<hsize_t>& dims);

class Reader {
 public:
  explicit Reader(std::string path);

  [[noreturn]] void fail(const std::string& what) const;
  hid_t file() const { return file_->get(); }

  // Whether the link at a path ("accumulators/dud_sum") exists, every group on
  // the way included.
  bool exists(const std::string& path) const;

  Handle group(const std::string& path) const;

  Handle dataset(const std::string& path) const;

  std::vector<hsize_t> shape(const Handle& ds, const std::string& path) const;

  // All values of a dataset whose shape was checked by the caller, as T;
  // `cls` is the stored type class the values must have.
  template <typename T>
  std::vector<T> values(const Handle& ds, const std::string& path, hid_t mem_type, H5T_class_t cls,
                        const std::vector<hsize_t>& dims) const {
    const std::uint64_t n = checked_count(ds, path, cls, dims, sizeof(T));
    if (n == 0) return {};
    std::vector<T> v;
    try {
      v.resize(static_cast<std::size_t>(n));
    } catch (const std::bad_alloc&) {
      fail(fmt::format("dataset {} ({} values) does not fit in memory", path, n));
    }
    read_all(ds, path, mem_type, v.data());
    check_data_crc(ds, path, v.data(), v.size(), sizeof(T));
    return v;
  }

  // A dataset that must have exactly the shape `dims`.
  template <typename T>
  std::vector<T> read(const std::string& path, hid_t mem_type, H5T_class_t cls,
                      const std::vector<hsize_t>& dims) const {
    const Handle ds = dataset(path);
    check_shape(ds, path, dims);
    return values<T>(ds, path, mem_type, cls, dims);
  }

  bool has_attribute(hid_t obj, const char* name) const;

  // From now on every dataset read must carry the crc32 of its values
  // (format 1.1 and later); before, one is checked where there is one.
  void require_data_checksums() { require_data_crc_ = true; }

  // A string attribute (fixed or variable length); `where` names its object
  // in messages ("" for the root group).
  std::string text(hid_t obj, const char* name, const std::string& where = "") const;

  // A numeric attribute holding one value; integers only when `integer`.
  template <typename T>
  T number(hid_t obj, const char* name, hid_t mem_type, bool integer, const std::string& where = "") const {
    const std::string what = attribute_name(name, where);
    const Handle attr = number_attribute(obj, name, integer, what);
    T v{};
    if (H5Aread(attr.get(), mem_type, &v) < 0) fail(fmt::format("cannot read {} (corrupt file)", what));
    return v;
  }

 private:
  // Validation (hdf5_reader_checks.cpp).

  // The number of values of a dataset of shape `dims` (0: none to read),
  // after checking its stored type class, its size against the bytes it
  // stores, and its chunks.
  std::uint64_t checked_count(const Handle& ds, const std::string& path, H5T_class_t cls,
                              const std::vector<hsize_t>& dims, std::size_t value_size) const;
  void check_shape(const Handle& ds, const std::string& path, const std::vector<hsize_t>& dims) const;
  void check_chunks(const Handle& ds, const std::string& path, const std::vector<hsize_t>& dims) const;
  // The values read against the dataset's crc32 attribute (data_crc32).
  void check_data_crc(const Handle& ds, const std::string& path, const void* data, std::size_t count,
                      std::size_t value_size) const;

  // Primitive reads (hdf5_reader.cpp).

  // Reads every value of a dataset into `data`, which holds them all.
  void read_all(const Handle& ds, const std::string& path, hid_t mem_type, void* data) const;
  static std::string attribute_name(const char* name, const std::string& where);
  Handle attribute(hid_t obj, const char* name, const std::string& what) const;
  // A numeric attribute of one value, its type checked; `what` names it.
  Handle number_attribute(hid_t obj, const char* name, bool integer, const std::string& what) const;

  std::string path_;
  std::optional<Handle> file_;
  std::uint64_t file_size_ = 0;
  bool require_data_crc_ = false;
};

}  // namespace remnant::result_detail
