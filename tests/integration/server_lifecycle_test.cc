// The server as a process: start-up, configuration, slow clients, graceful drain, restarts.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "testing/random_edits.h"
#include "testing/server.h"

namespace easel::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ServerLifecycleTest, PrintsUrlAndServesHealth) {
  ServerProcess s;
  s.Start();
  auto c = s.Client();
  auto r = Send(*c, "GET", "/healthz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["status"], "ok");
  EXPECT_EQ(Send(*c, "GET", "/readyz", "").status, 200);
  auto m = Send(*c, "GET", "/metrics", "");
  EXPECT_NE(m.raw.find("easel_build_info{version="), std::string::npos);
  EXPECT_NE(m.raw.find("easel_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"}"),
            std::string::npos);
  EXPECT_NE(m.raw.find("easel_http_request_duration_seconds_bucket{route=\"/healthz\""),
            std::string::npos);
}

TEST(ServerLifecycleTest, FirstStartPrintsAGeneratedAdminTokenOnce) {
  TempDir dir;
  ServerOptions opts{.data_dir = dir.path() / "data"};
  opts.env["EASEL_ADMIN_TOKEN"] = "";  // overrides the harness's fixed token
  ServerProcess s(opts);
  s.Start();
  std::string out = s.output();
  auto at = out.find("admin token: ez_");
  ASSERT_NE(at, std::string::npos) << out;
  std::string token = out.substr(at + 13, 46);
  auto c = s.Client();
  EXPECT_EQ(Send(*c, "GET", "/api/v1/users/me", token).body["name"], "admin");
  s.Kill();
  ServerProcess again(opts);
  again.Start();
  std::string second = again.output().substr(out.size());
  EXPECT_EQ(second.find("admin token:"), std::string::npos) << "the token is shown only once";
  EXPECT_EQ(Send(*again.Client(), "GET", "/api/v1/users/me", token).status, 200);
}

TEST(ServerLifecycleTest, ShortAdminTokenFailsStartUpClearly) {
  ServerOptions opts;
  opts.env["EASEL_ADMIN_TOKEN"] = "too-short";
  ServerProcess s(opts);
  try {
    s.Start();
    FAIL() << "start-up should fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 32 characters"), std::string::npos) << e.what();
  }
}

TEST(ServerLifecycleTest, ANegativeGrpcThreadCountFailsStartUpClearly) {
  ServerProcess s({.extra_args = {"--grpc-threads", "-1"}});
  try {
    s.Start();
    FAIL() << "start-up should fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--grpc-threads"), std::string::npos) << e.what();
  }
}

TEST(ServerLifecycleTest, OneServerPerDataDir) {
  TempDir dir;
  ServerProcess a({.data_dir = dir.path() / "data"});
  a.Start();
  ServerProcess b({.data_dir = dir.path() / "data"});
  try {
    b.Start();
    FAIL() << "a second server on the same data dir must refuse to start";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("another easel server"), std::string::npos) << e.what();
  }
}

TEST(ServerLifecycleTest, ConfigFileEnvironmentAndFlagsStack) {
  TempDir dir;
  std::ofstream(dir.path() / "easel.toml") << "max_body_bytes = 100\nmax-json-depth = 3\n";
  ServerOptions opts{
      .extra_args = {"--config", (dir.path() / "easel.toml").string(), "--max-json-depth", "5"}};
  opts.env["EASEL_MAX_BODY_BYTES"] = "200";
  ServerProcess s(opts);
  s.Start();
  auto c = s.Client();
  std::string token = s.admin_token();
  // env (200) beats the file (100): a 150-byte body passes the size check.
  std::string desc(120, 'x');
  EXPECT_EQ(
      Send(*c, "POST", "/api/v1/projects", token, R"({"name":"p1","description":")" + desc + "\"}")
          .status,
      201);
  EXPECT_EQ(Send(*c, "POST", "/api/v1/projects", token, std::string(250, ' ') + "{}").status, 413);
  // the flag (5) beats the file (3): depth 4 passes validation of depth, depth 6 does not.
  EXPECT_EQ(Send(*c, "POST", "/api/v1/projects", token, R"({"name":"p2","x":[[[1]]]})").status,
            201);
  auto deep = Send(*c, "POST", "/api/v1/projects", token, R"({"name":"p3","x":[[[[[[1]]]]]]})");
  EXPECT_EQ(deep.status, 400);
}

