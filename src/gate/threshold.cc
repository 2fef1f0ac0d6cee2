// Threshold expressions: parsing, evaluation against a MetricsLookup, and the
// lines of the summary table.

#include "barrage/gate/threshold.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/plan/units.h"
#include "barrage/stats/judged_latency.h"

namespace barrage::gate {
namespace {

using base::make_error;
using base::Result;

constexpr std::string_view metric_help =
    "a metric: pNN (p50, p99, p99.9), mean, min, max (optionally prefixed by service_time_, "
    "schedule_lag_ or connect_time_), error_rate, check_failure_rate, rps, or with --watch-pid "
    "rss_growth, fd_growth, thread_growth";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

base::Error threshold_error(std::string_view expression, std::string_view problem) {
    return make_error(fmt::format("threshold '{}': {}", expression, problem));
}

struct SeriesPrefix {
    std::string_view prefix;
    Series series;
};
constexpr std::array<SeriesPrefix, 4> series_prefixes{{
    {"latency_", Series::latency},
    {"service_time_", Series::service_time},
    {"schedule_lag_", Series::schedule_lag},
    {"connect_time_", Series::connect_time},
}};

std::optional<double> parse_number(std::string_view text) {
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(number)) {
        return std::nullopt;
    }
    return number;
}

// "99", "99.9", and the JSON keys' spelling "999" / "9999" (all nines past 100).
std::optional<double> parse_percentile(std::string_view digits) {
    auto number = parse_number(digits);
    if (!number) {
        return std::nullopt;
    }
    if (*number > 100 && digits.find_first_not_of('9') == std::string_view::npos) {
        return parse_number("99." + std::string(digits.substr(2)));
    }
    if (*number < 0 || *number > 100) {
        return std::nullopt;
    }
    return number;
}

std::optional<Metric> parse_time_statistic(std::string_view name, Series series) {
    Metric metric;
    metric.series = series;
    if (name == "mean") {
        metric.statistic = Statistic::mean;
    } else if (name == "min") {
        metric.statistic = Statistic::min;
    } else if (name == "max") {
        metric.statistic = Statistic::max;
    } else if (name.size() > 1 && name[0] == 'p') {
        auto percentile = parse_percentile(name.substr(1));
        if (!percentile) {
            return std::nullopt;
        }
        metric.percentile = *percentile;
    } else {
        return std::nullopt;
    }
    return metric;
}

std::optional<Metric> parse_metric(std::string_view name) {
    if (name == "error_rate") {
        return Metric{Statistic::error_rate};
    }
    if (name == "check_failure_rate") {
        return Metric{Statistic::check_failure_rate};
    }
    if (name == "rps") {
        return Metric{Statistic::throughput};
    }
    if (name == "rss_growth") {
        return Metric{Statistic::rss_growth};
    }
    if (name == "fd_growth") {
        return Metric{Statistic::fd_growth};
    }
    if (name == "thread_growth") {
        return Metric{Statistic::thread_growth};
    }
    for (const auto& [prefix, series] : series_prefixes) {
        if (name.starts_with(prefix)) {
            return parse_time_statistic(name.substr(prefix.size()), series);
        }
    }
    return parse_time_statistic(name, Series::latency);
}

// The operator at the start of `text`, and its length.
std::optional<std::pair<Comparison, std::size_t>> parse_comparison(std::string_view text) {
    if (text.starts_with("<=")) {
        return std::pair{Comparison::less_equal, std::size_t{2}};
    }
    if (text.starts_with(">=")) {
        return std::pair{Comparison::greater_equal, std::size_t{2}};
    }
    if (text.starts_with("==")) {
        return std::pair{Comparison::equal, std::size_t{2}};
    }
    if (text.starts_with("<")) {
        return std::pair{Comparison::less, std::size_t{1}};
    }
    if (text.starts_with(">")) {
        return std::pair{Comparison::greater, std::size_t{1}};
    }
    return std::nullopt;
}

struct TimeUnit {
    std::string_view suffix;
    double us;
};
constexpr std::array<TimeUnit, 3> time_units{{{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}}};

// Fills spec.limit and spec.display_unit from the text after the operator.
base::Status parse_limit(std::string_view text, ThresholdSpec& spec) {
    const auto unit_at = text.find_first_not_of("0123456789.+-eE");
    const std::string_view digits = trim(text.substr(0, unit_at));
    const std::string_view unit =
        unit_at == std::string_view::npos ? std::string_view{} : trim(text.substr(unit_at));
    const auto number = parse_number(digits);
    if (!number || *number < 0) {
        return threshold_error(spec.expression,
                               fmt::format("'{}' is not a limit; expected a number >= 0 after "
                                           "the operator",
                                           text));
    }
    const std::string name = metric_name(spec.metric);
    if (spec.metric.is_time()) {
        for (const auto& [suffix, us] : time_units) {
            if (unit == suffix) {
                spec.limit = *number * us;
                spec.display_unit = std::string(suffix);
                return base::Ok{};
            }
        }
        return threshold_error(
            spec.expression,
            fmt::format("'{}' needs a time unit: us, ms or s (e.g. '{} < 200ms')", text, name));
    }
    if (spec.metric.is_growth()) {
        const bool bytes = spec.metric.statistic == Statistic::rss_growth;
        std::string compact(text);  // "5 MB/min" reads as "5MB/min"
        compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
        auto per_min = plan::parse_growth_per_min(
            fmt::format("threshold '{}'", spec.expression), compact,
            bytes ? plan::GrowthUnit::megabytes : plan::GrowthUnit::count);
        if (!per_min) {
            return per_min.error();
        }
        spec.limit = per_min.value();
        spec.display_unit = bytes ? "MB/min" : "/min";
        return base::Ok{};
    }
    if (spec.metric.is_fraction()) {
        if (unit != "%" || *number > 100) {
            return threshold_error(spec.expression,
                                   fmt::format("'{}' is not a percentage; write 0% to 100% (e.g. "
                                               "'{} < 1%')",
                                               text, name));
        }
        spec.limit = *number / 100.0;
        spec.display_unit = "%";
        return base::Ok{};
    }
    if (!unit.empty() && unit != "/s") {
        return threshold_error(spec.expression,
                               fmt::format("'{}' is not a rate; write requests per second as a "
                                           "plain number (e.g. 'rps >= 100')",
                                           text));
    }
    spec.limit = *number;
    return base::Ok{};
}

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

}  // namespace

