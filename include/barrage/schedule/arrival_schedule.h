#pragma once
// Open-loop arrival schedule: a piecewise-linear rate r(t) over [0, duration].
// Arrival k (0-based) is intended at the time t_k where the integral of r from
// 0 to t_k equals k, so the number of arrivals in [0, T) is ceil(integral) and
// fractional rates are exact. No clock, no system calls: pure arithmetic.

#include <cstdint>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::schedule {

// One piece of the rate function: linear from rate_start to rate_end (per
// second) over duration_ns. Constant rate: rate_start == rate_end.
struct RateSegment {
    int64_t duration_ns = 0;
    double rate_start_per_s = 0;
    double rate_end_per_s = 0;
};

inline constexpr int64_t no_more_arrivals = -1;

class ArrivalSchedule {
public:
    // Errors: no segments, a non-positive duration, a negative or non-finite rate.
    static base::Result<ArrivalSchedule> make(std::vector<RateSegment> segments);
    static ArrivalSchedule constant(double rate_per_s, int64_t duration_ns);

    int64_t duration_ns() const { return duration_ns_; }
    // Number of arrivals in [0, duration): ceil(integral of the rate) (minus
    // one if the last arrival would land exactly on the end).
    int64_t arrivals_total() const { return arrivals_total_; }
    // Intended time of arrival k in ns since the start, or no_more_arrivals.
    int64_t time_of_arrival_ns(int64_t k) const;
    // Exact expected count of arrivals in [0, t_ns) as a real number.
    double integral_until(int64_t t_ns) const;
    // The number of arrivals intended before t_ns: the k with time_of_arrival_ns(k)
    // < t_ns. From the integral, so O(segments) whatever the rate and duration.
    int64_t arrivals_before(int64_t t_ns) const;

private:
    std::vector<RateSegment> segments_;
    std::vector<double> arrivals_before_;  // cumulative integral at each segment start
    std::vector<int64_t> segment_start_ns_;
    int64_t duration_ns_ = 0;
    int64_t arrivals_total_ = 0;
};

// A shard takes every shard_count-th arrival starting at shard_index, so the
// shards together produce exactly the whole schedule.
class ScheduleShard {
public:
    ScheduleShard(const ArrivalSchedule* schedule, int shard_index, int shard_count);
    // Worker `worker` of `workers` in machine shard `shard` (0-based) of `shards`
    // (--shard): arrival k goes to shard k mod N, then to worker (k div N) mod W,
    // that is every (N*W)-th arrival from shard + N*worker. Each shard may have
    // its own W; all workers of all shards together take the whole schedule.
    static ScheduleShard of_worker(const ArrivalSchedule* schedule, int shard, int shards,
                                   int worker, int workers);

    // Intended time of this shard's next arrival, or no_more_arrivals.
    int64_t next_ns() const { return next_ns_; }
    void advance();
    // Arrivals of this shard taken so far.
    int64_t taken() const { return taken_; }
    // Arrivals of this shard in the whole schedule.
    int64_t total() const;
    // Arrivals of this shard intended before t_ns (taken or not).
    int64_t count_before(int64_t t_ns) const;

private:
    const ArrivalSchedule* schedule_;
    int64_t shard_index_;
    int64_t shard_count_;
    int64_t taken_ = 0;
    int64_t next_ns_ = no_more_arrivals;
};

}  // namespace barrage::schedule
