// Artifacts: a random file uploaded (streamed from disk) and downloaded (streamed to disk)
// through the API, against `cp` + `sha256sum` of the same file: the local limit for
// "store these bytes and know their hash".

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "foundation.h"

namespace easel::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 1 << 20;

class Fd {
 public:
  Fd(const std::filesystem::path& path, int flags) : fd_(::open(path.c_str(), flags, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + strerror(errno));
  }
  ~Fd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Incompressible bytes (splitmix64), written in 1 MiB chunks.
void WriteRandomFile(const std::filesystem::path& path, uint64_t bytes) {
  Fd out(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
  std::vector<uint64_t> buf(kChunk / sizeof(uint64_t));
  uint64_t state = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  for (uint64_t written = 0; written < bytes;) {
    for (auto& w : buf) {
      uint64_t z = (state += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, bytes - written));
    if (::write(out.get(), buf.data(), n) != static_cast<ssize_t>(n)) {
      throw std::runtime_error("cannot write " + path.string());
    }
    written += n;
  }
}

// Upload then download through the API; answers the seconds both took.
double EaselRoundTrip(EaselServer& server, const std::string& project,
                      const std::filesystem::path& file, uint64_t size,
                      const std::filesystem::path& download) {
  std::string base = "/api/v1/projects/" + project + "/artifacts";
  double server_cpu = ProcessCpuSeconds(server.pid()), client_cpu = SelfCpuSeconds();
  auto start = Clock::now();
  Fd in(file, O_RDONLY | O_CLOEXEC);
  std::vector<char> buf(kChunk);
  auto uploaded = server.client().Post(
      base + "?name=bench.bin", server.headers(), static_cast<size_t>(size),
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        ssize_t n =
            ::pread(in.get(), buf.data(), std::min(length, kChunk), static_cast<off_t>(offset));
        return n > 0 && sink.write(buf.data(), static_cast<size_t>(n));
      },
      "application/octet-stream");
  if (!uploaded || uploaded->status != 201) {
    server.CheckAlive();
    throw std::runtime_error("artifact upload failed: " +
                             (uploaded ? std::to_string(uploaded->status) + " " + uploaded->body
                                       : httplib::to_string(uploaded.error())));
  }
  Json artifact = Json::parse(uploaded->body);
  std::string id = artifact.value("id", "");
  double upload_s = SecondsSince(start);

  Fd out(download, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
  uint64_t received = 0;
  auto got = server.client().Get(base + "/" + id + "/content", server.headers(),
                                 [&](const char* data, size_t n) {
                                   received += n;
                                   return ::write(out.get(), data, n) == static_cast<ssize_t>(n);
                                 });
  double seconds = SecondsSince(start);
  if (!got || got->status != 200 || received != size) {
    throw std::runtime_error("artifact download failed: " +
                             (got ? std::to_string(got->status) : httplib::to_string(got.error())) +
                             ", " + std::to_string(received) + " of " + std::to_string(size) +
                             " bytes");
  }
  std::printf(
      "    easel: upload %.2f s + download %.2f s = %.0f MB/s  (CPU: server %.2f s,"
      " this client %.2f s)\n",
      upload_s, seconds - upload_s, static_cast<double>(size) / 1e6 / seconds,
      ProcessCpuSeconds(server.pid()) - server_cpu, SelfCpuSeconds() - client_cpu);
  server.Send("DELETE", base + "/" + id, nullptr, 204);
  return seconds;
}

double CopyAndHash(const Config& config, const std::filesystem::path& file, uint64_t size,
                   const std::filesystem::path& copy) {
  auto start = Clock::now();
  if (int code = Run({.argv = {config.cp_binary, file.string(), copy.string()}}); code != 0) {
    throw std::runtime_error("cp exited " + std::to_string(code));
  }
  if (int code = Run({.argv = {config.sha256sum_binary, copy.string()}}); code != 0) {
    throw std::runtime_error("sha256sum exited " + std::to_string(code));
  }
  double seconds = SecondsSince(start);
  std::printf("    cp + sha256sum: %.2f s = %.0f MB/s\n", seconds,
              static_cast<double>(size) / 1e6 / seconds);
  return seconds;
}

}  // namespace

ArtifactResults MeasureArtifacts(const Config& config, EaselServer& server,
                                 const std::string& project) {
  uint64_t size = config.artifact_bytes;
  std::printf(
      "artifacts: %llu MiB random file, easel round trip vs. cp + sha256sum, %d rounds"
      " interleaved\n",
      static_cast<unsigned long long>(size >> 20), config.artifact_rounds);
  auto file = config.work_dir / "artifact.bin";
  auto other = config.work_dir / "artifact.out";
  WriteRandomFile(file, size);
  std::vector<double> easel, anchor;
  for (int round = 0; round < config.artifact_rounds; ++round) {
    easel.push_back(static_cast<double>(size) / 1e6 /
                    EaselRoundTrip(server, project, file, size, other));
    std::filesystem::remove(other);
    anchor.push_back(static_cast<double>(size) / 1e6 / CopyAndHash(config, file, size, other));
    std::filesystem::remove(other);
  }
  std::filesystem::remove(file);
  return {.easel_mb_per_s = Median(easel), .anchor_mb_per_s = Median(anchor)};
}

}  // namespace easel::bench
