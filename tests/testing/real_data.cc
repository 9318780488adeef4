#include "testing/real_data.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace easel::testing {

std::string SklearnCsv(const std::string& file) {
  std::ifstream in(kSklearnData / file);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> meta;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, ',');) meta.push_back(cell);
  const int features = std::stoi(meta[1]);
  std::string out;
  for (int i = 0; i < features; ++i) {
    out += 'f';
    out += std::to_string(i);
    out += ',';
  }
  out += "label\n";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t comma = line.rfind(',');
    const int target = std::stoi(line.substr(comma + 1));
    out += line.substr(0, comma + 1) + meta[2 + target] + "\n";
  }
  return out;
}

}  // namespace easel::testing
