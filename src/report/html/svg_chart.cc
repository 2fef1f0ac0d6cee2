// Line charts as inline SVG. Coordinates are written with one decimal: the
// page stays small and nothing finer shows on a screen.
//
// Why our SVG and not a charting library (issue 13, measured): uPlot 1.6.32,
// the smallest fit, is 51,081 bytes of minified JS + 1,857 of CSS (22 KB
// gzipped) inlined into every page before any data, draws on a canvas (no
// chart without script, nothing a DOM test can count) and would mean porting
// the find-max, trend and watch pages. Extending this file cost ~150 lines
// and an 8.6 KB script (hover values, legend toggles, drag-to-zoom on time
// charts, in html_report.cc): a typical run page (a 4 s run of a 3-request
// profile) went from 22.6 KB (4 charts) to 54.6 KB (9 charts, each carrying
// its values for the script), 10.5 KB gzipped, where the uPlot page would be
// about 75 KB.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>

#include "barrage/base/assert.h"
#include "barrage/report/html/html_page.h"
#include "barrage/report/html/html_report.h"
#include "svg_chart_impl.h"

namespace barrage::report::detail {
namespace {

using html::chart_height_px;
using html::chart_width_px;
using html::ChartSeries;
using html::ChartSpec;
using html::XAxis;

// Plot area inside the chart: room on the left for y tick labels, at the
// bottom for x tick labels, at the top for the legend.
constexpr double margin_left_px = 64;
// Room for half of the last x label ("99.999%") so it is not clipped.
constexpr double margin_right_px = 34;
constexpr double margin_top_px = 34;
constexpr double margin_bottom_px = 40;
constexpr int y_tick_target = 5;
constexpr int x_tick_target = 8;
constexpr double legend_char_px = 7;
constexpr std::size_t x_label_chars_max = 14;
// How far above the highest value a threshold line may stretch the y axis.
constexpr double rule_reach = 3;
// A log axis starts no lower than 0.001 (of its unit): the tick labels show three decimals.
constexpr int log_decade_min = -3;

struct Frame {
    double width_px = chart_width_px;
    LinearScale x;
    LinearScale y;  // over log10(value) when y_log
    std::vector<double> x_ticks;
    std::vector<double> y_ticks;  // values, powers of ten when y_log
    bool y_log = false;
    double y_floor = 0;  // y_log: values below it are drawn at it

