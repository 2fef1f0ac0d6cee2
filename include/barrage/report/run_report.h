#pragma once
// Turning a RunResult into what people and scripts read: the human summary,
// the JSON object, the per-interval CSV and the progress line (the exit code is
// gate/exit_code.h).

#include <span>
#include <string>
#include <string_view>

#include "barrage/base/result.h"
#include "barrage/gate/evaluation.h"
#include "barrage/plan/plan.h"
#include "barrage/stats/run_result.h"
#include "barrage/watch/watcher.h"

namespace barrage::report {

inline constexpr const char* json_schema_version = "1";

// Human summary for stdout (see README "Output contract"), with a table of the
// thresholds when there are any, and Watch lines when `watch` is given and not empty.
// With `color`, its verdicts carry ANSI colours: FAIL, FAILED, INTERRUPTED, ABORTED and
// GAVE UP red, pass green, warnings and SATURATED yellow (base/ansi_color.h).
std::string format_summary(const plan::RunPlan& plan, const stats::RunResult& result,
                           std::span<const gate::ThresholdOutcome> thresholds = {},
                           const watch::WatchResult* watch = nullptr, bool color = false);

// The JSON document (see docs/output.md); ends with a newline. `thresholds`
// is always written (an empty array when there are none); `watch` only when
// given and not empty.
std::string format_json(const plan::RunPlan& plan, const stats::RunResult& result,
                        std::span<const gate::ThresholdOutcome> thresholds = {},
                        const watch::WatchResult* watch = nullptr);

// Header "t_s,requests,errors,rps,p50_us,p90_us,p99_us,p999_us,max_us" and one row per
// interval; with a watched process or cgroup also ",rss_mb,fds,threads" (its first target).
std::string format_csv(const stats::RunResult& result, const watch::WatchResult* watch = nullptr);
// Its parts, for writing it as the run goes: the header line (with the watch
// columns when `watched`) and one row (watch fields from `watch` when given).
std::string format_csv_header(bool watched);
std::string format_csv_row(const stats::IntervalRow& row, const watch::WatchResult* watch);

// One CSV row per request name over the measured period (--csv-requests):
// name,sent,completed,errors,checks_failed,rps,p50_us,p90_us,p99_us,p999_us,max_us
std::string format_requests_csv(const stats::RunResult& result);

// One progress line (no newline) for the interval that just ended.
// elapsed/total seconds, current req/s, errors in the interval, p99 of the interval.
std::string format_progress_line(const stats::IntervalRow& row, double elapsed_s, double total_s,
                                 bool warmup);

// "SIGINT", "SIGTERM", "SIGHUP"; "" for any other number (0: no signal).
std::string_view stop_signal_name(int signal_number);

// Why a run exits 3, as one line for stderr (printed even with -q), e.g.
// "every TLS handshake failed: certificate verify failed: self-signed certificate
// (127.0.0.1:8443)"; "" when gate::exit_code_for(result) is not 3.
std::string run_failure_reason(const stats::RunResult& result);

// Writes `content` to `path` through a temporary file and rename, so a crash
// never leaves half a file. "-" writes to stdout.
base::Status write_file_atomically(const std::string& path, const std::string& content);

// Checks before the run that `path` can be written (its directory exists and
// is writable; an existing `path` is a writable regular file). "" and "-" are
// always fine. Errors read "cannot write '<path>': <reason>".
base::Status check_writable(const std::string& path);
// Same, naming what the file is for: "cannot write --json file '<path>': <reason>"
// with what = "--json file".
base::Status check_writable(const std::string& path, std::string_view what);

}  // namespace barrage::report
