// Confidence intervals of percentiles by order statistics, and the spread of
// several runs, for compare's verdicts.

#include "barrage/report/compare_statistics.h"

#include <array>
#include <cmath>

#include "barrage/base/assert.h"

namespace barrage::report {
namespace {

// Fewer answered requests than this give a mean whose interval the normal
// approximation does not describe.
constexpr int64_t mean_count_min = 30;

// The bucket holding the `rank`-th smallest answered value (1-based, rank <= total):
// its lowest and highest equivalent values.
struct RankBucket {
    int64_t lowest = 0;
    int64_t highest = 0;
};

RankBucket bucket_at_rank(const stats::Histogram& histogram, int64_t rank) {
    const int64_t highest = histogram.value_at_rank(rank);  // asserts 1 <= rank <= total
    return {histogram.lowest_equivalent_value(highest), highest};
}

// The value bounding rank `rank` of answered + unanswered from above: unanswered
// requests rank above every answered one and are infinitely slow.
double highest_at_rank(const stats::Histogram& answered, int64_t rank) {
    if (rank > answered.total_count()) {
        return unbounded_us;
    }
    return static_cast<double>(bucket_at_rank(answered, rank).highest);
}

double lowest_at_rank(const stats::Histogram& answered, int64_t rank) {
    if (rank < 1) {
        return 0;  // below the smallest sample: latency is never negative
    }
    if (rank > answered.total_count()) {
        return unbounded_us;
    }
    return static_cast<double>(bucket_at_rank(answered, rank).lowest);
}

}  // namespace

PercentileBounds percentile_bounds(const stats::Histogram& answered, int64_t unanswered,
                                   double percentile, double z) {
    BARRAGE_ASSERT(percentile >= 0 && percentile <= 100);
    BARRAGE_ASSERT(unanswered >= 0 && z > 0);
    const int64_t total = answered.total_count() + unanswered;
    PercentileBounds bounds;
    if (total == 0) {
        return bounds;
    }
    const double n = static_cast<double>(total);
    const double q = percentile / 100.0;
    const double half_width = z * std::sqrt(n * q * (1.0 - q));
    const auto lower_rank = static_cast<int64_t>(std::floor(n * q - half_width));
    // +1: the order statistic above the count of samples below the percentile, so the
    // max (q = 1) has no upper rank within the run.
    const auto upper_rank = static_cast<int64_t>(std::ceil(n * q + half_width)) + 1;
    // Rank of the estimate as Histogram::value_at_percentile takes it (round half up).
    const int64_t estimate_rank = stats::rank_at_percentile(percentile, total);
    bounds.enough_samples = upper_rank <= total;
    bounds.estimate_us = highest_at_rank(answered, std::min(estimate_rank, total));
    bounds.lower_us = lowest_at_rank(answered, lower_rank);
    bounds.upper_us = highest_at_rank(answered, std::min(upper_rank, total));
    BARRAGE_ASSERT(bounds.lower_us <= bounds.estimate_us && bounds.estimate_us <= bounds.upper_us);
    return bounds;
}

PercentileBounds mean_bounds(double mean_us, double stdev_us, int64_t count, double z) {
    BARRAGE_ASSERT(count >= 0 && stdev_us >= 0 && z > 0);
    PercentileBounds bounds;
    bounds.enough_samples = count >= mean_count_min;
    bounds.estimate_us = mean_us;
    const double half_width = count > 0 ? z * stdev_us / std::sqrt(static_cast<double>(count)) : 0;
    bounds.lower_us = std::max(0.0, mean_us - half_width);
    bounds.upper_us = mean_us + half_width;
    return bounds;
}

double t_99(int degrees_of_freedom) {
    BARRAGE_ASSERT(degrees_of_freedom >= 1);
    // Two-sided 99 % (the 0.995 quantile), df 1..29.
    constexpr std::array<double, 29> table{63.657, 9.925, 5.841, 4.604, 3.707, 3.499, 3.355, 3.250,
                                           3.169,  3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898,
                                           2.878,  2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787,
                                           2.779,  2.771, 2.763, 2.756, 2.750};
    if (degrees_of_freedom <= static_cast<int>(table.size())) {
        return table[static_cast<std::size_t>(degrees_of_freedom - 1)];
    }
    return z_99;
}

RunSpread run_spread(std::span<const double> values) {
    BARRAGE_ASSERT(!values.empty());
    RunSpread spread;
    double sum = 0;
    for (const double value : values) {
        if (std::isfinite(value)) {
            sum += value;
            ++spread.runs;
        }
    }
    if (spread.runs == 0) {
        spread.mean = unbounded_us;
        return spread;
    }
    spread.mean = sum / spread.runs;
    if (spread.runs < 2) {
        return spread;
    }
    double squares = 0;
    for (const double value : values) {
        if (std::isfinite(value)) {
            squares += (value - spread.mean) * (value - spread.mean);
        }
    }
    spread.stdev = std::sqrt(squares / (spread.runs - 1));
    spread.coefficient_of_variation = spread.mean != 0 ? spread.stdev / std::fabs(spread.mean) : 0;
    spread.noise_band = t_99(spread.runs - 1) * spread.stdev * std::sqrt(1.0 + 1.0 / spread.runs);
    return spread;
}

}  // namespace barrage::report
