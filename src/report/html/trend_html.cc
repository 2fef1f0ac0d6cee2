// The trend of the runs recorded with --history as HTML: one chart per key
// metric over the runs and the table `barrage trend` prints. Shown on its own
// page (`barrage trend FILE --html OUT`) and inside the run report
// (`barrage report RESULT.json --history FILE`).

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "barrage/report/html/html_report.h"
#include "html_page_impl.h"

namespace barrage::report {
namespace {

using html::append_chart;
using html::ChartSeries;
using html::ChartSpec;
using html::color_blue;
using html::color_green;
using html::color_orange;
using html::color_red;
using html::section_open;
using html::table_row;
using html::XAxis;

// What a run is called under the charts: its --label, else its time, short
// ("12-02 15:47" of "2026-12-02T15:47:04Z"); the table has the whole time.
std::string run_name(const HistoryEntry& entry) {
    if (!entry.label.empty()) {
        return entry.label;
    }
    const std::string_view time = entry.time;
    if (time.size() == 20 && time[10] == 'T') {
        return fmt::format("{} {}", time.substr(5, 5), time.substr(11, 5));
    }
    return entry.time;
}

template <typename Field>
ChartSpec runs_chart(std::span<const HistoryEntry> entries, std::string id, std::string title,
                     std::string y_label, ChartSeries series, Field field, double divisor = 1) {
    ChartSpec spec{std::move(id), std::move(title), std::move(y_label), XAxis::runs, {}, {}, {}};
    for (std::size_t i = 0; i < entries.size(); ++i) {
        spec.x.push_back(static_cast<double>(i + 1));
        spec.x_labels.push_back(run_name(entries[i]));
        series.y.push_back(static_cast<double>(field(entries[i])) / divisor);
    }
    if (!entries.empty()) {
        spec.series.push_back(std::move(series));
    }
    return spec;
}

// Each latency percentile gets a chart of its own: p99 is often ten times
// p50, and on one scale p50's changes would be a flat line.
template <typename Field>
void append_latency_chart(std::string& page, std::span<const HistoryEntry> entries,
                          std::string_view name, const char* color, Field field) {
    int64_t max_us = 0;
    for (const HistoryEntry& entry : entries) {
        max_us = std::max(max_us, field(entry));
    }
    const html::LatencyUnit unit = html::latency_unit_for(max_us);
    const std::string title = fmt::format("Latency {} per run", name);
    html::append_chart(page, fmt::format("trend-{}", name), title,
                       runs_chart(entries, fmt::format("chart-trend-{}", name), title, unit.label,
                                  ChartSeries{std::string(name), color, {}}, field, unit.divisor),
                       "");
}

}  // namespace

namespace detail {

void append_trend_section(std::string& page, std::span<const HistoryEntry> entries,
                          std::string_view source) {
    section_open(page, "trend", "Trend of recorded runs");
    fmt::format_to(std::back_inserter(page),
                   "<p class=\"sub\">{} run{} recorded with --history in {}, oldest first.</p>\n",
                   entries.size(), entries.size() == 1 ? "" : "s", html_escape(source));
    append_latency_chart(page, entries, "p50", color_blue,
                         [](const HistoryEntry& e) { return e.p50_us; });
    append_latency_chart(page, entries, "p99", color_orange,
                         [](const HistoryEntry& e) { return e.p99_us; });
    append_chart(page, "trend-rps", "Throughput per run",
                 runs_chart(entries, "chart-trend-rps", "Throughput per run", "req/s",
                            ChartSeries{"completed req/s", color_green, {}},
                            [](const HistoryEntry& e) { return e.rps; }),
                 "");
    append_chart(page, "trend-errors", "Error rate per run",
                 runs_chart(entries, "chart-trend-errors", "Error rate per run", "%",
                            ChartSeries{"failed requests", color_red, {}},
                            [](const HistoryEntry& e) { return e.error_rate * 100.0; }),
                 "Failed requests / (completed + failed), in percent.");
    page += "<table id=\"trend-table\">";
    const auto rows = trend_table(entries);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        table_row(page, rows[i], i == 0);
    }
    page += "</table></section>\n";
}

}  // namespace detail

std::string format_trend_html(std::span<const HistoryEntry> history, std::string_view source) {
    std::string page = html::page_open(fmt::format("barrage trend: {}", source));
    fmt::format_to(std::back_inserter(page),
                   "<header><h1>barrage trend</h1><p class=\"sub\">{}</p></header>\n",
                   html_escape(source));
    detail::append_trend_section(page, history, source);
    page += html::page_close("Written by barrage trend.");
    return page;
}

}  // namespace barrage::report
