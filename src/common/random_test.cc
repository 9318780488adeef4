#include "common/random.h"

#include <gtest/gtest.h>

#include <set>

#include "common/base64.h"
#include "common/sha256.h"

namespace easel {
namespace {

TEST(RandomTest, SecretsAre256BitAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = RandomSecret();
    EXPECT_EQ(s.size(), 43u);  // 32 bytes base64url, no padding
    EXPECT_TRUE(seen.insert(s).second);
  }
}

TEST(RandomTest, IdsSortByCreation) {
  std::string prev = NewId();
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    EXPECT_TRUE(LooksLikeId(id)) << id;
    EXPECT_LT(prev, id);
    prev = id;
  }
  EXPECT_FALSE(LooksLikeId("../../etc/passwd"));
  EXPECT_FALSE(LooksLikeId("0123456789abcdefghjkmnpqrU"));
}

TEST(Base64Test, MatchesRfc4648Vectors) {
  // RFC 4648 §10, plus bytes that differ between the standard and URL alphabets.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(RandomTest, Base64UrlRoundTrips) {
  std::string raw("\x00\xfb\xff/+=abc", 9);
  std::string text = Base64UrlEncode(raw);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << "URL-safe, unpadded";
  EXPECT_EQ(Base64UrlDecode(text), raw);
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_FALSE(Base64UrlDecode("!!!").has_value());
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.Update("ab");
  h.Update("c");
  EXPECT_EQ(h.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("x")));
  EXPECT_FALSE(IsSha256Hex("ABC"));
}

}  // namespace
}  // namespace easel
