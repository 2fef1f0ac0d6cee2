#pragma once
// What a worker hands the coordinator once per interval: counters and
// histograms since the previous snapshot. Snapshots are preallocated and
// travel by pointer through SPSC rings, so nothing is allocated per interval.

#include <cstdint>
#include <vector>

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/name_stats.h"
#include "barrage/stats/transaction_stats.h"

namespace barrage::stats {

// What a worker holds at the moment it hands over a snapshot: levels, not
// counts. Never added over intervals (Snapshot::add leaves them out): the
// coordinator keeps each worker's latest and sums those, for live metrics.
struct Gauges {
    int64_t connections_open = 0;     // established
    int64_t connections_opening = 0;  // connecting or in the TLS handshake
    int64_t requests_in_flight = 0;   // sent, not finished
};

struct Snapshot {
    int worker_index = 0;
    int64_t interval_index = 0;  // 0-based interval since the measured start
    bool warmup = false;         // recorded during warm-up (excluded from results)
    bool final = false;          // last snapshot of this worker
    int64_t cpu_ns = 0;          // the worker thread's CPU time since its previous snapshot
    Counters counters;
    Gauges gauges;                                             // at the hand-over; see Gauges
    Histogram latency_us = Histogram::for_latency_us();        // completion - intended send
    Histogram service_time_us = Histogram::for_latency_us();   // completion - actual send
    Histogram schedule_lag_us = Histogram::for_latency_us();   // actual send - intended send
    Histogram connect_time_us = Histogram::for_latency_us();   // connect start - established
    Histogram tls_handshake_us = Histogram::for_latency_us();  // TCP established - TLS done
    // Failed requests: failure - intended send (how long a timeout or reset took).
    Histogram failure_time_us = Histogram::for_latency_us();
    // One entry per request name (index = the run's request index), sized by
    // the worker before the run; empty only in a snapshot that was never used.
    // A worker counts into by_name but leaves its latency histograms empty:
    // it logs each latency in name_latencies_us instead (a worker keeps
    // several snapshots, and a histogram per name in each would cost
    // megabytes per name).
    std::vector<NameStats> by_name;
    std::vector<NameLatency> name_latencies_us;  // capacity kept across reset()
    // Task groups ([[tasks]]), as by_name: counts here, each successful
    // transaction's latency logged (name_index = the task's index).
    std::vector<TransactionStats> by_transaction;
    std::vector<NameLatency> transaction_latencies_us;  // capacity kept across reset()

    void reset();
    // Counters, histograms and by_name (sized on first add); other's logged
    // latencies are recorded into by_name's histograms.
    void add(const Snapshot& other);
};

}  // namespace barrage::stats
