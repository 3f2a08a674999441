// Interrupt and resume: a run split into parts (a checkpoint and the rest, in
// any batch size or thread count) equals the run in one piece to the bit; a
// checkpoint refuses to be resumed by a different run; Ctrl-C and SIGKILL on
// the real command lose nothing that was saved; a backend that runs out of
// memory falls back to smaller batches with the same result.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <thread>

#include "host/run/checkpoint.h"
#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "host/evidence/stats.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::TempDir;

void expect_same_run(const RunResult& a, const RunResult& b, const std::string& what) {
  EXPECT_EQ(a.done, b.done) << what;
  ASSERT_EQ(a.totals.size(), b.totals.size()) << what;
  EXPECT_EQ(std::memcmp(a.totals.data(), b.totals.data(), a.totals.size() * sizeof(RealizationTotals)), 0) << what;
  const CellAccumulators &x = a.accumulators, &y = b.accumulators;
  EXPECT_EQ(x.dud_sum, y.dud_sum) << what;
  EXPECT_EQ(x.dud_sum_sq, y.dud_sum_sq) << what;
  EXPECT_EQ(x.dud_nonzero, y.dud_nonzero) << what;
  EXPECT_EQ(x.impact_sum, y.impact_sum) << what;
  EXPECT_EQ(x.histogram_bins, y.histogram_bins) << what;
  EXPECT_EQ(x.histogram, y.histogram) << what;
}

TEST(RealizationSet, AddsMergesSubtractsAndIntersects) {
  RealizationSet s;
  s.add(10, 20);
  s.add(0, 5);
  s.add(5, 7);  // touches [0, 5)
  s.add(30, 31);
  EXPECT_EQ(s.ranges(), (std::vector<RealizationSet::Range>{{0, 7}, {10, 20}, {30, 31}}));
  EXPECT_EQ(s.count(), 18u);
  EXPECT_EQ(s.text(), "0-6, 10-19, 30");
  s.add(6, 12);
  EXPECT_EQ(s.ranges(), (std::vector<RealizationSet::Range>{{0, 20}, {30, 31}}));
  const RealizationSet rest = RealizationSet::all(40).minus(s);
  EXPECT_EQ(rest.ranges(), (std::vector<RealizationSet::Range>{{20, 30}, {31, 40}}));
  EXPECT_FALSE(rest.intersects(s));
  EXPECT_EQ(RealizationSet::all(25).intersect(rest).ranges(), (std::vector<RealizationSet::Range>{{20, 25}}));
  RealizationSet u = rest;
  u.add(s);
  EXPECT_EQ(u, RealizationSet::all(40));
  EXPECT_EQ(RealizationSet().text(), "none");
  EXPECT_EQ(RealizationSet::all(0).count(), 0u);
}

class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    sc_ = test::scenario_from(test::outputs_scenario(), "resume.toml");
    plan_ = make_plan(sc_);
  }
  RunOptions options(std::uint32_t batch, int threads) const {
    RunOptions o;
    o.realizations = 23;
    o.seed = 77;
    o.backend = "cpu";
    o.batch = batch;
    o.threads = threads;
    return o;
  }
  // Runs in batches of `batch` and raises the cancel flag once `n`
  // realizations are done; returns what the Interrupted exception carried.
  std::shared_ptr<RunResult> interrupted_after(std::uint32_t n, std::uint32_t batch) {
    std::atomic<bool> stop{false};
    RunOptions o = options(batch, 2);
    o.cancel = &stop;
    o.progress = [&](std::uint32_t done, std::uint32_t) { stop = done >= n; };
    try {
      run_ensemble(sc_, plan_, o);
    } catch (const Interrupted& e) {
      EXPECT_EQ(e.done, n);
      EXPECT_EQ(e.total, o.realizations);
      return e.partial;
    }
    ADD_FAILURE() << "the run was not interrupted";
    return nullptr;
  }
  Scenario sc_;
  Plan plan_;
  TempDir dir_;
};

