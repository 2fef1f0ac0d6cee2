#pragma once
// Helpers shared by the report's JSON/CSV (run_report.cc) and human text
// (summary.cc). Private to src/report.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "barrage/plan/plan.h"
#include "barrage/report/json_writer.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/run_result.h"
#include "barrage/watch/watcher.h"

namespace barrage::report::detail {

// The percentiles every report shows, with their JSON key and summary label.
struct PercentileColumn {
    const char* json_key;
    const char* label;
    double percentile;
    // The summary's time table keeps its eight columns (p95 is in the files, where readers
    // pick what they plot; the table stays narrow enough for a terminal).
    bool in_summary = true;
};
inline constexpr std::array<PercentileColumn, 6> percentile_columns{{
    {"p50", "p50", 50.0},
    {"p90", "p90", 90.0},
    {"p95", "p95", 95.0, false},
    {"p99", "p99", 99.0},
    {"p999", "p99.9", 99.9},
    {"p9999", "p99.99", 99.99},
}};

// "http://host:port/path?query", as the user would type it; basic auth shows
// as "user:***@", never with its password.
inline std::string target_url(const plan::Target& target) {
    const std::string userinfo = target.credentials ? target.credentials->user + ":***@" : "";
    return target.scheme + "://" + userinfo + target.host_header + target.path;
}

// count per second; 0 for an empty period instead of a division by zero.
inline double per_second(int64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

inline double ns_to_s(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// A CSV field: quoted (with "" for ") when it holds a comma, quote or line break.
inline std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
        return std::string(text);
    }
    std::string quoted = "\"";
    for (char c : text) {
        quoted += c;
        if (c == '"') {
            quoted += '"';
        }
    }
    return quoted + "\"";
}

// A latency cell of a text table: `histogram`'s value at `percentile` written by
// `format_time_us`, or "-" when the histogram holds no values (a name or phase
// that completed nothing has no latency, not a latency of 0).
inline std::string latency_cell(const stats::Histogram& histogram, double percentile,
                                std::string (*format_time_us)(double)) {
    if (histogram.total_count() == 0) {
        return "-";
    }
    return format_time_us(static_cast<double>(histogram.value_at_percentile(percentile)));
}

// {"min", "mean", "stdev", "p50" ... "p9999", "max", "count", "clamped"} under `name`.
void write_histogram(JsonWriter& json, std::string_view name, const stats::Histogram& histogram);
// The same and "histogram": every count, V2 compressed and base64 (see stats/hlog.h).
void write_histogram_with_counts(JsonWriter& json, std::string_view name,
                                 const stats::Histogram& histogram);

// by_name.cc: results per request name.
void write_requests_by_name(JsonWriter& json, const stats::RunResult& result);
// A table, only when there is more than the one request of a URL run (or checks).
void append_requests_by_name(std::string& out, const stats::RunResult& result,
                             std::string (*format_time_us)(double));
// by_name.cc: results per task group (transaction), when the profile has [[tasks]].
void write_transactions_by_name(JsonWriter& json, const stats::RunResult& result);
// The same of `totals` (a scenario's) for the transactions at `rows` (the tasks it runs).
void write_transactions_by_name(JsonWriter& json, const stats::RunResult& result,
                                const stats::Snapshot& totals, std::span<const std::size_t> rows);
void append_transactions_by_name(std::string& out, const stats::RunResult& result,
                                 std::string (*format_time_us)(double));

// by_phase.cc: results per measured phase.
void write_phases(JsonWriter& json, const stats::RunResult& result);
// A table, only when there is more than one measured phase.
void append_phases(std::string& out, const stats::RunResult& result,
                   std::string (*format_time_us)(double));

// by_scenario.cc: results per [[scenario]] ("scenarios" only when the profile has them).
void write_scenarios(JsonWriter& json, const plan::RunPlan& plan, const stats::RunResult& result);
// A table, only when the profile has [[scenario]] tables.
void append_scenarios(std::string& out, const stats::RunResult& result,
                      std::string (*format_time_us)(double));

// by_shard.cc: the shards a merged result was summed from (`barrage merge`);
// nothing for a run of its own.
void write_shards(JsonWriter& json, const stats::RunResult& result);
// The latest shard's start minus the earliest's, in ms; 0 without shards.
double start_skew_ms(const stats::RunResult& result);
// The summary's "Shards" lines: how many merged, the skew, missing and saturated ones.
std::vector<std::string> shard_lines(const stats::RunResult& result);

// watch_report.cc: the watched target (--watch-pid, --watch-cgroup, --watch-url).
void write_watch(JsonWriter& json, const watch::WatchResult& watch);
// "Watch" lines of the summary: one per target, then the scrape counts.
void append_watch(std::string& out, const watch::WatchResult& watch, int label_width);
// ",rss_mb,fds,threads" when a process or cgroup is watched, "" otherwise.
std::string watch_csv_header(const watch::WatchResult& watch);
// The matching fields of one interval row (leading comma), "" when nothing is watched.
std::string watch_csv_fields(const watch::WatchResult& watch, const stats::IntervalRow& row);

}  // namespace barrage::report::detail
