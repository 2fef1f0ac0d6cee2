#pragma once
// `barrage compare BASELINE.json CURRENT.json`: reads two results of
// `barrage run --json` (through result_reader), lines up the key metrics, and flags the
// ones that got worse by more than their tolerance.
//
// Metrics: latency p50 p90 p99 p999 p9999 max mean (microseconds; higher is
// worse), rps (throughput_rps; lower is worse), error_rate (requests.errors /
// (completed + errors), a fraction; higher is worse).

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

// The comparable numbers of one barrage JSON result.
struct ResultDigest {
    std::string source;  // file name, for messages
    std::string url;
    std::vector<ResultMetric> metrics;  // in the order of compared_metric_names()

    std::optional<double> value(std::string_view name) const;
};

// The metrics compare reads, in display order.
std::span<const std::string_view> compared_metric_names();

// The compared metrics of a document read by read_result_document. Errors
// (exit 2): "SOURCE: missing latency/p99 (not a complete barrage result)",
// "SOURCE: throughput_rps is not a number".
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
};

// Defaults: latency +10 %, rps -10 %, error_rate +50 % or +0.1 point.
std::vector<Tolerance> default_tolerances();

// "p95=10%", "rps=-10%" (the sign is optional: direction comes from the metric),
// "p99=5ms" (absolute: us, ms, s), "error_rate=0.1pt" (percentage points).
base::Result<Tolerance> parse_tolerance(std::string_view text);

struct MetricChange {
    std::string name;
    double baseline = 0;
    double current = 0;
    Tolerance tolerance;
    bool regression = false;
    bool improvement = false;  // better by more than the tolerance
};

struct CompareReport {
    std::string baseline_source;
    std::string current_source;
    std::vector<MetricChange> changes;

    bool has_regression() const;
};

// `max_regressions` replace the defaults of the metrics they name.
base::Result<CompareReport> compare_results(const ResultDigest& baseline,
                                            const ResultDigest& current,
                                            std::span<const std::string> max_regressions);

// The side-by-side table and a verdict line, ending with a newline.
std::string format_compare_report(const CompareReport& report);

}  // namespace barrage::report
