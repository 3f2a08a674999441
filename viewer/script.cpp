#include "viewer/script.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "host/common/errors.h"
#include "viewer/app.h"

namespace remnant::viewer {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int key_code(const std::string& name) {
  if (name == "enter") return GLFW_KEY_ENTER;
  if (name == "tab") return GLFW_KEY_TAB;
  if (name == "escape") return GLFW_KEY_ESCAPE;
  if (name == "backspace") return GLFW_KEY_BACKSPACE;
  if (name == "ctrl+a") return GLFW_KEY_A;
  return -1;
}

std::string state_line(const App& app) {
  const auto s = app.on_map();
  const char* views[] = {"B", "A", "B-A"};
  std::string message = app.message();
  if (message.empty() && app.failed() && app.shown()) message = app.shown()->error;
  std::string note = s && s == app.shown() ? s->note : "";
  std::string overrides;  // of the run on the map
  if (s)
    for (const Override& o : s->request.overrides) overrides += (overrides.empty() ? "" : ";") + o.key + "=" + o.value;
  for (std::string* t : {&message, &note, &overrides})
    for (char& c : *t)
      if (c == '"' || c == '\n') c = '\'';
  return fmt::format(
      "state done={} asked={} finished={} stopped={} failed={} baseline={} baseline_done={} view={} "
      "realizations_field={} rates_field={} wind_field={} map_overrides=\"{}\" settled={} message_error={} "
      "message=\"{}\" note=\"{}\"\n",
      s ? s->done : 0, s ? s->asked : 0, s && s->finished ? 1 : 0, s && s->stopped ? 1 : 0, app.failed() ? 1 : 0,
      app.baseline() ? 1 : 0, app.baseline() ? app.baseline()->done : 0, views[int(app.view())], app.realizations_field(),
      app.rates_field(), app.wind_speed_field(), overrides, app.settled() ? 1 : 0, app.failed() || app.message_is_error() ? 1 : 0, message, note);
}

// print evidence: what is loaded and drawn, and the conditioning's diagnostics.
std::string evidence_lines(const App& app) {
  const auto base = app.prior_on_map();
  auto quoted = [](std::string t) {
    for (char& c : t)
      if (c == '"' || c == '\n') c = '\'';
    return t;
  };
  std::string out = fmt::format(
      "evidence features={} posterior_ready={} posterior_shown={} summary=\"{}\" error=\"{}\" posterior_error=\"{}\"\n",
      base && base->evidence ? base->evidence->features.size() : 0, base && base->posterior ? 1 : 0,
      app.on_map() && app.on_map()->is_posterior ? 1 : 0, base && base->evidence ? quoted(base->evidence->summary()) : "",
      base ? quoted(base->evidence_error) : "", base ? quoted(base->posterior_error) : "");
  for (const auto& m : app.map_view().evidence_marks())
    out += fmt::format("evidence_mark kind={} x={} y={}\n", m.kind, m.x, m.y);
  for (const auto& [l, red] : app.diagnostics_drawn()) out += fmt::format("diagnostic red={} {}\n", red ? 1 : 0, quoted(l));
  return out;
}

}  // namespace

Script::Script(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("--script {}: cannot read it", path));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    Command c;
    c.line = n;
    std::istringstream words(line);
    for (std::string w; words >> w;) c.words.push_back(w);
    if (c.words.empty()) continue;
    const std::size_t after = line.find(c.words[0]) + c.words[0].size();
    c.rest = after < line.size() ? line.substr(after + 1) : "";
    static const std::vector<std::string> known = {"wait",  "click", "clicks", "clickat",   "move",
                                                   "type",  "key",   "print",  "screenshot"};
    if (std::find(known.begin(), known.end(), c.words[0]) == known.end())
      throw InputError(fmt::format("--script {} line {}: unknown command '{}'", path, n, c.words[0]));
    if (c.words[0] == "key" && (c.words.size() != 2 || key_code(c.words[1]) < 0))
      throw InputError(fmt::format("--script {} line {}: key enter, tab, escape, backspace or ctrl+a", path, n));
    commands_.push_back(std::move(c));
  }
}

void Script::inject(ImGuiIO& io) {
  if (mouse_x_ >= 0) io.MousePos = ImVec2(mouse_x_, mouse_y_);
  io.MouseDown[0] = mouse_down_;
  for (char c : chars_) io.AddInputCharacter(static_cast<unsigned char>(c));
  chars_.clear();
  if (key_ >= 0) {
    io.KeysDown[key_] = key_held_;
    io.KeyCtrl = ctrl_ && key_held_;
    if (!key_held_) key_ = -1;
  }
}

