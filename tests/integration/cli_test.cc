// The `easel` client commands end to end: the real binary run as a user would, against a real
// server, with HOME and XDG_CONFIG_HOME in a temporary directory.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "testing/server.h"
#include "testing/temp_dir.h"

extern char** environ;

namespace easel::testing {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    fs::create_directories(home());
    fs::create_directories(xdg());
  }

  fs::path home() const { return temp_.path() / "home"; }
  fs::path xdg() const { return temp_.path() / "xdg"; }
  fs::path config_file() const { return xdg() / "easel" / "config.json"; }

  // Runs `easel args...` with a clean environment (no EASEL_* from the caller) plus `env`.
  CliRun Run(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {},
             const std::string& stdin_data = "") {
    fs::path in = temp_.path() / "stdin", out = temp_.path() / "stdout",
             err = temp_.path() / "stderr";
    std::ofstream(in, std::ios::binary) << stdin_data;

    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      if (entry.rfind("EASEL_", 0) == 0 || entry.rfind("HOME=", 0) == 0 ||
          entry.rfind("XDG_CONFIG_HOME=", 0) == 0) {
        continue;
      }
      env_strings.push_back(entry);
    }
    env_strings.push_back("HOME=" + home().string());
    env_strings.push_back("XDG_CONFIG_HOME=" + xdg().string());
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);

    std::vector<std::string> argv_strings = {binary_.string()};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid == 0) {
      int fd_in = ::open(in.c_str(), O_RDONLY);
      int fd_out = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fd_err = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd_in, 0);
      ::dup2(fd_out, 1);
      ::dup2(fd_err, 2);
      ::chdir(temp_.path().c_str());
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    CliRun run;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        ADD_FAILURE() << "easel did not finish within 60 s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.out = Slurp(out);
    run.err = Slurp(err);
    return run;
  }

  // Saves the admin token with `easel login`.
  void LoginAsAdmin() {
    CliRun r = Run({"login", "--server", server_.url(), "--token", server_.admin_token()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static Json ParseOut(const CliRun& r) {
    Json j = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON:\n" << r.out << r.err;
    return j;
  }

  bool HasJobRoutes() {
    auto client = server_.Client();
    Response r = Send(*client, "GET", "/api/v1/projects/none/jobs", server_.admin_token());
    return !(r.status == 404 && r.raw.find("no such route") != std::string::npos);
  }

  TempDir temp_;
  ServerProcess server_;
  fs::path binary_ = EaselBinary();  // the `easel` that Run() starts
};

std::string Describe(const CliRun& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

TEST_F(CliTest, LoginSavesTheTokenPrivatelyAndLaterCommandsUseIt) {
  CliRun login = Run({"login", "--server", server_.url(), "--token", server_.admin_token()});
  ASSERT_EQ(login.exit_code, 0) << Describe(login);
  EXPECT_NE(login.out.find("as admin"), std::string::npos) << login.out;

  ASSERT_TRUE(fs::exists(config_file()));
  struct stat st {};
  ASSERT_EQ(::stat(config_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Json saved = Json::parse(Slurp(config_file()));
  EXPECT_EQ(saved["server"], server_.url());
  EXPECT_EQ(saved["token"], server_.admin_token());

  CliRun create = Run({"project", "create", "demo", "--description", "A demo project"});
  ASSERT_EQ(create.exit_code, 0) << Describe(create);

  CliRun list = Run({"project", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  Json items = ParseOut(list)["items"];
  ASSERT_EQ(items.size(), 1u) << list.out;
  EXPECT_EQ(items[0]["name"], "demo");
  EXPECT_EQ(items[0]["description"], "A demo project");

  CliRun table = Run({"project", "list"});
  ASSERT_EQ(table.exit_code, 0) << Describe(table);
  EXPECT_EQ(table.out.rfind("NAME", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("demo"), std::string::npos);
  EXPECT_NE(table.out.find("A demo project"), std::string::npos);

  CliRun show = Run({"project", "show", "demo", "--json"});
  ASSERT_EQ(show.exit_code, 0) << Describe(show);
  Json p = ParseOut(show);
  EXPECT_EQ(p["name"], "demo");
  EXPECT_EQ(p["role"], "owner");

  CliRun logout = Run({"logout"});
  ASSERT_EQ(logout.exit_code, 0) << Describe(logout);
  EXPECT_FALSE(fs::exists(config_file()));
  CliRun after = Run({"project", "list", "--server", server_.url()});
  EXPECT_EQ(after.exit_code, 1) << Describe(after);
  EXPECT_NE(after.err.find("UNAUTHENTICATED"), std::string::npos) << after.err;
}

TEST_F(CliTest, LoginWithABadTokenSavesNothing) {
  CliRun r = Run({"login", "--server", server_.url(), "--token", "not-a-real-token"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(config_file()));
}

TEST_F(CliTest, LoginWithAPasswordFromStdin) {
  auto client = server_.Client();
  ASSERT_EQ(Send(*client, "POST", "/api/v1/users", server_.admin_token(),
                 R"({"name": "ada", "password": "correct horse"})")
                .status,
            201);
  CliRun r = Run({"login", "--server", server_.url(), "--user", "ada"}, {}, "correct horse\n");
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  CliRun me = Run({"whoami", "--json"});
  ASSERT_EQ(me.exit_code, 0) << Describe(me);
  EXPECT_EQ(ParseOut(me)["name"], "ada");

  CliRun wrong = Run({"login", "--server", server_.url(), "--user", "ada"}, {}, "wrong\n");
  EXPECT_EQ(wrong.exit_code, 1) << Describe(wrong);

  // With neither --token nor --user the token comes from stdin (`echo $T | easel login`).
  CliRun piped = Run({"login", "--server", server_.url()}, {}, server_.admin_token() + "\n");
  ASSERT_EQ(piped.exit_code, 0) << Describe(piped);
  EXPECT_EQ(ParseOut(Run({"whoami", "--json"}))["name"], "admin");
}

TEST_F(CliTest, TokenCreateListRevoke) {
  LoginAsAdmin();
  CliRun created = Run({"token", "create", "ci", "--expires-in", "30d", "--json"});
  ASSERT_EQ(created.exit_code, 0) << Describe(created);
  Json t = ParseOut(created);
  std::string id = t["id"], secret = t["token"];
  ASSERT_FALSE(secret.empty());
  EXPECT_FALSE(t["expires_at"].is_null());

  CliRun list = Run({"token", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  bool listed = false;
  Json tokens = ParseOut(list);
  for (const Json& item : tokens["items"]) listed |= item["id"] == id;
  EXPECT_TRUE(listed) << list.out;
  CliRun table = Run({"token", "list"});
  EXPECT_NE(table.out.find(id), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("EXPIRES"), std::string::npos) << table.out;

  // The new token works on its own, overriding the saved one.
  CliRun with_new = Run({"whoami", "--token", secret, "--json"});
  ASSERT_EQ(with_new.exit_code, 0) << Describe(with_new);

  CliRun revoked = Run({"token", "revoke", id});
  ASSERT_EQ(revoked.exit_code, 0) << Describe(revoked);

  // Revocation is effective within a second; the CLI prints the server's own sentence.
  auto client = server_.Client();
  Response direct;
  CliRun refused;
  for (int i = 0; i < 30; ++i) {
    refused = Run({"project", "list"}, {{"EASEL_TOKEN", secret}});
    if (refused.exit_code != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  direct = Send(*client, "GET", "/api/v1/projects", secret);
  ASSERT_EQ(direct.status, 401);
  EXPECT_EQ(refused.exit_code, 1) << Describe(refused);
  std::string message = direct.body["error"]["message"];
  EXPECT_NE(refused.err.find("error: " + message), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("UNAUTHENTICATED"), std::string::npos) << refused.err;
}

TEST_F(CliTest, TokenQuietPrintsOnlyTheSecret) {
  CliRun r = Run({"token", "create", "bot", "-q", "--server", server_.url(), "--token",
                  server_.admin_token()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::string secret = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(r.out, secret + "\n");
  CliRun me = Run({"whoami", "--server", server_.url(), "--token", secret});
  EXPECT_EQ(me.exit_code, 0) << Describe(me);
}

TEST_F(CliTest, UnreachableServerExits3) {
  // A port that was free a moment ago: bind to 0, read it, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  CliRun r = Run({"project", "list", "--server", url, "--token", "x"});
  EXPECT_EQ(r.exit_code, 3) << Describe(r);
  EXPECT_NE(r.err.find("cannot reach the server at " + url), std::string::npos) << r.err;

  // The environment beats the saved config.
  LoginAsAdmin();
  CliRun env = Run({"project", "list"}, {{"EASEL_SERVER", url}});
  EXPECT_EQ(env.exit_code, 3) << Describe(env);
}

TEST_F(CliTest, UnknownProjectExits1WithTheServersMessage) {
  LoginAsAdmin();
  CliRun r = Run({"project", "show", "nope"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NOT_FOUND"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  CliRun dup = Run({"project", "create", "twice"});
  ASSERT_EQ(dup.exit_code, 0) << Describe(dup);
  dup = Run({"project", "create", "twice"});
  EXPECT_EQ(dup.exit_code, 1) << Describe(dup);
  EXPECT_NE(dup.err.find("ALREADY_EXISTS"), std::string::npos) << dup.err;
}

TEST_F(CliTest, UsageErrorsExit2) {
  LoginAsAdmin();
  CliRun no_project = Run({"job", "list"});
  EXPECT_EQ(no_project.exit_code, 2) << Describe(no_project);
  EXPECT_NE(no_project.err.find("EASEL_PROJECT"), std::string::npos) << no_project.err;

  CliRun bad_duration = Run({"token", "create", "x", "--expires-in", "3x"});
  EXPECT_EQ(bad_duration.exit_code, 2) << Describe(bad_duration);
  EXPECT_NE(bad_duration.err.find("'3x'"), std::string::npos) << bad_duration.err;

  CliRun bad_url = Run({"project", "list", "--server", "localhost:8080"});
  EXPECT_EQ(bad_url.exit_code, 2) << Describe(bad_url);

  // The parser's own errors are usage errors too.
  CliRun missing_arg = Run({"project", "show"});
  EXPECT_EQ(missing_arg.exit_code, 2) << Describe(missing_arg);
  CliRun unknown_flag = Run({"project", "list", "--no-such-flag"});
  EXPECT_EQ(unknown_flag.exit_code, 2) << Describe(unknown_flag);
}

TEST_F(CliTest, HelpDocumentsExitCodes) {
  CliRun r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << r.out;
  for (const char* cmd : {"login", "project", "token", "job", "artifact", "gc"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
}

TEST_F(CliTest, ServerCommandsAreHandedToTheServerExecutable) {
  CliRun serve = Run({"serve", "--help"});
  EXPECT_EQ(serve.exit_code, 0) << Describe(serve);
  EXPECT_NE(serve.out.find("--data-dir"), std::string::npos) << serve.out;
  CliRun worker = Run({"worker", "--help"});
  EXPECT_EQ(worker.exit_code, 0) << Describe(worker);
  EXPECT_NE(worker.out.find("--job"), std::string::npos) << worker.out;
}

TEST_F(CliTest, TheClientWorksWithoutTheServerExecutable) {
  // `easel` copied alone, as onto a laptop that only talks to a server elsewhere.
  fs::create_directories(temp_.path() / "bin");
  binary_ = temp_.path() / "bin" / "easel";
  fs::copy_file(EaselBinary(), binary_);
  LoginAsAdmin();
  CliRun created = Run({"project", "create", "laptop"});
  EXPECT_EQ(created.exit_code, 0) << Describe(created);
  CliRun listed = Run({"project", "list"});
  EXPECT_EQ(listed.exit_code, 0) << Describe(listed);
  EXPECT_NE(listed.out.find("laptop"), std::string::npos) << listed.out;

  // A server command says what is missing.
  CliRun serve = Run({"serve", "--data-dir", (temp_.path() / "data").string()});
  EXPECT_EQ(serve.exit_code, 1) << Describe(serve);
  EXPECT_NE(serve.err.find((temp_.path() / "bin" / "easel-server").string()), std::string::npos)
      << serve.err;
  EXPECT_FALSE(fs::exists(temp_.path() / "data"));
}

TEST_F(CliTest, ListsFollowPagesAndHonourLimit) {
  LoginAsAdmin();
  auto client = server_.Client();
  constexpr int kProjects = 105;  // more than the server's default page of 100
  for (int i = 0; i < kProjects; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "p%03d", i);
    ASSERT_EQ(Send(*client, "POST", "/api/v1/projects", server_.admin_token(),
                   Json{{"name", name}}.dump())
                  .status,
              201);
  }
  CliRun all = Run({"project", "list", "--json"});
  ASSERT_EQ(all.exit_code, 0) << Describe(all);
  Json j = ParseOut(all);
  EXPECT_EQ(j["items"].size(), static_cast<size_t>(kProjects));
  EXPECT_EQ(j["next_page_token"], "");

  CliRun table = Run({"project", "list"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), kProjects + 1);

  CliRun some = Run({"project", "list", "--limit", "3", "--json"});
  ASSERT_EQ(some.exit_code, 0) << Describe(some);
  Json page = ParseOut(some);
  ASSERT_EQ(page["items"].size(), 3u);
  EXPECT_EQ(page["items"][0]["name"], "p000");
  std::string token = page["next_page_token"];
  ASSERT_FALSE(token.empty());
  CliRun next = Run({"project", "list", "--limit", "2", "--page-token", token, "--json"});
  ASSERT_EQ(next.exit_code, 0) << Describe(next);
  EXPECT_EQ(ParseOut(next)["items"][0]["name"], "p003");
}

TEST_F(CliTest, ArtifactsRoundTrip) {
  LoginAsAdmin();
  ASSERT_EQ(Run({"project", "create", "files"}).exit_code, 0);
  fs::path src = temp_.path() / "weights.bin";
  std::string content(300000, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7919 % 251);
  std::ofstream(src, std::ios::binary) << content;

  CliRun up = Run({"artifact", "upload", src.string(), "-p", "files", "--json"});
  ASSERT_EQ(up.exit_code, 0) << Describe(up);
  Json a = ParseOut(up);
  std::string id = a["id"];
  EXPECT_EQ(a["name"], "weights.bin");
  EXPECT_EQ(a["size"], content.size());

  CliRun list = Run({"artifact", "list"}, {{"EASEL_PROJECT", "files"}});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;

  fs::path dst = temp_.path() / "copy.bin";
  CliRun down = Run({"artifact", "download", id, "-p", "files", "-o", dst.string()});
  ASSERT_EQ(down.exit_code, 0) << Describe(down);
  EXPECT_EQ(Slurp(dst), content);
  CliRun again = Run({"artifact", "download", id, "-p", "files", "-o", dst.string()});
  EXPECT_EQ(again.exit_code, 2) << "refuses to overwrite without --force\n" << Describe(again);

  CliRun missing = Run({"artifact", "show", "0123", "-p", "files"});
  EXPECT_EQ(missing.exit_code, 1) << Describe(missing);
}

TEST_F(CliTest, JobSubmitWaitLogsAndFailures) {
  if (!HasJobRoutes()) GTEST_SKIP() << "this server build has no job routes yet";
  LoginAsAdmin();
  ASSERT_EQ(Run({"project", "create", "work"}).exit_code, 0);

  CliRun submit = Run({"job", "submit", "-p", "work", "--kind", "sleep", "--spec",
                       R"({"seconds": 1, "steps": 2})", "-q"});
  ASSERT_EQ(submit.exit_code, 0) << Describe(submit);
  std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_FALSE(id.empty());

  CliRun follow = Run({"job", "logs", id, "-p", "work", "-f"});
  EXPECT_EQ(follow.exit_code, 0) << Describe(follow);

  CliRun wait = Run({"job", "wait", id, "-p", "work", "--timeout", "60s"});
  EXPECT_EQ(wait.exit_code, 0) << Describe(wait);
  EXPECT_NE(wait.out.find("succeeded"), std::string::npos) << wait.out;

  CliRun show = Run({"job", "show", id, "-p", "work", "--json"});
  ASSERT_EQ(show.exit_code, 0) << Describe(show);
  EXPECT_EQ(ParseOut(show)["state"], "succeeded");

  CliRun logs = Run({"job", "logs", id, "-p", "work"});
  EXPECT_EQ(logs.exit_code, 0) << Describe(logs);
  EXPECT_EQ(logs.out, follow.out) << "a finished job's log equals what -f streamed";

  CliRun list = Run({"job", "list", "-p", "work"});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("succeeded"), std::string::npos) << list.out;

  CliRun failing = Run({"job", "submit", "-p", "work", "--kind", "sleep", "--spec",
                        R"({"seconds": 0.1, "steps": 1, "fail": true})", "--wait"});
  EXPECT_EQ(failing.exit_code, 1) << Describe(failing);
  EXPECT_NE(failing.err.find("error: job "), std::string::npos) << failing.err;

  CliRun bad_kind = Run({"job", "submit", "-p", "work", "--kind", "no-such-kind"});
  EXPECT_EQ(bad_kind.exit_code, 1) << Describe(bad_kind);

  CliRun long_job = Run({"job", "submit", "-p", "work", "--kind", "sleep", "--spec",
                         R"({"seconds": 30, "steps": 30})", "-q"});
  ASSERT_EQ(long_job.exit_code, 0) << Describe(long_job);
  std::string long_id = long_job.out.substr(0, long_job.out.find('\n'));
  CliRun timeout = Run({"job", "wait", long_id, "-p", "work", "--timeout", "1s"});
  EXPECT_EQ(timeout.exit_code, 1) << Describe(timeout);
  EXPECT_NE(timeout.err.find("timed out"), std::string::npos) << timeout.err;
  CliRun cancel = Run({"job", "cancel", long_id, "-p", "work"});
  EXPECT_EQ(cancel.exit_code, 0) << Describe(cancel);
  CliRun cancelled = Run({"job", "wait", long_id, "-p", "work", "--timeout", "60s"});
  EXPECT_EQ(cancelled.exit_code, 1) << Describe(cancelled);
  EXPECT_NE(cancelled.out.find("cancelled"), std::string::npos) << Describe(cancelled);
}

}  // namespace
}  // namespace easel::testing
