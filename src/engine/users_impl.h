#pragma once
// Private to engine: closed-loop virtual users. Each connection is one user
// that sends, waits for the response, thinks, and sends again. Users spawn at
// the phase's rate, and a phase with fewer users parks the rest until a later
// phase needs them. UserPacer decides when a user sends; the worker sends.

#include <cstdint>
#include <optional>
#include <vector>

#include "barrage/http/template.h"
#include "connection_impl.h"
#include "load_model_impl.h"

namespace barrage::engine::detail {

class UserPacer {
public:
    // Users are dealt round-robin over workers: slot s of worker w is user s*W+w.
    UserPacer(const LoadModel& load, int worker_index, int worker_count);

    // False when every user simply sends again at once (the fast path).
    bool paces() const { return load_.paces_users(); }

    // When the idle user on `slot` sends next (<= now: at once). `start_ns` is
    // the schedule start; a user that enters a new phase is moved into it.
    // `in_setup`: the next request is a setup step, which goes without think
    // time; `rng` draws the think time.
    int64_t next_send_ns(UserPacing& user, uint32_t slot, int64_t now, int64_t start_ns,
                         bool in_setup, http::Rng& rng) const;
    // True while the user is in the phase in force at `now_rel` (since the start).
    bool in_phase_at(const UserPacing& user, int64_t now_rel) const;

    struct Wakeup {
        int64_t wake_ns = 0;
        uint32_t slot = 0;
    };
    // Parks the user until `wake_ns`.
    void wait(UserPacing& user, uint32_t slot, int64_t wake_ns);
    // The earliest wake-up due by `now`, taken off the heap; none when none is
    // due. It may be stale (the user reconnected or was closed since): the
    // caller compares wake_ns with the user's.
    std::optional<Wakeup> pop_due(int64_t now);
    bool waiting() const { return !wakeups_.empty(); }
    // The earliest wake-up (INT64_MAX: none).
    int64_t next_wake_ns() const;

private:
    const LoadModel& load_;
    int worker_index_;
    int worker_count_;
    std::vector<Wakeup> wakeups_;  // a min-heap on wake time
};

}  // namespace barrage::engine::detail
