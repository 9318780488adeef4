#include "easel_server.h"

#include <chrono>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

namespace easel::bench {
namespace {

std::string RandomToken() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string token = "bench-";
  for (int i = 0; i < 40; ++i) token += kAlphabet[rd() % (sizeof kAlphabet - 1)];
  return token;
}

}  // namespace

EaselServer::EaselServer(const std::string& binary, const std::filesystem::path& work_dir,
                         const std::vector<std::string>& extra)
    : log_path_(work_dir / "easel-serve.log"), token_(RandomToken()) {
  SpawnOptions options;
  options.argv = {binary,     "serve",       "--data-dir",  (work_dir / "easel-data").string(),
                  "--listen", "127.0.0.1:0", "--log-level", "warn"};
  options.argv.insert(options.argv.end(), extra.begin(), extra.end());
  options.env = {"EASEL_ADMIN_TOKEN=" + token_};
  options.output = log_path_;
  child_ = std::make_unique<Child>(options);

  const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (port_ == 0) {
    std::smatch m;
    std::string log = ReadFile(log_path_);
    if (std::regex_search(log, m, listening)) {
      port_ = std::stoi(m[1]);
      break;
    }
    if (!child_->Running()) {
      throw std::runtime_error("easel serve exited during start-up:\n" + LogTail());
    }
    if (Interrupted() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("easel serve did not start within 30 s:\n" + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  client_ = NewClient();
}

std::unique_ptr<httplib::Client> EaselServer::NewClient() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_keep_alive(true);
  // Without it the client's own Nagle delays (headers and body are separate writes) would be
  // charged to the server.
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(300, 0);
  client->set_write_timeout(300, 0);
  return client;
}

std::string EaselServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

httplib::Headers EaselServer::headers() const { return {{"Authorization", "Bearer " + token_}}; }

Json EaselServer::Send(const std::string& method, const std::string& path, const Json& body,
                       int expected_status, httplib::Client* client) {
  httplib::Client& c = client ? *client : *client_;
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    r = c.Get(path, headers());
  } else if (method == "POST") {
    r = c.Post(path, headers(), body.dump(), "application/json");
  } else if (method == "DELETE") {
    r = c.Delete(path, headers());
  } else {
    throw std::logic_error("unsupported method " + method);
  }
  if (!r) {
    CheckAlive();
    throw std::runtime_error(method + " " + path + ": " + httplib::to_string(r.error()));
  }
  if (r->status != expected_status) {
    throw std::runtime_error(method + " " + path + " answered " + std::to_string(r->status) +
                             " (expected " + std::to_string(expected_status) + "): " + r->body);
  }
  if (r->body.empty()) return Json();
  return Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
}

void EaselServer::CheckAlive() {
  if (!child_->Running()) throw std::runtime_error("easel serve exited:\n" + LogTail());
}

std::string EaselServer::LogTail(size_t bytes) const {
  std::string log = ReadFile(log_path_);
  return log.size() > bytes ? "..." + log.substr(log.size() - bytes) : log;
}

}  // namespace easel::bench
