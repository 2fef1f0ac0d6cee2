#pragma once
// Summing the results of a test's shards (`barrage run --shard I/N`) into the
// result one process would have produced: counts add, histograms add (so every
// percentile comes from the summed histogram), intervals align by wall clock,
// phases and scenarios by name. Pure arithmetic: `barrage merge` reads the
// files and checks that they belong together; this only adds.

#include <cstdint>
#include <span>

#include "barrage/base/result.h"
#include "barrage/stats/run_result.h"

namespace barrage::stats {

// When a part's schedule started (ns since the epoch): its shard's
// started_unix_ns, else its measured start.
int64_t started_unix_ns(const RunResult& part);

// The sum of `parts` (at least one), in the order given (the first part's
// request and phase order is the sum's). `interval_ns` is the runs' interval.
// Field by field:
//  - totals, scenarios (by name), phases (by name): added;
//  - intervals: row i of a part that started k rows after the earliest part is
//    added into row i + k (k = its start offset rounded to whole rows: with
//    --start-at shards start milliseconds apart, so k is 0 and rows add index
//    by index); each row's percentiles come from the sum of the rows'
//    histograms (latency_us_hlog), its generator CPU is the busiest part's;
//  - duration_s: from the earliest start to the latest end of sending (the
//    measured wall time of the whole); drain_s: the longest;
//  - asked_rate_rps: the sum (each shard's schedule holds its slice of the
//    arrivals); none unless every part has one;
//  - connections, threads, worker CPUs and CPUs: summed or concatenated (the
//    most connections open at once is bounded by the sum of each shard's most);
//  - warnings, stop reasons: every part's, prefixed "shard I/N: " for shards,
//    once each; error_details: the first detail of each kind.
// merged_from, shards_missing and shard are left to the caller.
// Errors: parts with different request names, task names, check counts or
// interval rows that cannot be summed (a row without its histogram).
base::Result<RunResult> sum_run_results(std::span<const RunResult> parts, int64_t interval_ns);

}  // namespace barrage::stats
