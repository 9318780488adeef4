#pragma once
// Test-only helpers shared by the jobs tests: a store with a user and two projects, and polling.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "jobs/job.h"
#include "store/sql.h"

namespace easel::jobs {

// gtest prints states by name in failure messages.
inline void PrintTo(JobState state, std::ostream* os) { *os << JobStateName(state); }

namespace testing {

// Users 'u' and projects 'p', 'q' (the tables jobs reference).
inline void AddUserAndProjects(store::Database& db) {
  ASSERT_TRUE(db.Exec("INSERT INTO users (id, name, created_at) VALUES ('u', 'ada', 0)").ok());
  for (const char* p : {"p", "q"}) {
    ASSERT_TRUE(db.Exec("INSERT INTO projects (id, name, created_by, created_at) "
                        "VALUES (?, ?, 'u', 0)",
                        {std::string(p), std::string("project-") + p})
                    .ok());
  }
}

// Polls `done` every 10 ms until it holds or `timeout` passes; returns its last answer.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace testing
}  // namespace easel::jobs
