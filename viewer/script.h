// remnant-viewer --script FILE: the tests' hands on the real window. Each
// line of the file is a command, run in order, one frame or more each:
//
//   wait settled [S]     until the request submitted last is complete, stopped or failed (at most S s, default 600)
//   wait progress N [S]  until the running part has done N realizations
//   wait frames N        N frames
//   click NAME           the mouse to the middle of widget NAME (App::widgets), pressed one frame, released the next
//   clicks NAME N        N clicks, each one frame down and one frame up (as fast as a frame)
//   clickat X Y          a click at window pixel (X, Y)
//   move X Y             the mouse to window pixel (X, Y), no button (the map's cell tooltip)
//   type TEXT            the characters of TEXT (the rest of the line) typed in one frame
//   key NAME             a key pressed one frame: enter, tab, escape, backspace, ctrl+a
//   print widgets|legend|map|towns|tooltip|state|headline|types|evidence   lines on stdout (below)
//   screenshot FILE      the window as drawn this frame, as a PNG
//
// The input goes in through Dear ImGui's IO (mouse position and buttons,
// keys, characters), set after the GLFW backend's NewFrame and before
// ImGui::NewFrame: the window handles it as it handles a person's. At the
// end of the file the window closes.
//
// print lines: "widget NAME x=.. y=.. w=.. h=.." per widget; "legend LABEL|LABEL|...";
// "map x=.. y=.. w=.. h=.." (the grid on screen); "tooltip LINE" per line in
// words of the cell tooltip; "town x0=.. y0=.. x1=.. y1=.. name=.." per town name
// drawn; headline: --print-headline's lines; types: "type name=\"..\" fired=.. mean=..
// interval=\"..\"" per row of the duds by munition type drawn in the last frame
// of the result the map shows (A in A's view); evidence: "evidence features=..
// posterior_ready=0|1 posterior_shown=0|1 summary=\"..\" error=\"..\" posterior_error=\"..\"",
// then "evidence_mark kind=strike|find|searched|cancelled x=.. y=.." per mark
// drawn in the last frame and "diagnostic red=0|1 LINE" per line of the
// conditioning's diagnostics the statistics panel drew (red: in the error colour);
// "state done=.. asked=.. finished=0|1 stopped=0|1 failed=0|1 baseline=0|1
// view=B|A|B-A realizations_field=.. rates_field=field|test wind_field=LO,HI
// map_overrides=\"KEY=VALUE;..\" (of the run on the map) settled=0|1 message_error=0|1
// message=\"..\" note=\"..\"".
#pragma once

#include <functional>
#include <string>
#include <vector>

struct ImGuiIO;

namespace remnant::viewer {

class App;

class Script {
 public:
  // Reads the commands (InputError for an unknown one, naming its line).
  explicit Script(const std::string& path);
  // Sets the frame's input (before ImGui::NewFrame).
  void inject(ImGuiIO& io);
  // After the frame was drawn (before the swap): runs commands; returns false
  // when the script has ended (or failed: errors says why, status is 1).
  // screenshot(path) writes the back buffer; headline() gives --print-headline's lines.
  bool after_frame(const App& app, const std::function<void(const std::string&)>& screenshot,
                   const std::function<std::string()>& headline, std::string& errors, int& status);

 private:
  struct Command {
    std::vector<std::string> words;
    std::string rest;  // after the first word
    int line = 0;
  };
  std::vector<Command> commands_;
  std::size_t at_ = 0;
  int step_ = 0;  // within a multi-frame command
  int frames_ = 0;
  double started_ = 0;  // when the command began (seconds, steady clock)
  // The input of the next frame.
  float mouse_x_ = -1, mouse_y_ = -1;
  bool mouse_down_ = false;
  std::string chars_;
  int key_ = -1;
  bool ctrl_ = false;
  bool key_held_ = false;
};

}  // namespace remnant::viewer
