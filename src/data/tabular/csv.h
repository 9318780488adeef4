#pragma once
// A streaming (push) CSV parser for the import hot path: feed it chunks of any size, it calls
// back once per complete record with views of the cells. It holds at most one partial record
// (plus the chunk being parsed), never the file.
//
// The dialect is RFC 4180 with the usual extensions:
//  - fields are separated by one delimiter byte: given, or detected from the first line among
//    ',' ';' '\t' '|' (the most frequent outside quotes; ties in that order; ',' when none);
//  - a field may be quoted with '"'; inside quotes a doubled quote is one quote, and the
//    delimiter, CR and LF are data. A quote inside an unquoted field, or anything but a
//    delimiter or line end after a closing quote, is an error;
//  - records end with LF or CRLF; the last one may lack it. A lone CR is data;
//  - a UTF-8 byte order mark at the start is skipped; every record must be valid UTF-8;
//  - every record must have as many fields as the first (the header). Empty lines before the
//    header are skipped; after it they are skipped too when the header has several fields
//    (they cannot be a record), and are a record of one empty field when it has one, so a
//    one-column file can hold missing values.
// Errors are INVALID_ARGUMENT "<file> line <n>: <what>", with n the 1-based line where the
// offending record starts. Not thread-safe; one parser per file.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::data {

struct CsvOptions {
  // Named in error messages ("data.csv line 17: ...").
  std::string file_name;
  // '\0' detects it from the first non-empty line.
  char delimiter = '\0';
  // Longest field (raw bytes, quotes included) and longest record (raw bytes, line end
  // included). They bound the parser's memory.
  size_t max_field_bytes = size_t{1} << 20;
  size_t max_record_bytes = size_t{16} << 20;
  bool validate_utf8 = true;
};

struct CsvField {
  std::string_view text;  // unescaped content (without the surrounding quotes)
  bool quoted = false;    // it was written in quotes: "" is an empty string, not a missing value
};

// One record; the views are valid only during the callback.
struct CsvRecord {
  uint64_t line = 0;  // 1-based line where the record starts
  std::span<const CsvField> fields;
};

class CsvParser {
 public:
  // The callback's error stops parsing and is returned by Feed / Finish.
  using RecordFn = std::function<Status(const CsvRecord&)>;

  explicit CsvParser(CsvOptions options);

  // Parses `chunk`, calling `fn` for each record it completes. The first error (the parser's
  // or the callback's) is returned, and again by every later call.
  Status Feed(std::string_view chunk, const RecordFn& fn);
  // The end of the input: completes the last record (an unterminated quote is an error there).
  Status Finish(const RecordFn& fn);

  // The delimiter in use ('\0' until the first line was seen when detecting).
  char delimiter() const { return delimiter_; }
  // Records delivered so far, the header included.
  uint64_t records() const { return records_; }

 private:
  enum class Step { kComplete, kNeedMore, kError };
  // Appends a field of the record being parsed.
  void AddField(std::string_view text, bool quoted) {
    if (num_fields_ == fields_.size()) fields_.resize(fields_.size() * 2 + 8);
    fields_[num_fields_++] = {text, quoted};
  }

  // Skips a byte order mark and detects the delimiter, then parses what was buffered.
  Status Start(bool eof, const RecordFn& fn);
  // Parses whole records from `data` (never carry_ itself); keeps an incomplete tail in carry_
  // unless `eof`.
  Status ParseRecords(std::string_view data, bool eof, const RecordFn& fn);
  // Parses the record at the start of [begin, end) into fields_: kComplete sets *next past
  // its line end, kError sets error_.
  Step ParseRecord(const char* begin, const char* end, bool eof, const char** next);
  // The first delimiter, quote, CR or LF in [p, end), or end.
  const char* FindSpecial(const char* p, const char* end) const;
  // Checks the record just parsed from [begin, end) and hands it to `fn`.
  Status Deliver(const char* begin, const char* end, const RecordFn& fn);
  // Follows quotes and delimiters over bytes appended to carry_ at `offset`; the first LF
  // outside quotes (the end of the carried record), or nullptr.
  const char* ScanCarry(const char* p, const char* end, size_t offset);
  // The field and record limits, applied to a record still being carried.
  Status CheckCarryLimits();
  Status Error(uint64_t line, std::string_view what) const;
  void SetDelimiter(char delimiter);

  CsvOptions options_;
  char delimiter_ = '\0';
  bool started_ = false;    // BOM and delimiter settled
  bool special_[256] = {};  // bytes that end an unquoted run: delimiter, '"', CR, LF

  bool bom_checked_ = false;

  // A record split across chunks: its bytes so far, whether they end inside quotes, and where
  // its last field starts (offset and 0-based index).
  std::string carry_;
  bool carry_in_quotes_ = false;
  size_t carry_field_start_ = 0;
  size_t carry_field_index_ = 0;
  std::string pending_;  // a completed carry being parsed (keeps its capacity between uses)

  uint64_t line_ = 1;             // line where the next record starts
  uint64_t record_newlines_ = 0;  // line ends consumed by the record just parsed
  uint64_t records_ = 0;
  size_t expected_fields_ = 0;  // 0 until the header
  Status error_;

  // The record being parsed: fields_[0, num_fields_) point into the input, and the fields
  // listed in escaped_ still hold doubled quotes until Deliver unescapes them into unescaped_.
  std::vector<CsvField> fields_;
  size_t num_fields_ = 0;
  std::vector<size_t> escaped_;
  std::string unescaped_;
};

// True for a well-formed UTF-8 byte sequence (no overlongs, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

// Appends one CSV field (',' delimited) as the csv exporter writes it: quoted when it holds a
// delimiter, quote or line break, or would read back as a missing-value marker (cells.h);
// `header` fields also quote the other detectable delimiters, and a leading BOM on the first.
void AppendCsvField(std::string& out, std::string_view value, bool header, bool first);

}  // namespace easel::data
