// Count-bounded open-loop phases (`iterations`, --requests): a phase of N
// arrivals ends where the schedule puts arrival N + 1, found on the schedule
// itself, so the engine's schedule holds exactly N in it.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "barrage/base/excerpt.h"
#include "barrage/schedule/arrival_schedule.h"
#include "barrage/schedule/load_shape.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

using plan::PhaseKind;
using plan::PhasePlan;
using schedule::RateSegment;

// A closed-loop count without a duration stops here at the latest (k6's
// shared-iterations maxDuration).
constexpr int64_t closed_count_limit_ns = 600'000'000'000;
// 100 days: far beyond any run, far below where int64 nanoseconds end.
constexpr double count_seconds_max = 100.0 * 24 * 3600;

// The phase's rate segments, or the shape's error (none for users).
base::Result<std::vector<RateSegment>> checked_segments_of(const PhasePlan& phase) {
    switch (phase.kind) {
        case PhaseKind::constant:
            return schedule::segments_of(
                schedule::ConstantShape{phase.rate_per_s, phase.duration_ns});
        case PhaseKind::ramp:
            return schedule::segments_of(
                schedule::RampShape{phase.rate_per_s, phase.rate_end_per_s, phase.duration_ns});
        case PhaseKind::step:
            return schedule::segments_of(schedule::StepShape{phase.rate_per_s, phase.step_per_s,
                                                             phase.step_duration_ns, phase.steps});
        case PhaseKind::spike:
            return schedule::segments_of(schedule::SpikeShape{
                phase.rate_per_s, phase.rate_end_per_s, phase.duration_ns, phase.spike_at_ns,
                phase.spike_hold_ns, phase.spike_rise_ns, phase.spike_fall_ns});
        case PhaseKind::users:
            break;
    }
    return std::vector<RateSegment>{};
}

// A shape the loader has checked.
std::vector<RateSegment> segments_of(const PhasePlan& phase) {
    return checked_segments_of(phase).value();
}

// Arrivals in [start_ns, start_ns + length_ns) of `before` followed by a constant `rate`.
int64_t arrivals_in(std::vector<RateSegment> before, int64_t start_ns, int64_t length_ns,
                    double rate_per_s) {
    before.push_back(RateSegment{length_ns + 1, rate_per_s, rate_per_s});
    const auto schedule = schedule::ArrivalSchedule::make(std::move(before)).value();
    return schedule.arrivals_before(start_ns + length_ns) - schedule.arrivals_before(start_ns);
}

// The length of `phase` (constant, starting at start_ns after `before`) that
// holds exactly phase.iterations arrivals: up to where the next one is due.
int64_t length_for_count(const std::vector<RateSegment>& before, int64_t start_ns,
                         const PhasePlan& phase) {
    const double count = static_cast<double>(phase.iterations);
    // Arrival N + 1 of the phase is due at most (N + 1) / rate after its start.
    auto length_ns = static_cast<int64_t>(std::ceil((count + 1) / phase.rate_per_s * 1e9));
    std::vector<RateSegment> segments = before;
    segments.push_back(RateSegment{length_ns, phase.rate_per_s, phase.rate_per_s});
    const auto schedule = schedule::ArrivalSchedule::make(std::move(segments)).value();
    const int64_t first = schedule.arrivals_before(start_ns);
    length_ns = schedule.time_of_arrival_ns(first + phase.iterations) - start_ns;
    // The arrival's time is rounded to whole ns; settle on the side that holds N.
    for (int step = 0; step < 4; ++step) {
        const int64_t held = arrivals_in(before, start_ns, length_ns, phase.rate_per_s);
        if (held == phase.iterations) {
            break;
        }
        length_ns += held > phase.iterations ? -1 : 1;
    }
    BARRAGE_ASSERT(arrivals_in(before, start_ns, length_ns, phase.rate_per_s) == phase.iterations);
    return length_ns;
}

}  // namespace

base::Status fit_iterations(plan::RunPlan& plan) {
    std::vector<RateSegment> before;
    int64_t start_ns = 0;
    for (PhasePlan& phase : plan.phases) {
        if (phase.kind == PhaseKind::users) {
            // The engine ends it on the count; a duration is its time limit.
            if (phase.iterations > 0 && phase.duration_ns == 0) {
                phase.duration_ns = closed_count_limit_ns;
            }
            continue;
        }
        if (phase.iterations > 0) {
            BARRAGE_ASSERT(phase.kind == PhaseKind::constant && phase.rate_per_s > 0);
            if (static_cast<double>(phase.iterations) / phase.rate_per_s > count_seconds_max) {
                return base::make_error(fmt::format(
                    "phase '{}': {} requests at {} per second would take over 100 days; "
                    "expected fewer requests or a higher rate",
                    base::excerpt(phase.name), phase.iterations, phase.rate_per_s));
            }
            const int64_t by_count_ns = length_for_count(before, start_ns, phase);
            // Duration and count together: whichever ends first.
            phase.duration_ns =
                phase.duration_ns > 0 ? std::min(phase.duration_ns, by_count_ns) : by_count_ns;
        }
        const std::vector<RateSegment> segments = segments_of(phase);
        before.insert(before.end(), segments.begin(), segments.end());
        start_ns += phase.duration_ns;
    }
    return base::Ok{};
}

std::optional<Arrivals> arrivals_of(const std::vector<PhasePlan>& phases) {
    std::vector<RateSegment> all;
    int64_t warmup_ns = 0;
    for (const PhasePlan& phase : phases) {
        auto segments = checked_segments_of(phase);
        if (phase.kind == PhaseKind::users || !segments.ok()) {
            return std::nullopt;
        }
        all.insert(all.end(), segments.value().begin(), segments.value().end());
        warmup_ns += phase.warmup ? phase.duration_ns : 0;
    }
    auto schedule = schedule::ArrivalSchedule::make(std::move(all));
    if (!schedule.ok()) {
        return std::nullopt;
    }
    return Arrivals{.warmup = schedule.value().arrivals_before(warmup_ns),
                    .total = schedule.value().arrivals_total()};
}

}  // namespace barrage::profile::detail
