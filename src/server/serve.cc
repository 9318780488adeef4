#include "server/serve.h"

#include "server/job_kinds.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api/http_server.h"
#include "api/routes.h"
#include "auth/projects.h"
#include "auth/tokens.h"
#include "auth/users.h"
#include "common/files.h"
#include "common/log.h"
#include "common/version.h"
#include "server/jobs_wiring.h"
#include "serving/endpoints.h"
#include "serving/kserve/grpc_server.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::server {
namespace fs = std::filesystem;

namespace {

// One server per data dir: the SQLite file and the blob directory are not shared.
Result<int> LockDataDir(const fs::path& dir) {
  fs::path lock = dir / "LOCK";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot open the data dir lock: " + ErrnoMessage(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return FailedPrecondition("another easel server is using data dir " + dir.string());
  }
  return fd;
}

int Fail(const Status& st) {
  std::fprintf(stderr, "easel serve: %s\n", st.ToString().c_str());
  return 1;
}

}  // namespace

namespace {
// Written by OnShutdownSignal (the signal number), read by the waiter thread of RunServe.
int g_shutdown_pipe[2] = {-1, -1};
void OnShutdownSignal(int sig) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = ::write(g_shutdown_pipe[1], &byte, 1);
  errno = saved;
}
}  // namespace

int RunServe(const ServeOptions& opts) {
  InitLogging(opts.log_level);
  ::signal(SIGPIPE, SIG_IGN);
  // Shutdown signals go through a pipe to the waiter below. A handler (not a blocked mask and
  // sigwait) because libraries start threads before main() (OpenCV does), and a signal
  // delivered to one of those would otherwise kill the process instead of draining it.
  if (::pipe2(g_shutdown_pipe, O_CLOEXEC) != 0) return Fail(Internal("cannot create a pipe"));
  struct sigaction action {};
  action.sa_handler = OnShutdownSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);

  std::optional<std::string> admin_token;
  if (const char* t = std::getenv("EASEL_ADMIN_TOKEN"); t && *t) admin_token = t;

  auto address = ParseHostPort(opts.listen);
  if (!address.ok()) return Fail(address.status());
  std::error_code ec;
  fs::create_directories(opts.data_dir, ec);
  if (ec) return Fail(Internal("cannot create data dir " + opts.data_dir + ": " + ec.message()));
  fs::permissions(opts.data_dir, fs::perms::owner_all, ec);
  auto lock = LockDataDir(opts.data_dir);
  if (!lock.ok()) return Fail(lock.status());

  auto db = store::Database::Open(DatabaseUrl(opts), 8);
  if (!db.ok()) return Fail(db.status());
  auto blobs = store::BlobStore::Open(opts.data_dir);
  if (!blobs.ok()) return Fail(blobs.status());

  auth::TokenService tokens(**db);
  auth::UserService users(**db, tokens);
  auth::ProjectService projects(**db);
  auto first_token = users.Bootstrap(admin_token);
  if (!first_token.ok()) return Fail(first_token.status());

  MetricsRegistry metrics;
  metrics.DeclareGauge("easel_build_info", "Build of this server (value is always 1).", [] {
    return std::vector<std::pair<MetricLabels, double>>{{{{"version", kVersion}}, 1}};
  });

  auto jobs = JobsWiring::Create(opts, **db, **blobs, metrics);
  if (!jobs.ok()) return Fail(jobs.status());

  serving::Endpoints endpoints(**db, **blobs, BuiltinBackends(), metrics);

  api::Router router;
  std::unique_ptr<api::HttpServer> http;
  api::ApiContext ctx{**db,     **blobs,
                      tokens,   users,
                      projects, (*jobs)->context(),
                      metrics,  [&http] { return http && http->draining(); }};
  ctx.formats = &BuiltinFormats();
  ctx.algorithms = &BuiltinAlgorithms();
  ctx.prelabel_loader = PrelabelLoader();
  ctx.endpoints = &endpoints;
  api::AddAllRoutes(router, ctx);
  http = std::make_unique<api::HttpServer>(
      router, [&tokens](std::string_view t) { return tokens.Authenticate(t); }, metrics, opts.http);
  auto port = http->Bind(address->first, address->second);
  if (!port.ok()) return Fail(port.status());
  auto grpc_address = ParseHostPort(opts.grpc_listen);
  if (!grpc_address.ok()) return Fail(grpc_address.status());
  auto grpc = serving::kserve::GrpcServer::Start(
      opts.grpc_listen, endpoints,
      [&tokens, &projects](std::string_view token, const std::string& project) -> Status {
        EASEL_ASSIGN_OR_RETURN(auth::Principal caller, tokens.Authenticate(token));
        return projects.Authorize(caller, project, auth::Role::kViewer).status();
      },
      [&http] { return http && !http->draining(); },
      static_cast<int>(std::min<uint64_t>(opts.http.max_body_bytes, INT32_MAX)), opts.grpc_threads);
  if (!grpc.ok()) return Fail(grpc.status());
  if (Status st = (*jobs)->Start(); !st.ok()) return Fail(st);
  endpoints.Start();

  if (first_token->has_value()) {
    std::printf("created the admin user; its token (shown once, keep it safe):\nadmin token: %s\n",
                (*first_token)->c_str());
  }
  std::string host =
      address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  const std::string grpc_host = grpc_address->first.find(':') != std::string::npos
                                    ? "[" + grpc_address->first + "]"
                                    : grpc_address->first;
  std::printf("grpc listening on %s:%d\n", grpc_host.c_str(), (*grpc)->port());
  std::printf("listening on http://%s:%d\n", host.c_str(), *port);
  std::fflush(stdout);
  EASEL_LOG_INFO("easel {} serving data dir {}", kVersion, opts.data_dir);

  std::thread signal_waiter([&] {
    unsigned char sig = 0;
    while (::read(g_shutdown_pipe[0], &sig, 1) < 0 && errno == EINTR) {
    }
    if (sig == 0) return;  // woken by the server's own end, not a signal
    EASEL_LOG_INFO("received {}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    http->Stop();
    std::thread([timeout = opts.drain_timeout_s] {
      std::this_thread::sleep_for(std::chrono::seconds(timeout));
      EASEL_LOG_WARN("drain took longer than {} s: exiting with requests still in flight", timeout);
      std::_Exit(0);
    }).detach();
  });
  http->Serve();
  if (!http->draining()) {  // wake the waiter so it can be joined
    const unsigned char none = 0;
    [[maybe_unused]] ssize_t n = ::write(g_shutdown_pipe[1], &none, 1);
  }
  (*grpc)->Stop();
  (*jobs)->Stop();
  EASEL_LOG_INFO("drained; bye");
  signal_waiter.join();
  return 0;
}

}  // namespace easel::server
