#pragma once
// The merged outcome of a run: totals over the measured period plus one row
// per interval. Produced by the engine's coordinator, read by report.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/shard_info.h"
#include "barrage/stats/snapshot.h"

namespace barrage::stats {

// The counts an interval row carries: a row per interval is kept, so not the whole
// Counters (its 600 status codes would cost 5 KB a row).
struct IntervalCounts {
    int64_t requests_sent = 0;
    int64_t requests_completed = 0;
    int64_t requests_errors = 0;
    std::array<int64_t, 6> status_class{};  // as Counters::status_class
    // As Counters::errors (failed requests and connections by kind), for the
    // report's errors-over-time chart: 88 bytes a row, 4096 rows at most.
    std::array<int64_t, error_kind_count> errors{};

    static IntervalCounts of(const Counters& counters);
    void count_status(int code);  // as Counters::count_status, for the class only
    void add(const IntervalCounts& other);
};

// One CSV row: what happened in one interval (all workers merged).
struct IntervalRow {
    double t_s = 0;       // end of the interval, seconds since the measured start
    double length_s = 0;  // interval length (the last one may be shorter)
    IntervalCounts counters;
    int64_t latency_p50_us = 0;
    int64_t latency_p90_us = 0;
    int64_t latency_p99_us = 0;
    int64_t latency_p999_us = 0;
    int64_t latency_max_us = 0;
    int64_t latency_p95_us = 0;    // after the others, as the CSV column
    double generator_cpu_max = 0;  // the busiest worker's CPU time / interval length
    // Connections established at about the interval's end (each worker's latest
    // level, summed; closed loop: the users present hold one each).
    int64_t connections_open = 0;
    // Open loop: the schedule's arrivals in the interval per second (a ramp's
    // target at that point, for the report's target line); nullopt in closed loop.
    std::optional<double> target_rps;
    // The interval's latency histogram, V2 compressed and base64 (stats/hlog.h):
    // kept encoded (a few hundred bytes, not a 184 KiB Histogram per row) so a
    // result's intervals can be summed exactly (barrage merge). "" = not kept.
    std::string latency_us_hlog;
};

// A request name and the names of its checks, for reports (index = request index).
struct RequestInfo {
    std::string name;
    std::vector<std::string> check_names;
    std::vector<std::string> capture_names;
};

// A task group ([[tasks]]) for reports (index = its index in totals.by_transaction).
struct TransactionInfo {
    std::string name;
    // Its repeat steps, in words: "poll until /status == \"completed\" (10 tries)".
    std::vector<std::string> repeats;
};

// One measured phase of a profile: the intervals that start within it.
struct PhaseResult {
    std::string name;
    double start_s = 0;  // since the measured start
    double end_s = 0;
    Counters counters;
    Histogram latency_us = Histogram::for_latency_us();
};

// One [[scenario]] of a profile: everything its workers counted.
struct ScenarioResult {
    std::string name;
    std::vector<std::string> tags;
    Snapshot totals;  // measured period only, like RunResult::totals
};

// One input of `barrage merge`, as the merged result reports it (the `shards`
// section of the JSON and the summary's Shards line).
struct MergedShard {
    ShardInfo info;  // count 1 and no test_id: a whole test merged alone
    std::string path;
    bool saturated = false;  // report::judge_generator of that shard
    std::vector<std::string> saturation_evidence;
    // The shard's `watch` section (report::format_watch_json): each shard watched its
    // own machine's target, so merge keeps them apart. "" when it watched nothing.
    std::string watch_json;
};

struct RunResult {
    Snapshot totals;  // measured period only (warm-up excluded)
    // Measured period only, at most IntervalRowSeries' rows_max: a long run's rows
    // each cover several intervals (see interval_rows.h).
    std::vector<IntervalRow> intervals;
    double duration_s = 0;  // measured wall time (send phase, excl. warm-up)
    double drain_s = 0;     // time spent waiting for in-flight requests
    // Open loop: the schedule's arrivals in the measured period per second (the
    // rate of a constant run, the mean of a ramp or spike); nullopt in closed loop.
    std::optional<double> asked_rate_rps;
    int64_t measured_start_unix_ms = 0;  // wall clock at the measured start (for .hlog)
    bool interrupted = false;            // SIGINT/SIGTERM/SIGHUP stopped the run early
    int stop_signal = 0;                 // the signal that did (SIGINT, ...); 0: none
    std::string stopped_by;              // why a stop check ended it early ("" = it did not)
    // Why the run gave up on the target ("" = it did not): no connection could
    // be opened within the connect grace.
    std::string gave_up;
    int connections_target = 0;           // connections asked for
    int connections_established_max = 0;  // most connections open at once
    int threads = 0;
    std::vector<int> cpus;              // CPU of each worker (-1 = not pinned)
    std::vector<double> worker_cpu_s;   // CPU seconds of each worker in the measured period
    int64_t behind_limit_us = 0;        // lag beyond which a send counts as requests_behind
    std::vector<std::string> warnings;  // human sentences, shown in summary and JSON
    // First error detail per kind, e.g. "connect: Connection refused (127.0.0.1:1)".
    std::vector<std::string> error_details;
    std::vector<RequestInfo> requests;          // totals.by_name[i] belongs to requests[i]
    std::vector<TransactionInfo> transactions;  // totals.by_transaction[i] is transactions[i]
    std::vector<PhaseResult> phases;  // measured phases, in order (plan::measured_phase_names)
    // A profile's [[scenario]] tables, in order; totals is their sum. Empty without.
    std::vector<ScenarioResult> scenarios;
    // `--shard I/N`: which slice of the test this is; nullopt = the whole test.
    std::optional<ShardInfo> shard;
    // `barrage merge`: the results summed into this one, by shard index; empty
    // for a run. shards_missing: the indices --allow-missing let go without.
    std::vector<MergedShard> merged_from;
    std::vector<int> shards_missing;
};

}  // namespace barrage::stats
