// The engine's virtual users: when each one spawns, sends, thinks and leaves.
// Pure arithmetic over the load model: times are given, no clock is read.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "../../src/engine/users_impl.h"
#include "barrage/plan/shard.h"

namespace plan = barrage::plan;
namespace http = barrage::http;
using barrage::engine::detail::LoadModel;
using barrage::engine::detail::UserPacer;
using barrage::engine::detail::UserPacing;

namespace {

constexpr int64_t ms_ns = 1'000'000;
constexpr int64_t s_ns = 1000 * ms_ns;

plan::PhasePlan users_phase(int users, double spawn_per_s, int64_t think_ns) {
    plan::PhasePlan phase;
    phase.name = "p" + std::to_string(users);
    phase.kind = plan::PhaseKind::users;
    phase.duration_ns = s_ns;
    phase.users = users;
    phase.spawn_per_s = spawn_per_s;
    phase.think_min_ns = think_ns;
    phase.think_max_ns = think_ns;
    return phase;
}

LoadModel model_of(std::vector<plan::PhasePlan> phases, int connections) {
    plan::RunPlan run;
    run.connections = connections;
    run.phases = std::move(phases);
    auto model = LoadModel::build(run);
    REQUIRE(model.ok());
    return std::move(model).value();
}

}  // namespace

TEST_CASE("only users who spawn at time zero are there before the start") {
    const LoadModel spawning = model_of({users_phase(4, 2, 0)}, 4);
    const UserPacer pacer(spawning, 0, 1);
    CHECK(pacer.paces());
    CHECK(pacer.present_at_start(0));
    CHECK_FALSE(pacer.present_at_start(1));
    CHECK_FALSE(pacer.present_at_start(3));

    // All at once, but with fewer users than connections: the spare slots stay empty.
    const LoadModel fewer = model_of({users_phase(2, 0, 0)}, 4);
    const UserPacer fewer_pacer(fewer, 0, 1);
    CHECK(fewer_pacer.present_at_start(1));
    CHECK_FALSE(fewer_pacer.present_at_start(2));
}

TEST_CASE("an absent user spawns at the spawn rate, dealt round-robin over workers") {
    const LoadModel model = model_of({users_phase(4, 2, 0)}, 4);
    const UserPacer second_worker(model, 1, 2);  // its slot 1 is user 3
    http::Rng rng(1);
    UserPacing user;
    const int64_t start = 100 * s_ns;
    const UserPacer::Pace pace = second_worker.next(user, 1, start, start, false, rng);
    CHECK(pace.present);
    CHECK(pace.at_ns == start + 1500 * ms_ns);  // user 3 at 2/s
    CHECK(user.phase == 0);
}

TEST_CASE("a user the phase has no place for leaves and looks again when the phase ends") {
    const LoadModel model = model_of({users_phase(4, 0, 0), users_phase(1, 0, 0)}, 4);
    const UserPacer pacer(model, 0, 1);
    http::Rng rng(1);
    UserPacing user;
    REQUIRE(pacer.next(user, 3, 0, 0, false, rng).at_ns == 0);
    const UserPacer::Pace pace = pacer.next(user, 3, 1200 * ms_ns, 0, false, rng);
    CHECK_FALSE(pace.present);
    CHECK(pace.at_ns == 2 * s_ns);
    // User 0 stays on into the second phase and sends at once.
    UserPacing stays;
    REQUIRE(pacer.next(stays, 0, 0, 0, false, rng).present);
    const UserPacer::Pace next = pacer.next(stays, 0, 1200 * ms_ns, 0, false, rng);
    CHECK(next.present);
    CHECK(next.at_ns == 1200 * ms_ns);
}

TEST_CASE("think time follows a task, never a login, and ends when a leaving user's phase ends") {
    const LoadModel model = model_of({users_phase(4, 0, 300 * ms_ns), users_phase(1, 0, 0)}, 4);
    const UserPacer pacer(model, 0, 1);
    http::Rng rng(1);
    UserPacing leaving;
    UserPacing staying;
    REQUIRE(pacer.next(leaving, 3, 0, 0, false, rng).at_ns == 0);
    REQUIRE(pacer.next(staying, 0, 0, 0, false, rng).at_ns == 0);
    // After a setup step (thinks = false) the user goes on at once.
    CHECK(pacer.next(staying, 0, 100 * ms_ns, 0, false, rng).at_ns == 100 * ms_ns);
    // After a task it thinks.
    CHECK(pacer.next(staying, 0, 100 * ms_ns, 0, true, rng).at_ns == 400 * ms_ns);
    CHECK(pacer.next(staying, 0, 900 * ms_ns, 0, true, rng).at_ns == 1200 * ms_ns);
    // User 3 has no place in the next phase: its think time stops at the phase's end.
    CHECK(pacer.next(leaving, 3, 900 * ms_ns, 0, true, rng).at_ns == s_ns);
}

