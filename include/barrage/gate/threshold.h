#pragma once
// Thresholds (gates): "p99 < 200ms", "error_rate < 1%", "login: p95 < 300ms".
// The language: parsed before any traffic (a typo is a usage error, exit 2);
// evaluated after the run by gate/evaluation.h, shown as a table in the summary
// and an array in the JSON; any failure makes the exit code 1 (gate/exit_code.h).
//
// Grammar:  [NAME ':'] METRIC OP LIMIT
//   METRIC  pNN | pNN.N (any percentile; p999 and p9999 also mean 99.9 and 99.99) | mean | min
//           | max, optionally prefixed by latency_ (default), service_time_, schedule_lag_ or
//           connect_time_; or error_rate | failure_rate | check_failure_rate | rps; or, with
//           --watch-pid /
//           --watch-cgroup, rss_growth | fd_growth | thread_growth (the fastest-growing target)
//           | rss_max | rss_initial | target_cpu | fds_max | threads_max (the largest of any
//           watched target's, over the measured period; see watch/resource_figures.h)
//   OP      < <= > >= ==
//   LIMIT   time metrics: a duration with a unit, as --duration reads it (200ms, 1.5s, 5m, 1h,
//           1m30s);  rates of failure: NUMBER %;  rps: NUMBER;
//           rss_growth: NUMBER KB|MB|GB / s|min|h, or relative to rss_initial NUMBER % / PERIOD;
//           fd_growth, thread_growth: NUMBER / PERIOD (PERIOD: s, min, h, d, with an optional
//           count: 24h);  rss_max, rss_initial: NUMBER KB|MB|GB;  target_cpu: NUMBER % (of one
//           core: may exceed 100%);  fds_max, threads_max: NUMBER

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::gate {

enum class Comparison : uint8_t { less, less_equal, greater, greater_equal, equal };

// "<", "<=", ">", ">=", "==".
std::string_view comparison_text(Comparison comparison);
bool compare(double value, Comparison comparison, double limit);

// Which histogram a time statistic reads.
enum class Series : uint8_t { latency, service_time, schedule_lag, connect_time };

enum class Statistic : uint8_t {
    percentile,           // of Series, microseconds
    mean,                 // of Series, microseconds
    min,                  // of Series, microseconds
    max,                  // of Series, microseconds
    error_rate,           // failed / (completed + failed), a fraction in [0, 1]
    failure_rate,         // (failed + responses failed) / (completed + failed), as k6 counts
    check_failure_rate,   // responses failing a check / completed responses, in [0, 1]
    throughput,           // completed requests per second of the measured period
    rss_growth,           // MB (2^20 bytes) per minute, fitted after warm-up (--watch-*)
    fd_growth,            // open file descriptors per minute
    thread_growth,        // threads per minute
    rss_max,              // MB: the largest RSS sampled in the measured period (--watch-*)
    rss_initial,          // MB: the first RSS sampled after warm-up
    target_cpu,           // the target's CPU seconds / wall seconds, 1 = one core busy
    rss_growth_relative,  // fitted RSS growth / rss_initial, a fraction per minute
    fds_max,              // the most open file descriptors sampled
    threads_max,          // the most threads sampled
};

struct Metric {
    Statistic statistic = Statistic::percentile;
    Series series = Series::latency;
    double percentile = 0;  // in [0, 100], for Statistic::percentile

    bool is_time() const { return statistic <= Statistic::max; }
    bool is_fraction() const {
        return statistic == Statistic::error_rate || statistic == Statistic::failure_rate ||
               statistic == Statistic::check_failure_rate;
    }
    bool is_growth() const {
        return (statistic >= Statistic::rss_growth && statistic <= Statistic::thread_growth) ||
               statistic == Statistic::rss_growth_relative;
    }
    // Read from the watched target (--watch-pid, --watch-cgroup), not from the requests.
    bool is_watched() const { return statistic >= Statistic::rss_growth; }
};

// The metric's canonical name: "p99", "p99.9", "schedule_lag_p99", "error_rate", "rps".
std::string metric_name(const Metric& metric);
// The unit of its values and limits (ThresholdSpec::limit): "us", "ratio", "rps", "MB/min",
// "/min", "MB", "ratio/min", "count".
std::string_view metric_unit(const Metric& metric);

struct ThresholdSpec {
    std::string expression;    // as written, trimmed
    std::string request_name;  // "" = the whole run
    Metric metric;
    Comparison comparison = Comparison::less;
    // In the metric's base unit: microseconds, a fraction (1% = 0.01) or requests/s.
    double limit = 0;
    // The unit the limit was written in ("ms", "%", ""), used to show the value alike.
    std::string display_unit;
    bool abort_on_fail = false;  // also stops the run early (--abort-threshold, abort = true)
};

// Parses one expression. Errors name it and say what is expected, e.g.
// "threshold 'p99 < 200': '200' needs a time unit: us, ms or s (e.g. 'p99 < 200ms')".
base::Result<ThresholdSpec> parse_threshold(std::string_view expression);
// All of them; the first error wins.
base::Result<std::vector<ThresholdSpec>> parse_thresholds(std::span<const std::string> expressions);

// Before the run: every threshold that names a request must name one the run
// will send. `request_names` is empty for a plain URL run (names arrive with profiles).
base::Status check_request_names(std::span<const ThresholdSpec> specs,
                                 std::span<const std::string> request_names);

// Before the run: growth and the other watched metrics (Metric::is_watched) need a watched
// process or cgroup (--watch-pid, --watch-cgroup) and belong to the whole run (no request name).
base::Status check_growth_sources(std::span<const ThresholdSpec> specs, bool targets_watched);

}  // namespace barrage::gate
