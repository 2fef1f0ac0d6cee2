#pragma once
// `--history FILE`: one JSON line per run (JSON Lines), appended, so a
// directory of CI runs becomes a table; `barrage trend FILE` prints it.
//
// Line fields: time (UTC, ISO 8601), label, target, mode, duration_s, requests
// (completed), rps, error_rate and failure_rate (fractions), p50_us p90_us p95_us p99_us p999_us
// max_us,
// thresholds ("pass", "fail" or null when none were given), and with a watched
// process or cgroup rss_mb_per_min fds_per_min threads_per_min (each the
// largest over the targets, as the growth thresholds take it),
// leak_suspected (any target), then rss_max_mb, rss_initial_mb and target_cpu
// (a share of one core; each the largest of any target's over the measured
// period, as the rss_max, rss_initial and target_cpu thresholds take it); null
// without one.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/gate/evaluation.h"
#include "barrage/plan/plan.h"
#include "barrage/stats/run_result.h"
#include "barrage/watch/watcher.h"

namespace barrage::report {

struct HistoryEntry {
    std::string time;    // "2026-12-02T15:31:45Z"
    std::string label;   // --label, may be empty
    std::string target;  // URL
    std::string mode;    // "open_loop" / "closed_loop"
    double duration_s = 0;
    int64_t requests = 0;
    double rps = 0;
    double error_rate = 0;
    double failure_rate = 0;  // error_rate in lines written before it existed
    int64_t p50_us = 0;
    int64_t p90_us = 0;
    int64_t p95_us = 0;  // 0 in lines written before it existed
    int64_t p99_us = 0;
    int64_t p999_us = 0;
    int64_t max_us = 0;
    std::optional<bool> thresholds_passed;  // nullopt: no thresholds
    // Growth of the watched targets, per minute: nullopt when no process or
    // cgroup was watched, or when no target has the value.
    std::optional<double> rss_mb_per_min;
    std::optional<double> fds_per_min;
    std::optional<double> threads_per_min;
    std::optional<bool> leak_suspected;  // nullopt: no process or cgroup watched
    // watch/resource_figures.h: nullopt without a watched target (and in older lines).
    std::optional<double> rss_max_mb;
    std::optional<double> rss_initial_mb;
    std::optional<double> target_cpu;  // 1 = one core busy

    bool watched() const { return leak_suspected.has_value(); }
};

// `unix_ms` is when the run ended (report reads no clock; the caller passes it).
// `watch`: what --watch-* saw, or nullptr.
HistoryEntry make_history_entry(const plan::RunPlan& plan, const stats::RunResult& result,
                                std::span<const gate::ThresholdOutcome> thresholds, int64_t unix_ms,
                                const watch::WatchResult* watch = nullptr);

// One line of compact JSON, ending with '\n'.
std::string format_history_line(const HistoryEntry& entry);

// Appends `line` with one write(2) on an O_APPEND descriptor, so concurrent
// runs appending to one file never interleave within a line. Creates the file.
base::Status append_history_line(const std::string& path, std::string_view line);

// Parses a history file's text; blank lines are skipped. Errors name the line:
// "history.jsonl:3: not valid JSON (...)".
base::Result<std::vector<HistoryEntry>> read_history(std::string_view text,
                                                     std::string_view source);
base::Result<std::vector<HistoryEntry>> read_history_file(const std::string& path);

// The trend table as cells: a header row (time, label, rps, errors, p50, p99,
// max, gates), then one row per run, oldest first, with the rps and p99 change
// from the previous run ("1200.0 (+5%)"). When any run watched a target, six
// more columns: rss/min ("+12.5MB"), fds/min, threads/min, leak ("LEAK" or
// "no"), rss max ("260.0MB (+30%)") and cpu ("80% (+60%)", of one core) with
// the change from the previous run; "-" in the runs without the value. format_trend and the HTML
// trend section both show it.
std::vector<std::vector<std::string>> trend_table(std::span<const HistoryEntry> entries);

// The trend table as text, with a "N runs" line. Ends with a newline.
std::string format_trend(std::span<const HistoryEntry> entries);

}  // namespace barrage::report
