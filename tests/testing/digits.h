#pragma once
// Real image data for tests: the sklearn digits Debian ships, as an image_folder zip.

#include <string>

namespace easel::testing {

// The sklearn digits (8x8, values 0..16) as 16x16 PNGs in an image_folder zip: digit/NNNN.png.
// `first` rows from the start of the file.
std::string DigitsZip(int first);

}  // namespace easel::testing