TEST_CASE("a closed-loop count is split over the workers exactly") {
    using barrage::engine::detail::share_of;
    for (const int workers : {1, 2, 3, 7}) {
        for (const int64_t count : {int64_t{0}, int64_t{1}, int64_t{5}, int64_t{157}}) {
            int64_t sum = 0;
            for (int w = 0; w < workers; ++w) {
                const int64_t share = share_of(count, w, workers);
                CHECK(share >= count / workers);
                CHECK(share <= count / workers + 1);
                sum += share;
            }
            CHECK(sum == count);
        }
    }
    CHECK(share_of(157, 0, 2) == 79);
    CHECK(share_of(157, 1, 2) == 78);
}

TEST_CASE("shards split connections, users and counts like workers, then over their workers") {
    using barrage::engine::detail::WorkerSlice;
    using barrage::plan::share_of;
    // 10 over 4 shards: 3 + 3 + 2 + 2.
    CHECK(share_of(10, 0, 4) == 3);
    CHECK(share_of(10, 1, 4) == 3);
    CHECK(share_of(10, 2, 4) == 2);
    CHECK(share_of(10, 3, 4) == 2);
    const std::vector<int> workers_of_shard = {3, 1, 4, 2};  // machines of different sizes
    const int shards = static_cast<int>(workers_of_shard.size());
    for (const int64_t count : {int64_t{0}, int64_t{1}, int64_t{10}, int64_t{103}, int64_t{997}}) {
        std::vector<int> owner(static_cast<size_t>(count), 0);
        int64_t sum = 0;
        for (int s = 0; s < shards; ++s) {
            const int workers = workers_of_shard[static_cast<size_t>(s)];
            int64_t shard_sum = 0;
            for (int w = 0; w < workers; ++w) {
                const WorkerSlice slice{
                    .shard = s, .shards = shards, .worker = w, .workers = workers};
                const int64_t share = slice.share(count);
                // The same as the shard's part, then the worker's part of that.
                CHECK(share == share_of(share_of(count, s, shards), w, workers));
                for (int64_t slot = 0; slot < share; ++slot) {
                    const int64_t item = slice.global(slot);  // a user or connection of the test
                    REQUIRE(item < count);
                    CHECK(item % shards == s);
                    ++owner[static_cast<size_t>(item)];
                }
                CHECK(slice.global(share) >= count);  // the next slot would be past the end
                shard_sum += share;
            }
            CHECK(shard_sum == share_of(count, s, shards));
            sum += shard_sum;
        }
        CHECK(sum == count);
        CHECK(std::all_of(owner.begin(), owner.end(), [](int n) { return n == 1; }));
    }
}

TEST_CASE("shards' users spawn exactly when the unsharded run's users do") {
    using barrage::engine::detail::WorkerSlice;
    // 10 users spawning at 4/s, then 13 users: over 3 shards of 2, 1 and 3 workers.
    const LoadModel model = model_of({users_phase(10, 4, 0), users_phase(13, 4, 0)}, 13);
    const std::vector<int> workers_of_shard = {2, 1, 3};
    const int shards = static_cast<int>(workers_of_shard.size());
    const int64_t start = 100 * s_ns;
    std::vector<int64_t> spawned;
    for (int s = 0; s < shards; ++s) {
        const int workers = workers_of_shard[static_cast<size_t>(s)];
        for (int w = 0; w < workers; ++w) {
            const WorkerSlice slice{.shard = s, .shards = shards, .worker = w, .workers = workers};
            const UserPacer pacer(model, static_cast<int>(slice.first()),
                                  static_cast<int>(slice.stride()));
            // The worker's connection slots: its share of the 13 users.
            for (int64_t slot = 0; slot < slice.share(13); ++slot) {
                http::Rng rng(1);
                UserPacing user;
                const UserPacer::Pace pace =
                    pacer.next(user, static_cast<uint32_t>(slot), start, start, false, rng);
                if (user.phase == 0) {
                    spawned.push_back(pace.at_ns - start);
                }
            }
        }
    }
    std::sort(spawned.begin(), spawned.end());
    std::vector<int64_t> unsharded;
    for (int user = 0; user < 10; ++user) {
        unsharded.push_back(LoadModel::user_start_ns(model.user_phase(0), user));
    }
    CHECK(spawned == unsharded);
}
