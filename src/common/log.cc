#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace easel {

void InitLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("easel");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  auto lvl = spdlog::level::from_str(level);
  spdlog::set_level(lvl == spdlog::level::off && level != "off" ? spdlog::level::info : lvl);
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace easel