std::string_view comparison_text(Comparison comparison) {
    switch (comparison) {
        case Comparison::less:
            return "<";
        case Comparison::less_equal:
            return "<=";
        case Comparison::greater:
            return ">";
        case Comparison::greater_equal:
            return ">=";
        case Comparison::equal:
            return "==";
    }
    BARRAGE_ASSERT(false);
    return "?";
}

bool compare(double value, Comparison comparison, double limit) {
    switch (comparison) {
        case Comparison::less:
            return value < limit;
        case Comparison::less_equal:
            return value <= limit;
        case Comparison::greater:
            return value > limit;
        case Comparison::greater_equal:
            return value >= limit;
        case Comparison::equal:
            return value == limit;
    }
    BARRAGE_ASSERT(false);
    return false;
}

std::string metric_name(const Metric& metric) {
    switch (metric.statistic) {
        case Statistic::error_rate:
            return "error_rate";
        case Statistic::check_failure_rate:
            return "check_failure_rate";
        case Statistic::throughput:
            return "rps";
        case Statistic::rss_growth:
            return "rss_growth";
        case Statistic::fd_growth:
            return "fd_growth";
        case Statistic::thread_growth:
            return "thread_growth";
        default:
            break;
    }
    std::string prefix;
    for (const auto& [text, series] : series_prefixes) {
        if (series == metric.series && series != Series::latency) {
            prefix = std::string(text);
        }
    }
    switch (metric.statistic) {
        case Statistic::mean:
            return prefix + "mean";
        case Statistic::min:
            return prefix + "min";
        case Statistic::max:
            return prefix + "max";
        default:
            return prefix + fmt::format("p{}", metric.percentile);
    }
}

