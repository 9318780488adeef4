#include "data/tabular/csv.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace easel::data {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr char kDelimiterCandidates[] = {',', ';', '\t', '|'};

uint64_t CountNewlines(const char* p, const char* end) {
  uint64_t n = 0;
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
    ++n;
    ++p;
  }
  return n;
}

// The candidate occurring most often outside quotes in `line`; ',' when none occurs.
char DetectDelimiter(std::string_view line) {
  size_t counts[std::size(kDelimiterCandidates)] = {};
  bool in_quotes = false;
  for (char c : line) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    for (size_t i = 0; i < std::size(kDelimiterCandidates); ++i) {
      counts[i] += c == kDelimiterCandidates[i];
    }
  }
  size_t best = 0;
  for (size_t i = 1; i < std::size(kDelimiterCandidates); ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return kDelimiterCandidates[best];
}

// A line that is empty or just "\r": not a record before the header.
bool IsBlankLine(std::string_view line) { return line.empty() || line == "\r"; }

}  // namespace

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  auto cont = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  while (p < end) {
    // ASCII runs, eight bytes at a time: the common case.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    ptrdiff_t left = end - p;
    if (c < 0xC2) return false;  // a continuation byte or an overlong 2-byte form
    if (c < 0xE0) {
      if (left < 2 || !cont(p[1])) return false;
      p += 2;
    } else if (c < 0xF0) {
      if (left < 3 || !cont(p[2])) return false;
      unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlongs
      unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
      if (p[1] < lo || p[1] > hi) return false;
      p += 3;
    } else if (c < 0xF5) {
      if (left < 4 || !cont(p[2]) || !cont(p[3])) return false;
      unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // no overlongs
      unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
      if (p[1] < lo || p[1] > hi) return false;
      p += 4;
    } else {
      return false;
    }
  }
  return true;
}

CsvParser::CsvParser(CsvOptions options) : options_(std::move(options)) {
  if (options_.delimiter != '\0') SetDelimiter(options_.delimiter);
}

void CsvParser::SetDelimiter(char delimiter) {
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n') {
    error_ = InvalidArgument("a CSV delimiter cannot be a quote or a line end");
    return;
  }
  delimiter_ = delimiter;
  std::fill(std::begin(special_), std::end(special_), false);
  for (char c : {delimiter, '"', '\r', '\n'}) special_[static_cast<unsigned char>(c)] = true;
}

Status CsvParser::Error(uint64_t line, std::string_view what) const {
  std::string message = options_.file_name.empty() ? "line " : options_.file_name + " line ";
  message += std::to_string(line);
  message += ": ";
  message += what;
  return InvalidArgument(std::move(message));
}

Status CsvParser::Feed(std::string_view chunk, const RecordFn& fn) {
  if (!error_.ok()) return error_;
  if (!started_) {
    carry_.append(chunk);
    return Start(/*eof=*/false, fn);
  }
  if (!carry_.empty()) {
    // Complete the record carried over from the previous chunk: it ends at the first LF
    // outside quotes. Only that much is copied; the rest of the chunk is parsed in place.
    size_t before = carry_.size();
    const char* lf = ScanCarry(chunk.data(), chunk.data() + chunk.size(), before);
    size_t take = lf == nullptr ? chunk.size() : static_cast<size_t>(lf + 1 - chunk.data());
    carry_.append(chunk.data(), take);
    if (lf == nullptr) return CheckCarryLimits();
    pending_.swap(carry_);
    carry_.clear();
    Status status = ParseRecords(pending_, /*eof=*/false, fn);
    pending_.clear();
    EASEL_RETURN_IF_ERROR(status);
    chunk.remove_prefix(take);
  }
  return ParseRecords(chunk, /*eof=*/false, fn);
}

Status CsvParser::Finish(const RecordFn& fn) {
  if (!error_.ok()) return error_;
  if (!started_) return Start(/*eof=*/true, fn);
  pending_.swap(carry_);
  carry_.clear();
  Status status = ParseRecords(pending_, /*eof=*/true, fn);
  pending_.clear();
  return status;
}

