#include "barrage/schedule/load_shape.h"

#include <cmath>
#include <limits>
#include <string>

namespace barrage::schedule {
namespace {

using base::make_error;
using base::Result;
using Segments = std::vector<RateSegment>;

bool is_rate(double rate) { return std::isfinite(rate) && rate >= 0; }

base::Status check_rates(double start, double end) {
    if (!is_rate(start) || !is_rate(end)) {
        return make_error("rates must be finite and not negative");
    }
    if (start == 0 && end == 0) {
        return make_error("the rate is 0 throughout, so the phase sends nothing");
    }
    return base::Ok{};
}

base::Status check_duration(const char* field, int64_t duration_ns) {
    if (duration_ns <= 0) {
        return make_error(std::string(field) + " must be greater than 0");
    }
    return base::Ok{};
}

// Appends a piece unless it is empty (a spike without rise time jumps).
void append(Segments& segments, int64_t duration_ns, double start, double end) {
    if (duration_ns > 0) {
        segments.push_back(RateSegment{duration_ns, start, end});
    }
}

}  // namespace

Result<Segments> segments_of(const ConstantShape& shape) {
    if (auto status = check_duration("duration", shape.duration_ns); !status) {
        return status.error();
    }
    if (!is_rate(shape.rate_per_s) || shape.rate_per_s == 0) {
        return make_error("rate must be greater than 0");
    }
    return Segments{{shape.duration_ns, shape.rate_per_s, shape.rate_per_s}};
}

Result<Segments> segments_of(const RampShape& shape) {
    if (auto status = check_duration("duration", shape.duration_ns); !status) {
        return status.error();
    }
    if (auto status = check_rates(shape.rate_per_s, shape.rate_end_per_s); !status) {
        return status.error();
    }
    return Segments{{shape.duration_ns, shape.rate_per_s, shape.rate_end_per_s}};
}

Result<Segments> segments_of(const StepShape& shape) {
    if (auto status = check_duration("step duration", shape.step_duration_ns); !status) {
        return status.error();
    }
    if (shape.steps < 1) {
        return make_error("steps must be at least 1");
    }
    if (shape.step_duration_ns > std::numeric_limits<int64_t>::max() / shape.steps) {
        return make_error("steps times step duration is too long");
    }
    Segments segments;
    for (int i = 0; i < shape.steps; ++i) {
        const double rate = shape.rate_per_s + shape.step_per_s * i;
        if (!is_rate(rate) || rate == 0) {
            return make_error("step " + std::to_string(i + 1) +
                              " has a rate of 0 or less; every level must be greater than 0");
        }
        append(segments, shape.step_duration_ns, rate, rate);
    }
    return segments;
}

Result<Segments> segments_of(const SpikeShape& shape) {
    if (auto status = check_duration("duration", shape.duration_ns); !status) {
        return status.error();
    }
    if (auto status = check_duration("hold", shape.spike_hold_ns); !status) {
        return status.error();
    }
    if (!is_rate(shape.rate_per_s) || !is_rate(shape.rate_end_per_s) || shape.rate_end_per_s == 0) {
        return make_error("the base rate must be >= 0 and the spike rate > 0");
    }
    if (shape.spike_at_ns < 0 || shape.spike_rise_ns < 0 || shape.spike_fall_ns < 0) {
        return make_error("at, rise and fall must not be negative");
    }
    // Integer sum that refuses to overflow: the fields come from user input.
    int64_t end_ns = shape.spike_at_ns;
    for (const int64_t piece : {shape.spike_rise_ns, shape.spike_hold_ns, shape.spike_fall_ns}) {
        if (__builtin_add_overflow(end_ns, piece, &end_ns)) {
            return make_error("the spike is too long");
        }
    }
    if (end_ns > shape.duration_ns) {
        return make_error(
            "the spike (at + rise + hold + fall) ends after the phase; lengthen "
            "the duration or move the spike earlier");
    }
    const double base = shape.rate_per_s;
    const double peak = shape.rate_end_per_s;
    Segments segments;
    append(segments, shape.spike_at_ns, base, base);
    append(segments, shape.spike_rise_ns, base, peak);
    append(segments, shape.spike_hold_ns, peak, peak);
    append(segments, shape.spike_fall_ns, peak, base);
    append(segments, shape.duration_ns - end_ns, base, base);
    return segments;
}

}  // namespace barrage::schedule
