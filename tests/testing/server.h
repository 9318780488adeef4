#pragma once
// The real `easel serve` under test: started as a child process on 127.0.0.1 port 0 with a
// temporary data dir (or a given one, to test restarts), its printed URL and admin token
// parsed from stdout. Killing (SIGKILL) or stopping (SIGTERM) it is part of what tests do.

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "testing/temp_dir.h"

namespace easel::testing {

// Path of the easel binary (EASEL_BINARY from CMake, or $EASEL_BINARY at run time).
std::string EaselBinary();

// A raw TCP connection to 127.0.0.1:`port`, for tests that write HTTP by hand; -1 on failure.
int Connect(int port);
// Reads from `fd` until the peer closes; returns what it sent. Gives up after `limit`.
std::string ReadUntilClosed(int fd, std::chrono::milliseconds limit);

struct ServerOptions {
  std::filesystem::path data_dir;  // empty: a fresh temporary one
  std::string db_url;              // empty: SQLite inside the data dir
  std::vector<std::string> extra_args;
  std::map<std::string, std::string> env;
  bool enable_test_jobs = true;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();  // SIGTERM if still running; SIGKILL after 5 s

  // Starts the server and waits until it prints its URL. The admin token is the one from
  // EASEL_ADMIN_TOKEN, fixed for every test server so restarts keep working.
  void Start();
  void Kill();                            // SIGKILL, then reap
  int Terminate(int timeout_ms = 35000);  // SIGTERM, wait; returns the exit code (-1 on timeout)
  bool Running();

  int port() const { return port_; }
  // The KServe v2 gRPC port (the server listens on 127.0.0.1 port 0 for it too).
  int grpc_port() const { return grpc_port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& admin_token() const { return admin_token_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  pid_t pid() const { return pid_; }
  // Everything the server printed so far (stdout and stderr).
  std::string output() const;

  // A keep-alive HTTP client for this server (pass tokens per request with Send).
  std::unique_ptr<httplib::Client> Client() const;

 private:
  ServerOptions options_;
  std::unique_ptr<TempDir> temp_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  int grpc_port_ = 0;
  std::string admin_token_;
};

inline constexpr const char* kTestAdminToken = "test-admin-token-0123456789abcdefghijklmnop";

// Sends a request and parses a JSON response body (null when empty or not JSON).
struct Response {
  int status = 0;
  Json body;
  std::string raw;
  httplib::Headers headers;
};
Response Send(httplib::Client& client, const std::string& method, const std::string& path,
              const std::string& token, const std::string& body = "",
              const std::string& content_type = "application/json");

// Polls GET /api/v1/projects/{project}/jobs/{id} until the job is succeeded, failed or
// cancelled and answers it; after `limit` it fails the test and answers the last reply.
Json WaitForJob(httplib::Client& client, const std::string& token, const std::string& project,
                const std::string& id, std::chrono::seconds limit);

// Creates the tabular dataset `name` in `project` and imports `csv` into it (as `file_name`),
// waiting up to `limit` for the import; answers the import job as it ended ({} when the
// dataset or the upload was refused, with the test failed).
Json ImportTable(httplib::Client& client, const std::string& token, const std::string& project,
                 const std::string& name, const std::string& file_name, const std::string& csv,
                 std::chrono::seconds limit = std::chrono::seconds(240));

}  // namespace easel::testing
