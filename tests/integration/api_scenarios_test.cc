// Runs the request → expected-response scenario files in scenarios/*.scenarios against a real
// server. After every scenario the server must still be live, and a scenario that expects an
// error must leave the store exactly as it was.
//
// Format (blocks separated by lines starting with "==="):
//   === title
//   METHOD /path            ({{repeat:N:TEXT}} expands anywhere)
//   as: admin|editor|viewer|stranger|revoked|garbage|none      (default admin)
//   header: Name: value     (optional, repeatable)
//   body lines ...          (optional)
//   --> STATUS [CODE]
//   contains: text          (optional, repeatable: the error message or body must contain it)

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "testing/server.h"

namespace easel::testing {
namespace {

struct Scenario {
  std::string file;
  int line = 0;
  std::string title, method, path, as = "admin", body;
  httplib::Headers headers;
  int status = 0;
  std::string code;
  std::vector<std::string> contains;
};

// How gtest names a scenario in its output.
void PrintTo(const Scenario& s, std::ostream* os) { *os << s.file << ":" << s.line << s.title; }

std::string Expand(const std::string& s) {
  static const std::regex repeat(R"(\{\{repeat:(\d+):([^}]*)\}\})");
  std::string out;
  auto begin = std::sregex_iterator(s.begin(), s.end(), repeat);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += s.substr(last, it->position() - last);
    for (int i = 0; i < std::stoi((*it)[1]); ++i) out += (*it)[2];
    last = it->position() + it->length();
  }
  return out + s.substr(last);
}

std::vector<Scenario> LoadScenarios() {
  std::vector<Scenario> all;
  for (const auto& entry : std::filesystem::directory_iterator(EASEL_SCENARIO_DIR)) {
    if (entry.path().extension() != ".scenarios") continue;
    std::ifstream in(entry.path());
    std::string line;
    Scenario* cur = nullptr;
    bool after_expect = false;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.rfind("===", 0) == 0) {
        all.push_back(Scenario{entry.path().filename().string(), n});
        cur = &all.back();
        cur->title = line.substr(3);
        after_expect = false;
        continue;
      }
      if (cur == nullptr || (line.empty() && cur->method.empty()) || line.rfind("#", 0) == 0)
        continue;
      if (cur->method.empty()) {
        std::istringstream ss(line);
        ss >> cur->method >> cur->path;
        cur->path = Expand(cur->path);
      } else if (line.rfind("as: ", 0) == 0) {
        cur->as = line.substr(4);
      } else if (line.rfind("header: ", 0) == 0) {
        auto kv = line.substr(8);
        auto colon = kv.find(": ");
        cur->headers.emplace(kv.substr(0, colon), kv.substr(colon + 2));
      } else if (line.rfind("-->", 0) == 0) {
        std::istringstream ss(line.substr(3));
        ss >> cur->status >> cur->code;
        after_expect = true;
      } else if (after_expect && line.rfind("contains: ", 0) == 0) {
        cur->contains.push_back(line.substr(10));
      } else if (!after_expect) {
        cur->body += Expand(line);
      }
    }
  }
  return all;
}

class ApiScenarioTest : public ::testing::TestWithParam<Scenario> {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess(
        ServerOptions{.extra_args = {"--max-body-bytes", "4096", "--max-json-depth", "32"}});
    server_->Start();
    client_ = server_->Client().release();
    std::string admin = server_->admin_token();
    auto must = [](const Response& r, int status) {
      if (r.status != status) throw std::runtime_error("setup failed: " + r.raw);
      return r;
    };
    tokens_ = new std::map<std::string, std::string>{
        {"admin", admin}, {"none", ""}, {"garbage", "ez_not_a_real_token"}};
    for (const std::string user : {"editor", "viewer", "stranger"}) {
      must(Send(*client_, "POST", "/api/v1/users", admin, R"({"name":")" + user + R"("})"), 201);
      auto t = must(Send(*client_, "POST", "/api/v1/tokens", admin,
                         R"({"name":"t","user":")" + user + R"("})"),
                    201);
      (*tokens_)[user] = t.body["token"];
    }
    auto revoked = must(Send(*client_, "POST", "/api/v1/tokens", admin, R"({"name":"gone"})"), 201);
    must(Send(*client_, "DELETE", "/api/v1/tokens/" + revoked.body["id"].get<std::string>(), admin),
         204);
    (*tokens_)["revoked"] = revoked.body["token"];
    must(Send(*client_, "POST", "/api/v1/projects", admin, R"({"name":"demo"})"), 201);
    must(Send(*client_, "PUT", "/api/v1/projects/demo/members/editor", admin,
              R"({"role":"editor"})"),
         200);
    must(Send(*client_, "PUT", "/api/v1/projects/demo/members/viewer", admin,
              R"({"role":"viewer"})"),
         200);
    must(Send(*client_, "POST", "/api/v1/projects", (*tokens_)["stranger"], R"({"name":"other"})"),
         201);
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
    delete tokens_;
  }

  // What a failed request must not change.
  static std::string Fingerprint() {
    std::string admin = server_->admin_token();
    std::string fp;
    for (const char* path : {"/api/v1/projects", "/api/v1/projects/demo/members",
                             "/api/v1/projects/demo/artifacts", "/api/v1/tokens"}) {
      fp += Send(*client_, "GET", path, admin).raw;
    }
    return fp;
  }

  static ServerProcess* server_;
  static httplib::Client* client_;
  static std::map<std::string, std::string>* tokens_;
};

ServerProcess* ApiScenarioTest::server_ = nullptr;
httplib::Client* ApiScenarioTest::client_ = nullptr;
std::map<std::string, std::string>* ApiScenarioTest::tokens_ = nullptr;

TEST_P(ApiScenarioTest, Behaves) {
  const Scenario& s = GetParam();
  SCOPED_TRACE(s.file + ":" + std::to_string(s.line) + " " + s.title);
  std::string before = s.status >= 400 ? Fingerprint() : "";

  httplib::Headers headers = s.headers;
  const std::string& token = tokens_->at(s.as);
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Request req;
  req.method = s.method;
  req.path = s.path;
  req.headers = headers;
  req.body = s.body;
  if (!s.body.empty() && !req.has_header("Content-Type")) {
    req.headers.emplace("Content-Type", "application/json");
  }
  auto r = client_->send(req);
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, s.status) << r->body;
  Json body = Json::parse(r->body, nullptr, false);
  if (s.status >= 400) {
    ASSERT_TRUE(body.is_object() && body.contains("error"))
        << "error body must be JSON: " << r->body;
    EXPECT_TRUE(body["error"]["message"].is_string());
    EXPECT_TRUE(body["error"]["details"].is_object());
    if (!s.code.empty()) {
      EXPECT_EQ(body["error"]["code"], s.code) << r->body;
    }
    std::string message = body["error"]["message"];
    EXPECT_EQ(message.find("/tmp"), std::string::npos) << "messages never show paths";
  }
  for (const auto& text : s.contains) EXPECT_NE(r->body.find(text), std::string::npos) << r->body;

  EXPECT_EQ(Send(*client_, "GET", "/healthz", "").status, 200) << "server must stay live";
  if (s.status >= 400) {
    EXPECT_EQ(Fingerprint(), before) << "a failed request changed the store";
  }
}

INSTANTIATE_TEST_SUITE_P(Files, ApiScenarioTest, ::testing::ValuesIn(LoadScenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           std::string name = info.param.file.substr(0, info.param.file.find('.')) +
                                              "_line" + std::to_string(info.param.line);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace easel::testing
