// Before the run: each threshold's scope resolved against the run's names, and
// its windows checked against the run's interval and length.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "barrage/base/assert.h"
#include "barrage/gate/threshold.h"

namespace barrage::gate {
namespace {

base::Error threshold_error(std::string_view expression, std::string_view problem) {
    return base::make_error(fmt::format("threshold '{}': {}", expression, problem));
}

bool contains(std::span<const std::string> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string joined(std::span<const std::string> names) {
    std::string text;
    for (const std::string& name : names) {
        text += text.empty() ? name : ", " + name;
    }
    return text.empty() ? std::string("(none)") : text;
}

// What the run offers, for an error: "the requests are: a, b; the phases are: warm, u300".
std::string known_names(const ScopeNames& names) {
    if (names.requests.empty()) {
        return fmt::format(
            "the phases are: {} (a plain URL run has no named requests; per-name "
            "results arrive with profiles)",
            joined(names.phases));
    }
    return fmt::format("the requests are: {}; the phases are: {}", joined(names.requests),
                       joined(names.phases));
}

// A bare `NAME:` becomes the request or the phase of that name; one that is both is refused.
base::Status resolve_name(ThresholdSpec& spec, const ScopeNames& names) {
    const Scope& scope = spec.scope;
    const bool request = contains(names.requests, scope.name);
    const bool phase = contains(names.phases, scope.name);
    if (request && phase) {
        return threshold_error(
            spec.expression,
            fmt::format("'{}' is both a request and a phase; write 'request={}:' or 'phase={}:'",
                        scope.name, scope.name, scope.name));
    }
    if (!request && !phase) {
        return threshold_error(spec.expression,
                               fmt::format("this run has no request or phase named '{}'; {}",
                                           scope.name, known_names(names)));
    }
    spec.scope.kind = request ? ScopeKind::request : ScopeKind::phase;
    return base::Ok{};
}

// A phase keeps its counts and latency: time metrics of the latency, error_rate and rps.
base::Status check_phase_metric(const ThresholdSpec& spec, const Metric& metric) {
    const bool kept = (metric.is_time() && metric.series == Series::latency) ||
                      metric.statistic == Statistic::error_rate ||
                      metric.statistic == Statistic::throughput || metric.is_growth();
    if (kept) {
        return base::Ok{};
    }
    return threshold_error(spec.expression,
                           fmt::format("{} is not kept per phase; a phase scope reads pNN, mean, "
                                       "min, max, error_rate and rps",
                                       metric_name(metric)));
}

base::Status resolve_scope(ThresholdSpec& spec, const ScopeNames& names) {
    const Scope& scope = spec.scope;
    if (scope.kind == ScopeKind::name) {
        if (auto status = resolve_name(spec, names); !status) {
            return status;
        }
    } else if (scope.kind == ScopeKind::request && !contains(names.requests, scope.name)) {
        return threshold_error(spec.expression,
                               fmt::format("this run sends no request named '{}'; {}", scope.name,
                                           known_names(names)));
    } else if (scope.kind == ScopeKind::phase && !contains(names.phases, scope.name)) {
        return threshold_error(spec.expression,
                               fmt::format("this run has no measured phase named '{}'; {}",
                                           scope.name, known_names(names)));
    }
    if (!scope.is_run() && spec.form != Form::whole) {
        return threshold_error(spec.expression,
                               "windows, drift and 'for' judge the whole run; drop the scope");
    }
    if (scope.kind == ScopeKind::phase) {
        if (auto status = check_phase_metric(spec, spec.metric); !status) {
            return status;
        }
        if (spec.divisor) {
            return check_phase_metric(spec, *spec.divisor);
        }
    }
    return base::Ok{};
}

std::string seconds_text(int64_t ns) { return fmt::format("{:g}s", static_cast<double>(ns) / 1e9); }

}  // namespace

base::Status resolve_scopes(std::span<ThresholdSpec> specs, const ScopeNames& names) {
    for (ThresholdSpec& spec : specs) {
        if (spec.scope.is_run()) {
            continue;
        }
        if (auto status = resolve_scope(spec, names); !status) {
            return status;
        }
    }
    return base::Ok{};
}

void scale_spans(ThresholdSpec& spec, double factor) {
    BARRAGE_ASSERT(factor > 0);
    for (int64_t* span_ns : {&spec.window_ns, &spec.sustained_ns}) {
        if (*span_ns > 0) {
            const double scaled_ms = std::round(static_cast<double>(*span_ns) * factor / 1e6);
            *span_ns = static_cast<int64_t>(std::max(1.0, scaled_ms)) * 1'000'000;
        }
    }
}

base::Status check_whole_forms(std::span<const ThresholdSpec> specs) {
    for (const ThresholdSpec& spec : specs) {
        if (spec.form != Form::whole) {
            return threshold_error(spec.expression,
                                   "each step is judged as a whole; windows, drift and 'for' "
                                   "are judged by `barrage run`");
        }
    }
    return base::Ok{};
}

base::Status check_windows(std::span<const ThresholdSpec> specs, int64_t interval_ns,
                           int64_t measured_ns) {
    for (const ThresholdSpec& spec : specs) {
        const int64_t span_ns = spec.form == Form::sustained ? spec.sustained_ns : spec.window_ns;
        if (spec.form == Form::whole || span_ns == 0) {
            continue;  // drift's default window: a tenth of the period, at least an interval
        }
        if (span_ns < interval_ns) {
            return threshold_error(
                spec.expression,
                fmt::format("{} is shorter than the interval (-i {}) the run measures in; "
                            "lengthen it or shorten -i",
                            seconds_text(span_ns), seconds_text(interval_ns)));
        }
        if (spec.form == Form::drift && 2 * span_ns > measured_ns) {
            return threshold_error(
                spec.expression,
                fmt::format("drift compares two windows but two of {} exceed the measured "
                            "period ({}); shorten the window or run longer",
                            seconds_text(span_ns), seconds_text(measured_ns)));
        }
        if (span_ns > measured_ns) {
            return threshold_error(
                spec.expression,
                fmt::format("{} is longer than the measured period ({}): the gate could never "
                            "be judged; shorten it or run longer (a --threshold is not scaled by "
                            "--time-scale)",
                            seconds_text(span_ns), seconds_text(measured_ns)));
        }
    }
    return base::Ok{};
}

}  // namespace barrage::gate
