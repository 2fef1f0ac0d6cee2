#pragma once
// Evaluating thresholds (gate/threshold.h) after the run, or during it for the
// abort thresholds: the numbers come from a MetricsLookup (a RunResult and what
// --watch-* saw), each threshold gets an outcome, and the outcomes a table.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/gate/threshold.h"
#include "barrage/gate/window_gates.h"
#include "barrage/stats/run_result.h"
#include "barrage/watch/watcher.h"

namespace barrage::gate {

// Where evaluation reads numbers. The whole run today; per request name once
// profiles produce per-name results (a second implementation, or an extension of RunResultMetrics).
class MetricsLookup {
public:
    virtual ~MetricsLookup() = default;
    // The metric's value in its base unit (see ThresholdSpec::limit) over the scope's
    // measured period, or nullopt when the run has no such scope or does not keep the
    // metric for it. Latency statistics judge every scheduled request
    // (stats/judged_latency.h): the value is +infinity where the statistic falls on an
    // unanswered request.
    virtual std::optional<double> value(const Scope& scope, const Metric& metric) const = 0;
    // The share of the scope's requests that got no answer.
    virtual std::optional<double> unanswered_fraction(const Scope& /*scope*/) const {
        return std::nullopt;
    }
};

// The numbers of a RunResult: the whole run, per request name and per measured
// phase (its counts and latency); the growth metrics come from `watch` (the largest
// slope of its targets; nullopt without one or with too few samples), and so do the
// other watched metrics (watch/resource_figures.h over the measured period, up to
// result.duration_s). An unresolved `NAME:` scope reads the request of that name, else the phase.
class RunResultMetrics final : public MetricsLookup {
public:
    explicit RunResultMetrics(const stats::RunResult& result,
                              const watch::WatchResult* watch = nullptr)
        : result_(result), watch_(watch) {}
    std::optional<double> value(const Scope& scope, const Metric& metric) const override;
    std::optional<double> unanswered_fraction(const Scope& scope) const override;

private:
    std::optional<double> run_value(const Metric& metric) const;
    std::optional<double> name_value(std::string_view request_name, const Metric& metric) const;
    std::optional<double> transaction_value(std::string_view name, const Metric& metric) const;
    const stats::PhaseResult* phase_of(std::string_view phase_name) const;
    // Scope::name resolved against this result: the request if there is one, else the phase.
    Scope resolved(const Scope& scope) const;

    std::optional<double> watched_value(const Metric& metric) const;
    std::optional<double> growth_value(const Metric& metric) const;

    const stats::RunResult& result_;
    const watch::WatchResult* watch_;
};

struct ThresholdOutcome {
    ThresholdSpec spec;
    std::optional<double> value;  // nullopt: the metric was not available (counts as a failure)
    bool passed = false;
    std::string note;  // why there is no value
    // Judged over time (windowed, drift, sustained): see WindowVerdict.
    std::optional<double> window_start_s;
    double window_s = 0;
    double held_s = 0;
};

// `windows`: the run's judgement over time, for the windowed, drift and sustained
// thresholds (without it they fail with a note).
std::vector<ThresholdOutcome> evaluate_thresholds(std::span<const ThresholdSpec> specs,
                                                  const MetricsLookup& metrics,
                                                  const WindowGates* windows = nullptr);

bool all_passed(std::span<const ThresholdOutcome> outcomes);

// A number in the limit's unit with the unit: "3.21ms", "0.25%", "1520.3", "12.5MB/min",
// "1.85x" (drift and ratios). A time reads in the limit's unit when that gives 1 to 999 of
// it, else in us, ms or s, whichever keeps it at 1 or more: 'p99 < 2s' shows "1.73ms".
std::string format_metric_value(double value, const ThresholdSpec& spec);

// One line per threshold, aligned, no newline: "p99 < 200ms        3.21ms  pass";
// with `color`, "pass" in green and "FAIL" in red (ANSI codes, base/ansi_color.h).
std::vector<std::string> format_threshold_lines(std::span<const ThresholdOutcome> outcomes,
                                                bool color = false);

}  // namespace barrage::gate
