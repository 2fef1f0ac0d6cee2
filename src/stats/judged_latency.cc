#include "barrage/stats/judged_latency.h"

#include <algorithm>

#include "barrage/base/assert.h"

namespace barrage::stats {

int64_t unanswered_of(const NameStats& name) {
    // Failed, or sent and never answered (unfinished when the run ended).
    return std::max<int64_t>(name.errors, name.sent - name.completed);
}

int64_t unanswered_of(const Counters& counters) {
    const int64_t unanswered =
        counters.requests_errors + counters.requests_unfinished + counters.requests_unsent;
    BARRAGE_ASSERT(unanswered >= 0);
    return unanswered;
}

JudgedLatency::JudgedLatency(const Histogram& answered_us, int64_t unanswered)
    : answered_(answered_us), unanswered_(unanswered) {
    BARRAGE_ASSERT(unanswered >= 0);
}

double JudgedLatency::unanswered_fraction() const {
    const int64_t total = total_count();
    return total > 0 ? static_cast<double>(unanswered_) / static_cast<double>(total) : 0.0;
}

bool JudgedLatency::unbounded_at(double percentile) const {
    BARRAGE_ASSERT(percentile >= 0.0 && percentile <= 100.0);
    const int64_t total = total_count();
    if (total == 0) {
        return false;
    }
    // The same rank as Histogram::value_at_percentile, over every request.
    return rank_at_percentile(percentile, total) > answered_.total_count();
}

std::optional<int64_t> JudgedLatency::value_at_percentile(double percentile) const {
    if (total_count() == 0 || unbounded_at(percentile)) {
        return std::nullopt;
    }
    const int64_t value = answered_.value_at_rank(rank_at_percentile(percentile, total_count()));
    return percentile == 0.0 ? answered_.lowest_equivalent_value(value) : value;
}

std::optional<double> JudgedLatency::mean() const {
    if (unanswered_ > 0 || answered_.total_count() == 0) {
        return std::nullopt;
    }
    return answered_.mean();
}

std::optional<int64_t> JudgedLatency::max() const {
    if (unanswered_ > 0 || answered_.total_count() == 0) {
        return std::nullopt;
    }
    return answered_.max();
}

std::optional<int64_t> JudgedLatency::min() const {
    if (answered_.total_count() == 0) {
        return std::nullopt;
    }
    return answered_.min();
}

}  // namespace barrage::stats
