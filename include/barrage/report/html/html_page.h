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
    latency_log,          // x = latency in ChartSpec::x_unit, drawn on a log10 axis
};

struct ChartSeries {
    std::string label;      // legend text
    std::string color;      // CSS color, e.g. "#1f77b4"
    std::vector<double> y;  // one per ChartSpec::x
};

// A stretch of the x axis shaded behind the lines, named at its top (a phase).
struct ChartBand {
    double x_from = 0;
    double x_to = 0;
    std::string label;
};

// A dashed line across the plot, named at its end: at y = value (a threshold,
// an SLO) or, when `vertical`, at x = value (find-max's knee). A horizontal
// rule widens the y axis to stay in view.
struct ChartRule {
    double value = 0;
    std::string label;
    bool vertical = false;
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
    std::vector<ChartBand> bands;
    std::vector<ChartRule> rules;
    bool small = false;       // half the width (chart_small_width_px): one beside a table
    const char* x_unit = "";  // XAxis::latency_log: the unit of x (a LatencyUnit's label)
};

// The viewBox; the page scales the chart to its width (text scales with it).
inline constexpr int chart_width_px = 900;
inline constexpr int chart_small_width_px = 450;
inline constexpr int chart_height_px = 280;

// The <svg class="chart"> element: axes, grid, bands, rules, one polyline per
// series, a legend; the y axis starts at 0 unless a value is below it. A chart
// without points says "no data" instead of drawing axes around nothing. For
// the page's script (hover values, legend toggles) the <svg> carries data-x
// (JSON array of the x values), data-px (their x in the viewBox), data-unit
// (y_label), data-xkind ("seconds", "percentile", "runs", "rate", "latency"),
// data-xunit (x_unit) and
// data-xlabels (runs); each series element data-y (JSON array) and
// data-label; each legend entry is <g class="legend-item" data-series="I">.
std::string render_line_chart(const ChartSpec& spec);

// A section holding one chart and an optional note under it.
void append_chart(std::string& page, std::string_view id, std::string_view heading,
                  const ChartSpec& spec, std::string_view note);

// Latency charts switch unit as values grow (us, then ms from 1 ms, then s
// from 1 s), so a 6 ms p99 reads "6 ms", not "6000 us".
struct LatencyUnit {
    const char* label;
    double divisor;
};
inline LatencyUnit latency_unit_for(int64_t max_us) {
    if (max_us >= 1'000'000) {
        return LatencyUnit{"s", 1e6};
    }
    return max_us >= 1'000 ? LatencyUnit{"ms", 1e3} : LatencyUnit{"us", 1};
}

}  // namespace barrage::report::html
