// The run report's added panels (issue 13): answered and failed over time,
// the latency histogram, the per-name percentile charts, and the phase bands
// and threshold lines the time charts share.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/report/html/html_report.h"
#include "barrage/stats/hlog.h"
#include "run_charts_impl.h"

namespace barrage::report::detail {
namespace {

using html::ChartSeries;
using html::ChartSpec;
using html::XAxis;

// Enough bins to show a second mode, few enough that each holds a share worth reading.
constexpr int histogram_bins = 40;

std::vector<double> interval_times(const ResultDocument& result) {
    std::vector<double> xs;
    for (const IntervalFigures& row : result.intervals) {
        xs.push_back(row.t_s);
    }
    return xs;
}

// Per second of the interval that ends at row `i` (the first starts at 0).
double per_second(const ResultDocument& result, std::size_t i, int64_t count) {
    const double start_s = i == 0 ? 0 : result.intervals[i - 1].t_s;
    const double length_s = result.intervals[i].t_s - start_s;
    return length_s > 0 ? static_cast<double>(count) / length_s : 0;
}

// The counts of each recorded bucket, gathered into `histogram_bins` bins of
// equal width in log10(latency) from the lowest recorded value to the highest.
struct Bins {
    std::vector<double> upper_us;  // each bin's upper edge
    std::vector<double> share_percent;
};

Bins bin_histogram(const stats::Histogram& histogram) {
    Bins bins;
    const double low = std::log10(static_cast<double>(std::max<int64_t>(histogram.min(), 1)));
    const double high = std::log10(static_cast<double>(std::max<int64_t>(histogram.max(), 1)));
    const double width = std::max(high - low, 1e-9) / histogram_bins;
    std::vector<int64_t> counts(histogram_bins, 0);
    for (int32_t index = 0; index < histogram.counts_len(); ++index) {
        const int64_t count = histogram.count_at_index(index);
        if (count == 0) {
            continue;
        }
        const double value =
            static_cast<double>(std::max<int64_t>(histogram.value_at_index(index), 1));
        const int bin =
            std::clamp(static_cast<int>((std::log10(value) - low) / width), 0, histogram_bins - 1);
        counts[static_cast<std::size_t>(bin)] += count;
    }
    const auto total = static_cast<double>(histogram.total_count());
    for (int bin = 0; bin < histogram_bins; ++bin) {
        bins.upper_us.push_back(std::pow(10.0, low + width * (bin + 1)));
        bins.share_percent.push_back(
            100.0 * static_cast<double>(counts[static_cast<std::size_t>(bin)]) / total);
    }
    return bins;
}

}  // namespace

std::vector<html::ChartBand> phase_bands(const ResultDocument& result) {
    std::vector<html::ChartBand> bands;
    if (result.phases.size() < 2) {
        return bands;
    }
    for (const PhaseSpan& phase : result.phases) {
        bands.push_back({phase.start_s, phase.end_s, phase.name});
    }
    return bands;
}

std::vector<html::ChartRule> latency_rules(const ResultDocument& result,
                                           const html::LatencyUnit& unit) {
    std::vector<html::ChartRule> rules;
    for (const ThresholdFigures& threshold : result.thresholds) {
        if (threshold.unit != "us" || !threshold.request.empty() || !threshold.phase.empty()) {
            continue;  // a request's or a phase's limit is not a line over the whole run
        }
        rules.push_back(
            {threshold.limit / unit.divisor,
             fmt::format("{} ({})", threshold.expression, threshold.passed ? "pass" : "FAIL"),
             false});
    }
    return rules;
}

void append_answered(std::string& page, const ResultDocument& result) {
    ChartSpec spec{"chart-answered",
                   "Answered and failed requests per second",
                   "req/s",
                   XAxis::seconds,
                   interval_times(result),
                   {}};
    ChartSeries answered{"answered/s", html::color_green, {}};
    ChartSeries failed{"failed/s", html::color_red, {}};
    ChartSeries sent{"sent/s", html::color_grey, {}};
    const bool has_sent = std::all_of(result.intervals.begin(), result.intervals.end(),
                                      [](const IntervalFigures& row) { return row.has_sent; });
    for (std::size_t i = 0; i < result.intervals.size(); ++i) {
        const IntervalFigures& row = result.intervals[i];
        answered.y.push_back(per_second(result, i, row.requests));
        failed.y.push_back(per_second(result, i, row.errors));
        sent.y.push_back(per_second(result, i, row.sent));
    }
    if (has_sent) {
        spec.series.push_back(std::move(sent));
    }
    spec.series.push_back(std::move(answered));
    spec.series.push_back(std::move(failed));
    spec.bands = phase_bands(result);
    html::append_chart(page, "answered", "Answered and unanswered", spec,
                       "Requests sent, answered (a response arrived) and failed (no response: "
                       "timeout, reset, refused) per second of each interval. Requests never sent "
                       "are in the summary's unsent count.");
}

void append_connections(std::string& page, const ResultDocument& result) {
    if (result.intervals.empty() ||
        !std::all_of(result.intervals.begin(), result.intervals.end(),
                     [](const IntervalFigures& row) { return row.has_connections; })) {
        return;
    }
    ChartSpec spec{"chart-connections", "Active connections",   "connections",
                   XAxis::seconds,      interval_times(result), {}};
    ChartSeries open{"connections open", html::color_purple, {}};
    for (const IntervalFigures& row : result.intervals) {
        open.y.push_back(static_cast<double>(row.connections));
    }
    spec.series.push_back(std::move(open));
    spec.bands = phase_bands(result);
    html::append_chart(page, "connections", "Active connections", spec,
                       "Connections established at the end of each interval, summed over the "
                       "workers (closed loop: each user present holds one; shards add up).");
}

namespace {

// The count of `kind` in one interval's errors_by_kind; 0 when absent.
int64_t errors_of_kind(const IntervalFigures& row, const std::string& kind) {
    for (const auto& [name, count] : row.errors_by_kind) {
        if (name == kind) {
            return count;
        }
    }
    return 0;
}

}  // namespace

void append_errors_over_time(std::string& page, const ResultDocument& result) {
    constexpr const char* palette[] = {html::color_red,  html::color_orange, html::color_purple,
                                       html::color_blue, html::color_green,  html::color_grey};
    ChartSpec spec{"chart-errors", "Errors by kind over time", "errors",
                   XAxis::seconds, interval_times(result),     {}};
    for (const auto& [kind, count] : result.errors) {
        if (kind != "total" && count > 0) {
            ChartSeries series{kind, palette[spec.series.size() % std::size(palette)], {}};
            for (const IntervalFigures& row : result.intervals) {
                series.y.push_back(static_cast<double>(errors_of_kind(row, kind)));
            }
            spec.series.push_back(std::move(series));
        }
    }
    const bool per_interval =
        std::any_of(result.intervals.begin(), result.intervals.end(),
                    [](const IntervalFigures& row) { return !row.errors_by_kind.empty(); });
    if (spec.series.empty() || !per_interval) {
        html::section_open(page, "errors-over-time", "Errors by kind over time");
        page += spec.series.empty() ? "<p class=\"sub\">No errors in this run.</p>"
                                    : "<p class=\"sub\">This result has no errors per interval "
                                      "(written by an older barrage): see the totals below.</p>";
        page += "</section>\n";
        return;
    }
    spec.bands = phase_bands(result);
    html::append_chart(page, "errors-over-time", "Errors by kind over time", spec,
                       "Failed requests and connections that failed to open, by kind, in each "
                       "interval.");
}

void append_latency_histogram(std::string& page, const ResultDocument& result) {
    const HistogramFigures& latency = result.latency();
    if (latency.histogram_base64.empty()) {
        return;  // an older document: no counts to draw
    }
    const html::LatencyUnit unit = html::latency_unit_for(latency.max_us);
    ChartSpec spec{
        "chart-histogram", "Latency histogram", "% of answered", XAxis::latency_log, {}, {}};
    spec.x_unit = unit.label;
    // A damaged or empty one draws "no data" rather than failing the page.
    auto decoded = stats::decode_histogram_compressed_base64(latency.histogram_base64);
    if (decoded.ok() && decoded.value().total_count() > 0) {
        const Bins bins = bin_histogram(decoded.value());
        for (const double upper_us : bins.upper_us) {
            spec.x.push_back(upper_us / unit.divisor);
        }
        spec.series.push_back({"share of requests", html::color_blue, bins.share_percent});
    }
    html::append_chart(page, "histogram", "Latency histogram", spec,
                       "How the answered requests' latencies spread: the share in each bin, bins "
                       "of equal width on a log scale (each point is a bin's upper edge). Two "
                       "humps mean two populations: a cache, a retry, a slow path.");
}

std::string named_latency_chart(const HistogramFigures& latency, std::size_t index) {
    BARRAGE_ASSERT(index >= 1);
    const html::LatencyUnit unit = html::latency_unit_for(latency.max_us);
    ChartSpec spec{fmt::format("chart-name-{}", index),
                   "Latency by percentile",
                   unit.label,
                   XAxis::percentile_spectrum,
                   {},
                   {}};
    spec.small = true;
    if (latency.count > 0) {
        ChartSeries series{"latency", html::color_blue, {}};
        const std::pair<double, int64_t> points[] = {
            {0, latency.min_us},  {50, latency.p50_us},    {90, latency.p90_us},
            {99, latency.p99_us}, {99.9, latency.p999_us}, {99.99, latency.p9999_us},
            {100, latency.max_us}};
        for (const auto& [percentile, value_us] : points) {
            spec.x.push_back(percentile);
            series.y.push_back(static_cast<double>(value_us) / unit.divisor);
        }
        spec.series.push_back(std::move(series));
    }
    return html::render_line_chart(spec);
}

}  // namespace barrage::report::detail
