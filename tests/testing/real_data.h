#pragma once
// Real data Debian ships, shaped the way the integration tests upload it.

#include <filesystem>
#include <string>

namespace easel::testing {

// Where python3-sklearn keeps its datasets (DESIGN.md §6).
inline const std::filesystem::path kSklearnData =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data";

// sklearn's CSVs start with "n_samples,n_features,class names..."; this writes a normal CSV
// with a header (f0, f1, ...) and the class name in a `label` column.
std::string SklearnCsv(const std::string& file);

}  // namespace easel::testing
