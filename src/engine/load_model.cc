#include <algorithm>
#include <cmath>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/schedule/load_shape.h"
#include "load_model_impl.h"

namespace barrage::engine::detail {
namespace {

base::Result<std::vector<schedule::RateSegment>> segments_of(const plan::PhasePlan& phase) {
    switch (phase.kind) {
        case plan::PhaseKind::constant:
            return schedule::segments_of(
                schedule::ConstantShape{phase.rate_per_s, phase.duration_ns});
        case plan::PhaseKind::ramp:
            return schedule::segments_of(
                schedule::RampShape{phase.rate_per_s, phase.rate_end_per_s, phase.duration_ns});
        case plan::PhaseKind::step:
            return schedule::segments_of(schedule::StepShape{phase.rate_per_s, phase.step_per_s,
                                                             phase.step_duration_ns, phase.steps});
        case plan::PhaseKind::spike:
            return schedule::segments_of(schedule::SpikeShape{
                phase.rate_per_s, phase.rate_end_per_s, phase.duration_ns, phase.spike_at_ns,
                phase.spike_hold_ns, phase.spike_rise_ns, phase.spike_fall_ns});
        case plan::PhaseKind::users:
            break;
    }
    return base::make_error("phase '" + phase.name + "' has no rate shape");
}

}  // namespace

base::Result<LoadModel> LoadModel::build(const plan::RunPlan& plan) {
    const std::vector<plan::PhasePlan>& phases = plan.phases;
    // validate_run_plan refused a wrong order and an empty list before any traffic.
    BARRAGE_ASSERT(!phases.empty() && plan::check_phase_order(phases).ok());
    LoadModel model;
    if (phases.front().kind != plan::PhaseKind::users) {
        std::vector<schedule::RateSegment> all;
        for (const plan::PhasePlan& phase : phases) {
            auto segments = segments_of(phase);
            if (!segments.ok()) {
                return base::make_error("phase '" + phase.name + "': " + segments.error().message);
            }
            all.insert(all.end(), segments.value().begin(), segments.value().end());
        }
        auto schedule = schedule::ArrivalSchedule::make(std::move(all));
        if (!schedule.ok()) {
            return schedule.error();
        }
        model.schedule_ = std::make_unique<schedule::ArrivalSchedule>(std::move(schedule).value());
        return model;
    }
    int64_t start_ns = 0;
    int users_before = 0;
    for (const plan::PhasePlan& phase : phases) {
        const int users = std::min(phase.users, plan.connections);
        model.user_phases_.push_back(UserPhase{start_ns, start_ns + phase.duration_ns, users,
                                               users_before, phase.spawn_per_s, phase.think_min_ns,
                                               phase.think_max_ns, phase.iterations});
        // A count is kept by the pacer, so the fast path of plain closed loop stays as it is.
        model.paces_users_ = model.paces_users_ || phase.think_max_ns > 0 ||
                             phase.spawn_per_s > 0 || users < plan.connections ||
                             phase.iterations > 0;
        if (phase.iterations > 0) {
            BARRAGE_ASSERT(&phase == &phases.back());  // the profile allows a count there only
            model.counted_phase_ = static_cast<int>(model.user_phases_.size() - 1);
        }
        model.users_max_ = std::max(model.users_max_, users);
        start_ns += phase.duration_ns;
        users_before = users;
    }
    return model;
}

const UserPhase& LoadModel::users_at(int64_t t_ns) const {
    for (const UserPhase& phase : user_phases_) {
        if (t_ns < phase.end_ns) {
            return phase;
        }
    }
    return user_phases_.back();
}

int64_t share_of(int64_t count, int worker_index, int worker_count) {
    BARRAGE_ASSERT(count >= 0 && worker_count > 0 && worker_index >= 0 &&
                   worker_index < worker_count);
    return count / worker_count + (worker_index < count % worker_count ? 1 : 0);
}

WorkerSlice slice_of(const plan::RunPlan& plan, int worker, int workers) {
    BARRAGE_ASSERT(plan.shard.index >= 1 && plan.shard.index <= plan.shard.count);
    BARRAGE_ASSERT(worker >= 0 && worker < workers);
    return WorkerSlice{.shard = plan.shard.index - 1,
                       .shards = plan.shard.count,
                       .worker = worker,
                       .workers = workers};
}

int64_t LoadModel::user_start_ns(const UserPhase& phase, int user) {
    if (user >= phase.users) {
        return -1;
    }
    const int newcomer = user - phase.users_before;  // users already running keep going
    if (phase.spawn_per_s <= 0 || newcomer < 0) {
        return phase.start_ns;
    }
    return phase.start_ns + static_cast<int64_t>(std::llround(static_cast<double>(newcomer) /
                                                              phase.spawn_per_s * 1e9));
}

}  // namespace barrage::engine::detail
