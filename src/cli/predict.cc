// predict ENDPOINT --input FILE: one infer request to an endpoint over the KServe v2 data plane
// (POST /v2/models/{endpoint}[/versions/{v}]/infer, where an endpoint is named without its
// project), printed as a table of predictions or, with --json, as the server's response.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/predict_input.h"
#include "cli/table.h"
#include "common/files.h"

namespace easel::cli {
namespace {

constexpr const char* kHeaderLength = "Inference-Header-Content-Length";

struct PredictFlags {
  CommonFlags common;
  std::string endpoint;
  std::string input;
  std::string version;
};

bool IsVersionNumber(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A number printed with `format`; other values as cells.
std::string NumberText(const Json& n, const char* format = "%g") {
  if (!n.is_number()) return CellText(n);
  char buf[64];
  std::snprintf(buf, sizeof buf, format, n.get<double>());
  return buf;
}

// The JSON of an infer response; with the binary extension, only its JSON header (this client
// never asks for binary outputs).
Result<Json> ResponseJson(const ApiClient::RawResponse& response) {
  std::string_view json = response.body;
  if (std::string length = response.Header(kHeaderLength); !length.empty()) {
    size_t n = 0;
    if (std::sscanf(length.c_str(), "%zu", &n) == 1 && n <= json.size()) json = json.substr(0, n);
  }
  Result<Json> parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_object()) {
    return Internal("the server answered an infer response that is not a JSON object");
  }
  return parsed;
}

// One output tensor's elements (row-major, nested data flattened) and how many rows it has.
struct OutputRows {
  std::vector<const Json*> flat;
  size_t rows = 0;
  size_t per_row = 0;
  const Json* At(size_t row, size_t k) const {
    size_t i = row * per_row + k;
    return k < per_row && i < flat.size() ? flat[i] : nullptr;
  }
};

void Flatten(const Json& data, std::vector<const Json*>& out) {
  if (!data.is_array()) {
    out.push_back(&data);
    return;
  }
  for (const Json& e : data) Flatten(e, out);
}

OutputRows RowsOf(const Json& response, std::string_view name) {
  OutputRows out;
  for (const Json& o : Member(response, "outputs")) {
    if (StringField(o, "name") != name) continue;
    if (const Json& data = Member(o, "data"); data.is_array()) Flatten(data, out.flat);
    const Json& shape = Member(o, "shape");
    out.rows = shape.is_array() && !shape.empty() && shape[0].is_number_unsigned()
                   ? shape[0].get<size_t>()
                   : out.flat.size();
    out.per_row = out.rows == 0 ? 0 : out.flat.size() / out.rows;
    break;
  }
  return out;
}

// A table of the predictions: ROW, LABEL, PROBABILITY (the top class's) for a classifier, ROW,
// VALUE for a regressor; the response itself for any other model.
std::string PredictionText(const Json& response) {
  OutputRows labels = RowsOf(response, "label");
  OutputRows probabilities = RowsOf(response, "probabilities");
  OutputRows values = RowsOf(response, "value");
  if (labels.rows > 0 || probabilities.rows > 0) {
    Table table({{"row"}, {"label"}, {"probability"}});
    for (size_t i = 0; i < std::max(labels.rows, probabilities.rows); ++i) {
      const Json* best = nullptr;
      size_t best_k = 0;
      for (size_t k = 0; k < probabilities.per_row; ++k) {
        const Json* p = probabilities.At(i, k);
        if (p != nullptr && p->is_number() &&
            (best == nullptr || p->get<double>() > best->get<double>())) {
          best = p;
          best_k = k;
        }
      }
      const Json* label = labels.At(i, 0);
      table.AddRow({std::to_string(i),
                    label != nullptr ? CellText(*label)
                    : best           ? std::to_string(best_k)
                                     : "-",
                    best ? NumberText(*best, "%.4f") : "-"});
    }
    return table.Render();
  }
  if (values.rows > 0) {
    Table table({{"row"}, {"value"}});
    for (size_t i = 0; i < values.rows; ++i) {
      std::string cell;
      for (size_t k = 0; k < values.per_row; ++k) {
        const Json* v = values.At(i, k);
        cell += (k ? ", " : "") + (v != nullptr ? NumberText(*v) : "-");
      }
      table.AddRow({std::to_string(i), cell.empty() ? "-" : cell});
    }
    return table.Render();
  }
  return PrettyJson(response);
}

Status Predict(const PredictFlags& f) {
  if (!f.version.empty() && !IsVersionNumber(f.version)) {
    return UsageError("--version takes a version number the endpoint routes to");
  }
  Result<std::string> contents = ReadFile(f.input);
  if (!contents.ok())
    return UsageError("cannot read " + f.input + ": " + contents.status().message());
  Result<InferBody> body = InferBodyFor(f.input, *contents);
  if (!body.ok()) return UsageError(f.input + ": " + body.status().message());
  ApiClient::Headers headers;
  if (body->header_length) {
    headers.emplace_back(kHeaderLength, std::to_string(*body->header_length));
  }
  std::string path = "/v2/models/" + EncodeComponent(f.endpoint);
  if (!f.version.empty()) path += "/versions/" + EncodeComponent(f.version);
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(ApiClient::RawResponse raw,
                         client->PostRaw(path + "/infer", body->body, body->content_type, headers));
  EASEL_ASSIGN_OR_RETURN(Json response, ResponseJson(raw));
  if (f.common.json) {
    PrintJson(response);
  } else {
    Print(PredictionText(response));
  }
  return OkStatus();
}

}  // namespace

void AddPredictCommand(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<PredictFlags>();
  CLI::App* predict = AddCommand(
      &app, "predict", "Send rows (.json, .csv) or an image to an endpoint; print predictions", f,
      exit_code, Predict);
  predict->add_option("endpoint", f->endpoint, "Endpoint name")->required();
  predict
      ->add_option("-i,--input", f->input,
                   ".json (an infer request or rows), .csv (rows) or an image (.jpg .jpeg "
                   ".png .bmp .webp)")
      ->required();
  predict->add_option("--version", f->version, "Use the route serving this model version");
}

}  // namespace easel::cli
