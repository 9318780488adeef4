#include "testing/postgres.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace easel::testing {
namespace fs = std::filesystem;

namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string PostgresBinDir() {
  std::error_code ec;
  std::string best;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path bin = e.path() / "bin";
    if (fs::exists(bin / "initdb") && bin.string() > best) best = bin.string();
  }
  return best;
}

int Run(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class Cluster {
 public:
  static Cluster& Get() {
    static Cluster* c = new Cluster();
    return *c;
  }

  Result<std::string> NewDatabase() {
    std::lock_guard lock(mu_);
    if (!started_) Start();
    if (!error_.empty()) return Unavailable(error_);
    std::string name = fmt::format("t{}_{}", ::getpid(), ++counter_);
    std::string create = fmt::format(
        "{} -h 127.0.0.1 -p {} -U easel -d postgres -qAt -c "
        "'CREATE DATABASE {}' >/dev/null 2>&1",
        bin_ + "/psql", port_, name);
    if (Run(create) != 0) return Unavailable("CREATE DATABASE failed on the test cluster");
    return fmt::format("postgresql://easel@127.0.0.1:{}/{}", port_, name);
  }

 private:
  void Start() {
    started_ = true;
    bin_ = PostgresBinDir();
    if (bin_.empty()) {
      error_ =
          "PostgreSQL server binaries not found under /usr/lib/postgresql "
          "(scripts/install-deps.sh installs them)";
      return;
    }
    char tmpl[] = "/tmp/easel-pg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    port_ = FreePort();
    // PostgreSQL refuses to run as root: run it as the 'postgres' user the package creates.
    std::string as_user;
    if (::geteuid() == 0) {
      Run(fmt::format("chown postgres {}", dir_));
      as_user = "runuser -u postgres -- ";
    }
    std::string data = dir_ + "/data";
    if (Run(fmt::format("{}{}/initdb -D {} -A trust -U easel --no-sync >{}/initdb.log 2>&1",
                        as_user, bin_, data, dir_)) != 0) {
      error_ = "initdb failed (see " + dir_ + "/initdb.log)";
      return;
    }
    if (Run(fmt::format("{}{}/pg_ctl -D {} -l {}/server.log -w -t 30 -o \"-p {} -k {} -c "
                        "listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null 2>&1",
                        as_user, bin_, data, dir_, port_, dir_)) != 0) {
      error_ = "pg_ctl start failed (see " + dir_ + "/server.log)";
      return;
    }
    stop_cmd_ = fmt::format("{}{}/pg_ctl -D {} -m immediate stop >/dev/null 2>&1; rm -rf {}",
                            as_user, bin_, data, dir_);
    std::atexit([] { Cluster::Get().Stop(); });
  }

  void Stop() {
    if (!stop_cmd_.empty()) Run(stop_cmd_);
  }

  std::mutex mu_;
  bool started_ = false;
  std::string error_;
  std::string bin_;
  std::string dir_;
  std::string stop_cmd_;
  int port_ = 0;
  int counter_ = 0;
};

}  // namespace

Result<std::string> FreshPostgresUrl() {
  if (const char* url = std::getenv("EASEL_TEST_POSTGRES_URL"); url && *url) {
    return std::string(url);
  }
  return Cluster::Get().NewDatabase();
}

Result<std::string> DatabaseUrlFor(const std::string& engine, const std::string& dir) {
  if (engine == "sqlite") return "sqlite:" + dir + "/easel.db";
  return FreshPostgresUrl();
}

}  // namespace easel::testing
