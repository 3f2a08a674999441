#include "host/evidence/hdf5.h"

#include <hdf5_hl.h>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace remnant::result_detail {

// Switches off HDF5's printing of its error stack on stderr, for good:
// failures come back as exceptions with our own message. Left off on purpose:
// after a failed open of a damaged object HDF5 1.10 keeps internal references
// and, at exit, prints "infinite loop closing library" unless error printing
// is off.
//
// And no clean-up at exit: HDF5 1.10 cannot close a file whose final flush
// failed (a full disk, a file-size limit); it keeps the file open inside the
// library and its atexit handler (H5_term_library -> H5F__close_cb) then
// crashes the process with SIGSEGV after our message was printed and the
// temporary file removed. H5dont_atexit must come before the library starts
// (the first HDF5 call); every file this program opens is closed explicitly
// by its Handle, so nothing is lost without the handler.
void quiet_hdf5() {
  static const bool once = [] {
    H5dont_atexit();
    return true;
  }();
  (void)once;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: cannot " + what);
}

// ---------------------------------------------------------------------------
// Writing.

void attr_string(hid_t obj, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(type.get(), value.empty() ? 1 : value.size()), "set string size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set string charset");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  const std::string v = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(attr.get(), type.get(), v.data()), std::string("write attribute ") + name);
}

void attr_values(hid_t obj, const char* name, hid_t mem_type, hid_t file_type, hsize_t n, const void* values) {
  Handle space(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose, "create attribute space");
  Handle attr(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  check(H5Awrite(attr.get(), mem_type, values), std::string("write attribute ") + name);
}

void attr_double(hid_t obj, const char* name, double value) {
  attr_scalar(obj, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, value);
}

Handle ordered_properties(hid_t cls) {
  Handle p(H5Pcreate(cls), H5Pclose, "create properties");
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  if (cls != H5P_DATASET_CREATE) check(H5Pset_link_creation_order(p.get(), order), "track link creation order");
  check(H5Pset_attr_creation_order(p.get(), order), "track attribute creation order");
  // No modification times in object headers: equal contents, equal bytes.
  check(H5Pset_obj_track_times(p.get(), 0), "turn off object times");
  return p;
}

Handle create_group(hid_t loc, const char* name) {
  const Handle gcpl = ordered_properties(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(loc, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                std::string("create group ") + name);
}

std::uint32_t data_crc32(const void* data, std::size_t count, std::size_t value_size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* bytes = static_cast<const Bytef*>(data);
  const std::size_t total = count * value_size;
  if (total == 0) return static_cast<std::uint32_t>(crc);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  std::vector<Bytef> le(bytes, bytes + total);
  for (std::size_t i = 0; i < total; i += value_size) std::reverse(le.begin() + i, le.begin() + i + value_size);
  bytes = le.data();
#endif
  for (std::size_t done = 0; done < total;) {  // uInt lengths: at most 1 GiB a call
    const std::size_t n = std::min<std::size_t>(total - done, std::size_t{1} << 30);
    crc = crc32(crc, bytes + done, static_cast<uInt>(n));
    done += n;
  }
  return static_cast<std::uint32_t>(crc);
}

Handle write_dataset(hid_t loc, const char* name, hid_t mem_type, hid_t file_type, const std::vector<hsize_t>& dims,
                     const void* data, const std::string& units, const std::string& long_name) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "create dataspace");
  const Handle dcpl = ordered_properties(H5P_DATASET_CREATE);
  std::vector<hsize_t> chunk(dims);
  std::size_t elems = 1;
  for (auto& c : chunk) {
    if (c == 0) c = 1;
    elems *= c;
  }
  // Chunks of about 256k elements along the trailing dimensions.
  for (std::size_t i = 0; i < chunk.size() && elems > (1u << 18); ++i) {
    while (chunk[i] > 1 && elems > (1u << 18)) {
      elems /= chunk[i];
      chunk[i] = (chunk[i] + 1) / 2;
      elems *= chunk[i];
    }
  }
  bool all_nonzero = true;
  for (auto d : dims) all_nonzero = all_nonzero && d > 0;
  if (all_nonzero) {
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "set chunking");
    check(H5Pset_shuffle(dcpl.get()), "set shuffle");
    check(H5Pset_deflate(dcpl.get(), 4), "set deflate");
    check(H5Pset_fletcher32(dcpl.get()), "set checksum");
  }
  Handle ds(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
            std::string("create dataset ") + name);
  std::size_t count = 1;
  for (auto d : dims) count *= static_cast<std::size_t>(d);
  if (all_nonzero)
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), std::string("write ") + name);
  attr_string(ds.get(), "units", units);
  attr_string(ds.get(), "long_name", long_name);
  attr_scalar<std::uint32_t>(ds.get(), "crc32", H5T_NATIVE_UINT32, H5T_STD_U32LE,
                             data_crc32(data, count, H5Tget_size(mem_type)));
  return ds;
}

void make_scale(const Handle& ds, const char* name) {
  check(H5DSset_scale(ds.get(), name), std::string("make ") + name + " a dimension scale");
}

void attach(const Handle& ds, std::initializer_list<const Handle*> scales) {
  unsigned dim = 0;
  for (const Handle* s : scales) check(H5DSattach_scale(ds.get(), s->get(), dim++), "attach a dimension scale");
}

}  // namespace remnant::result_detail
