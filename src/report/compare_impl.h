#pragma once
// What compare.cc (reading, tolerances), compare_verdict.cc (judging one
// metric) and compare_output.cc (table, JSON) share. Private to src/report.

#include <span>
#include <string_view>

#include "barrage/report/compare.h"

namespace barrage::report::detail {

// Latency metrics are in microseconds; the others are rps and error_rate.
inline bool is_latency_metric(std::string_view name) {
    return name != "rps" && name != "error_rate" && name != "failure_rate";
}

// The percentile of a metric ("p999" -> 99.9); none for max, mean, rps, error_rate.
std::optional<double> percentile_of(std::string_view metric);

// One run as the judge sees it: its metrics and its latency sample.
struct JudgedRun {
    std::span<const ResultMetric> metrics;
    const LatencySample* latency = nullptr;
};

// The change of one metric from the baselines (one or more) to the current run,
// judged as compare.h describes.
MetricChange judge_change(const Tolerance& tolerance, std::span<const JudgedRun> baselines,
                          const JudgedRun& current, double min_delta_us);

}  // namespace barrage::report::detail