TEST_F(Resume, PartsMergedInAnyOrderEqualTheWholeRun) {
  const RunResult whole = run_ensemble(sc_, plan_, options(4, 2));
  // Odd pieces, uneven batches, the parts merged in reverse order.
  RunResult parts[3];
  const RealizationSet::Range pieces[3] = {{0, 3}, {3, 16}, {16, 23}};
  for (int i = 0; i < 3; ++i) {
    RunOptions o = options(static_cast<std::uint32_t>(i + 2), 1 + i % 2);
    o.todo = RealizationSet();
    o.todo->add(pieces[i].first, pieces[i].second);
    parts[i] = run_ensemble(sc_, plan_, o);
    EXPECT_FALSE(parts[i].complete());
  }
  RunResult merged = parts[2];
  merge_results(merged, parts[0]);
  merge_results(merged, parts[1]);
  EXPECT_TRUE(merged.complete());
  expect_same_run(whole, merged, "three parts");
  EXPECT_THROW(merge_results(merged, parts[0]), std::logic_error) << "a realization merged twice";
}

TEST_F(Resume, InterruptedRunSavesAndResumesToTheSameResult) {
  const RunResult whole = run_ensemble(sc_, plan_, options(3, 2));

  // Stop after the second batch: the partial result holds realizations 0-5.
  const std::shared_ptr<RunResult> partial = interrupted_after(6, 3);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->done.text(), "0-5");

  const std::string ck = dir_.file("run.checkpoint.h5");
  write_checkpoint(ck, sc_, plan_, *partial);
  const RunResult resumed = read_checkpoint(ck, sc_, plan_, {77, 23, "cpu"});
  expect_same_run(*partial, resumed, "checkpoint read back");

  RunOptions rest = options(5, 1);  // another batch size and thread count
  rest.todo = RealizationSet::all(23).minus(resumed.done);
  RunResult merged = resumed;
  merge_results(merged, run_ensemble(sc_, plan_, rest));
  expect_same_run(whole, merged, "resumed");

  // The two result files are the same bytes (creation time fixed).
  auto file = [&](const RunResult& r, const std::string& name) {
    ResultData d = make_result_data(sc_, plan_, r, cell_statistics(r.accumulators, r.realizations));
    d.creation_time_utc = "2026-11-23T00:00:00Z";
    const std::string p = dir_.file(name);
    write_result_file(p, d);
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string a = file(whole, "whole.h5"), b = file(merged, "merged.h5");
  EXPECT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == b) << "the resumed result file differs from the uninterrupted one";
}

TEST_F(Resume, CheckpointRefusesAnotherRunAndResultFilesAreNotCheckpoints) {
  const std::shared_ptr<RunResult> partial = interrupted_after(3, 3);
  ASSERT_TRUE(partial);
  const std::string ck = dir_.file("c.checkpoint.h5");
  write_checkpoint(ck, sc_, plan_, *partial);

  auto refused = [&](const Scenario& sc, const RunIdentity& id, const std::string& expected) {
    try {
      read_checkpoint(ck, sc, make_plan(sc), id);
      ADD_FAILURE() << "resumed by a different run; expected: " << expected;
    } catch (const InputError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(ck), std::string::npos) << m;
      EXPECT_NE(m.find(expected), std::string::npos) << m;
    }
  };
  refused(sc_, {78, 23, "cpu"}, "its seed is 77, this run's is 78");
  refused(sc_, {77, 24, "cpu"}, "its number of realizations is 23, this run's is 24");
  refused(sc_, {77, 23, "cuda"}, "its backend is cpu, this run's is cuda");
  refused(load_scenario(dir_.write("resume.toml", test::outputs_scenario()), {parse_override("wind.speed_mps=[1.0, 2.0]")}),
          {77, 23, "cpu"}, "--set overrides");
  refused(test::scenario_from(test::outputs_scenario("{ alpha = 5.0, beta = 20.0 }"), "resume.toml"), {77, 23, "cpu"},
          "scenario text differs");

  // A checkpoint is not a result (export/compare refuse it, saying how to
  // resume); a result is not a checkpoint; info reads either.
  try {
    read_result_file(ck);
    ADD_FAILURE() << "a checkpoint read as a result";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_result_or_checkpoint_file(ck).filetype, kCheckpointFiletype);
  EXPECT_EQ(read_result_or_checkpoint_file(ck).realization_index, (std::vector<std::uint32_t>{0, 1, 2}));
  const RunResult whole = run_ensemble(sc_, plan_, options(8, 1));
  const std::string res = dir_.file("r.h5");
  write_result_file(res, make_result_data(sc_, plan_, whole, cell_statistics(whole.accumulators, 23)));
  EXPECT_THROW(read_checkpoint(res, sc_, plan_, {77, 23, "cpu"}), InputError);
  EXPECT_THROW(write_checkpoint(dir_.file("x.h5"), sc_, plan_, whole), std::logic_error) << "a complete run";
}

