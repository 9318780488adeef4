// The op registry: every transform op, in one explicit list (no static registration). An op
// is a name, a description, the dataset types it serves, its parameter schema and the factory
// that builds its step. docs/transforms.md documents the same list for users.

#include "data/transforms/image_step.h"
#include "data/transforms/op_registry.h"
#include "data/transforms/record_step.h"

namespace easel::data::transforms {

namespace {

using T = DatasetType;
const std::vector<DatasetType> kRecords = {T::kTabular, T::kTextClassification, T::kTimeSeries};
const std::vector<DatasetType> kTimeSeries = {T::kTimeSeries};
const std::vector<DatasetType> kImages = {T::kImageClassification, T::kObjectDetection};
// Steps that move pixels would have to move boxes too: detection pipelines get only the steps
// that keep boxes valid (resize keeps them up to a scale the trainer applies).
const std::vector<DatasetType> kClassificationImages = {T::kImageClassification};

ParamSpec Columns(std::string description) {
  ParamSpec p{"columns", ParamType::kStringList, std::move(description)};
  p.required = true;
  p.min_items = 1;
  return p;
}

ParamSpec Bool(std::string name, bool fallback, std::string description) {
  ParamSpec p{std::move(name), ParamType::kBool, std::move(description)};
  p.default_value = fallback;
  return p;
}

// An int or number with bounds; `fallback` null for none (optional, or required when
// `required`).
ParamSpec Num(ParamType type, std::string name, Json fallback, std::optional<double> min,
              std::optional<double> max, std::string description, bool required = false) {
  ParamSpec p{std::move(name), type, std::move(description)};
  p.default_value = std::move(fallback);
  p.min = min;
  p.max = max;
  p.required = required;
  return p;
}
ParamSpec Int(std::string name, Json fallback, std::optional<double> min, std::optional<double> max,
              std::string description, bool required = false) {
  return Num(ParamType::kInt, std::move(name), std::move(fallback), min, max,
             std::move(description), required);
}
ParamSpec Number(std::string name, Json fallback, std::optional<double> min,
                 std::optional<double> max, std::string description, bool required = false) {
  return Num(ParamType::kNumber, std::move(name), std::move(fallback), min, max,
             std::move(description), required);
}

ParamSpec Choice(std::string name, std::string fallback, std::vector<std::string> choices,
                 std::string description) {
  ParamSpec p{std::move(name), ParamType::kString, std::move(description)};
  p.default_value = std::move(fallback);
  p.choices = std::move(choices);
  return p;
}

ParamSpec List(ParamType type, std::string name, Json fallback, std::string description,
               size_t min_items = 0, size_t max_items = SIZE_MAX) {
  ParamSpec p{std::move(name), type, std::move(description)};
  p.default_value = std::move(fallback);
  p.required = p.default_value.is_null() && min_items > 0;
  p.min_items = min_items;
  p.max_items = max_items;
  return p;
}

ParamSpec Interpolation() {
  return Choice("interpolation", "linear", {"nearest", "linear", "cubic", "area"},
                "OpenCV interpolation: nearest, (bi)linear, (bi)cubic, or area (good for "
                "shrinking)");
}

// The output size of crops: "size" for a square, or "height" and "width".
std::vector<ParamSpec> CropSize() {
  return {Int("size", nullptr, 1, 16384, "square output side in pixels (or height and width)"),
          Int("height", nullptr, 1, 16384, "output height in pixels"),
          Int("width", nullptr, 1, 16384, "output width in pixels")};
}

template <typename... Lists>
std::vector<ParamSpec> Join(std::vector<ParamSpec> first, Lists... rest) {
  (first.insert(first.end(), rest.begin(), rest.end()), ...);
  return first;
}

OpInfo Record(std::string name, std::vector<DatasetType> types, std::string description,
              std::vector<ParamSpec> params,
              Result<std::unique_ptr<RecordStep>> (*make)(RecordStepContext&)) {
  OpInfo op{std::move(name), std::move(description), std::move(types), std::move(params)};
  op.make_record = make;
  return op;
}

OpInfo Image(std::string name, std::vector<DatasetType> types, std::string description,
             std::vector<ParamSpec> params,
             Result<std::unique_ptr<ImageStep>> (*make)(ImageStepContext&)) {
  OpInfo op{std::move(name), std::move(description), std::move(types), std::move(params)};
  op.make_image = make;
  return op;
}

std::vector<OpInfo> BuildOps() {
  std::vector<OpInfo> ops;
  // --- tabular -----------------------------------------------------------------------------
  ops.push_back(Record(
      "impute", kRecords,
      "Replaces missing values by the column's mean, median or most frequent training value, "
      "or by a constant.",
      {Columns("columns to fill"),
       Choice("strategy", "mean", {"mean", "median", "most_frequent", "constant"},
              "mean and median need numeric columns; most_frequent breaks ties by the smallest "
              "value"),
       ParamSpec{"fill_value", ParamType::kScalar, "the value used by strategy constant"}},
      MakeImpute));
  ops.push_back(
      Record("standard_scale", kRecords,
             "Standardizes numeric columns: (x - mean) / std with the training mean and population "
             "standard deviation (scikit-learn's StandardScaler). Missing values stay missing.",
             {Columns("numeric columns to scale"), Bool("with_mean", true, "subtract the mean"),
              Bool("with_std", true, "divide by the standard deviation (not when it is 0)")},
             MakeStandardScale));
  ops.push_back(Record(
      "minmax_scale", kRecords,
      "Maps numeric columns linearly so that the training minimum and maximum become min and "
      "max (scikit-learn's MinMaxScaler).",
      {Columns("numeric columns to scale"), Number("min", 0.0, {}, {}, "output minimum"),
       Number("max", 1.0, {}, {}, "output maximum"),
       Bool("clip", false, "clip values outside the training range to [min, max]")},
      MakeMinMaxScale));
  ops.push_back(Record(
      "one_hot", kRecords,
      "One feature per category seen in training (\"sex=male\"). Missing values encode as all "
      "zeros.",
      {Columns("categorical columns"),
       Choice("handle_unknown", "ignore", {"ignore", "error"},
              "an unseen category: all zeros (or the <other> feature when there is one), or an "
              "error"),
       Int("max_categories", nullptr, 2, 100000,
           "keep the max_categories - 1 most frequent categories and group the rest in an "
           "\"<other>\" feature")},
      MakeOneHot));
  ops.push_back(Record(
      "ordinal", kRecords,
      "Replaces each category by its position: in `categories` when given, else in the sorted "
      "training categories.",
      {Columns("categorical columns"),
       List(ParamType::kStringList, "categories", nullptr,
            "the categories in order (one column only); nothing is fitted then"),
       Choice("handle_unknown", "error", {"error", "use_encoded_value"},
              "an unseen category: an error, or unknown_value"),
       Number("unknown_value", -1.0, {}, {}, "the code of unseen categories")},
      MakeOrdinal));
  ops.push_back(
      Record("hashing", kRecords,
             "The hashing trick: each \"column=value\" is hashed (MurmurHash3, as scikit-learn's "
             "FeatureHasher) into n_features buckets that replace the columns. Nothing is fitted.",
             {Columns("categorical columns to hash together"),
              Int("n_features", 256, 1, 1 << 24, "number of buckets"),
              Bool("signed", true,
                   "add -1 instead of +1 for half of the hashes, so collisions cancel "
                   "out on average"),
              ParamSpec{"name", ParamType::kString,
                        "name of the output column (features name_0...)", false, "hash"}},
             MakeHashing));
  ops.push_back(Record("drop", kRecords, "Removes columns from the output.",
                       {Columns("columns to remove")}, MakeDrop));
  ops.push_back(Record("select", kRecords, "Keeps only these columns in the output, in this order.",
                       {Columns("columns to keep")}, MakeSelect));
  ops.push_back(Record(
      "calendar", kRecords,
      "Calendar features of a timestamp column (UTC): column_hour, column_day_of_week "
      "(Monday 0)...",
      {Columns("timestamp columns (ISO 8601 dates or date-times)"),
       List(ParamType::kStringList, "features",
            Json::array({"hour", "day_of_week", "day_of_month", "month", "is_weekend"}),
            "which features", 1),
       Bool("keep", false, "keep the timestamp column itself (it must then be dropped later)")},
      MakeCalendar));
  ops.back().params[1].choices = {"hour",        "minute", "day_of_week", "day_of_month",
                                  "day_of_year", "month",  "year",        "is_weekend"};
  // --- text --------------------------------------------------------------------------------
  ops.push_back(
      Record("tokenize", kRecords,
             "Splits UTF-8 text into words (ASCII punctuation and Unicode spaces and punctuation "
             "separate words; CJK characters and emoji are single tokens).",
             {Columns("text columns"), Bool("lowercase", true, "lowercase before splitting"),
              List(ParamType::kStringList, "stop_words", Json::array(), "tokens to remove")},
             MakeTokenize));
  ops.push_back(Record(
      "token_ids", kRecords,
      "Token ids for sequence models from a fitted vocabulary (<pad> = 0, <unk> = 1, then by "
      "frequency), padded or cut to max_length.",
      {Columns("tokenized columns"), Int("max_length", 128, 1, 65536, "ids per text"),
       Int("min_freq", 1, 1, {}, "tokens seen fewer times are <unk>"),
       Int("max_size", nullptr, 1, (1 << 24) - 2,
           "at most this many tokens besides <pad> and <unk>"),
       Choice("truncate", "end", {"end", "start"},
              "which end of a long text is cut (\"start\" keeps the last tokens)")},
      MakeTokenIds));
  ops.push_back(
      Record("bag_of_words", kRecords,
             "Token counts, presence or TF-IDF over a fitted vocabulary (scikit-learn's "
             "CountVectorizer / TfidfVectorizer).",
             {Columns("tokenized columns"),
              Choice("weighting", "count", {"count", "binary", "tfidf"}, "feature values"),
              Choice("norm", "auto", {"auto", "none", "l2"},
                     "row normalization; auto is l2 for tfidf and none otherwise"),
              Int("min_df", 1, 1, {}, "keep tokens found in at least this many training texts"),
              Int("max_features", nullptr, 1, 1 << 20, "keep only the most frequent tokens")},
             MakeBagOfWords));
  // --- time series -------------------------------------------------------------------------
  ops.push_back(Record("lags", kTimeSeries,
                       "The values k rows earlier in the same series, as columns column_lag{k}.",
                       {Columns("numeric columns"), List(ParamType::kIntList, "lags", nullptr,
                                                         "the ks (1: the previous row)", 1, 64)},
                       MakeLags));
  ops.back().params[1].min = 1;
  ops.back().params[1].max = 10000;
  ops.push_back(
      Record("rolling", kTimeSeries,
             "Statistics over the previous w rows of the series, as columns column_roll{w}_{stat}.",
             {Columns("numeric columns"),
              List(ParamType::kIntList, "windows", nullptr, "window lengths in rows", 1, 16),
              List(ParamType::kStringList, "stats", Json::array({"mean"}),
                   "mean, std (sample, ddof 1), min, max, sum", 1),
              Bool("include_current", false,
                   "the window ends at the current row instead of the "
                   "previous one (do not use on the target)")},
             MakeRolling));
  ops.back().params[1].min = 1;
  ops.back().params[1].max = 10000;
  ops.back().params[2].choices = {"mean", "std", "min", "max", "sum"};
  ops.push_back(Record(
      "diff", kTimeSeries,
      "Differences x[t-1] - x[t-1-periods] (or x[t] - x[t-periods] with include_current), as "
      "column_diff{periods}.",
      {Columns("numeric columns"), Int("periods", 1, 1, 10000, "distance in rows"),
       Bool("include_current", false,
            "difference from the current row (do not use on the "
            "target)")},
      MakeDiff));
  // --- images ------------------------------------------------------------------------------
  ops.push_back(Image(
      "decode", kImages, "Decodes the image file (first step; implicit with mode rgb when absent).",
      {Choice("mode", "rgb", {"rgb", "grayscale"}, "channels of the output")}, MakeDecode));
  ops.push_back(
      Image("resize", kImages,
            "Resizes the shorter side to size (keeping the aspect ratio), or to height x width.",
            Join(CropSize(), std::vector<ParamSpec>{Interpolation()}), MakeResize));
  ops.back().params[0].description = "target of the shorter side (or height and width)";
  ops.push_back(Image("center_crop", kClassificationImages,
                      "Crops the centre (zero padding when the image is smaller).", CropSize(),
                      MakeCenterCrop));
  ops.push_back(
      Image("random_crop", kClassificationImages,
            "Training: a crop at a random position after zero padding. Inference: the centre crop.",
            Join(CropSize(), std::vector<ParamSpec>{Int("padding", 0, 0, 4096,
                                                        "zero padding added on every side first")}),
            MakeRandomCrop));
  ops.push_back(Image(
      "random_resized_crop", kClassificationImages,
      "Training: a crop of random area and aspect ratio resized to the output size "
      "(torchvision's RandomResizedCrop). Inference: resize to cover, then the centre crop.",
      Join(CropSize(),
           std::vector<ParamSpec>{
               Num(ParamType::kNumberList, "scale", Json::array({0.08, 1.0}), 0, 1,
                   "range of the crop's area as a fraction of the image's"),
               Num(ParamType::kNumberList, "ratio", Json::array({3.0 / 4.0, 4.0 / 3.0}), 0, {},
                   "range of the crop's aspect ratio (width / height), sampled log-uniformly"),
               Interpolation()}),
      MakeRandomResizedCrop));
  for (int i : {3, 4}) ops.back().params[i].min_items = ops.back().params[i].max_items = 2;
  ops.push_back(Image("horizontal_flip", kClassificationImages,
                      "Training: mirrors left-right with probability p (p = 1: always, also at "
                      "inference).",
                      {Number("p", 0.5, 0, 1, "probability")}, MakeHorizontalFlip));
  ops.push_back(Image("vertical_flip", kClassificationImages,
                      "Training: flips upside down with probability p (p = 1: always, also at "
                      "inference).",
                      {Number("p", 0.5, 0, 1, "probability")}, MakeVerticalFlip));
  ops.push_back(
      Image("rotation", kClassificationImages,
            "Training: rotates by a random angle in [-degrees, degrees] around the centre. Skipped "
            "at inference.",
            {Number("degrees", nullptr, 0, 180, "largest angle", true),
             Int("fill", 0, 0, 255, "value of the uncovered corners"), Interpolation()},
            MakeRotation));
  ops.push_back(
      Image("color_jitter", kImages,
            "Training: random brightness, contrast and saturation factors in [1 - a, 1 + a]. "
            "Skipped at inference.",
            {Number("brightness", 0.0, 0, 10, "brightness amount a"),
             Number("contrast", 0.0, 0, 10, "contrast amount a"),
             Number("saturation", 0.0, 0, 10, "saturation amount a")},
            MakeColorJitter));
  ops.push_back(Image("to_tensor", kImages,
                      "The output as float CHW; with scale, pixel values divided by 255 "
                      "(implicit when absent).",
                      {Bool("scale", true, "divide by 255 (torchvision's ToTensor)")},
                      MakeToTensor));
  ops.push_back(
      Image("normalize", kImages,
            "(value - mean[c]) / std[c] per channel, on the to_tensor values (torchvision's "
            "Normalize).",
            {List(ParamType::kNumberList, "mean", nullptr, "per channel (or one for all)", 1, 4),
             List(ParamType::kNumberList, "std", nullptr, "per channel (or one for all)", 1, 4)},
            MakeNormalize));
  return ops;
}

}  // namespace

const std::vector<OpInfo>& AllOps() {
  static const auto* ops = new std::vector<OpInfo>(BuildOps());
  return *ops;
}

}  // namespace easel::data::transforms
