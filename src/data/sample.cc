#include "data/sample.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/random.h"
#include "common/sha256.h"

namespace easel::data {

namespace {

// Shortest text that reads back as the same double.
void AppendNumber(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void AppendKey(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;
  out += "\":";
}

uint64_t PrefixOf(const std::string& hex16) {
  uint64_t v = 0;
  std::from_chars(hex16.data(), hex16.data() + 16, v, 16);
  return v;
}

}  // namespace

double RoundBoxCoordinate(double v) {
  // From a whole number of thousandths, so the same coordinate always prints the same.
  static_assert(kBoxPrecision == 1e-3);
  const double r = std::round(v * 1000.0) / 1000.0;
  return r == 0 ? 0.0 : r;
}

std::string SampleToLine(const Sample& s) {
  std::string out;
  out.reserve(64 + s.file.size() + s.values.size() * 12);
  out += "{\"id\":";
  AppendJsonString(out, s.id);
  if (!s.file.empty()) {
    AppendKey(out, "file");
    AppendJsonString(out, s.file);
  }
  if (!s.blob.empty()) {
    AppendKey(out, "blob");
    AppendJsonString(out, s.blob);
    AppendKey(out, "size");
    out += std::to_string(s.size);
  }
  if (!s.labels.empty()) {
    AppendKey(out, "labels");
    out += '[';
    for (size_t i = 0; i < s.labels.size(); ++i) {
      if (i) out += ',';
      AppendJsonString(out, s.labels[i]);
    }
    out += ']';
  }
  if (!s.boxes.empty()) {
    AppendKey(out, "boxes");
    out += '[';
    for (size_t i = 0; i < s.boxes.size(); ++i) {
      const Box& b = s.boxes[i];
      if (i) out += ',';
      out += "{\"label\":";
      AppendJsonString(out, b.label);
      out += ",\"x\":";
      AppendNumber(out, b.x);
      out += ",\"y\":";
      AppendNumber(out, b.y);
      out += ",\"w\":";
      AppendNumber(out, b.w);
      out += ",\"h\":";
      AppendNumber(out, b.h);
      out += '}';
    }
    out += ']';
  }
  if (!s.values.empty()) {
    AppendKey(out, "values");
    out += '[';
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (i) out += ',';
      if (s.values[i]) {
        AppendJsonString(out, *s.values[i]);
      } else {
        out += "null";
      }
    }
    out += ']';
  }
  if (s.meta.is_object() && !s.meta.empty()) {
    AppendKey(out, "meta");
    out += DumpJson(s.meta);  // nlohmann objects keep keys sorted: canonical
  }
  out += '}';
  return out;
}

// Manifest lines are read for every sample a job trains, evaluates or predicts on: simdjson
// reads them into the Sample directly, without a document of nlohmann nodes in between.
Result<Sample> SampleFromLine(std::string_view line) {
  namespace dom = simdjson::dom;
  thread_local dom::parser parser;
  dom::object object;
  if (parser.parse(line.data(), line.size()).get_object().get(object) != simdjson::SUCCESS) {
    Result<Json> j = ParseJson(line);  // its message says where the text stops being JSON
    if (!j.ok()) return j.status();
    return InvalidArgument("a manifest line is not a JSON object");
  }
  Sample s;
  auto malformed = [](std::string_view what) {
    return InvalidArgument("malformed manifest line: " + std::string(what));
  };
  auto text = [&](dom::element e, std::string_view key, std::string& out) -> Status {
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) {
      return InvalidArgument("sample field '" + std::string(key) + "' is not a string");
    }
    out.assign(v);
    return OkStatus();
  };
  for (auto [key, value] : object) {
    if (key == "id" || key == "file" || key == "blob") {
      EASEL_RETURN_IF_ERROR(text(value, key, key == "id" ? s.id : key == "file" ? s.file : s.blob));
    } else if (key == "size") {
      if (value.get_uint64().get(s.size) != simdjson::SUCCESS) {
        return malformed("'size' is not a byte count");
      }
    } else if (key == "labels") {
      dom::array labels;
      if (value.get_array().get(labels) != simdjson::SUCCESS) return malformed("'labels'");
      for (dom::element l : labels) {
        EASEL_RETURN_IF_ERROR(text(l, "labels", s.labels.emplace_back()));
      }
    } else if (key == "boxes") {
      dom::array boxes;
      if (value.get_array().get(boxes) != simdjson::SUCCESS) return malformed("'boxes'");
      for (dom::element b : boxes) {
        Box& box = s.boxes.emplace_back();
        std::string_view label;
        if (b["label"].get_string().get(label) != simdjson::SUCCESS ||
            b["x"].get_double().get(box.x) != simdjson::SUCCESS ||
            b["y"].get_double().get(box.y) != simdjson::SUCCESS ||
            b["w"].get_double().get(box.w) != simdjson::SUCCESS ||
            b["h"].get_double().get(box.h) != simdjson::SUCCESS) {
          return malformed("a box needs a label and numbers x, y, w, h");
        }
        box.label.assign(label);
      }
    } else if (key == "values") {
      dom::array values;
      if (value.get_array().get(values) != simdjson::SUCCESS) return malformed("'values'");
      s.values.reserve(values.size());
      for (dom::element v : values) {
        if (v.is_null()) {
          s.values.emplace_back(std::nullopt);
          continue;
        }
        std::string_view cell;
        if (v.get_string().get(cell) != simdjson::SUCCESS) {
          return malformed("a value is neither a string nor null");
        }
        s.values.emplace_back(std::string(cell));
      }
    } else if (key == "meta") {
      EASEL_ASSIGN_OR_RETURN(s.meta, ParseJson(simdjson::minify(value)));
    }
  }
  return s;
}

