#pragma once
// What compare.cc (reading, tolerances), compare_verdict.cc (judging one
// metric) and compare_output.cc (table, JSON) share. Private to src/report.

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/report/compare.h"

namespace barrage::report::detail {

// The percentile of a metric ("p999" -> 99.9, "p75" -> 75, "p99.5" -> 99.5: any in (0, 100));
// none for max, mean, rps, error_rate and the rest.
std::optional<double> percentile_of(std::string_view metric);

// Latency metrics are in microseconds: the percentiles, max and mean.
inline bool is_latency_metric(std::string_view name) {
    return percentile_of(name).has_value() || name == "max" || name == "mean";
}

// ---- the watched target's metrics (compare_watch.cc), whole run only ----

// rss_max and rss_initial (MB), rss_growth (MB/min, the fastest-growing target's), target_cpu
// (a share of one core): the figures of watch/resource_figures.h over the measured period.
inline constexpr std::array<std::string_view, 4> watched_metric_names{"rss_max", "rss_initial",
                                                                      "rss_growth", "target_cpu"};
bool is_watched_metric(std::string_view name);
// Those the document has (none without --watch-pid / --watch-cgroup).
std::vector<ResultMetric> watched_metrics_of(const ResultDocument& document);
// Defaults: rss_max, rss_initial +20% or +10MB; rss_growth +50% or +1MB/min; target_cpu +20%
// or +10pt (a tenth of a core), whichever allows more.
Tolerance watched_default_tolerance(std::string_view name);
// An absolute limit of a watched metric in its unit ("16MB", "2MB/min", "10pt"); none when
// `unit` is not one it takes.
std::optional<double> watched_absolute_limit(std::string_view name, double number,
                                             std::string_view unit);
// The units watched_absolute_limit takes, for an error: ", or a size (16MB)".
std::string_view watched_limit_forms(std::string_view name);
// "123.4MB", "1.25MB/min", "45.0%".
std::string format_watched_amount(std::string_view name, double value);

// ---- tolerances (compare_tolerance.cc) ----

// The tolerances of one scope: the defaults (only the metrics of --metrics, when given: max
// judged too where it names it), then the unscoped overrides, then those for `request` (so
// "login:p99=5%" wins over "p99=20%" whatever the order).
std::vector<Tolerance> tolerances_for(std::span<const Tolerance> overrides,
                                      std::string_view request,
                                      std::span<const std::string> metrics);
// --metrics names only metrics compare knows (a typo would judge nothing and pass). Error:
// "--metrics: unknown metric 'p98'; the metrics are: p50, ...".
base::Status check_metric_names(std::span<const std::string> metrics);

// One run as the judge sees it: its metrics and its latency sample.
struct JudgedRun {
    std::span<const ResultMetric> metrics;
    const LatencySample* latency = nullptr;
};

// The change of one metric from the baselines (one or more) to the current run,
// judged as compare.h describes.
// A metric either side lacks (an older result without p95 or a histogram, a run without a
// watched target) gets Judgement::not_available and is never a regression.
MetricChange judge_change(const Tolerance& tolerance, std::span<const JudgedRun> baselines,
                          const JudgedRun& current, double min_delta_us);

}  // namespace barrage::report::detail
