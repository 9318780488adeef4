#include "cli/command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cli/config.h"
#include "cli/table.h"
#include "common/files.h"

namespace easel::cli {

std::string HelpFooter() {
  return "Client commands find the server and token in --server/--token, else EASEL_SERVER/\n"
         "EASEL_TOKEN, else the file written by `easel login` ($XDG_CONFIG_HOME/easel/config.json\n"
         "or ~/.config/easel/config.json), else http://127.0.0.1:8080. --project/-p defaults to\n"
         "EASEL_PROJECT. Tables are for people; pass --json for scripts.\n"
         "\n"
         "Exit codes: 0 success; 1 the server answered an error (or a waited-on job did not\n"
         "succeed); 2 usage error; 3 the server could not be reached.";
}

void AddCommonFlags(CLI::App* cmd, CommonFlags& flags, bool json_output) {
  cmd->add_option("--server", flags.server, "Server URL (default: EASEL_SERVER, then the config)");
  cmd->add_option("--token", flags.token, "API token (default: EASEL_TOKEN, then the config)");
  if (json_output)
    cmd->add_flag("--json", flags.json, "Print the server's JSON instead of a table");
}

Status UsageError(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), Json{{kClientErrorKey, "usage"}});
}

namespace {

bool IsUsageError(const Status& status) {
  return StringField(status.details(), kClientErrorKey) == "usage";
}

void ReportError(const Status& status) {
  if (IsUsageError(status)) {
    std::fprintf(stderr, "error: %s\nRun with --help for more information.\n",
                 status.message().c_str());
    return;
  }
  std::fprintf(stderr, "error: %s (%s)\n", status.message().c_str(),
               std::string(StatusCodeName(status.code())).c_str());
  const Json& details = status.details();
  if (details.is_object() && !details.empty() && !details.contains(kClientErrorKey)) {
    std::fprintf(stderr, "details: %s\n", DumpJson(details).c_str());
  }
  if (status.code() == StatusCode::kUnauthenticated) {
    std::fprintf(stderr, "hint: run `easel login --server URL --token TOKEN` or set EASEL_TOKEN\n");
  }
}

}  // namespace

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  if (IsUsageError(status)) return kExitUsage;
  if (IsUnreachable(status)) return kExitUnreachable;
  return kExitFailed;
}

void RunCommand(int& exit_code, const std::function<Status()>& body) {
  Status status = body();
  std::fflush(stdout);
  if (!status.ok()) ReportError(status);
  exit_code = ExitCodeFor(status);
}

Result<std::unique_ptr<ApiClient>> Connect(const CommonFlags& flags) {
  Environment env = ProcessEnvironment();
  ClientConfig saved;
  if (Result<std::filesystem::path> path = ConfigPath(env); path.ok()) {
    Result<ClientConfig> loaded = LoadConfig(*path);
    if (loaded.ok()) {
      saved = *loaded;
    } else {
      std::fprintf(stderr, "warning: ignoring the config file: %s\n",
                   loaded.status().message().c_str());
    }
  }
  Connection connection = ResolveConnection(
      flags.server.empty() ? std::nullopt : std::optional<std::string>(flags.server),
      flags.token.empty() ? std::nullopt : std::optional<std::string>(flags.token), env, saved);
  Result<std::unique_ptr<ApiClient>> client = ApiClient::Create(connection);
  if (!client.ok()) return UsageError(client.status().message());
  return client;
}

void Print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void PrintJson(const Json& value) { Print(PrettyJson(value)); }

void AddProjectFlag(CLI::App* cmd, std::string& project) {
  cmd->add_option("-p,--project", project, "Project name (default: EASEL_PROJECT)");
}

Result<std::string> ProjectPath(const std::string& project_flag) {
  std::string project = project_flag;
  if (project.empty()) {
    if (const char* env = std::getenv("EASEL_PROJECT"); env != nullptr) project = env;
  }
  if (project.empty())
    return UsageError("no project given: pass --project NAME or set EASEL_PROJECT");
  return "/api/v1/projects/" + EncodeComponent(project);
}

void AddListFlags(CLI::App* cmd, ListFlags& flags) {
  cmd->add_option("--limit", flags.limit, "Show at most this many (default: all)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--page-token", flags.page_token, "Resume a listing (next_page_token of --json)");
}

Result<Json> ListAll(ApiClient& client, const std::string& path,
                     std::vector<std::pair<std::string, std::string>> query,
                     const ListFlags& flags) {
  constexpr int64_t kMaxPage = 1000;
  Json items = Json::array();
  std::string token = flags.page_token;
  std::string next;
  while (true) {
    auto params = query;
    if (flags.limit > 0) {
      int64_t left = flags.limit - static_cast<int64_t>(items.size());
      params.emplace_back("limit", std::to_string(std::min(left, kMaxPage)));
    }
    params.emplace_back("page_token", token);
    EASEL_ASSIGN_OR_RETURN(Json page, client.Get(path + QueryString(params)));
    if (!page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      return Internal("the server answered a list without 'items'");
    }
    for (auto& item : page["items"]) items.push_back(std::move(item));
    next = StringField(page, "next_page_token");
    bool full = flags.limit > 0 && static_cast<int64_t>(items.size()) >= flags.limit;
    // A token that does not move would loop forever: stop and hand it back instead.
    if (next.empty() || full || next == token) break;
    token = next;
  }
  return Json{{"items", std::move(items)}, {"next_page_token", next}};
}

const Json& Member(const Json& object, std::string_view name) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const Json& object, std::string_view name, std::string fallback) {
  const Json& value = Member(object, name);
  return value.is_string() ? value.get<std::string>() : fallback;
}

std::string Field(const Json& object, std::string_view name) {
  return CellText(Member(object, name));
}

Result<Json> UploadFile(ApiClient& client, const std::string& path, const std::string& file,
                        const std::string& content_type) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return UsageError("cannot open " + file + ": " + ErrnoMessage(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return UsageError(file + " is not a regular file");
  }
  return client.Upload(path, static_cast<uint64_t>(st.st_size), content_type,
                       [fd](uint64_t offset, char* buf, size_t n) -> Result<size_t> {
                         ssize_t got;
                         do {
                           got = ::pread(fd, buf, n, static_cast<off_t>(offset));
                         } while (got < 0 && errno == EINTR);
                         if (got < 0) return Internal("read failed: " + ErrnoMessage(errno));
                         return static_cast<size_t>(got);
                       });
}

}  // namespace easel::cli