Json SampleToJson(const Sample& s, const std::vector<std::string>& columns) {
  Json j = {{"id", s.id}, {"labels", s.labels}};
  if (!s.file.empty()) j["file"] = s.file;
  if (!s.blob.empty()) {
    j["size"] = s.size;
    j["digest"] = s.blob;
  }
  if (!s.boxes.empty()) {
    Json boxes = Json::array();
    for (const Box& b : s.boxes) {
      boxes.push_back({{"label", b.label}, {"x", b.x}, {"y", b.y}, {"w", b.w}, {"h", b.h}});
    }
    j["boxes"] = std::move(boxes);
  }
  if (!s.values.empty()) {
    Json values = Json::object();
    for (size_t i = 0; i < s.values.size(); ++i) {
      const std::string name = i < columns.size() ? columns[i] : "column_" + std::to_string(i);
      values[name] = s.values[i] ? Json(*s.values[i]) : Json(nullptr);
    }
    j["values"] = std::move(values);
  }
  if (s.meta.is_object() && !s.meta.empty()) j["meta"] = s.meta;
  return j;
}

std::string SampleIds::Assign(const Sample& s) {
  Sha256 h;
  if (!s.blob.empty()) {
    h.Update(s.file);
    h.Update(std::string_view("\0", 1));
    h.Update(s.blob);
    return h.HexDigest().substr(0, 16);  // file paths are unique within a version
  }
  for (const auto& v : s.values) {
    // A length prefix keeps ["ab","c"] and ["a","bc"] apart; a missing cell is its own token.
    if (v) {
      h.Update(std::to_string(v->size()));
      h.Update(std::string_view(":", 1));
      h.Update(*v);
    } else {
      h.Update(std::string_view("-", 1));
    }
  }
  std::string id = h.HexDigest().substr(0, 16);
  if (InsertPrefix(PrefixOf(id))) return id;
  // A repeated row (or, with odds of 2^-64 per pair, a prefix collision): number the copies.
  for (auto& [dup, copies] : duplicates_) {
    if (dup == id) return id + "-" + std::to_string(++copies);
  }
  duplicates_.emplace_back(id, 2);
  return id + "-2";
}

bool SampleIds::InsertPrefix(uint64_t prefix) {
  if ((used_ + 1) * 2 > table_.size()) {
    std::vector<uint64_t> old = std::move(table_);
    table_.assign(std::max<size_t>(1024, old.size() * 2), 0);
    used_ = 0;
    for (uint64_t v : old) {
      if (v != 0) InsertPrefix(v);
    }
  }
  if (prefix == 0) prefix = 1;  // 0 marks an empty slot
  const size_t mask = table_.size() - 1;
  for (size_t i = prefix & mask;; i = (i + 1) & mask) {
    if (table_[i] == 0) {
      table_[i] = prefix;
      ++used_;
      return true;
    }
    if (table_[i] == prefix) return false;
  }
}

}  // namespace easel::data
