#pragma once
// Opening an uploaded model file in a child process before anything trusts it (DESIGN.md §1).
// The server runs `easel model-check --format F --file PATH`, which loads the file with the
// library that would run it (LibTorch, OpenCV DNN, XGBoost) and prints one JSON line:
//   {"ok": true, "signature": {inputs, outputs}, "info": {...}}
//   {"ok": false, "error": "a sentence"}
// A malformed or hostile file can then crash, hang or exhaust only that child: it runs under a
// wall-clock timeout, an address-space and a CPU limit, without core dumps, and is killed
// (with anything it started) when the time is up. This file is the parent's side and the
// answer protocol; it links no ML library (the checks themselves: train/model_check.h).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::models {

// What a check learned about a file it could open.
struct ModelCheckReport {
  Json signature = Json::object();  // {inputs: [{name, datatype, shape}], outputs: [...]}
  Json info = Json::object();       // format-specific facts (methods, objective, opset...)
};

struct ModelCheckLimits {
  int timeout_ms = 60000;  // wall clock; then the child's process group is killed
  // RLIMIT_AS of the child. LibTorch maps ~1 GiB of libraries before it reads anything; the
  // rest bounds what a file that claims huge tensors or entries can make it allocate.
  uint64_t address_space_bytes = 8ull << 30;
  int cpu_seconds = 120;               // RLIMIT_CPU: a backstop for a busy-looping loader
  size_t max_answer_bytes = 4u << 20;  // more on stdout than this is a failed check
  size_t max_concurrent = 2;           // checks running at once in this process
};

// Checks `file` by running `<easel> model-check --format <format> --file <file>`, `easel` being
// the path of the easel binary ("/proc/self/exe" inside the server). Blocks until the child
// ends (at most limits.timeout_ms, plus the wait for a free slot: at most max_concurrent
// checks run at once, and a caller that waits longer than timeout_ms for one gets
// RESOURCE_EXHAUSTED). Errors: INVALID_ARGUMENT "the uploaded file is not a valid <format>
// model: <sentence>" when the child says so, crashes, times out or answers something that is
// not the protocol (the sentence never holds `file`'s path); INTERNAL when the child cannot be
// started. Thread-safe.
Result<ModelCheckReport> CheckModelInChild(const std::string& easel, std::string_view format,
                                           const std::filesystem::path& file,
                                           const ModelCheckLimits& limits = {});

// The process work under CheckModelInChild, for any checker program: runs `argv` (argv[0] a
// path, exec'd without a shell, the environment inherited plus one thread for OpenMP/OpenBLAS
// and no visible GPU) and answers its parsed stdout. Errors as CheckModelInChild, with
// `format` naming the format and `redact` (a path) removed from the child's sentence.
Result<ModelCheckReport> RunModelCheck(const std::vector<std::string>& argv,
                                       std::string_view format, std::string_view redact,
                                       const ModelCheckLimits& limits);

// The child's answer line (with its newline) for a check's outcome; `report` is
// {signature, info} as train::CheckModelFile gives it.
std::string ModelCheckAnswerLine(const Result<Json>& report);

// Parses what a child printed: the last non-empty line must be an answer. ok=false and
// anything unreadable answer INVALID_ARGUMENT as CheckModelInChild describes.
Result<ModelCheckReport> ParseModelCheckAnswer(std::string_view out, std::string_view format,
                                               std::string_view redact);

}  // namespace easel::models
