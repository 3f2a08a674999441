// The decisions around the GPU that need none to be checked: which compute
// capabilities a build's code runs on (kernels/device_choice.h), which GPU an
// MPI rank uses and how ranks on one GPU split its memory, and the refusal of
// ranks that disagree (host/run/distributed.h).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/run/distributed.h"
#include "kernels/device_choice.h"
#include "test_support.h"

namespace remnant {
namespace {

using device_choice::check_architecture;

TEST(DeviceChoice, ArchitectureListsAreRead) {
  std::vector<device_choice::CompiledArch> a;
  ASSERT_TRUE(device_choice::parse_architectures("80;90", &a));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].cc, 80);
  EXPECT_TRUE(a[0].sass && a[0].ptx && !a[0].exact);
  EXPECT_EQ(a[1].cc, 90);
  ASSERT_TRUE(device_choice::parse_architectures("75-real,90a-virtual,120", &a));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(a[0].sass && !a[0].ptx);
  EXPECT_TRUE(!a[1].sass && a[1].ptx && a[1].exact);
  EXPECT_EQ(a[2].cc, 120);
  for (const char* unknown : {"", "all", "all-major", "native", "80;sm_90", "80-fake"})
    EXPECT_FALSE(device_choice::parse_architectures(unknown, &a)) << unknown;
  EXPECT_EQ(device_choice::architectures_text({{80, true, true, false}, {90, true, false, false}}),
            "sm_80, sm_90 (and PTX for compute_80)");
}

// CMake's "80;90" is -gencode arch=compute_80,code=[compute_80,sm_80] and the
// same for 90 (checked in build.ninja): SASS for 8.x and 9.x, PTX for newer.
TEST(DeviceChoice, ComputeCapabilityAgainstTheDefaultArchitectures) {
  const std::string archs = "80;90";
  struct Case {
    int major, minor;
    bool runs;
    const char* how;
  } cases[] = {
      {7, 5, false, "cannot run"},                 // Turing: older than any code
      {7, 0, false, "cannot run"},
      {8, 0, true, "machine code for sm_80"},      // A100
      {8, 6, true, "machine code for sm_80"},      // same major, newer minor
      {8, 9, true, "machine code for sm_80"},
      {9, 0, true, "machine code for sm_90"},      // H100, H200
      {10, 0, true, "PTX for compute_90"},         // Blackwell: the newest PTX, JIT
      {12, 0, true, "PTX for compute_90"},
  };
  for (const Case& c : cases) {
    const device_choice::ArchVerdict v = check_architecture(c.major, c.minor, archs);
    EXPECT_TRUE(v.known);
    EXPECT_EQ(v.runs, c.runs) << c.major << "." << c.minor << ": " << v.text;
    EXPECT_NE(v.text.find(c.how), std::string::npos) << v.text;
  }
  const device_choice::ArchVerdict turing = check_architecture(7, 5, archs);
  EXPECT_NE(turing.text.find("compute capability 7.5"), std::string::npos) << turing.text;
  EXPECT_NE(turing.text.find("sm_80, sm_90"), std::string::npos) << turing.text;
  EXPECT_NE(turing.text.find("-DREMNANT_CUDA_ARCHITECTURES=\"75;80;90\""), std::string::npos) << turing.text;
  EXPECT_NE(turing.text.find("--backend cpu"), std::string::npos) << turing.text;
}

TEST(DeviceChoice, MachineCodeOnlyAndArchSpecificCode) {
  // Without PTX, a newer major version has nothing to run.
  EXPECT_FALSE(check_architecture(12, 0, "80-real;90-real").runs);
  EXPECT_FALSE(check_architecture(9, 0, "80-real").runs);
  EXPECT_TRUE(check_architecture(8, 6, "80-real").runs);
  EXPECT_FALSE(check_architecture(8, 0, "86-real").runs) << "sm_86 code does not run on 8.0";
  // PTX only: any device at least as new, compiled by the driver.
  EXPECT_TRUE(check_architecture(8, 6, "80-virtual").runs);
  EXPECT_FALSE(check_architecture(7, 5, "80-virtual").runs);
  // Arch-specific code runs on its own compute capability only.
  EXPECT_TRUE(check_architecture(9, 0, "90a").runs);
  EXPECT_FALSE(check_architecture(10, 0, "90a").runs);
  EXPECT_TRUE(check_architecture(10, 0, "90a;90").runs);
  // A list that names no architecture is not judged here (the kernel probe decides).
  EXPECT_FALSE(check_architecture(7, 5, "native").known);
}

TEST(DeviceChoice, RanksSpreadOverTheNodesGpus) {
  EXPECT_EQ(device_choice::device_for_rank(0, 1), 0);
  EXPECT_EQ(device_choice::device_for_rank(5, 1), 0);
  std::vector<int> per_device(4, 0);
  for (int rank = 0; rank < 10; ++rank) ++per_device[device_choice::device_for_rank(rank, 4)];
  EXPECT_EQ(per_device, (std::vector<int>{3, 3, 2, 2}));
  EXPECT_EQ(device_choice::device_for_rank(3, 8), 3);
  EXPECT_EQ(device_choice::device_for_rank(3, 0), 0) << "no device: the default";
}

