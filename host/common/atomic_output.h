// Writing an output file atomically: everything goes to a temporary file in
// the same directory (so the final rename stays on one file system), which is
// renamed over the target only when complete. Until commit() the target is
// untouched; an AtomicOutput destroyed without commit() (an exception, an
// error) removes its temporary file. After SIGKILL a hidden ".NAME.tmp-PID"
// may remain beside the target; the target itself is never half-written.
// commit() flushes the file to the disk (fsync) before the rename and the
// directory after it, so that a power cut leaves the old file or the new one.
#pragma once

#include <string>

namespace remnant {

// Removes .NAME.tmp-PID files beside path whose writer is gone (killed before
// it could clean up); AtomicOutput calls it before writing path.
void remove_orphaned_temporaries(const std::string& path);

class AtomicOutput {
 public:
  explicit AtomicOutput(std::string path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& temp_path() const { return temp_; }
  const std::string& path() const { return path_; }
  // Renames the temporary file over the target; throws (and removes the
  // temporary file) when the rename fails.
  void commit();

 private:
  std::string path_, temp_;
  bool committed_ = false;
};

// The extension of path in lower case, with its dot (".png"; "" for none):
// what decides an output's format.
std::string file_extension(const std::string& path);

// The temporary name used for path: ".NAME.tmp-PID" in the same directory.
std::string temp_path_for(const std::string& path);

// Writes text to path atomically; throws std::runtime_error naming the path.
void write_text_file(const std::string& path, const std::string& text);

// Whether path names an existing file or directory. Never throws: a path that
// cannot be examined (too long, a component not searchable) counts as absent,
// and *problem (when given) receives why it could not be examined.
bool path_exists(const std::string& path, std::string* problem = nullptr);

// Fails early (InputError, before any work) when `path` cannot be created:
// its directory is missing or not writable, or it is a directory. `what`
// names the option in the message ("--out", "--map").
void check_output_path(const std::string& path, const std::string& what);

}  // namespace remnant
