// Comparing barrage JSON results (read by result_reader) metric by metric, for
// the whole run and for each request name both results have; each metric is
// judged in compare_verdict.cc.

#include "barrage/report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/stats/hlog.h"
#include "compare_impl.h"

namespace barrage::report {
namespace {

using base::make_error;
using base::Result;
using detail::is_latency_metric;
using detail::JudgedRun;

constexpr std::array<std::string_view, 15> metric_names{
    "p50",          "p90",     "p95",         "p99",        "p999",
    "p9999",        "max",     "mean",        "rps",        "error_rate",
    "failure_rate", "rss_max", "rss_initial", "rss_growth", "target_cpu"};
constexpr std::size_t metric_count = metric_names.size();

base::Error digest_error(std::string_view source, std::string_view problem) {
    return make_error(fmt::format("{}: {}", source, problem));
}

base::Error headline_error(std::string_view source, const FieldProblem& problem) {
    return digest_error(
        source, problem.present
                    ? fmt::format("{} is not a number", problem.field)
                    : fmt::format("missing {} (not a complete barrage result)", problem.field));
}

// The request metrics of compared_metric_names(), in that order; p95 only where the document
// has it (an older result's missing p95 is no 0 to compare against).
// failure_rate counts `responses_failed` too (0 in results written before it existed).
std::vector<ResultMetric> metrics_of(const HistogramFigures& latency, double rps, double completed,
                                     double errors, double responses_failed) {
    const double attempts = completed + errors;
    std::vector<ResultMetric> metrics{
        {"p50", static_cast<double>(latency.p50_us)},
        {"p90", static_cast<double>(latency.p90_us)},
        {"p95", static_cast<double>(latency.p95_us)},
        {"p99", static_cast<double>(latency.p99_us)},
        {"p999", static_cast<double>(latency.p999_us)},
        {"p9999", static_cast<double>(latency.p9999_us)},
        {"max", static_cast<double>(latency.max_us)},
        {"mean", latency.mean_us},
        {"rps", rps},
        {"error_rate", attempts > 0 ? errors / attempts : 0.0},
        {"failure_rate", attempts > 0 ? (errors + responses_failed) / attempts : 0.0}};
    if (!latency.has_p95) {
        metrics.erase(metrics.begin() + 2);
    }
    return metrics;
}

std::optional<double> value_in(std::span<const ResultMetric> metrics, std::string_view name) {
    for (const ResultMetric& metric : metrics) {
        if (metric.name == name) {
            return metric.value;
        }
    }
    return std::nullopt;
}

// The histogram decoded (when the result has one) and the figures of the mean's interval.
Result<LatencySample> latency_sample(const HistogramFigures& figures, double unanswered,
                                     std::string_view field, std::string_view source) {
    LatencySample sample;
    sample.unanswered = static_cast<int64_t>(std::llround(std::max(0.0, unanswered)));
    sample.mean_us = figures.mean_us;
    sample.stdev_us = std::max(0.0, figures.stdev_us);
    sample.count = std::max<int64_t>(0, figures.count);
    if (figures.histogram_base64.empty()) {
        return sample;
    }
    auto histogram = stats::decode_histogram_compressed_base64(figures.histogram_base64);
    if (!histogram) {
        return digest_error(source, fmt::format("{}: {} (the file is damaged; write it again "
                                                "with barrage run --json)",
                                                field, histogram.error().message));
    }
    sample.histogram = std::move(histogram.value());
    return sample;
}

std::string config_value(const ResultDocument& document, std::string_view key) {
    for (const auto& [name, value] : document.config) {
        if (name == key) {
            return value;
        }
    }
    return "";
}

RunIdentity identity_of(const ResultDocument& document) {
    RunIdentity identity;
    identity.target = document.target_url;
    identity.rate = document.target_rate_rps ? fmt::format("{:g}", *document.target_rate_rps)
                                             : std::string("closed loop");
    identity.connections = config_value(document, "connections");
    identity.duration = config_value(document, "duration_s");
    // A renamed request is listed as in one result only, not refused; the kind
    // of run is part of the identity (a URL run has the one name "default").
    const bool url_run =
        document.requests_by_name.empty() || (document.requests_by_name.size() == 1 &&
                                              document.requests_by_name.front().name == "default");
    identity.profile = fmt::format("{} {}", document.mode.empty() ? "?" : document.mode,
                                   url_run ? "URL run" : "profile run");
    return identity;
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
    auto latency =
        latency_sample(*named.latency, named.count("unanswered").value_or(0),
                       fmt::format("requests_by_name/{}/latency/histogram", named.name), source);
    if (!latency) {
        return latency.error();
    }
    return NamedDigest{named.name,
                       metrics_of(*named.latency, rps, *completed, *errors,
                                  named.count("responses_failed").value_or(0)),
                       std::move(latency.value())};
}

std::vector<MetricChange> compare_metrics(std::span<const JudgedRun> baselines,
                                          const JudgedRun& current,
                                          std::span<const Tolerance> tolerances,
                                          double min_delta_us) {
    std::vector<MetricChange> changes;
    for (const Tolerance& tolerance : tolerances) {
        MetricChange change = detail::judge_change(tolerance, baselines, current, min_delta_us);
        // A default metric neither result has (no watched target in either run, no p95 in two
        // older ones) is not shown; a percentile the user named is, as n/a.
        const bool named =
            std::find(metric_names.begin(), metric_names.end(), change.name) == metric_names.end();
        if (named || !(change.baseline_absent && change.current_absent)) {
            changes.push_back(std::move(change));
        }
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

// A scoped tolerance must name a request of some result: a typo would
// otherwise loosen nothing and pass silently.
base::Status check_request_name(std::string_view text, std::string_view request,
                                std::span<const ResultDigest* const> results) {
    std::vector<std::string_view> names;
    std::vector<std::string_view> sources;
    for (const ResultDigest* digest : results) {
        if (find_name(*digest, request) != nullptr) {
            return base::Ok{};
        }
        sources.push_back(digest->source);
        for (const NamedDigest& named : digest->requests_by_name) {
            if (std::find(names.begin(), names.end(), named.name) == names.end()) {
                names.push_back(named.name);
            }
        }
    }
    const std::string_view last = sources.back();
    sources.pop_back();
    return make_error(fmt::format(
        "--max-regression '{}': no request named '{}' in {} or {}; {}", text, request,
        fmt::join(sources, ", "), last,
        names.empty() ? std::string("they have no per-name results (those come from profile runs)")
                      : fmt::format("the names are: {}", fmt::join(names, ", "))));
}

Result<std::vector<Tolerance>> parse_overrides(std::span<const std::string> max_regressions,
                                               std::span<const ResultDigest* const> results) {
    std::vector<Tolerance> overrides;
    for (const std::string& text : max_regressions) {
        auto tolerance = parse_tolerance(text);
        if (!tolerance) {
            return tolerance.error();
        }
        if (!tolerance.value().request.empty()) {
            auto known = check_request_name(text, tolerance.value().request, results);
            if (!known) {
                return known.error();
            }
        }
        overrides.push_back(std::move(tolerance.value()));
    }
    return overrides;
}

// "no latency histogram in old.json (...)", "the generator was saturated in b.json
// (...)": said once per result.
void note_missing_histograms(CompareReport& report, std::span<const ResultDigest* const> results) {
    for (const ResultDigest* digest : results) {
        if (digest->generator_saturated) {
            report.notes.push_back(fmt::format(
                "the generator was saturated in {} (see its warnings): its latencies include the "
                "generator's own delay, so a change may be the generator's, not the target's",
                digest->source));
        }
        if (!digest->latency.histogram) {
            report.notes.push_back(
                fmt::format("no latency histogram in {} (written before barrage kept one): latency "
                            "percentiles judged by tolerance and floor only",
                            digest->source));
        }
    }
}

// The run-to-run spread of the baselines: p50 p95 p99 from the histograms (p95
// only when every baseline has one) and rps.
std::vector<SpreadFigure> baseline_spread(std::span<const ResultDigest> baselines) {
    std::vector<SpreadFigure> figures;
    const bool histograms = std::all_of(baselines.begin(), baselines.end(),
                                        [](const auto& b) { return b.latency.histogram; });
    for (const std::string_view metric : {"p50", "p95", "p99", "rps"}) {
        std::vector<double> values;
        for (const ResultDigest& baseline : baselines) {
            const auto percentile = detail::percentile_of(metric);
            if (percentile && histograms) {
                values.push_back(percentile_bounds(*baseline.latency.histogram,
                                                   baseline.latency.unanswered, *percentile)
                                     .estimate_us);
            } else if (const auto value = baseline.value(metric)) {
                values.push_back(*value);
            }
        }
        if (values.size() == baselines.size()) {
            figures.push_back({std::string(metric), run_spread(values)});
        }
    }
    return figures;
}

// Per-name tables only when a result has more than one name: a URL run's one
// name ("default") would repeat the whole-run table.
bool compare_by_name(std::span<const ResultDigest* const> results) {
    return std::any_of(results.begin(), results.end(),
                       [](const ResultDigest* d) { return d->requests_by_name.size() > 1; });
}

void compare_names(CompareReport& report, std::span<const ResultDigest> baselines,
                   const ResultDigest& current, std::span<const Tolerance> overrides,
                   const CompareOptions& options) {
    const ResultDigest& first = baselines.front();
    for (const NamedDigest& named : first.requests_by_name) {
        const NamedDigest* other = find_name(current, named.name);
        std::vector<JudgedRun> runs;
        for (const ResultDigest& baseline : baselines) {
            if (const NamedDigest* mine = find_name(baseline, named.name)) {
                runs.push_back({mine->metrics, &mine->latency});
            }
        }
        if (other == nullptr || runs.size() != baselines.size()) {
            report.only_in_baseline.push_back(named.name);
            continue;
        }
        auto changes = compare_metrics(
            runs, {other->metrics, &other->latency},
            detail::tolerances_for(overrides, named.name, options.metrics), options.min_delta_us);
        if (!changes.empty()) {  // empty when --metrics names only whole-run metrics
            report.by_name.push_back({named.name, std::move(changes)});
        }
    }
    for (const NamedDigest& named : current.requests_by_name) {
        if (find_name(first, named.name) == nullptr) {
            report.only_in_current.push_back(named.name);
        }
    }
}

}  // namespace

std::optional<double> NamedDigest::value(std::string_view metric) const {
    return value_in(metrics, metric);
}

std::optional<double> ResultDigest::value(std::string_view name) const {
    return value_in(metrics, name);
}

std::span<const std::string_view> compared_metric_names() { return metric_names; }

std::string_view judgement_name(Judgement judgement) {
    switch (judgement) {
        case Judgement::intervals:
            return "intervals";
        case Judgement::run_spread:
            return "run_spread";
        case Judgement::tolerance_only:
            return "tolerance_only";
        case Judgement::not_enough_samples:
            return "not_enough_samples";
        case Judgement::not_judged:
            return "not_judged";
        case Judgement::not_available:
            return "not_available";
    }
    return "unknown";
}

Result<ResultDigest> digest_result(const ResultDocument& document, std::string_view source) {
    if (!document.headline_problems.empty()) {
        return headline_error(source, document.headline_problems.front());
    }
    ResultDigest result;
    result.source = std::string(source);
    result.url = document.target_url;
    result.metrics = metrics_of(document.latency(), document.throughput_rps,
                                static_cast<double>(document.completed),
                                static_cast<double>(document.request_errors),
                                static_cast<double>(document.responses_failed));
    for (ResultMetric& watched : detail::watched_metrics_of(document)) {
        result.metrics.push_back(std::move(watched));
    }
    BARRAGE_ASSERT(result.metrics.size() <= metric_count);
    auto latency =
        latency_sample(document.latency(), static_cast<double>(document.unanswered.value_or(0)),
                       "latency/histogram", source);
    if (!latency) {
        return latency.error();
    }
    result.latency = std::move(latency.value());
    result.identity = identity_of(document);
    result.generator_saturated =
        std::any_of(document.warnings.begin(), document.warnings.end(),
                    [](const std::string& w) { return w.starts_with("GENERATOR SATURATED"); });
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

base::Status check_same_identity(const ResultDigest& baseline, const ResultDigest& current) {
    const RunIdentity& a = baseline.identity;
    const RunIdentity& b = current.identity;
    std::vector<std::string> differences;
    const auto differ = [&differences](std::string_view what, const std::string& x,
                                       const std::string& y) {
        if (x != y) {
            differences.push_back(fmt::format("{} {} vs {}", what, x.empty() ? "(none)" : x,
                                              y.empty() ? "(none)" : y));
        }
    };
    differ("target", a.target, b.target);
    differ("rate", a.rate, b.rate);
    differ("connections", a.connections, b.connections);
    differ("duration_s", a.duration, b.duration);
    differ("profile", a.profile, b.profile);
    if (differences.empty()) {
        return base::Ok{};
    }
    return make_error(fmt::format(
        "{} is not a run of the same configuration as {}: {}; compare runs of one command "
        "(or pass --allow-different-config to compare anyway)",
        current.source, baseline.source, fmt::join(differences, "; ")));
}

Result<CompareReport> compare_results(std::span<const ResultDigest> baselines,
                                      const ResultDigest& current, const CompareOptions& options) {
    BARRAGE_ASSERT(!baselines.empty() && options.min_delta_us >= 0);
    std::vector<const ResultDigest*> results;
    for (const ResultDigest& baseline : baselines) {
        results.push_back(&baseline);
        if (!options.allow_different_config) {
            if (auto same = check_same_identity(baseline, current); !same) {
                return same.error();
            }
        }
    }
    results.push_back(&current);
    auto overrides = parse_overrides(options.max_regressions, results);
    if (!overrides) {
        return overrides.error();
    }
    if (auto known = detail::check_metric_names(options.metrics); !known) {
        return known.error();
    }
    CompareReport report;
    report.baseline_source = baselines.front().source;
    report.current_source = current.source;
    report.min_delta_us = options.min_delta_us;
    std::vector<JudgedRun> runs;
    for (const ResultDigest& baseline : baselines) {
        report.baseline_sources.push_back(baseline.source);
        runs.push_back({baseline.metrics, &baseline.latency});
    }
    note_missing_histograms(report, results);
    if (baselines.size() > 1) {
        report.spread = baseline_spread(baselines);
    }
    report.changes = compare_metrics(runs, {current.metrics, &current.latency},
                                     detail::tolerances_for(overrides.value(), "", options.metrics),
                                     options.min_delta_us);
    if (compare_by_name(results)) {
        compare_names(report, baselines, current, overrides.value(), options);
    }
    return report;
}

Result<CompareReport> compare_results(const ResultDigest& baseline, const ResultDigest& current,
                                      const CompareOptions& options) {
    return compare_results(std::span<const ResultDigest>(&baseline, 1), current, options);
}

}  // namespace barrage::report