TEST(ServerLifecycleTest, HelpDocumentsEveryOption) {
  std::string cmd = EaselBinary() + " serve --help";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0);
  for (const char* opt :
       {"--data-dir", "--listen", "--grpc-listen", "--grpc-threads", "--db", "--config",
        "--max-body-bytes", "--header-timeout-ms", "--drain-timeout-s", "--max-concurrent-jobs",
        "EASEL_DATA_DIR", "EASEL_DB"}) {
    EXPECT_NE(out.find(opt), std::string::npos) << opt << " missing from:\n" << out;
  }
}

TEST(ServerLifecycleTest, SlowHeadersAreCutOff) {
  ServerProcess s({.extra_args = {"--header-timeout-ms", "800"}});
  s.Start();
  int fd = Connect(s.port());
  ASSERT_GE(fd, 0);
  auto start = Clock::now();
  // A slowloris client: a byte now and then, never finishing the headers.
  std::thread trickle([fd] {
    const char* req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (int i = 0; req[i] && i < 60; ++i) {
      if (::send(fd, req + i, 1, MSG_NOSIGNAL) <= 0) return;
      std::this_thread::sleep_for(100ms);
    }
  });
  std::string got = ReadUntilClosed(fd, 5000ms);
  auto elapsed = Clock::now() - start;
  trickle.join();
  ::close(fd);
  EXPECT_LT(elapsed, 3s) << "the server must close a connection whose headers never finish";
  EXPECT_EQ(Send(*s.Client(), "GET", "/healthz", "").status, 200);
}

TEST(ServerLifecycleTest, TricklingBodiesAreCutOff) {
  ServerProcess s({.extra_args = {"--body-idle-timeout-ms", "500", "--min-body-rate", "100000"}});
  s.Start();
  int fd = Connect(s.port());
  ASSERT_GE(fd, 0);
  std::string head = "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     s.admin_token() + "\r\nContent-Length: 100000\r\n\r\n";
  ASSERT_GT(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), 0);
  auto start = Clock::now();
  std::thread trickle([fd] {
    for (int i = 0; i < 100; ++i) {
      if (::send(fd, "x", 1, MSG_NOSIGNAL) <= 0) return;
      std::this_thread::sleep_for(50ms);
    }
  });
  ReadUntilClosed(fd, 8000ms);
  auto elapsed = Clock::now() - start;
  trickle.join();
  ::close(fd);
  EXPECT_LT(elapsed, 4s);
  EXPECT_EQ(Send(*s.Client(), "GET", "/healthz", "").status, 200);
}

TEST(ServerLifecycleTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  ServerProcess s;
  s.Start();
  std::string token = s.admin_token();
  ASSERT_EQ(Send(*s.Client(), "POST", "/api/v1/projects", token, R"({"name":"demo"})").status, 201);

  // An upload that takes ~2 s to send, in flight when SIGTERM arrives.
  std::promise<void> started;
  auto upload = std::async(std::launch::async, [&] {
    httplib::Client c("127.0.0.1", s.port());
    c.set_read_timeout(30, 0);
    const size_t chunk = 64 * 1024, chunks = 20;
    bool signalled = false;
    auto r = c.Post(
        "/api/v1/projects/demo/artifacts?name=slow.bin",
        httplib::Headers{{"Authorization", "Bearer " + token}}, chunk * chunks,
        [&](size_t offset, size_t, httplib::DataSink& sink) {
          std::string data(chunk, 'z');
          sink.write(data.data(), data.size());
          if (!signalled) {
            signalled = true;
            started.set_value();
          }
          std::this_thread::sleep_for(100ms);
          return true;
        },
        "application/octet-stream");
    return r ? r->status : 0;
  });
  started.get_future().wait();
  std::this_thread::sleep_for(200ms);
  auto sigterm_at = Clock::now();
  ::kill(s.pid(), SIGTERM);

  // New connections are refused within a second.
  bool refused = false;
  while (Clock::now() - sigterm_at < 1500ms) {
    int fd = Connect(s.port());
    if (fd < 0) {
      refused = true;
      break;
    }
    ::close(fd);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(refused) << "still accepting connections after SIGTERM";
  EXPECT_LT(Clock::now() - sigterm_at, 1s + 100ms);

  EXPECT_EQ(upload.get(), 201) << "the in-flight upload must complete";
  EXPECT_EQ(s.Terminate(35000), 0);

  ServerProcess again({.data_dir = s.data_dir()});
  again.Start();
  auto list = Send(*again.Client(), "GET", "/api/v1/projects/demo/artifacts", token);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["size"], 64 * 1024 * 20);
}

