#pragma once
// `barrage compare BASELINE.json CURRENT.json`: reads two results of
// `barrage run --json` (through result_reader), lines up the key metrics, and flags the
// ones that got worse by more than their tolerance.
//
// Metrics: latency p50 p90 p99 p999 p9999 max mean (microseconds; higher is
// worse), rps (throughput_rps; lower is worse), error_rate (requests.errors /
// (completed + errors), a fraction; higher is worse). The whole run first, then
// the same metrics for each request name present in both results.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/report/result_reader.h"

namespace barrage::report {

struct ResultMetric {
    std::string name;  // "p99", "rps", "error_rate"
    double value = 0;  // microseconds, requests/s, or a fraction
};

// The compared metrics of one request name of a profile run (`requests_by_name`):
// its latency, rps = completed / duration_s, error_rate = errors / (completed + errors).
struct NamedDigest {
    std::string name;
    std::vector<ResultMetric> metrics;  // in the order of compared_metric_names()

    std::optional<double> value(std::string_view metric) const;
};

// The comparable numbers of one barrage JSON result.
struct ResultDigest {
    std::string source;  // file name, for messages
    std::string url;
    std::vector<ResultMetric> metrics;          // in the order of compared_metric_names()
    std::vector<NamedDigest> requests_by_name;  // in document order; empty for a URL run

    std::optional<double> value(std::string_view name) const;
};

// The metrics compare reads, in display order.
std::span<const std::string_view> compared_metric_names();

// The compared metrics of a document read by read_result_document. Errors
// (exit 2): "SOURCE: missing latency/p99 (not a complete barrage result)",
// "SOURCE: throughput_rps is not a number", "SOURCE: requests_by_name/NAME lacks
// latency (not a complete barrage result)".
base::Result<ResultDigest> digest_result(const ResultDocument& document, std::string_view source);
// Reads and digests JSON text. Errors: those of read_result_document ("SOURCE: not
// a barrage result (...)", "SOURCE: schema_version '2' is not supported; ...",
// invalid JSON) and of digest_result.
base::Result<ResultDigest> read_result_json(std::string_view json_text, std::string_view source);
// Same, reading the file at `path` ("cannot read 'x': ..." when it cannot).
base::Result<ResultDigest> read_result_file(const std::string& path);

// How much worse a metric may get: a regression is a change for the worse
// larger than max(relative * |baseline|, absolute).
struct Tolerance {
    std::string metric;
    double relative = 0;  // 0.10 = 10 %
    double absolute = 0;  // in the metric's unit (us, fraction, req/s)
    std::string request;  // "" for the whole run and every name, else one request name
};

// Defaults: latency +10 %, rps -10 %, error_rate +50 % or +0.1 point.
std::vector<Tolerance> default_tolerances();

// "p95=10%", "rps=-10%" (the sign is optional: direction comes from the metric),
// "p99=5ms" (absolute: us, ms, s), "error_rate=0.1pt" (percentage points);
// "NAME:p99=5%" limits the request NAME only (NAME is checked by compare_results).
base::Result<Tolerance> parse_tolerance(std::string_view text);

struct MetricChange {
    std::string name;
    double baseline = 0;
    double current = 0;
    Tolerance tolerance;
    double allowed = 0;  // the tolerance in the metric's unit: max(relative * |baseline|, absolute)
    bool regression = false;
    bool improvement = false;  // better by more than the tolerance
};

// The changes of one request name present in both results.
struct NamedComparison {
    std::string name;
    std::vector<MetricChange> changes;
};

struct CompareReport {
    std::string baseline_source;
    std::string current_source;
    std::vector<MetricChange> changes;          // the whole run
    std::vector<NamedComparison> by_name;       // names in both, in the baseline's order
    std::vector<std::string> only_in_baseline;  // names not compared
    std::vector<std::string> only_in_current;

    // Regressions of the whole run and of every name.
    int regression_count() const;
    bool has_regression() const;
};

// `max_regressions` ("p99=10%", "NAME:p99=5%") replace the defaults of the
// metrics they name: unscoped ones for the whole run and every name, scoped
// ones (which win) for their name. Errors (exit 2): a malformed tolerance, or
// "--max-regression 'x:p99=5%': no request named 'x' in base.json or cur.json;
// the names are: login, browse".
base::Result<CompareReport> compare_results(const ResultDigest& baseline,
                                            const ResultDigest& current,
                                            std::span<const std::string> max_regressions);

// The whole-run table, one table per name in both results, the names in one
// only, and a verdict line; ends with a newline.
std::string format_compare_report(const CompareReport& report);

// The report as JSON (see docs/output.md, `barrage compare --json`); ends with a newline.
std::string format_compare_json(const CompareReport& report);

}  // namespace barrage::report
