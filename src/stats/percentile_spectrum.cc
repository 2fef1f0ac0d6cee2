#include "barrage/stats/percentile_spectrum.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "barrage/stats/hlog.h"

namespace barrage::stats {
namespace {

// 5 points per decade of 1/(1 - q), up to 99.9999%.
constexpr int spectrum_points_per_decade = 5;
constexpr int spectrum_decades_max = 6;

}  // namespace

std::vector<SpectrumPoint> percentile_spectrum(const Histogram& histogram) {
    std::vector<SpectrumPoint> points;
    const int64_t total = histogram.total_count();
    if (total == 0) {
        return points;
    }
    for (int step = 0; step <= spectrum_points_per_decade * spectrum_decades_max; ++step) {
        const double rarity =
            std::pow(10.0, static_cast<double>(step) / spectrum_points_per_decade);
        // Past 1/(1-q) = count, every percentile is the max: no new information.
        if (step > 0 && rarity > static_cast<double>(total)) {
            break;
        }
        // Rounded so the JSON shows 99.9, not 99.90000000000001.
        const double percentile = std::round((100.0 - 100.0 / rarity) * 1e6) / 1e6;
        points.push_back({percentile, histogram.value_at_percentile(percentile)});
    }
    points.push_back({100.0, histogram.max()});
    return points;
}

base::Result<std::vector<SpectrumPoint>> spectrum_from_hlog(std::string_view hlog_text,
                                                            std::string_view source) {
    auto file = read_hlog(hlog_text, source);
    if (!file.ok()) {
        return file.error();
    }
    const auto& intervals = file.value().intervals;
    const bool any_untagged = std::any_of(intervals.begin(), intervals.end(),
                                          [](const HlogInterval& i) { return i.tag.empty(); });
    std::optional<Histogram> merged;
    for (const HlogInterval& interval : intervals) {
        if (any_untagged && !interval.tag.empty()) {
            continue;
        }
        const Histogram& part = interval.histogram;
        if (!merged) {
            merged = part;
            continue;
        }
        // add() requires one layout; a foreign log may mix them.
        if (part.lowest_discernible() != merged->lowest_discernible() ||
            part.highest_trackable() != merged->highest_trackable() ||
            part.significant_figures() != merged->significant_figures()) {
            return base::make_error(fmt::format(
                "{}: intervals use different histogram layouts; cannot merge them", source));
        }
        merged->add(part);
    }
    if (!merged || merged->total_count() == 0) {
        return base::make_error(fmt::format("{}: no latency values in the log", source));
    }
    return percentile_spectrum(*merged);
}

}  // namespace barrage::stats
