// The watched target's metrics in `barrage compare`: read from a result's `watch` over its
// measured period, with their tolerances, units and display (see compare_impl.h).

#include <fmt/format.h>

#include <algorithm>

#include "barrage/base/assert.h"
#include "barrage/watch/resource_figures.h"
#include "compare_impl.h"

namespace barrage::report::detail {

bool is_watched_metric(std::string_view name) {
    return std::find(watched_metric_names.begin(), watched_metric_names.end(), name) !=
           watched_metric_names.end();
}

std::vector<ResultMetric> watched_metrics_of(const ResultDocument& document) {
    std::vector<ResultMetric> metrics;
    if (!document.watch) {
        return metrics;
    }
    const watch::ResourceFigures figures =
        watch::largest_resource_figures(*document.watch, document.duration_s);
    std::optional<double> growth;  // the fastest-growing target's, as the rss_growth gate
    for (const watch::TargetWatch& target : document.watch->targets) {
        if (const auto slope = target.growth.rss_mb_per_min;
            slope && (!growth || *slope > *growth)) {
            growth = slope;
        }
    }
    for (const auto& [name, value] : {std::pair{"rss_max", figures.rss_max_mb},
                                      {"rss_initial", figures.rss_initial_mb},
                                      {"rss_growth", growth},
                                      {"target_cpu", figures.cpu_share}}) {
        if (value) {
            metrics.push_back({name, *value});
        }
    }
    return metrics;
}

Tolerance watched_default_tolerance(std::string_view name) {
    BARRAGE_ASSERT(is_watched_metric(name));
    // Memory of one build varies by allocator arenas and caches filled: 20 % or 10 MB (a small
    // process's few MB are noise). Growth fitted over a short run is noisier still; CPU per
    // request varies with scheduling: a tenth of a core at least.
    if (name == "rss_growth") {
        return {std::string(name), 0.5, 1.0};
    }
    return {std::string(name), 0.2, name == "target_cpu" ? 0.1 : 10.0};
}

std::optional<double> watched_absolute_limit(std::string_view name, double number,
                                             std::string_view unit) {
    if (name == "target_cpu") {
        return unit == "pt" ? std::optional(number / 100.0) : std::nullopt;
    }
    const std::string_view suffix = name == "rss_growth" ? "/min" : "";
    for (const auto& [size, mb] : {std::pair{"KB", 1.0 / 1024}, {"MB", 1.0}, {"GB", 1024.0}}) {
        if (unit == fmt::format("{}{}", size, suffix)) {
            return number * mb;
        }
    }
    return std::nullopt;
}

std::string_view watched_limit_forms(std::string_view name) {
    return name == "target_cpu"   ? ", or points of one core (10pt)"
           : name == "rss_growth" ? ", or a size per minute (2MB/min)"
                                  : ", or a size (16MB)";
}

std::string format_watched_amount(std::string_view name, double value) {
    if (name == "target_cpu") {
        return fmt::format("{:.1f}%", value * 100.0);
    }
    return name == "rss_growth" ? fmt::format("{:.2f}MB/min", value)
                                : fmt::format("{:.1f}MB", value);
}

}  // namespace barrage::report::detail
