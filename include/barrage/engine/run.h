#pragma once
// Runs a load test: spawns one pinned worker per planned CPU, merges their
// per-interval snapshots, stops on duration, SIGINT/SIGTERM/SIGHUP or a stop check,
// drains in-flight requests up to the timeout, and returns the merged result.

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/stats/run_result.h"

namespace barrage::engine {

// Called on the coordinator thread after each interval (warm-up included,
// flagged) with the merged interval row.
using IntervalCallback = std::function<void(const stats::IntervalRow& row, double elapsed_s,
                                            double total_s, bool warmup)>;

// Called on the coordinator thread after each measured interval (warm-up
// excluded) with its row, its merged latency histogram and one latency
// histogram per request name (in the order of RunResult::requests), e.g. for
// --hlog. The histograms are only valid during the call.
using IntervalHistogramCallback =
    std::function<void(const stats::IntervalRow& row, const stats::Histogram& latency_us,
                       std::span<const stats::Histogram> latency_us_by_name)>;

// Called on the coordinator thread after each measured interval (warm-up
// excluded), before the stop check, with its row (t_s: its end, length_s), its
// merged counters and latency histogram, e.g. for windowed gates. Only valid
// during the call.
using IntervalTotalsCallback =
    std::function<void(const stats::IntervalRow& row, const stats::Counters& counters,
                       const stats::Histogram& latency_us)>;

// What live metrics read after each interval (warm-up included, flagged).
// Only valid during the call.
struct LiveInterval {
    const stats::IntervalRow& row;
    const stats::Counters& counters;     // the interval's
    const stats::Histogram& latency_us;  // the interval's answered latency
    // The measured period so far (warm-up excluded), cumulative: it may
    // already hold parts of later intervals, and after the last interval it
    // is the run's totals.
    const stats::Snapshot& totals;
    stats::Gauges gauges;  // summed over each worker's latest snapshot
    // Open loop: the schedule's arrivals in the interval per second of it;
    // nullopt when no part of the run is open loop.
    std::optional<double> target_rate_rps;
    bool warmup = false;
    double elapsed_s = 0;  // since the start, warm-up included
};
using LiveCallback = std::function<void(const LiveInterval& live)>;

// Called on the coordinator thread after each measured interval with the
// results so far: totals of the measured period, requests, and duration_s =
// measured time so far. A returned reason stops sending (as SIGINT does) and
// is kept in RunResult::stopped_by.
using StopCheck = std::function<std::optional<std::string>(const stats::RunResult& so_far)>;

// Called on the coordinator thread after each measured interval, after the
// stop check, with the results so far (e.g. for a live dashboard to copy: at
// most once per interval, never on a worker). Its duration_s is the measured
// time its totals cover, which may run up to an interval past the last row.
using ResultCallback = std::function<void(const stats::RunResult& so_far)>;

// Called on the coordinator thread once, when the schedule is released (before
// any interval), with the wall clock at the measured start (RunResult's
// measured_start_unix_ms); e.g. to open files written during the run.
using StartCallback = std::function<void(int64_t measured_start_unix_ms)>;

struct RunHooks {
    StartCallback on_start;
    IntervalCallback on_interval;
    IntervalHistogramCallback on_interval_histograms;
    IntervalTotalsCallback on_interval_totals;
    LiveCallback on_live;
    StopCheck stop_check;
    ResultCallback on_result_so_far;
};

// Errors are set-up failures before any traffic (ring creation, request
// serialization). Everything that goes wrong during the run is counted in
// the result instead.
base::Result<stats::RunResult> run_load(const plan::RunPlan& plan, const RunHooks& hooks = {});

}  // namespace barrage::engine
