// job submit|list|show|logs|cancel|wait|metrics: long-running work inside a project.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/duration.h"
#include "cli/table.h"
#include "common/files.h"

namespace easel::cli {
namespace {

constexpr int kFollowReadTimeoutS = 3600;
// Consecutive attempts without new bytes before `logs -f` gives up on a broken stream.
constexpr int kFollowRetries = 5;

struct JobFlags {
  CommonFlags common;
  ListFlags list;
  std::string project;
  std::string id;
  std::string state;
  std::string kind;
  std::string spec;
  std::string timeout;
  bool follow = false;
  bool wait = false;
  bool quiet = false;
};

Result<std::string> JobsPath(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  return project + "/jobs";
}

Result<std::string> JobPath(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string jobs, JobsPath(f));
  return jobs + "/" + EncodeComponent(f.id);
}

bool IsFinalState(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

std::string Percent(const Json& job) {
  const Json& progress = Member(job, "progress");
  if (!progress.is_object() || !progress.contains("fraction") ||
      !progress["fraction"].is_number()) {
    return "-";
  }
  double fraction = progress["fraction"].get<double>();
  return std::to_string(static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 100))) + "%";
}

std::string ProgressMessage(const Json& job) {
  const Json& progress = Member(job, "progress");
  return progress.is_object() ? Field(progress, "message") : "-";
}

std::string ProgressText(const Json& job) {
  std::string text = Percent(job);
  if (std::string message = ProgressMessage(job); message != "-") text += " (" + message + ")";
  return text;
}

std::string ErrorText(const Json& job) {
  const Json& error = Member(job, "error");
  if (!error.is_object()) return "-";
  return Field(error, "code") + ": " + Field(error, "message");
}

// The Status a finished job stands for: OK when it succeeded, else its own error.
Status JobOutcome(const Json& job) {
  std::string id = StringField(job, "id", "?");
  std::string state = StringField(job, "state", "");
  if (state == "succeeded") return OkStatus();
  StatusCode code = state == "cancelled" ? StatusCode::kCancelled : StatusCode::kUnknown;
  std::string message = "job " + id + " " + state;
  const Json& error = Member(job, "error");
  if (auto parsed = StatusCodeFromName(StringField(error, "code"));
      parsed && *parsed != StatusCode::kOk) {
    code = *parsed;
  }
  if (std::string m = StringField(error, "message"); !m.empty()) message += ": " + m;
  return Status(code, message);
}

void PrintJob(const Json& job) {
  std::string attempt = Field(job, "attempt");
  if (std::string max = Field(job, "max_attempts"); max != "-") attempt += " of " + max;
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Id", Field(job, "id")},
      {"Kind", Field(job, "kind")},
      {"State", Field(job, "state")},
      {"Attempt", attempt},
      {"Progress", ProgressText(job)},
      {"Created", Field(job, "created_at")},
      {"Started", Field(job, "started_at")},
      {"Finished", Field(job, "finished_at")}};
  if (!Member(job, "error").is_null()) fields.emplace_back("Error", ErrorText(job));
  if (!Member(job, "result").is_null()) fields.emplace_back("Result", Field(job, "result"));
  Print(RenderFields(fields));
}

Result<Json> ParseSpec(const std::string& text) {
  std::string source = text.empty() ? "{}" : text;
  if (source == "-") {
    source.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (source[0] == '@') {
    Result<std::string> file = ReadFile(source.substr(1));
    if (!file.ok()) return UsageError("--spec: cannot read " + source.substr(1));
    source = *file;
  }
  Result<Json> spec = ParseJson(source);
  if (!spec.ok() || !spec->is_object()) {
    return UsageError("--spec must be a JSON object, @FILE or - (stdin)");
  }
  return spec;
}

Status Submit(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobsPath(f));
  EASEL_ASSIGN_OR_RETURN(Json spec, ParseSpec(f.spec));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json job, client->Post(path, {{"kind", f.kind}, {"spec", spec}}));
  std::string id = StringField(job, "id", "");
  if (f.wait) {
    if (!f.common.json && !f.quiet) Print("Submitted job " + id + "\n");
    return WaitForJob(*client, path + "/" + EncodeComponent(id), id, f.timeout, f.common.json);
  }
  if (f.common.json) {
    PrintJson(job);
  } else if (f.quiet) {
    Print(id + "\n");
  } else {
    Print("Submitted job " + id + " (" + f.kind + ", " + StringField(job, "state", "queued") +
          ")\n");
  }
  return OkStatus();
}

