// The viewer's UI state and panels (parameters, statistics, save and export)
// around the map, the status bar above it (progress, Stop, the compare view,
// messages) and the legend below it. UI state lives here; simulation state
// lives in Simulation and reaches the UI only as immutable snapshots.
//
// Layout: every control has a place that does not depend on what the
// simulation is doing. Progress, errors and notes go to the status bar's
// reserved rows; the legend has one size per window width; the map box
// depends on the window size only.
//
// Colour scale: chosen once per run (from its complete result; a provisional
// one from the first part until then), never at each part; "lock scale" keeps
// it across runs until "Rescale". With a pinned baseline A the map shows A, B
// (the current run) or B - A on `remnant compare`'s classes: A and B on one
// scale from both (layer_classes), B - A on difference_classes.
#pragma once

#include <array>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "viewer/map_view.h"
#include "viewer/simulation.h"

namespace remnant::viewer {

// The map's view with a baseline pinned.
enum class CompareView { B = 0, A = 1, Difference = 2 };

class App {
 public:
  // request: what to show first (a scenario with overrides, or a result file).
  explicit App(Request request, std::string layer = "dud_mean");
  // One frame of UI (between ImGui::NewFrame and ImGui::Render); hover: show
  // the tooltip of the cell under the mouse (not in screenshots).
  void frame(float width, float height, bool hover = true);
  // The latest snapshot taken from the simulation.
  const std::shared_ptr<const Snapshot>& shown() const { return snap_; }
  // The snapshot the map shows as B (the current result): the latest of the
  // request submitted last once it has data, else the last complete result;
  // never a part of superseded parameters. With evidence and "posterior"
  // chosen: that snapshot's posterior (Snapshot::posterior) once it is done.
  std::shared_ptr<const Snapshot> on_map() const;
  // The same without the posterior choice: the prior's snapshot.
  std::shared_ptr<const Snapshot> prior_on_map() const;
  // "posterior" chosen in the Evidence section (shown once there is one).
  bool show_posterior() const { return show_posterior_; }
  // The conditioning's diagnostic lines the statistics panel drew in the last
  // frame, each with whether it was drawn in the error colour (a warning).
  const std::vector<std::pair<std::string, bool>>& diagnostics_drawn() const { return diagnostics_drawn_; }
  // The rows of "Duds by munition type" drawn in the last frame, one line each (--script's print types).
  const std::vector<std::string>& types_drawn() const { return types_drawn_; }
  // The snapshot whose result the map shows: the baseline A in A's view, else on_map().
  std::shared_ptr<const Snapshot> map_snapshot() const {
    return baseline_ && view_ == CompareView::A ? baseline_ : on_map();
  }
  // The request submitted last has its final snapshot (refinement complete, stopped, or an error).
  bool settled() const;
  // The request submitted last could not be loaded or run (its snapshot has the error).
  bool failed() const { return snap_ && snap_->generation == submitted_ && !snap_->error.empty(); }
  Simulation& simulation() { return sim_; }
  std::uint32_t simulation_progress() const { return sim_.busy() ? sim_.progress_done() : 0; }
  const MapView& map_view() const { return map_; }
  const std::shared_ptr<const Snapshot>& baseline() const { return baseline_; }
  CompareView view() const { return view_; }
  // The message line of the status bar ("" when none) and whether it is an error.
  const std::string& message() const { return message_; }
  bool message_is_error() const { return message_error_; }
  // Widgets by name and their screen rectangle (x, y, w, h) in the last frame:
  // for tests that click them and check that they do not move.
  const std::map<std::string, std::array<float, 4>>& widgets() const { return widgets_; }
  // The parameter fields' text as shown (realizations, seed): tests read them.
  int realizations_field() const { return realizations_; }
  // "field" or "test": the dud-rate radio buttons; the wind speed fields as "lo,hi".
  const char* rates_field() const { return dud_rates_ ? "test" : "field"; }
  std::string wind_speed_field() const;
  // Average UI frame time in milliseconds (the statistics panel shows it).
  double frame_ms() const { return frame_ms_; }

 private:
  struct HistoryEntry {
    std::shared_ptr<const Snapshot> snap;
    std::string label;
  };
  // The colour scale in force and what it was made from.
  struct Scale {
    std::string layer;
    bool compare = false, provisional = false;
    std::shared_ptr<const ClassScheme> scheme, difference;
    std::shared_ptr<const Snapshot> a, b;
    std::string note;
  };

