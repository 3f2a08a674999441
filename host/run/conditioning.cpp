#include "host/run/conditioning.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "host/common/atomic_output.h"
#include "host/common/errors.h"
#include "host/common/sha256.h"
#include "host/evidence/result_layout.h"
#include "host/evidence/report.h"
#include "kernels/physics.h"
#include "kernels/rng.h"

namespace remnant {
namespace {

// The largest standard-normal radius Box-Muller gives from kernels/rng.h's
// uniforms (the smallest is 0.5 / 2^23): sqrt(-2 ln(2^-24)) = 5.768. No aim
// error or Gaussian pattern offset reaches farther, so a site farther than
// its unit's reach from every feature puts no item in any (exactly).
constexpr double kLargestNormalRadius = 5.77;

// Proposals' streams: the upper half of the counter word, never a forward
// run's realization (those are below 2^31: the scenario loader's bound).
constexpr std::uint32_t kProposedStream = 0x80000000u;

// The cost per missing item is raised up to this while too few particles
// meet the constraints at beta = 1 (then the exact likelihood takes over).
constexpr double kMaxDeficitCost = 5.0 * 4 * 4 * 4 * 4 * 4;

enum Move : std::uint32_t { kWalk = 0, kJump = 1, kStream = 2, kRates = 3, kMoves = 4 };

struct Unit {
  std::vector<std::uint32_t> rows;  // strike rows of the plan
  std::int32_t site = -1;           // sampled site index; -1: a [[strike]] at a fixed point
  bool movable = false;             // its position is uncertain (a site redrawn per realization, not pinned)
  bool pinned = false;              // placed at a located strike
  double pin_x = 0.0, pin_y = 0.0;  // grid-relative metres
  double reach = 0.0;               // metres from the site beyond which none of its items lands
  double step = 0.0;                // the random walk's standard deviation per axis, metres
  std::vector<std::uint16_t> types; // of its rows, each once
};

struct Box {
  double x0, y0, x1, y1;  // grid-relative metres
};

double distance_to(const Box& b, double x, double y) {
  const double dx = std::max({b.x0 - x, 0.0, x - b.x1});
  const double dy = std::max({b.y0 - y, 0.0, y - b.y1});
  return std::sqrt(dx * dx + dy * dy);
}

// A standard normal from a host stream (Box-Muller, one of the pair).
double normal(HostDrawStream& u) {
  const double r = std::sqrt(-2.0 * std::log(u.next()));
  return r * std::cos(6.283185307179586 * u.next());
}

std::uint32_t new_stream(HostDrawStream& u) {
  return kProposedStream | static_cast<std::uint32_t>(u.next() * 2147483648.0);
}

// One request for the items a unit (or its rows of one type) puts in each
// feature, in one particle's state.
struct Request {
  std::uint32_t p, u;
  double x, y;
  std::uint32_t stream;
  const TypeDraw* types;  // the particle's (or the proposed) type draws, one per type
  std::int32_t only_type = -1;
};

class Sampler {
 public:
  Sampler(const Scenario& sc, const Plan& plan, const Evidence& ev, const RunOptions& opt, const ConditionOptions& co)
      : sc_(sc), plan_(plan), opt_(opt), co_(co), keys_(opt.seed), P_(opt.realizations),
        T_(static_cast<std::uint32_t>(sc.submunitions.size())) {
    evidence_sha_ = ev.sha256;
    ResultGrid g;
    g.nx = plan.nx;
    g.ny = plan.ny;
    g.cell_size_m = plan.cell_size_m;
    g.origin_x_m = plan.origin_x_m;
    g.origin_y_m = plan.origin_y_m;
    model_ = evidence_model(ev, g, co.find_radius_m);
    F_ = static_cast<std::uint32_t>(model_.terms.size());
    report_.particles = P_;
    report_.features = F_;
    make_units();
    pin_strikes(ev);
    make_boxes_and_anchors(ev);
    make_prior_density();
    engine_ = opt.make_engine ? opt.make_engine(backend_name())
                              : (backend_name() == "cuda" ? cuda::make_engine() : cpu::make_engine());
    RunTables tables = plan.tables(opt.seed);
    engine_->prepare(tables, 1);
    EvidenceCells cells;
    cells.features = F_;
    std::vector<std::vector<std::uint32_t>> of_cell(plan.cells());
    for (std::uint32_t f = 0; f < F_; ++f)
      for (std::uint32_t c : model_.terms[f].cells) of_cell[c].push_back(f);
    cells.first.assign(plan.cells() + 1, 0);
    for (std::uint32_t c = 0; c < plan.cells(); ++c) {
      cells.first[c + 1] = cells.first[c] + static_cast<std::uint32_t>(of_cell[c].size());
      cells.feature.insert(cells.feature.end(), of_cell[c].begin(), of_cell[c].end());
    }
    for (const Box& b : boxes_)
      for (double v : {b.x0, b.y0, b.x1, b.y1}) cells.boxes.push_back(static_cast<float>(v));
    engine_->load_evidence_cells(cells);
  }

