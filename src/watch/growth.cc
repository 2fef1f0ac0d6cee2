#include "barrage/watch/growth.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "barrage/base/assert.h"

namespace barrage::watch {
namespace {

constexpr double bytes_per_mb = 1024.0 * 1024.0;

enum class Field { rss_mb, fds, threads };

// The field's value in its reported unit; nullopt when the source does not give it.
std::optional<double> field_value(const ResourceSample& sample, Field field) {
    switch (field) {
        case Field::rss_mb:
            return sample.rss_bytes >= 0
                       ? std::optional(static_cast<double>(sample.rss_bytes) / bytes_per_mb)
                       : std::nullopt;
        case Field::fds:
            return sample.fds >= 0 ? std::optional(static_cast<double>(sample.fds)) : std::nullopt;
        case Field::threads:
            return sample.threads >= 0 ? std::optional(static_cast<double>(sample.threads))
                                       : std::nullopt;
    }
    BARRAGE_ASSERT(false);
    return std::nullopt;
}

// Units per minute over `samples`; nullopt with fewer than `points_min` known values.
std::optional<double> slope_per_min(std::span<const ResourceSample> samples, Field field,
                                    std::size_t points_min) {
    std::vector<double> minutes;
    std::vector<double> values;
    for (const ResourceSample& sample : samples) {
        if (const auto value = field_value(sample, field)) {
            minutes.push_back(sample.t_s / 60.0);
            values.push_back(*value);
        }
    }
    if (values.size() < points_min) {
        return std::nullopt;
    }
    const auto slope = least_squares_slope(minutes, values);
    // Thousandths per minute are far below any limit; finer digits are rounding noise
    // (+ 0.0 turns -0 into 0).
    return slope ? std::optional(std::round(*slope * 1000.0) / 1000.0 + 0.0) : std::nullopt;
}

bool above(const std::optional<double>& slope, double limit) { return slope && *slope > limit; }

}  // namespace

std::optional<double> least_squares_slope(std::span<const double> x, std::span<const double> y) {
    BARRAGE_ASSERT(x.size() == y.size());
    if (x.size() < 2) {
        return std::nullopt;
    }
    const auto n = static_cast<double>(x.size());
    double x_mean = 0;
    double y_mean = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        x_mean += x[i] / n;
        y_mean += y[i] / n;
    }
    double covariance = 0;
    double variance = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        covariance += (x[i] - x_mean) * (y[i] - y_mean);
        variance += (x[i] - x_mean) * (x[i] - x_mean);
    }
    if (variance <= 0) {
        return std::nullopt;
    }
    return covariance / variance;
}

Growth analyze_growth(std::span<const ResourceSample> samples, const LeakLimits& limits,
                      double end_s) {
    const auto measured_at = std::find_if(samples.begin(), samples.end(),
                                          [](const ResourceSample& s) { return s.t_s >= 0; });
    const auto measured_end = std::find_if(measured_at, samples.end(),
                                           [&](const ResourceSample& s) { return s.t_s > end_s; });
    const std::span<const ResourceSample> measured(measured_at, measured_end);
    Growth growth;
    growth.rss_mb_per_min = slope_per_min(measured, Field::rss_mb, min_samples_for_slope);
    growth.fds_per_min = slope_per_min(measured, Field::fds, min_samples_for_slope);
    growth.threads_per_min = slope_per_min(measured, Field::threads, min_samples_for_slope);
    if (measured.size() >= min_samples_for_slope) {
        // A leak keeps growing; a cache that filled up early has flattened by the end.
        const std::size_t tail = std::max<std::size_t>(2, (measured.size() + 2) / 3);
        const auto last = measured.last(tail);
        growth.still_climbing =
            above(slope_per_min(last, Field::rss_mb, 2), limits.rss_mb_per_min) ||
            above(slope_per_min(last, Field::fds, 2), limits.fds_per_min) ||
            above(slope_per_min(last, Field::threads, 2), limits.threads_per_min);
    }
    growth.leak_suspected = growth.still_climbing ||
                            above(growth.rss_mb_per_min, limits.rss_mb_per_min) ||
                            above(growth.fds_per_min, limits.fds_per_min) ||
                            above(growth.threads_per_min, limits.threads_per_min);
    return growth;
}

}  // namespace barrage::watch
