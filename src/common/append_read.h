#pragma once
// Reading a stream's next bytes into a string that grows as they arrive.

#include <algorithm>
#include <cstddef>
#include <string>

#include "common/status.h"

namespace easel {

// Appends the next `size` bytes of a stream to `out`: `read(at, n)` fills n bytes at `at`, and
// `out` grows `piece` bytes at a time as the reads come in, so its memory is backed only by
// bytes that arrived (a peer that declares a large size and sends little costs little). On a
// failed read `out` is as it was, and the read's error is returned.
template <typename Read>
Status AppendRead(std::string& out, size_t size, size_t piece, Read&& read) {
  const size_t start = out.size();
  out.reserve(start + size);
  for (size_t done = 0; done < size;) {
    const size_t n = std::min(size - done, piece);
    out.resize(start + done + n);
    if (Status st = read(out.data() + start + done, n); !st.ok()) {
      out.resize(start);
      return st;
    }
    done += n;
  }
  return OkStatus();
}

}  // namespace easel