    double y_px(double value) const {
        return y_log ? y.map(std::log10(std::max(value, y_floor))) : y.map(value);
    }
};

double plot_left() { return margin_left_px; }
double plot_right(const ChartSpec& spec) {
    return (spec.small ? html::chart_small_width_px : chart_width_px) - margin_right_px;
}
double plot_top() { return margin_top_px; }
double plot_bottom() { return chart_height_px - margin_bottom_px; }

std::vector<double> spectrum_ticks(double x_max) {
    std::vector<double> ticks;
    for (int decade = 0; decade <= static_cast<int>(std::ceil(x_max)); ++decade) {
        ticks.push_back(decade);
    }
    return ticks;
}

// Spectrum x for 100%: one decade past the finest finite point, so the max
// stands apart from the last percentile like in HdrHistogram's plots.
double spectrum_x_max(const std::vector<double>& percentiles) {
    double finest = 1;
    for (const double percentile : percentiles) {
        const double x = spectrum_x(percentile, -1);
        finest = std::max(finest, x);
    }
    return std::ceil(finest) + (finest == std::ceil(finest) ? 1 : 0);
}

// Decades from the smallest positive value through the largest, at least one.
void frame_log_y(Frame& frame, const ChartSpec& spec) {
    double low = 0;
    double high = 0;
    for (const ChartSeries& series : spec.series) {
        for (const double y : series.y) {
            if (y > 0) {
                low = low == 0 ? y : std::min(low, y);
                high = std::max(high, y);
            }
        }
    }
    const double data_high = high;
    for (const html::ChartRule& rule : spec.rules) {
        // An SLO above every step still shows, unless far above (append_rules names it).
        if (!rule.vertical && rule.value > 0 &&
            (data_high == 0 || rule.value <= rule_reach * data_high)) {
            low = low == 0 ? rule.value : std::min(low, rule.value);
            high = std::max(high, rule.value);
        }
    }
    const int decade_low =
        low > 0 ? std::max(log_decade_min, static_cast<int>(std::floor(std::log10(low)))) : 0;
    const int decade_high =
        std::max(decade_low + 1, high > 0 ? static_cast<int>(std::ceil(std::log10(high))) : 1);
    for (int decade = decade_low; decade <= decade_high; ++decade) {
        frame.y_ticks.push_back(std::pow(10.0, decade));
    }
    frame.y_log = true;
    frame.y_floor = frame.y_ticks.front();
    frame.y = {static_cast<double>(decade_low), static_cast<double>(decade_high), plot_bottom(),
               plot_top()};
}

// Ticks (as log10 of the value) at 1, 2 and 5 times the powers of ten in
// [low, high] (log10 of the ends): the range of the data, not whole decades,
// so a histogram from 2 to 10 ms is not squeezed into a third of 1..100 ms.
std::vector<double> log_ticks(double low, double high) {
    std::vector<double> ticks;
    for (double decade = std::floor(low); decade <= std::ceil(high); ++decade) {
        for (const double mantissa : {1.0, 2.0, 5.0}) {
            const double tick = decade + std::log10(mantissa);
            if (tick >= low - 1e-9 && tick <= high + 1e-9) {
                ticks.push_back(tick);
            }
        }
    }
    if (ticks.size() < 2) {  // a range inside one 1-2-5 step: label its ends
        ticks = {low, high};
    }
    return ticks;
}

Frame frame_for(const ChartSpec& spec, const std::vector<double>& xs) {
    Frame frame;
    frame.width_px = plot_right(spec) + margin_right_px;
    if (spec.y_log) {
        frame_log_y(frame, spec);
    } else {
        // From 0 unless a value is below it (a scraped gauge may be negative).
        double y_low = 0;
        double y_high = 0;
        for (const ChartSeries& series : spec.series) {
            for (const double y : series.y) {
                y_low = std::min(y_low, y);
                y_high = std::max(y_high, y);
            }
        }
        // A threshold a little above every value still shows; one far above would
        // flatten the lines: it is named at the top instead (append_rules).
        const double data_high = y_high;
        for (const html::ChartRule& rule : spec.rules) {
            if (!rule.vertical && rule.value <= rule_reach * data_high) {
                y_high = std::max(y_high, rule.value);
            }
        }
        frame.y_ticks = nice_ticks(y_low, y_high, y_tick_target);
        frame.y = {frame.y_ticks.front(), frame.y_ticks.back(), plot_bottom(), plot_top()};
    }
    if (spec.x_axis == XAxis::percentile_spectrum) {
        frame.x_ticks = spectrum_ticks(xs.back());
        frame.x = {0, frame.x_ticks.back(), plot_left(), plot_right(spec)};
        return frame;
    }
    if (spec.x_axis == XAxis::latency_log) {
        frame.x_ticks = log_ticks(xs.front(), xs.back());
        frame.x = {xs.front(), std::max(xs.back(), xs.front() + 1e-9), plot_left(),
                   plot_right(spec)};
        return frame;
    }
    if (spec.x_axis == XAxis::runs) {
        // Half a slot of room on either side so the first and last run are not on the frame.
        frame.x_ticks = run_ticks(xs.size());
        frame.x = {0.5, static_cast<double>(xs.size()) + 0.5, plot_left(), plot_right(spec)};
        return frame;
    }
    // From 0 unless the first x is before it (a watched target's warm-up samples).
    frame.x_ticks = nice_ticks(std::min(0.0, xs.front()), xs.back(), x_tick_target);
    frame.x = {frame.x_ticks.front(), frame.x_ticks.back(), plot_left(), plot_right(spec)};
    return frame;
}

// Long labels (commit messages, times) would run into each other under the
// ticks: cut at a UTF-8 character boundary and end with an ellipsis.
std::string shortened(const std::string& label) {
    if (label.size() <= x_label_chars_max) {
        return label;
    }
    std::size_t cut = x_label_chars_max - 1;
    while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return label.substr(0, cut) + "\u2026";
}

// The text under an x tick.
std::string x_tick_label(const ChartSpec& spec, double tick) {
    switch (spec.x_axis) {
        case XAxis::percentile_spectrum:
            return spectrum_tick_label(static_cast<int>(tick));
        case XAxis::runs: {
            const auto index = static_cast<std::size_t>(tick) - 1;
            // Long labels (commit messages, times) would run into each other.
            return index < spec.x_labels.size() ? shortened(spec.x_labels[index]) : std::string();
        }
        case XAxis::latency_log:
            return tick_text(std::pow(10.0, tick));
        case XAxis::seconds:
        case XAxis::rate_asked:
            break;
    }
    return tick_text(tick);
}

std::string x_axis_label(const ChartSpec& spec) {
    switch (spec.x_axis) {
        case XAxis::latency_log:
            return fmt::format("latency ({}, log scale)", spec.x_unit);
        case XAxis::percentile_spectrum:
            return "percentile";
        case XAxis::runs:
            return "run (oldest first)";
        case XAxis::rate_asked:
            return "asked rate (req/s)";
        case XAxis::seconds:
            break;
    }
    return "seconds since start";
}

void append_axes(std::string& svg, const ChartSpec& spec, const Frame& frame) {
    auto out = std::back_inserter(svg);
    for (const double tick : frame.y_ticks) {
        const double y = frame.y_px(tick);
        fmt::format_to(
            out,
            "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
            "stroke=\"#ddd\"/>"
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
            plot_left(), y, plot_right(spec), y, plot_left() - 6, y + 4, tick_text(tick));
    }
    for (const double tick : frame.x_ticks) {
        const double x = frame.x.map(tick);
        const std::string label = x_tick_label(spec, tick);
        fmt::format_to(
            out,
            "<line class=\"grid xtick\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
            "stroke=\"#eee\"/>"
            "<text class=\"xtick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
            x, plot_top(), x, plot_bottom(), x, plot_bottom() + 16, html_escape(label));
    }
    fmt::format_to(out,
                   "<rect class=\"frame\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                   "height=\"{:.1f}\" fill=\"none\" stroke=\"#888\"/>",
                   plot_left(), plot_top(), plot_right(spec) - plot_left(),
                   plot_bottom() - plot_top());
    const std::string x_label = html_escape(x_axis_label(spec));
    fmt::format_to(out,
                   "<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
                   "text-anchor=\"middle\">{}</text>"
                   "<text class=\"axis-label\" x=\"12\" y=\"{:.1f}\" text-anchor=\"middle\" "
                   "transform=\"rotate(-90 12 {:.1f})\">{}</text>",
                   (plot_left() + plot_right(spec)) / 2, chart_height_px - 6.0, x_label,
                   (plot_top() + plot_bottom()) / 2, (plot_top() + plot_bottom()) / 2,
                   html_escape(spec.y_label));
}

// A JSON array of numbers for the page's script; NaN (a scrape that failed) is null.
std::string json_numbers(const std::vector<double>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += i == 0 ? "" : ",";
        out += std::isfinite(values[i]) ? fmt::format("{:.6g}", values[i]) : "null";
    }
    return out + "]";
}

// A JSON array of strings (already valid UTF-8); the caller HTML-escapes the whole.
std::string json_strings(const std::vector<std::string>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += i == 0 ? "\"" : ",\"";
        for (const char c : values[i]) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            if (static_cast<unsigned char>(c) >= 0x20) {
                out += c;
            }
        }
        out += '"';
    }
    return out + "]";
}

