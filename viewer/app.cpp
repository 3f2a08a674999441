#include "viewer/app.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <limits>

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
constexpr std::size_t kHistoryRows = 6;
constexpr int kMaxRealizations = 100000000;  // the CLI's -r range

void summary_row(const char* what, const Summary& s, int decimals) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  fitted_text(what, ImGui::GetContentRegionAvail().x);
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(format_number(s.mean, decimals).c_str());
  ImGui::TableNextColumn();
  ImGui::Text("%s - %s", format_number(s.q05, decimals).c_str(), format_number(s.q95, decimals).c_str());
}

// A tooltip of a long text, wrapped.
void wrapped_tooltip(const std::string& text) {
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 35.0f);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

// A table with its header row: columns of a weight > 0 share the width left
// (their text cut with an ellipsis), those of weight 0 fit their numbers.
bool stretch_table(const char* id, std::initializer_list<std::pair<const char*, float>> columns) {
  if (!ImGui::BeginTable(id, int(columns.size()), ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_RowBg)) return false;
  for (const auto& [name, weight] : columns)
    ImGui::TableSetupColumn(name, weight > 0 ? ImGuiTableColumnFlags_WidthStretch : ImGuiTableColumnFlags_WidthFixed, weight);
  ImGui::TableHeadersRow();
  return true;
}

bool result_layer(const DisplayLayer& l) { return l.kind == LayerKind::Density || l.kind == LayerKind::Probability; }

bool same_grid(const ResultData& a, const ResultData& b) {
  const ResultGrid &ga = a.grid, &gb = b.grid;
  return ga.nx == gb.nx && ga.ny == gb.ny && ga.cell_size_m == gb.cell_size_m && ga.origin_x_m == gb.origin_x_m &&
         ga.origin_y_m == gb.origin_y_m && ga.crs == gb.crs;
}

// What sets a run apart, in a line: its overrides (or "as written"), realizations and seed.
std::string run_label(const Snapshot& s) {
  std::string out;
  for (const Override& o : s.request.overrides) out += (out.empty() ? "" : "; ") + o.key + "=" + o.value;
  if (!s.request.result_file.empty())
    out = std::filesystem::path(s.request.result_file).filename().string();
  else if (out.empty())
    out = "scenario as written";
  const unsigned long long seed = s.data ? s.data->seed : 0;
  if (s.is_posterior) out = "posterior on " + std::filesystem::path(s.request.evidence).filename().string() + ": " + out;
  return fmt::format("{} · {} realizations{} · seed {}", out, s.done, s.stopped ? " (stopped)" : "", seed);
}

// The same request, realizations and seed aside.
bool same_parameters(const Request& a, const Request& b) {
  Request x = a, y = b;
  x.realizations = y.realizations;
  x.seed = y.seed;
  return x == y;
}

}  // namespace

App::App(Request request, std::string layer) : request_(std::move(request)), evidence_path_(request_.evidence) {
  const auto& names = display_layer_names();
  const auto it = std::find(names.begin(), names.end(), layer);
  layer_ = it == names.end() ? 0 : int(it - names.begin());
  resubmit();
}

void App::resubmit() {
  // Until the new request has data the map holds the last complete result (or
  // what is held already: a history entry restored, or the result held while
  // the request before this one had no data yet).
  if (!held_) held_ = last_complete_;
  submitted_ = sim_.submit(request_);
  message_.clear();
  message_error_ = false;
}

std::string App::wind_speed_field() const { return fmt::format("{:g},{:g}", wind_speed_[0], wind_speed_[1]); }

bool App::settled() const {
  return snap_ && snap_->generation == submitted_ && snap_->finished && sim_.idle();
}

std::shared_ptr<const Snapshot> App::prior_on_map() const {
  if (snap_ && snap_->data && snap_->generation == submitted_ && snap_->error.empty()) return snap_;
  return held_;
}

std::shared_ptr<const Snapshot> App::on_map() const {
  auto s = prior_on_map();
  if (show_posterior_ && s && s->posterior) return s->posterior;
  return s;
}

void App::refuse(const std::string& message) {
  message_ = message;
  message_error_ = true;
  edits_of_.reset();  // the fields show the parameters on the map again
}

bool App::accept(const std::string& what, double v, double lo, double hi, const std::string& units) {
  if (std::isfinite(v) && v >= lo && v <= hi) return true;
  refuse(fmt::format("Refused: {} {:g} is outside {:g} to {:g} {}; the fields show the parameters on the map.", what, v,
                     lo, hi, units));
  return false;
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

void App::note_widget(const std::string& name) {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  widgets_[name] = {a.x, a.y, b.x - a.x, b.y - a.y};
}

void App::pin(std::shared_ptr<const Snapshot> s) {
  if (!s || !s->data || !s->finished) return;
  baseline_ = std::move(s);
  if (view_ == CompareView::B) view_ = CompareView::Difference;
  message_ = "Pinned as A: " + run_label(*baseline_) + ". Change a parameter: the new run is B.";
  message_error_ = false;
}

// Fills the edit buffers from the scenario on the map (when another one is
// shown, or after a refused value, and no widget is being edited).
void App::sync_edits() {
  const auto shown = on_map();
  if (!shown || !shown->scenario || shown->scenario == edits_of_ || ImGui::IsAnyItemActive()) return;
  const Scenario& sc = *shown->scenario;
  edits_of_ = shown->scenario;
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
  realizations_ = int(shown->asked ? shown->asked : shown->target);
  seed_text_ = std::to_string(shown->request.seed.value_or(sc.seed));
}

// Takes the simulation's latest snapshot; keeps the last complete result and
// the run history.
void App::take_snapshot() {
  auto s = sim_.latest();
  if (!s || s == snap_) return;
  const bool was_failed = failed();
  snap_ = std::move(s);
  if (failed() && !was_failed) edits_of_.reset();  // back to the parameters on the map
  if (snap_->generation == submitted_ && snap_->data && snap_->error.empty()) held_.reset();
  if (!snap_->finished || !snap_->data || !snap_->error.empty()) return;
  last_complete_ = snap_;
  if (snap_->generation != submitted_) return;
  // The history: one entry per parameter set (a longer run of it replaces the shorter).
  const Snapshot& n = *snap_;
  history_.erase(std::remove_if(history_.begin(), history_.end(),
                                [&](const HistoryEntry& e) {
                                  return same_parameters(e.snap->request, n.request) && e.snap->data->seed == n.data->seed;
                                }),
                 history_.end());
  history_.push_front({snap_, run_label(n)});
  while (history_.size() > kHistoryRows) history_.pop_back();
}

void App::frame(float width, float height, bool hover) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.DeltaTime > 0) frame_ms_ = frame_ms_ > 0 ? 0.9 * frame_ms_ + 100.0 * io.DeltaTime : 1e3 * io.DeltaTime;
  take_snapshot();
  sync_edits();
  if (job_.valid() && job_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    message_ = job_.get();
    message_error_ = message_.rfind("wrote ", 0) != 0;
  }

  const float left_w = std::min(360.0f, width * 0.3f), right_w = std::min(380.0f, width * 0.3f);
  const float map_w = std::max(1.0f, width - left_w - right_w);
  // The status bar: a progress row, the compare row, two message lines.
  const ImGuiStyle& st = ImGui::GetStyle();
  const float status_h = 2 * st.WindowPadding.y + 2 * ImGui::GetFrameHeightWithSpacing() +
                         2 * ImGui::GetTextLineHeightWithSpacing();
  const float legend_h = MapView::legend_height(map_w);
  update_map(display_layer_names()[std::size_t(layer_)]);
  const ScreenRect map_area{left_w, status_h, map_w, std::max(1.0f, height - status_h - legend_h)};
  map_.draw(map_area, hover);
  map_.draw_legend({left_w, status_h, map_w, height - status_h});
  status_bar({left_w, 0, map_w, status_h});
  parameter_panel(0, left_w, height);
  statistics_panel(width - right_w, right_w, height);
}

