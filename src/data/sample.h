#pragma once
// A sample: one item of a dataset version. Image datasets have one sample per image file (the
// bytes are a blob); record datasets (tabular, time series, text) have one sample per row,
// whose cells are kept as the exact strings of the source so exports reproduce them.
//
// A version's manifest is a blob holding one sample per line in the canonical form written by
// SampleToLine (a JSON object, fixed key order, no spaces). Identical samples give identical
// bytes, so identical versions have identical manifests and content hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace easel::data {

// A bounding box in pixels, origin at the image's top-left corner. Importers round coordinates
// to kBoxPrecision so that converting to and from other conventions (YOLO's normalized
// centres, VOC's corners) is stable.
struct Box {
  std::string label;
  double x = 0, y = 0, w = 0, h = 0;
  bool operator==(const Box&) const = default;
};
inline constexpr double kBoxPrecision = 1e-3;
// Rounds a coordinate to kBoxPrecision (and -0 to 0).
double RoundBoxCoordinate(double v);

struct Sample {
  // Assigned when the sample is added to a version (see SampleIds); importers leave it empty.
  std::string id;

  // --- image samples ---
  std::string file;  // relative path inside the dataset ("cats/001.jpg"); unique per version
  std::string blob;  // hex SHA-256 of the file's bytes
  uint64_t size = 0;

  // Class labels (classification: exactly one; text classification: one). Empty: unlabeled.
  std::vector<std::string> labels;
  // Detection boxes.
  std::vector<Box> boxes;

  // --- record samples ---
  // Cells in the version's column order; nullopt is a missing value.
  std::vector<std::optional<std::string>> values;

  // Anything else worth keeping: {"width", "height", "format"} for images, source fields...
  // Must be a JSON object (or null for none).
  Json meta;

  bool operator==(const Sample&) const = default;
};

// The canonical manifest line (no trailing newline).
std::string SampleToLine(const Sample& sample);
// Parses a manifest line. INVALID_ARGUMENT when it is not a sample.
Result<Sample> SampleFromLine(std::string_view line);
// The sample as the API shows it: {id, file?, size?, labels, boxes?, values? (as an object
// keyed by column name when `columns` is given), meta...}.
Json SampleToJson(const Sample& sample, const std::vector<std::string>& columns);

// Gives samples stable ids derived from their content, so the same sample has the same id in
// every version (that is what version diffs compare):
//  - image samples: 16 hex digits of SHA-256(file "\0" blob);
//  - record samples: 16 hex digits of SHA-256 of the cells, and a "-2", "-3"... suffix for
//    the 2nd, 3rd... identical row of a version.
// One instance per version being built (it remembers the record ids it handed out).
class SampleIds {
 public:
  std::string Assign(const Sample& sample);

 private:
  // Open addressing over 64-bit id prefixes: 8 bytes per record row, plus the rare duplicate.
  bool InsertPrefix(uint64_t prefix);
  std::vector<uint64_t> table_;
  size_t used_ = 0;
  std::vector<std::pair<std::string, int>> duplicates_;  // id -> copies seen so far
};

}  // namespace easel::data
