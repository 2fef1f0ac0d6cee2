// The watched target in the HTML report: growth and leak verdict per target,
// its resources over time, and the scraped Prometheus series. Built from the
// `watch` section of the result (docs/output.md), like the rest of the page.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>

#include "barrage/report/html/html_report.h"
#include "html_page_impl.h"

namespace barrage::report {
namespace {

using html::ChartSeries;
using html::ChartSpec;
using html::color_blue;
using html::color_green;
using html::color_orange;
using html::color_purple;
using html::section_open;
using html::table_row;
using html::XAxis;

constexpr double bytes_per_mb = 1024.0 * 1024.0;

std::string slope_text(const std::optional<double>& slope) {
    return slope ? fmt::format("{:+.2f}", *slope) : std::string("n/a");
}

std::string value_text(double value) {
    return std::isfinite(value) ? fmt::format("{:.6g}", value) : std::string("null");
}

void append_growth_table(std::string& page, const watch::WatchResult& watch) {
    page += "<table id=\"watch-growth\">";
    table_row(
        page,
        {"target", "kind", fmt::format("RSS MB/min (limit {:g})", watch.limits.rss_mb_per_min),
         fmt::format("fds/min (limit {:g})", watch.limits.fds_per_min),
         fmt::format("threads/min (limit {:g})", watch.limits.threads_per_min), "still climbing",
         "leak", "exited at"},
        true);
    for (const watch::TargetWatch& target : watch.targets) {
        const watch::Growth& growth = target.growth;
        fmt::format_to(std::back_inserter(page),
                       "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
                       html_escape(target.name), html_escape(target.kind),
                       slope_text(growth.rss_mb_per_min), slope_text(growth.fds_per_min),
                       slope_text(growth.threads_per_min), growth.still_climbing ? "yes" : "no",
                       growth.leak_suspected ? "fail" : "pass",
                       growth.leak_suspected ? "LEAK SUSPECTED" : "no leak",
                       target.exited_at_s ? fmt::format("{:.1f}s", *target.exited_at_s) : "-");
    }
    page += "</table>\n";
}

ChartSpec watch_chart(std::string id, std::string title, std::string y_label) {
    ChartSpec spec;
    spec.id = std::move(id);
    spec.title = std::move(title);
    spec.y_label = std::move(y_label);
    spec.x_axis = XAxis::seconds;
    return spec;
}

std::string rss_chart(const watch::TargetWatch& target, std::size_t number) {
    ChartSpec spec = watch_chart(fmt::format("chart-watch-{}-rss", number),
                                 fmt::format("{}: RSS", target.name), "MB");
    ChartSeries rss{"RSS", color_blue, {}};
    for (const watch::ResourceSample& sample : target.samples) {
        if (sample.rss_bytes >= 0) {
            spec.x.push_back(sample.t_s);
            rss.y.push_back(static_cast<double>(sample.rss_bytes) / bytes_per_mb);
        }
    }
    spec.series.push_back(std::move(rss));
    return html::render_line_chart(spec);
}

// fds and threads on one axis: both are small counts. A value the source
// cannot give (-1: a cgroup's fds) leaves its series out; a sample missing a
// shown value is left out of the chart.
std::string counts_chart(const watch::TargetWatch& target, std::size_t number) {
    const auto any = [&](int64_t watch::ResourceSample::*field) {
        return std::any_of(target.samples.begin(), target.samples.end(),
                           [field](const watch::ResourceSample& s) { return s.*field >= 0; });
    };
    const bool show_fds = any(&watch::ResourceSample::fds);
    const bool show_threads = any(&watch::ResourceSample::threads);
    ChartSpec spec = watch_chart(fmt::format("chart-watch-{}-counts", number),
                                 fmt::format("{}: open fds and threads", target.name), "count");
    ChartSeries fds{"open fds", color_orange, {}};
    ChartSeries threads{"threads", color_green, {}};
    for (const watch::ResourceSample& sample : target.samples) {
        if ((show_fds && sample.fds < 0) || (show_threads && sample.threads < 0)) {
            continue;
        }
        spec.x.push_back(sample.t_s);
        fds.y.push_back(static_cast<double>(sample.fds));
        threads.y.push_back(static_cast<double>(sample.threads));
    }
    if (show_fds) {
        spec.series.push_back(std::move(fds));
    }
    if (show_threads) {
        spec.series.push_back(std::move(threads));
    }
    return html::render_line_chart(spec);
}

// CPU time used between two samples over the time between them, at the later one.
std::string cpu_chart(const watch::TargetWatch& target, std::size_t number) {
    ChartSpec spec = watch_chart(fmt::format("chart-watch-{}-cpu", number),
                                 fmt::format("{}: CPU", target.name), "% of one core");
    ChartSeries cpu{"CPU", color_purple, {}};
    for (std::size_t i = 1; i < target.samples.size(); ++i) {
        const watch::ResourceSample& before = target.samples[i - 1];
        const watch::ResourceSample& after = target.samples[i];
        const double elapsed_s = after.t_s - before.t_s;
        if (before.cpu_s >= 0 && after.cpu_s >= before.cpu_s && elapsed_s > 0) {
            spec.x.push_back(after.t_s);
            cpu.y.push_back((after.cpu_s - before.cpu_s) / elapsed_s * 100);
        }
    }
    spec.series.push_back(std::move(cpu));
    return html::render_line_chart(spec);
}

void append_target(std::string& page, const watch::TargetWatch& target, std::size_t number) {
    fmt::format_to(std::back_inserter(page), "<h3>{}</h3>\n", html_escape(target.name));
    if (target.samples.empty()) {
        page += "<p class=\"sub\">no samples</p>\n";
        return;
    }
    page += rss_chart(target, number);
    page += counts_chart(target, number);
    page += cpu_chart(target, number);
}

struct SeriesFigures {
    std::size_t points = 0;  // finite values
    double first = NAN;
    double last = NAN;
    double min = NAN;
    double max = NAN;
};

SeriesFigures figures_of(const watch::ScrapedSeries& series) {
    SeriesFigures out;
    for (const double value : series.values) {
        if (!std::isfinite(value)) {
            continue;
        }
        out.first = out.points == 0 ? value : out.first;
        out.last = value;
        out.min = out.points == 0 ? value : std::min(out.min, value);
        out.max = out.points == 0 ? value : std::max(out.max, value);
        ++out.points;
    }
    return out;
}

std::string series_chart(const watch::ScrapedSeries& series, std::size_t number) {
    ChartSpec spec = watch_chart(fmt::format("chart-watch-series-{}", number), series.key, "value");
    ChartSeries line{series.key, color_blue, {}};
    for (std::size_t i = 0; i < series.values.size(); ++i) {
        if (std::isfinite(series.values[i])) {  // NaN and infinities cannot be drawn
            spec.x.push_back(series.t_s[i]);
            line.y.push_back(series.values[i]);
        }
    }
    spec.series.push_back(std::move(line));
    return html::render_line_chart(spec);
}

void append_scrape(std::string& page, const watch::WatchResult& watch) {
    fmt::format_to(std::back_inserter(page),
                   "<h3>Scraped metrics</h3>\n<p class=\"sub\">{}: {} scrapes, {} failed{}{}</p>\n",
                   html_escape(watch.url), watch.scrapes, watch.scrape_failures,
                   watch.scrape_error_first.empty()
                       ? ""
                       : fmt::format(" (first: {})", html_escape(watch.scrape_error_first)),
                   watch.series_dropped > 0
                       ? fmt::format("; {} values of series past the first {} not kept",
                                     watch.series_dropped, watch::scraped_series_max)
                       : "");
    if (watch.series.empty()) {
        page += "<p class=\"sub\">no series matched</p>\n";
        return;
    }
    page += "<table id=\"watch-series-table\">";
    table_row(page, {"series", "points", "first", "last", "min", "max"}, true);
    for (const watch::ScrapedSeries& series : watch.series) {
        const SeriesFigures figures = figures_of(series);
        fmt::format_to(std::back_inserter(page),
                       "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td></tr>\n",
                       html_escape(series.key), figures.points, value_text(figures.first),
                       value_text(figures.last), value_text(figures.min), value_text(figures.max));
    }
    page += "</table>\n";
    const std::size_t charted = std::min(watch.series.size(), detail::watch_series_charts_max);
    if (charted < watch.series.size()) {
        fmt::format_to(std::back_inserter(page),
                       "<p class=\"sub\">Charts of the first {} of {} series; the table has "
                       "them all.</p>\n",
                       charted, watch.series.size());
    }
    for (std::size_t i = 0; i < charted; ++i) {
        page += series_chart(watch.series[i], i + 1);
    }
}

}  // namespace

void detail::append_watch_section(std::string& page, const watch::WatchResult& watch) {
    section_open(page, "watch", "Watched target");
    page +=
        "<p class=\"sub\">Growth is the least-squares slope over the measured period; a slope "
        "above its limit, or a last third still climbing, makes a leak suspected. Times are "
        "seconds since the measured start (negative during the warm-up).</p>\n";
    if (!watch.targets.empty()) {
        append_growth_table(page, watch);
    }
    for (std::size_t i = 0; i < watch.targets.size(); ++i) {
        append_target(page, watch.targets[i], i + 1);
    }
    if (!watch.url.empty()) {
        append_scrape(page, watch);
    }
    page += "</section>\n";
}

}  // namespace barrage::report
