#pragma once
// Calendar fields of a timestamp (proleptic Gregorian, UTC), for the few places that reason in
// months rather than microseconds (time series frequencies). Implemented in timestamps.cc.

#include <cstdint>

namespace easel::data {

struct CivilTime {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int64_t micros_of_day = 0;
};

// `micros` since the Unix epoch (as ParseTimestamp returns) in calendar fields.
CivilTime ToCivilTime(int64_t micros);
int DaysInMonth(int64_t year, int month);

}  // namespace easel::data
