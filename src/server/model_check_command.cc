#include "server/model_check_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "models/model_check.h"
#include "train/model_check.h"

namespace easel::server {
namespace {

// Writes all of `text` to `fd`; false when the parent has gone away.
bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int RunModelCheck(const std::string& format, const std::string& file) {
  // The answer goes to a private copy of stdout: LibTorch, OpenCV and XGBoost print to stdout
  // at will, so while they run stdout is stderr, and the answer is the only line the parent
  // reads from the pipe.
  int answer_fd = ::dup(STDOUT_FILENO);
  if (answer_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return 1;
  Result<Json> report = train::CheckModelFile(format, file);
  bool written = WriteAll(answer_fd, models::ModelCheckAnswerLine(report));
  ::close(answer_fd);
  // _exit: the libraries' static destructors have nothing to add, and a crash in one of them
  // would read as the file crashing the check.
  std::fflush(stderr);
  ::_exit(written && report.ok() ? 0 : 1);
}

}  // namespace

void AddModelCheckCommand(CLI::App& app, int& exit_code) {
  CLI::App* check =
      app.add_subcommand("model-check", "Open an uploaded model file (started by the server)");
  check->group("");  // internal: hidden from --help
  auto format = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  check->add_option("--format", *format, "torchscript, onnx or xgboost_json")->required();
  check->add_option("--file", *file, "The model file")->required();
  check->callback([format, file, &exit_code] { exit_code = RunModelCheck(*format, *file); });
}

}  // namespace easel::server