const char* x_kind(XAxis axis) {
    switch (axis) {
        case XAxis::percentile_spectrum:
            return "percentile";
        case XAxis::runs:
            return "runs";
        case XAxis::rate_asked:
            return "rate";
        case XAxis::latency_log:
            return "latency";
        case XAxis::seconds:
            break;
    }
    return "seconds";
}

// Phases behind the lines: a shaded stretch each (alternating shades), named at the top.
void append_bands(std::string& svg, const ChartSpec& spec, const Frame& frame) {
    auto out = std::back_inserter(svg);
    for (std::size_t i = 0; i < spec.bands.size(); ++i) {
        const html::ChartBand& band = spec.bands[i];
        const double left = std::clamp(frame.x.map(band.x_from), plot_left(), plot_right(spec));
        const double right = std::clamp(frame.x.map(band.x_to), left, plot_right(spec));
        fmt::format_to(out,
                       "<rect class=\"band\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                       "height=\"{:.1f}\" fill=\"{}\"/><text class=\"band-label\" x=\"{:.1f}\" "
                       "y=\"{:.1f}\">{}</text>",
                       left, plot_top(), right - left, plot_bottom() - plot_top(),
                       i % 2 == 0 ? "#eef3f9" : "#f7f3ea", left + 4, plot_top() + 12,
                       html_escape(band.label));
    }
}

