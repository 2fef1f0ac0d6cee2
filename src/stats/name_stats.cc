#include "barrage/stats/name_stats.h"

#include <algorithm>

#include "barrage/base/assert.h"

namespace barrage::stats {

void NameStats::reset() {
    sent = 0;
    completed = 0;
    errors = 0;
    checks_failed = 0;
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
    captures_missed += other.captures_missed;
    for (std::size_t i = 0; i < check_failures.size(); ++i) {
        check_failures[i] += other.check_failures[i];
    }
    latency_us.add(other.latency_us);
}

}  // namespace barrage::stats
