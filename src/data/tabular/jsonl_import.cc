// The `jsonl` importer: text classification from JSON lines, streamed line by line.

#include <string>

#include "data/tabular/importers.h"
#include "data/tabular/line_splitter.h"
#include "data/tabular/source_reading.h"

namespace easel::data {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Status ImportJsonl(const SourceFiles& files, DatasetType type, const Json& params,
                   ImportSink& sink) {
  if (type != DatasetType::kTextClassification) {
    return InvalidArgument("the jsonl format imports text classification datasets, not " +
                           std::string(ToString(type)));
  }
  EASEL_RETURN_IF_ERROR(CheckParams(params, "jsonl", {"file", "text_column", "label_column"}));
  EASEL_ASSIGN_OR_RETURN(std::string text_key, StringParam(params, "text_column", "text"));
  EASEL_ASSIGN_OR_RETURN(std::string label_key, StringParam(params, "label_column", "label"));
  if (text_key.empty() || text_key == label_key) {
    return InvalidArgument("text_column must be a non-empty name other than label_column");
  }
  EASEL_ASSIGN_OR_RETURN(const SourceFile* file,
                         SelectFile(files, params, {".jsonl", ".ndjson"}, "JSON lines"));
  EASEL_RETURN_IF_ERROR(sink.SetColumns({text_key}));

  const std::string& path = file->path;
  auto error = [&](uint64_t line, const std::string& what) {
    return InvalidArgument(path + " line " + std::to_string(line) + ": " + what);
  };
  LineSplitter lines(path, [&](std::string_view line, uint64_t number) -> Status {
    if (IsBlank(line)) return OkStatus();
    Result<Json> parsed = ParseJson(line);
    if (!parsed.ok()) return error(number, "invalid JSON: " + parsed.status().message());
    Json& object = *parsed;
    if (!object.is_object()) return error(number, "expected a JSON object");

    Sample sample;
    auto text = object.find(text_key);
    if (text == object.end() || text->is_null()) {
      return error(number, "no \"" + text_key + "\" field");
    }
    if (!text->is_string()) return error(number, "\"" + text_key + "\" must be a string");
    sample.values.emplace_back(text->get<std::string>());
    object.erase(text);

    auto label = object.find(label_key);
    if (label != object.end()) {
      if (label->is_string()) {
        if (!label->get_ref<const std::string&>().empty()) {
          sample.labels.push_back(label->get<std::string>());
        }
      } else if (label->is_number() || label->is_boolean()) {
        sample.labels.push_back(DumpJson(*label));
      } else if (!label->is_null()) {
        return error(number, "\"" + label_key + "\" must be a string, a number or a boolean");
      }
      object.erase(label);
    }
    if (!object.empty()) sample.meta = std::move(object);
    return sink.Add(std::move(sample));
  });
  EASEL_RETURN_IF_ERROR(ReadWithProgress(
      files, *file, sink, [&](std::string_view chunk) { return lines.Feed(chunk); }));
  return lines.Finish();
}

}  // namespace easel::data