  ConditioningReport sample() {
    const auto t0 = std::chrono::steady_clock::now();
    double beta = 0.0;
    bool exact = false;
    std::uint32_t stage = 0;
    if (co_.resume && load_checkpoint()) {
      beta = beta_;
      stage = static_cast<std::uint32_t>(report_.stages.size());
      report_.resumed_after_stages = stage;
    } else {
      initialise();
    }
    std::vector<double> w(P_);
    for (;; ++stage) {
      ConditioningStage st;
      if (beta < 1.0) {
        const double next = stage >= co_.max_stages ? 1.0 : next_beta(beta);
        if (stage >= co_.max_stages)
          report_.warnings.push_back(fmt::format(
              "the tempering reached only beta = {:.3g} in {} stages; the last step to 1 was taken at once", beta, stage));
        for (std::uint32_t p = 0; p < P_; ++p) w[p] = (next - beta) * relaxed_[p];
        beta = next;
      } else {
        std::uint32_t meet = 0;
        for (std::uint32_t p = 0; p < P_; ++p) meet += std::isfinite(exact_ll(p));
        if (2 * meet < P_ && kappa_ < kMaxDeficitCost && stage < co_.max_stages) {
          // Too few particles meet the constraints yet: raise the cost of
          // violating them (x4), reweighting by the change.
          const double next = std::min(4.0 * kappa_, kMaxDeficitCost);
          for (std::uint32_t p = 0; p < P_; ++p)
            w[p] = relaxed_log_likelihood_of_counts(model_, items_of(p), next) - relaxed_[p];
          kappa_ = next;
          for (std::uint32_t p = 0; p < P_; ++p) relaxed_[p] = relaxed_ll(p);
        } else {
          // From the relaxed to the exact likelihood (equal where the evidence
          // is possible): the particles that still violate it weigh 0.
          exact = true;
          for (std::uint32_t p = 0; p < P_; ++p) w[p] = std::isfinite(exact_ll(p)) ? 0.0 : -kInf;
        }
      }
      beta_ = beta;
      exact_ = exact;
      const ImportanceWeights iw = importance_weights(w);
      st.beta = beta;
      st.effective_size = iw.effective_size;
      if (exact) {
        report_.final_effective_size = iw.effective_size;
        if (iw.effective_size == 0.0) {
          throw InputError(fmt::format(
              "no particle of {} meets the evidence after {} stages (every one leaves a find without its items or a "
              "searched area with more found than were there); more particles (-r) or sweeps (--sweeps) may reach "
              "it, or the evidence may lie where the scenario's strikes cannot put items",
              P_, stage + 1));
        }
      }
      resample(iw.weight, stage);
      const std::uint32_t sweeps = exact ? 2 * co_.sweeps : co_.sweeps;
      std::vector<std::vector<double>> chains(exact ? P_ : 0);
      std::array<std::uint64_t, kMoves> proposed{}, accepted{};
      for (std::uint32_t sweep = 0; sweep < sweeps; ++sweep) {
        if (opt_.cancel && opt_.cancel->load())
          throw Interrupted(std::make_shared<RunResult>(empty_result()), opt_.realizations);
        sweep_moves(stage, sweep, proposed, accepted);
        if (exact)
          for (std::uint32_t p = 0; p < P_; ++p) chains[p].push_back(exact_ll(p));
      }
      auto rate = [&](Move m) {
        return proposed[m] ? double(accepted[m]) / double(proposed[m]) : std::numeric_limits<double>::quiet_NaN();
      };
      st.acceptance_walk = rate(kWalk);
      st.acceptance_jump = rate(kJump);
      st.acceptance_stream = rate(kStream);
      st.acceptance_rates = rate(kRates);
      report_.stages.push_back(st);
      if (!exact && !co_.checkpoint.empty()) save_checkpoint();
      if (co_.stage_done) co_.stage_done(st);
      if (exact) {
        report_.r_hat = sweeps >= 2 ? gelman_rubin(chains) : 0.0;
        double sum = 0.0;
        for (std::uint32_t p = 0; p < P_; ++p) sum += exact_ll(p);
        report_.mean_log_likelihood = sum / P_;
        diagnose(st);
        break;
      }
    }
    std::vector<std::uint32_t> a = ancestor_;
    std::sort(a.begin(), a.end());
    report_.distinct_ancestors = static_cast<std::uint32_t>(std::unique(a.begin(), a.end()) - a.begin());
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report_;
  }

  // Particles [first, first + count) as a batch of draws (rows b * S + s).
  BatchDraws draws(std::uint32_t first, std::uint32_t count) const {
    const std::size_t S = plan_.per_carrier.size();
    BatchDraws d;
    d.first = first;
    d.count = count;
#define REMNANT_SIZE_STRIKE_COLUMN(Type, name) d.name.resize(count * S);
#define REMNANT_SIZE_TYPE_COLUMN(Type, name) d.name.resize(count * std::size_t(T_));
    REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_SIZE_STRIKE_COLUMN)
    REMNANT_BATCH_TYPE_COLUMNS(REMNANT_SIZE_TYPE_COLUMN)
#undef REMNANT_SIZE_STRIKE_COLUMN
#undef REMNANT_SIZE_TYPE_COLUMN
    for (std::uint32_t b = 0; b < count; ++b) {
      const std::uint32_t p = first + b;
      for (std::uint32_t u = 0; u < units_.size(); ++u)
        for (std::uint32_t s : units_[u].rows) fill_row(d, b * S + s, s, stream_[at(p, u)], x_[at(p, u)], y_[at(p, u)]);
      for (std::uint32_t t = 0; t < T_; ++t) {
        d.dud_rate[b * T_ + t] = tdraw_[p * T_ + t].dud_rate;
        d.sd_failure[b * T_ + t] = tdraw_[p * T_ + t].sd_failure;
      }
    }
    return d;
  }

  // The items every particle puts in each feature, summed over particles
  // (the final run's dud sums over each feature's cells must equal them).
  std::vector<std::uint64_t> feature_items() const {
    std::vector<std::uint64_t> out(F_, 0);
    for (std::uint32_t p = 0; p < P_; ++p)
      for (std::uint32_t f = 0; f < F_; ++f) out[f] += items_[std::size_t(p) * F_ + f];
    return out;
  }
  const EvidenceModel& model() const { return model_; }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  std::string backend_name() const { return choose_backend(opt_.backend).name; }

  std::size_t at(std::uint32_t p, std::uint32_t u) const { return std::size_t(p) * units_.size() + u; }

  RunResult empty_result() const {
    RunResult r;
    r.realizations = opt_.realizations;
    r.seed = opt_.seed;
    return r;
  }

  // ------------------------------------------------------------ checkpoint

  // What a checkpoint must match to be continued: the run's settings, the
  // scenario (text and overrides), the evidence and what the sampler made of them.
  std::string fingerprint() const {
    std::string overrides;
    for (const std::string& o : sc_.overrides) overrides += o + "\n";
    return fmt::format(
        "seed={} particles={} sweeps={} max_stages={} find_radius={} evidence={} scenario={} rows={} units={} "
        "features={} types={} items={} backend={}",
        opt_.seed, P_, co_.sweeps, co_.max_stages, co_.find_radius_m, evidence_sha_,
        sha256_hex(sc_.text + "\n--set\n" + overrides + sc_.base_text), plan_.per_carrier.size(), units_.size(), F_,
        T_, plan_.items_per_realization, backend_name());
  }