Status List(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, path, {{"state", f.state}}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table(
      {{"id"}, {"kind"}, {"state"}, {"progress"}, {"message", 40}, {"created"}, {"finished"}});
  for (const Json& job : list["items"]) {
    table.AddRow({Field(job, "id"), Field(job, "kind"), Field(job, "state"), Percent(job),
                  ProgressMessage(job), Field(job, "created_at"), Field(job, "finished_at")});
  }
  Print(table.rows() == 0 ? "No jobs\n" : table.Render());
  return OkStatus();
}

Status Show(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json job, client->Get(path));
  if (f.common.json) {
    PrintJson(job);
  } else {
    PrintJob(job);
  }
  return OkStatus();
}

// Streams the log to stdout. With --follow, a stream that breaks (or ends while the job is
// still running, as when the server restarts) is resumed from the last byte received.
Status Logs(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  uint64_t offset = 0;
  auto print = [&offset](std::string_view chunk) {
    Print(chunk);
    offset += chunk.size();
    return OkStatus();
  };
  if (!f.follow) return client->Stream(path + "/logs", print, kFollowReadTimeoutS);

  int failures = 0;
  while (true) {
    uint64_t before = offset;
    Status streamed = client->Stream(
        path + "/logs" + QueryString({{"follow", "true"}, {"offset", std::to_string(offset)}}),
        print, kFollowReadTimeoutS);
    if (!streamed.ok() && !IsUnreachable(streamed)) return streamed;
    if (streamed.ok()) {
      Result<Json> job = client->Get(path);
      if (job.ok() && IsFinalState(StringField(*job, "state"))) {
        // Lines written between the stream's end and the final state.
        return client->Stream(path + "/logs" + QueryString({{"offset", std::to_string(offset)}}),
                              print, kFollowReadTimeoutS);
      }
      if (!job.ok() && !IsUnreachable(job.status())) return job.status();
      if (!job.ok()) streamed = job.status();
    }
    failures = offset > before ? 0 : failures + 1;
    if (failures >= kFollowRetries) {
      return streamed.ok() ? Unavailable("the log stream of job " + f.id + " keeps ending early")
                           : streamed;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

Status Cancel(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json job, client->Post(path + "/cancel"));
  if (f.common.json) {
    PrintJson(job);
  } else {
    std::string state = StringField(job, "state");
    Print("Cancellation requested for job " + f.id +
          (state.empty() ? "" : " (state: " + state + ")") + "\n");
  }
  return OkStatus();
}

Status Wait(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  return WaitForJob(*client, path, f.id, f.timeout, f.common.json);
}

Status Metrics(const JobFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, JobPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json metrics, client->Get(path + "/metrics"));
  if (f.common.json) {
    PrintJson(metrics);
    return OkStatus();
  }
  Table table({{"metric"}, {"points"}, {"last step"}, {"last value"}, {"time"}});
  const Json& series = Member(metrics, "series");
  if (series.is_object()) {
    for (const auto& [name, points] : series.items()) {
      if (!points.is_array() || points.empty()) continue;
      const Json& last = points.back();
      table.AddRow({name, std::to_string(points.size()), Field(last, "step"), Field(last, "value"),
                    Field(last, "time")});
    }
  }
  Print(table.rows() == 0 ? "No metrics\n" : table.Render());
  return OkStatus();
}

// The job id positional and -p of every command that names one job.
CLI::App* ForOneJob(CLI::App* cmd, JobFlags& f) {
  cmd->add_option("id", f.id, "Job id")->required();
  AddProjectFlag(cmd, f.project);
  return cmd;
}

// A progress bar redrawn in place: "[#########...........]  45%  message".
std::string ProgressBar(const Json& job) {
  const Json& progress = Member(job, "progress");
  double fraction = 0;
  if (progress.is_object() && progress.contains("fraction") && progress["fraction"].is_number()) {
    fraction = std::clamp(progress["fraction"].get<double>(), 0.0, 1.0);
  }
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  bar += Percent(job);
  if (std::string message = ProgressMessage(job); message != "-") {
    bar += "  " + message.substr(0, 50);
  }
  return bar;
}

}  // namespace

