#pragma once
// Archives and real image data for tests: a zip of given files, and the sklearn digits Debian
// ships as an image_folder zip.

#include <string>
#include <utility>
#include <vector>

namespace easel::testing {

// A zip of (path, bytes) entries, in order.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries);

// The sklearn digits (8x8, values 0..16) as 16x16 PNGs in an image_folder zip: digit/NNNN.png.
// `first` rows from the start of the file.
std::string DigitsZip(int first);

}  // namespace easel::testing
