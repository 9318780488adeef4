#pragma once
// Splitting a byte stream into lines (LF or CRLF; the last may lack one) without holding more
// than one line, numbered from 1, a UTF-8 byte order mark dropped from the first: how JSON-lines
// files are read, by the importer and by batch predictions.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace easel::data {

class LineSplitter {
 public:
  static constexpr size_t kMaxLineBytes = size_t{16} << 20;
  using LineFn = std::function<Status(std::string_view line, uint64_t number)>;

  // `file` names the input in errors ("rows.jsonl line 3: ...").
  LineSplitter(std::string file, LineFn fn) : file_(std::move(file)), fn_(std::move(fn)) {}

  // Passes each complete line in `chunk` to the function; stops at its first error.
  // INVALID_ARGUMENT for a line longer than kMaxLineBytes.
  Status Feed(std::string_view chunk);
  // The last line, when the stream did not end with a newline.
  Status Finish();

 private:
  Status Line(std::string_view line);

  std::string file_;
  LineFn fn_;
  std::string partial_;
  uint64_t line_ = 0;
};

}  // namespace easel::data
