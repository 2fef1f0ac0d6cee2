#pragma once
// What a worker hands the coordinator once per interval: counters and
// histograms since the previous snapshot. Snapshots are preallocated and
// travel by pointer through SPSC rings, so nothing is allocated per interval.

#include <cstdint>

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"

namespace barrage::stats {

struct Snapshot {
    int worker_index = 0;
    int64_t interval_index = 0;   // 0-based interval since the measured start
    bool warmup = false;          // recorded during warm-up (excluded from results)
    bool final = false;           // last snapshot of this worker
    Counters counters;
    Histogram latency_us = Histogram::for_latency_us();       // completion - intended send
    Histogram service_time_us = Histogram::for_latency_us();  // completion - actual send
    Histogram schedule_lag_us = Histogram::for_latency_us();  // actual send - intended send
    Histogram connect_time_us = Histogram::for_latency_us();  // connect start - established

    void reset();
    void add(const Snapshot& other);  // counters and histograms
};

}  // namespace barrage::stats
