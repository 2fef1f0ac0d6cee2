#pragma once
// Growth of a watched target's resources over a run, for leak detection:
// least-squares slopes per minute over the samples of the measured period
// (0 <= t_s <= end_s: warm-up growth and the drop when the load stops are left
// out), and whether the last third of them still climbs. Pure arithmetic: no
// clock, no system calls.

#include <limits>
#include <optional>
#include <span>

#include "barrage/watch/resource_sample.h"

namespace barrage::watch {

// Slopes above these make a leak suspected (README "Watching the target").
struct LeakLimits {
    double rss_mb_per_min = 10;  // MB = 2^20 bytes
    double fds_per_min = 10;
    double threads_per_min = 1;
};

struct Growth {
    // nullopt when fewer than min_samples_for_slope measured samples have the value.
    std::optional<double> rss_mb_per_min;
    std::optional<double> fds_per_min;
    std::optional<double> threads_per_min;
    // The slope of the last third of the samples (at least 2 of them) is above its limit.
    bool still_climbing = false;
    // A slope over the whole measured period above its limit, or still_climbing.
    bool leak_suspected = false;
};

inline constexpr std::size_t min_samples_for_slope = 3;

// The least-squares slope of y over x; nullopt with fewer than 2 points or all x equal.
std::optional<double> least_squares_slope(std::span<const double> x, std::span<const double> y);

// Slopes per minute over the samples with 0 <= t_s <= end_s (samples in time order).
Growth analyze_growth(std::span<const ResourceSample> samples, const LeakLimits& limits,
                      double end_s = std::numeric_limits<double>::infinity());

}  // namespace barrage::watch