// A backend that cannot allocate grids for more than `limit` realizations per
// batch (as a GPU with little free memory): prepare and run_batch throw
// std::bad_alloc as the CUDA engine does.
class SmallDevice final : public Engine {
 public:
  SmallDevice(std::uint32_t limit, int* fails) : inner_(cpu::make_engine()), limit_(limit), fails_(fails) {}
  const char* name() const override { return "small-device"; }
  void prepare(const RunTables& t, std::uint32_t max_batch) override {
    if (max_batch > 2 * limit_) ++*fails_, throw std::bad_alloc();
    inner_->prepare(t, max_batch);
  }
  std::vector<RealizationTotals> run_batch(const BatchView& b) override {
    if (b.realizations > limit_) ++*fails_, throw std::bad_alloc();  // temporary storage
    return inner_->run_batch(b);
  }
  std::vector<std::uint64_t> batch_duds_by_type() const override { return inner_->batch_duds_by_type(); }
  void load_accumulators(const CellAccumulators& a) override { inner_->load_accumulators(a); }
  CellAccumulators read_accumulators() const override { return inner_->read_accumulators(); }
  void load_evidence_cells(const EvidenceCells& c) override { inner_->load_evidence_cells(c); }
  std::vector<std::uint32_t> count_evidence(const BatchView& d, const std::vector<std::uint32_t>& s) override {
    return inner_->count_evidence(d, s);
  }

 private:
  std::unique_ptr<Engine> inner_;
  std::uint32_t limit_;
  int* fails_;
};

