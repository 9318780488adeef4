#include "cli/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/files.h"
#include "testing/temp_dir.h"

namespace easel::cli {
namespace {

TEST(ConfigPathTest, PrefersAbsoluteXdgConfigHome) {
  EXPECT_EQ(*ConfigPath({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "/x"}}),
            std::filesystem::path("/x/easel/config.json"));
  EXPECT_EQ(*ConfigPath({{"HOME", "/home/u"}}),
            std::filesystem::path("/home/u/.config/easel/config.json"));
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and ignored.
  EXPECT_EQ(*ConfigPath({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "rel"}}),
            std::filesystem::path("/home/u/.config/easel/config.json"));
  EXPECT_FALSE(ConfigPath({}).ok());
}

TEST(ConfigFileTest, SaveWritesMode0600AndLoadReadsItBack) {
  testing::TempDir dir;
  auto path = dir.path() / "cfg" / "easel" / "config.json";
  ASSERT_TRUE(SaveConfig(path, {"http://h:1", "secret-token"}).ok());

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(path.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "the directory must not be readable by others";

  Result<ClientConfig> loaded = LoadConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->server, "http://h:1");
  EXPECT_EQ(loaded->token, "secret-token");

  // Overwriting keeps the mode.
  ASSERT_TRUE(SaveConfig(path, {"http://h:2", "other"}).ok());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(LoadConfig(path)->server, "http://h:2");
}

TEST(ConfigFileTest, MissingFileIsEmptyAndMalformedFileIsAnError) {
  testing::TempDir dir;
  Result<ClientConfig> missing = LoadConfig(dir.path() / "nope.json");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->server.empty());
  EXPECT_TRUE(missing->token.empty());

  auto bad = dir.path() / "bad.json";
  ASSERT_TRUE(WriteFileAtomic(bad, "{not json").ok());
  Result<ClientConfig> loaded = LoadConfig(bad);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(WriteFileAtomic(bad, R"({"server": 5})").ok());
  EXPECT_FALSE(LoadConfig(bad).ok());
}

TEST(ConfigFileTest, RemoveIsIdempotent) {
  testing::TempDir dir;
  auto path = dir.path() / "easel" / "config.json";
  ASSERT_TRUE(SaveConfig(path, {"http://h:1", "t"}).ok());
  EXPECT_TRUE(RemoveConfig(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(RemoveConfig(path).ok());
}

TEST(ResolveConnectionTest, FlagsBeatEnvironmentBeatsFileBeatsDefault) {
  ClientConfig saved{"http://file:1", "file-token"};
  Environment env{{"EASEL_SERVER", "http://env:1"}, {"EASEL_TOKEN", "env-token"}};

  Connection c = ResolveConnection("http://flag:1", "flag-token", env, saved);
  EXPECT_EQ(c.server, "http://flag:1");
  EXPECT_EQ(c.token, "flag-token");

  c = ResolveConnection(std::nullopt, std::nullopt, env, saved);
  EXPECT_EQ(c.server, "http://env:1");
  EXPECT_EQ(c.token, "env-token");

  c = ResolveConnection(std::nullopt, std::nullopt, {}, saved);
  EXPECT_EQ(c.server, "http://file:1");
  EXPECT_EQ(c.token, "file-token");

  c = ResolveConnection(std::nullopt, std::nullopt, {}, {});
  EXPECT_EQ(c.server, kDefaultServer);
  EXPECT_EQ(c.token, "");
}

TEST(ResolveConnectionTest, EachSettingResolvesOnItsOwn) {
  ClientConfig saved{"http://file:1", "file-token"};
  // A token flag alone leaves the server to the file.
  Connection c = ResolveConnection(std::nullopt, "flag-token", {}, saved);
  EXPECT_EQ(c.server, "http://file:1");
  EXPECT_EQ(c.token, "flag-token");
  // An empty environment variable counts as unset.
  c = ResolveConnection(std::nullopt, std::nullopt, {{"EASEL_SERVER", ""}, {"EASEL_TOKEN", ""}},
                        saved);
  EXPECT_EQ(c.server, "http://file:1");
  EXPECT_EQ(c.token, "file-token");
}

TEST(ResolveConnectionTest, SavedTokenIsNeverSentToAnotherServer) {
  ClientConfig saved{"http://file:1/", "file-token"};
  Connection c = ResolveConnection("http://elsewhere:2", std::nullopt, {}, saved);
  EXPECT_EQ(c.server, "http://elsewhere:2");
  EXPECT_EQ(c.token, "");
  // The same server spelled with a trailing slash still gets it.
  c = ResolveConnection("http://file:1", std::nullopt, {}, saved);
  EXPECT_EQ(c.token, "file-token");
  c = ResolveConnection(std::nullopt, std::nullopt, {{"EASEL_SERVER", "http://file:1//"}}, saved);
  EXPECT_EQ(c.server, "http://file:1");
  EXPECT_EQ(c.token, "file-token");
}

}  // namespace
}  // namespace easel::cli
