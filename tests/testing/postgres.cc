#include "testing/postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <fmt/format.h>

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

// PostgreSQL refuses to run as root: run it as the 'postgres' user the package creates.
std::string AsUser() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }

struct ClusterInfo {
  std::string bin;
  int port = 0;
};

// initdb + pg_ctl start in `dir`; the server keeps running after this process exits.
Result<ClusterInfo> StartCluster(const std::string& dir) {
  ClusterInfo c{PostgresBinDir(), FreePort()};
  if (c.bin.empty()) {
    return Unavailable("PostgreSQL server binaries not found under /usr/lib/postgresql "
                       "(scripts/install-deps.sh installs them)");
  }
  if (::geteuid() == 0) Run(fmt::format("chown postgres {}", dir));
  std::string data = dir + "/data";
  if (Run(fmt::format("{}{}/initdb -D {} -A trust -U easel --no-sync >{}/initdb.log 2>&1",
                      AsUser(), c.bin, data, dir)) != 0) {
    return Unavailable("initdb failed (see " + dir + "/initdb.log)");
  }
  if (Run(fmt::format("{}{}/pg_ctl -D {} -l {}/server.log -w -t 30 -o \"-p {} -k {} -c "
                      "listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start "
                      ">/dev/null 2>&1",
                      AsUser(), c.bin, data, dir, c.port, dir)) != 0) {
    return Unavailable("pg_ctl start failed (see " + dir + "/server.log)");
  }
  return c;
}

Result<std::string> CreateDatabase(const std::string& bin, int port) {
  static std::atomic<int> counter{0};
  std::string name = fmt::format("t{}_{}_{}", ::getpid(), ++counter, std::rand() % 100000);
  std::string psql = bin.empty() ? "psql" : bin + "/psql";
  if (Run(fmt::format("{} -h 127.0.0.1 -p {} -U easel -d postgres -qAt -c 'CREATE DATABASE {}' "
                      ">/dev/null 2>&1",
                      psql, port, name)) != 0) {
    return Unavailable("CREATE DATABASE failed on the test cluster");
  }
  return fmt::format("postgresql://easel@127.0.0.1:{}/{}", port, name);
}

// A cluster private to this test process, stopped at exit.
class OwnCluster {
 public:
  static OwnCluster& Get() {
    static OwnCluster* c = new OwnCluster();
    return *c;
  }
  Result<std::string> NewDatabase() {
    std::lock_guard lock(mu_);
    if (!started_) Start();
    if (!error_.empty()) return Unavailable(error_);
    return CreateDatabase(info_.bin, info_.port);
  }

 private:
  void Start() {
    started_ = true;
    char tmpl[] = "/tmp/easel-pg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    auto info = StartCluster(dir_);
    if (!info.ok()) {
      error_ = info.status().message();
      return;
    }
    info_ = *info;
    std::atexit([] { StopClusterIn(OwnCluster::Get().dir_).IgnoreError(); });
  }
  std::mutex mu_;
  bool started_ = false;
  std::string error_;
  std::string dir_;
  ClusterInfo info_;
};

}  // namespace

Status StartClusterIn(const std::string& dir) {
  EASEL_ASSIGN_OR_RETURN(ClusterInfo info, StartCluster(dir));
  std::ofstream(dir + "/url") << info.bin << "\n" << info.port << "\n";
  return OkStatus();
}

Status StopClusterIn(const std::string& dir) {
  std::string bin = PostgresBinDir();
  Run(fmt::format("{}{}/pg_ctl -D {}/data -m immediate stop >/dev/null 2>&1; rm -rf {}",
                  AsUser(), bin, dir, dir));
  return OkStatus();
}

Result<std::string> FreshPostgresUrl() {
  if (const char* url = std::getenv("EASEL_TEST_POSTGRES_URL"); url && *url) {
    return std::string(url);
  }
  if (const char* file = std::getenv("EASEL_TEST_POSTGRES_SERVER_FILE"); file && *file) {
    std::ifstream in(file);
    std::string bin;
    int port = 0;
    if (in >> bin >> port) return CreateDatabase(bin, port);
  }
  return OwnCluster::Get().NewDatabase();
}

Result<std::string> DatabaseUrlFor(const std::string& engine, const std::string& dir) {
  if (engine == "sqlite") return "sqlite:" + dir + "/easel.db";
  return FreshPostgresUrl();
}

}  // namespace easel::testing
