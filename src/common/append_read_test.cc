#include "common/append_read.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace easel {
namespace {

using ::testing::ElementsAre;

TEST(AppendReadTest, GrowsAPieceAtATimeAfterWhatIsThere) {
  const std::string source = "abcdefghij";
  std::string out = "<";
  std::vector<size_t> reads;
  size_t at = 0;
  Status st = AppendRead(out, source.size(), 4, [&](char* into, size_t n) {
    reads.push_back(n);
    EXPECT_EQ(out.size(), 1 + at + n);  // room for this piece only
    std::memcpy(into, source.data() + at, n);
    at += n;
    return OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(out, "<abcdefghij");
  EXPECT_THAT(reads, ElementsAre(4, 4, 2));
}

TEST(AppendReadTest, AFailedReadLeavesTheStringAsItWas) {
  std::string out = "kept";
  int calls = 0;
  Status st = AppendRead(out, 100, 8, [&](char* into, size_t n) {
    if (++calls == 3) return InvalidArgument("the stream ended early");
    std::memset(into, 'x', n);
    return OkStatus();
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "the stream ended early");
  EXPECT_EQ(out, "kept");
}

}  // namespace
}  // namespace easel
