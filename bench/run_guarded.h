#pragma once
// How a benchmark's main ends when its run cannot finish: with the reason on stderr and exit
// status 1, never with an uncaught exception's abort (which would lose the output so far).

#include <cstdio>
#include <exception>
#include <functional>

namespace easel::bench {

// Returns `body`'s exit status; an exception ends the run with status 1 and its message on
// stderr after `name` ("easel_serving_bench: ...").
inline int RunGuarded(const char* name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace easel::bench