  template <typename T>
  static void put_vector(std::string& out, const std::vector<T>& v) {
    const std::uint64_t n = v.size();
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(reinterpret_cast<const char*>(v.data()), n * sizeof(T));
  }
  template <typename T>
  static bool get_vector(const std::string& in, std::size_t& at, std::vector<T>& v) {
    std::uint64_t n = 0;
    if (in.size() - at < sizeof n) return false;
    std::memcpy(&n, in.data() + at, sizeof n);
    at += sizeof n;
    if (n > (in.size() - at) / sizeof(T)) return false;
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), in.data() + at, n * sizeof(T));
    at += n * sizeof(T);
    return true;
  }

  static constexpr const char* kCheckpointMagic = "remnant conditioning checkpoint 1\n";

  // The particles after the stages done, written through a temporary file.
  void save_checkpoint() const {
    std::string out = kCheckpointMagic + fingerprint() + "\n";
    const std::vector<double> scalars{beta_, kappa_};
    put_vector(out, scalars);
    put_vector(out, report_.stages);
    put_vector(out, x_);
    put_vector(out, y_);
    put_vector(out, stream_);
    put_vector(out, tdraw_);
    put_vector(out, contrib_);
    put_vector(out, items_);
    put_vector(out, relaxed_);
    put_vector(out, ancestor_);
    std::string warnings;
    for (const std::string& w : report_.warnings) warnings += w + "\n";
    put_vector(out, std::vector<char>(warnings.begin(), warnings.end()));
    write_text_file(co_.checkpoint, out);
  }

  // Restores the particles from the checkpoint; false when there is none
  // (a fresh start). ResumeError when it is not this run's, or damaged.
  bool load_checkpoint() {
    const std::string& path = co_.checkpoint;
    if (path.empty() || !path_exists(path))
      throw ResumeError(fmt::format("--resume: no checkpoint of a conditioned run at {} (a run stopped before its "
                                    "first stage finished saves none); run without --resume",
                                    path.empty() ? std::string("(none kept)") : path));
    std::ifstream f(path, std::ios::binary);
    const std::string in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::string head = kCheckpointMagic + fingerprint() + "\n";
    if (in.compare(0, std::strlen(kCheckpointMagic), kCheckpointMagic) != 0)
      throw ResumeError(fmt::format("--resume: {} is not a checkpoint of a conditioned run", path));
    if (in.compare(0, head.size(), head) != 0)
      throw ResumeError(fmt::format("--resume: {} is the checkpoint of another conditioned run (its seed, "
                                    "particles, sweeps, scenario, overrides or evidence differ); run without "
                                    "--resume, or with that run's arguments",
                                    path));
    std::size_t at = head.size();
    std::vector<double> scalars;
    std::vector<char> warnings;
    const bool ok = get_vector(in, at, scalars) && scalars.size() == 2 && get_vector(in, at, report_.stages) &&
                    get_vector(in, at, x_) && get_vector(in, at, y_) && get_vector(in, at, stream_) &&
                    get_vector(in, at, tdraw_) && get_vector(in, at, contrib_) && get_vector(in, at, items_) &&
                    get_vector(in, at, relaxed_) && get_vector(in, at, ancestor_) && get_vector(in, at, warnings) &&
                    at == in.size();
    const std::size_t U = units_.size();
    if (!ok || x_.size() != std::size_t(P_) * U || y_.size() != x_.size() || stream_.size() != x_.size() ||
        tdraw_.size() != std::size_t(P_) * T_ || contrib_.size() != std::size_t(P_) * U * F_ ||
        items_.size() != std::size_t(P_) * F_ || relaxed_.size() != P_ || ancestor_.size() != P_ ||
        report_.stages.empty())
      throw ResumeError(fmt::format("--resume: {} is damaged (truncated or altered); run without --resume", path));
    beta_ = scalars[0];
    kappa_ = scalars[1];
    report_.warnings = result_detail::split_lines(std::string(warnings.begin(), warnings.end()));
    return true;
  }

  // ------------------------------------------------------------ the units

  void make_units() {
    const std::size_t S = plan_.per_carrier.size();
    std::vector<std::int32_t> unit_of_site(plan_.site_count, -1);
    for (std::size_t s = 0; s < S; ++s) {
      const std::int32_t k = plan_.site_of_strike[s];
      std::int32_t u;
      if (k >= 0 && unit_of_site[k] >= 0) {
        u = unit_of_site[k];
      } else {
        u = static_cast<std::int32_t>(units_.size());
        units_.emplace_back();
        units_.back().site = k;
        units_.back().movable = k >= 0 && plan_.sites.per_realization && plan_.sites.fixed_sites.empty();
        if (k >= 0) unit_of_site[k] = u;
      }
      Unit& unit = units_[u];
      unit.rows.push_back(static_cast<std::uint32_t>(s));
      const std::uint16_t t = plan_.type[s];
      if (std::find(unit.types.begin(), unit.types.end(), t) == unit.types.end()) unit.types.push_back(t);
      // Reach: the aim error, the pattern and the drift at their largest.
      const CarrierType& c = sc_.carriers[plan_.carrier_of_strike[s]];
      const double pattern = c.semi_major_m.hi * (plan_.pattern[s] == static_cast<std::uint8_t>(Pattern::GaussianEllipse)
                                                      ? 0.5 * kLargestNormalRadius
                                                      : 1.0);
      const double vt = plan_.vt_min[t];
      const double drift = sc_.wind.speed_mps.hi <= 0.0 ? 0.0
                           : vt > 0.0                   ? sc_.wind.speed_mps.hi * plan_.height_of_strike[s].hi / vt
                                                        : kInf;
      const double reach = kLargestNormalRadius * plan_.aim_sigma[s] + pattern + drift + 2.0 * plan_.cell_size_m;
      unit.reach = std::max(unit.reach, reach);
      // Random-walk step: half the row's typical spread (aim error and footprint).
      const double spread = 1.1774 * plan_.aim_sigma[s] + 0.5 * (c.semi_major_m.lo + c.semi_major_m.hi);
      unit.step = std::max(unit.step, 0.5 * std::max(spread, plan_.cell_size_m));
    }
    report_.units = static_cast<std::uint32_t>(units_.size());
  }

  bool unit_has_carrier(const Unit& u, const std::string& name) const {
    for (std::uint32_t s : u.rows)
      if (iequals(sc_.carriers[plan_.carrier_of_strike[s]].name, name)) return true;
    return false;
  }

  static bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
  }

  std::string unit_carriers(const Unit& u) const {
    std::string out;
    for (std::uint32_t s : u.rows) {
      const std::string& n = sc_.carriers[plan_.carrier_of_strike[s]].name;
      if (out.find(n) == std::string::npos) out += (out.empty() ? "" : ", ") + n;
    }
    return out;
  }

  // Each located strike takes the first sampled site not yet placed (that
  // fires its carrier, when it names one); sites are exchangeable in the
  // prior, so which one does not matter. Where the scenario's strikes are at
  // fixed points, a located strike is matched to the nearest of its carrier
  // and pins nothing.
  void pin_strikes(const Evidence& ev) {
    for (const EvidenceFeature& f : ev.features) {
      if (f.kind != EvidenceFeature::Kind::Strike) continue;
      const double x = f.x_m - plan_.origin_x_m, y = f.y_m - plan_.origin_y_m;
      const std::string what = f.file + ": " + f.label;
      Unit* pick = nullptr;
      for (Unit& unit : units_) {
        if (unit.site < 0 || !plan_.sites.fixed_sites.empty() || unit.pinned) continue;
        if (!f.carrier.empty() && !unit_has_carrier(unit, f.carrier)) continue;
        pick = &unit;
        break;
      }
      if (pick) {
        pick->pinned = true;
        pick->movable = false;
        pick->pin_x = x;
        pick->pin_y = y;
        report_.pins.push_back(
            fmt::format("located strike {} pins strike site {} ({})", what, pick->site + 1, unit_carriers(*pick)));
        continue;
      }
      double best = kInf;
      const Unit* near = nullptr;
      for (const Unit& unit : units_) {
        if (unit.site >= 0 && plan_.sites.fixed_sites.empty()) continue;
        if (!f.carrier.empty() && !unit_has_carrier(unit, f.carrier)) continue;
        const std::uint32_t s = unit.rows.front();
        const double ux = unit.site < 0 ? plan_.fixed_x[s] : plan_.sites.fixed_sites[unit.site].x_m;
        const double uy = unit.site < 0 ? plan_.fixed_y[s] : plan_.sites.fixed_sites[unit.site].y_m;
        const double d = std::hypot(ux - x, uy - y);
        if (d < best) best = d, near = &unit;
      }
      if (!near) {
        std::size_t sampled = 0, pinned = 0;
        for (const Unit& unit : units_) sampled += unit.site >= 0, pinned += unit.pinned;
        throw InputError(fmt::format(
            "{}: a located strike{} that no strike site of the scenario can take: {} sampled site(s), {} placed at "
            "located strikes already{}",
            what, f.carrier.empty() ? "" : " of " + f.carrier, sampled, pinned,
            f.carrier.empty() ? "" : fmt::format(", none left that fires {}", f.carrier)));
      }
      report_.pins.push_back(fmt::format("located strike {} is the scenario's fixed strike of {} {:.0f} m away (nothing to place)",
                                         what, unit_carriers(*near), best));
    }
    for (const Unit& u : units_) report_.movable_units += u.movable;
  }

  void make_boxes_and_anchors(const Evidence& ev) {
    const double dx = plan_.cell_size_m;
    for (const EvidenceTerm& t : model_.terms) {
      Box b{kInf, kInf, -kInf, -kInf};
      for (std::uint32_t c : t.cells) {
        const double x = (c % plan_.nx) * dx, y = (c / plan_.nx) * dx;
        b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y);
        b.x1 = std::max(b.x1, x + dx), b.y1 = std::max(b.y1, y + dx);
      }
      boxes_.push_back(b);
      // Anchors of the jump: where the evidence says items are.
      if (t.kind == EvidenceFeature::Kind::Find || (t.kind == EvidenceFeature::Kind::Searched && t.k > 0))
        anchors_.push_back({0.5 * (b.x0 + b.x1), 0.5 * (b.y0 + b.y1)});
    }
    (void)ev;
  }

  // The sites' prior density per square metre in each cell (sites drawn from
  // areas: an area by its weight, a land cell of it uniformly, a point in the
  // cell uniformly); empty for sites drawn from points (a discrete prior: no
  // random walk, jumps from the prior only).
  void make_prior_density() {
    const SiteSampler& s = plan_.sites;
    if (s.area_cells.empty()) return;
    density_.assign(plan_.cells(), 0.0);
    const double cell_area = plan_.cell_size_m * plan_.cell_size_m;
    for (std::size_t a = 0; a < s.area_cells.size(); ++a) {
      const double w = s.area_cdf[a] - (a ? s.area_cdf[a - 1] : 0.0);
      if (s.area_cells[a].empty()) continue;
      const double per = w / (double(s.area_cells[a].size()) * cell_area);
      for (std::uint32_t c : s.area_cells[a]) density_[c] += per;
    }
  }

  double prior_density(double x, double y) const {
    if (density_.empty()) return 1.0;
    const std::uint32_t c = landing_cell_index(grid_view(), static_cast<float>(x), static_cast<float>(y));
    if (c == kNoCell) return 0.0;
    return density_[c];
  }

  GridView grid_view() const {
    GridView g;
    g.nx = plan_.nx;
    g.ny = plan_.ny;
    g.dx = static_cast<float>(plan_.cell_size_m);
    return g;
  }

  bool near(const Unit& u, double x, double y) const {
    for (const Box& b : boxes_)
      if (distance_to(b, x, y) <= u.reach) return true;
    return false;
  }

  // ------------------------------------------------------------ the state

  void fill_row(BatchDraws& d, std::size_t row, std::uint32_t s, std::uint32_t stream, double x, double y) const {
    const StrikeDraw sd = draw_strike(sc_, plan_, keys_, stream, s);
    d.stream[row] = stream;
    d.site_x[row] = static_cast<float>(x);
    d.site_y[row] = static_cast<float>(y);
    d.height[row] = sd.height;
    d.semi_major[row] = sd.semi_major;
    d.semi_minor[row] = sd.semi_minor;
    d.wind_x[row] = sd.wind_x;
    d.wind_y[row] = sd.wind_y;
  }

  void initialise() {
    const std::uint32_t U = static_cast<std::uint32_t>(units_.size());
    x_.assign(std::size_t(P_) * U, 0.0);
    y_.assign(std::size_t(P_) * U, 0.0);
    stream_.assign(std::size_t(P_) * U, 0);
    tdraw_.assign(std::size_t(P_) * T_, TypeDraw{});
    contrib_.assign(std::size_t(P_) * U * F_, 0);
    items_.assign(std::size_t(P_) * F_, 0);
    relaxed_.assign(P_, 0.0);
    ancestor_.resize(P_);
    std::iota(ancestor_.begin(), ancestor_.end(), 0u);
    std::vector<Request> all;
    for (std::uint32_t p = 0; p < P_; ++p) {
      for (std::uint32_t t = 0; t < T_; ++t) tdraw_[p * T_ + t] = draw_type(sc_, keys_, p, t);
      for (std::uint32_t u = 0; u < U; ++u) {
        const Unit& unit = units_[u];
        const std::uint32_t s = unit.rows.front();
        double x, y;
        if (unit.pinned) {
          x = unit.pin_x, y = unit.pin_y;
        } else if (unit.site < 0) {
          x = plan_.fixed_x[s], y = plan_.fixed_y[s];
        } else {
          const auto xy = plan_.sites.sample(keys_.site, p, static_cast<std::uint32_t>(unit.site));
          x = xy[0], y = xy[1];
        }
        x_[at(p, u)] = x;
        y_[at(p, u)] = y;
        stream_[at(p, u)] = p;
        all.push_back(Request{p, u, x, y, p, tdraw_.data() + p * T_, -1});
      }
    }
    const std::vector<std::uint32_t> counts = evaluate(all);
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Request& r = all[i];
      for (std::uint32_t f = 0; f < F_; ++f) {
        contrib_[at(r.p, r.u) * F_ + f] = counts[i * F_ + f];
        items_[std::size_t(r.p) * F_ + f] += counts[i * F_ + f];
      }
    }
    for (std::uint32_t p = 0; p < P_; ++p) relaxed_[p] = relaxed_ll(p);
  }

  // Items per feature of each request (request i's at [i * F, (i + 1) * F)):
  // one evidence count on the backend for every request whose site lies
  // within its unit's reach of some feature (the others hold none).
  std::vector<std::uint32_t> evaluate(const std::vector<Request>& requests) {
    std::vector<std::uint32_t> out(requests.size() * F_, 0);
    std::vector<std::uint32_t> of_eval, strike_of_eval;
    for (std::uint32_t i = 0; i < requests.size(); ++i) {
      const Request& r = requests[i];
      const Unit& unit = units_[r.u];
      if (!near(unit, r.x, r.y)) continue;
      for (std::uint32_t s : unit.rows) {
        if (r.only_type >= 0 && plan_.type[s] != r.only_type) continue;
        of_eval.push_back(i);
        strike_of_eval.push_back(s);
      }
    }
    const std::size_t E = of_eval.size();
    if (E == 0 || F_ == 0) return out;
    BatchDraws d;
    d.first = 0;
    d.count = static_cast<std::uint32_t>(E);
#define REMNANT_SIZE_COLUMN(Type, name) d.name.resize(E);
    REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_SIZE_COLUMN)
    REMNANT_BATCH_TYPE_COLUMNS(REMNANT_SIZE_COLUMN)
