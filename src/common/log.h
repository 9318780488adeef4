#pragma once
// Logging through spdlog. One process-wide logger writing to stderr; `easel worker` processes
// log into their job's log file through the same calls.

#include <spdlog/spdlog.h>

namespace easel {

// Sets the level from "trace|debug|info|warn|error" (unknown → info) and a compact pattern.
void InitLogging(const std::string& level);

}  // namespace easel

#define EASEL_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define EASEL_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define EASEL_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
#define EASEL_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
