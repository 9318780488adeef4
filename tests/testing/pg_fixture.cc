// ctest fixture: `easel_pg_fixture start DIR` starts one PostgreSQL cluster for the whole test
// run; `easel_pg_fixture stop DIR` removes it. Tests find it through
// EASEL_TEST_POSTGRES_SERVER_FILE=DIR/url. If it cannot start, the tests that need PostgreSQL
// start their own cluster or skip with the reason.

#include <cstdio>
#include <filesystem>
#include <string>

#include "testing/postgres.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: easel_pg_fixture start|stop DIR\n");
    return 2;
  }
  std::string cmd = argv[1], dir = argv[2];
  if (cmd == "stop") return easel::testing::StopClusterIn(dir).ok() ? 0 : 1;
  easel::testing::StopClusterIn(dir).IgnoreError();  // leftovers of an interrupted run
  std::filesystem::create_directories(dir);
  easel::Status st = easel::testing::StartClusterIn(dir);
  if (!st.ok()) {
    std::printf("PostgreSQL fixture not started (tests will start their own or skip): %s\n",
                st.message().c_str());
    return 0;
  }
  std::printf("PostgreSQL fixture started in %s\n", dir.c_str());
  return 0;
}
