#pragma once
// What a watched target used over the measured period, as single figures for gates
// ('rss_max < 1GB', 'target_cpu < 70%', 'rss_growth < 10%/24h'), compare and history:
// the largest RSS, the first RSS after warm-up, the CPU share, the largest descriptor and
// thread counts, and the RSS growth relative to the first RSS. Pure arithmetic over the
// samples: no clock, no system calls.
//
// Several targets (--watch-pid given more than once, or with --watch-cgroup): each figure is
// the largest of any target's, as the growth gates judge the fastest-growing target. Figures
// are not summed: a cgroup already holds its processes' sum, and a pid inside it would count
// twice. To judge a multi-process target as one, watch its cgroup.

#include <limits>
#include <optional>
#include <span>

#include "barrage/watch/growth.h"
#include "barrage/watch/resource_sample.h"

namespace barrage::watch {

struct WatchResult;

struct ResourceFigures {
    // nullopt where no sample of the measured period (0 <= t_s <= end_s) has the value.
    std::optional<double> rss_max_mb;      // MB = 2^20 bytes
    std::optional<double> rss_initial_mb;  // the first measured sample's
    // CPU seconds / wall seconds between the first and last measured samples: 1.0 is one
    // core busy all the time (a multi-threaded target may exceed it, as in top). Needs two
    // samples with cpu_s, at different times.
    std::optional<double> cpu_share;
    std::optional<double> fds_max;
    std::optional<double> threads_max;
    // growth.rss_mb_per_min / rss_initial_mb: the fitted growth as a fraction of the first
    // RSS per minute (0.001 = 0.1 %/min); nullopt without a slope or with a 0 initial RSS.
    std::optional<double> rss_growth_share_per_min;
};

// One target's figures over its samples (in time order) with 0 <= t_s <= end_s; `growth`
// is the target's analysed growth (for the relative RSS growth).
ResourceFigures resource_figures(std::span<const ResourceSample> samples, const Growth& growth,
                                 double end_s = std::numeric_limits<double>::infinity());

// Every target's figures, each the largest of any target's (see above).
ResourceFigures largest_resource_figures(const WatchResult& watch,
                                         double end_s = std::numeric_limits<double>::infinity());

}  // namespace barrage::watch
