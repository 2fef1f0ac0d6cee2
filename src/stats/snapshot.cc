#include "barrage/stats/snapshot.h"

namespace barrage::stats {

void Snapshot::reset() {
    // worker_index stays: a snapshot belongs to one worker's pool for the whole run.
    interval_index = 0;
    warmup = false;
    final = false;
    counters = Counters{};
    latency_us.reset();
    service_time_us.reset();
    schedule_lag_us.reset();
    connect_time_us.reset();
}

void Snapshot::add(const Snapshot& other) {
    counters.add(other.counters);
    latency_us.add(other.latency_us);
    service_time_us.add(other.service_time_us);
    schedule_lag_us.add(other.schedule_lag_us);
    connect_time_us.add(other.connect_time_us);
}

}  // namespace barrage::stats