// The scale (kept, or chosen now) and the picture of the view chosen.
void App::update_map(const std::string& layer_name) {
  const auto b = on_map();
  if (!b || !b->data) {
    map_.set({});
    return;
  }
  auto layer_of = [&](LayerCache& c, const std::shared_ptr<const Snapshot>& s) {
    if (c.snap != s || c.name != layer_name) {
      c.snap = s;
      c.name = layer_name;
      c.layer = std::make_shared<const DisplayLayer>(display_layer(*s->data, layer_name));
    }
    return c.layer;
  };
  const auto lb = layer_of(layer_b_, b);
  const bool can_compare = baseline_ && same_grid(*baseline_->data, *b->data) && result_layer(*lb);
  const auto la = can_compare ? layer_of(layer_a_, baseline_) : nullptr;
  if (baseline_ && !can_compare && view_ == CompareView::Difference) view_ = CompareView::B;

  // The scale: kept unless there is none for this layer and mode, Rescale was
  // asked, a provisional one meets the complete result, or (unlocked) a new
  // complete result arrives. Inputs (elevation, land cover) follow the result.
  const bool input_layer = !result_layer(*lb);
  const bool need = !scale_.scheme || scale_.layer != layer_name || scale_.compare != can_compare || rescale_ ||
                    (scale_.provisional && b->finished && b != scale_.b) ||
                    (input_layer && scale_.b != b) ||
                    (!lock_scale_ && b->finished && (scale_.b != b || (can_compare && scale_.a != baseline_)));
  if (need) {
    rescale_ = false;
    scale_ = Scale{};
    scale_.layer = layer_name;
    scale_.compare = can_compare;
    scale_.a = can_compare ? baseline_ : nullptr;
    scale_.b = b;
    // Provisional: from a part of a run, or a comparison of A with itself
    // (pinned, nothing else run yet): chosen again with the next complete B.
    scale_.provisional = !input_layer && (!b->finished || (can_compare && b == baseline_));
    if (can_compare) {
      std::vector<float> both = la->values;
      both.insert(both.end(), lb->values.begin(), lb->values.end());
      scale_.scheme = std::make_shared<const ClassScheme>(layer_classes(*baseline_->data, *la, both));
      std::vector<float> diff(la->values.size(), std::numeric_limits<float>::quiet_NaN());
      for (std::size_t i = 0; i < diff.size() && i < lb->values.size(); ++i) diff[i] = lb->values[i] - la->values[i];
      scale_.difference = std::make_shared<const ClassScheme>(difference_classes(diff));
      scale_.note = fmt::format("Scale of A and B together ({} + {} realizations), as `remnant compare`", baseline_->done,
                                b->done);
    } else {
      scale_.scheme = std::make_shared<const ClassScheme>(layer_classes(*b->data, *lb));
      scale_.note = input_layer ? "An input: the same in every run"
                                : fmt::format("Scale from {} realizations{}", b->done,
                                              scale_.provisional ? " (provisional: chosen again when the run completes)" : "");
    }
  }

  MapPicture p;
  p.context = b->context;
  p.scheme = scale_.scheme;
  p.scale_note = scale_.note + (lock_scale_ && !input_layer ? ", locked" : "");
  std::shared_ptr<const HazardAreas> hazard;
  if (can_compare && view_ == CompareView::A) {
    p.data = baseline_->data;
    p.context = baseline_->context;
    p.layer = la;
    hazard = baseline_->hazard;
    p.scale_note = "A (baseline). " + p.scale_note;
  } else if (can_compare && view_ == CompareView::Difference) {
    if (layer_diff_.snap != b || diff_of_ != baseline_ || layer_diff_.name != layer_name) {
      auto d = std::make_shared<DisplayLayer>(*lb);
      for (std::size_t i = 0; i < d->values.size() && i < la->values.size(); ++i) d->values[i] -= la->values[i];
      d->long_name = "B − A, cell by cell: " + lb->long_name;
      layer_diff_ = {b, layer_name, std::move(d)};
      diff_of_ = baseline_;
    }
    p.data = b->data;
    p.layer = layer_diff_.layer;
    p.scheme = scale_.difference;
    p.difference = true;
    p.scale_note = "B − A: red, B holds more; blue, less. Diverging scale chosen with A and B's";
  } else {
    p.data = b->data;
    p.layer = lb;
    hazard = b->hazard;
    if (baseline_) p.scale_note = "B (current). " + p.scale_note;
  }
  map_.set(p);
  map_.set_hazard(show_hazard_ ? hazard : nullptr);
  map_.set_evidence(can_compare && view_ == CompareView::A && baseline_->evidence ? baseline_->evidence : b->evidence);
}

