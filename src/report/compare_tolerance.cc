// Tolerances of `barrage compare`: the defaults, --max-regression's overrides ("p99=10%",
// "login:p99=5ms", "p99=off") and --metrics, which picks the metrics compared.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "barrage/report/compare.h"
#include "compare_impl.h"

namespace barrage::report {
namespace {

using base::make_error;
using base::Result;
using detail::is_latency_metric;

std::optional<double> parse_double(std::string_view text) {
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(number)) {
        return std::nullopt;
    }
    return number;
}

std::string metric_list() {
    return fmt::format("{}, or any percentile pNN[.N] (from the histograms)",
                       fmt::join(compared_metric_names(), ", "));
}

// One of compared_metric_names(), or any percentile ("p75": compared where both results have
// histograms).
bool is_known_metric(std::string_view name) {
    const auto names = compared_metric_names();
    return std::find(names.begin(), names.end(), name) != names.end() ||
           detail::percentile_of(name).has_value();
}

// Adds a tolerance for `metric` unless there is one: a percentile outside the defaults that
// --metrics or --max-regression names.
void add_metric(std::vector<Tolerance>& tolerances, std::string_view metric) {
    if (std::none_of(tolerances.begin(), tolerances.end(),
                     [&](const Tolerance& t) { return t.metric == metric; })) {
        tolerances.push_back({std::string(metric), 0.1, 0.0});
    }
}

// The limit after "METRIC=": "10%", "5ms", "0.1pt"; `tolerance.metric` is set.
Result<Tolerance> parse_limit(std::string_view text, std::string_view limit_text,
                              Tolerance tolerance) {
    const std::string_view name = tolerance.metric;
    std::string_view limit = limit_text;
    if (limit.starts_with('+') || limit.starts_with('-')) {
        limit.remove_prefix(1);  // the metric decides which direction is worse
    }
    const auto unit_at = limit.find_first_not_of("0123456789.");
    const auto number = parse_double(limit.substr(0, unit_at));
    const std::string_view unit =
        unit_at == std::string_view::npos ? std::string_view{} : limit.substr(unit_at);
    if (number && unit == "%") {
        tolerance.relative = *number / 100.0;
        return tolerance;
    }
    if (limit_text == "off") {
        tolerance.judged = false;  // shown, never a regression
        return tolerance;
    }
    if (number && (name == "error_rate" || name == "failure_rate") && unit == "pt") {
        tolerance.absolute = *number / 100.0;
        return tolerance;
    }
    if (const auto absolute = number && detail::is_watched_metric(name)
                                  ? detail::watched_absolute_limit(name, *number, unit)
                                  : std::nullopt) {
        tolerance.absolute = *absolute;
        return tolerance;
    }
    const std::array<std::pair<std::string_view, double>, 3> time_units{
        {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}}};
    for (const auto& [suffix, us] : time_units) {
        if (number && is_latency_metric(name) && unit == suffix) {
            tolerance.absolute = *number * us;
            return tolerance;
        }
    }
    const bool takes_points = name == "error_rate" || name == "failure_rate";
    return make_error(fmt::format(
        "--max-regression '{}': '{}' is not a limit; write a percentage (10%){}, or off (shown, "
        "not judged)",
        text, limit_text,
        is_latency_metric(name)           ? std::string_view(", or a time (5ms)")
        : takes_points                    ? std::string_view(", or points (0.1pt)")
        : detail::is_watched_metric(name) ? detail::watched_limit_forms(name)
                                          : std::string_view()));
}

}  // namespace

std::vector<Tolerance> detail::tolerances_for(std::span<const Tolerance> overrides,
                                              std::string_view request,
                                              std::span<const std::string> metrics) {
    std::vector<Tolerance> tolerances;
    for (Tolerance& tolerance : default_tolerances()) {
        if (metrics.empty() ||
            std::find(metrics.begin(), metrics.end(), tolerance.metric) != metrics.end()) {
            tolerance.judged = tolerance.judged || !metrics.empty();
            tolerances.push_back(std::move(tolerance));
        }
    }
    for (const std::string& metric : metrics) {
        add_metric(tolerances, metric);
    }
    for (const bool scoped : {false, true}) {
        for (const Tolerance& override_ : overrides) {
            if (override_.request.empty() == scoped || (scoped && override_.request != request)) {
                continue;
            }
            if (metrics.empty()) {
                add_metric(tolerances, override_.metric);  // "p75=5%" compares p75 too
            }
            for (Tolerance& existing : tolerances) {
                if (existing.metric == override_.metric) {
                    existing = override_;
                }
            }
        }
    }
    return tolerances;
}

base::Status detail::check_metric_names(std::span<const std::string> metrics) {
    for (const std::string& metric : metrics) {
        if (!is_known_metric(metric)) {
            return make_error(fmt::format("--metrics: unknown metric '{}'; the metrics are: {}",
                                          metric, metric_list()));
        }
    }
    return base::Ok{};
}

std::vector<Tolerance> default_tolerances() {
    std::vector<Tolerance> tolerances;
    for (const std::string_view name : compared_metric_names()) {
        if (detail::is_watched_metric(name)) {
            tolerances.push_back(detail::watched_default_tolerance(name));
        } else if (name == "error_rate" || name == "failure_rate") {
            tolerances.push_back({std::string(name), 0.5, 0.001});
        } else {
            tolerances.push_back({std::string(name), 0.1, 0.0});
        }
        // The max is one sample: no interval bounds it, so by default it is shown only.
        tolerances.back().judged = name != "max";
    }
    return tolerances;
}

Result<Tolerance> parse_tolerance(std::string_view text) {
    const auto equals = text.find('=');
    std::string_view name = text.substr(0, equals);
    std::string_view request;
    const auto colon = name.rfind(':');
    // Metric names have no ':', so the last one before '=' ends the request name.
    if (colon != std::string_view::npos) {
        request = name.substr(0, colon);
        name.remove_prefix(colon + 1);
    }
    if (equals == std::string_view::npos || (colon != std::string_view::npos && request.empty()) ||
        !is_known_metric(name)) {
        return make_error(
            fmt::format("--max-regression '{}': expected [NAME:]METRIC=LIMIT with METRIC "
                        "one of {} (e.g. p99=10%, or login:p99=5% for one request)",
                        text, metric_list()));
    }
    Tolerance tolerance{std::string(name)};
    tolerance.request = std::string(request);
    return parse_limit(text, text.substr(equals + 1), std::move(tolerance));
}

}  // namespace barrage::report
