// Comparing two barrage JSON results (read by result_reader) metric by metric,
// for the whole run and for each request name both results have.

#include "barrage/report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "barrage/base/assert.h"
#include "compare_impl.h"

namespace barrage::report {
namespace {

using base::make_error;
using base::Result;
using detail::is_latency_metric;

constexpr std::array<std::string_view, 9> metric_names{"p50", "p90",  "p99", "p999",      "p9999",
                                                       "max", "mean", "rps", "error_rate"};
constexpr std::size_t metric_count = metric_names.size();

bool lower_is_worse(std::string_view name) { return name == "rps"; }

base::Error digest_error(std::string_view source, std::string_view problem) {
    return make_error(fmt::format("{}: {}", source, problem));
}

base::Error headline_error(std::string_view source, const FieldProblem& problem) {
    return digest_error(
        source, problem.present
                    ? fmt::format("{} is not a number", problem.field)
                    : fmt::format("missing {} (not a complete barrage result)", problem.field));
}

// The metrics of compared_metric_names(), in that order.
std::vector<ResultMetric> metrics_of(const HistogramFigures& latency, double rps, double completed,
                                     double errors) {
    const double attempts = completed + errors;
    return {{"p50", static_cast<double>(latency.p50_us)},
            {"p90", static_cast<double>(latency.p90_us)},
            {"p99", static_cast<double>(latency.p99_us)},
            {"p999", static_cast<double>(latency.p999_us)},
            {"p9999", static_cast<double>(latency.p9999_us)},
            {"max", static_cast<double>(latency.max_us)},
            {"mean", latency.mean_us},
            {"rps", rps},
            {"error_rate", attempts > 0 ? errors / attempts : 0.0}};
}

std::optional<double> value_in(std::span<const ResultMetric> metrics, std::string_view name) {
    for (const ResultMetric& metric : metrics) {
        if (metric.name == name) {
            return metric.value;
        }
    }
    return std::nullopt;
}

// One entry of requests_by_name; rps over the run's measured duration like the totals.
Result<NamedDigest> named_digest(const NamedFigures& named, double duration_s,
                                 std::string_view source) {
    if (!named.latency) {
        return digest_error(source, fmt::format("requests_by_name/{} lacks latency (not a "
                                                "complete barrage result)",
                                                named.name));
    }
    const auto completed = named.count("completed");
    const auto errors = named.count("errors");
    for (const auto& [key, count] : {std::pair{"completed", completed}, {"errors", errors}}) {
        if (!count) {
            return digest_error(source,
                                fmt::format("missing requests_by_name/{}/{} (not a complete "
                                            "barrage result)",
                                            named.name, key));
        }
    }
    const double rps = duration_s > 0 ? *completed / duration_s : 0.0;
    return NamedDigest{named.name, metrics_of(*named.latency, rps, *completed, *errors)};
}

std::optional<double> parse_double(std::string_view text) {
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(number)) {
        return std::nullopt;
    }
    return number;
}

std::string metric_list() {
    std::string list;
    for (std::size_t i = 0; i < metric_count; ++i) {
        list += (i == 0 ? "" : ", ") + std::string(metric_names[i]);
    }
    return list;
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
    if (number && name == "error_rate" && unit == "pt") {
        tolerance.absolute = *number / 100.0;
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
    return make_error(fmt::format(
        "--max-regression '{}': '{}' is not a limit; write a percentage (10%){}", text, limit_text,
        is_latency_metric(name) ? ", or a time (5ms)"
        : name == "error_rate"  ? ", or points (0.1pt)"
                                : ""));
}

// The tolerances of one scope: the defaults, then the unscoped overrides, then
// those for `request` (so "login:p99=5%" wins over "p99=20%" whatever the order).
std::vector<Tolerance> tolerances_for(std::span<const Tolerance> overrides,
                                      std::string_view request) {
    std::vector<Tolerance> tolerances = default_tolerances();
    for (const bool scoped : {false, true}) {
        for (const Tolerance& override_ : overrides) {
            if (override_.request.empty() == scoped || (scoped && override_.request != request)) {
                continue;
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

std::vector<MetricChange> compare_metrics(std::span<const ResultMetric> baseline,
                                          std::span<const ResultMetric> current,
                                          std::span<const Tolerance> tolerances) {
    std::vector<MetricChange> changes;
    for (const Tolerance& tolerance : tolerances) {
        const auto before = value_in(baseline, tolerance.metric);
        const auto after = value_in(current, tolerance.metric);
        BARRAGE_ASSERT(before && after);  // digest_result fills every metric
        MetricChange change{tolerance.metric, *before, *after, tolerance};
        change.allowed = std::max(tolerance.relative * std::fabs(*before), tolerance.absolute);
        const double worse_by =
            lower_is_worse(tolerance.metric) ? *before - *after : *after - *before;
        change.regression = worse_by > change.allowed;
        change.improvement = -worse_by > change.allowed;
        changes.push_back(std::move(change));
    }
    return changes;
}

const NamedDigest* find_name(const ResultDigest& digest, std::string_view name) {
    for (const NamedDigest& named : digest.requests_by_name) {
        if (named.name == name) {
            return &named;
        }
    }
    return nullptr;
}

// A scoped tolerance must name a request of either result: a typo would
// otherwise loosen nothing and pass silently.
base::Status check_request_name(std::string_view text, std::string_view request,
                                const ResultDigest& baseline, const ResultDigest& current) {
    if (find_name(baseline, request) != nullptr || find_name(current, request) != nullptr) {
        return base::Ok{};
    }
    std::vector<std::string_view> names;
    for (const ResultDigest* digest : {&baseline, &current}) {
        for (const NamedDigest& named : digest->requests_by_name) {
            if (std::find(names.begin(), names.end(), named.name) == names.end()) {
                names.push_back(named.name);
            }
        }
    }
    return make_error(fmt::format(
        "--max-regression '{}': no request named '{}' in {} or {}; {}", text, request,
        baseline.source, current.source,
        names.empty() ? std::string("they have no per-name results (those come from profile runs)")
                      : fmt::format("the names are: {}", fmt::join(names, ", "))));
}

}  // namespace

std::optional<double> NamedDigest::value(std::string_view metric) const {
    return value_in(metrics, metric);
}

std::optional<double> ResultDigest::value(std::string_view name) const {
    return value_in(metrics, name);
}

std::span<const std::string_view> compared_metric_names() { return metric_names; }

Result<ResultDigest> digest_result(const ResultDocument& document, std::string_view source) {
    if (!document.headline_problems.empty()) {
        return headline_error(source, document.headline_problems.front());
    }
    ResultDigest result;
    result.source = std::string(source);
    result.url = document.target_url;
    result.metrics = metrics_of(document.latency(), document.throughput_rps,
                                static_cast<double>(document.completed),
                                static_cast<double>(document.request_errors));
    BARRAGE_ASSERT(result.metrics.size() == metric_count);
    for (const NamedFigures& named : document.requests_by_name) {
        auto digest = named_digest(named, document.duration_s, source);
        if (!digest) {
            return digest.error();
        }
        result.requests_by_name.push_back(std::move(digest.value()));
    }
    return result;
}

Result<ResultDigest> read_result_json(std::string_view json_text, std::string_view source) {
    auto document = read_result_document(json_text, source);
    if (!document) {
        return document.error();
    }
    return digest_result(document.value(), source);
}

Result<ResultDigest> read_result_file(const std::string& path) {
    auto document = read_result_document_file(path);
    if (!document) {
        return document.error();
    }
    return digest_result(document.value(), path);
}

std::vector<Tolerance> default_tolerances() {
    std::vector<Tolerance> tolerances;
    for (const std::string_view name : compared_metric_names()) {
        if (name == "error_rate") {
            tolerances.push_back({std::string(name), 0.5, 0.001});
        } else {
            tolerances.push_back({std::string(name), 0.1, 0.0});
        }
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
    const auto names = compared_metric_names();
    if (equals == std::string_view::npos || (colon != std::string_view::npos && request.empty()) ||
        std::find(names.begin(), names.end(), name) == names.end()) {
        return make_error(
            fmt::format("--max-regression '{}': expected [NAME:]METRIC=LIMIT with METRIC "
                        "one of {} (e.g. p99=10%, or login:p99=5% for one request)",
                        text, metric_list()));
    }
    Tolerance tolerance{std::string(name)};
    tolerance.request = std::string(request);
    return parse_limit(text, text.substr(equals + 1), std::move(tolerance));
}

int CompareReport::regression_count() const {
    int regressions = 0;
    const auto add = [&regressions](std::span<const MetricChange> list) {
        for (const MetricChange& change : list) {
            regressions += change.regression ? 1 : 0;
        }
    };
    add(changes);
    for (const NamedComparison& named : by_name) {
        add(named.changes);
    }
    return regressions;
}

bool CompareReport::has_regression() const { return regression_count() > 0; }

Result<CompareReport> compare_results(const ResultDigest& baseline, const ResultDigest& current,
                                      std::span<const std::string> max_regressions) {
    std::vector<Tolerance> overrides;
    for (const std::string& text : max_regressions) {
        auto tolerance = parse_tolerance(text);
        if (!tolerance) {
            return tolerance.error();
        }
        if (!tolerance.value().request.empty()) {
            auto known = check_request_name(text, tolerance.value().request, baseline, current);
            if (!known) {
                return known.error();
            }
        }
        overrides.push_back(std::move(tolerance.value()));
    }
    CompareReport report{baseline.source, current.source, {}, {}, {}, {}};
    report.changes =
        compare_metrics(baseline.metrics, current.metrics, tolerances_for(overrides, ""));
    for (const NamedDigest& named : baseline.requests_by_name) {
        const NamedDigest* other = find_name(current, named.name);
        if (other == nullptr) {
            report.only_in_baseline.push_back(named.name);
            continue;
        }
        report.by_name.push_back(
            {named.name, compare_metrics(named.metrics, other->metrics,
                                         tolerances_for(overrides, named.name))});
    }
    for (const NamedDigest& named : current.requests_by_name) {
        if (find_name(baseline, named.name) == nullptr) {
            report.only_in_current.push_back(named.name);
        }
    }
    return report;
}

}  // namespace barrage::report
