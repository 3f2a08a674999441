// Progress of a long run on stderr: a bar redrawn in place when stderr is a
// terminal, plain lines at intervals when it is not (logs, CI, nohup), or
// nothing (--quiet). Fed by RunOptions::progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace remnant {

enum class ProgressMode {
  Auto,   // Bar when the stream is a terminal, else Lines
  Bar,    // one line redrawn in place ("\r")
  Lines,  // a plain line every interval and one at the end
  Quiet,  // nothing
};

class Progress {
 public:
  // label: what is running (a scenario's name, "sweep point 3/12"); items:
  // submunitions fired per realization (for the rate).
  Progress(std::string label, std::uint64_t items_per_realization, ProgressMode mode = ProgressMode::Auto,
           std::FILE* out = stderr, double line_interval_s = 10.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // done of total realizations. The first call sets the starting point (a
  // resumed run starts above 0): rates and time left count from there.
  void update(std::uint32_t done, std::uint32_t total);
  // Ends the bar's line (or prints the last line). Called by the destructor
  // too; harmless twice.
  void finish();
  // For RunOptions::progress.
  std::function<void(std::uint32_t, std::uint32_t)> callback();

  ProgressMode mode() const { return mode_; }

  // "1 h 02 min", "3 min 12 s", "8.4 s": for time left and elapsed times.
  static std::string duration_text(double seconds);

 private:
  void draw(bool last);
  // The figures as a sentence (Lines) or compact, label last (Bar).
  std::string line(bool compact = false) const;

  std::string label_;
  std::uint64_t items_;
  ProgressMode mode_;
  std::FILE* out_;
  double interval_;
  bool started_ = false, finished_ = false, drawn_ = false;
  std::uint32_t first_done_ = 0, done_ = 0, total_ = 0;
  std::chrono::steady_clock::time_point t0_, last_draw_;
};

}  // namespace remnant
