#include "data/tabular/line_splitter.h"

#include <cstring>

namespace easel::data {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}  // namespace

Status LineSplitter::Feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const char* lf = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
    const size_t n = lf == nullptr ? chunk.size() : static_cast<size_t>(lf - chunk.data());
    // Checked before appending, so a line without an end never grows past the limit.
    if (partial_.size() + n > kMaxLineBytes) {
      return InvalidArgument(file_ + " line " + std::to_string(line_ + 1) +
                             ": line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
    if (lf == nullptr) {
      partial_.append(chunk);
      return OkStatus();
    }
    if (partial_.empty()) {
      EASEL_RETURN_IF_ERROR(Line(chunk.substr(0, n)));
    } else {
      partial_.append(chunk.data(), n);
      EASEL_RETURN_IF_ERROR(Line(partial_));
      partial_.clear();
    }
    chunk.remove_prefix(n + 1);
  }
  return OkStatus();
}

Status LineSplitter::Finish() {
  if (partial_.empty()) return OkStatus();
  Status status = Line(partial_);
  partial_.clear();
  return status;
}

Status LineSplitter::Line(std::string_view line) {
  ++line_;
  if (line_ == 1 && line.starts_with(kBom)) line.remove_prefix(kBom.size());
  if (line.ends_with('\r')) line.remove_suffix(1);
  return fn_(line, line_);
}

}  // namespace easel::data
