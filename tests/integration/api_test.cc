// API behaviour that needs more than one request: identity flows, pagination, project deletion.

#include <gtest/gtest.h>

#include <thread>

#include "testing/server.h"

namespace easel::testing {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    client_ = server_.Client();
    admin_ = server_.admin_token();
  }
  Response Call(const std::string& method, const std::string& path, const std::string& token,
                const std::string& body = "") {
    return Send(*client_, method, path, token, body);
  }
  ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
  std::string admin_;
};

TEST_F(ApiTest, UserLogsInAndUsesSessionToken) {
  ASSERT_EQ(
      Call("POST", "/api/v1/users", admin_, R"({"name":"ada","password":"correct horse"})").status,
      201);
  auto login = Call("POST", "/api/v1/login", "", R"({"name":"ada","password":"correct horse"})");
  ASSERT_EQ(login.status, 200) << login.raw;
  std::string session = login.body["token"];
  EXPECT_FALSE(login.body["expires_at"].get<std::string>().empty());
  EXPECT_EQ(Call("GET", "/api/v1/users/me", session).body["name"], "ada");
}

TEST_F(ApiTest, TokenLifecycleIsImmediate) {
  auto created = Call("POST", "/api/v1/tokens", admin_, R"({"name":"ci","expires_in_s":3600})");
  ASSERT_EQ(created.status, 201);
  std::string secret = created.body["token"], id = created.body["id"];
  EXPECT_EQ(Call("GET", "/api/v1/users/me", secret).status, 200);
  auto list = Call("GET", "/api/v1/tokens", secret);
  bool listed = false;
  for (auto& t : list.body["items"]) {
    listed |= t["id"] == id;
    EXPECT_FALSE(t.contains("token")) << "secrets are shown once, at creation";
  }
  EXPECT_TRUE(listed);
  ASSERT_EQ(Call("DELETE", "/api/v1/tokens/" + id, admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", secret).status, 401);
}

TEST_F(ApiTest, AdminIssuesTokensForOthers) {
  ASSERT_EQ(Call("POST", "/api/v1/users", admin_, R"({"name":"bot"})").status, 201);
  auto t = Call("POST", "/api/v1/tokens", admin_, R"({"name":"deploy","user":"bot"})");
  ASSERT_EQ(t.status, 201);
  EXPECT_EQ(Call("GET", "/api/v1/users/me", t.body["token"]).body["name"], "bot");
}

TEST_F(ApiTest, ProjectsPaginateInCreationOrder) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(Call("POST", "/api/v1/projects", admin_, R"({"name":"p)" + std::to_string(i) + "\"}")
                  .status,
              201);
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto r = Call("GET", "/api/v1/projects?limit=3&page_token=" + token, admin_);
    ASSERT_EQ(r.status, 200);
    for (auto& p : r.body["items"]) seen.push_back(p["name"]);
    token = r.body["next_page_token"];
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "p0");
  EXPECT_EQ(seen.back(), "p6");
  EXPECT_EQ(pages, 3);
}

TEST_F(ApiTest, MembershipChangesAccess) {
  ASSERT_EQ(Call("POST", "/api/v1/users", admin_, R"({"name":"ada"})").status, 201);
  std::string ada =
      Call("POST", "/api/v1/tokens", admin_, R"({"name":"t","user":"ada"})").body["token"];
  ASSERT_EQ(Call("POST", "/api/v1/projects", admin_, R"({"name":"demo"})").status, 201);
  EXPECT_EQ(Call("GET", "/api/v1/projects/demo", ada).status, 404);
  ASSERT_EQ(Call("PUT", "/api/v1/projects/demo/members/ada", admin_, R"({"role":"viewer"})").status,
            200);
  EXPECT_EQ(Call("GET", "/api/v1/projects/demo", ada).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/projects/demo/artifacts?name=x", ada, "data").status, 403);
  ASSERT_EQ(Call("PUT", "/api/v1/projects/demo/members/ada", admin_, R"({"role":"editor"})").status,
            200);
  EXPECT_EQ(Call("POST", "/api/v1/projects/demo/artifacts?name=x", ada, "data").status, 201);
  ASSERT_EQ(Call("DELETE", "/api/v1/projects/demo/members/ada", admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/projects/demo", ada).status, 404);
}

TEST_F(ApiTest, DeletingAProjectRemovesItAndItsContent) {
  ASSERT_EQ(Call("POST", "/api/v1/projects", admin_, R"({"name":"demo"})").status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/projects/demo/artifacts?name=x", admin_, "data").status, 201);
  ASSERT_EQ(Call("DELETE", "/api/v1/projects/demo", admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/projects/demo", admin_).status, 404);
  ASSERT_EQ(Call("POST", "/api/v1/projects", admin_, R"({"name":"demo"})").status, 201);
  EXPECT_EQ(Call("GET", "/api/v1/projects/demo/artifacts", admin_).body["items"].size(), 0u);
  auto gc = Call("POST", "/api/v1/admin/gc", admin_, R"({"orphan_grace_s":0})");
  EXPECT_EQ(gc.body["blobs_deleted"], 1);
}

TEST_F(ApiTest, ConcurrentClientsAreServed) {
  ASSERT_EQ(Call("POST", "/api/v1/projects", admin_, R"({"name":"demo"})").status, 201);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto c = server_.Client();
      for (int i = 0; i < 25; ++i)
        ok += Send(*c, "GET", "/api/v1/projects/demo", admin_).status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace easel::testing