bool Script::after_frame(const App& app, const std::function<void(const std::string&)>& screenshot,
                         const std::function<std::string()>& headline, std::string& errors, int& status) {
  auto fail = [&](const Command& c, const std::string& why) {
    errors += fmt::format("remnant-viewer: --script line {} ({}): {}\n", c.line, c.words[0], why);
    status = 1;
    return false;
  };
  auto next = [&] {
    ++at_;
    step_ = 0;
    frames_ = 0;
    started_ = now_s();
  };
  if (started_ == 0) started_ = now_s();
  while (at_ < commands_.size()) {
    const Command& c = commands_[at_];
    const std::string& what = c.words[0];
    const std::string arg = c.words.size() > 1 ? c.words[1] : "";
    if (what == "wait") {
      const double limit = c.words.size() > (arg == "settled" ? 2u : 3u) ? std::stod(c.words.back()) : 600.0;
      bool done = false;
      if (arg == "settled") {
        done = app.settled();
      } else if (arg == "progress") {
        done = c.words.size() > 2 && app.simulation_progress() >= std::stoul(c.words[2]);
      } else if (arg == "frames") {
        done = ++frames_ > (c.words.size() > 2 ? std::stoi(c.words[2]) : 1);
      } else {
        return fail(c, "wait settled, wait progress N or wait frames N");
      }
      if (done) {
        next();
        continue;
      }
      if (now_s() - started_ > limit) return fail(c, fmt::format("not reached within {} s", limit));
      return true;
    }
    if (what == "click" || what == "clicks" || what == "clickat") {
      float x = 0, y = 0;
      if (what == "clickat") {
        if (c.words.size() != 3) return fail(c, "clickat X Y");
        x = std::stof(c.words[1]), y = std::stof(c.words[2]);
      } else {
        const auto it = app.widgets().find(arg);
        if (it == app.widgets().end()) return fail(c, "no widget named '" + arg + "' in the last frame");
        x = it->second[0] + it->second[2] / 2, y = it->second[1] + it->second[3] / 2;
      }
      const int clicks = what == "clicks" && c.words.size() > 2 ? std::stoi(c.words[2]) : 1;
      // Step 0: the mouse moves there; then down on the odd steps and up on
      // the even ones; one more frame up there before the next command.
      mouse_x_ = x, mouse_y_ = y;
      if (step_ > 2 * clicks) {
        next();
        continue;
      }
      mouse_down_ = step_ % 2 == 1;
      ++step_;
      return true;
    }
    if (what == "move") {
      if (c.words.size() != 3) return fail(c, "move X Y");
      mouse_x_ = std::stof(c.words[1]), mouse_y_ = std::stof(c.words[2]);
      mouse_down_ = false;
      next();
      return true;
    }
    if (what == "type") {
      chars_ = c.rest;
      next();
      return true;
    }
    if (what == "key") {
      if (step_ == 0) {
        key_ = key_code(arg);
        ctrl_ = arg == "ctrl+a";
        key_held_ = true;
        ++step_;
        return true;
      }
      key_held_ = false;  // released in the next frame
      next();
      return true;
    }
    if (what == "print") {
      std::string out;
      if (arg == "widgets") {
        for (const auto& [name, r] : app.widgets())
          out += fmt::format("widget {} x={} y={} w={} h={}\n", name, r[0], r[1], r[2], r[3]);
      } else if (arg == "legend") {
        out = "legend ";
        for (const std::string& l : app.map_view().legend_labels()) out += l + "|";
        out += "\n";
      } else if (arg == "towns") {
        for (const auto& t : app.map_view().town_labels())
          out += fmt::format("town x0={} y0={} x1={} y1={} name={}\n", t.x0, t.y0, t.x1, t.y1, t.text);
      } else if (arg == "tooltip") {
        for (const std::string& l : app.map_view().tooltip_lines()) out += "tooltip " + l + "\n";
      } else if (arg == "map") {
        const ScreenRect& g = app.map_view().grid_on_screen();
        out = fmt::format("map x={} y={} w={} h={}\n", g.x, g.y, g.w, g.h);
      } else if (arg == "evidence") {
        out = evidence_lines(app);
      } else if (arg == "state") {
        out = state_line(app);
      } else if (arg == "headline") {
        out = headline();
      } else if (arg == "types") {
        for (const std::string& l : app.types_drawn()) out += l + "\n";
      } else {
        return fail(c, "print widgets, legend, map, towns, tooltip, state, headline, types or evidence");
      }
      std::cout << out << std::flush;
      next();
      continue;
    }
    if (what == "screenshot") {
      try {
        screenshot(c.rest);
      } catch (const std::exception& e) {
        return fail(c, e.what());
      }
      next();
      continue;
    }
    return fail(c, "unknown command");
  }
  return false;
}

}  // namespace remnant::viewer
