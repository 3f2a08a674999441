// The viewer's UI state and panels (parameters, statistics, save and export)
// around the map. UI state lives here; simulation state lives in Simulation
// and reaches the UI only as immutable snapshots.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "viewer/map_view.h"
#include "viewer/simulation.h"

namespace remnant::viewer {

class App {
 public:
  // request: what to show first (a scenario with overrides, or a result file).
  explicit App(Request request, std::string layer = "dud_mean");
  // One frame of UI (between ImGui::NewFrame and ImGui::Render); hover: show
  // the tooltip of the cell under the mouse (not in screenshots).
  void frame(float width, float height, bool hover = true);
  // The snapshot the last frame showed.
  const std::shared_ptr<const Snapshot>& shown() const { return snap_; }
  // The request submitted last has its final snapshot (refinement complete, or an error).
  bool settled() const;
  // The request submitted last could not be loaded or run (its snapshot has the error).
  bool failed() const { return snap_ && snap_->generation == submitted_ && !snap_->error.empty(); }
  Simulation& simulation() { return sim_; }
  const MapView& map_view() const { return map_; }

 private:
  void parameter_panel(float x, float width, float height);
  // The parameter panel's sections.
  void result_file_section();
  void dud_rates_section(const Scenario& sc);
  void wind_section();
  void strikes_section(const Scenario& sc);
  void run_section();
  void statistics_panel(float x, float width, float height);
  void save_and_export();
  void hazard_section();
  void overrides_section(float width);
  // Replaces the override of key (or appends it) and re-runs.
  void set_override(const std::string& key, const std::string& value);
  void remove_override(std::size_t i);
  void aim_error_control(const std::vector<CarrierType>& carriers, std::size_t k);
  void resubmit();
  void sync_edits();

  Simulation sim_;
  Request request_;
  std::uint64_t submitted_ = 0;  // requests submitted
  std::shared_ptr<const Snapshot> snap_;
  std::shared_ptr<const Scenario> edits_of_;  // the scenario the edit buffers were filled from
  MapView map_;
  int layer_ = 0;
  bool show_hazard_ = true;  // the "hazard areas" checkbox: outlines and ranks on the map

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

  // Save and export run off the UI thread too.
  std::string save_path_ = "out/viewer.h5", export_path_ = "out/viewer.png";
  std::future<std::string> job_;
};

}  // namespace remnant::viewer
