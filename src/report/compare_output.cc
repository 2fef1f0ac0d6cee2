// What `barrage compare` prints: the side-by-side tables with a verdict, and
// the same changes as JSON for scripts (--json).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "barrage/report/compare.h"
#include "barrage/report/json_writer.h"
#include "compare_impl.h"

namespace barrage::report {
namespace {

// The amount as the user reads it: "1.23ms", "250us", "0.100%", "1000.0", "unbounded"
// (a percentile among the unanswered requests).
std::string format_amount(std::string_view name, double value) {
    if (std::isinf(value)) {
        return "unbounded";
    }
    if (detail::is_watched_metric(name)) {
        return detail::format_watched_amount(name, value);
    }
    if (name == "error_rate" || name == "failure_rate") {
        return fmt::format("{:.3f}%", value * 100.0);
    }
    if (detail::is_latency_metric(name)) {
        return value >= 1000.0 ? fmt::format("{:.2f}ms", value / 1000.0)
                               : fmt::format("{:.0f}us", value);
    }
    return fmt::format("{:.1f}", value);
}

// A side that lacks the metric reads "n/a", never a 0.
std::string format_side(const MetricChange& change, bool absent, double value) {
    return absent ? std::string("n/a") : format_amount(change.name, value);
}

std::string format_change(const MetricChange& change) {
    if (change.judgement == Judgement::not_available) {
        return "n/a";
    }
    if (std::isinf(change.baseline) || std::isinf(change.current)) {
        return change.baseline == change.current ? "0%" : "-";
    }
    if (change.baseline == 0) {
        return change.current == 0 ? "0%" : "new";
    }
    return fmt::format("{:+.1f}%", (change.current - change.baseline) / change.baseline * 100.0);
}

std::string_view display_name(std::string_view metric) {
    return metric == "p999" ? "p99.9" : metric == "p9999" ? "p99.99" : metric;
}

int count_regressions(std::span<const MetricChange> changes) {
    return static_cast<int>(std::count_if(changes.begin(), changes.end(),
                                          [](const MetricChange& c) { return c.regression; }));
}

void append_table(std::string& out, std::span<const MetricChange> changes) {
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:<12}{:>14}{:>14}{:>10}\n", "metric", "baseline", "current", "change");
    for (const MetricChange& change : changes) {
        const char* verdict = change.regression    ? "  REGRESSION"
                              : change.improvement ? "  better"
                              : change.judgement == Judgement::not_enough_samples
                                  ? "  not enough samples"
                              : change.within_noise                       ? "  within noise"
                              : change.judgement == Judgement::not_judged ? "  (not judged)"
                              : change.judgement == Judgement::not_available
                                  ? (change.baseline_absent ? "  (not in the baseline)"
                                                            : "  (not in the current run)")
                                  : "";
        fmt::format_to(line, "{:<12}{:>14}{:>14}{:>10}{}\n", display_name(change.name),
                       format_side(change, change.baseline_absent, change.baseline),
                       format_side(change, change.current_absent, change.current),
                       format_change(change), verdict);
    }
}

// "whole run: 1, 'login': 2": where the regressions are.
std::string regression_places(const CompareReport& report) {
    std::vector<std::string> places;
    if (const int whole = count_regressions(report.changes); whole > 0) {
        places.push_back(fmt::format("whole run: {}", whole));
    }
    for (const NamedComparison& named : report.by_name) {
        if (const int count = count_regressions(named.changes); count > 0) {
            places.push_back(fmt::format("'{}': {}", named.name, count));
        }
    }
    return fmt::format("{}", fmt::join(places, ", "));
}

// How the latency verdicts were reached, then the notes: one line each.
void append_method(std::string& out, const CompareReport& report) {
    auto line = std::back_inserter(out);
    const std::string floor = format_amount("p50", report.min_delta_us);
    if (report.baseline_sources.size() > 1) {
        fmt::format_to(line,
                       "baselines: {} ({} runs); a latency regression exceeds its tolerance, "
                       "the floor ({}, --min-delta) and the baselines' 99% noise band\n",
                       fmt::join(report.baseline_sources, ", "), report.baseline_sources.size(),
                       floor);
    } else {
        fmt::format_to(line,
                       "a latency regression exceeds its tolerance, the floor ({}, --min-delta) "
                       "and the noise (99% confidence intervals do not overlap)\n",
                       floor);
    }
    for (const std::string& note : report.notes) {
        fmt::format_to(line, "note: {}\n", note);
    }
}

// "run-to-run spread (coefficient of variation): p50 2.1%, ..." and whether it is noisy.
void append_spread(std::string& out, const CompareReport& report) {
    if (report.spread.empty()) {
        return;
    }
    std::vector<std::string> parts;
    bool noisy = false;
    for (const SpreadFigure& figure : report.spread) {
        parts.push_back(fmt::format("{} {:.1f}%", figure.metric,
                                    figure.spread.coefficient_of_variation * 100.0));
        noisy = noisy || figure.spread.coefficient_of_variation > spread_cv_noisy;
    }
    fmt::format_to(
        std::back_inserter(out),
        "run-to-run spread of the baselines (coefficient of variation): {}{}\n",
        fmt::join(parts, ", "),
        noisy ? fmt::format(" (above {:.0f}%: noisy baselines)", spread_cv_noisy * 100) : "");
}

void write_interval(JsonWriter& json, std::string_view key, const std::optional<Interval>& value) {
    json.key(key);
    if (!value) {
        json.null();
        return;
    }
    json.begin_array();
    json.value(value->lower);
    json.value(value->upper);  // null when unbounded
    json.end_array();
}

// Six decimals: 0.1 * 16831 reads 1683.1, not 1683.1000000000001.
double rounded(double value) { return std::round(value * 1e6) / 1e6; }

void write_changes(JsonWriter& json, std::span<const MetricChange> changes) {
    json.begin_array();
    for (const MetricChange& change : changes) {
        json.begin_object();
        json.key("metric");
        json.value(change.name);
        json.key("baseline");
        change.baseline_absent ? json.null() : json.value(change.baseline);
        json.key("current");
        change.current_absent ? json.null() : json.value(change.current);
        json.key("change");
        if (change.baseline == 0 || std::isinf(change.baseline) || std::isinf(change.current) ||
            change.judgement == Judgement::not_available) {
            json.null();  // no relative change from zero or to or from unbounded
        } else {
            json.value(rounded((change.current - change.baseline) / std::abs(change.baseline)));
        }
        json.key("allowed");
        json.value(rounded(change.allowed));
        json.key("regression");
        json.value(change.regression);
        json.key("improvement");
        json.value(change.improvement);
        json.key("judgement");
        json.value(judgement_name(change.judgement));
        write_interval(json, "baseline_interval", change.baseline_interval);
        write_interval(json, "current_interval", change.current_interval);
        json.key("noise_band");
        json.value(rounded(change.noise_band));
        json.end_object();
    }
    json.end_array();
}

void write_names(JsonWriter& json, std::string_view key, std::span<const std::string> names) {
    json.key(key);
    json.begin_array();
    for (const std::string& name : names) {
        json.value(name);
    }
    json.end_array();
}

}  // namespace