#undef REMNANT_SIZE_COLUMN
#pragma omp parallel for schedule(static)
    for (std::int64_t e = 0; e < static_cast<std::int64_t>(E); ++e) {
      const Request& r = requests[of_eval[e]];
      const std::uint32_t s = strike_of_eval[e];
      fill_row(d, e, s, r.stream, r.x, r.y);
      const TypeDraw& td = r.types[plan_.type[s]];
      d.dud_rate[e] = td.dud_rate;
      d.sd_failure[e] = td.sd_failure;
    }
    const std::vector<std::uint32_t> counts = engine_->count_evidence(d.view(), strike_of_eval);
    for (std::size_t e = 0; e < E; ++e)
      for (std::uint32_t f = 0; f < F_; ++f) out[std::size_t(of_eval[e]) * F_ + f] += counts[e * F_ + f];
    return out;
  }

  std::vector<std::uint64_t> items_of(std::uint32_t p) const {
    return std::vector<std::uint64_t>(items_.begin() + std::size_t(p) * F_, items_.begin() + std::size_t(p + 1) * F_);
  }
  double relaxed_ll(std::uint32_t p) const {
    return relaxed_log_likelihood_of_counts(model_, items_of(p), kappa_);
  }
  double exact_ll(std::uint32_t p) const { return log_likelihood_of_counts(model_, items_of(p)); }
  // The stage's target (its log-likelihood part) of given items.
  double target(const std::vector<std::uint64_t>& items) const {
    return exact_ ? log_likelihood_of_counts(model_, items)
                  : beta_ * relaxed_log_likelihood_of_counts(model_, items, kappa_);
  }
  double target(std::uint32_t p) const { return target(items_of(p)); }

  // The largest beta in (beta, 1] at which the reweighted particles keep an
  // effective size of half the particles (bisection).
  double next_beta(double beta) const {
    auto ess = [&](double b) {
      std::vector<double> w(P_);
      for (std::uint32_t p = 0; p < P_; ++p) w[p] = (b - beta) * relaxed_[p];
      return importance_weights(w).effective_size;
    };
    const double half = 0.5 * P_;
    if (ess(1.0) >= half) return 1.0;
    double lo = beta, hi = 1.0;
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (ess(mid) >= half ? lo : hi) = mid;
    }
    return std::max(lo, beta + 1e-9);
  }

  // Systematic resampling, one uniform keyed by the stage.
  void resample(const std::vector<double>& weight, std::uint32_t stage) {
    HostDrawStream u(make_key(opt_.seed ^ mix64(0xA11CE000ull + stage), Stream::Conditioning), 0xFFFFFFFFu, stage);
    const double start = u.next() / P_;
    std::vector<std::uint32_t> pick(P_);
    double cum = 0.0;
    std::uint32_t i = 0;
    for (std::uint32_t p = 0; p < P_; ++p) {
      const double target = start + double(p) / P_;
      while (i + 1 < P_ && cum + weight[i] < target) cum += weight[i++];
      pick[p] = i;
    }
    const std::size_t U = units_.size();
    auto gather = [&](auto& v, std::size_t per) {
      auto old = v;
      for (std::uint32_t p = 0; p < P_; ++p)
        std::copy(old.begin() + pick[p] * per, old.begin() + (pick[p] + 1) * per, v.begin() + p * per);
    };
    gather(x_, U);
    gather(y_, U);
    gather(stream_, U);
    gather(tdraw_, T_);
    gather(contrib_, U * F_);
    gather(items_, F_);
    gather(relaxed_, 1);
    gather(ancestor_, 1);
  }

  // ------------------------------------------------------------ moves

  // One sweep: the position moves (walk, jump) of every movable unit, a new
  // stream for every unit, new rates for every type; each a pass over all
  // particles, their proposals counted in one call to the backend, then
  // accepted or not unit by unit in each particle (a unit's items depend on
  // its own state and the particle's rates only, so its proposal stays valid
  // while the particle's other units move before it).
  void sweep_moves(std::uint32_t stage, std::uint32_t sweep, std::array<std::uint64_t, kMoves>& proposed,
                   std::array<std::uint64_t, kMoves>& accepted) {
    const RngKey key = make_key(opt_.seed ^ mix64((std::uint64_t(stage) << 32) | sweep), Stream::Conditioning);
    if (!density_.empty()) unit_moves(kWalk, key, proposed, accepted);
    unit_moves(kJump, key, proposed, accepted);
    unit_moves(kStream, key, proposed, accepted);
    rate_moves(key, sweep, proposed, accepted);
  }

  struct Proposal {
    double x, y;
    std::uint32_t stream;
    double log_hastings;  // log of (prior x proposal) ratio, new over old
    double u;             // the acceptance uniform
    bool possible;
  };

  Proposal propose(Move m, const RngKey& key, std::uint32_t p, std::uint32_t u) const {
    const Unit& unit = units_[u];
    HostDrawStream r(key, p, u * kMoves + m);
    Proposal q{x_[at(p, u)], y_[at(p, u)], stream_[at(p, u)], 0.0, r.next(), true};
    const double dens_old = prior_density(q.x, q.y);
    if (m == kStream) {
      q.stream = new_stream(r);
    } else if (m == kWalk) {
      q.x += unit.step * normal(r);
      q.y += unit.step * normal(r);
      const double dens_new = prior_density(q.x, q.y);
      q.possible = dens_new > 0.0;
      if (q.possible) q.log_hastings = std::log(dens_new) - std::log(dens_old);
    } else {  // kJump: from the prior, or (half the time, when some) near an anchor
      const bool anchored = !anchors_.empty() && !density_.empty() && r.next() < 0.5;
      if (anchored) {
        const auto& a = anchors_[std::min<std::size_t>(static_cast<std::size_t>(r.next() * anchors_.size()), anchors_.size() - 1)];
        q.x = a[0] + unit.step * normal(r);
        q.y = a[1] + unit.step * normal(r);
      } else {
        const auto xy = plan_.sites.sample(keys_.site, new_stream(r), static_cast<std::uint32_t>(unit.site));
        q.x = xy[0], q.y = xy[1];
      }
      if (!anchors_.empty() && !density_.empty()) {
        const double dens_new = prior_density(q.x, q.y);
        q.possible = dens_new > 0.0;
        if (q.possible)
          q.log_hastings = std::log(dens_new) - std::log(dens_old) +
                           std::log(jump_density(unit, x_[at(p, u)], y_[at(p, u)])) -
                           std::log(jump_density(unit, q.x, q.y));
      }
      // From the prior alone: prior and proposal ratios cancel.
    }
    return q;
  }

  // The jump's proposal density at (x, y), per square metre: half the sites'
  // prior, half a normal of the unit's step around an anchor drawn uniformly.
  double jump_density(const Unit& unit, double x, double y) const {
    const double s2 = unit.step * unit.step;
    double g = 0.0;
    for (const auto& a : anchors_) {
      const double dx = x - a[0], dy = y - a[1];
      g += std::exp(-0.5 * (dx * dx + dy * dy) / s2) / (6.283185307179586 * s2);
    }
    return 0.5 * prior_density(x, y) + 0.5 * g / anchors_.size();
  }

  void unit_moves(Move m, const RngKey& key, std::array<std::uint64_t, kMoves>& proposed,
                  std::array<std::uint64_t, kMoves>& accepted) {
    const std::uint32_t U = static_cast<std::uint32_t>(units_.size());
    std::vector<Request> req;
    std::vector<Proposal> prop;
    std::vector<std::uint32_t> index(std::size_t(P_) * U, kNoCell);
    for (std::uint32_t p = 0; p < P_; ++p)
      for (std::uint32_t u = 0; u < U; ++u) {
        const Unit& unit = units_[u];
        if (m != kStream && !unit.movable) continue;
        const Proposal q = propose(m, key, p, u);
        if (!q.possible) continue;
        index[at(p, u)] = static_cast<std::uint32_t>(prop.size());
        prop.push_back(q);
        req.push_back(Request{p, u, q.x, q.y, q.stream, tdraw_.data() + p * T_, -1});
      }
    const std::vector<std::uint32_t> counts = evaluate(req);
    // Accept or not, particle by particle (independent), unit by unit.
    std::vector<std::uint64_t> prop_n(P_, 0), acc_n(P_, 0);
#pragma omp parallel for schedule(dynamic, 8)
    for (std::int64_t pi = 0; pi < static_cast<std::int64_t>(P_); ++pi) {
      const std::uint32_t p = static_cast<std::uint32_t>(pi);
      std::vector<std::uint64_t> items = items_of(p);
      double now = target(items);
      for (std::uint32_t u = 0; u < U; ++u) {
        const std::uint32_t i = index[at(p, u)];
        if (i == kNoCell) continue;
        const Proposal& q = prop[i];
        std::uint32_t* old = contrib_.data() + at(p, u) * F_;
        const std::uint32_t* neu = counts.data() + std::size_t(i) * F_;
        const bool touches = !std::equal(old, old + F_, neu) || near(units_[u], q.x, q.y) ||
                             near(units_[u], x_[at(p, u)], y_[at(p, u)]);
        std::vector<std::uint64_t> next = items;
        for (std::uint32_t f = 0; f < F_; ++f) next[f] = next[f] - old[f] + neu[f];
        const double then = target(next);
        const double log_a = then - now + q.log_hastings;
        const bool take = std::isfinite(then) && (log_a >= 0.0 || std::log(q.u) < log_a);
        if (touches) ++prop_n[p], acc_n[p] += take;
        if (!take) continue;
        x_[at(p, u)] = q.x;
        y_[at(p, u)] = q.y;
        stream_[at(p, u)] = q.stream;
        std::copy(neu, neu + F_, old);
        items = std::move(next);
        now = then;
      }
      std::copy(items.begin(), items.end(), items_.begin() + std::size_t(p) * F_);
      relaxed_[p] = relaxed_ll(p);
    }
    for (std::uint32_t p = 0; p < P_; ++p) proposed[m] += prop_n[p], accepted[m] += acc_n[p];
  }

  // New failure rates for each type in turn: every third sweep a fresh draw
  // from the prior, the others (for a Beta prior) a random walk of the rate
  // on the logit scale, of a step that cycles through 0.3, 0.1 and 0.03
  // (small steps move a rate the evidence pins tightly: each changes only the
  // items whose Failure uniform lies between the old and the new probability).
  void rate_moves(const RngKey& key, std::uint32_t sweep, std::array<std::uint64_t, kMoves>& proposed,
                  std::array<std::uint64_t, kMoves>& accepted) {
    static constexpr double kSteps[3] = {0.3, 0.1, 0.03};
    for (std::uint32_t t = 0; t < T_; ++t) {
      const RatePrior& prior = sc_.submunitions[t].dud_rate;
      const int walk = prior.fixed || sweep % 3 == 0 ? 0 : 1;
      {
        std::vector<TypeDraw> fresh(tdraw_);
        std::vector<double> uniform(P_), log_ratio(P_, 0.0);
        for (std::uint32_t p = 0; p < P_; ++p) {
          HostDrawStream r(key, p, 0x40000000u + 2 * t + static_cast<std::uint32_t>(walk));
          uniform[p] = r.next();
          TypeDraw& d = fresh[p * T_ + t];
          if (!walk) {
            d = draw_type(sc_, keys_, new_stream(r), t);
            continue;
          }
          const double old = d.dud_rate;
          const double z = std::log(old / (1.0 - old)) + kSteps[(sweep / 3 + sweep) % 3] * normal(r);
          d.dud_rate = static_cast<float>(1.0 / (1.0 + std::exp(-z)));
          const double neu = d.dud_rate;
          if (!(neu > 0.0 && neu < 1.0)) {
            log_ratio[p] = -kInf;
            continue;
          }
          // Beta prior ratio and the logit step's Jacobian r (1 - r).
          log_ratio[p] = prior.alpha * (std::log(neu) - std::log(old)) + prior.beta * (std::log1p(-neu) - std::log1p(-old));
        }
        try_rates(t, fresh, uniform, log_ratio, proposed, accepted);
      }
    }
  }

  // One proposal of type t's draws per particle (fresh), accepted with the
  // stage's target ratio times exp(log_ratio): the items of every unit's rows
  // of that type under the old and the proposed rates.
  void try_rates(std::uint32_t t, const std::vector<TypeDraw>& fresh, const std::vector<double>& uniform,
                 const std::vector<double>& log_ratio, std::array<std::uint64_t, kMoves>& proposed,
                 std::array<std::uint64_t, kMoves>& accepted) {
    const std::uint32_t U = static_cast<std::uint32_t>(units_.size());
    std::vector<Request> req;
    for (std::uint32_t p = 0; p < P_; ++p) {
      if (!std::isfinite(log_ratio[p])) continue;
      for (std::uint32_t u = 0; u < U; ++u) {
        const Unit& unit = units_[u];
        if (std::find(unit.types.begin(), unit.types.end(), t) == unit.types.end()) continue;
        if (!near(unit, x_[at(p, u)], y_[at(p, u)])) continue;
        const std::int32_t ti = static_cast<std::int32_t>(t);
        req.push_back(Request{p, u, x_[at(p, u)], y_[at(p, u)], stream_[at(p, u)], tdraw_.data() + p * T_, ti});
        req.push_back(Request{p, u, x_[at(p, u)], y_[at(p, u)], stream_[at(p, u)], fresh.data() + p * T_, ti});
      }
    }
    const std::vector<std::uint32_t> counts = evaluate(req);
    // Requests come in (old, new) pairs, particle by particle.
    std::vector<std::size_t> first(P_ + 1, 0);
    for (std::size_t i = 0; i < req.size(); i += 2) ++first[req[i].p + 1];
    for (std::uint32_t p = 0; p < P_; ++p) first[p + 1] += first[p];
    for (std::uint32_t p = 0; p < P_; ++p) {
      if (!std::isfinite(log_ratio[p])) continue;
      std::vector<std::uint64_t> items = items_of(p);
      const double now = target(items);
      bool changes = false;
      for (std::size_t k = first[p]; k < first[p + 1]; ++k)
        for (std::uint32_t f = 0; f < F_; ++f) {
          const std::uint32_t o = counts[(2 * k) * F_ + f], n = counts[(2 * k + 1) * F_ + f];
          items[f] = items[f] - o + n;
          changes |= o != n;
        }
      const double then = target(items);
      const double log_a = then - now + log_ratio[p];
      const bool take = std::isfinite(then) && (log_a >= 0.0 || std::log(uniform[p]) < log_a);
      if (changes) ++proposed[kRates], accepted[kRates] += take;
      if (!take) continue;
      tdraw_[p * T_ + t] = fresh[p * T_ + t];
      for (std::size_t k = first[p]; k < first[p + 1]; ++k) {
        std::uint32_t* c = contrib_.data() + at(p, req[2 * k].u) * F_;
        for (std::uint32_t f = 0; f < F_; ++f) c[f] = c[f] - counts[(2 * k) * F_ + f] + counts[(2 * k + 1) * F_ + f];
      }
      std::copy(items.begin(), items.end(), items_.begin() + std::size_t(p) * F_);
      relaxed_[p] = relaxed_ll(p);
    }
  }

  void diagnose(const ConditioningStage& last) {
    if (report_.final_effective_size < 0.1 * P_)
      report_.warnings.push_back(fmt::format(
          "few particles met the evidence at the last stage (effective sample size {:.1f} of {}): the posterior rests "
          "on few realizations; run more particles (-r)",
          report_.final_effective_size, P_));
    if (report_.r_hat > 1.1)
      report_.warnings.push_back(fmt::format(
          "the particles mix poorly in the final sweeps (R-hat of the log-likelihood {:.2f} > 1.1): run more sweeps "
          "(--sweeps)",
          report_.r_hat));
    double best = 0.0;
    for (double a : {last.acceptance_walk, last.acceptance_jump, last.acceptance_stream, last.acceptance_rates})
      if (std::isfinite(a)) best = std::max(best, a);
    if (best < 0.05)
      report_.warnings.push_back(fmt::format(
          "the moves are rarely accepted in the final sweeps (at most {:.1f} %): the particles barely move",
          100.0 * best));
  }

  const Scenario& sc_;
  const Plan& plan_;
  const RunOptions& opt_;
  ConditionOptions co_;
  DrawKeys keys_;
  std::uint32_t P_, T_, F_ = 0;
  EvidenceModel model_;
  std::vector<Unit> units_;
  std::vector<Box> boxes_;
  std::vector<std::array<double, 2>> anchors_;
  std::vector<double> density_;
  std::unique_ptr<Engine> engine_;
  double beta_ = 0.0;
  double kappa_ = kDeficitCost;  // the relaxed likelihood's cost per missing item now
  bool exact_ = false;
  // The particles' state: [p][unit], [p][type], [p][unit][feature], [p][feature], [p].
  std::vector<double> x_, y_;
  std::vector<std::uint32_t> stream_;
  std::vector<TypeDraw> tdraw_;
  std::vector<std::uint32_t> contrib_;
  std::vector<std::uint64_t> items_;
  std::vector<double> relaxed_;
  std::vector<std::uint32_t> ancestor_;
  ConditioningReport report_;
  std::string evidence_sha_;
};

}  // namespace

