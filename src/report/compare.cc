// Comparing two barrage JSON results (read by result_reader) metric by metric.

#include "barrage/report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "barrage/base/assert.h"

namespace barrage::report {
namespace {

using base::make_error;
using base::Result;

constexpr std::array<std::string_view, 9> metric_names{"p50", "p90",  "p99", "p999",      "p9999",
                                                       "max", "mean", "rps", "error_rate"};
constexpr std::size_t metric_count = metric_names.size();

bool is_latency(std::string_view name) { return name != "rps" && name != "error_rate"; }
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

// The amount as the user reads it: "+12.3%", "1.23ms", "0.10pt".
std::string format_amount(std::string_view name, double value) {
    if (name == "error_rate") {
        return fmt::format("{:.3f}%", value * 100.0);
    }
    if (is_latency(name)) {
        return value >= 1000.0 ? fmt::format("{:.2f}ms", value / 1000.0)
                               : fmt::format("{:.0f}us", value);
    }
    return fmt::format("{:.1f}", value);
}

std::string format_change(const MetricChange& change) {
    if (change.baseline == 0) {
        return change.current == 0 ? "0%" : "new";
    }
    return fmt::format("{:+.1f}%", (change.current - change.baseline) / change.baseline * 100.0);
}

}  // namespace

std::optional<double> ResultDigest::value(std::string_view name) const {
    for (const ResultMetric& metric : metrics) {
        if (metric.name == name) {
            return metric.value;
        }
    }
    return std::nullopt;
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
    const std::string_view name = text.substr(0, equals);
    const auto names = compared_metric_names();
    if (equals == std::string_view::npos ||
        std::find(names.begin(), names.end(), name) == names.end()) {
        return make_error(
            fmt::format("--max-regression '{}': expected METRIC=LIMIT with METRIC "
                        "one of {} (e.g. p99=10%)",
                        text, metric_list()));
    }
    std::string_view limit = text.substr(equals + 1);
    if (limit.starts_with('+') || limit.starts_with('-')) {
        limit.remove_prefix(1);  // the metric decides which direction is worse
    }
    const auto unit_at = limit.find_first_not_of("0123456789.");
    const auto number = parse_double(limit.substr(0, unit_at));
    const std::string_view unit =
        unit_at == std::string_view::npos ? std::string_view{} : limit.substr(unit_at);
    Tolerance tolerance{std::string(name)};
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
        if (number && is_latency(name) && unit == suffix) {
            tolerance.absolute = *number * us;
            return tolerance;
        }
    }
    return make_error(
        fmt::format("--max-regression '{}': '{}' is not a limit; write a percentage (10%){}", text,
                    text.substr(equals + 1),
                    is_latency(name)       ? ", or a time (5ms)"
                    : name == "error_rate" ? ", or points (0.1pt)"
                                           : ""));
}

bool CompareReport::has_regression() const {
    return std::any_of(changes.begin(), changes.end(),
                       [](const MetricChange& change) { return change.regression; });
}

Result<CompareReport> compare_results(const ResultDigest& baseline, const ResultDigest& current,
                                      std::span<const std::string> max_regressions) {
    std::vector<Tolerance> tolerances = default_tolerances();
    for (const std::string& text : max_regressions) {
        auto tolerance = parse_tolerance(text);
        if (!tolerance) {
            return tolerance.error();
        }
        for (Tolerance& existing : tolerances) {
            if (existing.metric == tolerance.value().metric) {
                existing = tolerance.value();
            }
        }
    }
    CompareReport report{baseline.source, current.source, {}};
    for (const Tolerance& tolerance : tolerances) {
        const auto before = baseline.value(tolerance.metric);
        const auto after = current.value(tolerance.metric);
        BARRAGE_ASSERT(before && after);  // read_result_json requires every metric
        MetricChange change{tolerance.metric, *before, *after, tolerance};
        const double allowed =
            std::max(tolerance.relative * std::fabs(*before), tolerance.absolute);
        const double worse_by =
            lower_is_worse(tolerance.metric) ? *before - *after : *after - *before;
        change.regression = worse_by > allowed;
        change.improvement = -worse_by > allowed;
        report.changes.push_back(std::move(change));
    }
    return report;
}

std::string format_compare_report(const CompareReport& report) {
    std::string out =
        fmt::format("{:<12}{:>14}{:>14}{:>10}\n", "metric", "baseline", "current", "change");
    int regressions = 0;
    for (const MetricChange& change : report.changes) {
        const char* verdict = change.regression    ? "  REGRESSION"
                              : change.improvement ? "  better"
                                                   : "";
        regressions += change.regression ? 1 : 0;
        out +=
            fmt::format("{:<12}{:>14}{:>14}{:>10}{}\n",
                        change.name == "p999"    ? "p99.9"
                        : change.name == "p9999" ? "p99.99"
                                                 : change.name,
                        format_amount(change.name, change.baseline),
                        format_amount(change.name, change.current), format_change(change), verdict);
    }
    out += regressions == 0 ? std::string("no regression\n")
                            : fmt::format("{} regression{} (baseline {}, current {})\n",
                                          regressions, regressions == 1 ? "" : "s",
                                          report.baseline_source, report.current_source);
    return out;
}

}  // namespace barrage::report
