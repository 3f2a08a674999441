// remnant-viewer: explore a scenario live in a GLFW + Dear ImGui window.
//
//   remnant-viewer [SCENARIO.toml | RESULT.h5] [--set KEY=VALUE]... [-r N] [--seed S]
//                  [--backend B] [--threads T] [--layer L]
//                  [--screenshot FILE.png [--frames N] [--wait S]] [--print-headline] [--print-hazard]
//                  [--size WxH] [--script FILE] [--evidence FILE]
//
// The loop follows Dear ImGui's example_glfw_opengl3: error callback, init,
// per frame poll -> NewFrame -> windows -> Render -> swap, shutdown in reverse
// order. The simulation runs on a worker thread (viewer/simulation.h).
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <cairo.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "host/common/atomic_output.h"
#include "host/evidence/layers.h"
#include "remnant_version.h"
#include "viewer/app.h"
#include "viewer/glyph_ranges.h"
#include "viewer/script.h"

namespace fs = std::filesystem;
using namespace remnant;

namespace {

std::string g_glfw_error;

void glfw_error(int code, const char* description) {
  g_glfw_error = fmt::format("GLFW error {}: {}", code, description ? description : "");
}

// The bundled default scenario (the README's first command runs it): from the
// current directory, else from the source tree the viewer was built from.
std::string default_scenario() {
  const std::string rel = "configs/lebanon-2006.toml";
  if (path_exists(rel)) return rel;
  const std::string built = std::string(REMNANT_VIEWER_SOURCE_DIR) + "/" + rel;
  if (path_exists(built)) return built;
  return rel;
}

// Reads the back buffer (before the swap) and writes it as a PNG with Cairo,
// atomically.
void write_screenshot(const std::string& path, int w, int h) {
  std::vector<unsigned char> rgba(std::size_t(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_surface_flush(img);
  unsigned char* data = cairo_image_surface_get_data(img);
  const int stride = cairo_image_surface_get_stride(img);
  for (int y = 0; y < h; ++y) {  // OpenGL's rows start at the bottom
    const unsigned char* src = rgba.data() + std::size_t(h - 1 - y) * w * 4;
    auto* dst = reinterpret_cast<std::uint32_t*>(data + std::size_t(y) * stride);
    for (int x = 0; x < w; ++x)
      dst[x] = 0xff000000u | (std::uint32_t(src[4 * x]) << 16) | (std::uint32_t(src[4 * x + 1]) << 8) | src[4 * x + 2];
  }
  cairo_surface_mark_dirty(img);
  AtomicOutput out(path);
  const cairo_status_t st = cairo_surface_write_to_png(img, out.temp_path().c_str());
  cairo_surface_destroy(img);
  if (st != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, cairo_status_to_string(st)));
  out.commit();
}

// HDF5 by its signature (a result file or a checkpoint, whatever its name):
// the 8-byte magic at offset 0, or at 512, 1024, 2048, ... after a user block.
bool is_hdf5(const std::string& path) {
  static const char magic[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return false;
  std::ifstream in(path, std::ios::binary);
  for (std::uintmax_t at = 0; in && at + 8 <= size; at = at ? 2 * at : 512) {
    char head[8];
    in.seekg(std::streamoff(at));
    if (!in.read(head, 8)) return false;
    if (std::equal(head, head + 8, magic)) return true;
  }
  return false;
}

// --print-headline's lines: the realizations shown and the headline totals.
std::string headline_lines(const viewer::Snapshot& s) {
  const Headline& h = s.headline;
  auto line = [](const char* name, const Summary& v) {
    return fmt::format("{} mean={} q05={} q95={}\n", name, v.mean, v.q05, v.q95);
  };
  return fmt::format("realizations={} backend={}\n", s.done, s.backend) + line("total_duds", h.total_duds) +
         line("impacts", h.impacts) + line("hazard_area_km2", h.hazard_area_km2) +
         line("contaminated_area_km2", h.contaminated_area_km2) +
         line("in_water", h.in_water) + line("outside_grid", h.outside_grid) + [&] {
           std::string types;
           for (const auto& [name, v] : h.duds_by_type)
             types += fmt::format("duds_of_type name=\"{}\" mean={} q05={} q95={}\n", name, v.mean, v.q05, v.q95);
           return types;
         }();
}

// --print-hazard's lines: the hazard areas of the result shown (every area,
// by rank, numbers in full) and where the grid was drawn in the last frame.
std::string hazard_lines(const viewer::Snapshot& s, const viewer::ScreenRect& grid) {
  std::string out;
  if (!s.hazard) {
    out = fmt::format("hazard none error=\"{}\"\n", s.hazard_error);
  } else {
    const HazardAreas& h = *s.hazard;
    double area_m2 = 0, inside = 0;
    for (const HazardArea& a : h.areas) area_m2 += a.area_m2, inside += a.items_mean;
    out = fmt::format("hazard threshold=\"{}\" areas={} items_inside={} items_total={} area_m2={}\n",
                      h.threshold.text(), h.areas.size(), inside, h.total_mean, area_m2);
    for (std::size_t i : by_rank(h)) {
      const HazardArea& a = h.areas[i];
      out += fmt::format("hazard_area rank={} id={} area_m2={} items_mean={} rings={}\n", a.rank, a.id, a.area_m2,
                         a.items_mean, a.rings.size());
    }
  }
  return out + fmt::format("map_grid_px x={} y={} w={} h={}\n", grid.x, grid.y, grid.w, grid.h);
}

// The command line as given.
struct Options {
  std::string input, screenshot, layer = "dud_mean", backend = "auto", script, size = "1280x800", evidence;
  std::vector<std::string> sets;
  std::uint32_t realizations = 0;
  std::uint64_t seed = 0;
  bool realizations_given = false, seed_given = false;
  int threads = 0, frames = 3;
  double wait_s = 600;
  bool headline = false, hazard = false;
};

// Parses the command line into o; returns the exit status when the viewer is
// to stop (help, version, bad options), -1 to go on.
int parse_options(int argc, char** argv, Options& o) {
  CLI::App cli{"remnant-viewer: explore a Remnant scenario or result file in a window"};
  cli.add_option("input", o.input, "SCENARIO.toml or RESULT.h5 (default: the bundled configs/lebanon-2006.toml)");
  cli.add_option("--set", o.sets, "override one value of the scenario file (KEY=VALUE), repeatable");
  auto* r_opt = cli.add_option("-r,--realizations", o.realizations, "realizations (default: the scenario's)")
                    ->check(CLI::Range(1u, 100000000u));
  auto* seed_opt = cli.add_option("--seed", o.seed, "random seed (default: the scenario's)");
  cli.add_option("--backend", o.backend, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  cli.add_option("--threads", o.threads, "CPU threads (default: all)")->check(CLI::NonNegativeNumber);
  cli.add_option("--layer", o.layer, "the layer shown first")->check(CLI::IsMember(display_layer_names()));
  cli.add_option("--screenshot", o.screenshot,
                 "render until the refinement is complete, write the window as a PNG and exit");
  cli.add_option("--frames", o.frames, "with --screenshot: frames drawn at least (default 3)")
      ->check(CLI::Range(1, 100000));
  cli.add_option("--wait", o.wait_s, "with --screenshot: at most this many seconds for the simulation (default 600)")
      ->check(CLI::PositiveNumber);
  cli.add_flag("--print-headline", o.headline, "print the headline totals shown at exit");
  cli.add_flag("--print-hazard", o.hazard, "print the hazard areas shown at exit and where the grid was drawn");
  cli.add_option("--evidence", o.evidence,
                 "an evidence file (docs/EVIDENCE.md): drawn on the map, and the run conditioned on it (the "
                 "posterior) runs after the prior; the Evidence section switches between them");
  cli.add_option("--size", o.size, "window size WIDTHxHEIGHT in pixels (default 1280x800)");
  cli.add_option("--script", o.script,
                 "for tests: drive the window with the input events of a script file (clicks on named widgets, "
                 "typed text, keys), print what it asks and exit at its end (viewer/README.md)")
      ->check(CLI::ExistingFile);
  cli.set_version_flag("--version", fmt::format("remnant-viewer {} (git {})", REMNANT_VERSION, REMNANT_GIT_REVISION));
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  o.realizations_given = r_opt->count() > 0;
  o.seed_given = seed_opt->count() > 0;
  return -1;
}

// What to show first; throws InputError for options that do not fit the input.
viewer::Request make_request(Options& o) {
  viewer::Request request;
  if (o.input.empty()) o.input = default_scenario();
  // A result file by its content (HDF5), or by its name where it is not
  // HDF5 (the reader then says so, rather than the TOML parser).
  const std::string ext = file_extension(o.input);
  if (is_hdf5(o.input) || ext == ".h5" || ext == ".hdf5" || ext == ".nc") {
    if (!o.sets.empty() || o.realizations_given || o.seed_given || !o.evidence.empty())
      throw InputError("--set, --realizations, --seed and --evidence apply to a scenario, not to a result file");
    request.result_file = o.input;
  } else {
    request.scenario_path = o.input;
    for (const std::string& s : o.sets) request.overrides.push_back(parse_override(s));
    if (o.realizations_given) request.realizations = o.realizations;
    if (o.seed_given) request.seed = o.seed;
    request.evidence = o.evidence;  // read onto the scenario's grid by the simulation (its errors in the window)
  }
  if (!path_exists(o.input)) throw InputError(fmt::format("{}: no such file", o.input));
  request.backend = o.backend;
  request.threads = o.threads;
  if (!o.screenshot.empty()) check_output_path(o.screenshot, "--screenshot");
  if (!o.script.empty() && !o.screenshot.empty()) throw InputError("--script and --screenshot: give one (a script takes its own screenshots)");
  return request;
}

// GLFW's OpenGL 3.3 core window and Dear ImGui on it; nullptr with `error`
// set when there is no display or no such context.
GLFWwindow* open_window(bool headless, int width, int height, std::string& error) {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) {
    error = "cannot open a window: no display could be opened" +
            (g_glfw_error.empty() ? "" : " (" + g_glfw_error + ")") +
            ". Run it in a desktop session, or headless under xvfb-run -a remnant-viewer ...";
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  GLFWwindow* window = glfwCreateWindow(width, height, "Remnant viewer", nullptr, nullptr);
  if (!window) {
    error = "cannot create an OpenGL 3.3 window" + (g_glfw_error.empty() ? "" : " (" + g_glfw_error + ")");
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(headless ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed; nothing to remember
  const char* font = viewer::kFontFile;
  if (path_exists(font)) {
    // Every bundled place name and the legends' signs (viewer/glyph_ranges.h).
    static_assert(sizeof(ImWchar) >= sizeof(viewer::kGlyphRanges[0]), "ImWchar holds the ranges");
    static const std::vector<ImWchar> ranges(std::begin(viewer::kGlyphRanges), std::end(viewer::kGlyphRanges));
    io.Fonts->AddFontFromFileTTF(font, 15.0f, nullptr, ranges.data());
  }
  ImGui::StyleColorsLight();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");
  return window;
}

void close_window(GLFWwindow* window) {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
}

// --screenshot: after each frame (before the swap), closes the window when
// the simulation failed, writes the back buffer once a frame was drawn with
// the final snapshot and at least `frames` were drawn, or gives up after
// `wait_s`. Errors go to `errors`, the exit status to `status`.
class Screenshot {
 public:
  explicit Screenshot(const Options& o) : o_(o), start_(std::chrono::steady_clock::now()) {}
  // Returns whether the simulation is still working (nap before the next frame).
  bool after_frame(const viewer::App& app, GLFWwindow* window, int drawn, int w, int h, std::string& errors,
                   int& status) {
    const bool done = app.settled();
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (done && app.failed()) {
      // Bad input (a bad --set, a file that is not a scenario or result):
      // no screenshot; the error is printed by main and the exit status is 2.
      glfwSetWindowShouldClose(window, 1);
    } else if (final_frame_ && drawn >= o_.frames) {
      try {
        write_screenshot(o_.screenshot, w, h);
      } catch (const std::exception& e) {
        errors += fmt::format("remnant-viewer: {}\n", e.what());
        status = 1;
      }
      glfwSetWindowShouldClose(window, 1);
    } else if (waited > o_.wait_s) {
      errors += fmt::format("remnant-viewer: the simulation did not finish within {} s (--wait)\n", o_.wait_s);
      status = 1;
      glfwSetWindowShouldClose(window, 1);
    }
    final_frame_ = done;  // the frame drawn with the final snapshot is the one written
    return !done;
  }

 private:
  const Options& o_;
  std::chrono::steady_clock::time_point start_;
  bool final_frame_ = false;
};

// What the loop leaves for main to print.
struct LoopResult {
  int status = 0;
  std::string errors;    // lines for stderr
  std::string headline;  // --print-headline's and --print-hazard's lines for stdout
};

// Dear ImGui's loop until the window closes: poll or wait, NewFrame, the
// panels, Render, swap.
LoopResult run_loop(GLFWwindow* window, const viewer::Request& request, const Options& o,
                    std::unique_ptr<viewer::Script> script) {
  LoopResult out;
  const bool headless = !o.screenshot.empty() || script;
  viewer::App app(request, o.layer);
  Screenshot shot(o);
  int drawn = 0;
  double frame_seconds = 0, first_map_s = 0;  // for --print-headline's timing line
  std::shared_ptr<const viewer::Snapshot> timed;
  while (!glfwWindowShouldClose(window)) {
    // Sleep until an event, or briefly while the simulation refines.
    if (headless)
      glfwPollEvents();
    else
      glfwWaitEventsTimeout(app.simulation().busy() ? 1.0 / 30 : 0.25);
    if (glfwGetWindowAttrib(window, GLFW_ICONIFIED)) {
      glfwWaitEventsTimeout(0.1);
      continue;
    }
    const auto frame_start = std::chrono::steady_clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (script) script->inject(ImGui::GetIO());
    ImGui::NewFrame();
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    app.frame(float(w), float(h), /*hover=*/o.screenshot.empty());
    ImGui::Render();
    glViewport(0, 0, w, h);
    glClearColor(0.92f, 0.92f, 0.90f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    ++drawn;
    if (const auto& s = app.shown(); s && s->data && s != timed) {
      if (!timed || s->generation != timed->generation) first_map_s = s->seconds_since_request;
      timed = s;
    }
    bool nap = false;
    if (script) {
      const auto lines = [&] { return app.map_snapshot() ? headline_lines(*app.map_snapshot()) : std::string("no result\n"); };
      if (!script->after_frame(app, [&](const std::string& path) { write_screenshot(path, w, h); }, lines, out.errors,
                               out.status))
        glfwSetWindowShouldClose(window, 1);
      nap = app.simulation().busy();
    } else if (headless) {
      nap = shot.after_frame(app, window, drawn, w, h, out.errors, out.status);
    }
    glfwSwapBuffers(window);
    if (headless) glFinish();  // llvmpipe draws here: count it in the frame time
    frame_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - frame_start).count();
    // Headless: leave the cores to the simulation between frames.
    if (nap) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto shown = app.on_map() ? app.on_map() : app.shown();
  if (!script && app.failed()) {
    out.errors += fmt::format("remnant-viewer: {}\n", app.shown()->error);
    if (out.status == 0) out.status = 2;
  } else if (!script && shown && !shown->error.empty()) {
    out.errors += fmt::format("remnant-viewer: {}\n", shown->error);
    if (out.status == 0) out.status = 2;
  } else if (!script && shown && !shown->evidence_error.empty()) {
    out.errors += fmt::format("remnant-viewer: --evidence: {}\n", shown->evidence_error);
    if (out.status == 0) out.status = 2;
  }
  if (o.headline && shown && shown->data) {
    out.headline = headline_lines(*shown) +
                   fmt::format("timing first_map_s={:.3f} complete_s={:.3f} frames={} frame_ms_mean={:.2f}\n",
                               first_map_s, shown->seconds_since_request, drawn, 1e3 * frame_seconds / std::max(1, drawn));
  }
  if (o.hazard && shown && shown->data) out.headline += hazard_lines(*shown, app.map_view().grid_on_screen());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const int exit_status = parse_options(argc, argv, o); exit_status >= 0) return exit_status;
  viewer::Request request;
  std::unique_ptr<viewer::Script> script;
  try {
    request = make_request(o);
    if (!o.script.empty()) script = std::make_unique<viewer::Script>(o.script);
  } catch (const std::exception& e) {
    std::cerr << "remnant-viewer: " << e.what() << "\n";
    return 2;
  }
  std::string error;
  int width = 0, height = 0;
  char x = 0;
  std::istringstream size(o.size);
  if (!(size >> width >> x >> height) || x != 'x' || !size.eof() || width < 320 || height < 240 || width > 8192 ||
      height > 8192) {
    std::cerr << "remnant-viewer: --size " << o.size << ": give WIDTHxHEIGHT in pixels, 320x240 to 8192x8192\n";
    return 2;
  }
  GLFWwindow* window = open_window(!o.screenshot.empty() || !o.script.empty(), width, height, error);
  if (!window) {
    std::cerr << "remnant-viewer: " << error << "\n";
    return 1;
  }
  const LoopResult r = run_loop(window, request, o, std::move(script));
  close_window(window);
  std::cerr << r.errors;
  std::cout << r.headline;
  return r.status;
}