namespace {

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : std::string("null"); }

std::string json_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + json_escape(v[i]) + "\"";
  return out + "]";
}

// A feature's geometry as WKT in the grid's CRS (a polygon's rings as they
// were read: the even-odd rule applies).
std::string feature_wkt(const EvidenceFeature& f) {
  if (f.rings.empty()) return fmt::format("POINT ({:.3f} {:.3f})", f.x_m, f.y_m);
  std::string out = "POLYGON (";
  for (std::size_t r = 0; r < f.rings.size(); ++r) {
    out += r ? ", (" : "(";
    for (std::size_t i = 0; i < f.rings[r].size(); ++i)
      out += fmt::format("{}{:.3f} {:.3f}", i ? ", " : "", f.rings[r][i][0], f.rings[r][i][1]);
    out += ")";
  }
  return out + ")";
}

std::string feature_fields(const EvidenceFeature& f) {
  switch (f.kind) {
    case EvidenceFeature::Kind::Strike:
      return fmt::format("carrier={} carriers={} date={}", f.carrier.empty() ? "-" : f.carrier, f.carriers,
                         f.date.empty() ? "-" : f.date);
    case EvidenceFeature::Kind::Find:
      return fmt::format("items={} submunition={}", f.items, f.submunition.empty() ? "-" : f.submunition);
    case EvidenceFeature::Kind::Searched:
      return fmt::format("items_found={} detection_probability={} cells={}", f.items_found, f.detection_probability,
                         f.cells.size());
    case EvidenceFeature::Kind::Cancelled:
      return fmt::format("detection_probability={} cells={}", f.detection_probability, f.cells.size());
  }
  return "";
}

}  // namespace

