#include "host/common/atomic_output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "host/common/errors.h"

namespace remnant {

namespace fs = std::filesystem;

std::string file_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

std::string temp_path_for(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / fs::path("." + p.filename().string() + fmt::format(".tmp-{}", getpid()))).string();
}

// Removes temporary files of `path` left by writers that were killed
// (SIGKILL, power cut: no destructor ran): .NAME.tmp-PID whose process is gone.
// Another live process's temporary file is left alone.
void remove_orphaned_temporaries(const std::string& target) {
  const fs::path path(target);
  const std::string prefix = "." + path.filename().string() + ".tmp-";
  std::error_code ec;
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)), temp_(temp_path_for(path_)) {
  remove_orphaned_temporaries(path_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) std::remove(temp_.c_str());
}

namespace {

// Flushes a file's (or a directory's) data to the disk. Errors that only
// mean "cannot be synced here" (a file system without fsync) are ignored; an
// I/O error (EIO, ENOSPC) is returned, as the data may not be on the disk.
int sync_path(const std::string& path, bool directory) {
  const int fd = open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int err = 0;
  if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS && errno != EBADF) err = errno;
  close(fd);
  return err;
}

}  // namespace

void AtomicOutput::commit() {
  // The complete file reaches the disk before it replaces the target, and the
  // rename itself afterwards (its directory synced): a power cut leaves the
  // old file or the new one, never an empty or half-written one.
  if (const int err = sync_path(temp_, false)) {
    std::remove(temp_.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path_, std::strerror(err)));
  }
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) {
    std::remove(temp_.c_str());
    throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", temp_, path_, ec.message()));
  }
  committed_ = true;
  const fs::path dir = fs::path(path_).parent_path();
  sync_path(dir.empty() ? "." : dir.string(), true);
}

void write_text_file(const std::string& path, const std::string& text) {
  AtomicOutput out(path);
  FILE* f = std::fopen(out.temp_path().c_str(), "wb");
  if (!f) throw std::runtime_error(fmt::format("cannot create {}: {}", out.temp_path(), std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !written)
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(written ? errno : err)));
  out.commit();
}

bool path_exists(const std::string& path, std::string* problem) {
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path), ec);
  if (ec && problem) *problem = ec.message();
  return exists && !ec;
}

void check_output_path(const std::string& path, const std::string& what) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(fs::exists(dir, ec)
                         ? fmt::format("{} {}: {} is not a directory; expected an existing directory", what, path,
                                       dir.string())
                         : fmt::format("{} {}: the directory {} does not exist", what, path, dir.string()));
  if (fs::is_directory(p, ec)) throw InputError(fmt::format("{} {}: is a directory; expected a file name", what, path));
  const std::string probe = temp_path_for(path);
  FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f)
    throw InputError(
        fmt::format("{} {}: cannot create files in {} ({})", what, path, dir.string(), std::strerror(errno)));
  std::fclose(f);
  std::remove(probe.c_str());
}

}  // namespace remnant