TEST_F(Resume, OutOfMemoryFallsBackToSmallerBatchesWithTheSameResult) {
  const RunResult whole = run_ensemble(sc_, plan_, options(16, 2));
  int fails = 0;
  RunOptions o = options(16, 2);
  o.make_engine = [&](const std::string&) { return std::make_unique<SmallDevice>(3, &fails); };
  const RunResult small = run_ensemble(sc_, plan_, o);
  expect_same_run(whole, small, "smaller batches");
  EXPECT_GE(fails, 2) << "prepare (16 > 6) and run_batch (4 or 6 > 3) should both have failed";
  EXPECT_LE(small.batch, 3u);
  EXPECT_NE(small.batch_note.find("ran out of memory"), std::string::npos) << small.batch_note;

  // Not even one realization fits: a clear error, not a crash.
  o.make_engine = [&](const std::string&) { return std::make_unique<SmallDevice>(0, &fails); };
  try {
    run_ensemble(sc_, plan_, o);
    ADD_FAILURE() << "ran without memory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("one realization per batch"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- the command

constexpr const char* kCli = REMNANT_CLI_PATH;

// Starts `remnant ARGS` (stdout and stderr to log), returns its pid.
pid_t start(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("SOURCE_DATE_EPOCH", "1790000000", 1);
    freopen(log.c_str(), "w", stdout);
    dup2(fileno(stdout), 2);
    std::vector<char*> argv{const_cast<char*>(kCli)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(kCli, argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Waits until path exists (a checkpoint was written), at most 60 s.
bool wait_for(const std::string& path, pid_t pid) {
  for (int i = 0; i < 6000; ++i) {
    if (std::filesystem::exists(path)) return true;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;  // finished first
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(Resume, CtrlCAndKillOnTheCommandLoseNothingThatWasSaved) {
  const std::string scen = dir_.write("cli.toml", test::outputs_scenario());
  // Many small batches and a checkpoint after every one (0.0001 min): the
  // run lasts seconds and checkpoints appear at once.
  const std::vector<std::string> common = {"run", scen, "-r", "20000", "--threads", "1", "--backend", "cpu"};
  auto args = [&](const std::string& out, std::vector<std::string> more) {
    std::vector<std::string> a = common;
    a.push_back("--out");
    a.push_back(dir_.file(out));
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  ASSERT_EQ(wait_exit(start(args("whole.h5", {"--batch", "64"}), dir_.file("whole.log"))), 0) << slurp(dir_.file("whole.log"));
  const std::string whole = slurp(dir_.file("whole.h5"));

  // Ctrl-C: exit 130, a checkpoint, and the command to continue.
  const std::string ck = dir_.file("int.checkpoint.h5");
  pid_t pid = start(args("int.h5", {"--batch", "1", "--checkpoint-every", "0.0001"}), dir_.file("int.log"));
  ASSERT_TRUE(wait_for(ck, pid)) << "no checkpoint appeared before the run ended: " << slurp(dir_.file("int.log"));
  kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid), 130) << slurp(dir_.file("int.log"));
  const std::string log = slurp(dir_.file("int.log"));
  EXPECT_NE(log.find("--resume"), std::string::npos) << log;
  EXPECT_NE(log.find(ck), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("int.h5"))) << "a result file from an interrupted run";
  const ResultData saved = read_result_or_checkpoint_file(ck);
  EXPECT_EQ(saved.filetype, kCheckpointFiletype);
  EXPECT_GT(saved.totals.size(), 0u);
  EXPECT_LT(saved.totals.size(), 20000u);

  // Resume with another batch size: the same bytes as the uninterrupted run,
  // and the spent checkpoint is gone.
  ASSERT_EQ(wait_exit(start(args("int.h5", {"--resume", "--batch", "7"}), dir_.file("res.log"))), 0)
      << slurp(dir_.file("res.log"));
  EXPECT_TRUE(slurp(dir_.file("int.h5")) == whole) << "resumed result differs from the uninterrupted one";
  EXPECT_FALSE(std::filesystem::exists(ck));
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << "temporary file left: " << e.path();

  // SIGKILL (no chance to save): the previous result at the output path (of
  // another seed) stays as it was, and the last periodic checkpoint survives
  // whole and readable.
  ASSERT_EQ(wait_exit(start(args("kill.h5", {"--seed", "99"}), dir_.file("prev.log"))), 0) << slurp(dir_.file("prev.log"));
  const std::string previous = slurp(dir_.file("kill.h5"));
  ASSERT_FALSE(previous == whole);
  const std::string ck2 = dir_.file("kill.checkpoint.h5");
  pid = start(args("kill.h5", {"--batch", "1", "--checkpoint-every", "0.0001"}), dir_.file("kill.log"));
  ASSERT_TRUE(wait_for(ck2, pid)) << slurp(dir_.file("kill.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  EXPECT_TRUE(slurp(dir_.file("kill.h5")) == previous) << "a killed run damaged the previous result file";
  EXPECT_EQ(read_result_or_checkpoint_file(ck2).filetype, kCheckpointFiletype);
  // A temporary file a killed writer left (planted here, as the kill may not
  // have hit a write) goes with the spent checkpoint; a live process's stays.
  const std::string orphan = dir_.write(".kill.checkpoint.h5.tmp-999999999", "partial");
  const std::string live = dir_.write(".kill.checkpoint.h5.tmp-" + std::to_string(getpid()), "a live writer's");
  ASSERT_EQ(wait_exit(start(args("kill.h5", {"--resume"}), dir_.file("kill2.log"))), 0) << slurp(dir_.file("kill2.log"));
  EXPECT_TRUE(slurp(dir_.file("kill.h5")) == whole) << "result resumed after SIGKILL differs";
  EXPECT_FALSE(std::filesystem::exists(orphan)) << "a killed writer's temporary file was left";
  EXPECT_TRUE(std::filesystem::exists(live)) << "a live process's temporary file was removed";
  std::filesystem::remove(live);

  // --resume without a checkpoint says where it looked.
  EXPECT_EQ(wait_exit(start(args("none.h5", {"--resume"}), dir_.file("none.log"))), 2);
  EXPECT_NE(slurp(dir_.file("none.log")).find("no checkpoint at"), std::string::npos);
  // A checkpoint named like an output would be deleted with the run's end.
  EXPECT_EQ(wait_exit(start(args("same.h5", {"--checkpoint", dir_.file("same.h5")}), dir_.file("same.log"))), 2);
  EXPECT_NE(slurp(dir_.file("same.log")).find("the same file as an output"), std::string::npos)
      << slurp(dir_.file("same.log"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("same.h5")));
}

}  // namespace
}  // namespace remnant
