#include "host/apps/out_dir.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "host/common/atomic_output.h"
#include "host/common/errors.h"

namespace remnant {

namespace fs = std::filesystem;

namespace {

// The files in dir whose names `ours` accepts, sorted.
std::vector<std::string> files_in(const fs::path& dir, const std::function<bool(const std::string&)>& ours) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (ours(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void check_out_dir(const std::string& dir, const std::string& command, const std::vector<std::string>& files,
                   const std::function<bool(const std::string& name)>& ours, bool resume) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(dir), ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) throw InputError(fmt::format("--out-dir {}: exists and is not a directory", dir));
    if (access(p.c_str(), W_OK | X_OK) != 0)
      throw InputError(fmt::format("--out-dir {}: cannot write there ({})", dir, std::strerror(errno)));
    if (!files.empty()) check_output_path((p / files.front()).string(), "--out-dir");
    for (const std::string& f : files)
      if (fs::is_directory(p / f, ec))
        throw InputError(fmt::format("--out-dir {}: {} is a directory; the {} writes a file there", dir, f, command));
    if (!resume) {
      const std::vector<std::string> old = files_in(p, ours);
      if (!old.empty()) {
        std::vector<std::string> shown(old.begin(), old.begin() + std::min<std::size_t>(old.size(), 4));
        throw InputError(fmt::format(
            "--out-dir {}: already holds the files of a {} ({}{}); continue that {} with --resume, or choose "
            "an empty directory",
            dir, command, fmt::join(shown, ", "),
            old.size() > shown.size() ? fmt::format(" and {} more", old.size() - shown.size()) : "", command));
      }
    }
    return;
  }
  const fs::path up = p.parent_path();
  if (!fs::is_directory(up, ec))
    throw InputError(fmt::format("--out-dir {}: cannot be created: {} is not an existing directory (only the last "
                                 "component of --out-dir is created)",
                                 dir, up.string()));
  if (access(up.c_str(), W_OK | X_OK) != 0)
    throw InputError(
        fmt::format("--out-dir {}: cannot be created in {} ({})", dir, up.string(), std::strerror(errno)));
}

std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./=:,+-@%", c);
  });
  if (plain) return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

void make_out_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fs::create_directory(dir, ec);
  if (ec) throw InputError(fmt::format("--out-dir {}: cannot create it: {}", dir, ec.message()));
}

}  // namespace remnant
