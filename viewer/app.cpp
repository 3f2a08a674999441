#include "viewer/app.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "host/common/atomic_output.h"
#include "host/common/numbers.h"
#include "host/evidence/exports.h"
#include "host/maps/export.h"
#include "host/evidence/layers.h"
#include "host/maps/map.h"

namespace remnant::viewer {

namespace {

// A TOML value for --set: numbers in their shortest exact form.
std::string toml_range(float lo, float hi) { return fmt::format("[{}, {}]", lo, hi); }

const ImVec4 kErrorColour(0.85f, 0.15f, 0.1f, 1.0f);

// An error, wrapped inside the panel.
void error_text(const std::string& e) {
  ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
  ImGui::TextWrapped("%s", e.c_str());
  ImGui::PopStyleColor();
}

void summary_row(const char* what, const Summary& s, int decimals) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(what);
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(format_number(s.mean, decimals).c_str());
  ImGui::TableNextColumn();
  ImGui::Text("%s - %s", format_number(s.q05, decimals).c_str(), format_number(s.q95, decimals).c_str());
}

}  // namespace

App::App(Request request, std::string layer) : request_(std::move(request)) {
  const auto& names = display_layer_names();
  const auto it = std::find(names.begin(), names.end(), layer);
  layer_ = it == names.end() ? 0 : int(it - names.begin());
  resubmit();
}

void App::resubmit() {
  submitted_ = sim_.submit(request_);
  message_.clear();
}

bool App::settled() const {
  return snap_ && snap_->generation == submitted_ && snap_->finished && sim_.idle();
}

void App::set_override(const std::string& key, const std::string& value) {
  auto it = std::find_if(request_.overrides.begin(), request_.overrides.end(),
                         [&](const Override& o) { return o.key == key; });
  if (it != request_.overrides.end())
    it->value = value;
  else
    request_.overrides.push_back({key, value});
  resubmit();
}

void App::remove_override(std::size_t i) {
  request_.overrides.erase(request_.overrides.begin() + long(i));
  resubmit();
}

// Fills the edit buffers from the scenario shown (when a new one arrives and
// no widget is being edited).
void App::sync_edits() {
  if (!snap_ || !snap_->scenario || snap_->scenario == edits_of_ || ImGui::IsAnyItemActive()) return;
  const Scenario& sc = *snap_->scenario;
  edits_of_ = snap_->scenario;
  dud_rates_ = sc.dud_rates == "test" ? 1 : 0;
  wind_speed_[0] = float(sc.wind.speed_mps.lo), wind_speed_[1] = float(sc.wind.speed_mps.hi);
  wind_from_[0] = float(sc.wind.from_deg.lo), wind_from_[1] = float(sc.wind.from_deg.hi);
  sites_ = int(sc.sites.count);
  total_ = sc.inventory.total_submunitions ? double(*sc.inventory.total_submunitions) : 0.0;
  height_.clear();
  spin_.clear();
  for (const InventoryLine& l : sc.inventory.lines) {
    const CarrierType& c = sc.carriers[l.carrier];
    const Range h = l.function_height_m.value_or(c.function_height_m);
    const Range s = l.spin_rpm.value_or(c.spin_rpm.value_or(Range{}));
    height_.push_back({float(h.lo), float(h.hi)});
    spin_.push_back({float(s.lo), float(s.hi)});
  }
  sd_reliability_.clear();
  for (const SubmunitionType& t : sc.submunitions)
    sd_reliability_.push_back(t.self_destruct_failure ? float(100 * (1 - t.self_destruct_failure->mean())) : 0.0f);
  aim_cep_.clear();
  for (const CarrierType& c : sc.carriers) aim_cep_.push_back(float(c.aim_error_cep_m));
  realizations_ = int(snap_->target);
  seed_text_ = std::to_string(request_.seed.value_or(sc.seed));
}

// The aim error of a carrier: its catalogue entry, through munition_overrides.
void App::aim_error_control(const std::vector<CarrierType>& carriers, std::size_t k) {
  if (k >= aim_cep_.size()) return;
  ImGui::DragFloat("aim error CEP m", &aim_cep_[k], 1.0f, 0.0f, 100000.0f, "%.0f", ImGuiSliderFlags_AlwaysClamp);
  if (ImGui::IsItemDeactivatedAfterEdit())
    set_override("munition_overrides." + carriers[k].name + ".aim_error_cep_m", fmt::format("{}", aim_cep_[k]));
}

