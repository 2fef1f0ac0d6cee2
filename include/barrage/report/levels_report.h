#pragma once
// The outputs of `barrage run URL --levels c=1,10,25,50` (or r=100,200): one row
// per level, each a run of its own: the table (level, req/s, p50, p95, p99,
// errors) and the JSON document with every level (docs/output.md "Levels").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "barrage/stats/histogram.h"
#include "barrage/stats/run_result.h"

namespace barrage::report {

// One level's run, reduced to what the table and the JSON show.
struct LevelRow {
    double level = 0;  // connections (c=) or asked req/s (r=)
    double duration_s = 0;
    int64_t sent = 0;
    int64_t completed = 0;
    int64_t errors = 0;            // no answer (timeouts, resets, ...)
    int64_t unfinished = 0;        // sent = completed + errors + unfinished
    int64_t unsent = 0;            // scheduled = sent + unsent (open loop)
    int64_t responses_failed = 0;  // answered with status >= 400 or a failed check
    double rps = 0;                // completed per second of the measured time
    stats::Histogram latency_us = stats::Histogram::for_latency_us();  // answered requests
    bool interrupted = false;  // a signal stopped this level (and the sweep)
};

// The row of one level's run.
LevelRow level_row(double level, const stats::RunResult& result);

// The table: a header naming the dimension ("connections" or "rate"), then one
// line per level: level, req/s, p50, p95, p99, errors (and failed responses).
std::string format_levels_table(std::span<const LevelRow> rows, bool connections);

// {"levels": {"dimension": ..., "target": ..., "rows": [...]}} with every level's
// counts, rps and latency percentiles (us) and its whole latency histogram summary.
std::string format_levels_json(std::span<const LevelRow> rows, bool connections,
                               std::string_view target);

}  // namespace barrage::report
