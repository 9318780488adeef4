#include "common/names.h"

#include <gtest/gtest.h>

namespace easel {
namespace {

TEST(NamesTest, AcceptsDocumentedPattern) {
  for (std::string ok : {std::string("a"), std::string("0"), std::string("my-project"),
                         std::string("v1.2_x"), std::string(63, 'a')}) {
    EXPECT_TRUE(ValidateName("project", ok).ok()) << ok;
  }
}

TEST(NamesTest, RejectsEverythingElse) {
  for (std::string bad :
       {std::string(), std::string(64, 'a'), std::string("Upper"), std::string("-lead"),
        std::string("../x"), std::string("%2e%2e"), std::string("a/b"), std::string("a b"),
        std::string("a\0b", 3), std::string(".hidden")}) {
    Status s = ValidateName("project", bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace easel
