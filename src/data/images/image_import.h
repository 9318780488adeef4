#pragma once
// What the image importers (image_folder, image_csv, coco, voc, yolo) share. Each format only
// works out which files are images and what their labels or boxes are (a list of
// PendingImage); ImportImages then probes, checks and adds them all the same way:
//  - per file: probe the header, refuse it over the pixel limit, decode it fully on a small
//    thread pool, refuse it when the decoder fails or disagrees with the header;
//  - per box: convert to pixels, check it lies inside the image, clip and round;
//  - samples are added in order of their `file`, so the same upload always gives the same
//    version whatever order the archive or the annotation file listed them in.
// Internal to src/data/images.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "data/images/image_probe.h"
#include "data/importer.h"
#include "data/sample.h"
#include "data/source_files.h"

namespace easel::data {

// The `params` every image importer understands.
struct ImageImportOptions {
  uint64_t max_pixels = kDefaultMaxPixels;  // refuse images with more pixels (from the header)
  uint64_t max_image_bytes = uint64_t{512} << 20;     // refuse larger image files
  uint64_t max_annotation_bytes = uint64_t{1} << 30;  // COCO JSON, VOC XML, label files
  int decode_threads = 0;                             // 0: 2..4 depending on the CPU
  bool verify_decode = true;                          // false: probe headers only
};

// The params schema of an image importer: the common options plus the format's own `extra`
// ones ({name: {type, default, description}}).
Json ImageParamsSchema(Json extra = Json::object());
// Reads the common options from `params` (null or an object). INVALID_ARGUMENT for a name not
// in `schema` (listing the known ones) or a value of the wrong type or range.
Result<ImageImportOptions> ParseImageImportOptions(const Json& params, const Json& schema);

// A box as the annotation gave it. Pixels with the origin at the top-left corner, or fractions
// of the image's width and height when `normalized` (YOLO), converted once the size is known.
struct PendingBox {
  Box box;
  bool normalized = false;
  std::string origin;  // names it in a rejection: "labels/a.txt:3", "instances.json: annotation 7"
};

// An image a format found, with what the format says about it.
struct PendingImage {
  const SourceFile* source = nullptr;  // the bytes
  std::string file;                    // Sample::file
  std::vector<std::string> labels;
  std::vector<PendingBox> boxes;
  // The size the annotation file states (COCO, VOC); 0 when it states none. A different real
  // size rejects the image: its boxes were drawn on some other picture.
  int64_t declared_width = 0, declared_height = 0;
  std::string declared_by;  // the annotation file, for that reason
};

// Boxes may stick out of the image by this many pixels (annotation tools round outwards, VOC
// corners are often 1-based); they are clipped to it. Further out, the box is refused.
inline constexpr double kBoxTolerance = 1.0;

// Parse-time check shared by the formats: finite numbers and a positive size. INVALID_ARGUMENT
// "box with negative size (w=-3, h=4)", "empty box (w=0, h=4)", "box coordinates are not
// finite numbers".
Status CheckBoxNumbers(double x, double y, double w, double h);

// The box in pixels inside a width x height image: converted from fractions when normalized,
// clipped within kBoxTolerance and rounded with RoundBoxCoordinate. INVALID_ARGUMENT
// "box [x, y, w, h] outside the WxH image" otherwise.
Result<Box> PlaceBox(const PendingBox& pending, int64_t width, int64_t height);

// Checks and adds `images` (see the top of this file). Rejects per file or per box through the
// sink and goes on; returns an error only for what stops the whole import (an error of the
// sink or of reading the blob store, cancellation). Progress goes from 0 to 1 over the images.
Status ImportImages(const SourceFiles& files, std::vector<PendingImage> images,
                    const ImageImportOptions& options, ImportSink& sink);

// The files an importer considers, in path order: all but the hidden ones (image_paths.h).
std::vector<const SourceFile*> VisibleFiles(const SourceFiles& files);

// Finds uploaded images by the tail of their path ("x.jpg" finds "train2017/x.jpg"), for
// annotation files that name images relative to a folder they do not name (COCO, VOC).
class PathSuffixIndex {
 public:
  // Indexes the files with an image extension.
  explicit PathSuffixIndex(const std::vector<const SourceFile*>& files);
  // The one file whose path is `suffix` or ends with "/" + `suffix`; nullptr when there is none
  // or several (then *ambiguous is set).
  const SourceFile* Find(const std::string& suffix, bool* ambiguous) const;

 private:
  std::unordered_map<std::string, const SourceFile*> by_suffix_;  // nullptr: several
};

}  // namespace easel::data