Status WaitForJob(ApiClient& client, const std::string& path, const std::string& id,
                  const std::string& timeout, bool json) {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (!timeout.empty()) {
    Result<int64_t> seconds = ParseDurationSeconds(timeout);
    if (!seconds.ok()) return UsageError("--timeout: " + seconds.status().message());
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*seconds);
  }
  // On a terminal a bar is redrawn in place; elsewhere nothing is printed while waiting.
  const bool show_progress = ::isatty(STDERR_FILENO) == 1 && !json;
  auto interval = std::chrono::milliseconds(200);
  size_t last_width = 0;
  while (true) {
    EASEL_ASSIGN_OR_RETURN(Json job, client.Get(path));
    std::string state = StringField(job, "state", "");
    if (show_progress) {
      std::string line = state == "running" ? ProgressBar(job) : "job " + id + ": " + state;
      const size_t width = line.size();
      if (width < last_width) line += std::string(last_width - width, ' ');
      std::fprintf(stderr, "\r%s", line.c_str());
      std::fflush(stderr);
      last_width = width;
    }
    if (IsFinalState(state)) {
      if (show_progress) std::fprintf(stderr, "\n");
      if (json) {
        PrintJson(job);
      } else {
        Print("job " + id + " " + state + "\n");
      }
      return JobOutcome(job);
    }
    auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
    if (deadline) {
      auto left = *deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0)) {
        if (show_progress) std::fprintf(stderr, "\n");
        return DeadlineExceeded("timed out after " + timeout + " waiting for job " + id +
                                " (state: " + state + ")");
      }
      // The last poll lands on the deadline, not an interval before or after it.
      pause = std::min(pause, std::chrono::duration_cast<std::chrono::milliseconds>(left));
    }
    std::this_thread::sleep_for(pause);
    interval = std::min(interval * 3 / 2, std::chrono::milliseconds(1000));
  }
}

void AddJobCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<JobFlags>();
  CLI::App* group = app.add_subcommand("job", "Submit, watch and cancel jobs");
  group->alias("jobs");
  group->require_subcommand(1);

  CLI::App* submit = AddCommand(group, "submit", "Submit a job", f, exit_code, Submit);
  AddProjectFlag(submit, f->project);
  submit->add_option("--kind", f->kind, "Job kind (train, automl, import, ...)")->required();
  submit->add_option("--spec", f->spec, "The job's spec: JSON text, @FILE, or - for stdin");
  submit->add_flag("--wait", f->wait, "Wait for the job to finish (exit code as for `job wait`)");
  submit->add_option("--timeout", f->timeout, "With --wait: give up after this long (e.g. 30m)");
  submit->add_flag("-q,--quiet", f->quiet, "Print only the job id");

  CLI::App* list =
      AddCommand(group, "list", "List a project's jobs, newest first", f, exit_code, List);
  list->alias("ls");
  AddProjectFlag(list, f->project);
  list->add_option("--state", f->state, "Only jobs in this state")
      ->check(CLI::IsMember({"queued", "running", "succeeded", "failed", "cancelled"}));
  AddListFlags(list, f->list);

  ForOneJob(AddCommand(group, "show", "Show a job", f, exit_code, Show), *f)->alias("get");

  CLI::App* logs = ForOneJob(AddCommand(group, "logs", "Print a job's log", f, exit_code, Logs,
                                        /*json_output=*/false),
                             *f);
  logs->add_flag("-f,--follow", f->follow, "Keep printing as the job writes, until it ends");

  ForOneJob(AddCommand(group, "cancel", "Cancel a queued or running job", f, exit_code, Cancel),
            *f);

  CLI::App* wait =
      ForOneJob(AddCommand(group, "wait", "Wait until a job ends; exit 0 only if it succeeded", f,
                           exit_code, Wait),
                *f);
  wait->add_option("--timeout", f->timeout, "Give up after this long (e.g. 90s, 30m)");

  ForOneJob(AddCommand(group, "metrics", "Show the metrics a job reported", f, exit_code, Metrics),
            *f);
}

Result<std::optional<Json>> SubmitJob(ApiClient& client, const std::string& project,
                                      const JobSubmission& submission) {
  EASEL_ASSIGN_OR_RETURN(Json job, client.Post(project + "/jobs", {{"kind", submission.kind},
                                                                   {"spec", submission.spec}}));
  const std::string id = StringField(job, "id");
  if (submission.no_wait) {
    if (submission.json) {
      PrintJson(job);
    } else {
      Print(submission.queued + " " + id + " queued\n");
    }
    return std::optional<Json>();
  }
  const std::string path = project + "/jobs/" + EncodeComponent(id);
  EASEL_RETURN_IF_ERROR(WaitForJob(client, path, id, submission.timeout, submission.json));
  EASEL_ASSIGN_OR_RETURN(Json done, client.Get(path));
  return std::optional<Json>(std::move(done));
}

}  // namespace easel::cli
