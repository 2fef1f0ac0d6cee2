#pragma once
// Results of one request name (a profile's "login", "browse", ...): counts,
// failed checks per check, and latency. Workers keep the counts of every name
// in each snapshot and log latencies as (name, latency) pairs (NameLatency),
// so a snapshot's size does not grow with the number of names times a
// histogram; the coordinator adds them up into one NameStats per name.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"

namespace barrage::stats {

// The first names of a run record latency at 3 significant digits, like the
// run's own latency (184 KiB once used); names after them at 2 digits (within
// 0.8%, 26 KiB), so a profile with thousands of names stays small. A name's
// histogram is allocated when its first latency arrives.
inline constexpr std::size_t names_with_fine_latency_max = 100;
inline constexpr int name_latency_coarse_significant_figures = 2;

struct NameStats {
    int64_t sent = 0;
    int64_t completed = 0;                // a response arrived (any status)
    int64_t errors = 0;                   // no response: timeout, reset, protocol error, ...
    int64_t checks_failed = 0;            // responses that failed at least one check
    int64_t responses_failed = 0;         // see failure_rate below
    int64_t captures_missed = 0;          // captures that found nothing to capture
    std::vector<int64_t> check_failures;  // per check of the request, in order
    Histogram latency_us;                 // completion - intended send; see latency_histogram_for

    // `name_index`: the name's place in the run (0-based); it decides the
    // latency histogram's layout, so stats of the same name always add up.
    explicit NameStats(std::size_t check_count = 0, std::size_t name_index = 0)
        : check_failures(check_count, 0), latency_us(latency_histogram_for(name_index)) {}

    // The (empty, not yet allocated) latency histogram of the name at `name_index`.
    static Histogram latency_histogram_for(std::size_t name_index);

    void reset();
    // Adds `other`; both describe the same request (same number of checks).
    void add(const NameStats& other);
};

// One response's latency, logged by a worker under its request name and
// recorded into that name's histogram by the coordinator. Latencies beyond
// the histogram's 1 h range are stored as 1 h + 1 us: still counted as clamped.
struct NameLatency {
    uint32_t name_index = 0;
    uint32_t latency_us = 0;

    static NameLatency of(std::size_t name_index, int64_t latency_us);
};
static_assert(Histogram::latency_us_highest_trackable < UINT32_MAX);

// Failures the way Locust and k6 count them (k6's http_req_failed): requests without an
// answer plus failed responses, over completed + errors; 0 when nothing was attempted.
// error_rate counts the first part only. A failed response (NameStats::responses_failed)
// failed a check, or has a status >= 400 on a request without a status check: a status
// check decides alone, so an expected 404 is a success.
double failure_rate(int64_t errors, int64_t responses_failed, int64_t completed);
// The whole run's: counters.requests_errors plus every name's responses_failed.
double failure_rate(const Counters& counters, std::span<const NameStats> by_name);
int64_t responses_failed_total(std::span<const NameStats> by_name);
// One name's.
double failure_rate(const NameStats& name);

}  // namespace barrage::stats
