#pragma once
// Thresholds (gates): "p99 < 200ms", "error_rate < 1%", "login: p95 < 300ms",
// "spike: p95 < 1s", "p95[5m] < 1s", "p95 > 1s for 5m", "p95_drift < 2x", "p99 / p50 < 5".
// The language: parsed before any traffic (a typo is a usage error, exit 2);
// evaluated after the run by gate/evaluation.h (the windowed forms over time by
// gate/window_gates.h), shown as a table in the summary and an array in the JSON;
// any failure makes the exit code 1 (gate/exit_code.h).
//
// Grammar:  [SCOPE ':'] TERM OP LIMIT ['for' DURATION]
//   SCOPE   NAME (a request or a phase of the run, resolved before it; a name that is both is
//           refused) | request=NAME | phase=NAME
//   TERM    METRIC                 the scope's whole measured period
//           | METRIC '[' DURATION ']'   windowed: every window of DURATION, aligned to the
//                                   measured start, must pass (the worst is shown)
//           | METRIC '_drift' ['[' DURATION ']']   drift: the last full window's value over the
//                                   first's (window: a tenth of the measured period by default)
//           | METRIC '/' METRIC     derived: the ratio of two metrics of the same scope
//   METRIC  pNN | pNN.N (any percentile; p999 and p9999 also mean 99.9 and 99.99) | mean | min
//           | max, optionally prefixed by latency_ (default), service_time_, schedule_lag_ or
//           connect_time_; or error_rate | failure_rate | check_failure_rate | rps; or, with
//           --watch-pid /
//           --watch-cgroup, rss_growth | fd_growth | thread_growth (the fastest-growing target)
//           | rss_max | rss_initial | target_cpu | fds_max | threads_max (the largest of any
//           watched target's, over the measured period; see watch/resource_figures.h)
//   OP      < <= > >= ==
//   LIMIT   time metrics: a duration with a unit, as --duration reads it (200ms, 1.5s, 5m, 1h,
//           1m30s);  rates of failure: NUMBER %;  rps: NUMBER;
//           rss_growth: NUMBER KB|MB|GB / s|min|h, or relative to rss_initial NUMBER % / PERIOD;
//           fd_growth, thread_growth: NUMBER / PERIOD (PERIOD: s, min, h, d, with an optional
//           count: 24h);  rss_max, rss_initial: NUMBER KB|MB|GB;  target_cpu: NUMBER % (of one
//           core: may exceed 100%);  fds_max, threads_max: NUMBER;
//           drift and derived terms: NUMBER, optionally followed by x (2x)
//   'for' DURATION   sustained: the threshold states a bad condition and FAILS once it holds
//           for DURATION without a break, judged on each interval (-i) of the run
// Windowed, drift and sustained terms read the latency (pNN, mean, min, max), error_rate and rps
// of the whole run; phase scopes the latency, error_rate and rps of the phase.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::gate {

enum class Comparison : uint8_t { less, less_equal, greater, greater_equal, equal };

// "<", "<=", ">", ">=", "==".
std::string_view comparison_text(Comparison comparison);
bool compare(double value, Comparison comparison, double limit);

// Which histogram a time statistic reads.
enum class Series : uint8_t { latency, service_time, schedule_lag, connect_time };

enum class Statistic : uint8_t {
    percentile,           // of Series, microseconds
    mean,                 // of Series, microseconds
    min,                  // of Series, microseconds
    max,                  // of Series, microseconds
    error_rate,           // failed / (completed + failed), a fraction in [0, 1]
    failure_rate,         // (failed + responses failed) / (completed + failed), as k6 counts
    check_failure_rate,   // responses failing a check / completed responses, in [0, 1]
    throughput,           // completed requests per second of the measured period
    rss_growth,           // MB (2^20 bytes) per minute, fitted after warm-up (--watch-*)
    fd_growth,            // open file descriptors per minute
    thread_growth,        // threads per minute
    rss_max,              // MB: the largest RSS sampled in the measured period (--watch-*)
    rss_initial,          // MB: the first RSS sampled after warm-up
    target_cpu,           // the target's CPU seconds / wall seconds, 1 = one core busy
    rss_growth_relative,  // fitted RSS growth / rss_initial, a fraction per minute
    fds_max,              // the most open file descriptors sampled
    threads_max,          // the most threads sampled
};

struct Metric {
    Statistic statistic = Statistic::percentile;
    Series series = Series::latency;
    double percentile = 0;  // in [0, 100], for Statistic::percentile

