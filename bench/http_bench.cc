// Authenticated GET: wrk against `GET /api/v1/projects/{p}` (token check + SQLite read) and
// against nginx serving a static file of the same body size on the same machine, alternated.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <stdexcept>
#include <thread>

#include "foundation.h"

namespace easel::bench {
namespace {

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// nginx with a generated config serving one static file of `body_bytes` bytes. When run as
// root its workers become `nobody`, so everything they read is world-readable.
class Nginx {
 public:
  Nginx(const Config& config, size_t body_bytes)
      : dir_("easel-bench-nginx"), port_(FreeLoopbackPort()) {
    auto root = dir_.path();
    std::filesystem::create_directories(root / "www");
    std::filesystem::create_directories(root / "tmp");
    WriteFile(root / "www" / "project.json", std::string(body_bytes, 'x'));
    for (const auto& p : {root, root / "www", root / "tmp"}) ::chmod(p.c_str(), 0755);
    ::chmod((root / "www" / "project.json").c_str(), 0644);
    std::string r = root.string();
    WriteFile(root / "nginx.conf",
              "daemon off;\nmaster_process on;\nworker_processes 2;\n"
              "pid " +
                  r + "/nginx.pid;\nerror_log " + r +
                  "/error.log warn;\n"
                  "events { worker_connections 1024; }\n"
                  "http {\n  access_log off;\n  default_type application/json;\n"
                  "  client_body_temp_path " +
                  r +
                  "/tmp/body;\n"
                  "  proxy_temp_path " +
                  r +
                  "/tmp/proxy;\n"
                  "  fastcgi_temp_path " +
                  r +
                  "/tmp/fastcgi;\n"
                  "  uwsgi_temp_path " +
                  r +
                  "/tmp/uwsgi;\n"
                  "  scgi_temp_path " +
                  r +
                  "/tmp/scgi;\n"
                  "  server {\n    listen 127.0.0.1:" +
                  std::to_string(port_) +
                  ";\n"
                  "    root " +
                  r + "/www;\n  }\n}\n");
    child_ = std::make_unique<Child>(SpawnOptions{
        .argv = {config.nginx_binary, "-p", r, "-e", r + "/error.log", "-c", r + "/nginx.conf"},
        .output = root / "nginx.out"});
    WaitUntilServing();
  }
  ~Nginx() {
    if (child_) child_->Stop(SIGQUIT, 5000);  // graceful: the master waits for its workers
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/project.json"; }

 private:
  void WaitUntilServing() {
    httplib::Client probe("127.0.0.1", port_);
    probe.set_connection_timeout(0, 200000);
    for (int i = 0; i < 500; ++i) {
      if (auto r = probe.Get("/project.json"); r && r->status == 200) return;
      if (!child_->Running() || Interrupted()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("nginx did not serve the static file:\n" +
                             ReadFile(dir_.path() / "nginx.out") +
                             ReadFile(dir_.path() / "error.log"));
  }

  ScratchDir dir_;
  int port_;
  std::unique_ptr<Child> child_;
};

double ToMillis(const std::string& value, const std::string& unit) {
  double v = std::stod(value);
  if (unit == "us") return v / 1e3;
  if (unit == "s") return v * 1e3;
  if (unit == "m") return v * 60e3;
  return v;  // ms
}

WrkRun ParseWrk(const std::string& out) {
  WrkRun run;
  std::smatch m;
  auto find = [&](const char* pattern) { return std::regex_search(out, m, std::regex(pattern)); };
  if (!find(R"(Requests/sec:\s+([\d.]+))")) {
    throw std::runtime_error("cannot read wrk's output:\n" + out);
  }
  run.requests_per_s = std::stod(m[1]);
  if (find(R"((\d+) requests in)")) run.requests = std::stoll(m[1]);
  if (find(R"(Latency\s+([\d.]+)(us|ms|s|m)\b)")) run.latency_avg_ms = ToMillis(m[1], m[2]);
  if (find(R"(\n\s+50%\s+([\d.]+)(us|ms|s|m)\b)")) run.latency_p50_ms = ToMillis(m[1], m[2]);
  if (find(R"(\n\s+99%\s+([\d.]+)(us|ms|s|m)\b)")) run.latency_p99_ms = ToMillis(m[1], m[2]);
  if (find(R"(Non-2xx or 3xx responses:\s+(\d+))")) run.non_2xx = std::stoll(m[1]);
  if (find(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))")) {
    for (int i = 1; i <= 4; ++i) run.socket_errors += std::stoll(m[i]);
  }
  return run;
}

WrkRun RunWrk(const Config& config, const std::string& url, const std::string& auth_header) {
  auto out = config.work_dir / "wrk.out";
  SpawnOptions wrk{.argv = {config.wrk_binary, "-t" + std::to_string(config.wrk_threads),
                            "-c" + std::to_string(config.wrk_connections),
                            "-d" + std::to_string(config.wrk_seconds) + "s", "--latency"},
                   .output = out};
  if (!auth_header.empty()) {
    wrk.argv.push_back("-H");
    wrk.argv.push_back(auth_header);
  }
  wrk.argv.push_back(url);
  if (int code = Run(wrk); code != 0) {
    throw std::runtime_error("wrk exited " + std::to_string(code) + ":\n" + ReadFile(out));
  }
  return ParseWrk(ReadFile(out));
}

void Report(const char* who, const WrkRun& run, int round, HttpResults& results,
            std::optional<WrkRun>& best) {
  std::printf("    %-6s %8.0f req/s  latency avg %.2f ms, p50 %.2f ms, p99 %.2f ms  (%lld requests",
              who, run.requests_per_s, run.latency_avg_ms, run.latency_p50_ms, run.latency_p99_ms,
              static_cast<long long>(run.requests));
  if (!run.ok()) {
    std::printf(", ERRORS: %lld non-2xx, %lld socket errors: not counted)\n",
                static_cast<long long>(run.non_2xx), static_cast<long long>(run.socket_errors));
    results.errors += std::string(who) + " round " + std::to_string(round + 1) + ": " +
                      std::to_string(run.non_2xx) + " non-2xx, " +
                      std::to_string(run.socket_errors) + " socket errors\n";
    return;
  }
  std::printf(")\n");
  if (!best || run.requests_per_s > best->requests_per_s) best = run;
}

}  // namespace

HttpResults MeasureAuthenticatedGet(const Config& config, EaselServer& server,
                                    const std::string& project) {
  HttpResults results;
  std::string path = "/api/v1/projects/" + project;
  auto probe = server.client().Get(path, server.headers());
  if (!probe || probe->status != 200) {
    throw std::runtime_error("GET " + path + " failed before the load test");
  }
  results.body_bytes = probe->body.size();
  Nginx nginx(config, results.body_bytes);
  std::printf(
      "authenticated GET %s (%zu-byte body) vs. nginx static file of the same size:"
      " wrk -t%d -c%d -d%ds, alternated %d times\n",
      path.c_str(), results.body_bytes, config.wrk_threads, config.wrk_connections,
      config.wrk_seconds, config.rounds);
  for (int round = 0; round < config.rounds; ++round) {
    Report("nginx", RunWrk(config, nginx.url(), ""), round, results, results.nginx);
    Report("easel", RunWrk(config, server.url(path), "Authorization: Bearer " + server.token()),
           round, results, results.easel);
    server.CheckAlive();
  }
  return results;
}

}  // namespace easel::bench
