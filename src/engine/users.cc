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

bool UserPacer::present_at_start(uint32_t slot) const {
    return LoadModel::user_start_ns(load_.users_at(0), user_index(slot)) == 0;
}

UserPacer::Pace UserPacer::next(UserPacing& user, uint32_t slot, int64_t now, int64_t start_ns,
                                bool thinks, http::Rng& rng) const {
    const int index = user_index(slot);
    const UserPhase& phase = load_.users_at(now - start_ns);
    const int phase_index = static_cast<int>(load_.index_of(phase));
    if (user.phase != phase_index) {
        const int64_t start = LoadModel::user_start_ns(phase, index);
        if (start < 0) {
            return Pace{phase.end_ns + start_ns, false};  // look again when the phase ends
        }
        user.phase = phase_index;
        return Pace{std::max(now, start + start_ns), true};
    }
    if (!thinks || phase.think_max_ns == 0) {
        return Pace{now, true};
    }
    int64_t wake = now + rng.uniform_int(phase.think_min_ns, phase.think_max_ns);
    const int64_t end = phase.end_ns + start_ns;
    if (wake > end && index >= load_.users_at(phase.end_ns).users) {
        wake = end;  // the next phase has no place for it: it leaves when this one ends
    }
    return Pace{wake, true};
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

// Decides what the idle or absent user on `slot` does next: sends, spawns
// (opens its connection), leaves (closes it), or waits.
void Worker::pace_user(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (!users_.paces()) {
        start_request(slot, now, now, false);
        return;
    }
    if (conn.user.wake_ns > now) {
        return;  // already waiting (a reconnect during its think time)
    }
    const bool present = conn.state != ConnState::closed;
    BARRAGE_ASSERT(present ? conn.state == ConnState::idle : conn.socket.fd < 0);
    const bool thinks = present && Workload::task_ended(conn.session.cursor);
    const UserPacer::Pace pace = users_.next(conn.user, slot, now, shared_->start_ns, thinks,
                                             sessions_.context_of(conn).rng());
    if (!pace.present) {
        if (present) {
            close_connection(slot);  // it leaves; a later phase spawns it anew
        }
    } else if (pace.at_ns <= now) {
        act_for_user(slot, now);
        return;
    }
    users_.wait(conn.user, slot, pace.at_ns);
}

// The user's time has come: it sends, or it spawns and connects (its first
// request goes when the connection is ready, without think time).
void Worker::act_for_user(uint32_t slot, int64_t now) {
    if (connections_[slot].state == ConnState::closed) {
        open_connection(slot, now);
    } else {
        start_request(slot, now, now, false);
    }
}

// Acts for every user whose wait is over. Entries of users that reconnected
// or were closed since are stale and dropped.
void Worker::wake_due_users(int64_t now) {
    while (const std::optional<UserPacer::Wakeup> due = users_.pop_due(now)) {
        Connection& conn = connections_[due->slot];
        if (conn.user.wake_ns != due->wake_ns) {
            continue;
        }
        conn.user.wake_ns = 0;
        const bool waiting = conn.state == ConnState::idle || conn.state == ConnState::closed;
        if (!waiting || !sending_allowed(now)) {
            continue;
        }
        if (Sessions::in_transaction(conn) && conn.state == ConnState::idle) {
            start_request(due->slot, now, now, false);  // a repeat's interval is over
            continue;
        }
        // Its think time (or spawn delay) is over: it acts, unless a new
        // phase began meanwhile, which decides afresh.
        if (users_.in_phase_at(conn.user, now - shared_->start_ns)) {
            act_for_user(due->slot, now);
        } else {
            pace_user(due->slot, now);
        }
    }
}

// Closed loop with paced users: those who spawn later than time zero start
// without a connection and wait for their spawn time.
void Worker::schedule_absent_users(int64_t now) {
    if (!users_.paces() || !sending_allowed(now)) {
        return;
    }
    for (uint32_t slot = 0; slot < connections_.size(); ++slot) {
        if (connections_[slot].state == ConnState::closed) {
            pace_user(slot, now);
        }
    }
}

}  // namespace barrage::engine::detail