  void take_snapshot();
  void update_map(const std::string& layer_name);
  void status_bar(const ScreenRect& r);
  void parameter_panel(float x, float width, float height);
  // The parameter panel's sections.
  void result_file_section();
  void dud_rates_section(const Scenario& sc, float width);
  void wind_section();
  void strikes_section(const Scenario& sc);
  void run_section();
  void statistics_panel(float x, float width, float height);
  void headline_table(const Snapshot& s);
  void compare_section(float width);
  void types_section(const Snapshot& s);
  void history_section();
  void save_and_export();
  void hazard_section();
  // The evidence file (load, clear), the prior / posterior choice; and the
  // statistics panel's summary of the evidence and the conditioning's diagnostics.
  void evidence_section();
  void conditioning_section();
  void overrides_section(float width);
  // Replaces the override of key (or appends it) and re-runs.
  void set_override(const std::string& key, const std::string& value);
  void remove_override(std::size_t i);
  void aim_error_control(const std::vector<CarrierType>& carriers, std::size_t k);
  // A range field (two floats) checked against [lo, hi] and lo <= hi before it
  // becomes the override key; refused with a message otherwise.
  void range_field(const char* label, float* v, float lo, float hi, const char* units, const std::string& key);
  // Whether v lies in [lo, hi]; if not, the status bar says so and the
  // fields show the parameters on the map again.
  bool accept(const std::string& what, double v, double lo, double hi, const std::string& units);
  void refuse(const std::string& message);
  void resubmit();
  void sync_edits();
  void note_widget(const std::string& name);
  void pin(std::shared_ptr<const Snapshot> s);

  Simulation sim_;
  Request request_;
  std::uint64_t submitted_ = 0;  // requests submitted
  std::shared_ptr<const Snapshot> snap_;
  // What the map shows while the request submitted last has no data yet: the
  // last complete result (or the history entry restored).
  std::shared_ptr<const Snapshot> held_, last_complete_;
  std::shared_ptr<const Scenario> edits_of_;  // the scenario the edit buffers were filled from
  MapView map_;
  int layer_ = 0;
  bool show_hazard_ = true;  // the "hazard areas" checkbox: outlines and ranks on the map
  bool show_posterior_ = false;  // the map shows the run conditioned on the evidence
  std::string evidence_path_;    // the Evidence section's field
  std::vector<std::pair<std::string, bool>> diagnostics_drawn_;
  std::vector<std::string> types_drawn_;

  // Comparison and scale.
  std::shared_ptr<const Snapshot> baseline_;
  CompareView view_ = CompareView::B;
  Scale scale_;
  bool lock_scale_ = true, rescale_ = false;
  // Layers of snapshots (a snapshot's data never changes) and B - A.
  struct LayerCache {
    std::shared_ptr<const Snapshot> snap;
    std::string name;
    std::shared_ptr<const DisplayLayer> layer;
  };
  LayerCache layer_a_, layer_b_, layer_diff_;
  std::shared_ptr<const Snapshot> diff_of_;
  std::vector<ComparisonRow> rows_;  // comparison_rows(A, B) of rows_a_, rows_b_
  std::shared_ptr<const Snapshot> rows_a_, rows_b_;
  std::deque<HistoryEntry> history_;

  // Edit buffers of the parameter panel (filled from the scenario shown).
  int dud_rates_ = 0;  // 0 field, 1 test
  float wind_speed_[2] = {0, 0}, wind_from_[2] = {0, 0};
  int sites_ = 0;
  double total_ = 0;
  std::vector<std::array<float, 2>> height_, spin_;  // per inventory line
  std::vector<float> sd_reliability_;  // per submunition type, % (1 - self_destruct_failure)
  std::vector<float> aim_cep_;         // per carrier, metres
  int realizations_ = 0;
  std::string seed_text_, set_text_, message_;
  bool message_error_ = false;

  std::map<std::string, std::array<float, 4>> widgets_;
  double frame_ms_ = 0;

  // Save and export run off the UI thread too.
  std::string save_path_ = "out/viewer.h5", export_path_ = "out/viewer.png";
  std::future<std::string> job_;
};

}  // namespace remnant::viewer
