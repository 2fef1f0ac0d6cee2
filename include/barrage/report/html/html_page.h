#pragma once
// The pieces every barrage HTML page is built from: the self-contained page
// around the sections (no fetch of any kind, a few lines of script that only
// mark the page as rendered), a section, a table row, and inline SVG line
// charts drawn in C++, so the page needs no library to show them. Used by the
// run report and the trend page (report) and by the find-max page (capacity).
// Every text given here is HTML-escaped.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace barrage::report::html {

// The charts' palette (the usual category colours), one name per colour.
inline constexpr const char* color_blue = "#1f77b4";
inline constexpr const char* color_orange = "#ff7f0e";
inline constexpr const char* color_green = "#2ca02c";
inline constexpr const char* color_red = "#d62728";
inline constexpr const char* color_purple = "#9467bd";
inline constexpr const char* color_grey = "#7f7f7f";

// <!DOCTYPE html> through <body>: the Content-Security-Policy that forbids any
// fetch, the inline style, and `title` as the document title.
std::string page_open(std::string_view title);
// `footer_text` in a <footer>, the script that marks the page as rendered
// (data-rendered="ok" and data-charts="N" on <body>), and the end of the page.
std::string page_close(std::string_view footer_text);

// <section id="ID"><h2>HEADING</h2>; the caller closes it.
void section_open(std::string& page, std::string_view id, std::string_view heading);
// One <tr> of cells, <th> when `header`.
void table_row(std::string& page, const std::vector<std::string>& cells, bool header = false);

enum class XAxis {
    seconds,              // x = seconds since the measured start (from 0, or earlier ones)
    percentile_spectrum,  // x = percentiles, drawn as log10(1 / (1 - q)): 0%, 90%, 99%, ...
    runs,                 // x = 1, 2, ... (runs oldest first), ticks show ChartSpec::x_labels
    rate_asked,           // x = the request rate asked for, req/s
};

struct ChartSeries {
    std::string label;      // legend text
    std::string color;      // CSS color, e.g. "#1f77b4"
    std::vector<double> y;  // one per ChartSpec::x
};

struct ChartSpec {
    std::string id;       // the <svg>'s id
    std::string title;    // accessible name (<title>)
    std::string y_label;  // unit of the y axis, e.g. "req/s" or "ms"
    XAxis x_axis = XAxis::seconds;
    std::vector<double> x;  // ascending; percentiles for percentile_spectrum
    std::vector<ChartSeries> series;
    std::vector<std::string> x_labels;  // XAxis::runs: one per x, shown at the ticks
    // A log10 y axis with ticks at powers of ten, for values spanning decades
    // (latency past a target's capacity); values <= 0 sit on the axis floor.
    bool y_log = false;
};

inline constexpr int chart_width_px = 760;
inline constexpr int chart_height_px = 280;

// The <svg class="chart"> element: axes, grid, one polyline per series, a
// legend; the y axis starts at 0 unless a value is below it. A chart without
// points says "no data" instead of drawing axes around nothing.
std::string render_line_chart(const ChartSpec& spec);

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

}  // namespace barrage::report::html