ResultConditioning conditioning_record(const Evidence& evidence, const ConditioningReport& r,
                                       const ConditionOptions& co, double cancelled_detection) {
  ResultConditioning c;
  c.files = evidence.files;
  c.sha256 = evidence.sha256;
  c.summary = evidence.summary();
  c.sweeps = co.sweeps;
  c.cancelled_detection = cancelled_detection;
  c.find_radius_m = co.find_radius_m;
  for (const EvidenceFeature& f : evidence.features)
    c.features.push_back(fmt::format("{}\t{}\t{}\t{}", evidence_kind_name(f.kind), f.file + ": " + f.label,
                                     feature_fields(f), feature_wkt(f)));
  c.method = fmt::format(
      "sequential Monte Carlo over whole realizations (strike sites' positions and draw streams, types' failure "
      "rates), likelihood tempered adaptively (effective sample size half the {} particles per step), "
      "Metropolis-Hastings moves ({} sweeps a stage, {} in the final one: random walk, jump from the prior or near "
      "the evidence, fresh draws per site; fresh rates per type), the footprints of the engine itself. Likelihood: "
      "searched areas binomial, cancelled areas (1 - detection)^N, a find: N >= items within {} m (assumption); "
      "cancelled areas without their own detection probability take {} (assumption); features independent",
      r.particles, co.sweeps, 2 * co.sweeps, co.find_radius_m, cancelled_detection);
  const ConditioningStage& last = r.stages.back();
  c.diagnostics.push_back(fmt::format(
      "{} particles, {} strike sites ({} movable), {} likelihood terms; {} stages to the exact posterior in {:.1f} s{}",
      r.particles, r.units, r.movable_units, r.features, r.stages.size(), r.seconds,
      r.resumed_after_stages ? fmt::format(" (resumed after {} stages from the checkpoint)", r.resumed_after_stages)
                             : std::string()));
  auto percent = [](double a) { return std::isfinite(a) ? fmt::format("{:.0f} %", 100 * a) : std::string("none tried"); };
  c.diagnostics.push_back(fmt::format(
      "final stage: effective sample size {:.1f} of {} before resampling, {} distinct prior realizations among the "
      "ancestors, R-hat of the log-likelihood {:.3f}; moves that touched the evidence accepted: walk {}, jump {}, "
      "stream {}, rates {}",
      r.final_effective_size, r.particles, r.distinct_ancestors, r.r_hat, percent(last.acceptance_walk),
      percent(last.acceptance_jump), percent(last.acceptance_stream), percent(last.acceptance_rates)));
  for (const std::string& p : r.pins) c.diagnostics.push_back(p);
  for (const std::string& w : r.warnings) c.diagnostics.push_back("warning: " + w);
  std::string stages = "[";
  for (std::size_t i = 0; i < r.stages.size(); ++i) {
    const ConditioningStage& st = r.stages[i];
    stages += fmt::format(
        "{}{{\"beta\": {}, \"effective_size\": {}, \"acceptance\": {{\"walk\": {}, \"jump\": {}, \"stream\": {}, "
        "\"rates\": {}}}}}",
        i ? ", " : "", json_number(st.beta), json_number(st.effective_size), json_number(st.acceptance_walk),
        json_number(st.acceptance_jump), json_number(st.acceptance_stream), json_number(st.acceptance_rates));
  }
  stages += "]";
  c.diagnostics_json = fmt::format(
      "{{\"particles\": {}, \"strike_sites\": {}, \"movable_sites\": {}, \"likelihood_terms\": {}, "
      "\"stages\": {}, \"final_effective_size\": {}, \"distinct_ancestors\": {}, \"r_hat\": {}, "
      "\"mean_log_likelihood\": {}, \"pins\": {}, \"warnings\": {}, \"seconds\": {}}}",
      r.particles, r.units, r.movable_units, r.features, stages, json_number(r.final_effective_size),
      r.distinct_ancestors, json_number(r.r_hat), json_number(r.mean_log_likelihood), json_list(r.pins),
      json_list(r.warnings), json_number(r.seconds));
  return c;
}

