// Reducing histograms to what a scrape shows.

#include "barrage/live/metrics_frame.h"

#include <limits>

#include "barrage/base/assert.h"
#include "barrage/stats/judged_latency.h"

namespace barrage::live {

namespace {

constexpr double us_per_s = 1e6;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

}  // namespace

Buckets buckets_of(const stats::Histogram& histogram_us, int64_t infinite) {
    BARRAGE_ASSERT(infinite >= 0);
    Buckets buckets;
    // Walk the HdrHistogram buckets once, in value order, beside the bounds.
    int64_t below = 0;
    std::size_t bound = 0;
    for (int32_t i = 0; i < histogram_us.counts_len(); ++i) {
        const int64_t count = histogram_us.count_at_index(i);
        if (count == 0) {
            continue;
        }
        const double value_s = static_cast<double>(histogram_us.value_at_index(i)) / us_per_s;
        while (bound < latency_bounds_s.size() && value_s > latency_bounds_s[bound]) {
            buckets.at_or_below[bound++] = below;
        }
        below += count;
    }
    for (; bound < latency_bounds_s.size(); ++bound) {
        buckets.at_or_below[bound] = below;
    }
    BARRAGE_ASSERT(below == histogram_us.total_count());
    buckets.count = below + infinite;
    buckets.sum_s = histogram_us.mean() * static_cast<double>(below) / us_per_s;
    return buckets;
}

Quantiles quantiles_of(const stats::Histogram& histogram_us) {
    Quantiles quantiles;
    for (std::size_t i = 0; i < summary_quantiles.size(); ++i) {
        quantiles[i] = histogram_us.total_count() == 0
                           ? nan
                           : static_cast<double>(
                                 histogram_us.value_at_percentile(summary_quantiles[i] * 100)) /
                                 us_per_s;
    }
    return quantiles;
}

Quantiles judged_quantiles_of(const stats::Histogram& histogram_us, int64_t unanswered) {
    const stats::JudgedLatency judged(histogram_us, unanswered);
    Quantiles quantiles;
    for (std::size_t i = 0; i < summary_quantiles.size(); ++i) {
        if (judged.total_count() == 0) {
            quantiles[i] = nan;
        } else if (const auto value_us = judged.value_at_percentile(summary_quantiles[i] * 100)) {
            quantiles[i] = static_cast<double>(*value_us) / us_per_s;
        } else {
            quantiles[i] = inf;
        }
    }
    return quantiles;
}

}  // namespace barrage::live