void App::frame(float width, float height, bool hover) {
  if (auto s = sim_.latest(); s && s != snap_) snap_ = std::move(s);
  sync_edits();
  if (job_.valid() && job_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) message_ = job_.get();

  const float left_w = std::min(360.0f, width * 0.3f), right_w = std::min(380.0f, width * 0.3f);
  const ScreenRect map_area{left_w, 0, std::max(1.0f, width - left_w - right_w), height};
  if (snap_) map_.set(snap_->data, snap_->context, display_layer_names()[std::size_t(layer_)]);
  map_.set_hazard(snap_ && show_hazard_ ? snap_->hazard : nullptr);
  // The map above the legend (its height from the last frame), the legend below it.
  ScreenRect above = map_area;
  above.h = std::max(1.0f, map_area.h - map_.legend_height());
  map_.draw(above, hover);
  map_.draw_legend(map_area);
  parameter_panel(0, left_w, height);
  statistics_panel(width - right_w, right_w, height);
}

void App::parameter_panel(float x, float width, float height) {
  ImGui::SetNextWindowPos(ImVec2(x, 0), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(width, height), ImGuiCond_Always);
  ImGui::Begin("Parameters", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  ImGui::PushTextWrapPos(0.0f);  // every text wraps at the panel's edge
  const Scenario* sc = snap_ && snap_->scenario ? snap_->scenario.get() : nullptr;
  if (!request_.result_file.empty()) {
    result_file_section();
    if (failed()) error_text(snap_->error);
    ImGui::PopTextWrapPos();
    ImGui::End();
    return;
  }
  ImGui::TextWrapped("%s", sc ? sc->name.c_str() : failed() ? "(not loaded)" : "(loading)");
  ImGui::TextDisabled("%s", request_.scenario_path.c_str());
  if (failed()) {
    error_text(snap_->error);
    if (!request_.overrides.empty())
      ImGui::TextDisabled(sc ? "The map and controls show the last scenario that loaded; fix or remove the override below."
                             : "Fix or remove the override below.");
  }
  ImGui::PushItemWidth(width * 0.45f);
  if (sc) {  // else nothing loaded yet (a bad --set at start): only the overrides, to edit
    dud_rates_section(*sc);
    wind_section();
    strikes_section(*sc);
    run_section();
  }
  overrides_section(width);
  ImGui::PopItemWidth();
  ImGui::PopTextWrapPos();
  ImGui::End();
}

// A result file shown: what it holds, and a button to re-run its scenario.
void App::result_file_section() {
  ImGui::TextWrapped("Result file %s", request_.result_file.c_str());
  if (!snap_ || !snap_->data) return;
  const ResultData& d = *snap_->data;
  ImGui::TextWrapped("%s", d.scenario_name.c_str());
  ImGui::TextDisabled("%u realizations, seed %llu", d.realizations, static_cast<unsigned long long>(d.seed));
  for (const std::string& o : d.overrides) ImGui::BulletText("--set %s", o.c_str());
  const bool can = !d.scenario_path.empty() && path_exists(d.scenario_path);
  if (!can) ImGui::BeginDisabled();
  if (ImGui::Button("Re-run this scenario to change it")) {
    Request r;
    r.scenario_path = d.scenario_path;
    for (const std::string& o : d.overrides) r.overrides.push_back(parse_override(o));
    r.realizations = d.realizations;
    r.seed = d.seed;
    request_ = r;
    resubmit();
  }
  if (!can) {
    ImGui::EndDisabled();
    ImGui::TextWrapped("(its scenario file %s is not here)", d.scenario_path.c_str());
  }
}

// The dud rates of the types fired and their self-destruct reliability.
void App::dud_rates_section(const Scenario& sc) {
  if (ImGui::CollapsingHeader("Dud rates", ImGuiTreeNodeFlags_DefaultOpen)) {
    const bool both = std::any_of(sc.submunitions.begin(), sc.submunitions.end(),
                                  [](const SubmunitionType& t) { return t.dud_rate_test && t.dud_rate_field; });
    if (both) {
      if (ImGui::RadioButton("field figures", &dud_rates_, 0)) set_override("scenario.dud_rates", "\"field\"");
      ImGui::SameLine();
      if (ImGui::RadioButton("test-range figures", &dud_rates_, 1)) set_override("scenario.dud_rates", "\"test\"");
    }
    ImGui::PushTextWrapPos(-1.0f);  // names and numbers in tables stay on one line
    if (ImGui::BeginTable("rates", 3, ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("type");
      ImGui::TableSetupColumn("dud rate (mean)");
      ImGui::TableSetupColumn("self-destruct reliability");
      ImGui::TableHeadersRow();
      std::vector<bool> used(sc.submunitions.size(), false);
      for (const InventoryLine& l : sc.inventory.lines) used[sc.carriers[l.carrier].type] = true;
      for (const Strike& s : sc.strikes) used[sc.carriers[s.carrier].type] = true;
      for (std::size_t i = 0; i < sc.submunitions.size(); ++i) {
        if (!used[i]) continue;
        const SubmunitionType& t = sc.submunitions[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(t.name.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.1f %%", 100 * t.dud_rate.mean());
        ImGui::TableNextColumn();
        if (!t.self_destruct || i >= sd_reliability_.size()) {
          ImGui::TextDisabled("none");
          continue;
        }
        // Reliability = 1 - self_destruct_failure; without a failure prior the
        // type's dud rate already includes the self-destruct (reliability 0 on top).
        ImGui::PushID(int(i));
        ImGui::SetNextItemWidth(-FLT_MIN);
        ImGui::DragFloat("##sd", &sd_reliability_[i], 0.5f, 0.0f, 100.0f,
                         t.self_destruct_failure ? "%.1f %%" : "in dud rate", ImGuiSliderFlags_AlwaysClamp);
        if (ImGui::IsItemDeactivatedAfterEdit())
          set_override("munition_overrides." + t.name + ".self_destruct_failure",
                       fmt::format("{:.6g}", (100.0 - double(sd_reliability_[i])) / 100.0));
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip(t.self_destruct_failure ? "P(the self-destruct works) when the fuze fails"
                                                    : "the catalogue's dud rate of %s is of the whole item, self-destruct included;\n"
                                                      "a reliability set here multiplies it by (1 - reliability)",
                            t.name.c_str());
        ImGui::PopID();
      }
      ImGui::EndTable();
    }
    ImGui::PopTextWrapPos();
    ImGui::TextDisabled("Self-destruct reliability and aim error change the catalogue's entries (%s) through --set munition_overrides.NAME.KEY.",
                        std::filesystem::path(sc.munitions_path).filename().c_str());
  }
}

void App::wind_section() {
  if (ImGui::CollapsingHeader("Wind", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::DragFloat2("speed m/s", wind_speed_, 0.1f, 0.0f, 60.0f, "%.1f");
    if (ImGui::IsItemDeactivatedAfterEdit()) set_override("wind.speed_mps", toml_range(wind_speed_[0], wind_speed_[1]));
    ImGui::DragFloat2("from deg", wind_from_, 1.0f, 0.0f, 360.0f, "%.0f");
    if (ImGui::IsItemDeactivatedAfterEdit()) set_override("wind.from_deg", toml_range(wind_from_[0], wind_from_[1]));
  }
}

// Sites, the total fired and, per carrier, aim error, function height and spin.
void App::strikes_section(const Scenario& sc) {
  if (ImGui::CollapsingHeader("Strikes", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (sc.sites.present) {
      ImGui::InputInt("strike sites", &sites_, 10, 100);
      if (ImGui::IsItemDeactivatedAfterEdit()) set_override("sites.count", std::to_string(sites_));
    }
    if (sc.inventory.total_submunitions) {
      ImGui::InputDouble("submunitions", &total_, 1e5, 1e6, "%.0f");
      if (ImGui::IsItemDeactivatedAfterEdit())
        set_override("inventory.total_submunitions", fmt::format("{}", static_cast<long long>(std::llround(total_))));
    }
    for (std::size_t i = 0; i < sc.inventory.lines.size() && i < height_.size(); ++i) {
      const CarrierType& c = sc.carriers[sc.inventory.lines[i].carrier];
      ImGui::PushID(int(i));
      ImGui::Text("%s (%s, %s)", c.name.c_str(), c.delivery.c_str(), c.submunition.c_str());
      aim_error_control(sc.carriers, sc.inventory.lines[i].carrier);
      if (c.delivery == "air") {
        ImGui::DragFloat2("function height m", height_[i].data(), 5.0f, 0.0f, 20000.0f, "%.0f");
        if (ImGui::IsItemDeactivatedAfterEdit())
          set_override(fmt::format("inventory.carrier[{}].function_height_m", i), toml_range(height_[i][0], height_[i][1]));
        if (c.spin_rpm) {
          ImGui::DragFloat2("spin rpm", spin_[i].data(), 10.0f, 0.0f, 100000.0f, "%.0f");
          if (ImGui::IsItemDeactivatedAfterEdit())
            set_override(fmt::format("inventory.carrier[{}].spin_rpm", i), toml_range(spin_[i][0], spin_[i][1]));
        }
      }
      ImGui::PopID();
    }
    if (!sc.strikes.empty()) {
      std::uint64_t carriers = 0;
      for (const Strike& s : sc.strikes) carriers += s.carriers;
      ImGui::Text("%zu [[strike]] rows, %llu carriers", sc.strikes.size(), static_cast<unsigned long long>(carriers));
      std::vector<bool> shown(sc.carriers.size(), false);
      for (const InventoryLine& l : sc.inventory.lines) shown[l.carrier] = true;
      for (const Strike& s : sc.strikes) {
        if (shown[s.carrier]) continue;
        shown[s.carrier] = true;
        const CarrierType& c = sc.carriers[s.carrier];
        ImGui::PushID(int(1000 + s.carrier));
        ImGui::Text("%s (%s, %s)", c.name.c_str(), c.delivery.c_str(), c.submunition.c_str());
        aim_error_control(sc.carriers, s.carrier);
        ImGui::PopID();
      }
    }
  }
}

// Realizations and seed.
void App::run_section() {
  if (ImGui::CollapsingHeader("Run", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::InputInt("realizations", &realizations_, 10, 100);
    if (ImGui::IsItemDeactivatedAfterEdit() && realizations_ >= 1) {
      request_.realizations = std::uint32_t(realizations_);
      resubmit();
    }
    ImGui::InputText("seed", &seed_text_, ImGuiInputTextFlags_CharsDecimal);
    if (ImGui::IsItemDeactivatedAfterEdit() && !seed_text_.empty()) {
      try {
        request_.seed = std::stoull(seed_text_);
        resubmit();
      } catch (const std::exception&) {
        message_ = "the seed must be a non-negative integer";
      }
    }
  }
}

// The --set overrides: a KEY=VALUE field and the list, each with a button to remove it.
void App::overrides_section(float width) {
  if (ImGui::CollapsingHeader("Overrides (--set)", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::PushItemWidth(width - 90);
    const bool enter = ImGui::InputTextWithHint("##set", "KEY=VALUE", &set_text_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::PopItemWidth();
    ImGui::SameLine();
    if ((ImGui::Button("Set") || enter) && !set_text_.empty()) {
      try {
        const Override o = parse_override(set_text_);
        set_override(o.key, o.value);
        set_text_.clear();
      } catch (const std::exception& e) {
        message_ = e.what();
      }
    }
    for (std::size_t i = 0; i < request_.overrides.size(); ++i) {
      ImGui::PushID(int(i));
      if (ImGui::SmallButton("x")) {
        remove_override(i);
        ImGui::PopID();
        break;
      }
      ImGui::SameLine();
      ImGui::TextWrapped("%s=%s", request_.overrides[i].key.c_str(), request_.overrides[i].value.c_str());
      ImGui::PopID();
    }
    if (request_.overrides.empty()) ImGui::TextDisabled("none: the scenario file as written");
  }
}

void App::statistics_panel(float x, float width, float height) {
  ImGui::SetNextWindowPos(ImVec2(x, 0), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(width, height), ImGuiCond_Always);
  ImGui::Begin("Statistics", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  ImGui::PushTextWrapPos(0.0f);  // every text wraps at the panel's edge

  const auto& names = display_layer_names();
  ImGui::SetNextItemWidth(width * 0.6f);
  if (ImGui::BeginCombo("layer", names[std::size_t(layer_)].c_str())) {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (ImGui::Selectable(names[i].c_str(), int(i) == layer_)) layer_ = int(i);
    ImGui::EndCombo();
  }
  if (const DisplayLayer* l = map_.layer()) ImGui::TextWrapped("%s", l->long_name.c_str());
  ImGui::Separator();

  const bool busy = sim_.busy();
  if (failed()) error_text(snap_->error);
  if (busy) {
    const std::uint32_t target = snap_ && snap_->generation == submitted_ ? snap_->target : 0;
    const std::string stage = sim_.stage();
    if (target)
      ImGui::ProgressBar(float(sim_.progress_done()) / float(target), ImVec2(-1, 0),
                         fmt::format("{}: {} of {} realizations", stage, sim_.progress_done(), target).c_str());
    else
      ImGui::Text("%s ...", stage.c_str());
  }
  if (!snap_ || !snap_->data) {
    if (!message_.empty()) ImGui::TextWrapped("%s", message_.c_str());
    ImGui::PopTextWrapPos();
    ImGui::End();
    return;
  }
  const Snapshot& s = *snap_;
  const ResultData& d = *s.data;
  ImGui::Text("%u realizations%s, seed %llu", s.done, s.finished ? "" : fmt::format(" of {} so far", s.target).c_str(),
              static_cast<unsigned long long>(d.seed));
  if (s.generation != submitted_) ImGui::TextDisabled("(showing the previous parameters until the first part is done)");

  const Headline& h = s.headline;
  ImGui::PushTextWrapPos(-1.0f);  // numbers in tables stay on one line
  if (ImGui::BeginTable("headline", 3, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("over realizations");
    ImGui::TableSetupColumn("mean");
    ImGui::TableSetupColumn("90 % interval");
    ImGui::TableHeadersRow();
    summary_row("unexploded on land", h.total_duds, 0);
    summary_row("impacts on land", h.impacts, 0);
    if (h.hazard.recorded())
      summary_row(fmt::format("hazard km2 ({:g} m)", h.hazard.fade_out_m).c_str(), h.hazard_area_km2, 2);
    summary_row("cells with a dud, km2", h.contaminated_area_km2, 2);
    summary_row("duds in water", h.in_water, 0);
    summary_row("off the grid", h.outside_grid, 0);
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();

  // Histogram of the total duds over realizations.
  std::vector<double> totals;
  totals.reserve(d.totals.size());
  for (const RealizationTotals& t : d.totals) totals.push_back(double(t.duds));
  if (!totals.empty()) {
    const auto [lo_it, hi_it] = std::minmax_element(totals.begin(), totals.end());
    const double lo = *lo_it, hi = *hi_it;
    const int bins = int(std::clamp<std::size_t>(totals.size() / 2, 1, 24));
    std::vector<float> counts(std::size_t(bins), 0.0f);
    for (double v : totals) {
      const int b = hi > lo ? std::min(bins - 1, int((v - lo) / (hi - lo) * bins)) : 0;
      counts[std::size_t(b)] += 1;
    }
    ImGui::TextUnformatted("Unexploded on land, per realization");
    ImGui::PlotHistogram("##hist", counts.data(), bins, 0, nullptr, 0.0f, FLT_MAX, ImVec2(width - 20, 90));
    ImGui::TextDisabled("%s to %s, %zu realizations", format_number(lo).c_str(), format_number(hi).c_str(),
                        totals.size());
  }

  ImGui::PushTextWrapPos(-1.0f);
  if (ImGui::CollapsingHeader("Duds by land cover", ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("classes", 3, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_RowBg)) {
    for (int k = 0; k < kLandCoverClasses; ++k) {
      const Summary& c = h.duds_by_class[k];
      if (c.max <= 0) continue;
      summary_row(land_cover_name(LandCover(k)), c, 0);
    }
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();

  if (ImGui::CollapsingHeader("Backend", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::Text("backend: %s", s.backend.c_str());
    if (!s.backend_note.empty()) ImGui::TextWrapped("%s", s.backend_note.c_str());
    if (s.items_per_second > 0) {
      ImGui::Text("%s submunitions per realization", format_number(double(d.fired_per_realization)).c_str());
      ImGui::Text("%s submunitions/s (engine, %.2f s)", format_3sig(s.items_per_second).c_str(), s.sim_seconds);
      ImGui::Text("this map %.2f s after the change", s.seconds_since_request);
    }
  }

  if (ImGui::CollapsingHeader("Save and export", ImGuiTreeNodeFlags_DefaultOpen)) save_and_export();
  if (!message_.empty()) ImGui::TextWrapped("%s", message_.c_str());
  // Last, so that nothing above moves when the areas arrive.
  if (ImGui::CollapsingHeader("Hazard areas", ImGuiTreeNodeFlags_DefaultOpen)) hazard_section();
  ImGui::PopTextWrapPos();
  ImGui::End();
}

// The hazard areas of the result shown (Snapshot::hazard, computed on the
// worker once the run is complete): the threshold, their count, area and
// expected items, and the first five by rank. Means only.
void App::hazard_section() {
  ImGui::Checkbox("hazard areas", &show_hazard_);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("their outlines and ranks on the map");
  const Snapshot& s = *snap_;
  if (!s.hazard) {
    if (!s.hazard_error.empty())
      error_text("no hazard areas: " + s.hazard_error);
    else if (!s.finished)
      ImGui::TextDisabled("Drawn once the run is complete (%u of %u realizations so far).", s.done, s.target);
    return;
  }
  const HazardAreas& h = *s.hazard;
  double area_m2 = 0, inside = 0;
  for (const HazardArea& a : h.areas) area_m2 += a.area_m2, inside += a.items_mean;
  ImGui::TextWrapped("%s", h.threshold.text().c_str());
  ImGui::Text("%zu area%s, %s km2", h.areas.size(), h.areas.size() == 1 ? "" : "s", format_figure(area_m2 * 1e-6).c_str());
  ImGui::TextWrapped("expected unexploded items inside %s of %s in the grid (%s %%)", format_figure(inside).c_str(),
                     format_figure(h.total_mean).c_str(),
                     format_figure(h.total_mean > 0 ? 100.0 * inside / h.total_mean : 0.0).c_str());
  const std::vector<std::size_t> ranked = by_rank(h);
  const std::size_t shown = std::min<std::size_t>(ranked.size(), 5);
  ImGui::PushTextWrapPos(-1.0f);  // numbers in tables stay on one line
  if (shown && ImGui::BeginTable("hazard", 4, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("rank");
    ImGui::TableSetupColumn("area ha");
    ImGui::TableSetupColumn("items/ha");
    ImGui::TableSetupColumn("items inside");
    ImGui::TableHeadersRow();
    for (std::size_t k = 0; k < shown; ++k) {
      const HazardArea& a = h.areas[ranked[k]];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%u", a.rank);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_figure(a.area_m2 * 1e-4).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_figure(a.density_per_ha()).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_figure(a.items_mean).c_str());
    }
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();
  if (ranked.size() > shown) ImGui::TextDisabled("... and %zu more", ranked.size() - shown);
  ImGui::TextDisabled("Model-derived areas, not survey results. Means over the %u realizations shown; "
                      "`remnant hazard RESULT.h5` gives their 90 %% intervals (it runs the realizations again) "
                      "and writes the polygons.",
                      s.done);
}

void App::save_and_export() {
  const bool writing = job_.valid();
  std::shared_ptr<const ResultData> d = snap_->data;
  if (writing) ImGui::BeginDisabled();
  ImGui::SetNextItemWidth(220);
  ImGui::InputText("##save", &save_path_);
  ImGui::SameLine();
  if (ImGui::Button("Save HDF5")) {
    const std::string path = save_path_;
    job_ = std::async(std::launch::async, [d, path] {
      try {
        write_result_file(path, *d);
        return fmt::format("wrote {} ({} realizations)", path, d->realizations);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    });
  }
  ImGui::SetNextItemWidth(220);
  ImGui::InputText("##export", &export_path_);
  ImGui::SameLine();
  if (ImGui::Button("Export map")) {
    MapOptions o;
    o.layer = display_layer_names()[std::size_t(layer_)];
    const std::string path = export_path_;
    job_ = std::async(std::launch::async, [d, o, path] {
      try {
        export_file(*d, o, path);
        return fmt::format("wrote {} ({})", path, o.layer);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    });
  }
  if (writing) {
    ImGui::EndDisabled();
    ImGui::TextUnformatted("writing ...");
  }
  ImGui::TextDisabled("Saves the %u realizations shown (a complete run of them); export: .png .svg .pdf (map page), .tif, .csv",
                      d->realizations);
}

}  // namespace remnant::viewer
