#pragma once
// What `easel predict --input FILE` sends: the KServe v2 infer request body built from a JSON,
// CSV or image file. Pure functions on the file's name and contents (the command reads the
// file); none of them throws. Errors are INVALID_ARGUMENT with a message meant to follow
// "FILE: ".

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::cli {

// An infer request body ready to POST.
struct InferBody {
  std::string body;
  std::string content_type;
  // The JSON header's length for the Inference-Header-Content-Length header; set only when
  // the body uses the binary tensor extension (JSON header, then raw tensor bytes).
  std::optional<size_t> header_length;
};

// The rows of CSV text as JSON objects keyed by the header line's column names (RFC 4180:
// quoted cells may hold commas, quotes as "" and line breaks; CRLF and a UTF-8 BOM are
// accepted). A cell that reads as a JSON number (surrounding spaces ignored) becomes that
// number, an empty cell null, anything else the string itself. Blank lines are skipped. A row
// with a different number of cells than the header, an empty or repeated column name, an
// unterminated quote, or no data rows at all is an error naming the line.
Result<Json> RowsFromCsv(std::string_view text);

// {"inputs": [{"name": "rows", "datatype": "BYTES", "shape": [n], "data": [...]}]}, each
// element the compact JSON text of one row. `rows` must be an array of objects.
Json RowsRequest(const Json& rows);

// The request a JSON document stands for: an object with "inputs" is sent as is; an array of
// objects is rows; any other object is one row. Anything else (an array holding a non-object,
// a number...) is an error.
Result<Json> RequestFromJson(const Json& document);

// The binary-extension body for one BYTES input `name` of shape [elements.size()]: the JSON
// header names it with parameters.binary_data_size and no "data", then each element follows
// as a 4-byte little-endian length and its bytes. An element of 4 GiB or more is an error.
Result<InferBody> BinaryBytesRequest(std::string_view name,
                                     const std::vector<std::string_view>& elements);

// The body for `file_name` by its extension (case-insensitive): .json (RequestFromJson),
// .csv (RowsFromCsv, then RowsRequest), .jpg/.jpeg/.png/.bmp/.webp (one "image" element via
// the binary extension). Any other extension is an error listing the known ones.
Result<InferBody> InferBodyFor(std::string_view file_name, std::string_view contents);

}  // namespace easel::cli