TEST(ServerLifecycleTest, KeepAliveServesManyRequestsOnOneConnection) {
  ServerProcess s;
  s.Start();
  int fd = Connect(s.port());
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 20; ++i) {
    ASSERT_GT(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), 0);
    std::string response;
    while (response.find(R"({"status":"ok"})") == std::string::npos) {
      char buf[1024];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0) << "connection closed after " << i << " requests";
      response.append(buf, static_cast<size_t>(n));
    }
    EXPECT_NE(response.find("200 OK"), std::string::npos);
  }
  ::close(fd);
}

// Bodies sent as is are read from the connection in large pieces: a large body and the small
// requests pipelined behind it in the same writes are each answered, in order.
TEST(ServerLifecycleTest, PipelinedRequestsBehindALargeBodyAreEachAnswered) {
  ServerProcess s;
  s.Start();
  const std::string auth = "Authorization: Bearer " + s.admin_token() + "\r\n";
  auto create = [&](const std::string& name, size_t padding) {
    const std::string body =
        R"({"name":")" + name + R"(",)" + std::string(padding, ' ') + R"("description":"x"})";
    return "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\n" + auth +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  };
  const std::string requests = create("big", 300'000) + create("small", 0) +
                               "GET /api/v1/projects HTTP/1.1\r\nHost: x\r\n" + auth +
                               "Connection: close\r\n\r\n";
  const int fd = Connect(s.port());
  ASSERT_GE(fd, 0);
  std::thread writer([&] {
    for (size_t sent = 0; sent < requests.size();) {
      ssize_t n = ::send(fd, requests.data() + sent, requests.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  });
  const std::string answers = ReadUntilClosed(fd, 10000ms);
  writer.join();
  ::close(fd);
  const size_t first = answers.find("HTTP/1.1 201");
  const size_t second = answers.find("HTTP/1.1 201", first + 1);
  const size_t third = answers.find("HTTP/1.1 200", second + 1);
  ASSERT_NE(first, std::string::npos) << answers;
  ASSERT_NE(second, std::string::npos) << answers;
  ASSERT_NE(third, std::string::npos) << answers;
  EXPECT_NE(answers.find(R"("name":"big")", third), std::string::npos) << answers;
  EXPECT_NE(answers.find(R"("name":"small")", third), std::string::npos) << answers;
}

// A body shorter than its Content-Length: the client is told so, and the connection closes.
TEST(ServerLifecycleTest, ABodyEndingBeforeItsLengthIsRefused) {
  ServerProcess s;
  s.Start();
  const int fd = Connect(s.port());
  ASSERT_GE(fd, 0);
  const std::string request =
      "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.admin_token() +
      "\r\nContent-Length: 100000\r\n\r\n" + R"({"name":"p",)" + std::string(50'000, ' ');
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  ::shutdown(fd, SHUT_WR);
  const std::string answer = ReadUntilClosed(fd, 5000ms);
  ::close(fd);
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 400") << answer;
  EXPECT_NE(answer.find("the request body ended early"), std::string::npos) << answer;
  EXPECT_EQ(Send(*s.Client(), "GET", "/api/v1/projects", s.admin_token()).body["items"].size(), 0u);
}

// `text` compressed by zlib: as a zlib stream (Content-Encoding: deflate).
std::string Deflate(const std::string& text) {
  uLongf size = compressBound(text.size());
  std::string out(size, '\0');
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(out.data()), &size,
                     reinterpret_cast<const Bytef*>(text.data()), text.size()),
            Z_OK);
  out.resize(size);
  return out;
}

// A compressed body the server stops reading part-way (it does not decode, or decodes to more
// than the limit) is answered at once, not after waiting for the rest of a body the client has
// already sent in full, and its connection closes: where the body ended is not known.
TEST(ServerLifecycleTest, ACompressedBodyThatFailsIsAnsweredAtOnce) {
  ServerProcess s({.extra_args = {"--max-body-bytes", "10000"}});
  s.Start();
  struct Case {
    std::string coding, body, status, message;
  };
  const std::string json = R"({"name":"p"})";
  const std::vector<Case> cases = {
      {"gzip", json, "400", "is not valid gzip"},
      {"deflate", json, "400", "is not valid deflate"},
      {"br", json, "400", "is not valid br"},
      {"deflate", Deflate(R"({"name":")" + std::string(50'000, 'p') + R"("})"), "413",
       "10000 bytes"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.coding + " -> " + c.status);
    const int fd = Connect(s.port());
    ASSERT_GE(fd, 0);
    const std::string request =
        "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.admin_token() +
        "\r\nContent-Type: application/json\r\nContent-Encoding: " + c.coding +
        "\r\nContent-Length: " + std::to_string(c.body.size()) + "\r\n\r\n" + c.body;
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    // The server's wait for a body's next bytes is far longer than this.
    const std::string answer = ReadUntilClosed(fd, 5000ms);
    ::close(fd);
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 " + c.status) << answer;
    EXPECT_NE(answer.find(c.message), std::string::npos) << answer;
  }
  EXPECT_EQ(Send(*s.Client(), "GET", "/api/v1/projects", s.admin_token()).body["items"].size(), 0u);
}

// Randomly edited raw requests (request line, headers, chunked and binary-extension bodies),
// each on a connection of its own that the client closes for writing once sent: every one gets
// an HTTP answer that is not a server error, or a closed connection, and the server serves
// valid requests afterwards. Under AddressSanitizer (README, "Sanitizer runs") this also checks
// the transport's reads and writes.
TEST(ServerLifecycleTest, EditedRawRequestsGetAnAnswerOrAClosedConnection) {
  ServerProcess s({.extra_args = {"--header-timeout-ms", "800", "--body-idle-timeout-ms", "500"}});
  s.Start();
  const std::string auth = "Authorization: Bearer " + s.admin_token() + "\r\n";
  const std::string json = R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32"})"
                           R"(,"parameters":{"binary_data_size":8}}]})";
  const std::vector<std::string> requests = {
      "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\n" + auth +
          "Content-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"name\": \"p-q\"}",
      "POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\n" + auth +
          "Inference-Header-Content-Length: " + std::to_string(json.size()) +
          "\r\nContent-Length: " + std::to_string(json.size() + 8) + "\r\n\r\n" + json +
          std::string(8, '\x01'),
      "POST /api/v1/projects HTTP/1.1\r\nHost: x\r\n" + auth +
          "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"nam\r\nb\r\ne\": \"p-r\"}\r\n0\r\n\r\n"};
  const EditOptions edits{.pieces = {"\r\n", "\r\n\r\n", ":", " ", "\t", "/", "../", "%00",
                                     std::string(1, '\0'), "HTTP/1.0", "Content-Length: ",
                                     "99999999999999999999", "-1", "Transfer-Encoding: chunked\r\n",
                                     "ffffffffffffffff\r\n", "0\r\n\r\n",
                                     "Expect: 100-continue\r\n", "Connection: close\r\n"}};
  std::mt19937 rng(20261124);
  for (int i = 0; i < 200 && !HasFailure(); ++i) {
    const std::string request = RandomEdits(requests[i % requests.size()], rng, edits);
    const int fd = Connect(s.port());
    ASSERT_GE(fd, 0) << "the server stopped accepting after " << i << " requests";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    const std::string answer = ReadUntilClosed(fd, 5000ms);
    ::close(fd);
    if (answer.empty()) continue;
    ASSERT_GE(answer.size(), 12u) << answer;
    EXPECT_EQ(answer.substr(0, 5), "HTTP/") << answer;
    const int status = std::atoi(answer.substr(9, 3).c_str());
    EXPECT_TRUE(status >= 100 && status < 500) << answer << "\nfor:\n" << request;
  }
  EXPECT_TRUE(s.Running());
  EXPECT_EQ(Send(*s.Client(), "GET", "/healthz", "").status, 200);
}

}  // namespace
}  // namespace easel::testing
