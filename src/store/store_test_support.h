#pragma once
// Runs a store test once per metadata engine (SQLite and PostgreSQL). A PostgreSQL run that
// cannot get a server skips with the reason.

#include <gtest/gtest.h>

#include <memory>

#include "store/sql.h"
#include "testing/postgres.h"
#include "testing/temp_dir.h"

namespace easel::store {

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto url = easel::testing::DatabaseUrlFor(GetParam(), dir_.path().string());
    if (!url.ok()) GTEST_SKIP() << "skipping PostgreSQL run: " << url.status().message();
    auto db = Database::Open(*url);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  easel::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

inline std::string EngineName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

#define EASEL_INSTANTIATE_ENGINE_TEST(Suite)                                          \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite, ::testing::Values("sqlite", "postgresql"), \
                           ::easel::store::EngineName)

}  // namespace easel::store