std::string conditioning_json_members(const ResultConditioning& c) {
  if (c.empty()) return "  \"conditioned\": false,\n";
  return fmt::format(
      "  \"conditioned\": true,\n"
      "  \"evidence\": {{\"files\": {}, \"sha256\": \"{}\", \"summary\": \"{}\", \"features\": {}, \"method\": "
      "\"{}\", \"diagnostics\": {}}},\n",
      json_list(c.files), c.sha256, json_escape(c.summary), c.features.size(), json_escape(c.method),
      c.diagnostics_json.empty() ? std::string("null") : c.diagnostics_json);
}

double gelman_rubin(const std::vector<std::vector<double>>& chains) {
  const std::size_t m = chains.size();
  if (m < 2 || chains[0].size() < 2) return 0.0;
  const std::size_t n = chains[0].size();
  std::vector<double> mean(m);
  double grand = 0.0, W = 0.0;
  for (std::size_t j = 0; j < m; ++j) {
    mean[j] = std::accumulate(chains[j].begin(), chains[j].end(), 0.0) / n;
    grand += mean[j];
    double ss = 0.0;
    for (double v : chains[j]) ss += (v - mean[j]) * (v - mean[j]);
    W += ss / (n - 1);
  }
  grand /= m;
  W /= m;
  double B = 0.0;
  for (double v : mean) B += (v - grand) * (v - grand);
  B *= double(n) / (m - 1);
  if (W <= 0.0) return B <= 0.0 ? 1.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(((n - 1.0) / n * W + B / n) / W);
}