// Thresholds and SLOs (horizontal), the knee (vertical): dashed, named at their end.
void append_rules(std::string& svg, const ChartSpec& spec, const Frame& frame) {
    auto out = std::back_inserter(svg);
    double above_y = plot_top() + 12;
    for (const html::ChartRule& rule : spec.rules) {
        const bool across = !rule.vertical;
        if (across && frame.y_px(rule.value) < plot_top() - 0.5) {
            fmt::format_to(out,
                           "<text class=\"rule-label above\" x=\"{:.1f}\" y=\"{:.1f}\" "
                           "text-anchor=\"end\">\u2191 {} (above the chart)</text>",
                           plot_right(spec) - 4, above_y, html_escape(rule.label));
            above_y += 14;
            continue;
        }
        const double x1 = across ? plot_left() : frame.x.map(rule.value);
        const double x2 = across ? plot_right(spec) : x1;
        const double y1 = across ? frame.y_px(rule.value) : plot_top();
        const double y2 = across ? y1 : plot_bottom();
        // A vertical rule's label goes on the side with room: left of it in the right half.
        const bool left_half = x1 < (plot_left() + plot_right(spec)) / 2;
        fmt::format_to(out,
                       "<line class=\"rule\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                       "y2=\"{:.1f}\" stroke=\"#cf222e\" stroke-dasharray=\"6 4\"/>"
                       "<text class=\"rule-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
                       "text-anchor=\"{}\">{}</text>",
                       x1, y1, x2, y2, !across && left_half ? x1 + 4 : x2 - 4,
                       across ? y1 - 4 : plot_top() + 24, !across && left_half ? "start" : "end",
                       html_escape(rule.label));
    }
}

// Draws one series and its legend entry at `legend_x`; returns where the next entry goes.
double append_series(std::string& svg, const ChartSpec& spec, const std::vector<double>& xs,
                     const Frame& frame, std::size_t index, double legend_x) {
    const ChartSeries& series = spec.series[index];
    BARRAGE_ASSERT(series.y.size() == xs.size());
    auto out = std::back_inserter(svg);
    const std::string color = html_escape(series.color);
    // The values as drawn, for the hover box of the page's script.
    const std::string data =
        fmt::format(" data-label=\"{}\" data-y=\"{}\" clip-path=\"url(#{}-plot)\"",
                    html_escape(series.label), json_numbers(series.y), html_escape(spec.id));
    if (xs.size() == 1) {
        fmt::format_to(out,
                       "<circle class=\"series s{}\"{} cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" "
                       "fill=\"{}\"/>",
                       index, data, frame.x.map(xs[0]), frame.y_px(series.y[0]), color);
    } else {
        fmt::format_to(out,
                       "<polyline class=\"series s{}\"{} fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"1.8\" points=\"",
                       index, data, color);
        for (std::size_t i = 0; i < xs.size(); ++i) {
            fmt::format_to(out, "{}{:.1f},{:.1f}", i == 0 ? "" : " ", frame.x.map(xs[i]),
                           frame.y_px(series.y[i]));
        }
        svg += "\"/>";
    }
    // A click on the entry hides or shows the series (the page's script).
    fmt::format_to(out,
                   "<g class=\"legend-item\" data-series=\"{}\"><rect x=\"{:.1f}\" y=\"6\" "
                   "width=\"{:.1f}\" height=\"14\" fill=\"transparent\"/>"
                   "<rect x=\"{:.1f}\" y=\"10\" width=\"14\" height=\"4\" fill=\"{}\"/>"
                   "<text class=\"legend\" x=\"{:.1f}\" y=\"16\">{}</text></g>",
                   index, legend_x, 18 + legend_char_px * static_cast<double>(series.label.size()),
                   legend_x, color, legend_x + 18, html_escape(series.label));
    // No text metrics in C++: 7 px per character is wide enough for the 11 px font.
    return legend_x + 18 + legend_char_px * static_cast<double>(series.label.size()) + 16;
}

}  // namespace

double LinearScale::map(double value) const {
    if (domain_max == domain_min) {
        return range_min;
    }
    return range_min + (value - domain_min) / (domain_max - domain_min) * (range_max - range_min);
}

std::vector<double> nice_ticks(double low, double high, int count_target) {
    BARRAGE_ASSERT(count_target >= 1 && low <= high);
    const double span = high > low ? high - low : std::max(std::abs(low), 1.0);
    const double raw_step = span / count_target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
    double step = magnitude;
    for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
        step = factor * magnitude;
        if (step >= raw_step) {
            break;
        }
    }
    std::vector<double> ticks;
    const double first = std::floor(low / step) * step;
    // Index-based so rounding never adds or drops a tick; at least one step of range.
    for (int i = 0;; ++i) {
        const double tick = first + step * i;
        ticks.push_back(tick);
        if (i >= 1 && tick >= high - step * 1e-9) {
            break;
        }
    }
    return ticks;
}

