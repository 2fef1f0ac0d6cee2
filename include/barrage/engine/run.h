#pragma once
// Runs a load test: spawns one pinned worker per planned CPU, merges their
// per-interval snapshots, stops on duration or SIGINT/SIGTERM, drains
// in-flight requests up to the timeout, and returns the merged result.

#include <functional>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/stats/run_result.h"

namespace barrage::engine {

// Called on the coordinator thread after each interval (warm-up included,
// flagged) with the merged interval row.
using IntervalCallback = std::function<void(const stats::IntervalRow& row, double elapsed_s,
                                            double total_s, bool warmup)>;

// Called on the coordinator thread after each measured interval (warm-up
// excluded) with its row and merged latency histogram, e.g. for --hlog. The
// histogram is only valid during the call.
using IntervalHistogramCallback =
    std::function<void(const stats::IntervalRow& row, const stats::Histogram& latency_us)>;

// Errors are set-up failures before any traffic (ring creation, request
// serialization). Everything that goes wrong during the run is counted in
// the result instead.
base::Result<stats::RunResult> run_load(
    const plan::RunPlan& plan, const IntervalCallback& on_interval,
    const IntervalHistogramCallback& on_interval_histogram = {});

}  // namespace barrage::engine
