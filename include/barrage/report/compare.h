#pragma once
// `barrage compare BASELINE.json... [--current] CURRENT.json`: reads results of
// `barrage run --json` (through result_reader), lines up the key metrics, and flags the
// ones that got worse by more than the noise can explain.
//
// Metrics: latency p50 p90 p95 p99 p999 p9999 max mean (microseconds; higher is
// worse), rps (throughput_rps; lower is worse), error_rate (requests.errors /
// (completed + errors), a fraction; higher is worse), failure_rate ((errors +
// responses_failed) / (completed + errors); likewise), and with a watched target (--watch-pid,
// --watch-cgroup) rss_max, rss_initial (MB), rss_growth (MB/min) and target_cpu (a share of one
// core; all higher is worse; whole run only). A metric a result lacks (p95 in an older result
// without a histogram, the watched ones in a run without a watched target) is shown "n/a" and
// not judged; a default metric neither has is left out. Any other percentile ("p75") that
// --metrics or --max-regression names is compared from the histograms. The whole run first, then,
// when a result has more than one request name, the same metrics for each name
// present in both results.
//
// A latency metric is a regression only when (a) the change exceeds its tolerance,
// (b) it exceeds the absolute floor (min_delta_us), and (c) the noise cannot explain it:
// with one baseline, the 99 % confidence intervals of the two runs do not overlap
// (order statistics on the embedded histograms, see compare_statistics.h; mean:
// stdev / sqrt(count)); with several, the current lies outside the 99 % prediction
// interval of the baselines' run-to-run spread. A percentile whose tail holds too
// few samples is "not enough samples", not a verdict; max (one sample) is judged
// only when --max-regression names it. Results without histograms (older files)
// are judged by tolerance and floor only, and the report says so.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/report/compare_statistics.h"
#include "barrage/report/result_reader.h"
#include "barrage/stats/histogram.h"

namespace barrage::report {

struct ResultMetric {
    std::string name;  // "p99", "rps", "error_rate"
    double value = 0;  // microseconds, requests/s, or a fraction
};

// What the confidence intervals need of one latency histogram.
struct LatencySample {
    // latency.histogram decoded; none in results written before it was added.
    std::optional<stats::Histogram> histogram;
    // requests.unanswered (0 when absent): ranked above every answered request.
    int64_t unanswered = 0;
    double mean_us = 0;  // for the mean's interval (older results have these too)
    double stdev_us = 0;
    int64_t count = 0;
};

// The compared metrics of one request name of a profile run (`requests_by_name`):
// its latency, rps = completed / duration_s, error_rate = errors / (completed + errors).
struct NamedDigest {
    std::string name;
    std::vector<ResultMetric> metrics;  // in the order of compared_metric_names()
    LatencySample latency;              // unanswered from requests_by_name/NAME/unanswered