    bool is_time() const { return statistic <= Statistic::max; }
    bool is_fraction() const {
        return statistic == Statistic::error_rate || statistic == Statistic::failure_rate ||
               statistic == Statistic::check_failure_rate;
    }
    bool is_growth() const {
        return (statistic >= Statistic::rss_growth && statistic <= Statistic::thread_growth) ||
               statistic == Statistic::rss_growth_relative;
    }
    // Read from the watched target (--watch-pid, --watch-cgroup), not from the requests.
    bool is_watched() const { return statistic >= Statistic::rss_growth; }
};

// The metric's canonical name: "p99", "p99.9", "schedule_lag_p99", "error_rate", "rps".
std::string metric_name(const Metric& metric);
// The unit of its values and limits (ThresholdSpec::limit): "us", "ratio", "rps", "MB/min",
// "/min", "MB", "ratio/min", "count".
std::string_view metric_unit(const Metric& metric);

// What a threshold judges: the whole run, one request name or one measured phase.
// `NAME:` parses as ScopeKind::name and is resolved before the run (resolve_scopes).
enum class ScopeKind : uint8_t { run, name, request, phase };

struct Scope {
    ScopeKind kind = ScopeKind::run;
    std::string name;  // "" for ScopeKind::run

    static Scope run() { return {}; }
    static Scope request(std::string name) { return {ScopeKind::request, std::move(name)}; }
    static Scope phase(std::string name) { return {ScopeKind::phase, std::move(name)}; }
    bool is_run() const { return kind == ScopeKind::run; }
};

// "run", "name", "request", "phase".
std::string_view scope_kind_text(ScopeKind kind);

// How a threshold judges time.
enum class Form : uint8_t {
    whole,      // the scope's measured period as one
    windowed,   // every window of window_ns must pass: "p95[5m] < 1s"
    sustained,  // fails once the condition holds for sustained_ns: "p95 > 1s for 5m"
    drift,      // the last full window's value / the first's: "p95_drift < 2x"
};

struct ThresholdSpec {
    std::string expression;  // as written, trimmed
    Scope scope;
    Metric metric;
    std::optional<Metric> divisor;  // derived: the value is metric / divisor ("p99 / p50")
    Form form = Form::whole;
    int64_t window_ns = 0;     // windowed, drift (0: drift's default, a tenth of the period)
    int64_t sustained_ns = 0;  // sustained
    Comparison comparison = Comparison::less;
    // In the metric's base unit: microseconds, a fraction (1% = 0.01) or requests/s; a plain
    // factor for drift and derived terms.
    double limit = 0;
    // The unit the limit was written in ("ms", "%", ""), used to show the value alike.
    std::string display_unit;
    bool abort_on_fail = false;  // also stops the run early (--abort-threshold, abort = true)

    bool is_ratio() const { return divisor.has_value() || form == Form::drift; }
};

// The term's canonical name: metric_name, "p95_drift" for drift, "p99/p50" for a derived ratio.
std::string term_name(const ThresholdSpec& spec);

// Parses one expression. Errors name it and say what is expected, e.g.
// "threshold 'p99 < 200': '200' needs a time unit: us, ms or s (e.g. 'p99 < 200ms')".
base::Result<ThresholdSpec> parse_threshold(std::string_view expression);
// All of them; the first error wins.
base::Result<std::vector<ThresholdSpec>> parse_thresholds(std::span<const std::string> expressions);

// The names a run's thresholds may scope to.
struct ScopeNames {
    std::span<const std::string> requests;  // empty for a plain URL run
    std::span<const std::string> phases;    // the measured phases
};

// Before the run: resolves each `NAME:` to the request or the phase of that name and checks
// that every scope names one the run has and keeps the threshold's metric for. Errors name
// the expression and the valid names; a name that is both a request and a phase asks for
// `request=NAME:` or `phase=NAME:`.
base::Status resolve_scopes(std::span<ThresholdSpec> specs, const ScopeNames& names);

// Before the run: windows and sustained durations fit the run: at least one interval (-i)
// and no longer than the measured period (a gate that cannot be judged or cannot fail).
base::Status check_windows(std::span<const ThresholdSpec> specs, int64_t interval_ns,
                           int64_t measured_ns);

// --time-scale on a profile's threshold: multiplies its window and sustained span by `factor`
// (> 0), rounded to whole milliseconds as the phases' durations are, at least 1 ms.
void scale_spans(ThresholdSpec& spec, double factor);

// For a judgement of each run as a whole (find-max steps): windowed, drift and sustained
// thresholds are refused, saying that `barrage run` judges them.
base::Status check_whole_forms(std::span<const ThresholdSpec> specs);

// Before the run: growth and the other watched metrics (Metric::is_watched) need a watched
// process or cgroup (--watch-pid, --watch-cgroup) and belong to the whole run (no scope).
base::Status check_growth_sources(std::span<const ThresholdSpec> specs, bool targets_watched);

}  // namespace barrage::gate
