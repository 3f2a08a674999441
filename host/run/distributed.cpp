// MPI across processes and machines, or the single-process stand-in when
// built without MPI (REMNANT_HAVE_MPI unset). See distributed.h.
#include "host/run/distributed.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#if REMNANT_HAVE_MPI
#include <mpi.h>
#endif

namespace remnant::distributed {

RealizationSet share(const RealizationSet& todo, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size) throw std::logic_error("distributed::share: no such rank");
  const std::uint64_t n = todo.count(), base = n / size, extra = n % size;
  const std::uint64_t r = static_cast<std::uint64_t>(rank);
  const std::uint64_t begin = r * base + std::min(r, extra), end = begin + base + (r < extra ? 1 : 0);
  // Walk todo's ranges in order, counting realizations, and keep [begin, end).
  RealizationSet out;
  std::uint64_t seen = 0;
  for (const RealizationSet::Range& range : todo.ranges()) {
    const std::uint64_t len = range.second - range.first;
    const std::uint64_t lo = std::max(begin, seen), hi = std::min(end, seen + len);
    if (lo < hi)
      out.add(static_cast<std::uint32_t>(range.first + (lo - seen)), static_cast<std::uint32_t>(range.first + (hi - seen)));
    seen += len;
  }
  return out;
}

bool root() { return rank() == 0; }

namespace {

// The ranks grouped by what key says of each, groups in order of their first rank.
template <class Key>
std::vector<std::pair<std::string, std::vector<int>>> group_ranks(const std::vector<RankStart>& ranks, Key key) {
  std::vector<std::pair<std::string, std::vector<int>>> groups;
  for (int k = 0; k < static_cast<int>(ranks.size()); ++k) {
    const std::string v = key(ranks[k]);
    auto at = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == v; });
    if (at == groups.end()) groups.push_back({v, {k}});
    else at->second.push_back(k);
  }
  return groups;
}

// "rank 3", "ranks 0-2, 5"
std::string ranks_text(const std::vector<int>& ranks) {
  RealizationSet s;  // the same ranges text as realizations
  for (int k : ranks) s.add(static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k) + 1);
  return (ranks.size() == 1 ? "rank " : "ranks ") + s.text();
}

}  // namespace

std::string disagreement(const std::vector<RankStart>& ranks) {
  const auto backends = group_ranks(ranks, [](const RankStart& r) { return r.backend; });
  if (backends.size() > 1) {
    std::string each;
    for (const auto& [backend, who] : backends)
      each += fmt::format("{}{} on {} ({})", each.empty() ? "" : "; ", backend, ranks_text(who), ranks[who[0]].note);
    return fmt::format("the processes of this run chose different backends: {}. One result holds one backend's "
                       "results: give every process a usable GPU (fewer processes per GPU, or GPUs not held by other "
                       "programs) or run all of them on the CPU (--backend cpu)",
                       each);
  }
  auto differ = [&](const char* what, auto key) {
    const auto groups = group_ranks(ranks, key);
    if (groups.size() < 2) return std::string();
    std::string each;
    for (const auto& [value, who] : groups) each += fmt::format("{}{} on {}", each.empty() ? "" : ", ", value, ranks_text(who));
    return fmt::format("the processes of this run were given different {}: {}; every process of an mpirun must run "
                       "the same command",
                       what, each);
  };
  std::string why = differ("seeds", [](const RankStart& r) { return std::to_string(r.seed); });
  if (why.empty()) why = differ("realization counts", [](const RankStart& r) { return std::to_string(r.realizations); });
  return why;
}

DeviceShare device_share(const std::vector<RankStart>& ranks, int me) {
  if (me < 0 || me >= static_cast<int>(ranks.size())) throw std::logic_error("distributed::device_share: no such rank");
  const RankStart& mine = ranks[me];
  if (mine.backend != "cuda" || mine.device.empty()) return {1, mine.device_free};
  DeviceShare share{0, 0};
  for (const RankStart& r : ranks)
    if (r.backend == "cuda" && r.device == mine.device) {
      ++share.processes;
      if (r.device_free && (share.free == 0 || r.device_free < share.free)) share.free = r.device_free;
    }
  return share;
}