    std::optional<double> value(std::string_view metric) const;
};

// What makes two runs runs of the same command: compared only like with like.
struct RunIdentity {
    std::string target;       // target.url
    std::string rate;         // target_rate_rps ("closed loop" when null)
    std::string connections;  // config.connections
    std::string duration;     // config.duration_s (as asked, not as measured)
    std::string profile;      // mode and kind of run ("open_loop profile run", "... URL run")
};

// The comparable numbers of one barrage JSON result.
struct ResultDigest {
    std::string source;  // file name, for messages
    std::string url;
    std::vector<ResultMetric> metrics;  // in the order of compared_metric_names()
    LatencySample latency;
    RunIdentity identity;
    bool generator_saturated =
        false;  // a "GENERATOR SATURATED" warning: latencies include its delay
    std::vector<NamedDigest> requests_by_name;  // in document order; a URL run has "default"

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
    bool judged = true;   // false: shown, never a regression (max, unless named)
};

// Defaults: latency +10 %, rps -10 %, error_rate and failure_rate +50 % or +0.1 point; max not
// judged; rss_max, rss_initial +20 % or +10 MB; rss_growth +50 % or +1 MB/min; target_cpu +20 %
// or +10 points of a core (whichever allows more).
std::vector<Tolerance> default_tolerances();

// "p95=10%", "rps=-10%" (the sign is optional: direction comes from the metric),
// "p99=5ms" (absolute: us, ms, s), "error_rate=0.1pt" (percentage points), "rss_max=16MB"
// (KB, MB, GB), "rss_growth=2MB/min", "target_cpu=10pt" (points of one core), "p99=off" (shown,
// never judged);
// "NAME:p99=5%" limits the request NAME only (NAME is checked by compare_results).
base::Result<Tolerance> parse_tolerance(std::string_view text);

// How a change was judged.
enum class Judgement : uint8_t {
    intervals,           // one baseline, histograms: confidence intervals, tolerance, floor
    run_spread,          // several baselines: their noise band, tolerance, floor
    tolerance_only,      // no histogram (older result), or rps / error_rate: tolerance, floor
    not_enough_samples,  // a tail with too few samples beyond it: no verdict
    not_judged,          // max, unless --max-regression or --metrics names it; METRIC=off
    not_available,       // a result lacks the metric: shown n/a, never a regression
};
std::string_view judgement_name(Judgement judgement);  // "intervals", "run_spread", ...

// A 99 % interval in the metric's unit; upper may be unbounded_us.
struct Interval {
    double lower = 0;
    double upper = 0;
};

struct MetricChange {
    std::string name;
    double baseline = 0;  // several baselines: their mean; may be unbounded_us
    double current = 0;   // may be unbounded_us (a percentile among unanswered requests)
    Tolerance tolerance;
    // What the change must exceed: max(relative * |baseline|, absolute, the floor for
    // latency, the baselines' noise band).
    double allowed = 0;
    Judgement judgement = Judgement::tolerance_only;
    std::optional<Interval> baseline_interval;  // with Judgement::intervals
    std::optional<Interval> current_interval;
    double noise_band = 0;  // with Judgement::run_spread
    bool regression = false;
    bool improvement = false;   // better by more than allowed, outside the noise
    bool within_noise = false;  // changed by more than allowed, but the intervals overlap
    // Judgement::not_available: which side lacks the metric (baseline: any of the baselines);
    // the value of a side that lacks it is 0 and means nothing.
    bool baseline_absent = false;
    bool current_absent = false;
};

// The run-to-run spread of one metric over the baselines.
struct SpreadFigure {
    std::string metric;  // "p50", "p95", "p99", "rps"
    RunSpread spread;
};

// The changes of one request name present in both results.
struct NamedComparison {
    std::string name;
    std::vector<MetricChange> changes;
};

struct CompareReport {
    std::string baseline_source;  // the first baseline
    std::vector<std::string> baseline_sources;
    std::string current_source;
    double min_delta_us = 0;
    // Sentences about how the verdicts were reached ("no latency histogram in
    // old.json (an older result): latency judged by tolerance and floor only").
    std::vector<std::string> notes;
    std::vector<SpreadFigure> spread;           // several baselines: p50 p95 p99 rps
    std::vector<MetricChange> changes;          // the whole run
    std::vector<NamedComparison> by_name;       // names in both, in the baseline's order
    std::vector<std::string> only_in_baseline;  // names not compared
    std::vector<std::string> only_in_current;

    // Regressions of the whole run and of every name.
    int regression_count() const;
    bool has_regression() const;
};

// The absolute floor of a latency regression, measured on loopback with
// benchmarks/compare_noise.sh (see docs/output.md): changes smaller than this are
// within what identical runs differ by.
inline constexpr double min_delta_us_default = 1000;

// The coefficient of variation above which the baselines are called noisy.
inline constexpr double spread_cv_noisy = 0.05;

struct CompareOptions {
    // "p99=10%", "NAME:p99=5%": replace the defaults of the metrics they name:
    // unscoped ones for the whole run and every name, scoped ones (which win) for their name.
    std::vector<std::string> max_regressions;
    // --metrics: compare only these (shown and judged, max too); empty = every metric.
    std::vector<std::string> metrics;
    double min_delta_us = min_delta_us_default;  // >= 0 (asserted)
    bool allow_different_config = false;
};

// Errors (exit 2): a malformed tolerance, "--metrics: unknown metric 'p98'; ...",
// "--max-regression 'x:p99=5%': no request
// named 'x' in base.json or cur.json; the names are: login, browse", or (unless
// allow_different_config) runs of different configurations: "cur.json is not a run
// of the same configuration as base.json: rate 1000 vs 2000; ...".
base::Result<CompareReport> compare_results(std::span<const ResultDigest> baselines,
                                            const ResultDigest& current,
                                            const CompareOptions& options);
// One baseline.
base::Result<CompareReport> compare_results(const ResultDigest& baseline,
                                            const ResultDigest& current,
                                            const CompareOptions& options);

// Refuses runs of different target, rate, connections, duration or profile; the
// error lists every difference and the way out (--allow-different-config).
base::Status check_same_identity(const ResultDigest& baseline, const ResultDigest& current);

// The whole-run table, one table per name in both results, the names in one
// only, and a verdict line; ends with a newline.
std::string format_compare_report(const CompareReport& report);

// The report as JSON (see docs/output.md, `barrage compare --json`); ends with a newline.
std::string format_compare_json(const CompareReport& report);

}  // namespace barrage::report
