#pragma once
// Random edits of a valid input, for tests that bad input of any shape gets a clear answer and
// never anything worse: a byte with one bit flipped, a piece spliced in, a few bytes dropped or
// repeated, or the rest cut off.

#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace easel::testing {

struct EditOptions {
  // Spliced in at random places: the characters and values that matter to the format.
  std::vector<std::string> pieces;
  // Edits fall in the first `window` bytes (where a format keeps its header, say).
  size_t window = std::numeric_limits<size_t>::max();
};

// `text` with 1 to 3 edits drawn from `rng`.
std::string RandomEdits(std::string text, std::mt19937& rng, const EditOptions& options = {});

}  // namespace easel::testing