std::string format_compare_report(const CompareReport& report) {
    std::string out;
    append_method(out, report);
    append_spread(out, report);
    out += "\n";
    append_table(out, report.changes);
    for (const NamedComparison& named : report.by_name) {
        fmt::format_to(std::back_inserter(out), "\nrequest '{}'\n", named.name);
        append_table(out, named.changes);
    }
    const bool only_in_one = !report.only_in_baseline.empty() || !report.only_in_current.empty();
    out += only_in_one ? "\n" : "";
    for (const std::string& name : report.only_in_baseline) {
        fmt::format_to(std::back_inserter(out),
                       "request '{}': only in the baseline ({}), not compared\n", name,
                       report.baseline_source);
    }
    for (const std::string& name : report.only_in_current) {
        fmt::format_to(std::back_inserter(out),
                       "request '{}': only in the current result ({}), not compared\n", name,
                       report.current_source);
    }
    const int regressions = report.regression_count();
    out += regressions == 0
               ? std::string("no regression\n")
               : fmt::format("{} regression{} ({}; baseline {}, current {})\n", regressions,
                             regressions == 1 ? "" : "s", regression_places(report),
                             report.baseline_source, report.current_source);
    return out;
}

std::string format_compare_json(const CompareReport& report) {
    JsonWriter json;
    json.begin_object();
    json.key("tool");
    json.value("barrage");
    json.key("schema_version");
    json.value("1");
    json.key("baseline");
    json.value(report.baseline_source);
    write_names(json, "baselines", report.baseline_sources);
    json.key("current");
    json.value(report.current_source);
    json.key("min_delta_us");
    json.value(report.min_delta_us);
    write_names(json, "notes", report.notes);
    json.key("spread");
    json.begin_object();
    for (const SpreadFigure& figure : report.spread) {
        json.key(figure.metric);
        json.begin_object();
        json.key("mean");
        json.value(rounded(figure.spread.mean));
        json.key("stdev");
        json.value(rounded(figure.spread.stdev));
        json.key("cv");
        json.value(rounded(figure.spread.coefficient_of_variation));
        json.end_object();
    }
    json.end_object();
    json.key("regressions");
    json.value(report.regression_count());
    json.key("metrics");
    write_changes(json, report.changes);
    json.key("requests_by_name");
    json.begin_object();
    for (const NamedComparison& named : report.by_name) {
        json.key(named.name);
        write_changes(json, named.changes);
    }
    json.end_object();
    write_names(json, "only_in_baseline", report.only_in_baseline);
    write_names(json, "only_in_current", report.only_in_current);
    json.end_object();
    return json.text() + "\n";
}

}  // namespace barrage::report
