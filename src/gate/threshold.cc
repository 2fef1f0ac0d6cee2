// Threshold expressions: the parser and the checks made before the run.

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
#include "gate_impl.h"

namespace barrage::gate {
namespace {

using base::make_error;
using base::Result;
using detail::time_units;

constexpr std::string_view metric_help =
    "a metric: pNN (p50, p99, p99.9), mean, min, max (optionally prefixed by service_time_, "
    "schedule_lag_ or connect_time_), error_rate, failure_rate, check_failure_rate, rps, or "
    "with --watch-pid "
    "rss_growth, fd_growth, thread_growth, rss_max, rss_initial, target_cpu, fds_max, "
    "threads_max";

// The metrics of the watched target beside the growth ones, by name.
struct WatchedName {
    std::string_view name;
    Statistic statistic;
};
constexpr std::array<WatchedName, 8> watched_names{{
    {"rss_growth", Statistic::rss_growth},
    {"fd_growth", Statistic::fd_growth},
    {"thread_growth", Statistic::thread_growth},
    {"rss_max", Statistic::rss_max},
    {"rss_initial", Statistic::rss_initial},
    {"target_cpu", Statistic::target_cpu},
    {"fds_max", Statistic::fds_max},
    {"threads_max", Statistic::threads_max},
}};

// Sizes as the growth rates read them: MB = 2^20 bytes.
struct SizeUnit {
    std::string_view suffix;
    double mb;
};
constexpr std::array<SizeUnit, 6> size_units{{{"KB", 1.0 / 1024},
                                              {"KiB", 1.0 / 1024},
                                              {"MB", 1.0},
                                              {"MiB", 1.0},
                                              {"GB", 1024.0},
                                              {"GiB", 1024.0}}};

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
    if (name == "failure_rate") {
        return Metric{Statistic::failure_rate};
    }
    if (name == "check_failure_rate") {
        return Metric{Statistic::check_failure_rate};
    }
    if (name == "rps") {
        return Metric{Statistic::throughput};
    }
    for (const auto& [watched, statistic] : watched_names) {
        if (name == watched) {
            return Metric{statistic};  // rss_growth turns relative with a % limit (parse_limit)
        }
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

// A time limit in the grammar of --duration ("200ms", "1.5s", "5m", "1h", "1m30s"), except that a
// bare number is refused: seconds are too easy to mistake for milliseconds in a latency gate.
base::Status parse_time_limit(std::string_view text, std::string_view unit, ThresholdSpec& spec) {
    std::string compact(text);  // "200 ms" reads as "200ms"
    compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
    const auto ns = unit.empty() ? base::Result<int64_t>(make_error("no unit"))
                                 : plan::parse_duration_ns("", compact, true);
    if (!ns) {
        return threshold_error(spec.expression,
                               fmt::format("'{}' needs a time unit: us, ms or s (also m, h and "
                                           "1m30s, as --duration reads them; e.g. '{} < 200ms')",
                                           text, metric_name(spec.metric)));
    }
    spec.limit = static_cast<double>(ns.value()) / 1e3;
    // Shown again in the last unit written ("1m30s" in s); a unit without a display form in us.
    const std::string_view last_unit =
        std::string_view(compact).substr(compact.find_last_of("0123456789.") + 1);
    spec.display_unit = "us";
    for (const auto& [suffix, us] : time_units) {
        if (last_unit == suffix) {
            spec.display_unit = std::string(suffix);
        }
    }
    return base::Ok{};
}

// "5MB/min", "10/h", "100/24h"; rss_growth also "10%/24h" (relative to rss_initial), which makes
// the metric rss_growth_relative. The display unit is the one written.
base::Status parse_growth_limit(std::string_view text, ThresholdSpec& spec) {
    std::string compact(text);  // "5 MB/min" reads as "5MB/min"
    compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
    const bool bytes = spec.metric.statistic == Statistic::rss_growth;
    const bool relative = bytes && compact.find('%') != std::string::npos;
    auto per_min =
        plan::parse_growth_per_min(fmt::format("threshold '{}'", spec.expression), compact,
                                   relative ? plan::GrowthUnit::percent
                                   : bytes  ? plan::GrowthUnit::megabytes
                                            : plan::GrowthUnit::count);
    if (!per_min) {
        return per_min.error();
    }
    if (relative) {
        spec.metric.statistic = Statistic::rss_growth_relative;
    }
    spec.limit = per_min.value();
    spec.display_unit = compact.substr(compact.find_first_not_of("0123456789."));
    return base::Ok{};
}

// rss_max and rss_initial: a size (KB, MB, GB); target_cpu: a percentage of one core;
// fds_max and threads_max: a count.
base::Status parse_watched_limit(std::string_view text, double number, std::string_view unit,
                                 ThresholdSpec& spec) {
    const std::string name = metric_name(spec.metric);
    if (spec.metric.statistic == Statistic::target_cpu) {
        if (unit != "%") {
            return threshold_error(spec.expression,
                                   fmt::format("'{}' is not a percentage; write the share of one "
                                               "core (e.g. 'target_cpu < 70%'; 250% is 2.5 cores)",
                                               text));
        }
        spec.limit = number / 100.0;
        spec.display_unit = "%";
        return base::Ok{};
    }
    if (spec.metric.statistic == Statistic::fds_max ||
        spec.metric.statistic == Statistic::threads_max) {
        if (!unit.empty()) {
            return threshold_error(spec.expression,
                                   fmt::format("'{}' is not a count; write a plain number (e.g. "
                                               "'{} < 1000')",
                                               text, name));
        }
        spec.limit = number;
        return base::Ok{};
    }
    for (const auto& [suffix, mb] : size_units) {
        if (unit == suffix) {
            spec.limit = number * mb;
            spec.display_unit = std::string(suffix);
            return base::Ok{};
        }
    }
    return threshold_error(
        spec.expression,
        fmt::format("'{}' is not a size; write KB, MB or GB (e.g. '{} < 1GB'; MB = 2^20 bytes)",
                    text, name));
}

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
        return parse_time_limit(text, unit, spec);
    }
    if (spec.metric.is_growth()) {
        return parse_growth_limit(text, spec);
    }
    if (spec.metric.is_watched()) {
        return parse_watched_limit(text, *number, unit, spec);
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

// "request=" or "phase=" (spaces allowed around '='): the explicit scope kind, and the text
// after the '='; ScopeKind::name and the text unchanged without one.
std::pair<ScopeKind, std::string_view> explicit_scope(std::string_view text) {
    for (const auto& [word, kind] : {std::pair{std::string_view("request"), ScopeKind::request},
                                     std::pair{std::string_view("phase"), ScopeKind::phase}}) {
        if (!text.starts_with(word)) {
            continue;
        }
        const std::string_view after = trim(text.substr(word.size()));
        if (after.starts_with('=') && !after.starts_with("==")) {
            return {kind, after.substr(1)};
        }
    }
    return {ScopeKind::name, text};
}

// "login" (a request or a phase, resolved before the run) or an explicit kind's name.
base::Status parse_scope(ScopeKind kind, std::string_view name, ThresholdSpec& spec) {
    spec.scope.kind = kind;
    spec.scope.name = std::string(name);
    if (spec.scope.name.empty()) {
        return threshold_error(spec.expression,
                               "empty request or phase name before ':'; write 'NAME: p95 < "
                               "300ms' (a request or a phase), 'request=NAME:' or 'phase=NAME:'");
    }
    return base::Ok{};
}

// A window or sustained duration, "5m", "1s", "1m30s": more than zero.
std::optional<int64_t> parse_span_ns(std::string_view text) {
    const std::string_view span = trim(text);
    if (span.empty() || span.find_last_of("0123456789.") == span.size() - 1) {
        return std::nullopt;  // a bare number is refused, as in time limits
    }
    auto ns = plan::parse_duration_ns("", span, false);
    if (!ns || ns.value() <= 0) {
        return std::nullopt;
    }
    return ns.value();
}

// The metrics windows, drift and sustained terms read: from each interval's counts and latency.
bool readable_per_interval(const Metric& metric) {
    return (metric.is_time() && metric.series == Series::latency) ||
           metric.statistic == Statistic::error_rate || metric.statistic == Statistic::throughput;
}

base::Status parse_one_metric(std::string_view name, ThresholdSpec& spec, Metric& metric) {
    const auto parsed = parse_metric(trim(name));
    if (!parsed) {
        return threshold_error(spec.expression, fmt::format("unknown metric '{}'; expected {}",
                                                            trim(name), metric_help));
    }
    metric = *parsed;
    return base::Ok{};
}

// "p95[5m]" and "p95_drift[1h]": the window, and the term without it.
base::Status parse_window(std::string_view& term, ThresholdSpec& spec) {
    const auto open = term.find('[');
    if (open == std::string_view::npos || !term.ends_with(']')) {
        return base::Ok{};
    }
    const auto window_ns = parse_span_ns(term.substr(open + 1, term.size() - open - 2));
    if (!window_ns) {
        return threshold_error(
            spec.expression,
            fmt::format("'{}' is not a window; write a duration with a unit inside [ ] "
                        "(e.g. 'p95[5m] < 1s', 'error_rate[30s] < 5%')",
                        term.substr(open)));
    }
    spec.window_ns = *window_ns;
    spec.form = Form::windowed;
    term = trim(term.substr(0, open));
    return base::Ok{};
}

// The text between the scope and the operator: a metric, windowed, drifting or a ratio.
base::Status parse_term(std::string_view term, ThresholdSpec& spec) {
    if (const auto slash = term.find('/'); slash != std::string_view::npos) {
        Metric divisor;
        if (auto status = parse_one_metric(term.substr(0, slash), spec, spec.metric); !status) {
            return status;
        }
        if (auto status = parse_one_metric(term.substr(slash + 1), spec, divisor); !status) {
            return status;
        }
        if (spec.metric.is_growth() || divisor.is_growth()) {
            return threshold_error(spec.expression,
                                   "a ratio takes two metrics of the run (latency, rates, rps), "
                                   "not growth");
        }
        spec.divisor = divisor;
        return base::Ok{};
    }
    if (auto status = parse_window(term, spec); !status) {
        return status;
    }
    constexpr std::string_view drift_suffix = "_drift";
    if (term.ends_with(drift_suffix)) {
        spec.form = Form::drift;
        term = term.substr(0, term.size() - drift_suffix.size());
    }
    if (auto status = parse_one_metric(term, spec, spec.metric); !status) {
        return status;
    }
    if (spec.form != Form::whole && !readable_per_interval(spec.metric)) {
        return threshold_error(spec.expression,
                               fmt::format("{} is not kept per window; windows and drift read "
                                           "pNN, mean, min, max, error_rate and rps",
                                           metric_name(spec.metric)));
    }
    return base::Ok{};
}

// "1s for 5m": the sustained duration, and the limit without it.
base::Status parse_sustained(std::string_view& limit, ThresholdSpec& spec) {
    const auto at = limit.rfind(" for ");
    if (at == std::string_view::npos) {
        return base::Ok{};
    }
    const auto sustained_ns = parse_span_ns(limit.substr(at + 5));
    if (!sustained_ns) {
        return threshold_error(spec.expression,
                               fmt::format("'{}' is not a duration; write 'for' and a duration "
                                           "with a unit (e.g. 'p95 > 1s for 5m')",
                                           trim(limit.substr(at + 5))));
    }
    if (spec.form != Form::whole || spec.divisor) {
        return threshold_error(spec.expression,
                               "'for' judges a plain metric over the intervals; it does not "
                               "combine with windows, drift or ratios");
    }
    if (!readable_per_interval(spec.metric)) {
        return threshold_error(spec.expression,
                               fmt::format("{} is not kept per interval; 'for' reads pNN, mean, "
                                           "min, max, error_rate and rps",
                                           metric_name(spec.metric)));
    }
    spec.form = Form::sustained;
    spec.sustained_ns = *sustained_ns;
    limit = trim(limit.substr(0, at));
    return base::Ok{};
}

// A drift or ratio limit: a plain factor, "2", "2x", "1.5 x".
base::Status parse_factor(std::string_view text, ThresholdSpec& spec) {
    std::string_view digits = text;
    if (digits.ends_with('x')) {
        digits = trim(digits.substr(0, digits.size() - 1));
    }
    const auto number = parse_number(digits);
    if (!number || *number < 0) {
        return threshold_error(spec.expression,
                               fmt::format("'{}' is not a factor; a drift or a ratio takes a "
                                           "number >= 0, optionally with x (e.g. 'p95_drift < "
                                           "2x', 'p99 / p50 < 5')",
                                           text));
    }
    spec.limit = *number;
    spec.display_unit = "x";
    return base::Ok{};
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
        case Statistic::failure_rate:
            return "failure_rate";
        case Statistic::check_failure_rate:
            return "check_failure_rate";
        case Statistic::throughput:
            return "rps";
        case Statistic::rss_growth_relative:
            return "rss_growth";
        default:
            break;
    }
    for (const auto& [name, statistic] : watched_names) {
        if (metric.statistic == statistic) {
            return std::string(name);
        }
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

std::string term_name(const ThresholdSpec& spec) {
    if (spec.divisor) {
        return metric_name(spec.metric) + "/" + metric_name(*spec.divisor);
    }
    return metric_name(spec.metric) + (spec.form == Form::drift ? "_drift" : "");
}

std::string_view scope_kind_text(ScopeKind kind) {
    switch (kind) {
        case ScopeKind::run:
            return "run";
        case ScopeKind::name:
            return "name";
        case ScopeKind::request:
            return "request";
        case ScopeKind::phase:
            return "phase";
    }
    BARRAGE_ASSERT(false);
    return "?";
}

std::string_view metric_unit(const Metric& metric) {
    switch (metric.statistic) {
        case Statistic::rss_growth:
            return "MB/min";
        case Statistic::fd_growth:
        case Statistic::thread_growth:
            return "/min";
        case Statistic::rss_max:
        case Statistic::rss_initial:
            return "MB";
        case Statistic::rss_growth_relative:
            return "ratio/min";
        case Statistic::fds_max:
        case Statistic::threads_max:
            return "count";
        case Statistic::throughput:
            return "rps";
        default:
            return metric.is_time() ? "us" : "ratio";  // the failure rates and target_cpu
    }
}

Result<ThresholdSpec> parse_threshold(std::string_view expression) {
    ThresholdSpec spec;
    spec.expression = std::string(trim(expression));
    const auto [kind, rest_after_kind] = explicit_scope(spec.expression);
    std::string_view rest = rest_after_kind;
    const auto op_at = rest.find_first_of("<>=");
    // A scope is everything before the last ':' ahead of the operator.
    const auto colon = rest.substr(0, op_at).rfind(':');
    if (colon != std::string_view::npos) {
        if (auto status = parse_scope(kind, trim(rest.substr(0, colon)), spec); !status) {
            return status.error();
        }
        rest = rest.substr(colon + 1);
    } else if (kind != ScopeKind::name) {
        return threshold_error(spec.expression,
                               "expected ':' after the scope's name (e.g. 'phase=u300: "
                               "error_rate < 5%')");
    }
    const auto op_in_rest = rest.find_first_of("<>=");
    const std::string_view term = trim(rest.substr(0, op_in_rest));
    if (op_in_rest == std::string_view::npos || term.empty()) {
        return threshold_error(spec.expression,
                               "expected 'METRIC OP LIMIT' with OP one of < <= > >= == (e.g. "
                               "'p99 < 200ms', 'error_rate < 1%', 'rps >= 100')");
    }
    if (auto status = parse_term(term, spec); !status) {
        return status.error();
    }
    const auto comparison = parse_comparison(rest.substr(op_in_rest));
    if (!comparison) {
        return threshold_error(
            spec.expression,
            fmt::format("'{}' is not an operator; use < <= > >= or ==", rest.substr(op_in_rest)));
    }
    spec.comparison = comparison->first;
    std::string_view limit = trim(rest.substr(op_in_rest + comparison->second));
    if (auto status = parse_sustained(limit, spec); !status) {
        return status.error();
    }
    if (auto status = spec.is_ratio() ? parse_factor(limit, spec) : parse_limit(limit, spec);
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

base::Status check_growth_sources(std::span<const ThresholdSpec> specs, bool targets_watched) {
    for (const ThresholdSpec& spec : specs) {
        if (!spec.metric.is_watched()) {
            continue;
        }
        if (!spec.scope.is_run()) {
            return threshold_error(spec.expression,
                                   fmt::format("{} belongs to the watched target, not to one "
                                               "request or phase; drop the scope",
                                               metric_name(spec.metric)));
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

}  // namespace barrage::gate
