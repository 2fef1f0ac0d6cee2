// Thresholds judged against a run: the metrics of a RunResult, the outcomes,
// and the lines of the summary table.

#include "barrage/gate/evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/stats/judged_latency.h"
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

}  // namespace

std::optional<double> RunResultMetrics::growth_value(const Metric& metric) const {
    if (watch_ == nullptr) {
        return std::nullopt;
    }
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

std::optional<double> RunResultMetrics::value(std::string_view request_name,
                                              const Metric& metric) const {
    if (metric.is_growth()) {
        return request_name.empty() ? growth_value(metric) : std::nullopt;
    }
    if (!request_name.empty()) {
        if (const auto scope = scenario_scope(result_, request_name)) {
            return RunResultMetrics(*scope).value("", metric);
        }
        return name_value(request_name, metric);
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

std::optional<double> RunResultMetrics::unanswered_fraction(std::string_view request_name) const {
    if (const auto scope = scenario_scope(result_, request_name); scope && !request_name.empty()) {
        return RunResultMetrics(*scope).unanswered_fraction("");
    }
    if (request_name.empty()) {
        return stats::JudgedLatency(result_.totals.latency_us,
                                    stats::unanswered_of(result_.totals.counters))
            .unanswered_fraction();
    }
    for (std::size_t i = 0; i < result_.requests.size() && i < result_.totals.by_name.size(); ++i) {
        if (result_.requests[i].name == request_name) {
            const stats::NameStats& name = result_.totals.by_name[i];
            return stats::JudgedLatency(name.latency_us, stats::unanswered_of(name))
                .unanswered_fraction();
        }
    }
    return std::nullopt;
}

std::vector<ThresholdOutcome> evaluate_thresholds(std::span<const ThresholdSpec> specs,
                                                  const MetricsLookup& metrics) {
    std::vector<ThresholdOutcome> outcomes;
    outcomes.reserve(specs.size());
    for (const ThresholdSpec& spec : specs) {
        ThresholdOutcome outcome{spec, metrics.value(spec.request_name, spec.metric), false, ""};
        if (outcome.value) {
            outcome.passed = compare(*outcome.value, spec.comparison, spec.limit);
            if (std::isinf(*outcome.value)) {
                const double share = metrics.unanswered_fraction(spec.request_name).value_or(1.0);
                outcome.note = fmt::format(
                    "{} of the requests unanswered, counted as infinitely "
                    "slow",
                    format_share(share));
            }
        } else if (spec.metric.is_growth()) {
            outcome.note = fmt::format("no growth: fewer than {} samples after warm-up",
                                       watch::min_samples_for_slope);
        } else {
            outcome.note = spec.request_name.empty()
                               ? std::string("no completed requests to measure")
                               : fmt::format("no results for request '{}'", spec.request_name);
        }
        outcomes.push_back(std::move(outcome));
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
    if (spec.metric.is_time()) {
        for (const auto& [suffix, us] : time_units) {
            if (spec.display_unit == suffix) {
                return format_number(value / us) + std::string(suffix);
            }
        }
        return format_number(value) + "us";
    }
    if (spec.metric.is_fraction()) {
        return format_number(value * 100.0) + "%";
    }
    if (spec.metric.is_growth()) {
        return format_number(value) + spec.display_unit;
    }
    return format_number(value);
}

std::vector<std::string> format_threshold_lines(std::span<const ThresholdOutcome> outcomes) {
    std::size_t width = 0;
    for (const ThresholdOutcome& outcome : outcomes) {
        width = std::max(width, outcome.spec.expression.size());
    }
    std::vector<std::string> lines;
    for (const ThresholdOutcome& outcome : outcomes) {
        const std::string value =
            outcome.value ? format_metric_value(*outcome.value, outcome.spec) : std::string("-");
        std::string line = fmt::format("{:<{}}  {:>10}  {}", outcome.spec.expression, width, value,
                                       outcome.passed ? "pass" : "FAIL");
        if (!outcome.note.empty()) {
            line += " (" + outcome.note + ")";
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

}  // namespace barrage::gate