Result<ThresholdSpec> parse_threshold(std::string_view expression) {
    ThresholdSpec spec;
    spec.expression = std::string(trim(expression));
    std::string_view rest = spec.expression;
    const auto op_at = rest.find_first_of("<>=");
    // A request name is everything before the last ':' ahead of the operator.
    const auto colon = rest.substr(0, op_at).rfind(':');
    if (colon != std::string_view::npos) {
        spec.request_name = std::string(trim(rest.substr(0, colon)));
        if (spec.request_name.empty()) {
            return threshold_error(spec.expression,
                                   "empty request name before ':'; write 'NAME: p95 < 300ms'");
        }
        rest = rest.substr(colon + 1);
    }
    const auto op_in_rest = rest.find_first_of("<>=");
    const std::string_view name = trim(rest.substr(0, op_in_rest));
    if (op_in_rest == std::string_view::npos || name.empty()) {
        return threshold_error(spec.expression,
                               "expected 'METRIC OP LIMIT' with OP one of < <= > >= == (e.g. "
                               "'p99 < 200ms', 'error_rate < 1%', 'rps >= 100')");
    }
    const auto metric = parse_metric(name);
    if (!metric) {
        return threshold_error(spec.expression,
                               fmt::format("unknown metric '{}'; expected {}", name, metric_help));
    }
    spec.metric = *metric;
    const auto comparison = parse_comparison(rest.substr(op_in_rest));
    if (!comparison) {
        return threshold_error(
            spec.expression,
            fmt::format("'{}' is not an operator; use < <= > >= or ==", rest.substr(op_in_rest)));
    }
    spec.comparison = comparison->first;
    if (auto status = parse_limit(trim(rest.substr(op_in_rest + comparison->second)), spec);
        !status) {
        return status.error();
    }
    return spec;
}

Result<std::vector<ThresholdSpec>> parse_thresholds(std::span<const std::string> expressions) {
    std::vector<ThresholdSpec> specs;
    for (const std::string& expression : expressions) {
        auto spec = parse_threshold(expression);
        if (!spec) {
            return spec.error();
        }
        specs.push_back(std::move(spec).value());
    }
    return specs;
}

base::Status check_request_names(std::span<const ThresholdSpec> specs,
                                 std::span<const std::string> request_names) {
    for (const ThresholdSpec& spec : specs) {
        if (spec.request_name.empty() || std::find(request_names.begin(), request_names.end(),
                                                   spec.request_name) != request_names.end()) {
            continue;
        }
        if (request_names.empty()) {
            return threshold_error(spec.expression,
                                   fmt::format("this run sends no request named '{}'; per-name "
                                               "results arrive with profiles",
                                               spec.request_name));
        }
        std::string known;
        for (const std::string& name : request_names) {
            known += known.empty() ? name : ", " + name;
        }
        return threshold_error(
            spec.expression, fmt::format("this run sends no request named '{}'; the names are: {}",
                                         spec.request_name, known));
    }
    return base::Ok{};
}

base::Status check_growth_sources(std::span<const ThresholdSpec> specs, bool targets_watched) {
    for (const ThresholdSpec& spec : specs) {
        if (!spec.metric.is_growth()) {
            continue;
        }
        if (!spec.request_name.empty()) {
            return threshold_error(spec.expression,
                                   "growth belongs to the watched target, not to one request; "
                                   "drop the name");
        }
        if (!targets_watched) {
            return threshold_error(
                spec.expression,
                fmt::format("{} needs a watched target; add --watch-pid PID or --watch-cgroup PATH",
                            metric_name(spec.metric)));
        }
    }
    return base::Ok{};
}

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
    if (it == requests.end() || index >= result_.totals.by_name.size()) {
        return std::nullopt;
    }
    const stats::NameStats& name = result_.totals.by_name[index];
    switch (metric.statistic) {
        case Statistic::error_rate:
            return fraction(name.errors, name.completed + name.errors);
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
    return judged_value(stats::JudgedLatency(name.latency_us, stats::unanswered_of(name)),
                        metric);
}

std::optional<double> RunResultMetrics::value(std::string_view request_name,
                                              const Metric& metric) const {
    if (metric.is_growth()) {
        return request_name.empty() ? growth_value(metric) : std::nullopt;
    }
    if (!request_name.empty()) {
        return name_value(request_name, metric);
    }
    const stats::Counters& counters = result_.totals.counters;
    switch (metric.statistic) {
        case Statistic::error_rate:
            return fraction(counters.requests_errors,
                            counters.requests_completed + counters.requests_errors);
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
        return judged_value(stats::JudgedLatency(result_.totals.latency_us,
                                                 stats::unanswered_of(counters)),
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
    if (request_name.empty()) {
        return stats::JudgedLatency(result_.totals.latency_us,
                                    stats::unanswered_of(result_.totals.counters))
            .unanswered_fraction();
    }
    for (std::size_t i = 0; i < result_.requests.size() && i < result_.totals.by_name.size();
         ++i) {
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
                outcome.note = fmt::format("{} of the requests unanswered, counted as infinitely "
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
