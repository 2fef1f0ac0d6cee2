// Closed-loop virtual users: when each user sends (UserPacer), and the
// worker's side, which sends for them.

#include <algorithm>

#include "barrage/base/assert.h"
#include "users_impl.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

namespace {

// Min-heap on wake time.
bool later(const UserPacer::Wakeup& a, const UserPacer::Wakeup& b) { return a.wake_ns > b.wake_ns; }

}  // namespace

UserPacer::UserPacer(const LoadModel& load, int worker_index, int worker_count)
    : load_(load), worker_index_(worker_index), worker_count_(worker_count) {}

int64_t UserPacer::next_send_ns(UserPacing& user, uint32_t slot, int64_t now, int64_t start_ns,
                                bool in_setup, http::Rng& rng) const {
    const int user_index = static_cast<int>(slot) * worker_count_ + worker_index_;
    const UserPhase& phase = load_.users_at(now - start_ns);
    const int phase_index = static_cast<int>(load_.index_of(phase));
    if (user.phase != phase_index) {
        const int64_t start = LoadModel::user_start_ns(phase, user_index);
        if (start < 0) {
            return phase.end_ns + start_ns;  // not needed in this phase: look again when it ends
        }
        user.phase = phase_index;
        return std::max(now, start + start_ns);
    }
    if (phase.think_max_ns > 0 && !in_setup) {
        // Setup steps (a login) follow each other without think time.
        return now + rng.uniform_int(phase.think_min_ns, phase.think_max_ns);
    }
    return now;
}

bool UserPacer::in_phase_at(const UserPacing& user, int64_t now_rel) const {
    return user.phase == static_cast<int>(load_.index_of(load_.users_at(now_rel)));
}

void UserPacer::wait(UserPacing& user, uint32_t slot, int64_t wake_ns) {
    user.wake_ns = wake_ns;
    wakeups_.push_back(Wakeup{wake_ns, slot});
    std::push_heap(wakeups_.begin(), wakeups_.end(), later);
}

std::optional<UserPacer::Wakeup> UserPacer::pop_due(int64_t now) {
    if (wakeups_.empty() || wakeups_.front().wake_ns > now) {
        return std::nullopt;
    }
    std::pop_heap(wakeups_.begin(), wakeups_.end(), later);
    const Wakeup due = wakeups_.back();
    wakeups_.pop_back();
    return due;
}

int64_t UserPacer::next_wake_ns() const {
    return wakeups_.empty() ? INT64_MAX : wakeups_.front().wake_ns;
}

// Decides when the idle user on `slot` sends next, and sends now or waits.
void Worker::pace_user(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (!users_.paces()) {
        start_request(slot, now, now, false);
        return;
    }
    if (conn.user.wake_ns > now) {
        return;  // already waiting (a reconnect during its think time)
    }
    const int64_t wake =
        users_.next_send_ns(conn.user, slot, now, shared_->start_ns, sessions_.in_setup(conn),
                            sessions_.context_of(conn).rng());
    if (wake <= now) {
        start_request(slot, now, now, false);
        return;
    }
    users_.wait(conn.user, slot, wake);
}

// Sends for every user whose wait is over. Entries of users that reconnected
// or were closed since are stale and dropped.
void Worker::wake_due_users(int64_t now) {
    while (const std::optional<UserPacer::Wakeup> due = users_.pop_due(now)) {
        Connection& conn = connections_[due->slot];
        if (conn.user.wake_ns != due->wake_ns) {
            continue;
        }
        conn.user.wake_ns = 0;
        if (conn.state != ConnState::idle || !sending_allowed(now)) {
            continue;
        }
        // Its think time (or spawn delay) is over: it sends, unless a new
        // phase began meanwhile, which decides afresh.
        if (users_.in_phase_at(conn.user, now - shared_->start_ns)) {
            start_request(due->slot, now, now, false);
        } else {
            pace_user(due->slot, now);
        }
    }
}

}  // namespace barrage::engine::detail
