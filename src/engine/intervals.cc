// Intervals and snapshots: the worker counts into one snapshot per interval
// and hands each to the coordinator through the SPSC rings.

#include <utility>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

namespace {

// Latencies logged per snapshot before its log grows: 256k responses per
// worker and interval (2 MiB of address space, resident only as far as written).
constexpr std::size_t name_latencies_reserved = std::size_t{1} << 18;

}  // namespace

// The pool of snapshots that travel to the coordinator and back, sized for
// the workload's request names; the first one is current.
void Worker::prepare_snapshots() {
    for (std::size_t i = 0; i < snapshots_per_worker; ++i) {
        channel_->pool.push_back(std::make_unique<stats::Snapshot>());
        stats::Snapshot& snapshot = *channel_->pool.back();
        snapshot.worker_index = worker_index_;
        sessions_.prepare_snapshot(snapshot);
        // Untouched capacity costs address space only; an interval with more
        // responses than this grows the log once (amortized), then keeps it.
        snapshot.name_latencies_us.reserve(name_latencies_reserved);
        if (!snapshot.by_transaction.empty()) {
            snapshot.transaction_latencies_us.reserve(name_latencies_reserved);
        }
        spare_snapshots_.push_back(&snapshot);
    }
    sessions_.prepare_snapshot(warmup_leftovers_);
    current_ = spare_snapshots_.back();
    spare_snapshots_.pop_back();
}

// Warm-up requests that finish after the warm-up are not the measured period's:
// their results go where nobody reads them, so sent == completed + errors holds.
stats::Snapshot& Worker::request_snapshot(const Connection& conn) {
    return conn.request.measured || interval_index_ < 0 ? *current_ : warmup_leftovers_;
}

void OpeningTotals::take_from(stats::Snapshot& snapshot) {
    connect_us.add(snapshot.connect_time_us);
    snapshot.connect_time_us.reset();
    tls_handshake_us.add(snapshot.tls_handshake_us);
    snapshot.tls_handshake_us.reset();
    std::swap(tls_handshakes_full, snapshot.counters.tls_handshakes_full);
    std::swap(tls_handshakes_resumed, snapshot.counters.tls_handshakes_resumed);
    std::swap(connections_opened, snapshot.counters.connections_opened);
}

void OpeningTotals::add_to(stats::Snapshot& snapshot) const {
    snapshot.connect_time_us.add(connect_us);
    snapshot.tls_handshake_us.add(tls_handshake_us);
    snapshot.counters.tls_handshakes_full += tls_handshakes_full;
    snapshot.counters.tls_handshakes_resumed += tls_handshakes_resumed;
    snapshot.counters.connections_opened += connections_opened;
}

int64_t Worker::interval_index_at(int64_t now) const {
    const int64_t since = now - shared_->measured_start_ns;
    // Floor division: warm-up intervals have negative indices.
    return since >= 0 ? since / plan_.interval_ns
                      : -((-since + plan_.interval_ns - 1) / plan_.interval_ns);
}

void Worker::roll_interval(int64_t now) {
    publish_snapshot(false);
    realtime_minus_monotonic_ns_ = base::realtime_minus_monotonic_ns();
    interval_index_ = interval_index_at(now);
    interval_end_ns_ = shared_->measured_start_ns + (interval_index_ + 1) * plan_.interval_ns;
}

// Hands the current snapshot to the coordinator and continues in a fresh one.
// If none is free (the coordinator is behind), keeps accumulating: counts are
// never dropped, they land in a later interval.
void Worker::publish_snapshot(bool final) {
    BARRAGE_ASSERT(current_ != nullptr);
    const int64_t cpu_ns = base::thread_cpu_ns();
    current_->cpu_ns += cpu_ns - cpu_mark_ns_;
    cpu_mark_ns_ = cpu_ns;
    current_->worker_index = worker_index_;
    current_->interval_index = interval_index_;
    current_->warmup = interval_index_ < 0;
    current_->final = final;
    // Once per interval, never per request: three loads for live metrics.
    current_->gauges = stats::Gauges{connected_, connections_opening_, in_flight_};
    stats::Snapshot* fresh = nullptr;
    if (!final) {
        if (!spare_snapshots_.empty()) {
            fresh = spare_snapshots_.back();
            spare_snapshots_.pop_back();
        } else if (auto returned = channel_->empty.try_pop()) {
            fresh = *returned;
        } else {
            return;
        }
    }
    // The ring holds twice the pool, so a push cannot fail.
    const bool pushed = channel_->filled.try_push(current_);
    BARRAGE_ASSERT(pushed);
    current_ = fresh;
}

}  // namespace barrage::engine::detail
