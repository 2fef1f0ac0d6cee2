// Thresholds judged against a run: the metrics of a RunResult, the outcomes,
// and the lines of the summary table.

#include "barrage/gate/evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "barrage/base/ansi_color.h"
#include "barrage/base/assert.h"
#include "barrage/plan/units.h"
#include "barrage/stats/judged_latency.h"
#include "barrage/watch/resource_figures.h"
#include "gate_impl.h"

namespace barrage::gate {
namespace {

using detail::time_units;

double fraction(int64_t part, int64_t whole) {
    return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

const stats::Histogram& series_histogram(const stats::Snapshot& totals, Series series) {
    switch (series) {
        case Series::latency:
            return totals.latency_us;
        case Series::service_time:
            return totals.service_time_us;
        case Series::schedule_lag:
            return totals.schedule_lag_us;
        case Series::connect_time:
            return totals.connect_time_us;
    }
    BARRAGE_ASSERT(false);
    return totals.latency_us;
}

// A latency statistic over every scheduled request (see judged_latency.h):
// +infinity where it falls on an unanswered request; nullopt when nothing
// was scheduled or answered (no value, which fails, never a 0 that passes).
std::optional<double> judged_value(const stats::JudgedLatency& judged, const Metric& metric) {
    constexpr double unbounded = std::numeric_limits<double>::infinity();
    if (judged.total_count() == 0) {
        return std::nullopt;
    }
    if (judged.answered_count() == 0) {
        return unbounded;  // scheduled, none answered
    }
    switch (metric.statistic) {
        case Statistic::mean:
            return judged.mean().value_or(unbounded);
        case Statistic::min:
            return static_cast<double>(*judged.min());
        case Statistic::max:
            return judged.max() ? static_cast<double>(*judged.max()) : unbounded;
        default: {
            const auto value = judged.value_at_percentile(metric.percentile);
            return value ? static_cast<double>(*value) : unbounded;
        }
    }
}

// A share as "2.1%", with more digits below 1 % ("0.033%").
std::string format_share(double share) {
    const double percent = share * 100.0;
    return percent >= 1.0 || percent == 0.0 ? fmt::format("{:.1f}%", percent)
                                            : fmt::format("{:.2g}%", percent);
}

std::string format_number(double value) {
    // Three significant digits at most, like the summary; no trailing zeros noise.
    if (value != 0 && std::fabs(value) < 10) {
        return fmt::format("{:.3g}", value);
    }
    return fmt::format("{:.1f}", value);
}

// Microseconds in the limit's unit when that reads as 1 to 999 of it ("p99 < 5m": "1.5m"),
// else in the largest of us, ms and s that keeps it at 1 or more ("p99 < 2s": "1.73ms", not
// "0.00173s"), so a value never needs a row of zeros to be read.
std::string format_time_value(double us, std::string_view limit_unit) {
    for (const auto& [suffix, us_per_unit] : time_units) {
        const double in_unit = us / us_per_unit;
        if (limit_unit == suffix && (us == 0 || (in_unit >= 1 && in_unit < 999.5))) {
            return format_number(in_unit) + std::string(suffix);
        }
    }
    const auto& unit = us >= 1e6 ? time_units[2] : us >= 1e3 ? time_units[1] : time_units[0];
    return format_number(us / unit.us) + std::string(unit.suffix);
}

// Where in time a windowed, drift or sustained threshold's value comes from.
std::string time_note(const ThresholdOutcome& outcome) {
    const ThresholdSpec& spec = outcome.spec;
    if (spec.form == Form::sustained) {
        const double for_s = static_cast<double>(spec.sustained_ns) / 1e9;
        if (!outcome.window_start_s) {
            return fmt::format("never held; fails at {:g}s", for_s);
        }
        return fmt::format("held {:.3g}s from {:.3g}s; fails at {:g}s", outcome.held_s,
                           *outcome.window_start_s, for_s);
    }
    if (!outcome.window_start_s) {
        return "";
    }
    if (spec.form == Form::drift) {
        return fmt::format("the {:.3g}s window from {:.3g}s against the first", outcome.window_s,
                           *outcome.window_start_s);
    }
    return fmt::format("worst {:.3g}s window from {:.3g}s", outcome.window_s,
                       *outcome.window_start_s);
}

// MB in the size unit the limit was written in ("1.2GB").
std::string format_size(double mb, std::string_view unit) {
    const double per_mb = unit.starts_with('K') ? 1024.0 : unit.starts_with('G') ? 1 / 1024.0 : 1;
    return format_number(mb * per_mb) + std::string(unit.empty() ? "MB" : unit);
}

// A scenario's results ("browse"), or the sum of the scenarios tagged NAME
// ("tag:NAME"), as a run of their own, so a gate judges them as it judges
// the whole run; nullopt when `name` names no scenario or tag.
std::optional<stats::RunResult> scenario_scope(const stats::RunResult& result,
                                               std::string_view name) {
    const bool by_tag = name.starts_with("tag:");
    const std::string_view tag = by_tag ? name.substr(4) : std::string_view{};
    std::optional<stats::RunResult> scope;
    for (const stats::ScenarioResult& scenario : result.scenarios) {
        const bool member = by_tag ? std::find(scenario.tags.begin(), scenario.tags.end(), tag) !=
                                         scenario.tags.end()
                                   : scenario.name == name;
        if (!member) {
            continue;
        }
        if (!scope) {
            scope.emplace();
            scope->duration_s = result.duration_s;
            scope->requests = result.requests;
        }
        scope->totals.add(scenario.totals);
    }
    return scope;
}

bool is_transaction(const stats::RunResult& result, std::string_view name) {
    return std::any_of(result.transactions.begin(), result.transactions.end(),
                       [&](const stats::TransactionInfo& t) { return t.name == name; });
}

}  // namespace

std::optional<double> detail::counted_value(const Metric& metric, const stats::Counters& counters,
                                            const stats::Histogram& latency_us, double length_s) {
    switch (metric.statistic) {
        case Statistic::error_rate:
            if (counters.requests_completed + counters.requests_errors == 0) {
                return std::nullopt;
            }
            return fraction(counters.requests_errors,
                            counters.requests_completed + counters.requests_errors);
        case Statistic::throughput:
            return length_s > 0 ? static_cast<double>(counters.requests_completed) / length_s
                                : std::optional<double>();
        default:
            break;
    }
    if (!metric.is_time() || metric.series != Series::latency) {
        return std::nullopt;
    }
    return judged_value(stats::JudgedLatency(latency_us, stats::unanswered_of(counters)), metric);
}

// A watched metric (Metric::is_watched) over the measured period; the largest of any target's.
std::optional<double> RunResultMetrics::watched_value(const Metric& metric) const {
    if (watch_ == nullptr) {
        return std::nullopt;
    }
    if (metric.is_growth() && metric.statistic != Statistic::rss_growth_relative) {
        return growth_value(metric);
    }
    const watch::ResourceFigures figures =
        watch::largest_resource_figures(*watch_, result_.duration_s);
    switch (metric.statistic) {
        case Statistic::rss_max:
            return figures.rss_max_mb;
        case Statistic::rss_initial:
            return figures.rss_initial_mb;
        case Statistic::target_cpu:
            return figures.cpu_share;
        case Statistic::rss_growth_relative:
            return figures.rss_growth_share_per_min;
        case Statistic::fds_max:
            return figures.fds_max;
        case Statistic::threads_max:
            return figures.threads_max;
        default:
            BARRAGE_ASSERT(false);
            return std::nullopt;
    }
}

std::optional<double> RunResultMetrics::growth_value(const Metric& metric) const {
    BARRAGE_ASSERT(watch_ != nullptr);
    std::optional<double> largest;
    for (const watch::TargetWatch& target : watch_->targets) {
        const auto& growth = target.growth;
        const std::optional<double> slope =
            metric.statistic == Statistic::rss_growth  ? growth.rss_mb_per_min
            : metric.statistic == Statistic::fd_growth ? growth.fds_per_min
                                                       : growth.threads_per_min;
        if (slope && (!largest || *slope > *largest)) {
            largest = slope;
        }
    }
    return largest;
}

// One request name's results: counts, check failures and its latency
// (other time series are kept for the whole run only).
std::optional<double> RunResultMetrics::name_value(std::string_view request_name,
                                                   const Metric& metric) const {
    const auto& requests = result_.requests;
    const auto it =
        std::find_if(requests.begin(), requests.end(),
                     [&](const stats::RequestInfo& r) { return r.name == request_name; });
    const auto index = static_cast<std::size_t>(it - requests.begin());
    if (it == requests.end()) {
        return transaction_value(request_name, metric);
    }
    if (index >= result_.totals.by_name.size()) {
        return std::nullopt;
    }
    const stats::NameStats& name = result_.totals.by_name[index];
    switch (metric.statistic) {
        case Statistic::error_rate:
            return fraction(name.errors, name.completed + name.errors);
        case Statistic::failure_rate:
            return stats::failure_rate(name);
        case Statistic::check_failure_rate:
            return fraction(name.checks_failed, name.completed);
        case Statistic::throughput:
            return result_.duration_s > 0 ? static_cast<double>(name.completed) / result_.duration_s
                                          : 0.0;
        default:
            break;
    }
    if (metric.series != Series::latency) {
        return std::nullopt;  // other time series are kept for the whole run only
    }
    return judged_value(stats::JudgedLatency(name.latency_us, stats::unanswered_of(name)), metric);
}

// A task group's results, gated like a request name's: failures are failed
// transactions; its latency is the successful ones', the failed and
// unfinished counted as unanswered (infinitely slow), as a request's.
std::optional<double> RunResultMetrics::transaction_value(std::string_view name,
                                                          const Metric& metric) const {
    const auto& transactions = result_.transactions;
    const auto it = std::find_if(transactions.begin(), transactions.end(),
                                 [&](const stats::TransactionInfo& t) { return t.name == name; });
    const auto index = static_cast<std::size_t>(it - transactions.begin());
    if (it == transactions.end() || index >= result_.totals.by_transaction.size()) {
        return std::nullopt;
    }
    const stats::TransactionStats& transaction = result_.totals.by_transaction[index];
    switch (metric.statistic) {
        case Statistic::error_rate:
            return fraction(transaction.errors, transaction.completed + transaction.errors);
        case Statistic::failure_rate:
            return stats::failure_rate(transaction);
        case Statistic::check_failure_rate:
            return fraction(transaction.tries_exhausted, transaction.completed);
        case Statistic::throughput:
            return result_.duration_s > 0
                       ? static_cast<double>(transaction.succeeded()) / result_.duration_s
                       : 0.0;
        default:
            break;
    }
    if (metric.series != Series::latency) {
        return std::nullopt;
    }
    const int64_t unanswered = transaction.sent - transaction.succeeded();
    return judged_value(stats::JudgedLatency(transaction.latency_us, unanswered), metric);
}

std::optional<double> RunResultMetrics::run_value(const Metric& metric) const {
    if (metric.is_watched()) {
        return watched_value(metric);
    }
    const stats::Counters& counters = result_.totals.counters;
    switch (metric.statistic) {
        case Statistic::error_rate:
            return fraction(counters.requests_errors,
                            counters.requests_completed + counters.requests_errors);
        case Statistic::failure_rate:
            return stats::failure_rate(counters, result_.totals.by_name);
        case Statistic::check_failure_rate: {
            int64_t failed = 0;
            for (const stats::NameStats& name : result_.totals.by_name) {
                failed += name.checks_failed;
            }
            return fraction(failed, counters.requests_completed);
        }
        case Statistic::throughput:
            return result_.duration_s > 0
                       ? static_cast<double>(counters.requests_completed) / result_.duration_s
                       : 0.0;
        default:
            break;
    }
    if (metric.series == Series::latency) {
        return judged_value(
            stats::JudgedLatency(result_.totals.latency_us, stats::unanswered_of(counters)),
            metric);
    }
    const stats::Histogram& histogram = series_histogram(result_.totals, metric.series);
    if (result_.totals.latency_us.total_count() == 0) {
        return std::nullopt;  // nothing completed: no value, not a 0 that passes
    }
    switch (metric.statistic) {
        case Statistic::mean:
            return histogram.mean();
        case Statistic::min:
            return static_cast<double>(histogram.min());
        case Statistic::max:
            return static_cast<double>(histogram.max());
        default:
            return static_cast<double>(histogram.value_at_percentile(metric.percentile));
    }
}

const stats::PhaseResult* RunResultMetrics::phase_of(std::string_view phase_name) const {
    for (const stats::PhaseResult& phase : result_.phases) {
        if (phase.name == phase_name) {
            return &phase;
        }
    }
    return nullptr;
}

Scope RunResultMetrics::resolved(const Scope& scope) const {
    if (scope.kind != ScopeKind::name) {
        return scope;
    }
    for (const stats::RequestInfo& request : result_.requests) {
        if (request.name == scope.name) {
            return Scope::request(scope.name);
        }
    }
    // Task groups, scenarios and tags are gated like request names.
    if (is_transaction(result_, scope.name) || scenario_scope(result_, scope.name)) {
        return Scope::request(scope.name);
    }
    return Scope::phase(scope.name);
}

std::optional<double> RunResultMetrics::value(const Scope& scope, const Metric& metric) const {
    const Scope which = resolved(scope);
    switch (which.kind) {
        case ScopeKind::run:
            return run_value(metric);
        case ScopeKind::request:
            if (metric.is_watched()) {
                return std::nullopt;
            }
            if (const auto scenarios = scenario_scope(result_, which.name)) {
                return RunResultMetrics(*scenarios).run_value(metric);
            }
            return name_value(which.name, metric);
        default:
            break;
    }
    const stats::PhaseResult* phase = phase_of(which.name);
    if (phase == nullptr || metric.is_watched()) {
        return std::nullopt;
    }
    // A run stopped early measured its last phase only up to the stop.
    const double length_s = std::min(phase->end_s, result_.duration_s) - phase->start_s;
    return detail::counted_value(metric, phase->counters, phase->latency_us, length_s);
}

std::optional<double> RunResultMetrics::unanswered_fraction(const Scope& scope) const {
    const Scope which = resolved(scope);
    if (which.is_run()) {
        return stats::JudgedLatency(result_.totals.latency_us,
                                    stats::unanswered_of(result_.totals.counters))
            .unanswered_fraction();
    }
    if (which.kind == ScopeKind::phase) {
        const stats::PhaseResult* phase = phase_of(which.name);
        return phase == nullptr ? std::nullopt
                                : std::optional<double>(
                                      stats::JudgedLatency(phase->latency_us,
                                                           stats::unanswered_of(phase->counters))
                                          .unanswered_fraction());
    }
    if (const auto scenarios = scenario_scope(result_, which.name)) {
        return RunResultMetrics(*scenarios).unanswered_fraction(Scope::run());
    }
    for (std::size_t i = 0; i < result_.requests.size() && i < result_.totals.by_name.size(); ++i) {
        if (result_.requests[i].name == which.name) {
            const stats::NameStats& name = result_.totals.by_name[i];
            return stats::JudgedLatency(name.latency_us, stats::unanswered_of(name))
                .unanswered_fraction();
        }
    }
    for (std::size_t i = 0; i < result_.transactions.size(); ++i) {
        if (result_.transactions[i].name == which.name &&
            i < result_.totals.by_transaction.size()) {
            // As transaction_value judges it: failed and unfinished are unanswered.
            const stats::TransactionStats& transaction = result_.totals.by_transaction[i];
            return stats::JudgedLatency(transaction.latency_us,
                                        transaction.sent - transaction.succeeded())
                .unanswered_fraction();
        }
    }
    return std::nullopt;
}

namespace {

std::string scope_missing_note(const ThresholdSpec& spec) {
    switch (spec.scope.kind) {
        case ScopeKind::run:
            return "no completed requests to measure";
        case ScopeKind::phase:
            return fmt::format("no results for phase '{}'", spec.scope.name);
        default:
            return fmt::format("no results for request '{}'", spec.scope.name);
    }
}

ThresholdOutcome whole_outcome(const ThresholdSpec& spec, const MetricsLookup& metrics) {
    ThresholdOutcome outcome{spec, metrics.value(spec.scope, spec.metric), false, "", {}, 0, 0};
    if (outcome.value) {
        outcome.passed = compare(*outcome.value, spec.comparison, spec.limit);
        if (std::isinf(*outcome.value)) {
            const double share = metrics.unanswered_fraction(spec.scope).value_or(1.0);
            outcome.note = fmt::format(
                "{} of the requests unanswered, counted as infinitely "
                "slow",
                format_share(share));
        }
    } else if (spec.metric.is_growth()) {
        outcome.note = fmt::format("no growth: fewer than {} samples after warm-up",
                                   watch::min_samples_for_slope);
    } else if (spec.metric.is_watched()) {
        outcome.note = "no sample of the watched target with this value in the measured period";
    } else {
        outcome.note = scope_missing_note(spec);
    }
    return outcome;
}

// "p99 / p50": both of the same scope; no value when either has none, or the divisor is 0
// or unbounded (a ratio to infinity says nothing).
ThresholdOutcome ratio_outcome(const ThresholdSpec& spec, const MetricsLookup& metrics) {
    BARRAGE_ASSERT(spec.divisor.has_value());
    ThresholdOutcome outcome{spec, std::nullopt, false, "", {}, 0, 0};
    const auto dividend = metrics.value(spec.scope, spec.metric);
    const auto divisor = metrics.value(spec.scope, *spec.divisor);
    if (!dividend || !divisor) {
        outcome.note = scope_missing_note(spec);
    } else if (*divisor == 0 || std::isinf(*divisor)) {
        outcome.note = fmt::format("{} is {}: no ratio", metric_name(*spec.divisor),
                                   *divisor == 0 ? "0" : "unanswered");
    } else {
        outcome.value = *dividend / *divisor;  // +infinity when the dividend is unanswered
        outcome.passed = compare(*outcome.value, spec.comparison, spec.limit);
    }
    return outcome;
}

ThresholdOutcome window_outcome(const ThresholdSpec& spec, const WindowGates* windows) {
    ThresholdOutcome outcome{spec, std::nullopt, false, "", {}, 0, 0};
    const auto verdict = windows == nullptr ? std::nullopt : windows->verdict(spec);
    if (!verdict) {
        outcome.note = "judged over time during a run only";
        return outcome;
    }
    outcome.value = verdict->value;
    outcome.passed = verdict->passed;
    outcome.note = verdict->note;
    outcome.window_start_s = verdict->window_start_s;
    outcome.window_s = verdict->window_s;
    outcome.held_s = verdict->held_s;
    return outcome;
}

}  // namespace

std::vector<ThresholdOutcome> evaluate_thresholds(std::span<const ThresholdSpec> specs,
                                                  const MetricsLookup& metrics,
                                                  const WindowGates* windows) {
    std::vector<ThresholdOutcome> outcomes;
    outcomes.reserve(specs.size());
    for (const ThresholdSpec& spec : specs) {
        if (spec.form != Form::whole) {
            outcomes.push_back(window_outcome(spec, windows));
        } else if (spec.divisor) {
            outcomes.push_back(ratio_outcome(spec, metrics));
        } else {
            outcomes.push_back(whole_outcome(spec, metrics));
        }
    }
    return outcomes;
}

bool all_passed(std::span<const ThresholdOutcome> outcomes) {
    return std::all_of(outcomes.begin(), outcomes.end(),
                       [](const ThresholdOutcome& outcome) { return outcome.passed; });
}

std::string format_metric_value(double value, const ThresholdSpec& spec) {
    if (std::isinf(value)) {
        return "unanswered";  // the statistic falls on a request that got no answer
    }
    if (spec.is_ratio()) {
        return format_number(value) + "x";
    }
    if (spec.metric.is_time()) {
        return format_time_value(value, spec.display_unit);
    }
    if (spec.metric.is_fraction()) {
        return format_number(value * 100.0) + "%";
    }
    if (spec.metric.is_growth()) {
        // In the unit written: the base unit per minute over one of the written ("GB/h").
        const auto one = plan::parse_growth_per_min(
            "", "1" + spec.display_unit,
            spec.metric.statistic == Statistic::rss_growth_relative ? plan::GrowthUnit::percent
            : spec.metric.statistic == Statistic::rss_growth        ? plan::GrowthUnit::megabytes
                                                                    : plan::GrowthUnit::count);
        return format_number(one && one.value() > 0 ? value / one.value() : value) +
               (one ? spec.display_unit : std::string(metric_unit(spec.metric)));
    }
    if (spec.metric.statistic == Statistic::target_cpu) {
        return format_number(value * 100.0) + "%";
    }
    if (spec.metric.statistic == Statistic::rss_max ||
        spec.metric.statistic == Statistic::rss_initial) {
        return format_size(value, spec.display_unit);
    }
    return format_number(value);
}

std::vector<std::string> format_threshold_lines(std::span<const ThresholdOutcome> outcomes,
                                                bool color) {
    std::size_t width = 0;
    for (const ThresholdOutcome& outcome : outcomes) {
        width = std::max(width, outcome.spec.expression.size());
    }
    std::vector<std::string> lines;
    for (const ThresholdOutcome& outcome : outcomes) {
        const std::string value =
            outcome.value ? format_metric_value(*outcome.value, outcome.spec) : std::string("-");
        std::string line =
            fmt::format("{:<{}}  {:>10}  {}", outcome.spec.expression, width, value,
                        outcome.passed ? base::paint("pass", base::AnsiColor::green, color)
                                       : base::paint("FAIL", base::AnsiColor::red, color));
        std::string note = time_note(outcome);
        if (!outcome.note.empty()) {
            note += (note.empty() ? "" : "; ") + outcome.note;
        }
        if (!note.empty()) {
            line += " (" + note + ")";
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

}  // namespace barrage::gate
