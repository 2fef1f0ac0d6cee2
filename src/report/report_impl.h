#pragma once
// Helpers shared by the report's JSON/CSV (run_report.cc) and human text
// (summary.cc). Private to src/report.

#include <array>
#include <cstdint>
#include <string>

#include "barrage/plan/plan.h"

namespace barrage::report::detail {

// The percentiles every report shows, with their JSON key and summary label.
struct PercentileColumn {
    const char* json_key;
    const char* label;
    double percentile;
};
inline constexpr std::array<PercentileColumn, 5> percentile_columns{{
    {"p50", "p50", 50.0},
    {"p90", "p90", 90.0},
    {"p99", "p99", 99.0},
    {"p999", "p99.9", 99.9},
    {"p9999", "p99.99", 99.99},
}};

// "http://host:port/path?query", as the user would type it.
inline std::string target_url(const plan::Target& target) {
    return target.scheme + "://" + target.host_header + target.path;
}

// count per second; 0 for an empty period instead of a division by zero.
inline double per_second(int64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

inline double ns_to_s(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace barrage::report::detail
