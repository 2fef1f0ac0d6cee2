#pragma once
// Results of one task group ([[tasks]] in a profile): a sequence of requests
// timed as one transaction, from its first request's intended send to its last
// response (Gatling's groups, k6's `group`). Kept beside the per-request
// results, never mixed into them: the run's totals count requests only.
//
// Identity, as for requests: sent = completed + errors + unfinished, where
// unfinished (the run ended during it) is what is left.

#include <cstddef>
#include <cstdint>

#include "barrage/stats/histogram.h"

namespace barrage::stats {

struct TransactionStats {
    int64_t sent = 0;       // started: its first request was sent
    int64_t completed = 0;  // ended with an answer to every request it sent
    int64_t errors = 0;     // ended by a request without an answer (timeout, reset, ...)
    // Of completed: failed by a response (status >= 400 or a failed check, as a
    // request's responses_failed), or by a repeat that ran out of tries. Not timed.
    int64_t responses_failed = 0;
    int64_t tries_exhausted = 0;  // of responses_failed: a repeat's `until` never met
    // Tries of its repeat steps, over the transactions that ended (completed or errors).
    int64_t repeat_tries = 0;
    int64_t repeat_tries_max = 0;  // the most tries one transaction took
    Histogram latency_us;          // of the successful ones only: completed - responses_failed

    // `index`: the task's place in the run; it decides the histogram's layout
    // (as NameStats::latency_histogram_for), so stats of one task always add up.
    explicit TransactionStats(std::size_t index = 0);

    int64_t succeeded() const { return completed - responses_failed; }
    int64_t unfinished() const { return sent - completed - errors; }
    void reset();
    void add(const TransactionStats& other);
};

// (errors + responses_failed) / (completed + errors), as a request name's; 0 when none ended.
double failure_rate(const TransactionStats& transaction);

}  // namespace barrage::stats