// Above the map: progress and Stop; the compare view, Pin and the scale lock;
// two lines for the message (an error, a refused value, a note), in a place
// of their own so that nothing moves when one appears.
void App::status_bar(const ScreenRect& r) {
  ImGui::SetNextWindowPos(ImVec2(r.x, r.y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(r.w, r.h), ImGuiCond_Always);
  ImGui::Begin("Status", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  const bool busy = sim_.busy() || !sim_.idle();
  if (!busy) ImGui::BeginDisabled();
  if (ImGui::Button("Stop")) sim_.stop();
  note_widget("stop");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("End the run at the next batch and keep the realizations done (a complete run of them, saveable)");
  if (!busy) ImGui::EndDisabled();
  ImGui::SameLine();
  const std::uint32_t target = snap_ && snap_->generation == submitted_ ? snap_->target : 0;
  std::string text;
  float fraction = 0;
  if (busy && sim_.stage().rfind("conditioning", 0) == 0) {
    text = sim_.stage() + " ...";  // the posterior: its stages, then its run in one piece
  } else if (busy && target) {
    fraction = float(sim_.progress_done()) / float(target);
    text = fmt::format("{}: {} of {} realizations", sim_.stage(), sim_.progress_done(), target);
  } else if (busy) {
    text = sim_.stage().empty() ? std::string("starting ...") : sim_.stage() + " ...";
  } else if (failed()) {
    text = "the last change failed: see below";
  } else if (snap_ && snap_->stopped) {
    fraction = snap_->asked ? float(snap_->done) / float(snap_->asked) : 0.0f;
    text = fmt::format("stopped at {} of {} realizations", snap_->done, snap_->asked);
  } else if (snap_ && snap_->finished) {
    fraction = 1;
    text = fmt::format("complete: {} realizations", snap_->done);
  }
  ImGui::ProgressBar(fraction, ImVec2(-FLT_MIN, 0), text.c_str());
  note_widget("progress");

  // The compare row.
  const bool has_baseline = baseline_ != nullptr;
  static const char* kViews[] = {"B: current run", "A: baseline", "B − A"};
  ImGui::SetNextItemWidth(std::min(140.0f, r.w * 0.34f));
  if (!has_baseline) ImGui::BeginDisabled();
  if (ImGui::BeginCombo("##view", kViews[int(view_)])) {
    for (int v = 0; v < 3; ++v) {
      if (ImGui::Selectable(kViews[v], int(view_) == v)) view_ = CompareView(v);
      note_widget(fmt::format("view_{}", v == 0 ? "b" : v == 1 ? "a" : "diff"));
    }
    ImGui::EndCombo();
  }
  note_widget("view");
  if (!has_baseline) ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(has_baseline ? "The map: the current run (B), the pinned baseline (A) or their difference"
                                   : "Pin a result as the baseline A first");
  ImGui::SameLine();
  const auto shown = on_map();
  const bool can_pin = shown && shown->data && shown->finished && shown != baseline_;
  if (!can_pin) ImGui::BeginDisabled();
  if (ImGui::Button("Pin as A")) pin(shown);
  note_widget("pin");
  if (!can_pin) ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Keep the result on the map as the baseline A (a complete or stopped run)");
  ImGui::SameLine();
  ImGui::Checkbox("lock scale", &lock_scale_);
  note_widget("lock");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Locked: the class breaks stay as they are across runs (Rescale chooses them again);\n"
                      "unlocked: chosen again once each run completes (never at its parts)");
  ImGui::SameLine();
  if (ImGui::SmallButton("Rescale")) rescale_ = true;
  note_widget("rescale");

  // Two lines: the error of the last change, else the message, else a note.
  std::string line;
  bool error = false;
  if (!message_.empty()) {  // the latest: a refusal after a failed change, a file written
    line = message_;
    error = message_error_;
  } else if (failed()) {
    line = snap_->error;
    if (!request_.overrides.empty()) line += " The map and controls show the last run that loaded; fix or remove the override.";
    error = true;
  } else if (snap_ && snap_->generation == submitted_ && !snap_->evidence_error.empty()) {
    line = "Evidence not loaded: " + snap_->evidence_error + " The map shows the run without it.";
    error = true;
  } else if (snap_ && snap_->generation == submitted_ && !snap_->posterior_error.empty()) {
    line = "No posterior: " + snap_->posterior_error;
    error = true;
  } else if (snap_ && snap_->generation == submitted_ && !snap_->note.empty()) {
    line = snap_->note;
  } else if (shown && shown->generation != submitted_) {
    line = "The map shows the last complete result (" + run_label(*shown) + ") until the first part of the new run is done.";
  }
  // Two whole lines; a longer message is whole in the tooltip.
  ImGui::BeginChild("##message", ImVec2(0, 2 * ImGui::GetTextLineHeight() + ImGui::GetStyle().ItemSpacing.y), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (error) ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(line.c_str());
  ImGui::PopTextWrapPos();
  if (error) ImGui::PopStyleColor();
  ImGui::EndChild();
  note_widget("message");
  if (!line.empty() && ImGui::IsItemHovered()) wrapped_tooltip(line);
  ImGui::End();
}

void App::parameter_panel(float x, float width, float height) {
  ImGui::SetNextWindowPos(ImVec2(x, 0), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(width, height), ImGuiCond_Always);
  ImGui::Begin("Parameters", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  if (!request_.result_file.empty()) {
    ImGui::PushTextWrapPos(0.0f);
    result_file_section();
    ImGui::PopTextWrapPos();
    ImGui::End();
    return;
  }
  const auto shown = on_map();
  const Scenario* sc = shown && shown->scenario ? shown->scenario.get() : nullptr;
  const float avail = ImGui::GetContentRegionAvail().x;
  fitted_text(sc ? sc->name : failed() ? "(not loaded)" : "(loading)", avail);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  fitted_text(request_.scenario_path, avail);
  // What the fields show: always the parameters of the result on the map.
  fitted_text(shown ? "Fields show the map's run: " + run_label(*shown) : "Fields show the scenario once it loads", avail);
  ImGui::PopStyleColor();
  ImGui::PushItemWidth(width * 0.48f);
  if (sc) {  // else nothing loaded yet (a bad --set at start): only the overrides, to edit
    dud_rates_section(*sc, width);
    wind_section();
    strikes_section(*sc);
    run_section();
    evidence_section();
  }
  overrides_section(width);
  ImGui::PopItemWidth();
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
void App::dud_rates_section(const Scenario& sc, float width) {
  if (ImGui::CollapsingHeader("Dud rates", ImGuiTreeNodeFlags_DefaultOpen)) {
    const bool both = std::any_of(sc.submunitions.begin(), sc.submunitions.end(),
                                  [](const SubmunitionType& t) { return t.dud_rate_test && t.dud_rate_field; });
    if (both) {
      if (ImGui::RadioButton("field figures", &dud_rates_, 0)) set_override("scenario.dud_rates", "\"field\"");
      note_widget("rates_field");
      ImGui::SameLine();
      if (ImGui::RadioButton("test-range figures", &dud_rates_, 1)) set_override("scenario.dud_rates", "\"test\"");
      note_widget("rates_test");
    }
    if (ImGui::BeginTable("rates", 3, ImGuiTableFlags_SizingFixedFit)) {
      // Short headers, each with its whole name in a tooltip; the type's name
      // cut with an ellipsis (and whole in a tooltip) where the panel is narrow.
      const float type_w = std::max(60.0f, width * 0.36f), rate_w = ImGui::CalcTextSize("100.0 %").x + 4;
      ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed, type_w);
      ImGui::TableSetupColumn("dud %", ImGuiTableColumnFlags_WidthFixed, rate_w);
      ImGui::TableSetupColumn("self-destruct %", ImGuiTableColumnFlags_WidthStretch);
      ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
      const char* tips[3] = {"submunition type", "dud rate, mean of its prior, %",
                             "self-destruct reliability, %: P(the self-destruct works) when the fuze fails"};
      for (int c = 0; c < 3; ++c) {
        ImGui::TableSetColumnIndex(c);
        ImGui::TableHeader(ImGui::TableGetColumnName(c));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tips[c]);
      }
      std::vector<bool> used(sc.submunitions.size(), false);
      for (const InventoryLine& l : sc.inventory.lines) used[sc.carriers[l.carrier].type] = true;
      for (const Strike& s : sc.strikes) used[sc.carriers[s.carrier].type] = true;
      for (std::size_t i = 0; i < sc.submunitions.size(); ++i) {
        if (!used[i]) continue;
        const SubmunitionType& t = sc.submunitions[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        fitted_text(t.name, ImGui::GetContentRegionAvail().x);
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
        if (t.self_destruct_failure)
          ImGui::InputFloat("##sd", &sd_reliability_[i], 0.0f, 0.0f, "%.1f");
        else
          ImGui::InputFloat("##sd", &sd_reliability_[i], 0.0f, 0.0f, "in dud rate");
        if (ImGui::IsItemDeactivatedAfterEdit() &&
            accept("self-destruct reliability of " + t.name, sd_reliability_[i], 0, 100, "%"))
          set_override("munition_overrides." + t.name + ".self_destruct_failure",
                       fmt::format("{:.6g}", (100.0 - double(sd_reliability_[i])) / 100.0));
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip(t.self_destruct_failure ? "0 to 100 %%: P(the self-destruct works) when the fuze fails; type a value"
                                                    : "the catalogue's dud rate of %s is of the whole item, self-destruct included;\n"
                                                      "a reliability (0 to 100 %%) typed here multiplies it by (1 - reliability)",
                            t.name.c_str());
        ImGui::PopID();
      }
      ImGui::EndTable();
    }
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("Self-destruct reliability and aim error change the catalogue's entries (%s) through --set munition_overrides.NAME.KEY.",
                        std::filesystem::path(sc.munitions_path).filename().c_str());
    ImGui::PopTextWrapPos();
  }
}

// Two numbers typed (click and type; Tab to the second; Enter or a click
// elsewhere applies), checked against the range its tooltip shows.
void App::range_field(const char* label, float* v, float lo, float hi, const char* units, const std::string& key) {
  ImGui::InputFloat2(label, v, "%g");
  note_widget(key);
  if (ImGui::IsItemDeactivatedAfterEdit()) {
    const std::string what = std::string(label);
    if (v[0] > v[1])
      refuse(fmt::format("Refused: {} low {:g} is above high {:g}; the fields show the parameters on the map.", what,
                         v[0], v[1]));
    else if (accept(what, v[0], lo, hi, units) && accept(what, v[1], lo, hi, units))
      set_override(key, toml_range(v[0], v[1]));
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("low, high: %g to %g %s; click a number and type", double(lo), double(hi), units);
}

void App::wind_section() {
  if (ImGui::CollapsingHeader("Wind", ImGuiTreeNodeFlags_DefaultOpen)) {
    range_field("speed m/s", wind_speed_, 0.0f, 100.0f, "m/s", "wind.speed_mps");
    range_field("from deg", wind_from_, -360.0f, 720.0f, "degrees", "wind.from_deg");
  }
}

// The aim error of a carrier: its catalogue entry, through munition_overrides.
void App::aim_error_control(const std::vector<CarrierType>& carriers, std::size_t k) {
  if (k >= aim_cep_.size()) return;
  ImGui::InputFloat("aim error CEP m", &aim_cep_[k], 0.0f, 0.0f, "%g");
  note_widget("aim_" + carriers[k].name);
  if (ImGui::IsItemDeactivatedAfterEdit() && accept("aim error CEP of " + carriers[k].name, aim_cep_[k], 0, 100000, "m"))
    set_override("munition_overrides." + carriers[k].name + ".aim_error_cep_m", fmt::format("{}", aim_cep_[k]));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("0 to 100000 m; click and type");
}

// Sites, the total fired and, per carrier, aim error, function height and spin.
void App::strikes_section(const Scenario& sc) {
  if (ImGui::CollapsingHeader("Strikes", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (sc.sites.present) {
      ImGui::InputInt("strike sites", &sites_, 0, 0);
      note_widget("sites");
      if (ImGui::IsItemDeactivatedAfterEdit() && accept("strike sites", sites_, 1, 1e7, ""))
        set_override("sites.count", std::to_string(sites_));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("1 to 10000000; click and type");
    }
    if (sc.inventory.total_submunitions) {
      ImGui::InputDouble("submunitions", &total_, 0, 0, "%.0f");
      note_widget("submunitions");
      if (ImGui::IsItemDeactivatedAfterEdit() && accept("submunitions", total_, 1, 4e9, ""))
        set_override("inventory.total_submunitions", fmt::format("{}", static_cast<long long>(std::llround(total_))));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("1 to 4000000000 submunitions in all; click and type");
    }
    for (std::size_t i = 0; i < sc.inventory.lines.size() && i < height_.size(); ++i) {
      const CarrierType& c = sc.carriers[sc.inventory.lines[i].carrier];
      ImGui::PushID(int(i));
      fitted_text(fmt::format("{} ({}, {})", c.name, c.delivery, c.submunition), ImGui::GetContentRegionAvail().x);
      aim_error_control(sc.carriers, sc.inventory.lines[i].carrier);
      if (c.delivery == "air") {
        range_field("function height m", height_[i].data(), 0.0f, 20000.0f, "m",
                    fmt::format("inventory.carrier[{}].function_height_m", i));
        if (c.spin_rpm)
          range_field("spin rpm", spin_[i].data(), 0.0f, 100000.0f, "rpm", fmt::format("inventory.carrier[{}].spin_rpm", i));
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
        fitted_text(fmt::format("{} ({}, {})", c.name, c.delivery, c.submunition), ImGui::GetContentRegionAvail().x);
        aim_error_control(sc.carriers, s.carrier);
        ImGui::PopID();
      }
    }
  }
}

// Realizations (typed, or halved and doubled) and seed.
void App::run_section() {
  if (ImGui::CollapsingHeader("Run", ImGuiTreeNodeFlags_DefaultOpen)) {
    const float button = ImGui::GetFrameHeight() * 1.3f, spacing = ImGui::GetStyle().ItemInnerSpacing.x;
    ImGui::SetNextItemWidth(ImGui::CalcItemWidth() - 2 * (button + spacing));
    ImGui::InputInt("##realizations", &realizations_, 0, 0);
    note_widget("realizations");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("1 to 100000000; click and type, Enter applies");
    int want = 0;
    bool asked = false;
    if (ImGui::IsItemDeactivatedAfterEdit()) want = realizations_, asked = true;
    // Each click applies at once: none is lost to the next snapshot.
    ImGui::SameLine(0, spacing);
    if (ImGui::Button("/2", ImVec2(button, 0))) want = std::max(1, realizations_ / 2), asked = true;
    note_widget("halve");
    ImGui::SameLine(0, spacing);
    if (ImGui::Button("x2", ImVec2(button, 0)))
      want = int(std::min<long long>(kMaxRealizations, 2LL * realizations_)), asked = true;
    note_widget("double");
    ImGui::SameLine(0, spacing);
    ImGui::TextUnformatted("realizations");
    if (asked) {
      if (want < 1 || want > kMaxRealizations) {
        refuse(fmt::format("Refused: {} realizations; a run needs 1 to {}. The field shows the run on the map.", want,
                           kMaxRealizations));
      } else {
        realizations_ = want;
        request_.realizations = std::uint32_t(want);
        resubmit();
      }
    }
    ImGui::InputText("seed", &seed_text_, ImGuiInputTextFlags_CharsDecimal);
    note_widget("seed");
    if (ImGui::IsItemDeactivatedAfterEdit()) {
      try {
        std::size_t used = 0;
        const unsigned long long seed = std::stoull(seed_text_, &used);
        if (used != seed_text_.size() || seed_text_.empty() || seed_text_[0] == '-') throw std::invalid_argument("");
        request_.seed = seed;
        resubmit();
      } catch (const std::exception&) {
        refuse("Refused: the seed must be a whole number from 0 to 18446744073709551615.");
      }
    }
  }
}

// The --set overrides: a KEY=VALUE field and the list, each with a button to
// remove it; an override the run on the map does not have is marked.
void App::overrides_section(float width) {
  if (ImGui::CollapsingHeader("Overrides (--set)", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::PushItemWidth(width - 90);
    const bool enter = ImGui::InputTextWithHint("##set", "KEY=VALUE", &set_text_, ImGuiInputTextFlags_EnterReturnsTrue);
    note_widget("set_text");
    ImGui::PopItemWidth();
    ImGui::SameLine();
    if ((ImGui::Button("Set") || enter) && !set_text_.empty()) {
      try {
        const Override o = parse_override(set_text_);
        set_override(o.key, o.value);
        set_text_.clear();
      } catch (const std::exception& e) {
        refuse(e.what());
      }
    }
    const auto shown = on_map();
    for (std::size_t i = 0; i < request_.overrides.size(); ++i) {
      const Override& o = request_.overrides[i];
      ImGui::PushID(int(i));
      const bool remove = ImGui::SmallButton("x");
      note_widget(fmt::format("remove_{}", i));
      if (remove) {
        remove_override(i);
        ImGui::PopID();
        break;
      }
      ImGui::SameLine();
      const bool on = shown && std::any_of(shown->request.overrides.begin(), shown->request.overrides.end(),
                                           [&](const Override& x) { return x.key == o.key && x.value == o.value; });
      const std::string text = o.key + "=" + o.value + (on ? "" : failed() ? "  (failed: not on the map)" : "  (running)");
      if (!on && failed()) ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
      fitted_text(text, ImGui::GetContentRegionAvail().x);
      if (!on && failed()) ImGui::PopStyleColor();
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
  note_widget("layer");
  // What a value means, in three lines whatever the layer or view (the whole
  // sentence in a tooltip): nothing below moves when the view changes.
  ImGui::BeginChild("##long_name", ImVec2(0, 3 * ImGui::GetTextLineHeight() + 2), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (const DisplayLayer* l = map_.layer()) ImGui::TextWrapped("%s", l->long_name.c_str());
  ImGui::EndChild();
  if (const DisplayLayer* l = map_.layer(); l && ImGui::IsItemHovered()) wrapped_tooltip(l->long_name);
  ImGui::Separator();

  const auto shown = on_map();
  // Save and export first: their place depends on nothing the run changes.
  if (ImGui::CollapsingHeader("Save and export", ImGuiTreeNodeFlags_DefaultOpen)) save_and_export();
  if (!shown || !shown->data) {
    ImGui::PopTextWrapPos();
    ImGui::End();
    return;
  }
  const Snapshot& s = *shown;
  const ResultData& d = *s.data;
  ImGui::PushTextWrapPos(-1.0f);
  fitted_text(fmt::format("{}: {} realizations{}, seed {}", baseline_ ? "B (on the map)" : "On the map", s.done,
                          s.stopped  ? fmt::format(" (stopped; {} asked)", s.asked)
                          : s.finished ? std::string()
                                       : fmt::format(" of {} so far", s.target),
                          static_cast<unsigned long long>(d.seed)),
              ImGui::GetContentRegionAvail().x);
  ImGui::PopTextWrapPos();
  headline_table(s);
  if (baseline_) compare_section(width);
  history_section();

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
    ImGui::TextUnformatted("Unexploded on land, per realization (count of realizations)");
    ImGui::PlotHistogram("##hist", counts.data(), bins, 0, nullptr, 0.0f, FLT_MAX, ImVec2(width - 20, 70));
    ImGui::TextDisabled("%s to %s unexploded, %zu realizations", format_number(lo).c_str(), format_number(hi).c_str(),
                        totals.size());
  }

  ImGui::PushTextWrapPos(-1.0f);
  if (ImGui::CollapsingHeader("Duds by land cover", ImGuiTreeNodeFlags_DefaultOpen) &&
      stretch_table("classes", {{"land cover", 1.0f}, {"mean", 0.0f}, {"90 % interval", 0.0f}})) {
    // Every class of the grid's land (its rows do not come and go with the realizations).
    std::vector<bool> present(kLandCoverClasses, false);
    for (std::uint8_t c : d.land_cover)
      if (c < kLandCoverClasses) present[c] = true;
    for (int k = 0; k < kLandCoverClasses; ++k)
      if (present[k] && land_cover_text(k) != "water") summary_row(land_cover_text(k).c_str(), s.headline.duds_by_class[k], 0);
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();

  types_section(s);

  if (ImGui::CollapsingHeader("Backend and speed", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::Text("backend: %s", s.backend.c_str());
    if (!s.backend_note.empty()) ImGui::TextWrapped("%s", s.backend_note.c_str());
    ImGui::Text("%s submunitions per realization", format_number(double(d.fired_per_realization)).c_str());
    if (s.items_per_second > 0) {
      ImGui::Text("throughput %s submunitions/s (engine time %.2f s)", format_3sig(s.items_per_second).c_str(),
                  s.sim_seconds);
      ImGui::Text("this map %.2f s after the change", s.seconds_since_request);
    }
    ImGui::Text("UI frame time %.1f ms (%.0f frames/s)", frame_ms_, frame_ms_ > 0 ? 1e3 / frame_ms_ : 0.0);
    note_widget("frame_time");
  }

  // Last, so that nothing above moves when the areas arrive.
  if (ImGui::CollapsingHeader("Hazard areas", ImGuiTreeNodeFlags_DefaultOpen)) hazard_section();
  conditioning_section();
  ImGui::PopTextWrapPos();
  ImGui::End();
}

// The headline totals: mean and 90 % interval; with a baseline, A and B side
// by side with B / A (`remnant compare`'s rows, once B is complete).
void App::headline_table(const Snapshot& s) {
  const Headline& h = s.headline;
  ImGui::PushTextWrapPos(-1.0f);  // numbers in tables stay on one line
  if (baseline_ && s.finished && same_grid(*baseline_->data, *s.data)) {
    if (rows_a_ != baseline_ || rows_b_ != on_map()) {
      rows_ = comparison_rows(*baseline_->data, *s.data);
      rows_a_ = baseline_, rows_b_ = on_map();
    }
    if (stretch_table("headline", {{"mean per realization", 1.0f}, {"A", 0.0f}, {"B", 0.0f}, {"B / A", 0.0f}})) {
      for (const ComparisonRow& r : rows_) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        fitted_text(r.quantity, ImGui::GetContentRegionAvail().x);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_number(r.a.mean, r.decimals).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_number(r.b.mean, r.decimals).c_str());
        ImGui::TableNextColumn();
        if (std::isfinite(r.ratio))
          ImGui::Text("%.2f", r.ratio);
        else
          ImGui::TextDisabled("–");
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("B / A of the means; A: %s [%s - %s], B: %s [%s - %s] (90 %% intervals)",
                            format_number(r.a.mean, r.decimals).c_str(), format_number(r.a.q05, r.decimals).c_str(),
                            format_number(r.a.q95, r.decimals).c_str(), format_number(r.b.mean, r.decimals).c_str(),
                            format_number(r.b.q05, r.decimals).c_str(), format_number(r.b.q95, r.decimals).c_str());
      }
      ImGui::EndTable();
    }
  } else if (stretch_table("headline", {{"per realization", 1.0f}, {"mean", 0.0f}, {"90 % interval", 0.0f}})) {
    summary_row("unexploded on land", h.total_duds, 0);
    summary_row("impacts on land", h.impacts, 0);
    if (h.hazard.recorded())
      summary_row(fmt::format("hazard km2 ({:g} m)", h.hazard.fade_out_m).c_str(), h.hazard_area_km2, 2);
    summary_row("cells with a dud, km2", h.contaminated_area_km2, 2);
    summary_row("landed in water (all)", h.in_water, 0);
    summary_row("landed off the grid", h.outside_grid, 0);
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();
  if (baseline_ && !s.finished) ImGui::TextDisabled("A, B and B / A side by side once B is complete.");
}

// A and B named, and the buttons that end the comparison or choose the scale again.
void App::compare_section(float width) {
  if (!ImGui::CollapsingHeader("Compare A and B", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const auto b = on_map();
  ImGui::PushTextWrapPos(-1.0f);
  fitted_text("A: " + run_label(*baseline_), width - 20);
  if (b) fitted_text("B: " + run_label(*b), width - 20);
  ImGui::PopTextWrapPos();
  if (b && !same_grid(*baseline_->data, *b->data))
    ImGui::TextColored(kErrorColour, "A and B are on different grids: no B − A, nor a shared scale.");
  if (ImGui::Button("Unpin A")) {
    baseline_.reset();
    view_ = CompareView::B;
  }
  note_widget("unpin");
}

// The types fired per realization, as bars, with the expected duds of their
// prior dud rates. The engine's totals are not kept per type, so the
// simulated split is not shown: these are the inputs, said so.
void App::types_section(const Snapshot& s) {
  types_drawn_.clear();
  if (!s.scenario || !s.plan) return;
  if (!ImGui::CollapsingHeader("Duds by munition type", ImGuiTreeNodeFlags_DefaultOpen)) return;
  // Simulated: the types the run fires, in the scenario's order; so are the nonzero counts fired.
  const auto& types = s.headline.duds_by_type;
  std::vector<std::uint64_t> fired;
  for (std::uint64_t n : s.plan->items_by_type())
    if (n) fired.push_back(n);
  double most = 0;
  for (const auto& [name, x] : types) most = std::max(most, x.q95);
  ImGui::PushTextWrapPos(-1.0f);  // numbers in tables stay on one line
  if (!types.empty() &&
      stretch_table("types", {{"type", 1.0f}, {"fired", 0.0f}, {"duds", 0.0f}, {"90 % interval", 0.0f}, {"##bar", 0.8f}})) {
    for (std::size_t t = 0; t < types.size(); ++t) {
      const auto& [name, x] = types[t];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      fitted_text(name, ImGui::GetContentRegionAvail().x);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(t < fired.size() ? format_3sig(double(fired[t])).c_str() : "");
      ImGui::TableNextColumn();
      const std::string mean = format_number(x.mean, 0), interval = format_number(x.q05, 0) + " - " + format_number(x.q95, 0);
      ImGui::TextUnformatted(mean.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(interval.c_str());
      ImGui::TableNextColumn();
      // The bar: the mean, and the 90 % interval as a line across it, on the
      // scale of the largest q95 (so the bars of the types compare).
      const ImVec2 at = ImGui::GetCursorScreenPos();
      const float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight();
      ImGui::Dummy(ImVec2(w, h));
      if (most > 0 && w > 0) {
        ImDrawList* dl = ImGui::GetWindowDrawList();
        auto px = [&](double v) { return at.x + float(v / most) * w; };
        dl->AddRectFilled(at, ImVec2(px(x.mean), at.y + h), ImGui::GetColorU32(ImGuiCol_PlotHistogram));
        dl->AddLine(ImVec2(px(x.q05), at.y + 0.5f * h), ImVec2(px(x.q95), at.y + 0.5f * h),
                    ImGui::GetColorU32(ImGuiCol_Text), 2.0f);
      }
      types_drawn_.push_back(fmt::format("type name=\"{}\" fired={} mean={} interval=\"{}\"", name,
                                         t < fired.size() ? fired[t] : 0, mean, interval));
    }
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s", types.empty() ? "The duds per type were not counted for this result."
                                          : "Simulated duds on land of each submunition type per realization: mean, "
                                            "90 % interval over the realizations (bar: mean; line: interval), after "
                                            "self-destruct, terrain and water, as the headline total.");
  ImGui::PopTextWrapPos();
}

// The last parameter sets run, newest first: pin one as A, or run it again.
void App::history_section() {
  if (!ImGui::CollapsingHeader("Run history", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const float row_h = ImGui::GetFrameHeightWithSpacing();
  ImGui::BeginChild("##history", ImVec2(0, row_h * float(kHistoryRows) + 4), false, ImGuiWindowFlags_NoScrollbar);
  std::shared_ptr<const Snapshot> pin_it, restore;
  for (std::size_t i = 0; i < history_.size(); ++i) {
    const HistoryEntry& e = history_[i];
    ImGui::PushID(int(i));
    if (ImGui::SmallButton("Pin")) pin_it = e.snap;
    note_widget(fmt::format("history_pin_{}", i));
    ImGui::SameLine();
    if (ImGui::SmallButton("Run")) restore = e.snap;
    note_widget(fmt::format("history_run_{}", i));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Set the parameters to these and run them again (same seed, same numbers)");
    ImGui::SameLine();
    const std::string text = fmt::format("{} duds · {}", format_number(e.snap->headline.total_duds.mean, 0), e.label);
    fitted_text(text, ImGui::GetContentRegionAvail().x);
    ImGui::PopID();
  }
  if (history_.empty()) ImGui::TextDisabled("Each complete run is listed here (the last %zu).", kHistoryRows);
  ImGui::EndChild();
  if (pin_it) pin(pin_it);
  if (restore) {
    request_ = restore->request;
    held_ = restore;  // shown until the run again has its first part
    edits_of_.reset();
    resubmit();
  }
}

// The hazard areas of the result shown (Snapshot::hazard, computed on the
// worker once the run is complete): the threshold, their count, area and
// expected items, and the first five by rank. Means only.
void App::hazard_section() {
  ImGui::Checkbox("hazard areas", &show_hazard_);
  note_widget("hazard");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("their outlines and ranks on the map");
  const auto shown = on_map();
  const Snapshot& s = *shown;
  if (!s.hazard) {
    if (!s.hazard_error.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
      ImGui::TextWrapped("no hazard areas: %s", s.hazard_error.c_str());
      ImGui::PopStyleColor();
    } else if (!s.finished) {
      ImGui::TextDisabled("Drawn once the run is complete (%u of %u realizations so far).", s.done, s.target);
    }
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
  const std::size_t shown_n = std::min<std::size_t>(ranked.size(), 5);
  ImGui::PushTextWrapPos(-1.0f);  // numbers in tables stay on one line
  if (shown_n && ImGui::BeginTable("hazard", 4, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("rank");
    ImGui::TableSetupColumn("area ha");
    ImGui::TableSetupColumn("items/ha");
    ImGui::TableSetupColumn("items inside");
    ImGui::TableHeadersRow();
    for (std::size_t k = 0; k < shown_n; ++k) {
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
  if (ranked.size() > shown_n) ImGui::TextDisabled("... and %zu more", ranked.size() - shown_n);
  ImGui::TextDisabled("Model-derived areas, not survey results. Means over the %u realizations shown; "
                      "`remnant hazard RESULT.h5` gives their 90 %% intervals (it runs the realizations again) "
                      "and writes the polygons.",
                      s.done);
}

void App::save_and_export() {
  const bool writing = job_.valid();
  const auto shown = on_map();
  std::shared_ptr<const ResultData> d = shown ? shown->data : nullptr;
  // A result is saved once it is complete (or stopped): a part of a run
  // going on would be saved under a realization count it is about to outgrow.
  const bool can = d && shown->finished && !writing;
  if (!can) ImGui::BeginDisabled();
  const float field_w = std::max(60.0f, ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize("Export map").x -
                                            2 * ImGui::GetStyle().FramePadding.x - ImGui::GetStyle().ItemSpacing.x);
  ImGui::SetNextItemWidth(field_w);
  ImGui::InputText("##save", &save_path_);
  note_widget("save_path");
  ImGui::SameLine();
  if (ImGui::Button("Save HDF5")) {
    const std::string path = save_path_;
    job_ = std::async(std::launch::async, [d, path] {
      try {
        // The folder is made when missing (out/ in a fresh checkout); the
        // message names the file in full.
        const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
        std::filesystem::create_directories(parent);
        write_result_file(path, *d);
        return fmt::format("wrote {} ({} realizations)", std::filesystem::absolute(path).string(), d->realizations);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    });
  }
  note_widget("save");
  ImGui::SetNextItemWidth(field_w);
  ImGui::InputText("##export", &export_path_);
  ImGui::SameLine();
  if (ImGui::Button("Export map")) {
    MapOptions o;
    o.layer = display_layer_names()[std::size_t(layer_)];
    const std::string path = export_path_;
    job_ = std::async(std::launch::async, [d, o, path] {
      try {
        std::filesystem::create_directories(std::filesystem::absolute(path).parent_path());
        export_file(*d, o, path);
        return fmt::format("wrote {} ({})", path, o.layer);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    });
  }
  note_widget("export");
  if (!can) ImGui::EndDisabled();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  fitted_text(writing ? std::string("writing ...")
              : !d    ? std::string("nothing to save yet")
              : shown->finished
                  ? fmt::format("Saves the {} realizations on the map (a complete run of them); export: .png .svg .pdf .tif .csv",
                                d->realizations)
                  : std::string("Save when the run is complete, or Stop it to keep what is done"),
              ImGui::GetContentRegionAvail().x);
  ImGui::PopStyleColor();
}

// The parameter panel's Evidence section: the file's field, Load and Clear,
// the prior / posterior choice and one line of state.
void App::evidence_section() {
  if (!ImGui::CollapsingHeader("Evidence", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const float load_w = ImGui::CalcTextSize("Load").x + 2 * ImGui::GetStyle().FramePadding.x;
  const float clear_w = ImGui::CalcTextSize("Clear").x + 2 * ImGui::GetStyle().FramePadding.x;
  ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x - load_w - clear_w -
                                              2 * ImGui::GetStyle().ItemSpacing.x));
  ImGui::InputText("##evidence", &evidence_path_);
  note_widget("evidence_path");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("An evidence file (docs/EVIDENCE.md: located strikes, finds, searched and cancelled areas;\n"
                      "GeoPackage, GeoJSON, Shapefile, KML, CSV). Load: draw it and run the posterior too");
  ImGui::SameLine();
  if (ImGui::Button("Load")) {
    if (evidence_path_.empty()) {
      refuse("Refused: give the path of an evidence file first (e.g. configs/example-evidence.geojson).");
    } else {
      request_.evidence = evidence_path_;
      resubmit();
    }
  }
  note_widget("evidence_load");
  ImGui::SameLine();
  const bool has = !request_.evidence.empty();
  if (!has) ImGui::BeginDisabled();
  if (ImGui::Button("Clear")) {
    request_.evidence.clear();
    show_posterior_ = false;
    resubmit();
  }
  note_widget("evidence_clear");
  if (!has) ImGui::EndDisabled();

  const auto base = prior_on_map();
  const bool has_posterior = base && base->posterior;
  if (ImGui::RadioButton("prior", !show_posterior_)) show_posterior_ = false;
  note_widget("show_prior");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The run as without the evidence (the scenario's model alone)");
  ImGui::SameLine();
  if (!has_posterior) ImGui::BeginDisabled();
  if (ImGui::RadioButton("posterior", show_posterior_)) show_posterior_ = true;
  note_widget("show_posterior");
  if (!has_posterior) ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("The run conditioned on the evidence (remnant run --evidence): same scenario, overrides,\n"
                      "seed and realizations. Pin the prior as A, then show the posterior: B - A");
  // One line of state, in a place of its own.
  std::string line;
  bool error = false;
  if (base && base->generation == submitted_ && !base->evidence_error.empty()) {
    line = "not loaded: " + base->evidence_error;
    error = true;
  } else if (!has) {
    line = "none: the map shows the prior";
  } else if (base && base->evidence && base->generation == submitted_) {
    if (has_posterior)
      line = base->evidence->summary() + "; posterior ready";
    else if (!base->posterior_error.empty())
      line = base->evidence->summary() + "; no posterior: " + base->posterior_error, error = true;
    else
      line = base->evidence->summary() + "; posterior running after the prior";
  } else {
    line = "reading ...";
  }
  if (error) ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
  else ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  fitted_text(line, ImGui::GetContentRegionAvail().x);
  ImGui::PopStyleColor();
  note_widget("evidence_state");
}

// The statistics panel's last section: the evidence and, once the posterior
// is done, the prior's and the posterior's totals and the conditioning's
// diagnostics in words, warnings in the error colour.
void App::conditioning_section() {
  diagnostics_drawn_.clear();
  const auto base = prior_on_map();
  if (!base || (!base->evidence && base->evidence_error.empty() && !base->posterior)) return;
  if (!ImGui::CollapsingHeader("Evidence and conditioning", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const auto shown = on_map();
  ImGui::TextWrapped("On the map: %s", shown && shown->is_posterior ? "the posterior (conditioned on the evidence)"
                                                                       : "the prior (without the evidence)");
  if (!base->evidence_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::TextWrapped("Evidence not loaded: %s", base->evidence_error.c_str());
    ImGui::PopStyleColor();
    return;
  }
  if (base->evidence) ImGui::TextWrapped("Evidence: %s", base->evidence->summary().c_str());
  if (!base->posterior_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::TextWrapped("No posterior: %s", base->posterior_error.c_str());
    ImGui::PopStyleColor();
  }
  if (!base->posterior) {
    if (base->posterior_error.empty()) ImGui::TextDisabled("The posterior runs once the prior is complete.");
    return;
  }
  const Snapshot& post = *base->posterior;
  const Summary &a = base->headline.total_duds, &b = post.headline.total_duds;
  ImGui::TextWrapped("Unexploded on land: prior %s (90 %% %s to %s), posterior %s (90 %% %s to %s)",
                     format_3sig(a.mean).c_str(), format_3sig(a.q05).c_str(), format_3sig(a.q95).c_str(),
                     format_3sig(b.mean).c_str(), format_3sig(b.q05).c_str(), format_3sig(b.q95).c_str());
  const ResultConditioning& c = post.data->conditioning;
  ImGui::TextDisabled("Diagnostics of the conditioning:");
  for (const std::string& l : c.diagnostics) {
    const bool warning = l.rfind("warning: ", 0) == 0;
    if (warning) ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::BulletText("%s", l.c_str());
    if (warning) ImGui::PopStyleColor();
    diagnostics_drawn_.emplace_back(l, warning);
  }
}

}  // namespace remnant::viewer
