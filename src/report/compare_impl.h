#pragma once
// What compare.cc (reading, tolerances) and compare_output.cc (table, JSON)
// both need to know about a compared metric. Private to src/report.

#include <string_view>

namespace barrage::report::detail {

// Latency metrics are in microseconds; the others are rps and error_rate.
inline bool is_latency_metric(std::string_view name) {
    return name != "rps" && name != "error_rate";
}

}  // namespace barrage::report::detail
