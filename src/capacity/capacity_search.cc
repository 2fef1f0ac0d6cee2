#include "barrage/capacity/capacity_search.h"

#include <algorithm>

#include "barrage/base/assert.h"

namespace barrage::capacity {

std::string_view status_name(SearchStatus status) {
    switch (status) {
        case SearchStatus::searching:
            return "searching";
        case SearchStatus::found:
            return "found";
        case SearchStatus::lowest_rate_fails:
            return "lowest_rate_fails";
        case SearchStatus::max_rate_passes:
            return "max_rate_passes";
        case SearchStatus::generator_saturated:
            return "generator_saturated";
        case SearchStatus::interrupted:
            return "interrupted";
        case SearchStatus::steps_exhausted:
            return "steps_exhausted";
    }
    return "unknown";
}

CapacitySearch::CapacitySearch(SearchLimits limits) : limits_(limits) {
    BARRAGE_ASSERT(limits_.start_rps > 0 && limits_.max_rps >= limits_.start_rps);
    BARRAGE_ASSERT(limits_.precision > 0 && limits_.growth > 1 && limits_.steps_max > 0);
}

SearchStatus CapacitySearch::status() const {
    if (ended_) {
        return *ended_;
    }
    if (failing_ && !passing_) {
        return SearchStatus::lowest_rate_fails;
    }
    if (failing_ && passing_ && *failing_ - *passing_ <= limits_.precision * *passing_) {
        return SearchStatus::found;
    }
    if (!failing_ && passing_ && *passing_ >= limits_.max_rps) {
        return SearchStatus::max_rate_passes;
    }
    if (steps_ >= limits_.steps_max) {
        return SearchStatus::steps_exhausted;
    }
    return SearchStatus::searching;
}

std::optional<double> CapacitySearch::next_rate() const {
    if (status() != SearchStatus::searching) {
        return std::nullopt;
    }
    if (confirming_) {
        return confirming_;
    }
    if (!passing_) {
        return limits_.start_rps;
    }
    if (!failing_) {
        return std::min(*passing_ * limits_.growth, limits_.max_rps);
    }
    return (*passing_ + *failing_) / 2.0;
}

void CapacitySearch::record(double rate_rps, StepVerdict verdict) {
    BARRAGE_ASSERT(rate_rps > 0);
    ++steps_;
    switch (verdict) {
        case StepVerdict::pass:
            passing_ = std::max(passing_.value_or(0.0), rate_rps);
            confirming_.reset();
            break;
        case StepVerdict::slo_failed:
            if (last_ == StepVerdict::pass && !confirming_ && passing_ &&
                rate_rps <= *passing_ * limits_.growth) {
                confirming_ = rate_rps;  // one noisy step must not end the search low
                break;
            }
            confirming_.reset();
            failing_ = std::min(failing_.value_or(rate_rps), rate_rps);
            break;
        case StepVerdict::generator_saturated:
            ended_ = SearchStatus::generator_saturated;
            break;
        case StepVerdict::interrupted:
            ended_ = SearchStatus::interrupted;
            break;
    }
    last_ = verdict;
}

}  // namespace barrage::capacity
