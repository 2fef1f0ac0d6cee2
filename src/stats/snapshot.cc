#include "barrage/stats/snapshot.h"

#include "barrage/base/assert.h"

namespace barrage::stats {

namespace {

void add_transactions(Snapshot& into, const Snapshot& other) {
    std::vector<TransactionStats>& by_transaction = into.by_transaction;
    if (by_transaction.empty()) {
        for (std::size_t i = 0; i < other.by_transaction.size(); ++i) {
            by_transaction.emplace_back(i);  // control plane: allocates once
        }
    }
    BARRAGE_ASSERT(other.by_transaction.empty() ||
                   by_transaction.size() == other.by_transaction.size());
    for (std::size_t i = 0; i < other.by_transaction.size(); ++i) {
        by_transaction[i].add(other.by_transaction[i]);
    }
    for (const NameLatency& logged : other.transaction_latencies_us) {
        BARRAGE_ASSERT(logged.name_index < by_transaction.size());
        by_transaction[logged.name_index].latency_us.record_value(logged.latency_us);
    }
}

}  // namespace

void Snapshot::reset() {
    // worker_index stays: a snapshot belongs to one worker's pool for the whole run.
    interval_index = 0;
    warmup = false;
    final = false;
    cpu_ns = 0;
    counters = Counters{};
    latency_us.reset();
    service_time_us.reset();
    schedule_lag_us.reset();
    connect_time_us.reset();
    tls_handshake_us.reset();
    failure_time_us.reset();
    for (NameStats& name : by_name) {
        name.reset();
    }
    name_latencies_us.clear();
    for (TransactionStats& transaction : by_transaction) {
        transaction.reset();
    }
    transaction_latencies_us.clear();
}

void Snapshot::add(const Snapshot& other) {
    counters.add(other.counters);
    latency_us.add(other.latency_us);
    service_time_us.add(other.service_time_us);
    schedule_lag_us.add(other.schedule_lag_us);
    connect_time_us.add(other.connect_time_us);
    tls_handshake_us.add(other.tls_handshake_us);
    failure_time_us.add(other.failure_time_us);
    if (by_name.empty() && !other.by_name.empty()) {
        for (std::size_t i = 0; i < other.by_name.size(); ++i) {
            // control plane: allocates once
            by_name.emplace_back(other.by_name[i].check_failures.size(), i);
        }
    }
    BARRAGE_ASSERT(other.by_name.empty() || by_name.size() == other.by_name.size());
    for (std::size_t i = 0; i < other.by_name.size(); ++i) {
        by_name[i].add(other.by_name[i]);
    }
    for (const NameLatency& logged : other.name_latencies_us) {
        BARRAGE_ASSERT(logged.name_index < by_name.size());
        by_name[logged.name_index].latency_us.record_value(logged.latency_us);
    }
    add_transactions(*this, other);
}

}  // namespace barrage::stats
