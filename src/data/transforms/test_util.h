#pragma once
// Helpers shared by the transforms tests.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "data/transforms/pipeline.h"

namespace easel::data::transforms::testing {

using Cells = std::vector<std::optional<std::string>>;

inline Sample Record(Cells values, std::string id = "") {
  Sample s;
  s.id = std::move(id);
  s.values = std::move(values);
  return s;
}

inline std::vector<Sample> Records(const std::vector<Cells>& rows) {
  std::vector<Sample> out;
  for (const Cells& r : rows) out.push_back(Record(r));
  return out;
}

inline Json Spec(std::string_view text) { return *ParseJson(text); }

// Creates and fits a pipeline, failing the test on error.
inline Pipeline Fitted(std::string_view spec, DatasetType type,
                       const std::vector<std::string>& columns,
                       const std::vector<Sample>& samples) {
  Result<Pipeline> p = Pipeline::Create(Spec(spec), type, columns);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) std::abort();
  Status fit = p->Fit(samples);
  EXPECT_TRUE(fit.ok()) << fit.ToString();
  return std::move(*p);
}

// A SampleStream over `samples` that counts how often Fit reads them.
inline SampleStream CountingStream(const std::vector<Sample>& samples, int* passes) {
  return [&samples, passes](const std::function<Status(const Sample&)>& visit) -> Status {
    ++*passes;
    for (const Sample& s : samples) EASEL_RETURN_IF_ERROR(visit(s));
    return OkStatus();
  };
}

// The whole batch, failing the test on error.
inline FeatureMatrix Batch(const Pipeline& p, const std::vector<Sample>& samples) {
  Result<FeatureMatrix> m = p.TransformBatch(samples);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(*m) : FeatureMatrix{};
}

}  // namespace easel::data::transforms::testing
