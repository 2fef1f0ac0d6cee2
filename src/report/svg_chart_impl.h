#pragma once
// Inline SVG line charts for the HTML report, drawn in C++ so the page needs
// no script and no library to show them. Private to src/report (the unit test
// reaches in on purpose).

#include <string>
#include <string_view>
#include <vector>

namespace barrage::report::detail {

// Maps [domain_min, domain_max] onto [range_min, range_max] linearly; an empty
// domain (min == max) maps everything to range_min.
struct LinearScale {
    double domain_min = 0;
    double domain_max = 1;
    double range_min = 0;
    double range_max = 1;
    double map(double value) const;
};

// Round tick values (steps of 1, 2 or 5 times a power of ten) from `low`
// (rounded down to a step) through at least `high`, about `count_target` of
// them. low == high gives one step above.
std::vector<double> nice_ticks(double low, double high, int count_target);

// Compact tick text: 0, 0.5, 12, 1500 -> "1.5k", 2000000 -> "2M".
std::string tick_text(double value);

// The x of HdrHistogram's percentile plot: log10(1 / (1 - percentile / 100)),
// so 0% -> 0, 90% -> 1, 99% -> 2, 99.9% -> 3. 100% (and anything the double
// cannot tell from it) maps to `x_at_100`.
double spectrum_x(double percentile, double x_at_100);
// Label of the tick at x = decades: 0 -> "0%", 1 -> "90%", 3 -> "99.9%".
std::string spectrum_tick_label(int decades);

enum class XAxis {
    seconds,              // x = seconds since the measured start
    percentile_spectrum,  // x = spectrum_x(percentile), ticks at 0%, 90%, 99%, ...
    runs,                 // x = 1, 2, ... (runs oldest first), ticks show ChartSpec::x_labels
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
};

// XAxis::runs: the 1-based runs that get a tick, at most about 8 of them
// evenly spaced, always the first and the last.
std::vector<double> run_ticks(std::size_t run_count);

inline constexpr int chart_width_px = 760;
inline constexpr int chart_height_px = 280;

// The <svg class="chart"> element: axes, grid, one polyline per series, a
// legend. A chart without points says "no data" instead of drawing axes
// around nothing. Every text is HTML-escaped.
std::string render_line_chart(const ChartSpec& spec);

}  // namespace barrage::report::detail