#if !REMNANT_HAVE_MPI

Session::Session(int*, char***) {}
Session::~Session() = default;
int rank() { return 0; }
int size() { return 1; }
std::string report() { return "mpi: not built in (mpirun -np K runs K separate whole runs)"; }
std::optional<DeviceShare> start_run(const RankStart& mine) { return DeviceShare{1, mine.device_free}; }
Outcome reduce_to_root(RunResult&, Outcome outcome) { return outcome; }
bool fail_collectively() { return true; }
void abort_all(int) {}

#else

namespace {

bool g_started = false;  // MPI_Init by us
int g_rank = 0, g_size = 1;

// Where this rank is in the run's collectives: every rank goes through
// start_run (or fail_collectively before it), then reduce_to_root (or
// fail_collectively after start_run), in that order, each once.
enum class Phase {
  BeforeRun,  // start_run next
  Running,    // reduce_to_root next
  Done,       // reduced, or stopped together in start_run: no more collectives
};
Phase g_phase = Phase::BeforeRun;

// Launched by mpirun (Open MPI), or by a PMI/PMIx launcher (srun, hydra).
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

bool many() { return g_started && g_size > 1; }

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

// The first collective of every rank: the worst outcome, and whether rank 0
// failed (a failing rank then need not repeat rank 0's message).
struct Agreement {
  Outcome worst;
  bool root_failed;
};
Agreement agree(Outcome mine) {
  g_phase = Phase::Done;
  int in[2] = {static_cast<int>(mine), g_rank == 0 && mine == Outcome::Failed ? 1 : 0}, out[2] = {0, 0};
  check(MPI_Allreduce(in, out, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "agreeing on the outcome");
  return {static_cast<Outcome>(out[0]), out[1] != 0};
}

// One rank's RankStart as sent to every rank (fixed size, plain bytes), with
// whether the rank failed before its run instead.
struct StartRecord {
  std::int32_t failed = 0;
  std::uint32_t realizations = 0;
  std::uint64_t seed = 0, device_free = 0;
  char backend[8] = {};
  char device[48] = {};
  char note[480] = {};
};

template <std::size_t N>
void put_text(char (&to)[N], const std::string& text) {
  std::strncpy(to, text.c_str(), N - 1);  // longer notes are cut: they are for messages only
}

// Every rank's record, in rank order, on every rank.
std::vector<StartRecord> exchange_starts(const StartRecord& mine) {
  std::vector<StartRecord> all(static_cast<std::size_t>(g_size));
  check(MPI_Allgather(&mine, int{sizeof mine}, MPI_BYTE, all.data(), int{sizeof mine}, MPI_BYTE, MPI_COMM_WORLD),
        "telling the other processes how this one starts");
  return all;
}

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<std::uint64_t>() { return MPI_UINT64_T; }
template <>
MPI_Datatype mpi_type<std::uint32_t>() { return MPI_UINT32_T; }

// Sums v over the ranks into rank 0's v, in chunks that keep MPI's int counts
// far from overflowing.
template <class T>
void sum_to_root(std::vector<T>& v) {
  constexpr std::size_t kChunk = INT_MAX / 8;
  for (std::size_t at = 0; at < v.size(); at += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, v.size() - at));
    if (g_rank == 0)
      check(MPI_Reduce(MPI_IN_PLACE, v.data() + at, n, mpi_type<T>(), MPI_SUM, 0, MPI_COMM_WORLD), "summing accumulators");
    else
      check(MPI_Reduce(v.data() + at, nullptr, n, mpi_type<T>(), MPI_SUM, 0, MPI_COMM_WORLD), "summing accumulators");
  }
}

