#pragma once
// Reading a result back: the JSON document of `barrage run --json` (see
// docs/output.md) -> a plain struct, for `barrage report` and anything else
// that consumes results. The reader is lenient about fields added later (they
// are ignored) and about optional sections (thresholds, requests_by_name,
// latency.spectrum, per-interval status, watch), and strict about what makes a
// document a barrage result: `tool` == "barrage", a known `schema_version`,
// and the headline sections (requests, latency, intervals).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/stats/percentile_spectrum.h"
#include "barrage/watch/watcher.h"

namespace barrage::report {

// One time histogram as the JSON summarizes it (microseconds).
struct HistogramFigures {
    int64_t min_us = 0;
    double mean_us = 0;
    double stdev_us = 0;
    int64_t p50_us = 0;
    int64_t p90_us = 0;
    int64_t p95_us = 0;    // 0 in older documents
    bool has_p95 = false;  // the document has p95 (older ones lack it: not a 0 to compare)
    int64_t p99_us = 0;
    int64_t p999_us = 0;
    int64_t p9999_us = 0;
    int64_t max_us = 0;
    int64_t count = 0;
    int64_t clamped = 0;
    // "histogram": every count, V2 compressed and base64 (stats/hlog.h's
    // decode_histogram_compressed_base64 reads it); "" in older documents.
    std::string histogram_base64;
};

// Status classes in the order of the JSON: 1xx..5xx, then other.
inline constexpr int status_class_count = 6;
inline constexpr const char* status_class_names[status_class_count] = {"1xx", "2xx", "3xx",
                                                                       "4xx", "5xx", "other"};

struct IntervalFigures {
    double t_s = 0;
    int64_t requests = 0;
    int64_t errors = 0;
    double rps = 0;
    int64_t p50_us = 0;
    int64_t p90_us = 0;
    int64_t p99_us = 0;
    int64_t p999_us = 0;
    int64_t max_us = 0;
    int64_t p95_us = 0;            // 0 in older documents
    int64_t sent = 0;              // requests sent in the interval
    bool has_sent = false;         // older documents have no per-interval sent
    bool has_status = false;       // older documents have no per-interval status
    int64_t connections = 0;       // established at about the interval's end
    bool has_connections = false;  // older documents have no per-interval connections
    // Open loop: the schedule's rate over the interval; nullopt in closed loop and
    // in older documents.
    std::optional<double> target_rps;
    // errors_by_kind: the kinds that occurred ("reset" -> 3); empty without (and in older
    // documents).
    std::vector<std::pair<std::string, int64_t>> errors_by_kind;
    int64_t status[status_class_count] = {};
};

struct ThresholdFigures {
    std::string expression;
    std::string request;  // "" when the threshold is on the whole run
    std::string phase;    // a phase scope's name ("" otherwise and in older documents)
    // Judged over time: the worst window's / longest stretch's start (seconds since the
    // measured start); none otherwise and in older documents.
    std::optional<double> window_start_s;
    std::string metric;
    std::string comparison;  // "<", "<=", ...
    double limit = 0;
    std::optional<double> value;  // none when the metric had no data, or fell on `unanswered`
    bool unanswered = false;      // the latency fell on an unanswered request (unbounded)
    std::string unit;             // "us", "ratio", "rps", "factor"
    bool passed = false;
};

// A per-request-name result (`requests_by_name`); fields it lacks stay empty.
struct NamedFigures {
    std::string name;
    std::vector<std::pair<std::string, std::string>> counts;  // e.g. {"completed", "120"}
    std::optional<HistogramFigures> latency;

    // The count `key` as a number; none when the entry lacks it.
    std::optional<double> count(std::string_view key) const;
};

// One request of a profile as `config.requests` lists it (URL with its template text).
struct RequestTemplate {
    std::string name;
    std::string method;
    std::string url;
};

// A measured phase (`phases`): where it lies on the time axis.
struct PhaseSpan {
    std::string name;
    double start_s = 0;  // since the measured start
    double end_s = 0;
};

// A headline number the document lacks, or holds as something other than a number.
struct FieldProblem {
    std::string field;     // as a path: "latency/p99", "throughput_rps"
    bool present = false;  // there, but not a number
};

struct ResultDocument {
    std::string version;
    std::string schema_version;
    std::string target_url;
    std::string target_address;
    std::string mode;  // "open_loop" or "closed_loop"
    int64_t sent = 0;
    int64_t completed = 0;
    int64_t request_errors = 0;
    // requests.responses_failed (answers counted as failures); 0 in older documents.
    int64_t responses_failed = 0;
    int64_t late = 0;
    int64_t unsent = 0;
    int64_t unfinished = 0;
    // requests.unanswered.total (failed + unfinished + unsent); none in older documents.
    std::optional<int64_t> unanswered;
    double duration_s = 0;
    double drain_s = 0;
    bool interrupted = false;
    double throughput_rps = 0;
    std::optional<double> target_rate_rps;
    double achieved_send_rate_rps = 0;
    // Every time histogram present, in document order ("latency", "service_time", ...).
    std::vector<std::pair<std::string, HistogramFigures>> histograms;
    std::vector<stats::SpectrumPoint> spectrum;  // latency.spectrum; empty in older documents
    int64_t status[status_class_count] = {};
    std::vector<std::pair<std::string, int64_t>> status_codes;  // "200" -> count
    std::vector<std::pair<std::string, int64_t>> errors;        // kind -> count, "total" last
    std::vector<std::string> error_details;
    std::vector<std::string> warnings;
    // `config`, each value rendered as short text ("true", "[0, 1]", "null").
    std::vector<std::pair<std::string, std::string>> config;
    // `config.requests` (not among `config` above); empty in older documents.
    std::vector<RequestTemplate> requests;
    std::vector<PhaseSpan> phases;  // `phases`; empty without (and in older documents)
    std::vector<IntervalFigures> intervals;
    std::vector<ThresholdFigures> thresholds;
    std::vector<NamedFigures> requests_by_name;
    std::vector<NamedFigures> transactions_by_name;  // task groups ([[tasks]]); often none
    // `watch` (--watch-pid/--watch-cgroup/--watch-url); none in documents
    // without one. Read back as the run wrote it: unknown counts (JSON null)
    // are -1, null scraped values NaN, samples' wall_ms 0 (not in the JSON).
    std::optional<watch::WatchResult> watch;
    // Headline numbers that read as 0 because the document lacks them: latency
    // p50 p90 p99 p999 p9999 max mean, throughput_rps, duration_s,
    // requests/completed, requests/errors. Empty for what barrage writes; a
    // consumer that needs exact numbers (compare) refuses a document with any.
    std::vector<FieldProblem> headline_problems;

    // The latency histogram (always present in a document that was read).
    const HistogramFigures& latency() const;
};

// Parses a result document. `source` names it in errors:
// "report.json: not a barrage result: 'tool' is missing".
base::Result<ResultDocument> read_result_document(std::string_view text, std::string_view source);

// The whole file at `path` (at most 256 MiB). Errors: "cannot read 'x': <reason>".
base::Result<std::string> read_text_file(const std::string& path);

// Reads and parses the file at `path`. Errors: "cannot read 'x.json': No such file or directory",
// or the parse errors above.
base::Result<ResultDocument> read_result_document_file(const std::string& path);

}  // namespace barrage::report
