#pragma once
// The parts of an HTML page that the run report (html_report.cc) and the
// trend page (trend_html.cc) share: the page around the sections, a section,
// a table row, a chart with its note. Private to src/report.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/report/history.h"
#include "svg_chart_impl.h"

namespace barrage::report::detail {

// <!DOCTYPE html> through <body>: the Content-Security-Policy that forbids any
// fetch, the inline style, and `title` (escaped) as the document title.
std::string page_open(std::string_view title);
// `footer_text` (escaped) in a <footer>, the script that marks the page as
// rendered (data-rendered, data-charts on <body>), and the end of the page.
std::string page_close(std::string_view footer_text);

// <section id="ID"><h2>HEADING</h2>; the caller closes it.
void section_open(std::string& page, std::string_view id, std::string_view heading);
// One <tr> of escaped cells, <th> when `header`.
void table_row(std::string& page, const std::vector<std::string>& cells, bool header = false);
// A section holding one chart and an optional note under it.
void append_chart(std::string& page, std::string_view id, std::string_view heading,
                  const ChartSpec& spec, std::string_view note);

// Latency charts use ms once values reach 10 ms, so tick labels stay short.
struct LatencyUnit {
    const char* label;
    double divisor;
};
inline LatencyUnit latency_unit_for(int64_t max_us) {
    return max_us >= 10'000 ? LatencyUnit{"ms", 1e3} : LatencyUnit{"us", 1};
}

// <section id="trend">: the runs recorded with --history (read from
// `source`), oldest first, as four charts over the runs (chart-trend-p50,
// chart-trend-p99, chart-trend-rps, chart-trend-errors) and the table of
// `barrage trend` (<table id="trend-table">).
void append_trend_section(std::string& page, std::span<const HistoryEntry> entries,
                          std::string_view source);

}  // namespace barrage::report::detail
