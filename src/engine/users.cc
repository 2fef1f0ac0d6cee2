// Closed-loop virtual users: each connection is one user that sends, waits
// for the response, thinks, and sends again. Users spawn at the phase's rate,
// and a phase with fewer users parks the rest until a later phase needs them.

#include <algorithm>

#include "barrage/base/assert.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

namespace {

// Min-heap on wake time.
bool later(const std::pair<int64_t, uint32_t>& a, const std::pair<int64_t, uint32_t>& b) {
    return a.first > b.first;
}

}  // namespace

// Decides when the idle user on `slot` sends next, and sends now or waits.
void Worker::pace_user(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (!load_.paces_users()) {
        start_request(slot, now, now, false);
        return;
    }
    if (conn.user.wake_ns > now) {
        return;  // already waiting (a reconnect during its think time)
    }
    // Users are dealt round-robin over workers, so any number of them is spread evenly.
    const int user = static_cast<int>(slot) * worker_count_ + worker_index_;
    const UserPhase& phase = load_.users_at(now - shared_->start_ns);
    const int phase_index = static_cast<int>(load_.index_of(phase));
    int64_t wake = now;
    if (conn.user.phase != phase_index) {
        const int64_t start = LoadModel::user_start_ns(phase, user);
        if (start < 0) {
            // Not needed in this phase: look again when it ends.
            wake = phase.end_ns + shared_->start_ns;
        } else {
            conn.user.phase = phase_index;
            wake = std::max(now, start + shared_->start_ns);
        }
    } else if (phase.think_max_ns > 0 && !sessions_.in_setup(conn)) {
        // Setup steps (a login) follow each other without think time.
        wake = now +
               sessions_.context_of(conn).rng().uniform_int(phase.think_min_ns, phase.think_max_ns);
    }
    if (wake <= now) {
        start_request(slot, now, now, false);
        return;
    }
    conn.user.wake_ns = wake;
    wakeups_.emplace_back(wake, slot);
    std::push_heap(wakeups_.begin(), wakeups_.end(), later);
}

// Sends for every user whose wait is over. Entries of users that reconnected
// or were closed since are stale and dropped.
void Worker::wake_due_users(int64_t now) {
    while (!wakeups_.empty() && wakeups_.front().first <= now) {
        const auto [wake, slot] = wakeups_.front();
        std::pop_heap(wakeups_.begin(), wakeups_.end(), later);
        wakeups_.pop_back();
        Connection& conn = connections_[slot];
        if (conn.user.wake_ns != wake) {
            continue;
        }
        conn.user.wake_ns = 0;
        if (conn.state != ConnState::idle || !sending_allowed(now)) {
            continue;
        }
        // Its think time (or spawn delay) is over: it sends, unless a new
        // phase began meanwhile, which decides afresh.
        const UserPhase& phase = load_.users_at(now - shared_->start_ns);
        if (conn.user.phase == static_cast<int>(load_.index_of(phase))) {
            start_request(slot, now, now, false);
        } else {
            pace_user(slot, now);
        }
    }
}

int64_t Worker::next_wake_ns() const {
    return wakeups_.empty() ? INT64_MAX : wakeups_.front().first;
}

}  // namespace barrage::engine::detail
