// The self-contained HTML report. Every string from the result goes through
// html_escape; the page carries a Content-Security-Policy that forbids any
// fetch, so a report opened years later shows the same thing offline.

#include "barrage/report/html/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <string>

#include "barrage/report/html/html_page.h"
#include "html_page_impl.h"
#include "page_script_impl.h"
#include "run_charts_impl.h"
#include "svg_chart_impl.h"

namespace barrage::report {
namespace {

using html::append_chart;
using html::ChartSeries;
using html::ChartSpec;
using html::color_blue;
using html::color_green;
using html::color_grey;
using html::color_orange;
using html::color_purple;
using html::color_red;
using html::latency_unit_for;
using html::LatencyUnit;
using html::section_open;
using html::table_row;
using html::XAxis;

constexpr const char* status_colors[status_class_count] = {color_grey,   color_green, color_blue,
                                                           color_orange, color_red,   color_purple};

// Words are never split: long ones (a URL) wrap only where nothing else fits, and a
// table wider than the page scrolls sideways on its own instead of widening the page.
constexpr const char* page_style = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;
padding:0 16px 40px;color:#222;background:#fff}
h1{font-size:1.5em;margin:20px 0 4px}h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #ddd}
.sub{color:#555;margin:0 0 12px;overflow-wrap:break-word}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:110px}
.card .v{font-size:1.3em;font-weight:600}.card .k{color:#666;font-size:.85em}
table{border-collapse:collapse;font-size:.9em;margin:6px 0;display:block;max-width:100%;
overflow-x:auto}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}td.text{text-align:left}
td.words{text-align:left}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.warn{color:#9a6700;font-weight:600}
.banner{background:#fff4e5;border:1px solid #f0b429;padding:6px 10px;border-radius:6px}
svg.chart{width:100%;height:auto;display:block;font-size:12px}
svg.chart.small{max-width:520px;flex:1 1 320px;min-width:0}
svg.chart text{fill:#333}svg.chart .axis-label{fill:#666}svg.chart .band-label{fill:#555}
svg.chart .rule-label{fill:#cf222e}svg.chart .legend-item{cursor:pointer}
svg.chart .legend-item.off{opacity:.35}svg.chart .series.off{display:none}
svg.chart .cursor{stroke:#555;stroke-width:1;pointer-events:none}
svg.chart .zoom-sel{fill:rgba(31,119,180,.15);pointer-events:none}svg.chart .zoom-hint{fill:#999}
.named{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:flex-start}.named>div{min-width:0}
#chart-tip{position:fixed;display:none;pointer-events:none;background:#fff;border:1px solid #999;
border-radius:4px;padding:4px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.15);z-index:9}
#chart-tip b{display:block;font-weight:600}#chart-tip i{display:inline-block;width:10px;height:3px;
margin:0 6px 3px 0}
footer{margin-top:32px;color:#888;font-size:.8em}
)";

std::string format_us(double us) {
    if (us >= 1e6) {
        return fmt::format("{:.3g}s", us / 1e6);
    }
    if (us >= 1e3) {
        return fmt::format("{:.3g}ms", us / 1e3);
    }
    return fmt::format("{:.3g}us", us);
}

std::string format_number(double value) {
    if (value == std::floor(value) && std::abs(value) < 1e15) {
        return fmt::format("{}", static_cast<int64_t>(value));
    }
    return fmt::format("{:.2f}", value);
}

void append(std::string& page, std::string_view text) { page.append(text); }

void card(std::string& page, std::string_view key, std::string_view value) {
    fmt::format_to(std::back_inserter(page),
                   "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
                   html_escape(value), html_escape(key));
}

void append_header(std::string& page, const ResultDocument& result, std::string_view source) {
    const std::string mode =
        result.mode == "open_loop" && result.target_rate_rps
            ? fmt::format("open loop at {} req/s", format_number(*result.target_rate_rps))
            : std::string(result.mode == "open_loop" ? "open loop" : "closed loop");
    fmt::format_to(std::back_inserter(page),
                   "<header><h1>barrage report</h1><p class=\"sub\">{} ({}) &middot; {} &middot; "
                   "{}s measured{}</p></header>\n",
                   html_escape(result.target_url), html_escape(result.target_address),
                   html_escape(mode), format_number(std::round(result.duration_s * 100) / 100),
                   source.empty() ? "" : fmt::format(" &middot; {}", html_escape(source)));
}

void append_summary(std::string& page, const ResultDocument& result) {
    section_open(page, "summary", "Summary");
    if (result.interrupted) {
        append(page,
               "<p class=\"banner\">INTERRUPTED: stopped by a signal; the results cover "
               "what ran.</p>\n");
    }
    const int64_t unanswered = result.unanswered.value_or(0);
    if (unanswered > 0) {
        // The cards below show the answered requests; the gates judged these as infinitely slow.
        fmt::format_to(std::back_inserter(page),
                       "<p class=\"banner\">{} of {} scheduled requests went unanswered (failed, "
                       "unfinished or never sent); latency thresholds count them as infinitely "
                       "slow. The latency figures below are of the answered requests.</p>\n",
                       unanswered, result.sent + result.unsent);
    }
    const HistogramFigures& latency = result.latency();
    page += "<div class=\"cards\">";
    card(page, "throughput (req/s)", format_number(result.throughput_rps));
    card(page, "completed", format_number(static_cast<double>(result.completed)));
    card(page, "failed requests", format_number(static_cast<double>(result.request_errors)));
    if (unanswered > 0) {
        card(page, "unanswered", format_number(static_cast<double>(unanswered)));
    }
    card(page, "latency p50", format_us(static_cast<double>(latency.p50_us)));
    card(page, "latency p99", format_us(static_cast<double>(latency.p99_us)));
    card(page, "latency max", format_us(static_cast<double>(latency.max_us)));
    page += "</div>\n<table>";
    table_row(page, {"sent", "completed", "errors", "late", "unsent", "unfinished"}, true);
    table_row(page, {fmt::format("{}", result.sent), fmt::format("{}", result.completed),
                     fmt::format("{}", result.request_errors), fmt::format("{}", result.late),
                     fmt::format("{}", result.unsent), fmt::format("{}", result.unfinished)});
    page += "</table>\n";
    if (!result.warnings.empty()) {
        page += "<h3>Warnings</h3><ul class=\"warnings\">";
        for (const std::string& warning : result.warnings) {
            fmt::format_to(std::back_inserter(page), "<li>{}</li>", html_escape(warning));
        }
        page += "</ul>\n";
    }
    page += "</section>\n";
}

std::string threshold_value_text(double value, std::string_view unit) {
    if (unit == "us") {
        return format_us(value);
    }
    if (unit == "ratio") {
        return fmt::format("{:.3g}%", value * 100);
    }
    if (unit == "factor") {
        return fmt::format("{:.3g}x", value);
    }
    return fmt::format("{} {}", format_number(std::round(value * 1000) / 1000), unit);
}

void append_thresholds(std::string& page, const ResultDocument& result) {
    if (result.thresholds.empty()) {
        return;
    }
    section_open(page, "thresholds", "Thresholds");
    page +=
        "<table><tr><th>threshold</th><th>scope</th><th>value</th><th>limit</th>"
        "<th>result</th></tr>\n";
    for (const ThresholdFigures& threshold : result.thresholds) {
        std::string value = threshold.value ? threshold_value_text(*threshold.value, threshold.unit)
                            : threshold.unanswered ? std::string("unanswered")
                                                   : std::string("no data");
        if (threshold.window_start_s) {
            value += fmt::format(" (from {:g}s)", *threshold.window_start_s);
        }
        const std::string scope = !threshold.phase.empty()    ? "phase " + threshold.phase
                                  : threshold.request.empty() ? std::string("(all)")
                                                              : threshold.request;
        fmt::format_to(std::back_inserter(page),
                       "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td>"
                       "<td>{} {}</td><td class=\"{}\">{}</td></tr>\n",
                       html_escape(threshold.expression), html_escape(scope), html_escape(value),
                       html_escape(threshold.comparison),
                       html_escape(threshold_value_text(threshold.limit, threshold.unit)),
                       threshold.passed ? "pass" : "fail", threshold.passed ? "PASS" : "FAIL");
    }
    page += "</table></section>\n";
}

std::vector<double> interval_times(const ResultDocument& result) {
    std::vector<double> xs;
    for (const IntervalFigures& row : result.intervals) {
        xs.push_back(row.t_s);
    }
    return xs;
}

template <typename Field>
ChartSeries interval_series(const ResultDocument& result, std::string label, const char* color,
                            Field field, double divisor = 1) {
    ChartSeries series{std::move(label), color, {}};
    for (const IntervalFigures& row : result.intervals) {
        series.y.push_back(static_cast<double>(field(row)) / divisor);
    }
    return series;
}

void append_throughput(std::string& page, const ResultDocument& result) {
    ChartSpec spec{"chart-throughput", "Throughput over time", "req/s",
                   XAxis::seconds,     interval_times(result), {}};
    spec.series.push_back(interval_series(result, "completed req/s", color_blue,
                                          [](const IntervalFigures& row) { return row.rps; }));
    // The achieved send rate where the document has it (older ones do not).
    if (!result.intervals.empty() &&
        std::all_of(result.intervals.begin(), result.intervals.end(),
                    [](const IntervalFigures& row) { return row.has_sent; })) {
        ChartSeries sent{"sent req/s", color_green, {}};
        for (std::size_t i = 0; i < result.intervals.size(); ++i) {
            const double start_s = i == 0 ? 0 : result.intervals[i - 1].t_s;
            const double length_s = result.intervals[i].t_s - start_s;
            sent.y.push_back(length_s > 0 ? static_cast<double>(result.intervals[i].sent) / length_s
                                          : 0);
        }
        spec.series.push_back(std::move(sent));
    }
    // The schedule's rate per interval (a ramp rises); documents without it have
    // only the run's mean, a flat line only where one phase held it.
    const bool target_per_interval =
        !result.intervals.empty() &&
        std::all_of(result.intervals.begin(), result.intervals.end(),
                    [](const IntervalFigures& row) { return row.target_rps.has_value(); });
    if (target_per_interval) {
        ChartSeries target{"target rate", color_grey, {}};
        for (const IntervalFigures& row : result.intervals) {
            target.y.push_back(*row.target_rps);
        }
        spec.series.push_back(std::move(target));
    } else if (result.target_rate_rps && result.phases.size() <= 1) {
        ChartSeries target{"target rate", color_grey, {}};
        target.y.assign(result.intervals.size(), *result.target_rate_rps);
        spec.series.push_back(std::move(target));
    }
    spec.bands = detail::phase_bands(result);
    append_chart(page, "throughput", "Throughput over time", spec,
                 "Responses completed and requests sent per second in each interval, against "
                 "the schedule's rate in each interval (open loop).");
}

void append_latency_over_time(std::string& page, const ResultDocument& result) {
    int64_t max_us = 0;
    for (const IntervalFigures& row : result.intervals) {
        max_us = std::max(max_us, row.max_us);
    }
    const LatencyUnit unit = latency_unit_for(max_us);
    ChartSpec spec{"chart-latency", "Latency percentiles over time", unit.label,
                   XAxis::seconds,  interval_times(result),          {}};
    spec.series.push_back(interval_series(
        result, "p50", color_blue, [](const IntervalFigures& r) { return r.p50_us; },
        unit.divisor));
    spec.series.push_back(interval_series(
        result, "p90", color_green, [](const IntervalFigures& r) { return r.p90_us; },
        unit.divisor));
    // Results written before the intervals had p95 read 0 there: no line rather than a false 0.
    if (std::any_of(result.intervals.begin(), result.intervals.end(),
                    [](const IntervalFigures& r) { return r.p95_us > 0; })) {
        spec.series.push_back(interval_series(
            result, "p95", color_purple, [](const IntervalFigures& r) { return r.p95_us; },
            unit.divisor));
    }
    spec.series.push_back(interval_series(
        result, "p99", color_orange, [](const IntervalFigures& r) { return r.p99_us; },
        unit.divisor));
    spec.series.push_back(interval_series(
        result, "max", color_red, [](const IntervalFigures& r) { return r.max_us; }, unit.divisor));
    spec.bands = detail::phase_bands(result);
    spec.rules = detail::latency_rules(result, unit);
    append_chart(page, "latency-over-time", "Latency percentiles over time", spec,
                 "Percentiles of each interval's own latency histogram (from the intended "
                 "send time in open loop), the run's phases behind them and its latency "
                 "thresholds as dashed lines.");
}

// The JSON's spectrum when it has one; otherwise the headline percentiles,
// which draw the same curve with fewer points.
std::vector<stats::SpectrumPoint> spectrum_points(const ResultDocument& result) {
    if (!result.spectrum.empty()) {
        return result.spectrum;
    }
    const HistogramFigures& latency = result.latency();
    if (latency.count == 0) {
        return {};
    }
    return {{0, latency.min_us},  {50, latency.p50_us},    {90, latency.p90_us},
            {99, latency.p99_us}, {99.9, latency.p999_us}, {99.99, latency.p9999_us},
            {100, latency.max_us}};
}

void append_spectrum(std::string& page, const ResultDocument& result) {
    const std::vector<stats::SpectrumPoint> points = spectrum_points(result);
    const LatencyUnit unit = latency_unit_for(points.empty() ? 0 : points.back().value_us);
    ChartSpec spec{
        "chart-spectrum", "Latency by percentile", unit.label, XAxis::percentile_spectrum, {}, {}};
    ChartSeries series{"latency", color_blue, {}};
    for (const stats::SpectrumPoint& point : points) {
        spec.x.push_back(point.percentile);
        series.y.push_back(static_cast<double>(point.value_us) / unit.divisor);
    }
    if (!points.empty()) {
        spec.series.push_back(std::move(series));
    }
    append_chart(page, "spectrum", "Latency by percentile", spec,
                 "HdrHistogram's percentile distribution: the x axis is 1/(1-q) on a log scale, "
                 "so each step to the right is ten times rarer; the last point is the max.");
}

void append_status_over_time(std::string& page, const ResultDocument& result) {
    ChartSpec spec{"chart-status",
                   "Status classes and errors over time",
                   "requests",
                   XAxis::seconds,
                   interval_times(result),
                   {}};
    const bool has_status = std::any_of(result.intervals.begin(), result.intervals.end(),
                                        [](const IntervalFigures& row) { return row.has_status; });
    if (has_status) {
        for (int cls = 0; cls < status_class_count; ++cls) {
            if (result.status[cls] == 0) {
                continue;  // a class that never occurred would only be a flat line at 0
            }
            spec.series.push_back(
                interval_series(result, status_class_names[cls], status_colors[cls],
                                [cls](const IntervalFigures& row) { return row.status[cls]; }));
        }
    } else {
        spec.series.push_back(interval_series(result, "completed", color_green,
                                              [](const IntervalFigures& r) { return r.requests; }));
    }
    spec.series.push_back(interval_series(result, "failed", color_red,
                                          [](const IntervalFigures& r) { return r.errors; }));
    spec.bands = detail::phase_bands(result);
    append_chart(page, "status-over-time", "Status codes and errors over time", spec,
                 "Responses by status class and failed requests, per interval.");
}

std::vector<std::string> histogram_cells(std::string name, const HistogramFigures& h) {
    const auto us = [](int64_t value) { return format_us(static_cast<double>(value)); };
    if (h.count == 0) {
        return {std::move(name), "", "", "", "", "", "", "", "", "0"};
    }
    return {std::move(name),      us(h.min_us),
            format_us(h.mean_us), us(h.p50_us),
            us(h.p90_us),         us(h.p99_us),
            us(h.p999_us),        us(h.p9999_us),
            us(h.max_us),         fmt::format("{}", h.count)};
}

const std::vector<std::string> histogram_header = {"",    "min",   "mean",   "p50", "p90",
                                                   "p99", "p99.9", "p99.99", "max", "count"};

void append_latency_table(std::string& page, const ResultDocument& result) {
    section_open(page, "latency-table", "Time histograms");
    page += "<table>";
    table_row(page, histogram_header, true);
    for (const auto& [name, figures] : result.histograms) {
        table_row(page, histogram_cells(name, figures));
    }
    page += "</table></section>\n";
}

void append_status_and_errors(std::string& page, const ResultDocument& result) {
    section_open(page, "status-and-errors", "Status codes and errors");
    page += "<table><tr><th>status</th><th>responses</th></tr>\n";
    for (const auto& [code, count] : result.status_codes) {
        table_row(page, {code, fmt::format("{}", count)});
    }
    if (result.status_codes.empty()) {
        page += "<tr><td colspan=\"2\">no responses</td></tr>";
    }
    page += "</table>\n<table><tr><th>error</th><th>count</th></tr>\n";
    for (const auto& [kind, count] : result.errors) {
        if (count != 0 || kind == "total") {
            table_row(page, {kind, fmt::format("{}", count)});
        }
    }
    page += "</table>\n";
    if (!result.error_details.empty()) {
        page += "<ul class=\"error-details\">";
        for (const std::string& detail : result.error_details) {
            fmt::format_to(std::back_inserter(page), "<li>{}</li>", html_escape(detail));
        }
        page += "</ul>\n";
    }
    page += "</section>\n";
}

// One table of counts and one of latency per name: of requests_by_name, or of
// transactions_by_name (task groups).
void append_named(std::string& page, const std::vector<NamedFigures>& by_name, std::string_view id,
                  std::string_view title) {
    if (by_name.empty()) {
        return;
    }
    section_open(page, id, title);
    std::size_t index = 0;
    for (const NamedFigures& named : by_name) {
        ++index;
        fmt::format_to(std::back_inserter(page), "<h3>{}</h3>\n<table>", html_escape(named.name));
        std::vector<std::string> keys;
        std::vector<std::string> values;
        for (const auto& [key, value] : named.counts) {
            keys.push_back(key);
            values.push_back(value);
        }
        table_row(page, keys, true);
        table_row(page, values);
        page += "</table>\n";
        if (!named.latency) {
            continue;
        }
        // The latency table with its chart beside it (below it on a narrow page).
        page += "<div class=\"named\"><div><table>";
        table_row(page, histogram_header, true);
        table_row(page, histogram_cells("latency", *named.latency));
        page += "</table></div>";
        // Requests only (transactions' charts would repeat ids on one page), and only with
        // several names: one name's chart would repeat the spectrum above.
        if (id == "by-name" && by_name.size() > 1) {
            page += detail::named_latency_chart(*named.latency, index);
        }
        page += "</div>\n";
    }
    page += "</section>\n";
}

// Every request of a profile (config.requests); older documents name only the
// first request's url and method, so with several names those rows say so.
void append_config(std::string& page, const ResultDocument& result) {
    section_open(page, "config", "Configuration");
    const bool listed = !result.requests.empty();
    if (listed) {
        page +=
            "<table id=\"config-requests\"><tr><th>request</th><th>method</th>"
            "<th>URL template</th></tr>\n";
        for (const RequestTemplate& request : result.requests) {
            fmt::format_to(std::back_inserter(page),
                           "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td>"
                           "<td class=\"text\">{}</td></tr>\n",
                           html_escape(request.name), html_escape(request.method),
                           html_escape(request.url));
        }
        page += "</table>\n";
    }
    const bool several = result.requests_by_name.size() > 1;
    page += "<table>";
    for (const auto& [key, value] : result.config) {
        if (listed && (key == "url" || key == "method")) {
            continue;  // in the requests table above
        }
        const bool first_only = several && (key == "url" || key == "method");
        fmt::format_to(std::back_inserter(page),
                       "<tr><th>{}{}</th><td class=\"text\">{}</td></tr>\n", html_escape(key),
                       first_only ? " (first request)" : "", html_escape(value));
    }
    page += "</table></section>\n";
}

}  // namespace

namespace html {

std::string page_open(std::string_view title) {
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        // No fetch of any kind: the page is complete as written.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>{}</title>\n<style>{}</style></head>\n"
        "<body data-report=\"barrage\">\n",
        html_escape(title), page_style);
}

std::string page_close(std::string_view footer_text) {
    return fmt::format("<footer>{}</footer>\n<script>{}</script>\n</body></html>\n",
                       html_escape(footer_text), detail::page_script);
}

void section_open(std::string& page, std::string_view id, std::string_view heading) {
    fmt::format_to(std::back_inserter(page), "<section id=\"{}\"><h2>{}</h2>\n", id,
                   html_escape(heading));
}

void table_row(std::string& page, const std::vector<std::string>& cells, bool header) {
    const char* tag = header ? "th" : "td";
    page += "<tr>";
    for (const std::string& cell : cells) {
        fmt::format_to(std::back_inserter(page), "<{0}>{1}</{0}>", tag, html_escape(cell));
    }
    page += "</tr>\n";
}

void append_chart(std::string& page, std::string_view id, std::string_view heading,
                  const ChartSpec& spec, std::string_view note) {
    section_open(page, id, heading);
    page += render_line_chart(spec);
    if (!note.empty()) {
        fmt::format_to(std::back_inserter(page), "<p class=\"sub\">{}</p>", html_escape(note));
    }
    page += "</section>\n";
}

}  // namespace html

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string format_html_report(const ResultDocument& result, std::string_view source) {
    return format_html_report(result, source, {}, {});
}

std::string format_html_report(const ResultDocument& result, std::string_view source,
                               std::span<const HistoryEntry> history,
                               std::string_view history_source) {
    std::string page = html::page_open(fmt::format("barrage report: {}", result.target_url));
    append_header(page, result, source);
    append_summary(page, result);
    append_thresholds(page, result);
    append_throughput(page, result);
    append_latency_over_time(page, result);
    append_spectrum(page, result);
    append_status_over_time(page, result);
    detail::append_answered(page, result);
    detail::append_connections(page, result);
    detail::append_errors_over_time(page, result);
    detail::append_latency_histogram(page, result);
    append_latency_table(page, result);
    append_status_and_errors(page, result);
    append_named(page, result.requests_by_name, "by-name", "Requests by name");
    append_named(page, result.transactions_by_name, "by-transaction", "Transactions by name");
    if (result.watch) {
        detail::append_watch_section(page, *result.watch);
    }
    if (!history_source.empty()) {
        detail::append_trend_section(page, history, history_source);
    }
    append_config(page, result);
    page += html::page_close(fmt::format("Written by barrage {} (result schema {}).",
                                         result.version, result.schema_version));
    return page;
}

base::Result<std::string> html_report_from_json(std::string_view json_text,
                                                std::string_view source) {
    auto result = read_result_document(json_text, source.empty() ? "result" : source);
    if (!result.ok()) {
        return result.error();
    }
    return format_html_report(result.value(), source);
}

base::Result<std::string> html_report_from_json(std::string_view json_text, std::string_view source,
                                                std::span<const HistoryEntry> history,
                                                std::string_view history_source) {
    auto result = read_result_document(json_text, source.empty() ? "result" : source);
    if (!result.ok()) {
        return result.error();
    }
    return format_html_report(result.value(), source, history, history_source);
}

}  // namespace barrage::report
