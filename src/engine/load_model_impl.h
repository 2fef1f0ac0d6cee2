#pragma once
// The run's phases as the engine drives them, on one time axis that starts
// with the warm-up: one arrival schedule for open loop, or, for closed loop,
// how many virtual users are active, how fast they spawn and how long they
// think. Built once by the coordinator, read-only for the workers.

#include <cstdint>
#include <memory>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/schedule/arrival_schedule.h"

namespace barrage::engine::detail {

struct UserPhase {
    int64_t start_ns = 0;  // since the schedule start
    int64_t end_ns = 0;
    int users = 0;
    int users_before = 0;    // of the previous phase: only the users beyond spawn anew
    double spawn_per_s = 0;  // 0: all at once
    int64_t think_min_ns = 0;
    int64_t think_max_ns = 0;
    int64_t iterations = 0;  // > 0: the run ends once this many were sent in this phase
};

// Worker `worker_index`'s part of `count` requests over `worker_count` workers:
// the first count % worker_count take one more, so the parts add up to count.
int64_t share_of(int64_t count, int worker_index, int worker_count);

// Where a worker's slice lies in the whole test: worker `worker` of the
// shard's `workers`, in shard `shard` (0-based) of `shards` (--shard; 0 of 1
// unsharded). Item k of the test (an arrival, a user, a connection) belongs to
// shard k mod N and, within it, to worker (k div N) mod W: one stride of N*W
// from first(). The shards may have different W; each one's items are still
// exactly those of one unsharded run, and a worker takes share_of(share_of(C,
// s, N), w, W) of C things, which equals share_of(C, first(), stride()).
struct WorkerSlice {
    int shard = 0;
    int shards = 1;
    int worker = 0;
    int workers = 1;

    int64_t first() const { return shard + int64_t{shards} * worker; }
    int64_t stride() const { return int64_t{shards} * workers; }
    // This worker's part of `count` (connections, users, --requests).
    int64_t share(int64_t count) const { return share_of_slice(count, first(), stride()); }
    // The test-wide index of this worker's `slot`-th item (user, connection).
    int64_t global(int64_t slot) const { return first() + stride() * slot; }

private:
    static int64_t share_of_slice(int64_t count, int64_t index, int64_t parts) {
        return count / parts + (index < count % parts ? 1 : 0);
    }
};

// Worker `worker` of `workers` in the shard of `plan` (plan.shard).
WorkerSlice slice_of(const plan::RunPlan& plan, int worker, int workers);

class LoadModel {
public:
    // `plan` has passed plan::validate_run_plan (the phase order is asserted).
    // Errors: a shape the schedule refuses.
    static base::Result<LoadModel> build(const plan::RunPlan& plan);

    bool open_loop() const { return schedule_ != nullptr; }
    const schedule::ArrivalSchedule* schedule() const { return schedule_.get(); }

    // Closed loop: the phase in force at `t_ns` since the start (the last one after the end).
    const UserPhase& users_at(int64_t t_ns) const;
    // Closed loop: when user `user` (0-based, over all workers) first sends in
    // `phase`, in ns since the schedule start; -1 when the phase has fewer users.
    static int64_t user_start_ns(const UserPhase& phase, int user);
    // The index of `phase` (for telling phases apart).
    std::size_t index_of(const UserPhase& phase) const {
        return static_cast<std::size_t>(&phase - user_phases_.data());
    }
    // Closed loop: false when every user simply sends again at once (no think
    // time, no spawn rate, all users in every phase) — the fast path.
    bool paces_users() const { return paces_users_; }
    // Closed loop: the most users any phase holds, so the most connections
    // the run opens at once (spare connection slots never connect).
    int users_max() const { return users_max_; }
    // Closed loop: the index of the phase that ends the run after a count of
    // sends (the last phase, with iterations), or -1.
    int counted_phase() const { return counted_phase_; }
    const UserPhase& user_phase(std::size_t index) const { return user_phases_[index]; }

private:
    std::unique_ptr<schedule::ArrivalSchedule> schedule_;
    std::vector<UserPhase> user_phases_;
    bool paces_users_ = false;
    int users_max_ = 0;
    int counted_phase_ = -1;
};

}  // namespace barrage::engine::detail
