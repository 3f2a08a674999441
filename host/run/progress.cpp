#include "host/run/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace remnant {

Progress::Progress(std::string label, std::uint64_t items_per_realization, ProgressMode mode, std::FILE* out,
                   double line_interval_s)
    : label_(std::move(label)), items_(items_per_realization), mode_(mode), out_(out), interval_(line_interval_s) {
  if (mode_ == ProgressMode::Auto) mode_ = out_ && isatty(fileno(out_)) ? ProgressMode::Bar : ProgressMode::Lines;
  if (!out_) mode_ = ProgressMode::Quiet;
}

Progress::~Progress() { finish(); }

std::string Progress::duration_text(double s) {
  if (!(s >= 0) || !std::isfinite(s)) return "?";
  if (s < 60) return fmt::format("{:.1f} s", s);
  const long t = std::lround(s);
  if (t < 3600) return fmt::format("{} min {:02d} s", t / 60, static_cast<int>(t % 60));
  if (t < 86400 * 2) return fmt::format("{} h {:02d} min", t / 3600, static_cast<int>(t / 60 % 60));
  return fmt::format("{:.1f} days", s / 86400);
}

std::string Progress::line(bool compact) const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const std::uint32_t ran = done_ - first_done_;
  std::string rate, left;
  if (ran > 0 && elapsed > 0) {
    const double per_s = static_cast<double>(ran) * static_cast<double>(items_) / elapsed;
    const char* unit = compact ? "/s" : " submunitions/s";
    rate = per_s >= 1e6 ? fmt::format("{}{:.1f} M{}", compact ? " " : ", ", per_s / 1e6, unit)
                        : fmt::format("{}{:.0f}{}", compact ? " " : ", ", per_s, unit);
    if (done_ < total_) left = ", " + duration_text(elapsed / ran * (total_ - done_)) + " left";
  }
  const double pct = total_ ? 100.0 * done_ / total_ : 100.0;
  // The bar's line puts the label last: a narrow terminal cuts it first.
  if (compact)
    return fmt::format("{}/{} ({:.0f} %){}{}, {} - {}", done_, total_, pct, rate, left, duration_text(elapsed), label_);
  return fmt::format("{}: {}/{} realizations ({:.0f} %){}{}, {} elapsed", label_, done_, total_, pct, rate, left,
                     duration_text(elapsed));
}

namespace {

// Columns of the terminal `f` is (80 when it cannot tell).
std::size_t terminal_columns(std::FILE* f) {
  winsize ws{};
  if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// s cut to at most n bytes without splitting a UTF-8 character.
std::string fit(std::string s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

}  // namespace

void Progress::draw(bool last) {
  if (mode_ == ProgressMode::Bar) {
    constexpr int kWidth = 24;
    const int filled = total_ ? static_cast<int>(std::min<std::uint64_t>(kWidth, std::uint64_t(done_) * kWidth / total_)) : kWidth;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    // One terminal line at most: a wrapped line cannot be redrawn in place.
    // The label goes last, so that a narrow terminal loses it first.
    const std::string text = fit(fmt::format("[{}] {}", bar, line(true)), terminal_columns(out_) - 1);
    // \r back to the line's start, \x1b[K clears what a longer line left.
    std::fprintf(out_, "\r%s\x1b[K%s", text.c_str(), last ? "\n" : "");
  } else if (mode_ == ProgressMode::Lines) {
    std::fprintf(out_, "remnant: %s\n", line().c_str());
  }
  std::fflush(out_);
  drawn_ = true;
}

void Progress::update(std::uint32_t done, std::uint32_t total) {
  if (mode_ == ProgressMode::Quiet || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  done_ = done;
  total_ = total;
  if (!started_) {
    started_ = true;
    first_done_ = done;
    t0_ = last_draw_ = now;
    if (mode_ == ProgressMode::Bar) draw(false);
    return;
  }
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since >= (mode_ == ProgressMode::Bar ? 0.2 : interval_)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::Quiet || !started_) return;
  draw(true);
}

std::function<void(std::uint32_t, std::uint32_t)> Progress::callback() {
  return [this](std::uint32_t done, std::uint32_t total) { update(done, total); };
}

}  // namespace remnant
