#pragma once
// What live metrics show at one moment of a run (--metrics-listen): plain
// values the coordinator's data were reduced to once per interval, so
// rendering them and serving a scrape need nothing from the run.

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/snapshot.h"

namespace barrage::live {

// The histograms' fixed upper bounds in seconds: 1-2-5 steps from 100 us to
// 100 s (Prometheus' `le`), then +Inf. Fixed so series from every run and
// shard add up.
inline constexpr std::array<double, 19> latency_bounds_s{
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
    0.2,    0.5,    1,      2,     5,     10,    20,   50,   100};

// A histogram reduced to the fixed bounds, cumulative like Prometheus' buckets.
struct Buckets {
    std::array<int64_t, latency_bounds_s.size()> at_or_below{};  // le = latency_bounds_s[i]
    int64_t count = 0;                                           // le = +Inf
    double sum_s = 0;                                            // of the finite values
};

// `histogram_us` (microseconds) in the fixed bounds, plus `infinite` values
// counted only in +Inf (the judged latency's unanswered requests). A value
// counts below a bound when the lowest value of its HdrHistogram bucket is
// (within the histogram's 0.1 % resolution); the sum is count times mean.
Buckets buckets_of(const stats::Histogram& histogram_us, int64_t infinite = 0);

// The summaries' quantiles, of the last interval only.
inline constexpr std::array<double, 4> summary_quantiles{0.5, 0.9, 0.95, 0.99};

// Seconds per quantile: NaN when nothing was observed, +Inf when the rank
// falls on an unanswered request (judged latency).
using Quantiles = std::array<double, summary_quantiles.size()>;

inline constexpr Quantiles no_quantiles{
    std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(),
    std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};

// The answered latency's quantiles of `histogram_us`.
Quantiles quantiles_of(const stats::Histogram& histogram_us);
// The judged latency's: `unanswered` requests are infinitely slow (judged_latency.h).
Quantiles judged_quantiles_of(const stats::Histogram& histogram_us, int64_t unanswered);

// One request name's counts, cumulative over the measured period.
struct NameCounts {
    std::string name;
    int64_t sent = 0;
    int64_t answered = 0;  // a response arrived (any status)
    int64_t failed = 0;    // no response
};

struct MetricsFrame {
    // Constant labels: the run's id, its shard (only shown when shard_count > 1).
    std::string run_id;
    int shard_index = 1;
    int shard_count = 1;
    bool warmup = false;  // the run is in its warm-up (counters still zero)
    bool ended = false;   // the run is over: every value is final
    double elapsed_s = 0;
    // Cumulative over the measured period (warm-up excluded), as the JSON totals.
    stats::Counters counters;
    std::vector<NameCounts> by_name;  // in the run's request order
    Buckets latency;                  // answered only
    Buckets judged_latency;           // unanswered as +Inf
    Buckets schedule_lag;             // open loop: actual send - intended send
    // The last interval's (NaN before the first).
    Quantiles interval_latency = no_quantiles;
    Quantiles interval_judged_latency = no_quantiles;
    std::optional<double> target_rate_rps;  // nullopt: closed loop
    double achieved_rate_rps = 0;           // sent per second
    double answered_rate_rps = 0;
    double generator_cpu_max = 0;  // the busiest worker's CPU share
    stats::Gauges gauges;          // latest levels, summed over workers
    bool closed_loop = false;      // users exist (one per connection slot)
};

}  // namespace barrage::live
