#pragma once
// Load shapes of open-loop phases (constant, ramp, step, spike) as
// piecewise-linear rate segments for ArrivalSchedule::make. Rates may be
// fractional; a zero-length piece (a spike with no rise time) is left out, so
// the rate jumps. Pure arithmetic.

#include <cstdint>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/schedule/arrival_schedule.h"

namespace barrage::schedule {

// rate_per_s for duration_ns.
struct ConstantShape {
    double rate_per_s = 0;
    int64_t duration_ns = 0;
};

// Linear from rate_per_s to rate_end_per_s over duration_ns (either may be 0, not both).
struct RampShape {
    double rate_per_s = 0;
    double rate_end_per_s = 0;
    int64_t duration_ns = 0;
};

// `steps` levels of step_duration_ns each: rate_per_s, rate_per_s + step_per_s, ...
// (the stress pattern 100 -> 300 -> 500). step_per_s may be negative as long
// as every level stays above 0.
struct StepShape {
    double rate_per_s = 0;
    double step_per_s = 0;
    int64_t step_duration_ns = 0;
    int steps = 0;
};

// rate_per_s (base) for duration_ns, except a spike to rate_end_per_s (peak):
// rising linearly from spike_at_ns for spike_rise_ns, holding spike_hold_ns,
// falling back in spike_fall_ns. The spike must end within duration_ns.
struct SpikeShape {
    double rate_per_s = 0;
    double rate_end_per_s = 0;
    int64_t duration_ns = 0;
    int64_t spike_at_ns = 0;
    int64_t spike_hold_ns = 0;
    int64_t spike_rise_ns = 0;
    int64_t spike_fall_ns = 0;
};

// Each returns the segments of the shape, or an Error naming the field at
// fault: a non-positive duration, a negative or non-finite rate, a shape with
// no load at all, a spike that does not fit its phase.
base::Result<std::vector<RateSegment>> segments_of(const ConstantShape& shape);
base::Result<std::vector<RateSegment>> segments_of(const RampShape& shape);
base::Result<std::vector<RateSegment>> segments_of(const StepShape& shape);
base::Result<std::vector<RateSegment>> segments_of(const SpikeShape& shape);

}  // namespace barrage::schedule
