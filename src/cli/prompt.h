#pragma once
// Reading a password or token from the terminal (without echo) or from piped stdin.

#include <string>

#include "common/status.h"

namespace easel::cli {

// Reads one line from stdin. When stdin is a terminal, `prompt` is shown on stderr and the typed
// characters are not echoed. The trailing newline is removed. A usage error when the line is
// empty or stdin is closed.
Result<std::string> ReadSecret(const std::string& prompt);

}  // namespace easel::cli
