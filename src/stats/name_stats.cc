#include "barrage/stats/name_stats.h"

#include <algorithm>

#include "barrage/base/assert.h"

namespace barrage::stats {

Histogram NameStats::latency_histogram_for(std::size_t name_index) {
    const int figures =
        name_index < names_with_fine_latency_max ? 3 : name_latency_coarse_significant_figures;
    return Histogram::for_latency_us(figures, Histogram::Storage::on_first_use);
}

void NameStats::reset() {
    sent = 0;
    completed = 0;
    errors = 0;
    checks_failed = 0;
    responses_failed = 0;
    captures_missed = 0;
    std::fill(check_failures.begin(), check_failures.end(), 0);
    latency_us.reset();
}

void NameStats::add(const NameStats& other) {
    BARRAGE_ASSERT(check_failures.size() == other.check_failures.size());
    sent += other.sent;
    completed += other.completed;
    errors += other.errors;
    checks_failed += other.checks_failed;
    responses_failed += other.responses_failed;
    captures_missed += other.captures_missed;
    for (std::size_t i = 0; i < check_failures.size(); ++i) {
        check_failures[i] += other.check_failures[i];
    }
    latency_us.add(other.latency_us);
}

NameLatency NameLatency::of(std::size_t name_index, int64_t latency_us) {
    BARRAGE_ASSERT(name_index <= UINT32_MAX);
    BARRAGE_ASSERT(latency_us >= 0);
    constexpr int64_t stored_max = Histogram::latency_us_highest_trackable + 1;
    return NameLatency{static_cast<uint32_t>(name_index),
                       static_cast<uint32_t>(std::min(latency_us, stored_max))};
}

double failure_rate(int64_t errors, int64_t responses_failed, int64_t completed) {
    BARRAGE_ASSERT(errors >= 0 && responses_failed >= 0 && responses_failed <= completed);
    const int64_t attempts = completed + errors;
    return attempts > 0
               ? static_cast<double>(errors + responses_failed) / static_cast<double>(attempts)
               : 0.0;
}

int64_t responses_failed_total(std::span<const NameStats> by_name) {
    int64_t total = 0;
    for (const NameStats& name : by_name) {
        total += name.responses_failed;
    }
    return total;
}

double failure_rate(const Counters& counters, std::span<const NameStats> by_name) {
    return failure_rate(counters.requests_errors, responses_failed_total(by_name),
                        counters.requests_completed);
}

double failure_rate(const NameStats& name) {
    return failure_rate(name.errors, name.responses_failed, name.completed);
}

}  // namespace barrage::stats