ConditionedRun condition_run(const Scenario& sc, const Plan& plan, const Evidence& evidence, const RunOptions& opt,
                             const ConditionOptions& co) {
  if (opt.realizations < 2) throw InputError("a conditioned run needs at least 2 realizations (its particles)");
  if (opt.threads > 0) omp_set_num_threads(opt.threads);
  ConditionedRun out;
  Sampler sampler(sc, plan, evidence, opt, co);
  out.report = sampler.sample();
  RunOptions o = opt;
  o.draws = [&sampler](std::uint32_t first, std::uint32_t count) { return sampler.draws(first, count); };
  o.todo.reset();
  o.checkpoint = nullptr;
  out.result = run_ensemble(sc, plan, o);
  if (!co.checkpoint.empty()) {
    std::error_code ec;
    std::filesystem::remove(co.checkpoint, ec);  // spent: the result holds the run
  }
  // The final run's items in each feature's cells are the sampler's, to the bit.
  const std::vector<std::uint64_t> expected = sampler.feature_items();
  for (std::size_t f = 0; f < expected.size(); ++f) {
    std::uint64_t got = 0;
    for (std::uint32_t c : sampler.model().terms[f].cells) got += out.result.accumulators.dud_sum[c];
    if (got != expected[f])
      throw std::logic_error(fmt::format("conditioned run: {} holds {} items in the final run, {} in the sampler",
                                         sampler.model().terms[f].label, got, expected[f]));
  }
  return out;
}

}  // namespace remnant