Status CsvParser::Start(bool eof, const RecordFn& fn) {
  if (!bom_checked_) {
    // Wait until we can tell whether the input starts with a byte order mark.
    if (!eof && carry_.size() < kBom.size() && kBom.starts_with(carry_)) return OkStatus();
    if (std::string_view(carry_).starts_with(kBom)) carry_.erase(0, kBom.size());
    bom_checked_ = true;
  }
  if (delimiter_ == '\0') {
    // Detect it from the first non-blank line, which must be complete (or the last one).
    std::string_view rest(carry_);
    std::string_view header;
    for (;;) {
      bool in_quotes = false;
      size_t lf = std::string_view::npos;
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '"') {
          in_quotes = !in_quotes;
        } else if (rest[i] == '\n' && !in_quotes) {
          lf = i;
          break;
        }
      }
      if (lf == std::string_view::npos) {
        if (!eof) {
          // Only the record limit applies: fields are unknown before the delimiter.
          if (carry_.size() > options_.max_record_bytes) {
            error_ = Error(line_, "record is longer than " +
                                      std::to_string(options_.max_record_bytes) + " bytes");
          }
          return error_;
        }
        header = rest;
        break;
      }
      if (!IsBlankLine(rest.substr(0, lf))) {
        header = rest.substr(0, lf);
        break;
      }
      rest.remove_prefix(lf + 1);
    }
    SetDelimiter(DetectDelimiter(header));
  }
  started_ = true;
  pending_.swap(carry_);
  carry_.clear();
  Status status = ParseRecords(pending_, eof, fn);
  pending_.clear();
  return status;
}

const char* CsvParser::ScanCarry(const char* p, const char* end, size_t offset) {
  for (const char* begin = p; p < end; ++p) {
    char c = *p;
    if (c == '"') {
      carry_in_quotes_ = !carry_in_quotes_;
    } else if (!carry_in_quotes_) {
      if (c == '\n') return p;
      if (c == delimiter_) {
        carry_field_start_ = offset + static_cast<size_t>(p + 1 - begin);
        ++carry_field_index_;
      }
    }
  }
  return nullptr;
}

Status CsvParser::CheckCarryLimits() {
  if (carry_.size() - carry_field_start_ > options_.max_field_bytes) {
    error_ = Error(line_, "field " + std::to_string(carry_field_index_ + 1) + " is longer than " +
                              std::to_string(options_.max_field_bytes) + " bytes");
  } else if (carry_.size() > options_.max_record_bytes) {
    error_ = Error(line_,
                   "record is longer than " + std::to_string(options_.max_record_bytes) + " bytes");
  }
  return error_;
}

Status CsvParser::ParseRecords(std::string_view data, bool eof, const RecordFn& fn) {
  const char* p = data.data();
  const char* end = p + data.size();
  while (p < end) {
    const char* next = nullptr;
    switch (ParseRecord(p, end, eof, &next)) {
      case Step::kError:
        return error_;
      case Step::kNeedMore:
        // Keep the partial record; the next chunk completes it.
        carry_.assign(p, end);
        carry_in_quotes_ = false;
        carry_field_start_ = 0;
        carry_field_index_ = 0;
        ScanCarry(p, end, 0);
        return CheckCarryLimits();
      case Step::kComplete:
        EASEL_RETURN_IF_ERROR(Deliver(p, next, fn));
        p = next;
        break;
    }
  }
  return OkStatus();
}

