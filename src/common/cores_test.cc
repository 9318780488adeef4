#include "common/cores.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace easel {
namespace {

TEST(UsableCoresTest, CountsTheAffinityMaskNotTheMachine) {
  cpu_set_t saved;
  ASSERT_EQ(::sched_getaffinity(0, sizeof saved, &saved), 0);
  const int all = UsableCores();
  EXPECT_EQ(all, CPU_COUNT(&saved));
  EXPECT_LE(all, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

  // Pinned to one of its CPUs, the thread may use one core whatever the machine has.
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(UsableCores(), 1);
  ASSERT_EQ(::sched_setaffinity(0, sizeof saved, &saved), 0);
  EXPECT_EQ(UsableCores(), all);
}

}  // namespace
}  // namespace easel
