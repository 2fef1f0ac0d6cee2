// Single figures of a watched target's resources over the measured period (resource_figures.h).

#include "barrage/watch/resource_figures.h"

#include <algorithm>

#include "barrage/base/assert.h"
#include "barrage/watch/watcher.h"

namespace barrage::watch {
namespace {

constexpr double bytes_per_mb = 1024.0 * 1024.0;

// The larger of two figures, either of which may be missing.
std::optional<double> larger(std::optional<double> a, std::optional<double> b) {
    if (!a || !b) {
        return a ? a : b;
    }
    return std::max(*a, *b);
}

std::optional<double> known(int64_t value) {
    return value >= 0 ? std::optional(static_cast<double>(value)) : std::nullopt;
}

// CPU seconds over wall seconds between the first and the last sample that have cpu_s.
std::optional<double> cpu_share_of(std::span<const ResourceSample> measured) {
    const auto has_cpu = [](const ResourceSample& s) { return s.cpu_s >= 0; };
    const auto first = std::find_if(measured.begin(), measured.end(), has_cpu);
    const auto last = std::find_if(measured.rbegin(), measured.rend(), has_cpu);
    if (first == measured.end() || last->t_s <= first->t_s) {
        return std::nullopt;
    }
    // A counter that went back (a restarted process under the same cgroup) reads as idle.
    return std::max(0.0, last->cpu_s - first->cpu_s) / (last->t_s - first->t_s);
}

}  // namespace

ResourceFigures resource_figures(std::span<const ResourceSample> samples, const Growth& growth,
                                 double end_s) {
    const auto start = std::find_if(samples.begin(), samples.end(),
                                    [](const ResourceSample& s) { return s.t_s >= 0; });
    const auto end =
        std::find_if(start, samples.end(), [&](const ResourceSample& s) { return s.t_s > end_s; });
    const std::span<const ResourceSample> measured(start, end);
    ResourceFigures figures;
    for (const ResourceSample& sample : measured) {
        if (const auto rss_bytes = known(sample.rss_bytes)) {
            const double rss_mb = *rss_bytes / bytes_per_mb;
            figures.rss_initial_mb = figures.rss_initial_mb.value_or(rss_mb);
            figures.rss_max_mb = larger(figures.rss_max_mb, rss_mb);
        }
        figures.fds_max = larger(figures.fds_max, known(sample.fds));
        figures.threads_max = larger(figures.threads_max, known(sample.threads));
    }
    figures.cpu_share = cpu_share_of(measured);
    if (growth.rss_mb_per_min && figures.rss_initial_mb && *figures.rss_initial_mb > 0) {
        figures.rss_growth_share_per_min = *growth.rss_mb_per_min / *figures.rss_initial_mb;
    }
    BARRAGE_ASSERT(!figures.rss_max_mb || *figures.rss_max_mb >= *figures.rss_initial_mb);
    return figures;
}

ResourceFigures largest_resource_figures(const WatchResult& watch, double end_s) {
    ResourceFigures all;
    for (const TargetWatch& target : watch.targets) {
        const ResourceFigures one = resource_figures(target.samples, target.growth, end_s);
        all.rss_max_mb = larger(all.rss_max_mb, one.rss_max_mb);
        all.rss_initial_mb = larger(all.rss_initial_mb, one.rss_initial_mb);
        all.cpu_share = larger(all.cpu_share, one.cpu_share);
        all.fds_max = larger(all.fds_max, one.fds_max);
        all.threads_max = larger(all.threads_max, one.threads_max);
        all.rss_growth_share_per_min =
            larger(all.rss_growth_share_per_min, one.rss_growth_share_per_min);
    }
    return all;
}

}  // namespace barrage::watch
