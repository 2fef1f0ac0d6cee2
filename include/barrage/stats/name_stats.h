#pragma once
// Results of one request name (a profile's "login", "browse", ...): counts,
// failed checks per check, and latency. Workers keep one per name in each
// snapshot, sized before the run; the coordinator adds them up.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "barrage/stats/histogram.h"

namespace barrage::stats {

struct NameStats {
    int64_t sent = 0;
    int64_t completed = 0;                // a response arrived (any status)
    int64_t errors = 0;                   // no response: timeout, reset, protocol error, ...
    int64_t checks_failed = 0;            // responses that failed at least one check
    int64_t captures_missed = 0;          // captures that found nothing to capture
    std::vector<int64_t> check_failures;  // per check of the request, in order
    Histogram latency_us = Histogram::for_latency_us();  // completion - intended send

    explicit NameStats(std::size_t check_count = 0) : check_failures(check_count, 0) {}

    void reset();
    // Adds `other`; both describe the same request (same number of checks).
    void add(const NameStats& other);
};

}  // namespace barrage::stats
