#pragma once
// The latency a verdict judges. Every request scheduled in the measured
// window counts: the answered ones with their latency, the unanswered ones
// (failed, unfinished at the end, never sent) as infinitely slow, since no
// bound on their latency exists. So `p99 < X` cannot pass when more than 1 %
// of the requests went unanswered, whatever the answered ones did.
//
// Stricter than wrk2, k6 and oha, which judge the answered requests only: a
// target that stops answering must not pass a latency gate.

#include <cstdint>
#include <optional>

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/name_stats.h"

namespace barrage::stats {

// Requests of the measured window without an answer: failed + unfinished + unsent.
int64_t unanswered_of(const Counters& counters);
// A request name's: failed + unfinished (an unsent arrival has no name yet).
int64_t unanswered_of(const NameStats& name);

class JudgedLatency {
public:
    // `answered_us`: the latency of the answered requests; it must outlive this view.
    JudgedLatency(const Histogram& answered_us, int64_t unanswered);

    int64_t total_count() const { return answered_.total_count() + unanswered_; }
    int64_t answered_count() const { return answered_.total_count(); }
    int64_t unanswered_count() const { return unanswered_; }
    // unanswered / total, 0 when nothing was scheduled.
    double unanswered_fraction() const;

    // The value at `percentile` (in [0, 100]) over all requests, with
    // HdrHistogram's rank rule (round half up, at least 1). nullopt: the rank
    // falls on an unanswered request (unbounded), or nothing was scheduled.
    std::optional<int64_t> value_at_percentile(double percentile) const;
    // nullopt when any request is unanswered or nothing was scheduled.
    std::optional<double> mean() const;
    std::optional<int64_t> max() const;
    // The fastest answer; nullopt when none was answered.
    std::optional<int64_t> min() const;
    // Whether the rank of `percentile` falls on an unanswered request.
    bool unbounded_at(double percentile) const;

private:
    const Histogram& answered_;
    int64_t unanswered_;
};

}  // namespace barrage::stats