TEST(DeviceChoice, RanksOnOneGpuShareItsMemory) {
  EXPECT_EQ(device_choice::memory_share(1000, 1), 800u);
  EXPECT_EQ(device_choice::memory_share(1000, 4), 200u);
  EXPECT_EQ(device_choice::memory_share(1000, 0), 800u);

  const std::vector<distributed::RankStart> ranks = {
      {"cuda", "", "gpu-a", 1000, 1, 10}, {"cuda", "", "gpu-b", 900, 1, 10},
      {"cuda", "", "gpu-a", 700, 1, 10},  {"cuda", "", "gpu-a", 0, 1, 10},
      {"cpu", "", "", 0, 1, 10},
  };
  const distributed::DeviceShare a = distributed::device_share(ranks, 0);
  EXPECT_EQ(a.processes, 3u);
  EXPECT_EQ(a.free, 700u) << "the least free memory any rank on the device measured";
  EXPECT_EQ(distributed::device_share(ranks, 2).processes, 3u);
  const distributed::DeviceShare b = distributed::device_share(ranks, 1);
  EXPECT_EQ(b.processes, 1u);
  EXPECT_EQ(b.free, 900u);
  EXPECT_EQ(distributed::device_share(ranks, 4).processes, 1u);
}

class DeviceMemory : public ::testing::Test {
 protected:
  Scenario sc_ = test::scenario_from(test::outputs_scenario(), "gpu.toml");
  std::uint64_t need(std::uint32_t batch) const {
    return estimate_scenario_bytes(sc_, batch);
  }
};

// The GPU's automatic batch: as many realizations as memory holds, up to
// kMaxAutomaticGpuBatch, the memory split among the processes on the device.
TEST_F(DeviceMemory, TheAutomaticGpuBatchIsTheLargestThatFits) {
  const std::uint32_t cap = kMaxAutomaticGpuBatch;
  EXPECT_GT(cap, 32u) << "the GPU's automatic batch may exceed the CPU's";
  const std::uint64_t huge = need(cap) * 10;
  EXPECT_EQ(fit_device_memory(sc_, cap, false, huge), cap);
  // Room for exactly 100 realizations at once in 80 % of the free memory.
  const std::uint64_t room100 = (need(100) + 1) / 8 * 10 + 10;
  ASSERT_LE(need(100), device_choice::memory_share(room100, 1));
  ASSERT_GT(need(101), device_choice::memory_share(room100, 1));
  EXPECT_EQ(fit_device_memory(sc_, cap, false, room100), 100u) << "the largest batch that fits, not a power of 2";
  // Four processes on the device: each a quarter of it.
  const std::uint32_t shared = fit_device_memory(sc_, cap, false, room100, 4);
  EXPECT_LT(shared, 100u);
  EXPECT_LE(need(shared), device_choice::memory_share(room100, 4));
  EXPECT_GT(need(shared + 1), device_choice::memory_share(room100, 4));
  // A --batch that fits alone but not as one of four processes is refused, saying so.
  try {
    fit_device_memory(sc_, 100, true, room100, 4);
    FAIL() << "--batch 100 was accepted with a quarter of the memory that holds 100";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("4 processes of this run share it"), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("use --batch {} or less", shared)), std::string::npos) << m;
  }
  EXPECT_EQ(fit_device_memory(sc_, 100, true, room100, 1), 100u);
}

TEST(Distributed, RanksThatDisagreeAreNamed) {
  const distributed::RankStart gpu{"cuda", "auto chose cuda (NVIDIA H200, device 0)", "gpu-a", 1 << 30, 7, 100};
  const distributed::RankStart cpu{"cpu", "auto chose cpu (device 0 (NVIDIA H200) is in exclusive-process mode)", "",
                                   0, 7, 100};
  EXPECT_EQ(distributed::disagreement({gpu, gpu, gpu}), "");
  EXPECT_EQ(distributed::disagreement({cpu}), "");
  const std::string m = distributed::disagreement({gpu, cpu, cpu, gpu, cpu});
  EXPECT_NE(m.find("different backends"), std::string::npos) << m;
  EXPECT_NE(m.find("cuda on ranks 0, 3 (auto chose cuda (NVIDIA H200, device 0))"), std::string::npos) << m;
  EXPECT_NE(m.find("cpu on ranks 1-2, 4 (auto chose cpu (device 0 (NVIDIA H200) is in exclusive-process mode))"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("--backend cpu"), std::string::npos) << m;

  distributed::RankStart other_seed = cpu;
  other_seed.seed = 8;
  const std::string s = distributed::disagreement({cpu, cpu, other_seed});
  EXPECT_NE(s.find("different seeds: 7 on ranks 0-1, 8 on rank 2"), std::string::npos) << s;
  distributed::RankStart other_count = cpu;
  other_count.realizations = 99;
  const std::string r = distributed::disagreement({other_count, cpu});
  EXPECT_NE(r.find("different realization counts: 99 on rank 0, 100 on rank 1"), std::string::npos) << r;
}

}  // namespace
}  // namespace remnant
