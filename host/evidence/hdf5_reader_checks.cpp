// The Reader's validation of what a file claims before it is trusted: the
// stored type class of a dataset, its shape, its number of values against
// the bytes it stores, and its chunk index.
#include <limits>

#include "host/evidence/hdf5_reader.h"

namespace remnant::result_detail {
namespace {

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integers";
    case H5T_FLOAT: return "floating-point numbers";
    case H5T_STRING: return "strings";
    default: return "values of another kind";
  }
}

}  // namespace

std::uint64_t Reader::checked_count(const Handle& ds, const std::string& path, H5T_class_t cls,
                                    const std::vector<hsize_t>& dims, std::size_t value_size) const {
  const hid_t tid = H5Dget_type(ds.get());
  if (tid < 0) fail(fmt::format("cannot read the type of dataset {} (corrupt file)", path));
  const Handle type(tid, H5Tclose, "");
  if (H5Tget_class(type.get()) != cls)
    fail(fmt::format("dataset {} holds {}, expected {}", path, class_name(H5Tget_class(type.get())), class_name(cls)));
  std::uint64_t n = 1;
  for (const hsize_t d : dims) n = (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d) ? 0 : n * d;
  if (n == 0) return 0;
  const std::uint64_t stored = H5Dget_storage_size(ds.get());
  if (stored > file_size_ || n / kMaxExpansion > (stored + 4096) / value_size)
    fail(fmt::format("dataset {} claims {} values but stores {} bytes: the file is corrupt", path, n, stored));
  check_chunks(ds, path, dims);
  return n;
}

void Reader::check_shape(const Handle& ds, const std::string& path, const std::vector<hsize_t>& dims) const {
  const std::vector<hsize_t> got = shape(ds, path);
  if (got != dims) fail(fmt::format("dataset {} has shape {}, expected {}", path, dims_text(got), dims_text(dims)));
}

// A chunk missing from the index, or indexed at the wrong place, would read
// back as zeros without an error (HDF5 1.8-format chunk indexes carry no
// checksum): every chunk of a dataset this writer wrote is there.
void Reader::check_chunks(const Handle& ds, const std::string& path, const std::vector<hsize_t>& dims) const {
  const hid_t pid = H5Dget_create_plist(ds.get());
  if (pid < 0) fail(fmt::format("cannot read the layout of dataset {} (corrupt file)", path));
  const Handle dcpl(pid, H5Pclose, "");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return;
  std::vector<hsize_t> chunk(dims.size());
  const int rank = static_cast<int>(dims.size());
  if (H5Pget_chunk(dcpl.get(), rank, chunk.data()) != rank)
    fail(fmt::format("cannot read the chunks of dataset {} (corrupt file)", path));
  std::vector<hsize_t> per_dim(dims.size());
  hsize_t expected = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (chunk[i] == 0) fail(fmt::format("dataset {} has an empty chunk shape (corrupt file)", path));
    per_dim[i] = (dims[i] + chunk[i] - 1) / chunk[i];
    expected *= per_dim[i];
  }
  const hid_t sid = H5Dget_space(ds.get());
  if (sid < 0) fail(fmt::format("cannot read the shape of dataset {} (corrupt file)", path));
  const Handle space(sid, H5Sclose, "");
  hsize_t present = 0;
  if (H5Dget_num_chunks(ds.get(), space.get(), &present) < 0 || present != expected)
    fail(fmt::format("dataset {} holds {} of its {} chunks: the file is truncated or corrupt", path, present,
                     expected));
  // A Fletcher-32 checksum takes the last 4 bytes of every stored chunk;
  // HDF5 1.10 reads far past a shorter chunk (a crash the result-file fuzz
  // target found: tests/fuzz/regressions/result_file).
  unsigned flags = 0, filter_config = 0;
  std::size_t n_values = 0;
  const bool checksummed = H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_FLETCHER32, &flags, &n_values, nullptr, 0,
                                                nullptr, &filter_config) >= 0;
  const hsize_t smallest = checksummed ? 5 : 1;
  // Each chunk looked up where it belongs, as a read would look it up; it
  // must lie inside the file.
  std::vector<hsize_t> at(dims.size(), 0), offset(dims.size());
  for (hsize_t c = 0; c < expected; ++c) {
    for (std::size_t i = 0; i < dims.size(); ++i) offset[i] = at[i] * chunk[i];
    unsigned mask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info_by_coord(ds.get(), offset.data(), &mask, &address, &size) < 0 || address == HADDR_UNDEF ||
        size < smallest || size > file_size_ || address > file_size_ - size)
      fail(fmt::format("dataset {}: chunk {} of {} is missing or damaged (corrupt file)", path, c + 1, expected));
    for (std::size_t i = dims.size(); i-- > 0;) {  // next chunk, last dimension fastest
      if (++at[i] < per_dim[i]) break;
      at[i] = 0;
    }
  }
}

void Reader::check_data_crc(const Handle& ds, const std::string& path, const void* data, std::size_t count,
                            std::size_t value_size) const {
  if (!has_attribute(ds.get(), "crc32")) {
    if (require_data_crc_) fail(fmt::format("dataset {} has no crc32 attribute (format 1.1 gives every dataset one): "
                                            "the file is damaged or was edited", path));
    return;
  }
  const auto stored = number<std::uint32_t>(ds.get(), "crc32", H5T_NATIVE_UINT32, true, path);
  if (stored != data_crc32(data, count, value_size))
    fail(fmt::format("dataset {} does not match its CRC-32 (attribute crc32): the file is damaged or was edited",
                     path));
}

}  // namespace remnant::result_detail
