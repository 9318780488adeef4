#pragma once
// What every client command shares: the common flags, connecting to the server, exit codes,
// error reporting, output and paging. Each command group (projects.cc, jobs.cc...) builds on
// this and owns nothing else in common.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "common/json.h"
#include "common/status.h"

namespace easel::cli {

// Process exit codes of client commands (documented in `easel --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the server answered an error, or a job failed
inline constexpr int kExitUsage = 2;        // bad flags or arguments
inline constexpr int kExitUnreachable = 3;  // no answer from the server

// The help footer listing exit codes and environment variables.
std::string HelpFooter();

// Flags every command that talks to a server accepts.
struct CommonFlags {
  std::string server;  // empty: not given
  std::string token;
  bool json = false;
};
// Adds --server and --token, and --json when the command prints a resource.
void AddCommonFlags(CLI::App* cmd, CommonFlags& flags, bool json_output = true);

// A mistake in how the command was called, found after parsing (exit code 2).
Status UsageError(std::string message);

int ExitCodeFor(const Status& status);

// Runs one command: `body` does the work and prints its output; a non-OK Status is printed to
// stderr as "error: <message> (<CODE>)" and turned into the exit code.
void RunCommand(int& exit_code, const std::function<Status()>& body);

// An ApiClient for the server and token resolved from `flags`, the environment and the
// config file (config.h has the precedence).
Result<std::unique_ptr<ApiClient>> Connect(const CommonFlags& flags);

// Writes to stdout and flushes (output may be piped into another program while streaming).
void Print(std::string_view text);
void PrintJson(const Json& value);

// `--project/-p`, falling back to $EASEL_PROJECT.
void AddProjectFlag(CLI::App* cmd, std::string& project);
// "/api/v1/projects/<encoded name>"; a usage error when no project was given at all.
Result<std::string> ProjectPath(const std::string& project_flag);

// Paging of list commands: everything by default, at most `limit` items with --limit.
struct ListFlags {
  int64_t limit = 0;
  std::string page_token;
};
void AddListFlags(CLI::App* cmd, ListFlags& flags);

// Follows next_page_token from `path` (plus `query`) until the end or `flags.limit` items and
// answers {"items": [...], "next_page_token": "<where to resume, or empty>"}.
Result<Json> ListAll(ApiClient& client, const std::string& path,
                     std::vector<std::pair<std::string, std::string>> query,
                     const ListFlags& flags);

// Adds the subcommand `name` to `parent` with the common flags bound to `flags->common`; when
// it is the one invoked, RunCommand runs `run(*flags)`. A group's commands share one Flags
// struct: only one of them is ever parsed.
template <typename Flags>
CLI::App* AddCommand(CLI::App* parent, const std::string& name, const std::string& help,
                     std::shared_ptr<Flags> flags, int& exit_code, Status (*run)(const Flags&),
                     bool json_output = true) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  AddCommonFlags(cmd, flags->common, json_output);
  cmd->callback([&exit_code, flags, run] { RunCommand(exit_code, [&] { return run(*flags); }); });
  return cmd;
}

// Reading server answers without trusting their shape (none of these throw):
// object[name] when `object` is an object holding it, else null;
const Json& Member(const Json& object, std::string_view name);
// the string at object[name], else `fallback`;
std::string StringField(const Json& object, std::string_view name, std::string fallback = "");
// object[name] as table text ("-" when absent or null).
std::string Field(const Json& object, std::string_view name);

// POSTs the regular file `file` as the raw body of `path` (streamed from disk, never read
// whole) and answers the JSON reply. A file that cannot be opened or is not a regular file is
// a usage error naming it.
Result<Json> UploadFile(ApiClient& client, const std::string& path, const std::string& file,
                        const std::string& content_type);

// Polls the job at `path` until it ends (or `timeout`, e.g. "30m", passes), redrawing a
// progress bar on a terminal, then prints it; answers the job's outcome (jobs.cc).
Status WaitForJob(ApiClient& client, const std::string& path, const std::string& id,
                  const std::string& timeout, bool json);

// Submits a job of `kind` to `project` (a project path). With `no_wait` it prints the queued
// job (`queued` is the sentence for people, e.g. "Training job ID queued") and answers nullopt;
// otherwise it waits as WaitForJob does and answers the finished job.
struct JobSubmission {
  std::string kind;
  Json spec;
  bool no_wait = false;
  std::string timeout;
  bool json = false;
  std::string queued;  // printed with the id appended when not waiting
};
Result<std::optional<Json>> SubmitJob(ApiClient& client, const std::string& project,
                                      const JobSubmission& submission);

}  // namespace easel::cli
