#include "testing/random_edits.h"

#include <algorithm>

namespace easel::testing {

std::string RandomEdits(std::string text, std::mt19937& rng, const EditOptions& options) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  for (size_t edits = 1 + pick(3); edits > 0 && !text.empty(); --edits) {
    const size_t at = pick(std::min(options.window, text.size()));
    switch (pick(5)) {
      case 0:
        text[at] = static_cast<char>(text[at] ^ (1 << pick(8)));
        break;
      case 1:
        if (!options.pieces.empty()) text.insert(at, options.pieces[pick(options.pieces.size())]);
        break;
      case 2:
        text.erase(at, 1 + pick(8));
        break;
      case 3:
        text.insert(at, text.substr(at, 1 + pick(16)));
        break;
      default:
        text.resize(at);
        break;
    }
  }
  return text;
}

}  // namespace easel::testing