const char* CsvParser::FindSpecial(const char* p, const char* end) const {
#if defined(__SSE2__)
  // Sixteen bytes at a time: most fields end within the first block.
  const __m128i delimiter = _mm_set1_epi8(delimiter_), quote = _mm_set1_epi8('"'),
                cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, delimiter), _mm_cmpeq_epi8(block, quote)),
                     _mm_or_si128(_mm_cmpeq_epi8(block, cr), _mm_cmpeq_epi8(block, lf)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && !special_[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

CsvParser::Step CsvParser::ParseRecord(const char* begin, const char* end, bool eof,
                                       const char** next) {
  num_fields_ = 0;
  escaped_.clear();
  record_newlines_ = 0;
  const char delimiter = delimiter_;
  const size_t max_field = options_.max_field_bytes;
  auto field_too_long = [&] {
    error_ = Error(line_, "field " + std::to_string(num_fields_ + 1) + " is longer than " +
                              std::to_string(max_field) + " bytes");
    return Step::kError;
  };
  const char* p = begin;
  for (;;) {  // one field per iteration
    if (p < end && *p == '"') {
      // Quoted: runs to the next quote that is not doubled.
      const char* q = p + 1;
      bool doubled = false;
      const char* close = nullptr;
      while (close == nullptr) {
        const auto* quote =
            static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end - q)));
        if (quote == nullptr) {
          if (static_cast<size_t>(end - p) > max_field) return field_too_long();
          if (!eof) return Step::kNeedMore;
          error_ = Error(line_, "unterminated quoted field");
          return Step::kError;
        }
        if (quote + 1 == end && !eof) return Step::kNeedMore;  // "" or a closing quote?
        record_newlines_ += CountNewlines(q, quote);
        if (quote + 1 < end && quote[1] == '"') {
          doubled = true;
          q = quote + 2;
        } else {
          close = quote;
        }
      }
      if (static_cast<size_t>(close + 1 - p) > max_field) return field_too_long();
      if (doubled) escaped_.push_back(num_fields_);
      AddField(std::string_view(p + 1, static_cast<size_t>(close - p - 1)), true);
      p = close + 1;
      if (p == end) break;  // eof: the last record without a line end
      if (*p == delimiter) {
        ++p;
        continue;
      }
      if (*p == '\n') {
        ++p;
        ++record_newlines_;
        break;
      }
      if (*p == '\r') {
        if (p + 1 < end && p[1] == '\n') {
          p += 2;
          ++record_newlines_;
          break;
        }
        if (p + 1 == end) {
          if (!eof) return Step::kNeedMore;
          ++p;
          break;
        }
      }
      error_ = Error(line_, "field " + std::to_string(num_fields_) +
                                ": unexpected character after the closing quote");
      return Step::kError;
    }

    // Unquoted: runs to the delimiter or the line end. A lone CR is data.
    const char* start = p;
    bool record_done = false;
    for (;;) {
      p = FindSpecial(p, end);
      if (p == end) {
        if (static_cast<size_t>(p - start) > max_field) return field_too_long();
        if (!eof) return Step::kNeedMore;
        AddField(std::string_view(start, static_cast<size_t>(p - start)), false);
        record_done = true;
        break;
      }
      char c = *p;
      if (c == delimiter || c == '\n') {
        AddField(std::string_view(start, static_cast<size_t>(p - start)), false);
        ++p;
        if (c == '\n') {
          ++record_newlines_;
          record_done = true;
        }
        break;
      }
      if (c == '\r') {
        if (p + 1 == end && !eof) return Step::kNeedMore;
        if (p + 1 == end || p[1] == '\n') {
          AddField(std::string_view(start, static_cast<size_t>(p - start)), false);
          p += p + 1 == end ? 1 : 2;
          ++record_newlines_;
          record_done = true;
          break;
        }
        ++p;  // a lone CR
        continue;
      }
      error_ = Error(line_, "field " + std::to_string(num_fields_ + 1) +
                                ": quote character inside an unquoted field");
      return Step::kError;
    }
    if (fields_[num_fields_ - 1].text.size() > max_field) {
      --num_fields_;
      return field_too_long();
    }
    if (record_done) break;
  }
  if (static_cast<size_t>(p - begin) > options_.max_record_bytes) {
    error_ = Error(line_,
                   "record is longer than " + std::to_string(options_.max_record_bytes) + " bytes");
    return Step::kError;
  }
  *next = p;
  return Step::kComplete;
}

Status CsvParser::Deliver(const char* begin, const char* end, const RecordFn& fn) {
  const uint64_t line = line_;
  line_ += record_newlines_;
  const bool blank = num_fields_ == 1 && !fields_[0].quoted && fields_[0].text.empty();
  if (blank && expected_fields_ != 1) return OkStatus();  // see the header comment
  if (expected_fields_ == 0) {
    expected_fields_ = num_fields_;
  } else if (num_fields_ != expected_fields_) {
    return error_ = Error(line, "expected " + std::to_string(expected_fields_) + " fields, found " +
                                    std::to_string(num_fields_));
  }
  if (options_.validate_utf8 &&
      !IsValidUtf8(std::string_view(begin, static_cast<size_t>(end - begin)))) {
    return error_ = Error(line, "invalid UTF-8");
  }

  // Unescape doubled quotes into one buffer sized up front, so the views stay put.
  if (!escaped_.empty()) {
    size_t size = 0;
    for (size_t i : escaped_) size += fields_[i].text.size();
    if (unescaped_.size() < size) unescaped_.resize(size);
    char* out = unescaped_.data();
    for (size_t i : escaped_) {
      const std::string_view raw = fields_[i].text;
      char* start = out;
      for (size_t j = 0; j < raw.size(); ++j) {
        *out++ = raw[j];
        if (raw[j] == '"') ++j;  // the second quote of a pair
      }
      fields_[i].text = std::string_view(start, static_cast<size_t>(out - start));
    }
  }
  ++records_;
  Status status = fn(CsvRecord{line, std::span<const CsvField>(fields_.data(), num_fields_)});
  if (!status.ok()) error_ = status;
  return status;
}

}  // namespace easel::data
