#pragma once
// Private to engine: closed-loop virtual users. Each connection slot is one
// user that sends, waits for the response, thinks after each task, and sends
// again. Users spawn at the phase's rate and open their connection when they
// spawn; a phase with fewer users closes the others' connections until a
// later phase spawns them anew (Locust's semantics). UserPacer decides when a
// user sends or spawns; the worker connects and sends.

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
    // Sharded, `worker_index` and `worker_count` are the worker's test-wide
    // first index and stride (WorkerSlice), so user s*W+w is one of the whole test.
    UserPacer(const LoadModel& load, int worker_index, int worker_count);

    // False when every user simply sends again at once (the fast path): then
    // every user is there from the start and its connection opens before it.
    bool paces() const { return load_.paces_users(); }
    // True when the user on `slot` spawns at time zero, so its connection
    // opens before the start; the others open theirs when they spawn.
    bool present_at_start(uint32_t slot) const;

    // What the user on `slot` does next, and when.
    struct Pace {
        int64_t at_ns = 0;  // when (<= now: at once)
        // False: the phase in force has no place for the user. It leaves (its
        // connection closes) and looks again at at_ns, when the phase ends.
        bool present = true;
    };
    // For the user on `slot`, idle or absent (no connection): when it sends,
    // or spawns. `start_ns` is the schedule start; a user that enters a new
    // phase is moved into it, newcomers at the phase's spawn rate. `thinks`:
    // its last request ended a task (and its connection is open), so think
    // time, drawn from `rng`, comes first. A user that leaves when this phase
    // ends does not think past the end.
    Pace next(UserPacing& user, uint32_t slot, int64_t now, int64_t start_ns, bool thinks,
              http::Rng& rng) const;
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
    int user_index(uint32_t slot) const {
        return static_cast<int>(slot) * worker_count_ + worker_index_;
    }

    const LoadModel& load_;
    int worker_index_;
    int worker_count_;
    std::vector<Wakeup> wakeups_;  // a min-heap on wake time
};

}  // namespace barrage::engine::detail
