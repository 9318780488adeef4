#include "testing/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace easel::testing {
namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string ReadUntilClosed(int fd, std::chrono::milliseconds limit) {
  timeval tv{static_cast<time_t>(limit.count() / 1000),
             static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string EaselBinary() {
  if (const char* b = std::getenv("EASEL_BINARY"); b && *b) return b;
#ifdef EASEL_BINARY_PATH
  return EASEL_BINARY_PATH;
#else
  return "build/easel";
#endif
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  if (options_.data_dir.empty()) {
    temp_ = std::make_unique<TempDir>();
    data_dir_ = temp_->path() / "data";
  } else {
    data_dir_ = options_.data_dir;
  }
  log_path_ = data_dir_.parent_path() / ("server-" + data_dir_.filename().string() + ".log");
}

// A server still running at the end of a test stops as an operator stops it, so that every test
// also ends in a clean shutdown, which is when a sanitized server checks for leaks (README,
// "Sanitizer runs"); one that has not exited within 5 s is killed.
ServerProcess::~ServerProcess() {
  if (pid_ > 0) Terminate(5000);  // sets pid_ to -1 once the server has exited
  if (pid_ > 0) Kill();
}

void ServerProcess::Start() {
  std::vector<std::string> args = {
      EaselBinary(), "serve",       "--data-dir", data_dir_.string(), "--listen",
      "127.0.0.1:0", "--log-level", "info",       "--grpc-listen",    "127.0.0.1:0"};
  if (!options_.db_url.empty()) {
    args.push_back("--db");
    args.push_back(options_.db_url);
  }
  if (options_.enable_test_jobs) args.push_back("--enable-test-jobs");
  for (const auto& a : options_.extra_args) args.push_back(a);
  std::vector<std::string> env_strings = {std::string("EASEL_ADMIN_TOKEN=") + kTestAdminToken};
  for (const auto& [k, v] : options_.env) env_strings.push_back(k + "=" + v);

  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  off_t start_offset = ::lseek(log_fd, 0, SEEK_END);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    for (auto& e : env_strings) ::putenv(e.data());
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);

  std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = Slurp(log_path_).substr(static_cast<size_t>(start_offset));
    std::smatch m;
    if (std::regex_search(out, m, listening)) {
      port_ = std::stoi(m[1]);
      std::smatch g;
      static const std::regex grpc(R"(grpc listening on 127\.0\.0\.1:(\d+))");
      if (std::regex_search(out, g, grpc)) grpc_port_ = std::stoi(g[1]);
      admin_token_ = kTestAdminToken;
      return;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("easel serve exited during start-up:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("easel serve did not start within 30 s:\n" + output());
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

bool ServerProcess::Running() {
  if (pid_ <= 0) return false;
  int status;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string ServerProcess::output() const { return Slurp(log_path_); }

std::unique_ptr<httplib::Client> ServerProcess::Client() const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_read_timeout(60, 0);
  c->set_connection_timeout(5, 0);
  return c;
}

Response Send(httplib::Client& client, const std::string& method, const std::string& path,
              const std::string& token, const std::string& body, const std::string& content_type) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    r = client.Get(path.c_str(), headers);
  } else if (method == "DELETE") {
    r = body.empty() ? client.Delete(path.c_str(), headers)
                     : client.Delete(path.c_str(), headers, body, content_type.c_str());
  } else if (method == "POST") {
    r = client.Post(path.c_str(), headers, body, content_type.c_str());
  } else if (method == "PUT") {
    r = client.Put(path.c_str(), headers, body, content_type.c_str());
  } else if (method == "PATCH") {
    r = client.Patch(path.c_str(), headers, body, content_type.c_str());
  }
  Response out;
  if (!r) return out;  // status 0: no response
  out.status = r->status;
  out.raw = r->body;
  out.headers = r->headers;
  if (!r->body.empty()) out.body = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return out;
}

Json WaitForJob(httplib::Client& client, const std::string& token, const std::string& project,
                const std::string& id, std::chrono::seconds limit) {
  Json job;
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    job = Send(client, "GET", "/api/v1/projects/" + project + "/jobs/" + id, token).body;
    const std::string state = job.value("state", "");
    if (state == "succeeded" || state == "failed" || state == "cancelled") return job;
  }
  ADD_FAILURE() << "job " << id << " did not finish: " << job.dump();
  return job;
}

Json ImportTable(httplib::Client& client, const std::string& token, const std::string& project,
                 const std::string& name, const std::string& file_name, const std::string& csv,
                 std::chrono::seconds limit) {
  const std::string datasets = "/api/v1/projects/" + project + "/datasets";
  Response created =
      Send(client, "POST", datasets, token, Json{{"name", name}, {"type", "tabular"}}.dump());
  EXPECT_EQ(created.status, 201) << created.raw;
  if (created.status != 201) return Json::object();
  Response upload = Send(client, "POST", datasets + "/" + name + "/imports?file_name=" + file_name,
                         token, csv, "application/octet-stream");
  EXPECT_EQ(upload.status, 202) << upload.raw;
  if (upload.status != 202) return Json::object();
  return WaitForJob(client, token, project, upload.body.value("job_id", ""), limit);
}

}  // namespace easel::testing