std::vector<double> run_ticks(std::size_t run_count) {
    std::vector<double> ticks;
    if (run_count == 0) {
        return ticks;
    }
    const std::size_t step = (run_count + x_tick_target - 1) / x_tick_target;
    for (std::size_t run = 1; run <= run_count; run += step) {
        ticks.push_back(static_cast<double>(run));
    }
    if (ticks.back() != static_cast<double>(run_count)) {
        // The latest run always gets its label; drop a neighbour that would crowd it.
        if (ticks.size() > 1 &&
            static_cast<double>(run_count) - ticks.back() < static_cast<double>(step) / 2) {
            ticks.pop_back();
        }
        ticks.push_back(static_cast<double>(run_count));
    }
    return ticks;
}

std::string tick_text(double value) {
    const double magnitude = std::abs(value);
    if (magnitude >= 1e6) {
        return fmt::format("{:g}M", value / 1e6);
    }
    if (magnitude >= 1e4) {
        return fmt::format("{:g}k", value / 1e3);
    }
    return fmt::format("{:g}", std::round(value * 1000) / 1000);
}

double spectrum_x(double percentile, double x_at_100) {
    const double remaining = 1.0 - percentile / 100.0;
    if (remaining <= 1e-12) {
        return x_at_100;
    }
    return std::log10(1.0 / remaining);
}

std::string spectrum_tick_label(int decades) {
    if (decades <= 0) {
        return "0%";
    }
    if (decades == 1) {
        return "90%";
    }
    if (decades == 2) {
        return "99%";
    }
    return "99." + std::string(static_cast<std::size_t>(decades - 2), '9') + "%";
}

}  // namespace barrage::report::detail

namespace barrage::report::html {

std::string render_line_chart(const ChartSpec& spec) {
    using detail::spectrum_x;
    const int width_px = spec.small ? chart_small_width_px : chart_width_px;
    std::string svg = fmt::format(
        "<svg class=\"chart{}\" id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" "
        "viewBox=\"0 0 {} {}\" role=\"img\"",
        spec.small ? " small" : "", html_escape(spec.id), width_px, chart_height_px);
    std::vector<double> xs = spec.x;
    if (spec.x_axis == XAxis::percentile_spectrum) {
        const double x_max = detail::spectrum_x_max(spec.x);
        for (double& x : xs) {
            x = spectrum_x(x, x_max);
        }
    }
    if (spec.x_axis == XAxis::latency_log) {
        for (double& x : xs) {
            BARRAGE_ASSERT(x > 0);  // the caller's bins start at a recorded latency
            x = std::log10(x);
        }
    }
    if (xs.empty() || spec.series.empty()) {
        fmt::format_to(std::back_inserter(svg),
                       "><title>{}</title><text class=\"no-data\" x=\"{}\" y=\"{}\" "
                       "text-anchor=\"middle\">no data</text></svg>",
                       html_escape(spec.title), width_px / 2, chart_height_px / 2);
        return svg;
    }
    const detail::Frame frame = detail::frame_for(spec, xs);
    std::vector<double> px;
    for (const double x : xs) {
        px.push_back(std::round(frame.x.map(x) * 10) / 10);
    }
    fmt::format_to(std::back_inserter(svg),
                   " data-unit=\"{}\" data-xkind=\"{}\" data-xunit=\"{}\" data-x=\"{}\" "
                   "data-px=\"{}\" data-xlabels=\"{}\"><title>{}</title>",
                   html_escape(spec.y_label), detail::x_kind(spec.x_axis), html_escape(spec.x_unit),
                   detail::json_numbers(spec.x), detail::json_numbers(px),
                   html_escape(detail::json_strings(spec.x_labels)), html_escape(spec.title));
    // The plot area as a clip: the page's zoom moves lines past the frame.
    fmt::format_to(std::back_inserter(svg),
                   "<clipPath id=\"{}-plot\"><rect x=\"{:.1f}\" y=\"0\" width=\"{:.1f}\" "
                   "height=\"{}\"/></clipPath>",
                   html_escape(spec.id), detail::plot_left(),
                   detail::plot_right(spec) - detail::plot_left(), chart_height_px);
    detail::append_bands(svg, spec, frame);
    detail::append_axes(svg, spec, frame);
    detail::append_rules(svg, spec, frame);
    double legend_x = detail::plot_left();  // legend entries side by side above the plot
    for (std::size_t i = 0; i < spec.series.size(); ++i) {
        legend_x = detail::append_series(svg, spec, xs, frame, i, legend_x);
    }
    svg += "</svg>";
    return svg;
}

}  // namespace barrage::report::html