// Gathers every rank's items (count each) to rank 0, in rank order; type:
// one item. Returns the items on rank 0, nothing elsewhere.
template <class T>
std::vector<T> gather_to_root(const std::vector<T>& mine, MPI_Datatype type, std::vector<int>* counts_out) {
  const int n = static_cast<int>(mine.size());
  std::vector<int> counts(g_rank == 0 ? g_size : 0), displs;
  check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "gathering counts");
  std::vector<T> all;
  if (g_rank == 0) {
    displs.resize(g_size);
    long long total = 0;
    for (int i = 0; i < g_size; ++i) {
      if (total > INT_MAX) throw std::runtime_error("MPI: too many rows to gather");
      displs[i] = static_cast<int>(total);
      total += counts[i];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  check(MPI_Gatherv(mine.data(), n, type, all.data(), counts.data(), displs.data(), type, 0, MPI_COMM_WORLD),
        "gathering rows");
  if (counts_out) *counts_out = counts;
  return all;
}

}  // namespace

Session::Session(int* argc, char*** argv) {
  if (!launched_by_mpirun()) return;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  int provided = 0;
  // Only the main thread calls MPI; OpenMP threads run the kernels.
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return;
  g_started = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  // The ranks of one node spread over its GPUs in turn (node-local rank
  // modulo the devices it sees), chosen before any CUDA call creates a
  // context on the default device.
  MPI_Comm node;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    int node_rank = 0;
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_free(&node);
    cuda::select_device(node_rank);
  }
}

Session::~Session() {
  if (!g_started) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

int rank() { return g_rank; }
int size() { return g_size; }

std::string report() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(version, &len);  // callable before MPI_Init
  std::string v(version, static_cast<std::size_t>(std::max(0, len)));
  v = v.substr(0, v.find_first_of(",\n"));
  return "mpi: " + v + " (mpirun -np K shares the realizations among K processes)";
}

std::optional<DeviceShare> start_run(const RankStart& mine) {
  if (!many()) return DeviceShare{1, mine.device_free};
  if (g_phase != Phase::BeforeRun) throw std::logic_error("distributed::start_run: not before the run");
  StartRecord rec;
  rec.realizations = mine.realizations;
  rec.seed = mine.seed;
  rec.device_free = mine.device_free;
  put_text(rec.backend, mine.backend);
  put_text(rec.device, mine.device);
  put_text(rec.note, mine.note);
  const std::vector<StartRecord> all = exchange_starts(rec);
  g_phase = Phase::Done;  // unless the run goes on, below
  std::vector<RankStart> starts;
  for (const StartRecord& r : all) {
    if (r.failed) return std::nullopt;  // that rank says why
    starts.push_back({r.backend, r.note, r.device, r.device_free, r.seed, r.realizations});
  }
  const std::string why = disagreement(starts);
  if (!why.empty()) {
    if (g_rank == 0) throw InputError(why);
    return std::nullopt;
  }
  g_phase = Phase::Running;
  return device_share(starts, g_rank);
}

Outcome reduce_to_root(RunResult& part, Outcome outcome) {
  if (!many() || g_phase == Phase::Done) return outcome;
  const Agreement agreed = agree(outcome);
  if (agreed.worst == Outcome::Failed) return Outcome::Failed;

  // Grids agree (a rank interrupted before its first batch may hold none);
  // histograms are padded to the most bins any rank needed ([bin][cell], new
  // bins at the end).
  CellAccumulators& acc = part.accumulators;
  const std::uint32_t mine[2] = {acc.cells, acc.histogram_bins};
  std::uint32_t most[2] = {0, 0};
  check(MPI_Allreduce(mine, most, 2, MPI_UINT32_T, MPI_MAX, MPI_COMM_WORLD), "agreeing on the grid");
  if (acc.cells != most[0] && acc.cells != 0) throw std::logic_error("distributed: ranks ran different grids");
  acc.cells = most[0];
  acc.dud_sum.resize(acc.cells, 0);
  acc.dud_sum_sq.resize(acc.cells, 0);
  acc.dud_nonzero.resize(acc.cells, 0);
  acc.impact_sum.resize(acc.cells, 0);
  acc.histogram_bins = most[1];
  acc.histogram.resize(std::size_t(acc.histogram_bins) * acc.cells, 0u);
  sum_to_root(acc.dud_sum);
  sum_to_root(acc.dud_sum_sq);
  sum_to_root(acc.dud_nonzero);
  sum_to_root(acc.impact_sum);
  sum_to_root(acc.histogram);

  double slowest = 0.0;
  check(MPI_Reduce(&part.seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD), "reducing times");

  // Done sets (as [first, last) pairs) and totals rows, in rank order.
  if (part.totals.size() != part.done.count()) throw std::logic_error("distributed: totals rows and done set differ");
  std::vector<std::uint32_t> bounds;
  for (const RealizationSet::Range& r : part.done.ranges()) bounds.insert(bounds.end(), {r.first, r.second});
  std::vector<int> bound_counts, row_counts;
  const std::vector<std::uint32_t> all_bounds = gather_to_root(bounds, MPI_UINT32_T, &bound_counts);
  MPI_Datatype row;
  check(MPI_Type_contiguous(static_cast<int>(sizeof(RealizationTotals)), MPI_BYTE, &row), "making a row type");
  MPI_Type_commit(&row);
  const std::vector<RealizationTotals> all_rows = gather_to_root(part.totals, row, &row_counts);
  MPI_Type_free(&row);
  // The duds per type, a row of duds_types per totals row (every rank ran the
  // same scenario: the same types, counted by run_ensemble).
  if (part.duds_types > 0 && !part.counts_duds_by_type())
    throw std::logic_error("distributed: duds per type and totals rows differ");
  std::vector<std::uint64_t> all_by_type;  // rows in the order of all_rows
  if (part.duds_types > 0) all_by_type = gather_to_root(part.duds_by_type, MPI_UINT64_T, nullptr);
  if (g_rank != 0) return agreed.worst;

  // Every row with its realization, then in realization order (as
  // merge_results interleaves them); no realization twice.
  std::vector<std::pair<std::uint32_t, std::size_t>> order;  // (realization, row)
  order.reserve(all_rows.size());
  RealizationSet done;
  std::size_t b = 0, next_row = 0;
  for (int k = 0; k < g_size; ++k) {
    RealizationSet ranks;
    for (int i = 0; i < bound_counts[k]; i += 2, b += 2) ranks.add(all_bounds[b], all_bounds[b + 1]);
    if (ranks.count() != static_cast<std::uint64_t>(row_counts[k]))
      throw std::logic_error("distributed: a rank's rows and realizations differ");
    if (done.intersects(ranks))
      throw std::logic_error("distributed: realizations " + done.intersect(ranks).text() + " twice");
    for (std::uint32_t idx : ranks.indices()) order.emplace_back(idx, next_row++);
    done.add(ranks);
  }
  std::sort(order.begin(), order.end());
  part.totals.resize(all_rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) part.totals[i] = all_rows[order[i].second];
  const std::size_t T = part.duds_types;
  if (all_by_type.size() != all_rows.size() * T) throw std::logic_error("distributed: duds per type and rows differ");
  part.duds_by_type.resize(all_by_type.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    std::copy_n(all_by_type.begin() + order[i].second * T, T, part.duds_by_type.begin() + i * T);
  part.done = std::move(done);
  part.seconds = slowest;
  return agreed.worst;
}

bool fail_collectively() {
  if (!many() || g_phase == Phase::Done) return true;
  if (g_phase == Phase::BeforeRun) {
    StartRecord rec;
    rec.failed = 1;
    const std::vector<StartRecord> all = exchange_starts(rec);
    g_phase = Phase::Done;
    return g_rank == 0 || !all[0].failed;
  }
  const Agreement agreed = agree(Outcome::Failed);
  return g_rank == 0 || !agreed.root_failed;
}

void abort_all(int code) {
  if (many() && g_phase != Phase::Done) MPI_Abort(MPI_COMM_WORLD, code);
}

#endif

}  // namespace remnant::distributed
